"""The monthly income of a certificate: in figures (16,900.00元, ¥9,500.00, 人民币9700元, 1.2万元) and/or
in capital numerals (壹万陆仟玖佰元整), from a form field (月收入（税前） | 16,900.00元) or the letter's
sentence (近一年平均月收入为人民币11,212.80元（大写：壹万壹仟贰佰壹拾贰元捌角）, 每月税前工资收入4,400.00元).

Figures and capital numerals printed together must agree (agree: confirmed; differ: failed). A letter
printing both a pre-tax and an after-tax income gives the pre-tax one, below the review threshold. An
annual income alone is not divided by twelve: the field stays empty with a note for the reviewer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from loanpipe.domain.money import money_str
from loanpipe.extraction.normalize import parse_capital_amount, parse_yuan
from loanpipe.extraction.parsers.certificate_forms import FormValue, Letter
from loanpipe.extraction.parsers.reads import WEAK, Check, FieldRead

# A monthly income in a sentence: 月收入 / 月均收入 / 平均月收入 / 月薪 / 月工资 / 每月(税前)(工资)收入 / 每月工资…
_MONTHLY = re.compile(r"(?:(?:近[一1二2三3六6十12]+个?(?:年|月))?(?:平均|月均)?(?:每月|月)(?:平均|均)?"
                      r"(?:税前|税后|应发|实发|固定|基本)?(?:工资|薪资|薪酬|薪金|收入|薪)+(?:收入|总额|合计)?|月收入|月薪)")
_ANNUAL = re.compile(r"(?:年收入|年薪|年均收入|年度收入|全年收入|年总收入|年工资收入)")
# Figures written as money: with 人民币 / ¥ / RMB before, or 元 / 万元 after (never a date's year).
_MONEY = re.compile(r"(?:人民币|RMB|CNY|[¥￥])[:：]?\s*([\d][\d,.]*\d(?:万)?)|([\d][\d,.]*\d|\d)\s*(万)?(?:元|圆)")
_NET = re.compile(r"税后|实发|到手")
_GROSS = re.compile(r"税前|应发")
_PLAUSIBLE = (Decimal("100"), Decimal("2000000"))  # a monthly salary in yuan


@dataclass(frozen=True)
class _Amount:
    value: Decimal
    confidence: float
    tax: str  # gross | net | "" (not said)
    capital: bool


def _figures(text: str) -> Decimal | None:
    match = _MONEY.search(text)
    if match is None:
        stripped = re.sub(r"[^\d,.万]", "", text)
        return parse_yuan(stripped + "元") if re.fullmatch(r"[\d,.]+万?", stripped or "x") else None
    figure = match.group(1) or (match.group(2) + (match.group(3) or ""))
    return parse_yuan(figure + "元")


def _tax(text: str) -> str:
    return "net" if _NET.search(text) else "gross" if _GROSS.search(text) else ""


def _amounts_in(text: str, confidence: float, tax: str) -> list[_Amount]:
    found = []
    figures = _figures(re.split(r"大写|[(（]", text)[0]) if not text.startswith("大写") else None
    if figures is None:
        # a capital amount first, then its figures in parentheses: 玖仟伍佰元整（¥9,500.00）
        bracket = re.search(r"[(（]([^)）]*\d[^)）]*)[)）]", text)
        figures = _figures(bracket.group(1)) if bracket else None
    if figures is not None:
        found.append(_Amount(figures, confidence, tax, capital=False))
    capital = parse_capital_amount(text)
    if capital is not None:
        found.append(_Amount(capital, confidence, tax, capital=True))
    return found


def _from_forms(found: Sequence[FormValue]) -> list[_Amount]:
    amounts = []
    for value in found:
        if value.key == "monthly_income":
            amounts += _amounts_in(value.value, value.confidence, _tax(value.label))
        elif value.key == "capital" and (capital := parse_capital_amount(value.value)) is not None:
            amounts.append(_Amount(capital, value.confidence, "", capital=True))
    return amounts


def _from_sentences(letter: Letter) -> list[_Amount]:
    amounts = []
    flat = letter.flat
    for match in _MONTHLY.finditer(flat):
        end = match.end()
        stop = re.search(r"[。;；]|(?:年收入|年薪)", flat[end:end + 90])
        segment = flat[end:end + (stop.start() if stop else 90)]
        segment = re.sub(r"^[(（]?(?:税前|税后)[)）]?(?:为|是|约|共计|合计|达)?[:：]?", "", segment)
        segment = re.sub(r"^(?:为|是|约|共计|合计|达)[:：]?", "", segment)
        confidence = letter.confidence(match.start(), end + len(segment))
        said = flat[max(0, match.start() - 2):match.start()] + match.group(0) + segment[:16]
        amounts += _amounts_in(segment, confidence, _tax(said))
    return amounts


def _annual(letter: Letter, found: Sequence[FormValue]) -> Decimal | None:
    for value in found:
        if value.key == "annual_income" and (amount := _figures(value.value)) is not None:
            return amount
    match = _ANNUAL.search(letter.flat)
    return _figures(letter.flat[match.end():match.end() + 40]) if match else None


def read_income(letter: Letter, found: Sequence[FormValue]) -> FieldRead:
    amounts = [a for a in _from_forms(found) + _from_sentences(letter)
               if _PLAUSIBLE[0] <= a.value <= _PLAUSIBLE[1]]
    figures = [a for a in amounts if not a.capital]
    capitals = [a for a in amounts if a.capital]
    if not amounts:
        annual = _annual(letter, found)
        notes = [f"monthly_income: only an annual income ({money_str(annual)}) is printed"] if annual else []
        return FieldRead(None, 0.0, notes=notes)
    certainty, notes = 1.0, []
    if {a.value for a in figures if a.tax == "gross"} and {a.value for a in figures if a.tax == "net"} - {
            a.value for a in figures if a.tax == "gross"}:
        certainty = WEAK
        notes.append("monthly_income: both a pre-tax and an after-tax income are printed; the pre-tax one is given")
    order = {"gross": 0, "": 1, "net": 2}
    figures.sort(key=lambda a: order[a.tax])
    if figures and capitals:
        agreeing = [f for f in figures if any(c.value == f.value for c in capitals)]
        if agreeing:
            best = agreeing[0]
            return FieldRead(money_str(best.value), best.confidence, Check.CONFIRMED, notes, certainty)
        best = figures[0]
        return FieldRead(money_str(best.value), best.confidence, Check.FAILED,
                         [*notes, "monthly_income figures and capital numerals differ"], certainty)
    best = (figures or capitals)[0]
    if len({a.value for a in (figures or capitals)}) > 1:
        certainty = WEAK
        notes.append("monthly_income: the page prints several different monthly amounts")
    return FieldRead(money_str(best.value), best.confidence, Check.NONE, notes, certainty)
