"""The banks operating in China by their full registered name (the extraction contract's ``bank_name``),
recognised from the short names, English names and abbreviations statements also print (工行, ICBC,
浦发银行 -> 上海浦东发展银行). The table is ``data/banks.json``; a city or rural commercial bank not in it is
canonicalised by its form (成都农商银行 -> 成都农村商业银行)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class BankMatch:
    """A bank named in a text: its full registered name, the words that named it, and how (``full``:
    the registered name itself; ``alias``: a Chinese short name; ``english``: an English name or
    abbreviation; ``regional``: a city/rural bank read by its form)."""

    name: str
    matched: str
    how: str


@dataclass(frozen=True)
class _Table:
    chinese: tuple[tuple[str, str, str], ...]  # (words, full name, how), longest words first
    english: tuple[tuple[re.Pattern[str], str, str], ...]
    suffixes: tuple[tuple[str, str], ...]


@cache
def _table() -> _Table:
    raw = json.loads(resources.files("loanpipe.domain").joinpath("data/banks.json").read_text(encoding="utf-8"))
    chinese, english = [], []
    for bank in raw["banks"]:
        chinese.append((bank["name"], bank["name"], "full"))
        chinese.extend((alias, bank["name"], "alias") for alias in bank["aliases"])
        for word in bank["english"]:
            # A whole word in capitals (ABC inside ABCD is not the Agricultural Bank).
            english.append((re.compile(rf"(?<![A-Z]){re.escape(word)}(?![A-Z])"), bank["name"], word))
    chinese.sort(key=lambda item: -len(item[0]))
    english.sort(key=lambda item: -len(item[2]))
    suffixes = sorted(raw["regional_suffixes"].items(), key=lambda item: -len(item[0]))
    return _Table(tuple(chinese), tuple(english), tuple(suffixes))


_PLACE = r"[\u3400-\u9fff]{2,8}?"
_LABELS = re.compile(r"(?:开户行|开户银行|开户机构|开户网点|所属机构|机构名称)[:：]?")
_NOT_A_BANK_NAME = re.compile(r"(?:以|与|向|经|在|本|该|各|到|的)$")


def find_bank_name(text: str) -> BankMatch | None:
    """The bank a text names, by its full registered name: a listed bank (full, short or English name;
    the longest words first, so 中国银行 inside 中国银行股份有限公司 and 民生银行 inside 中国民生银行 name
    the right bank), else a city or rural bank by its form. None when no bank is named."""
    table = _table()
    found = [(text.find(words), -len(words), name, words, how) for words, name, how in table.chinese if words in text]
    if found:
        _, _, name, words, how = min(found)
        return BankMatch(name, words, how)
    text = _LABELS.sub(" ", text)
    for suffix, full in table.suffixes:
        match = re.search(rf"({_PLACE}){re.escape(suffix)}", text)
        if match and not _NOT_A_BANK_NAME.search(match.group(1)):
            return BankMatch(match.group(1) + full, match.group(0), "regional")
    upper = text.upper()
    for pattern, name, word in table.english:
        if pattern.search(upper):
            return BankMatch(name, word, "english")
    return None


def canonical_bank_name(text: str) -> str | None:
    """The full registered name of the bank ``text`` names (浦发银行 -> 上海浦东发展银行), or None."""
    match = find_bank_name(text)
    return match.name if match else None
