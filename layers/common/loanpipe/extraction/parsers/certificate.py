"""The income certificate (收入证明): a label | value table, or a letter whose sentences carry the fields."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from loanpipe.domain.money import money_str
from loanpipe.extraction.labels import compact
from loanpipe.extraction.layout import TextBox
from loanpipe.extraction.normalize import (
    find_dates,
    find_id_number,
    halfwidth,
    parse_amount,
    parse_capital_amount,
    parse_date,
)
from loanpipe.extraction.parsers.reads import (
    Check,
    FieldRead,
    cjk_text,
    first_match,
    id_number_read,
    line_confidence,
    page_lines,
    person_name,
    row_after,
)

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
    lines, text = page_lines(boxes)
    flat = halfwidth(text.replace("\n", ""))
    reads: dict[str, FieldRead] = {
        "name": _holder_name(boxes, lines, flat),
        "id_number": _holder_id_number(boxes, lines, flat),
        "employer": _employer(boxes, lines, flat),
        "position": _position(boxes, lines, flat),
        "monthly_income": _income(boxes, lines, flat),
    }
    reads["employment_start"], start_date = _employment_start(boxes, lines, flat)
    reads["issue_date"] = _issue_date(lines, start_date)
    if reads["issue_date"].value and start_date:
        issued = date.fromisoformat(reads["issue_date"].value)
        if start_date > issued:
            reads["issue_date"].check = Check.FAILED
            reads["employment_start"].check = Check.FAILED
    return reads


def _holder_name(boxes: Sequence[TextBox], lines: list[tuple[str, float]], flat: str) -> FieldRead:
    labelled = _labelled(boxes, ["姓名"])
    name = person_name(labelled[0]) if labelled else None
    name_conf = labelled[1] if labelled and name else 0.0
    if name is None:
        name = person_name(first_match([rf"兹证明[:：]?({_CJK_NAME}?)(?:同志|先生|女士|[,，(（]|系|为|是)",
                                        rf"(?:我单位|我公司)(?:员工|职工)({_CJK_NAME}?)(?:同志|先生|女士|[,，(（]|系|为|是)",
                                        rf"兹有({_CJK_NAME}?)(?:同志|先生|女士|[,，(（])"], flat))
        name_conf = line_confidence(lines, name) if name else 0.0
    return FieldRead(name, name_conf)


def _holder_id_number(boxes: Sequence[TextBox], lines: list[tuple[str, float]], flat: str) -> FieldRead:
    labelled = _labelled(boxes, ["身份证号码", "身份证号"])
    id_number = find_id_number(labelled[0]) if labelled else None
    id_conf = labelled[1] if labelled and id_number else 0.0
    if id_number is None:
        id_text = first_match([r"身份证(?:号码|号)?[:：]?([0-9Xx×OolI\s]{15,24})"], flat)
        id_number = find_id_number(id_text or flat)
        id_conf = line_confidence(lines, id_number[:8]) if id_number else 0.0
    return id_number_read(id_number, id_conf)


def _position(boxes: Sequence[TextBox], lines: list[tuple[str, float]], flat: str) -> FieldRead:
    labelled = _labelled(boxes, ["现任职务", "职务", "职位", "岗位"])
    position = cjk_text(labelled[0], keep="A-Za-z") if labelled else None
    position_conf = labelled[1] if labelled and position else 0.0
    if not position:
        position = first_match([r"(?:现担任|担任|现任)([\u3400-\u9fffA-Za-z]{2,20}?)(?:职务|一职|岗位|职位)"], flat)
        position_conf = line_confidence(lines, position) if position else 0.0
    return FieldRead(position, position_conf)


def _employment_start(boxes: Sequence[TextBox], lines: list[tuple[str, float]],
                      flat: str) -> tuple[FieldRead, date | None]:
    labelled = _labelled(boxes, ["入职时间", "入职日期", "参加工作时间"])
    start_date = parse_date(labelled[0]) if labelled else None
    start_conf = labelled[1] if labelled and start_date else 0.0
    if start_date is None:
        start_date = parse_date(first_match([rf"自{_DATE_TEXT}(?:起|至今|入职)", rf"于{_DATE_TEXT}(?:入职|起)",
                                             rf"入职(?:时间|日期)?[:：]?{_DATE_TEXT}"], flat))
        start_conf = line_confidence(lines, "入职") if start_date else 0.0
        if start_date:
            for line, confidence in lines:
                if start_date in find_dates(line):
                    start_conf = confidence
                    break
    return FieldRead(start_date.isoformat() if start_date else None, start_conf), start_date


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
        return FieldRead(match.group(1), line_confidence(lines, match.group(1)[:4]))
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
        segment = first_match([r"(?:月均收入|月收入|月工资|月薪|每月收入)(?:[(（]税前[)）])?(?:为|是)?[:：]?(.{0,70})"],
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
