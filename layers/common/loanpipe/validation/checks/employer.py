"""Does a statement row name the employer? Banks truncate names and drop the city: compare cores."""

from __future__ import annotations

import math
from functools import cache

from loanpipe.domain.idnumber import prefecture_codes, province_names

_PLACE_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "地区", "省", "市",
                   "盟")
_EMPLOYER_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "集团", "公司")


def names_employer(description: str, employer: str | None) -> bool:
    """Does a statement row name the employer? Banks truncate names and drop the city: compare cores.

    The core is the name without its legal-form suffix (有限公司...); a leading province or city name
    (GB/T 2260 names, with or without 市/省) may be missing from the row, and the row may cut the name.
    """
    if not employer:
        return False
    text = "".join(description.split()).replace("（", "(").replace("）", ")")
    core = _employer_core(employer)
    candidates = [core]
    for place in _place_prefixes():
        if core.startswith(place) and len(core) - len(place) >= 4:
            candidates.append(core[len(place):])
            break
    return any(_prefix_in(candidate, text) for candidate in candidates)


def _employer_core(employer: str) -> str:
    text = "".join(employer.split()).replace("（", "(").replace("）", ")")
    changed = True
    while changed:
        changed = False
        for suffix in _EMPLOYER_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix) + 1:
                text = text[: -len(suffix)]
                changed = True
    return text


def _prefix_in(core: str, text: str) -> bool:
    """The core's first 8 characters, or a truncation of at least 3/4 of it (4 at least), are in the text."""
    if len(core) < 2:
        return False
    needed = min(len(core), max(4, math.ceil(len(core) * 3 / 4)), 8)
    return any(core[:length] in text for length in range(min(len(core), 8), needed - 1, -1))


@cache
def _place_prefixes() -> tuple[str, ...]:
    """Province and prefecture names, longest first, also without their 市/省/自治区 suffix."""
    names = set(prefecture_codes().values()) | set(province_names().values())
    prefixes = set()
    for name in names:
        prefixes.add(name)
        for suffix in _PLACE_SUFFIXES:
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                prefixes.add(name[: -len(suffix)])
    return tuple(sorted((p for p in prefixes if len(p) >= 2 and p not in ("市辖区", "县")), key=len, reverse=True))
