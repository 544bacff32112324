"""Place names mended by the lexicon of China's administrative divisions (``domain.divisions``).

An address, an issuing authority and most employers' names begin with places: 四川省成都市成华区…,
乌鲁木齐市公安局沙依巴克分局, 重庆市众邦生物科技…. Under a place already read, the next is one of a few dozen
names, so a character the recogniser got wrong there (城华区 under 成都市, 乌鲁本齐市) is one a lexicon can put
right: a run that differs from exactly one name under the place before it, by one character other than its
suffix (省, 市, 区, 县…), takes that name. At the text's start every place of every level is a candidate, so
北流市 (a county-level city) is never taken for 北京市 misread. Nothing is mended where two names are as near,
or where the name is shorter than three characters.

A mended value is the lexicon's inference, not a reading: the caller keeps it below the review threshold.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from loanpipe.domain.divisions import below

# Words that begin with a place's suffix: 天成市场 is a market's name, not 天津市 misread.
_WORDS_AFTER_SUFFIX = ("市场", "市政", "市民", "市值", "区域", "区块", "省钱", "县域")
_POLICE = "公安局"
_BRANCH = "分局"
_SUFFIXES = "省市区县旗盟州"


@dataclass(frozen=True)
class Mended:
    text: str
    changes: int  # characters replaced by the lexicon's (0: the text as read)


def mend_place_prefix(text: str) -> Mended:
    """The places a text begins with (province, prefecture, county), mended where one character was misread."""
    text, _, _, changes = _chain(text)
    return Mended(text, changes)


def mend_authority(text: str) -> Mended:
    """An ID card's issuing authority: ``<places>公安局[<district>分局]``, its places and the 公安局 mended."""
    text, pos, code, changes = _chain(text)
    if code is None:
        return Mended(text, changes)
    window = text[pos:pos + len(_POLICE)]
    if window != _POLICE and _one_off(window, _POLICE, same_last=False):
        text = text[:pos] + _POLICE + text[pos + len(_POLICE):]
        changes += 1
    if not text.startswith(_POLICE, pos):
        return Mended(text, changes)
    pos += len(_POLICE)
    end = text.find(_BRANCH, pos)
    if end <= pos:
        return Mended(text, changes)
    stem = text[pos:end]
    # 九龙坡分局 and 九龙坡区分局 are both written: the district with or without its suffix
    full = {name for _, name in below(code)}
    names = full | {name[:-1] for name in full if name[-1] in _SUFFIXES and len(name) > 2}
    if stem in names or len(stem) < 3:
        return Mended(text, changes)
    near = {name for name in names if _one_off(stem, name, same_last=False)}
    if len(near) == 1:
        text = text[:pos] + near.pop() + text[end:]
        changes += 1
    return Mended(text, changes)


def _chain(text: str) -> tuple[str, int, str | None, int]:
    """The places at the text's start, each under the one before (a level may be left out: 北京市朝阳区,
    四川省简阳市): (text, where they end, the deepest place's code, characters mended)."""
    pos, code, changes = 0, None, 0
    while code is None or len(code) < 6:
        hit = _match(text, pos, _lexicon(code))
        if hit is None:
            break
        found, name = hit
        if not text.startswith(name, pos):
            text = text[:pos] + name + text[pos + len(name):]
            changes += 1
        pos += len(name)
        code = found
    return text, pos, code, changes


@dataclass(frozen=True)
class _Lexicon:
    """The places under one parent (``divisions.below``) indexed for a match at a position: by length, the
    name's first code (an exact reading); by length and suffix, every (name, code) in ``below``'s order (a
    reading one character off can only be a name of its length ending as it does)."""

    exact: dict[int, dict[str, str]]
    by_shape: dict[tuple[int, str], list[tuple[str, str]]]


@cache
def _lexicon(parent: str | None) -> _Lexicon:
    exact: dict[int, dict[str, str]] = {}
    by_shape: dict[tuple[int, str], list[tuple[str, str]]] = {}
    for code, name in below(parent):
        exact.setdefault(len(name), {}).setdefault(name, code)
        if len(name) >= 3:
            by_shape.setdefault((len(name), name[-1]), []).append((name, code))
    return _Lexicon(exact, by_shape)


def _match(text: str, pos: int, lexicon: _Lexicon) -> tuple[str, str] | None:
    for length in sorted(lexicon.exact, reverse=True):  # longest first
        code = lexicon.exact[length].get(text[pos:pos + length])
        if code is not None:
            return code, text[pos:pos + length]
    near: dict[str, str] = {}
    for (length, suffix), names in lexicon.by_shape.items():
        if pos + length > len(text) or text[pos + length - 1] != suffix:
            continue
        if text.startswith(_WORDS_AFTER_SUFFIX, pos + length - 1):
            continue
        near.update((name, code) for name, code in names if _one_off(text[pos:pos + length], name, same_last=True))
    if len(near) != 1:
        return None
    name, code = near.popitem()
    return code, name


def _one_off(window: str, name: str, *, same_last: bool) -> bool:
    """``window`` is ``name`` with one character replaced (never its last when ``same_last``: the suffix)."""
    if len(window) != len(name) or (same_last and window[-1] != name[-1]):
        return False
    return sum(a != b for a, b in zip(window, name, strict=True)) == 1
