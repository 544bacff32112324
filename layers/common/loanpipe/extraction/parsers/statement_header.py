"""The statement's header fields (银行流水): the account holder, the account number, the bank, the
period and the opening and closing balances printed above (or below) the table."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from loanpipe.domain.banks import find_bank_name
from loanpipe.domain.money import money_str
from loanpipe.extraction.labels import lines_text, value_after
from loanpipe.extraction.layout import TextBox
from loanpipe.extraction.normalize import account_digits, find_dates, halfwidth, parse_amount
from loanpipe.extraction.parsers.reads import Check, FieldRead, person_name, row_after
from loanpipe.extraction.parsers.statement_columns import find_header

# The labels banks print before each header field, most specific first.
HOLDER_LABELS = ("账户户名", "客户姓名", "客户名称", "账户名称", "持卡人", "户名", "姓名")
ACCOUNT_LABELS = ("账户号码", "客户账号", "借记卡号", "账号", "卡号", "帐号", "账户号")
PERIOD_LABELS = ("查询起止日期", "交易起止日期", "起止日期", "查询期间", "交易期间", "对账期间", "明细期间", "账单周期",
                 "起始日期", "查询时段", "查询日期", "起讫日期")
OPENING_LABELS = ("期初余额", "上期余额", "起始余额", "承前余额", "上期结余", "期初金额")
CLOSING_LABELS = ("期末余额", "本期余额", "结束余额", "当前余额", "本期结余", "期末金额")


def read_statement_header(boxes: Sequence[TextBox]) -> dict[str, FieldRead]:
    """The header fields, each after its label. The holder, account and period are looked for above the
    table (its 对方户名 / 对方账号 columns are not the account's); the balances anywhere (the closing one is
    often printed under the table)."""
    header = find_header(boxes)
    # Above the table means above its header row too: ``header[1]`` is half a line below the row's centres,
    # so a run whose centre is not a whole line higher is one of the column names (对方账户名称 is no holder).
    above = [b for b in boxes if header is None or b.cy < header[1] - b.height]
    above_table = lines_text(above)
    reads: dict[str, FieldRead] = {"account_holder": _holder(above), "account_number": _account(above, above_table)}
    bank, bank_conf, bank_cap = find_bank(above_table)
    # A name or short name of the table of China's banks is its own validator: a misreading does not land
    # on another bank's name.
    listed = Check.PASSED if bank is not None and bank_cap >= 1.0 else Check.NONE
    reads["bank_name"] = FieldRead(bank, bank_conf, listed, certainty=bank_cap)

    period = row_after(above, PERIOD_LABELS)
    dates = period_dates(period[0]) if period else []
    start = dates[0] if dates else None
    end = dates[1] if len(dates) > 1 else None
    check = Check.PASSED if start and end and start <= end else (Check.FAILED if start and end else Check.NONE)
    reads["period_start"] = FieldRead(start.isoformat() if start else None, period[1] if period and start else 0.0,
                                      check)
    reads["period_end"] = FieldRead(end.isoformat() if end else None, period[1] if period and end else 0.0, check)

    for name_, labels, avoid in (("opening_balance", OPENING_LABELS, CLOSING_LABELS),
                                 ("closing_balance", CLOSING_LABELS, OPENING_LABELS)):
        run = row_after(boxes, labels, avoid)
        amount = parse_amount(run[0]) if run else None
        reads[name_] = FieldRead(money_str(amount) if amount is not None else None,
                                 run[1] if run and amount is not None else 0.0)
    return reads


def _holder(above: Sequence[TextBox]) -> FieldRead:
    holder = value_after(above, HOLDER_LABELS)
    name = person_name(_cut_at_labels(holder[0])) if holder else None
    read = FieldRead(name, holder[1] if holder and name else 0.0)
    if name and len(name) >= 5 and "·" not in name:
        # Transliterated names (热依拉·阿不都) carry a middle dot OCR tends to drop.
        read.check = Check.FAILED
        read.notes.append("long name without a middle dot")
    return read


def _account(above: Sequence[TextBox], above_table: Sequence[tuple[str, float]]) -> FieldRead:
    """The account number after its label: the digit groups that follow it on its line (6228 4847 4640
    3751 310 printed in groups is one number). With the label misread (张号), a 16-19 digit run above the
    table that is not a date is taken, unsure."""
    account = row_after(above, ACCOUNT_LABELS)
    digits = re.match(r"[\s\-]*([\d\s\-]{12,40})", halfwidth(account[0])) if account else None
    number = account_digits(digits.group(1)) if digits else None
    if account and number:
        return FieldRead(number, account[1])
    for line, confidence in above_table:
        match = re.search(r"(?<!\d)(\d{16,19})(?!\d)", re.sub(r"[\s\-]", "", halfwidth(line)))
        if match and not find_dates(match.group(1)[:8]):
            return FieldRead(match.group(1), confidence, certainty=0.75)
    return FieldRead(None, 0.0)


_RANGE_WORDS = re.compile(r"\s*(?:至|到|~|～|—|–)\s*")
_RANGE_HYPHEN = re.compile(r"(?<=\d)\s*-+\s*(?=(?:19|20)\d{2}(?:\d{4}|[-./年]))")


def period_dates(text: str) -> list[date]:
    """The dates of a period (20240820 - 20250219, 2025/03/01至2025/08/28): each side of the range mark read
    on its own, so a hyphen between two compact dates is not taken for part of either."""
    text = halfwidth(text)
    mark = _RANGE_WORDS if _RANGE_WORDS.search(text) else _RANGE_HYPHEN
    parts = [part for part in mark.split(text, maxsplit=1) if part]
    dates = [found for part in parts for found in find_dates(part)[:1]]
    return dates if len(dates) >= 2 else find_dates(text)


_STATEMENT_LABELS = ("账号", "卡号", "账户", "起止日期", "币种", "打印日期", "钞汇", "个人", "查询", "交易明细",
                     "开户", "日期")


def _cut_at_labels(text: str) -> str:
    """A value that ran into the next label on its line (户名:张玉妍 起止日期:...) stops there."""
    positions = [text.find(label) for label in _STATEMENT_LABELS if label in text]
    return text[: min(positions)] if positions else text


# How sure a bank named in each way is: its registered name or a Chinese short name is the bank; an
# English abbreviation may be another word; a regional bank read by its form, or any other ``...银行``
# phrase, is a guess a reviewer should see.
_BANK_CONFIDENCE = {"full": 1.0, "alias": 1.0, "english": 0.85, "regional": 0.75}


def find_bank(lines: Sequence[tuple[str, float]]) -> tuple[str | None, float, float]:
    """The issuing bank by its full registered name (浦发银行 -> 上海浦东发展银行): the first line (top down:
    the logo, the title, the 开户行 line) naming a known bank, else any ``...银行`` phrase, unsure.
    Returns the name, the reading's confidence and the most the field may claim."""
    for line, confidence in lines:
        match = find_bank_name(line)
        if match is not None:
            return match.name, confidence, _BANK_CONFIDENCE[match.how]
    for line, confidence in lines:
        phrase = re.search(r"([\u3400-\u9fff]{2,10}银行)", line)
        if phrase and not re.search(r"(?:以银行|与银行|银行系统)", line):
            name = re.sub(r"^(?:开户行|开户银行|开户机构)[:：]?", "", phrase.group(1))
            return name, confidence, 0.6
    return None, 0.0, 1.0
