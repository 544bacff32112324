"""Does a statement row name the employer? Banks truncate names and drop the city: compare cores."""

from __future__ import annotations

import math
import unicodedata
from functools import cache

from loanpipe.domain.idnumber import prefecture_codes, province_names

_PLACE_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "地区", "省", "市",
                   "盟")
_EMPLOYER_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "集团", "公司")


# A reading below the review threshold may carry one misread character per this many characters compared.
CHARS_PER_SLIP = 6


def names_employer(description: str, employer: str | None, *, read_unsurely: bool = False) -> bool:
    """Does a statement row name the employer? Banks truncate names and drop the city: compare cores.

    The core is the name without its legal-form suffix (有限公司...); a leading province or city name
    (GB/T 2260 names, with or without 市/省) may be missing from the row, and the row may cut the name.
    Full-width and half-width forms and spaces do not count.

    ``read_unsurely``: the row or the certificate's employer was read below the review threshold, so one
    character in every ``CHARS_PER_SLIP`` compared may be read as another (万 read as 方). Two sure
    readings are compared exactly: another company of the same city and trade whose name differs by one
    character is another company.
    """
    if not employer:
        return False
    text = _flat(description)
    core = _employer_core(employer)
    candidates = [core]
    for place in _place_prefixes():
        if core.startswith(place) and len(core) - len(place) >= 4:
            candidates.append(core[len(place):])
            break
    return any(_prefix_in(candidate, text, read_unsurely) for candidate in candidates)


def names_whole_employer(description: str, employer: str | None, *, read_unsurely: bool = False) -> bool:
    """Does a statement row print the employer's whole name as the certificate does, legal form included
    (not a cut, not a name without its city)? Read unsurely, within one misread character per
    ``CHARS_PER_SLIP``. A row that does vouches for its words: two documents read apart agree."""
    if not employer:
        return False
    text, name = _flat(description), _flat(employer)
    if len(name) < 4:
        return False
    return name in text or (read_unsurely and _misread_in(name, text, len(name) // CHARS_PER_SLIP))


def _flat(text: str) -> str:
    """NFKC (full-width brackets and digits as half-width) without spaces."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _employer_core(employer: str) -> str:
    text = _flat(employer)
    changed = True
    while changed:
        changed = False
        for suffix in _EMPLOYER_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix) + 1:
                text = text[: -len(suffix)]
                changed = True
    return text


def _prefix_in(core: str, text: str, read_unsurely: bool) -> bool:
    """The core's first 8 characters, or a truncation of at least 3/4 of it (4 at least), are in the text;
    read unsurely, with one character in every ``CHARS_PER_SLIP`` of the prefix read as another."""
    if len(core) < 2:
        return False
    needed = min(len(core), max(4, math.ceil(len(core) * 3 / 4)), 8)
    for length in range(min(len(core), 8), needed - 1, -1):
        prefix = core[:length]
        slips = length // CHARS_PER_SLIP if read_unsurely else 0
        if prefix in text or (slips and _misread_in(prefix, text, slips)):
            return True
    return False


def _misread_in(pattern: str, text: str, slips: int) -> bool:
    """Is ``pattern`` printed in ``text`` with at most ``slips`` characters read as others (a window of the
    same length; a character dropped or cut is not a misreading)?"""
    size = len(pattern)
    return any(sum(a != b for a, b in zip(pattern, text[start:start + size], strict=True)) <= slips
               for start in range(len(text) - size + 1))


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
