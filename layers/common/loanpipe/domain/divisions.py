"""China's administrative divisions (GB/T 2260) as a lexicon of place names: the provinces, the prefectures
and the county-level divisions (districts, counties, county-level cities), each with its code.

A place's code says where it sits: a county ``AABBCC`` belongs to the prefecture ``AABB`` and the province
``AA``; a municipality's districts (北京, 天津, 上海, 重庆) sit directly under the province. Names are every
revision's since 1980 (an address or a seal may still carry a name renamed since), the newest name of a code
winning. The tables are data files beside this module: ``gb2260.json`` (provinces, prefectures) and
``gb2260_counties.json`` (written by ``infra/scripts/gb2260_table.py``).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from loanpipe.domain.idnumber import prefecture_codes, province_names

# Placeholders the standard uses for a level a province does not have: never a place's name.
_PLACEHOLDERS = frozenset(("市辖区", "县", "市", "区", "省直辖县级行政区划", "自治区直辖县级行政区划",
                           "省直辖行政单位"))


@cache
def provinces() -> dict[str, str]:
    """Province-level code (2 digits) -> name."""
    return province_names()


@cache
def prefectures() -> dict[str, str]:
    """Prefecture-level code (4 digits) -> name, placeholders left out."""
    return {code: name for code, name in prefecture_codes().items() if name not in _PLACEHOLDERS}


@cache
def counties() -> dict[str, str]:
    """County-level code (6 digits) -> name, placeholders left out."""
    text = resources.files("loanpipe.domain").joinpath("data/gb2260_counties.json").read_text(encoding="utf-8")
    return {code: name for code, name in json.loads(text)["counties"].items() if name not in _PLACEHOLDERS}


@cache
def below(parent: str | None = None) -> tuple[tuple[str, str], ...]:
    """The (code, name) of every place under a parent code (its first digits: a province's prefectures and
    counties, a prefecture's counties), longest name first; every place of every level when no parent."""
    found: dict[str, str] = {}
    for level in (provinces(), prefectures(), counties()):
        found.update((code, name) for code, name in level.items()
                     if parent is None or (code.startswith(parent) and len(code) > len(parent)))
    return tuple(sorted(found.items(), key=lambda place: (-len(place[1]), place[0])))
