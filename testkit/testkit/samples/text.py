"""Chinese text conventions of the documents: amounts in capital numerals, printed dates, amounts, line breaks.

Calendar arithmetic (ages, anniversaries) is ``loanpipe.domain.calendar``'s, as in the checks.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from loanpipe.domain.money import fen

DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_GROUP_UNITS = ("", "万", "亿", "万亿")


def _group_words(group: int) -> str:
    """0 < group < 10000, with 零 for inner zeros (1005 -> 壹仟零伍)."""
    words = []
    pending_zero = False
    for position in range(3, -1, -1):
        digit = group // 10**position % 10
        if digit == 0:
            if words:
                pending_zero = True
            continue
        if pending_zero:
            words.append("零")
            pending_zero = False
        words.append(DIGITS[digit] + _SMALL_UNITS[position])
    return "".join(words)


def amount_in_words(amount: Decimal) -> str:
    """人民币大写: 12500.00 -> 壹万贰仟伍佰元整, 100005.30 -> 壹拾万零伍元叁角, 0.50 -> 伍角."""
    value = fen(amount)
    if value < 0:
        raise ValueError("a negative amount has no capital form on a certificate")
    yuan = int(value)
    cents = int((value - yuan) * 100)
    jiao, fen_digit = divmod(cents, 10)
    if yuan == 0:
        text = "零元" if cents == 0 else ""
    else:
        groups = []
        rest = yuan
        while rest:
            groups.append(rest % 10000)
            rest //= 10000
        parts: list[str] = []
        need_zero = False
        for index in range(len(groups) - 1, -1, -1):
            group = groups[index]
            if group == 0:
                need_zero = bool(parts)
                continue
            if parts and (need_zero or group < 1000):
                parts.append("零")
            parts.append(_group_words(group) + _GROUP_UNITS[index])
            need_zero = False
        text = "".join(parts) + "元"
    if cents == 0:
        return text + "整"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif yuan:
        text += "零"
    if fen_digit:
        text += DIGITS[fen_digit] + "分"
    return text


def grouped(amount: Decimal, *, sign: bool = False) -> str:
    """12500 -> '12,500.00'; with sign=True credits get a '+'."""
    value = fen(amount)
    text = f"{value:,.2f}"
    if sign and value > 0:
        text = "+" + text
    return text


def iso(day: date) -> str:
    return day.isoformat()


def cn_date(day: date, *, pad: bool = True) -> str:
    """2026年11月05日 (pad) / 2026年11月5日."""
    if pad:
        return f"{day.year}年{day.month:02d}月{day.day:02d}日"
    return f"{day.year}年{day.month}月{day.day}日"


_NUMERALS = "〇一二三四五六七八九"


def cn_numeral_date(day: date) -> str:
    """二〇二五年五月二十二日: the year digit by digit, month and day as numbers in words."""
    def number(value: int) -> str:
        tens, units = divmod(value, 10)
        return (("" if tens == 1 else _NUMERALS[tens]) + "十" if tens else "") + (_NUMERALS[units] if units else "")
    return "".join(_NUMERALS[int(digit)] for digit in str(day.year)) + f"年{number(day.month)}月{number(day.day)}日"


def tokens(text: str) -> list[str]:
    """Split text into line-breakable units: one CJK character, or a run of ASCII (numbers, IDs)."""
    units: list[str] = []
    run = ""
    for char in text:
        if (char.isascii() and not char.isspace()) or char in "¥￥":
            run += char
            continue
        if run:
            units.append(run)
            run = ""
        units.append(char)
    if run:
        units.append(run)
    return units


# Characters that must not start a line (禁则): they stay with the previous unit.
NO_LINE_START = set("，。、；：！？）》」』”’,.;:!?)%")


def wrap(text: str, width_px: int, measure, *, first_indent_px: int = 0) -> list[str]:
    """Greedy line breaking for Chinese text with ``measure(str) -> px``; keeps numbers whole."""
    lines: list[str] = []
    line = ""
    limit = width_px - first_indent_px
    for unit in tokens(text):
        candidate = line + unit
        if line and measure(candidate) > limit and unit not in NO_LINE_START:
            lines.append(line)
            line = unit.lstrip()
            limit = width_px
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines
