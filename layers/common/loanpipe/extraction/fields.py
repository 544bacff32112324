"""Field parsers: from the text runs of a page to the contract's fields in normal form.

Each parser returns ``FieldRead``s: the value, the OCR confidence of the text it came from and the
outcome of the validators that apply (ID check digit, date validity, birth date / sex against the ID
number, figures against capital numerals, validity period length). ``confidence.py`` turns these into
the contract's per-field confidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from loanpipe.domain.money import money_str
from loanpipe.extraction.labels import compact, find_label, lines_text, right_of, value_after
from loanpipe.extraction.layout import TextBox, rows
from loanpipe.extraction.normalize import (
    LONG_TERM,
    account_digits,
    find_dates,
    find_ethnicity,
    find_id_number,
    find_sex,
    halfwidth,
    id_birth_date,
    id_checksum_ok,
    id_sex,
    parse_amount,
    parse_capital_amount,
    parse_date,
)
from loanpipe.extraction.statement import find_header


class Check(Enum):
    CONFIRMED = "confirmed"  # equals a second, independent reading (balance chain, capital numerals)
    PASSED = "passed"  # a validator accepts the value (a check digit, a plausible period)
    NONE = "none"  # no validator applies
    FAILED = "failed"  # a validator contradicts the value


@dataclass
class FieldRead:
    value: str | None
    ocr: float = 0.0
    check: Check = Check.NONE
    notes: list[str] = field(default_factory=list)

    @classmethod
    def missing(cls) -> FieldRead:
        return cls(None, 0.0)


_NAME_CHARS = re.compile(r"[\u3400-\u9fff·•]+")


def _name(text: str | None) -> str | None:
    if not text:
        return None
    parts = _NAME_CHARS.findall(halfwidth(text))
    name = "".join(parts).replace("•", "·").strip("·")
    return name if 2 <= len(name) <= 20 else None


def _cjk_text(text: str | None, keep: str = "()（）·-0-9A-Za-z") -> str | None:
    if not text:
        return None
    cleaned = re.sub(rf"[^\u3400-\u9fff{keep}]", "", halfwidth(text))
    return cleaned or None


def row_after(boxes: Sequence[TextBox], labels: Sequence[str], avoid: Sequence[str] = (),
              *, at_start: bool = False) -> tuple[str, float, TextBox, list[TextBox]] | None:
    """The rest of the label's run plus every run to its right on the same row, as one string."""
    hit = find_label(boxes, labels, avoid, at_start=at_start)
    if hit is None:
        return None
    right = right_of(boxes, hit.box)
    text = hit.rest + "".join(compact(b.text) for b in right)
    confidence = min([hit.box.confidence] + [b.confidence for b in right])
    return text, confidence, hit.box, right


# ---------------------------------------------------------------- ID card front (人像面)

_FRONT_LABELS = ("姓名", "性别", "民族", "出生", "住址", "公民身份号码")


def _strip_labels(text: str) -> str:
    for label in _FRONT_LABELS:
        text = text.replace(label, "")
    return text


def read_id_card_front(boxes: Sequence[TextBox]) -> dict[str, FieldRead]:
    reads: dict[str, FieldRead] = {}

    id_run = row_after(boxes, ["公民身份号码", "身份号码", "号码"])
    id_number, id_conf = None, 0.0
    if id_run:
        id_number, id_conf = find_id_number(id_run[0]), id_run[1]
    if id_number is None:
        for box in boxes:
            candidate = find_id_number(box.text)
            if candidate:
                id_number, id_conf = candidate, box.confidence
                break
    reads["id_number"] = _id_number_read(id_number, id_conf)
    valid_id = id_number if id_number and id_checksum_ok(id_number) else None

    name_run = value_after(boxes, ["姓名"])
    name = _name(_strip_labels(name_run[0])) if name_run else None
    reads["name"] = FieldRead(name, name_run[1] if name_run and name else 0.0)

    sex_run = row_after(boxes, ["性别"])
    sex = None
    if sex_run:
        sex = find_sex(sex_run[0].split("民族")[0]) or find_sex(sex_run[0][:2])
    check = Check.NONE
    if sex and valid_id:
        check = Check.PASSED if id_sex(valid_id) == sex else Check.FAILED
    reads["sex"] = FieldRead(sex, sex_run[1] if sex_run and sex else 0.0, check)

    eth_run = row_after(boxes, ["民族"])
    ethnicity = find_ethnicity(eth_run[0]) if eth_run else None
    reads["ethnicity"] = FieldRead(ethnicity, eth_run[1] if eth_run and ethnicity else 0.0)

    birth_run = row_after(boxes, ["出生"])
    birth = parse_date(birth_run[0]) if birth_run else None
    check = Check.NONE
    if birth and valid_id:
        check = Check.CONFIRMED if id_birth_date(valid_id) == birth else Check.FAILED
    reads["birth_date"] = FieldRead(birth.isoformat() if birth else None,
                                    birth_run[1] if birth_run and birth else 0.0, check)
    if check is Check.CONFIRMED:
        # The printed birth date equals the eight digits inside the number: both readings are right.
        reads["id_number"].check = Check.CONFIRMED

    reads["address"] = _id_address(boxes)
    return reads


def _id_address(boxes: Sequence[TextBox]) -> FieldRead:
    hit = find_label(boxes, ["住址"])
    if hit is None:
        return FieldRead.missing()
    first = right_of(boxes, hit.box)
    parts = [hit.rest] + [compact(b.text) for b in first]
    used = [hit.box] + first
    label_width = hit.box.width * len(hit.label) / max(1, len(compact(hit.box.text)))
    value_x0 = first[0].x0 if first else hit.box.x0 + label_width
    line_height = max(b.height for b in used)
    stop = find_label(boxes, ["公民身份号码", "身份号码"])
    stop_y = stop.box.y0 if stop else float("inf")
    bottom = max(b.y1 for b in used)
    for row in rows(b for b in boxes if b.y0 > bottom - 0.3 * line_height and b.y1 < stop_y):
        if row[0].y0 - bottom > 1.2 * line_height:
            break
        # A continuation line starts under the value (right of the 住址 label), never in the label column.
        if row[0].x0 < hit.box.x0 + 1.2 * line_height or row[0].x0 > value_x0 + 3 * line_height:
            break
        text = "".join(compact(b.text) for b in row)
        if any(label in text for label in _FRONT_LABELS):
            break
        parts.append(text)
        used.extend(row)
        bottom = max(b.y1 for b in row)
    address = _cjk_text("".join(parts), keep="0-9A-Za-z\\-#()（）·")
    if not address or len(address) < 4:
        return FieldRead.missing()
    return FieldRead(address, min(b.confidence for b in used))


# ---------------------------------------------------------------- ID card back (国徽面)

_VALID_YEARS = {5, 10, 20}


def read_id_card_back(boxes: Sequence[TextBox]) -> dict[str, FieldRead]:
    reads: dict[str, FieldRead] = {}
    authority = row_after(boxes, ["签发机关", "签发机"])
    value = _cjk_text(authority[0], keep="") if authority else None
    reads["issuing_authority"] = FieldRead(value, authority[1] if authority and value else 0.0)
    if value and not value.endswith(("局", "分局", "公安局", "所", "厅")):
        reads["issuing_authority"].check = Check.FAILED

    validity = row_after(boxes, ["有效期限", "有效期"])
    valid_from = valid_until = None
    confidence = 0.0
    long_term = False
    if validity:
        text, confidence = validity[0], validity[1]
        dates = find_dates(text)
        if len(dates) < 2 and "-" in halfwidth(text):
            # "20160312-20360312" and "2016.03.12-2036.03.12" with a misread separator
            dates = [d for part in re.split(r"[-—–~至]", halfwidth(text)) if (d := parse_date(part))]
        long_term = LONG_TERM in text or "长" in text.split("-")[-1]
        if dates:
            valid_from = dates[0]
        if len(dates) >= 2:
            valid_until = dates[1]
    check = Check.NONE
    if valid_from and valid_until:
        years = valid_until.year - valid_from.year
        same_day = (valid_until.month, valid_until.day) == (valid_from.month, valid_from.day)
        check = Check.CONFIRMED if years in _VALID_YEARS and same_day else Check.FAILED
    elif valid_from and long_term:
        check = Check.PASSED
    reads["valid_from"] = FieldRead(valid_from.isoformat() if valid_from else None,
                                    confidence if valid_from else 0.0, check)
    until_value = valid_until.isoformat() if valid_until else (LONG_TERM if long_term and valid_from else None)
    reads["valid_until"] = FieldRead(until_value, confidence if until_value else 0.0, check)
    return reads


# ---------------------------------------------------------------- income certificate (收入证明)

def _page_lines(boxes: Sequence[TextBox]) -> tuple[list[tuple[str, float]], str]:
    lines = lines_text(boxes)
    return lines, "\n".join(text for text, _ in lines)


def _line_confidence(lines: list[tuple[str, float]], fragment: str) -> float:
    for text, confidence in lines:
        if fragment and fragment in text:
            return confidence
    return min((c for _, c in lines), default=0.0)


def _first(patterns: Sequence[str], text: str) -> str | None:
    for pattern in patterns:
        match = re.search(pattern, text)
        if match:
            return match.group(1)
    return None


def _id_number_read(id_number: str | None, confidence: float) -> FieldRead:
    """An ID number as read, its check character validated (a mismatch fails the read, with a note)."""
    if not id_number:
        return FieldRead.missing()
    ok = id_checksum_ok(id_number)
    return FieldRead(id_number, confidence, Check.PASSED if ok else Check.FAILED,
                     [] if ok else ["id_number check digit does not match"])


_CJK_NAME = r"[\u3400-\u9fff·]{2,12}"
# How an organisation's name ends (longest first, for the pattern's alternation).
ORG_ENDINGS = ("有限责任公司", "股份有限公司", "有限公司", "公司", "集团", "厂", "医院", "学校", "大学", "研究院",
               "研究所", "中心", "事务所", "银行", "局")
_ORG_END = f"(?:{'|'.join(ORG_ENDINGS)})"
_ORG = rf"[\u3400-\u9fff()（）]{{2,40}}?{_ORG_END}"
# 日 is misread as 目 / 曰 in small print; the date is whole without it.
_DATE_TEXT = r"((?:19|20)\d{2}\s*[年.\-/]\s*\d{1,2}\s*[月.\-/]\s*\d{1,2}\s*[日目曰]?|(?:19|20)\d{6})"


def _labelled(boxes: Sequence[TextBox], labels: Sequence[str]) -> tuple[str, float] | None:
    """A value in a label | value table row (the label opens its run; not a word inside a sentence)."""
    run = row_after(boxes, labels, at_start=True)
    if run is None or not run[0]:
        return None
    return halfwidth(run[0]), run[1]


def read_income_certificate(boxes: Sequence[TextBox]) -> dict[str, FieldRead]:
    """Label-anchored first (the table template: 姓名 | 张伟), then the sentences of the letter templates
    (兹证明张伟同志（身份证号码：...）自2019年3月1日起在我单位工作，现任销售经理职务，月收入为...)."""
    lines, text = _page_lines(boxes)
    flat = halfwidth(text.replace("\n", ""))
    reads: dict[str, FieldRead] = {}

    labelled = _labelled(boxes, ["姓名"])
    name = _name(labelled[0]) if labelled else None
    name_conf = labelled[1] if labelled and name else 0.0
    if name is None:
        name = _name(_first([rf"兹证明[:：]?({_CJK_NAME}?)(?:同志|先生|女士|[,，(（]|系|为|是)",
                             rf"(?:我单位|我公司)(?:员工|职工)({_CJK_NAME}?)(?:同志|先生|女士|[,，(（]|系|为|是)",
                             rf"兹有({_CJK_NAME}?)(?:同志|先生|女士|[,，(（])"], flat))
        name_conf = _line_confidence(lines, name) if name else 0.0
    reads["name"] = FieldRead(name, name_conf)

    labelled = _labelled(boxes, ["身份证号码", "身份证号"])
    id_number = find_id_number(labelled[0]) if labelled else None
    id_conf = labelled[1] if labelled and id_number else 0.0
    if id_number is None:
        id_text = _first([r"身份证(?:号码|号)?[:：]?([0-9Xx×OolI\s]{15,24})"], flat)
        id_number = find_id_number(id_text or flat)
        id_conf = _line_confidence(lines, id_number[:8]) if id_number else 0.0
    reads["id_number"] = _id_number_read(id_number, id_conf)

    reads["employer"] = _employer(boxes, lines, flat)

    labelled = _labelled(boxes, ["现任职务", "职务", "职位", "岗位"])
    position = _cjk_text(labelled[0], keep="A-Za-z") if labelled else None
    position_conf = labelled[1] if labelled and position else 0.0
    if not position:
        position = _first([r"(?:现担任|担任|现任)([\u3400-\u9fffA-Za-z]{2,20}?)(?:职务|一职|岗位|职位)"], flat)
        position_conf = _line_confidence(lines, position) if position else 0.0
    reads["position"] = FieldRead(position, position_conf)

    reads["monthly_income"] = _income(boxes, lines, flat)

    labelled = _labelled(boxes, ["入职时间", "入职日期", "参加工作时间"])
    start_date = parse_date(labelled[0]) if labelled else None
    start_conf = labelled[1] if labelled and start_date else 0.0
    if start_date is None:
        start_date = parse_date(_first([rf"自{_DATE_TEXT}(?:起|至今|入职)", rf"于{_DATE_TEXT}(?:入职|起)",
                                        rf"入职(?:时间|日期)?[:：]?{_DATE_TEXT}"], flat))
        start_conf = _line_confidence(lines, "入职") if start_date else 0.0
        if start_date:
            for line, confidence in lines:
                if start_date in find_dates(line):
                    start_conf = confidence
                    break
    reads["employment_start"] = FieldRead(start_date.isoformat() if start_date else None, start_conf)

    reads["issue_date"] = _issue_date(lines, start_date)
    if reads["issue_date"].value and start_date:
        issued = date.fromisoformat(reads["issue_date"].value)
        if start_date > issued:
            reads["issue_date"].check = Check.FAILED
            reads["employment_start"].check = Check.FAILED
    return reads


def _employer(boxes: Sequence[TextBox], lines: list[tuple[str, float]], flat: str) -> FieldRead:
    """单位名称（盖章）：X / 工作单位 | X, else the letterhead or the closing line naming an organisation."""
    for labels in (["工作单位", "单位名称", "公司名称"],):
        labelled = _labelled(boxes, labels)
        if labelled:
            text = re.sub(r"^[(（]?盖章[)）]?[:：]?", "", compact(labelled[0]))
            match = re.match(rf"({_ORG})", text)
            if match:
                return FieldRead(match.group(1), labelled[1])
    match = re.search(rf"在({_ORG})(?:工作|任职)", flat)
    if match:
        return FieldRead(match.group(1), _line_confidence(lines, match.group(1)[:4]))
    # A line that is only an organisation's name: the letterhead at the top or the signature line.
    for line, confidence in lines:
        text = halfwidth(line)
        match = re.fullmatch(rf"(?:单位名称)?(?:[(（]?盖章[)）]?)?[:：]?({_ORG})", text)
        if match and "证明" not in text:
            return FieldRead(match.group(1), confidence)
    return FieldRead.missing()


def _issue_date(lines: list[tuple[str, float]], start: date | None) -> FieldRead:
    """The date the certificate was signed: labelled 日期, else the last date on the page that is not
    the employment start (it is printed under the signature)."""
    for line, confidence in lines:
        text = halfwidth(line)
        match = re.search(rf"(?:开具日期|出具日期|证明日期|^日期)[:：]?{_DATE_TEXT}", text)
        if match:
            value = parse_date(match.group(1))
            if value:
                return FieldRead(value.isoformat(), confidence)
    for line, confidence in reversed(lines):
        dates = [d for d in find_dates(line) if d != start]
        if dates and not re.search(r"(?:入职|自.*起|于.*入职)", line):
            return FieldRead(dates[-1].isoformat(), confidence)
    return FieldRead.missing()


_INCOME_LABELS = ["月收入(税前)", "月收入（税前）", "月均收入", "月收入", "月工资", "月薪", "每月收入"]


def _income(boxes: Sequence[TextBox], lines: list[tuple[str, float]], flat: str) -> FieldRead:
    """The monthly income in figures (12,500.00 / ¥12,500.00 / 12500元) and/or capital numerals
    (壹万贰仟伍佰元整). When both are printed they must agree (a strong validator)."""
    run = row_after(boxes, ["月收入（税前）", "月收入(税前)"], at_start=True)
    if run is not None and run[0]:
        # A figure's value is in its digits (the ¥, the grouping commas and the parentheses of the label
        # are normalised away): the engine's confidence in the letters and digits is the one that counts.
        segment = halfwidth(run[0])
        confidence = min(box.confidence if box.word_confidence is None else box.word_confidence
                         for box in [run[2], *run[3]])
    else:
        segment = _first([r"(?:月均收入|月收入|月工资|月薪|每月收入)(?:[(（]税前[)）])?(?:为|是)?[:：]?(.{0,70})"],
                         flat)
        if segment is None:
            return FieldRead.missing()
        confidence = min((c for line, c in lines if "收入" in line or "大写" in line), default=0.0)
    segment = re.sub(r"^[(（]?税前[)）]?(?:为|是)?[:：]?", "", segment)
    figures_part = re.split(r"大写|[(（]", segment)[0]
    # A figure counts only when written as money (人民币 / ¥ before it, 元 after it), never a date's year.
    money = re.search(r"(?:人民币|[¥￥]|RMB)\s*([+\-]?[\d,.]+\d)|([\d,.]*\d)\s*元", figures_part)
    figures = parse_amount(money.group(1) or money.group(2)) if money else None
    capital = parse_capital_amount(segment)
    if figures is not None and capital is not None:
        if figures == capital:
            return FieldRead(money_str(figures), confidence, Check.CONFIRMED)
        return FieldRead(money_str(figures), confidence, Check.FAILED,
                         ["monthly_income figures and capital numerals differ"])
    value = figures if figures is not None else capital
    if value is None or value <= 0:
        return FieldRead.missing()
    return FieldRead(money_str(value), confidence)


# ---------------------------------------------------------------- bank statement (银行流水)

def read_statement_header(boxes: Sequence[TextBox]) -> dict[str, FieldRead]:
    lines, text = _page_lines(boxes)
    reads: dict[str, FieldRead] = {}
    holder = value_after(boxes, ["户名", "账户名称", "客户名称", "姓名"])
    name = _name(_cut_at_labels(holder[0])) if holder else None
    reads["account_holder"] = FieldRead(name, holder[1] if holder and name else 0.0)
    if name and len(name) >= 5 and "·" not in name:
        # Transliterated names (热依拉·阿不都) carry a middle dot OCR tends to drop.
        reads["account_holder"].check = Check.FAILED
        reads["account_holder"].notes.append("long name without a middle dot")

    account = value_after(boxes, ["账号", "卡号", "帐号", "账户号码"])
    number = account_digits(account[0]) if account else None
    account_conf = account[1] if account and number else 0.0
    header = find_header(boxes)
    above_table = lines_text([b for b in boxes if header is None or b.cy < header[1]])
    if number is None:
        # The label misread (张号): a 16-19 digit run above the table that is not a date is the account.
        for line, confidence in above_table:
            match = re.search(r"(?<!\d)(\d{16,19})(?!\d)", re.sub(r"[\s\-]", "", halfwidth(line)))
            if match and not find_dates(match.group(1)[:8]):
                number, account_conf = match.group(1), min(confidence, 0.75)
                break
    reads["account_number"] = FieldRead(number, account_conf)

    bank, bank_conf = find_bank(above_table)
    reads["bank_name"] = FieldRead(bank, bank_conf)

    period = row_after(boxes, ["起止日期", "查询期间", "交易期间", "账单周期", "起始日期", "查询时段"])
    dates = find_dates(period[0]) if period else []
    start = dates[0] if dates else None
    end = dates[1] if len(dates) > 1 else None
    check = Check.PASSED if start and end and start <= end else (Check.FAILED if start and end else Check.NONE)
    reads["period_start"] = FieldRead(start.isoformat() if start else None, period[1] if period and start else 0.0,
                                      check)
    reads["period_end"] = FieldRead(end.isoformat() if end else None, period[1] if period and end else 0.0, check)

    opening_labels = ["期初余额", "上期余额", "起始余额"]
    closing_labels = ["期末余额", "本期余额", "结束余额"]
    for name_, labels, avoid in (("opening_balance", opening_labels, closing_labels),
                                 ("closing_balance", closing_labels, opening_labels)):
        run = row_after(boxes, labels, avoid)
        amount = parse_amount(run[0]) if run else None
        reads[name_] = FieldRead(money_str(amount) if amount is not None else None,
                                 run[1] if run and amount is not None else 0.0)
    return reads


# Banks that issue salary cards, short names as printed in their letterheads (longest first when matching).
BANK_NAMES = (
    "中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "交通银行", "中国邮政储蓄银行", "招商银行", "中信银行",
    "浦发银行", "上海浦东发展银行", "兴业银行", "中国民生银行", "民生银行", "中国光大银行", "光大银行", "平安银行",
    "华夏银行", "广发银行", "北京银行", "上海银行", "江苏银行", "浙商银行", "宁波银行", "南京银行", "渤海银行",
    "恒丰银行", "徽商银行", "杭州银行",
)
_BANKS_BY_LENGTH = sorted(BANK_NAMES, key=len, reverse=True)
_BANK_ALIASES = {"上海浦东发展银行": "浦发银行"}


_STATEMENT_LABELS = ("账号", "卡号", "账户", "起止日期", "币种", "打印日期", "钞汇", "个人", "查询", "交易明细",
                     "开户", "日期")


def _cut_at_labels(text: str) -> str:
    """A value that ran into the next label on its line (户名:张玉妍 起止日期:...) stops there."""
    positions = [text.find(label) for label in _STATEMENT_LABELS if label in text]
    return text[: min(positions)] if positions else text


def find_bank(lines: Sequence[tuple[str, float]]) -> tuple[str | None, float]:
    """The issuing bank: the first line (top down) naming a known bank, else any ``...银行`` phrase."""
    for line, confidence in lines:
        for name in _BANKS_BY_LENGTH:
            if name in line:
                return _BANK_ALIASES.get(name, name), confidence
    for line, confidence in lines:
        match = re.search(r"([\u3400-\u9fff]{2,10}银行)", line)
        if match and not re.search(r"(?:以银行|与银行|银行系统)", line):
            name = re.sub(r"^(?:开户行|开户银行|开户机构)[:：]?", "", match.group(1))
            return name, min(confidence, 0.7)
    return None, 0.0
