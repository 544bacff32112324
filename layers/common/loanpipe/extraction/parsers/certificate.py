"""The income certificate (收入证明 / 在职证明): its fields read by meaning, whatever the layout.

Each field is looked for by its label (a form's 姓名 | 王伟, 职务：经理, a grid with labels above their
values), then by the sentences letters use (兹证明张伟（身份证号码：…）系我单位正式员工，自2019年3月1日起在我单位
工作，现任销售经理职务…; 张伟，男，身份证号：…，于2019-03-01入职我公司，现任销售部会计…). The employer comes from
``certificate_employer`` (body, letterhead, sign-off), the income from ``certificate_income``. A value found
only by a weak fallback carries the parser's low certainty (``WEAK``), below the review threshold.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from loanpipe.extraction.layout import TextBox
from loanpipe.extraction.normalize import find_dates, find_id_number, find_year_month
from loanpipe.extraction.parsers.certificate_employer import read_employer
from loanpipe.extraction.parsers.certificate_forms import FormValue, Letter, form_values, values_for
from loanpipe.extraction.parsers.certificate_income import read_income
from loanpipe.extraction.parsers.certificate_terms import (
    DEPARTMENT_END,
    ORG_SUFFIXES,
    POSITION_ENDINGS,
    SIGN_OFF,
    TITLE,
)
from loanpipe.extraction.parsers.reads import WEAK, Check, FieldRead, id_number_read, page_lines

ORG_ENDINGS = ORG_SUFFIXES  # how an organisation's name ends (the second look finds the signing line by it)

_NAME = r"[\u3400-\u9fff·]{2,12}?"
_NAME_END = r"(?=同志|先生|女士|[,，(（]|系|为|是|在|于|自|现|身份证)"
_NAME_SENTENCES = [
    re.compile(rf"兹(?:证明|有)[:：]?(?:(?:我|本)(?:单位|公司|院|校|司)(?:员工|职工|同志)?)?({_NAME}){_NAME_END}"),
    re.compile(rf"(?:我|本)(?:单位|公司)(?:员工|职工)({_NAME}){_NAME_END}"),
    re.compile(rf"(?:员工|职工)[:：]?({_NAME})[,，(（]"),
    # 兹证明张伟（性别：男… with its 兹 misread (蕴证明): the name is followed by the holder's particulars
    re.compile(r"证明[:：]?((?:(?!证明)[\u3400-\u9fff·]){2,12}?)[,，(（]\s*(?:性别|身份证|[男女][,，、)）])"),
]
# A short letter opens its body with the holder: 张伟，男，身份证号：… (the name opens its line).
_NAME_OPENING = re.compile(rf"({_NAME})(?:[,，.、·\s(（](?:性别[:：]?)?[男女][,，.、·\s(（]?(?:身份证|证件|[\d,，])"
                           r"|(?:同志|先生|女士)[,，(（]?(?:系|为|是|在|于|自|身份证|性别))")
_NOT_A_NAME = re.compile(r"证明|单位|公司|员工|职工|性别|身份|我|本|以下|人员|兹|收入|工作|特此")
_POSITION_SENTENCES = [
    re.compile(r"(?:现任|担任|任|从事)([\u3400-\u9fffA-Za-z]{2,20}?)(?:职务|一职|岗位|职位|工作)"),
    re.compile(r"(?:现任|担任|职务为|岗位为|职位为)([\u3400-\u9fffA-Za-z]{2,20}?)[,，。;；]"),
    # 系我公司技术员，: the title right after the self-reference, only when it ends as titles do
    re.compile(r"(?:系|是|为)(?:我|本)(?:公司|单位|司|院|校|行)([\u3400-\u9fffA-Za-z]{2,20}?)[,，。;；(（]"),
]
# What follows 系我公司 without being a job title: 员工, 正式职工, 在职人员…
_NOT_A_TITLE = re.compile(r"(?:员工|职工|人员|雇员|职员|同志)$")
_DATE = r"((?:19|20)\d{2}[年.\-/]\d{1,2}[月.\-/]\d{1,2}[日号]?|(?:19|20)\d{2}[年.\-/]\d{1,2}月?)"
# How a letter says when the employment began, around its date: 自…起, 于…入职, …至今, 入职时间为….
_START_SENTENCES = [re.compile(before + _DATE + after) for before, after in (
    ("自", "(?:起|开始|以来|至今|入职)"),
    ("(?:于|在)", "(?:入职|加入|进入|到|来|起|参加工作)"),
    ("", "(?:入职|加入我|进入我|参加工作|至今|以来)"),
    ("(?:入职|参加工作)(?:时间|日期)?(?:为|是)?[:：]?", ""),
)]
_NOT_ISSUE = re.compile(r"有效期|至|入职|自|起|出生|参加工作")


def read_income_certificate(boxes: Sequence[TextBox]) -> dict[str, FieldRead]:
    lines, _ = page_lines(boxes)
    letter = Letter.of(lines)
    found = form_values(boxes)
    reads = {
        "name": _holder_name(letter, found),
        "id_number": _holder_id_number(letter, found),
        "employer": read_employer(letter.lines, letter.flat, found),
        "position": _position(letter, found),
        "monthly_income": read_income(letter, found),
        "employment_start": _employment_start(letter, found),
    }
    reads["issue_date"] = _issue_date(letter, found, reads["employment_start"].value)
    start, issued = reads["employment_start"].value, reads["issue_date"].value
    if start and issued and date.fromisoformat(start) > date.fromisoformat(issued):
        reads["issue_date"].check = Check.FAILED
        reads["employment_start"].check = Check.FAILED
    return reads


def plausible_name(text: str | None) -> str | None:
    """A person's name: 2-4 Chinese characters (a minority name with ·, up to 12), not a word of the letter."""
    if not text:
        return None
    name = re.sub(r"[^\u3400-\u9fff·]", "", text).replace("•", "·").strip("·")
    if _NOT_A_NAME.search(name):
        return None
    if 2 <= len(name) <= 4 or ("·" in name and len(name) <= 12):
        return name
    return None


def _holder_name(letter: Letter, found: Sequence[FormValue]) -> FieldRead:
    for value in values_for(found, "name"):
        if name := plausible_name(value.value):
            return FieldRead(name, value.confidence)
    for pattern in _NAME_SENTENCES:
        for match in pattern.finditer(letter.flat):
            if name := plausible_name(match.group(1)):
                return FieldRead(name, letter.confidence(*match.span(1)))
    for text, confidence in letter.lines:
        match = _NAME_OPENING.match(text)
        if match and (name := plausible_name(match.group(1))):
            return FieldRead(name, confidence)
    return FieldRead.missing()


def _holder_id_number(letter: Letter, found: Sequence[FormValue]) -> FieldRead:
    for value in values_for(found, "id_number"):
        if id_number := find_id_number(value.value):
            return id_number_read(id_number, value.confidence)
    match = re.search(r"(?:身份证|证件)(?:号码|号)?[:：]?([0-9Xx×OolI]{15,24})", letter.flat)
    id_number = find_id_number(match.group(1) if match else letter.flat)
    if id_number is None:
        return FieldRead.missing()
    at = letter.flat.find(id_number[:10])
    return id_number_read(id_number, letter.confidence(at, at + 18) if at >= 0 else 0.0)


def _clean_position(text: str) -> tuple[str | None, bool]:
    """The job title without a department before it (销售部会计 → 会计); whether it ends as titles do."""
    if re.search(r"\d{3}", text):
        return None, False  # a date or an amount, not a job title
    title = re.sub(r"[^\u3400-\u9fffA-Za-z]", "", text)
    title = re.sub(r"(?:职务|一职|岗位|职位)$", "", title)
    department = DEPARTMENT_END.match(title)
    if department and len(title) - department.end() >= 2:
        title = title[department.end():]
    if not 2 <= len(title) <= 15 or re.search(r"我|本单位|公司|证明|收入|工作$", title):
        return None, False
    return title, title.endswith(POSITION_ENDINGS)


def _position(letter: Letter, found: Sequence[FormValue]) -> FieldRead:
    for value in values_for(found, "position"):
        title, _ = _clean_position(value.value)
        if title:
            return FieldRead(title, value.confidence)
    for rule, pattern in enumerate(_POSITION_SENTENCES):
        for match in pattern.finditer(letter.flat):
            title, titled = _clean_position(match.group(1))
            if not title or rule == 2 and (not titled or _NOT_A_TITLE.search(title)):
                continue
            certainty = 1.0 if rule == 0 or titled else WEAK
            return FieldRead(title, letter.confidence(*match.span(1)), certainty=certainty)
    return FieldRead.missing()


def _date_read(text: str, confidence: float) -> FieldRead | None:
    """A date as the contract writes it; a month without its day is the 1st, below the review threshold."""
    dates = find_dates(text)
    if dates:
        return FieldRead(dates[0].isoformat(), confidence)
    month = find_year_month(text)
    if month:
        return FieldRead(date(month[0], month[1], 1).isoformat(), confidence, certainty=WEAK,
                         notes=["employment_start: only the month is printed; the 1st is given"])
    return None


def _employment_start(letter: Letter, found: Sequence[FormValue]) -> FieldRead:
    for value in values_for(found, "employment_start"):
        if read := _date_read(value.value, value.confidence):
            return read
    for pattern in _START_SENTENCES:
        for match in pattern.finditer(letter.flat):
            if read := _date_read(match.group(1), letter.confidence(*match.span(1))):
                return read
    return FieldRead.missing()


def _issue_date(letter: Letter, found: Sequence[FormValue], start: str | None) -> FieldRead:
    """The date the certificate was signed: labelled (开具日期…), else a date alone on its line below the
    title (printed under the signature; the last one), else the last date of the page that is no
    employment start or validity limit (a weak fallback)."""
    for value in values_for(found, "issue_date"):
        # A bare 日期 may head a column of monthly pay: it counts below, as a date alone on its line.
        if value.label != "日期" and (dates := find_dates(value.value)):
            return FieldRead(dates[0].isoformat(), value.confidence)
    title_at = next((i for i, (text, _) in enumerate(letter.lines) if TITLE.search(text)), -1)
    signed_at = max((i for i, (text, _) in enumerate(letter.lines) if SIGN_OFF.match(text) or "特此证明" in text),
                    default=len(letter.lines))
    fallback = None
    for index in range(len(letter.lines) - 1, title_at, -1):
        text, confidence = letter.lines[index]
        dates = [d for d in find_dates(text) if d.isoformat() != start]
        if not dates:
            continue
        alone = re.fullmatch(r"(?:日期|时间)?[:：]?[\dO〇○零一二三四五六七八九十年月日号.\-/]+", text)
        year_at = text.rfind(str(dates[-1].year))
        if alone or index >= signed_at and not _NOT_ISSUE.search(text[max(0, year_at - 6):max(0, year_at)]):
            return FieldRead(dates[-1].isoformat(), confidence)
        context = text[:text.find(str(dates[-1].year))] if str(dates[-1].year) in text else text
        if fallback is None and not _NOT_ISSUE.search(context[-12:]):
            fallback = FieldRead(dates[-1].isoformat(), confidence, certainty=WEAK,
                                 notes=["issue_date: no date stands alone under the signature"])
    return fallback or FieldRead.missing()
