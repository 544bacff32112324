"""The employer of an income certificate, from every place the page names it.

Sources, strongest first: the body (兹证明张伟系XX有限公司员工, 在XX有限公司工作…) and a 工作单位 form field;
the letterhead (an organisation's name alone on a line above the title); the sign-off beside the seal
(单位（盖章）：XX有限公司, 证明单位：XX). A candidate must be an organisation's name: not the body's 我单位 /
本公司, not a department (客服中心, 人力资源部), not a sentence; it ends with an organisation suffix.
Two sources naming the same organisation make the value sure; one source, or a name without a suffix,
leaves it below the review threshold.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from loanpipe.extraction.normalize import halfwidth
from loanpipe.extraction.parsers.certificate_forms import FormValue, opening_label
from loanpipe.extraction.parsers.certificate_terms import (
    DEPARTMENT_SUFFIXES,
    ORG_MARKERS,
    ORG_SUFFIXES,
    SELF_REFERENCE,
    SIGN_OFF,
    TITLE,
)
from loanpipe.extraction.parsers.reads import WEAK, FieldRead

_SUFFIX = "|".join(sorted(ORG_SUFFIXES, key=len, reverse=True))
_SPAN = r"([\u3400-\u9fff()（）·]{4,50}?)"
# The body names the employer: 系XX员工, 在XX工作, 为XX正式员工, XX职工, 于XX任职… (the span is cut at
# the organisation's last suffix: 在XX有限公司销售部工作 names XX有限公司).
_BODY = [
    re.compile(rf"(?:系|是|为){_SPAN}(?:的)?(?:正式|在职|在编|合同制|全职)?(?:员工|职工|雇员|工作人员|职员)"),
    re.compile(rf"(?:在|于|就职于|任职于|受雇于|供职于){_SPAN}(?:工作|任职|就职|上班|担任|从事)"),
    re.compile(rf"兹证明{_SPAN}(?:员工|职工)"),
    re.compile(r"(?:工作单位|任职单位|就职单位|用人单位)(?:为|是)[:：]?([\u3400-\u9fff()（）·]{4,50})"),
]
# Where an organisation's own name ends inside a longer one (XX有限公司客服中心: the company, then its unit).
_HEAD = re.compile(r"(?:公司|集团|医院|大学|学院|学校|银行|研究院|研究所|委员会|政府|局)")
# Words of the letter's other lines that never stand in an organisation's name.
_NOT_AN_ORGANISATION = re.compile(r"证明|经办人|负责人|签字|签名|电话|地址|日期|员工|兹|特此|以上|本人"
                                  r"|[我本贵](?:单位|公司|司|院|校|行)")
# A date printed on the signing line after the organisation's name (XX有限公司 2025年5月22日).
_SIGNING_DATE = re.compile(r"(?:[\d〇○O零一二三四五六七八九]{4}\s*年|(?:19|20)\d{2}\s*[.\-/]).*$")
_MISSING_CHAR_ENDINGS = {"有限公": "有限公司", "责任公": "责任公司", "集团有限公": "集团有限公司", "分公": "分公司"}


@dataclass(frozen=True)
class _Candidate:
    name: str
    source: str  # body | form | letterhead | sign-off
    confidence: float
    doubtful: bool = False  # its last character restored, or no organisation suffix


def organisation_name(text: str) -> tuple[str, bool] | None:
    """``text`` as an organisation's name (leading 盖章 marks and punctuation, trailing 专用章 removed), and
    whether its last character had to be restored (…有限公 → …有限公司, the seal's edge hides it); None
    when it is not one (我单位…, a department, a sentence, no organisation suffix)."""
    name = re.sub(r"[^\u3400-\u9fff()（）·]", "", halfwidth(text))
    name = re.sub(r"^[(（]?(?:盖章|公章|签章)[)）]?", "", name)
    name = re.sub(r"(?:财务|人事|合同)?专用章$|[(（](?:盖章|公章)[)）]$", "", name)
    if not 4 <= len(name) <= 40 or SELF_REFERENCE.match(name) or _NOT_AN_ORGANISATION.search(name):
        return None
    repaired = False
    for broken, whole in _MISSING_CHAR_ENDINGS.items():
        if name.endswith(broken):
            name, repaired = name[: -len(broken)] + whole, True
            break
    suffix = next((s for s in sorted(ORG_SUFFIXES, key=len, reverse=True) if name.endswith(s)), None)
    if suffix is None or len(name) <= len(suffix) + 1:
        return None
    heads = [match.end() for match in _HEAD.finditer(name) if match.end() < len(name)]
    tail = name[heads[-1]:] if heads else name
    if tail.endswith(DEPARTMENT_SUFFIXES) and not ORG_MARKERS.search(tail[: -len(suffix)]):
        return None  # 客服中心, XX公司研发中心: a unit inside the organisation
    return name, repaired


def organisation_in(span: str) -> tuple[str, bool] | None:
    """The longest organisation name that opens ``span`` (ending at one of its suffixes)."""
    ends = sorted({len(span)} | {match.end() for match in re.finditer(_SUFFIX, span)}, reverse=True)
    for end in ends:
        if org := organisation_name(span[:end]):
            return org
    return None


def labelled_organisation(text: str) -> tuple[str, bool] | None:
    """The value of a label that names the organisation (工作单位：X, 单位（盖章）：X): an organisation's name,
    else, as a doubtful last resort, a name without an organisation suffix (not a department, not 我单位)."""
    cleaned = re.sub(r"[^\u3400-\u9fff()（）·]", "", halfwidth(text))
    if org := organisation_in(cleaned):
        return org
    if (4 <= len(cleaned) <= 30 and not SELF_REFERENCE.match(cleaned) and not _NOT_AN_ORGANISATION.search(cleaned)
            and not cleaned.endswith(DEPARTMENT_SUFFIXES)):
        return cleaned, True
    return None


def _body_candidates(flat: str, confidence: float) -> list[_Candidate]:
    found = []
    for pattern in _BODY:
        for match in pattern.finditer(flat):
            org = organisation_in(match.group(1))
            if org:
                found.append(_Candidate(org[0], "body", confidence, org[1]))
    return found


def _line_candidates(lines: Sequence[tuple[str, float]]) -> list[_Candidate]:
    """The letterhead above the title, and the sign-off lines (盖章 label, or a name alone below the body)."""
    title_at = next((index for index, (text, _) in enumerate(lines) if TITLE.search(text)), None)
    # The body starts at the first sentence after the title: an organisation alone on a line below it
    # signs the letter (above it, between the title and the body, stands the addressee).
    body_at = next((index for index, (text, _) in enumerate(lines)
                    if index > (title_at if title_at is not None else -1) and len(text) >= 15), len(lines))
    found = []
    for index, (line, confidence) in enumerate(lines):
        text = _SIGNING_DATE.sub("", halfwidth(line))
        if text.startswith(("致", "To", "TO")) or opening_label(text):
            continue  # the addressee (a bank) is not the employer; a form field is read as one
        sign_off = SIGN_OFF.search(text)
        if sign_off and sign_off.start() <= 2:
            org = labelled_organisation(text[sign_off.end():])
            if org:
                found.append(_Candidate(org[0], "sign-off", confidence, org[1]))
            continue
        org = organisation_in(text) if re.fullmatch(r"[\u3400-\u9fff()（）·\s]+", text) else None
        if org is None:
            continue
        if title_at is not None and index < title_at or title_at is None and index < 2:
            found.append(_Candidate(org[0], "letterhead", confidence, org[1]))
        elif index > body_at:
            found.append(_Candidate(org[0], "sign-off", confidence, org[1]))
    return found


def _form_candidates(found: Sequence[FormValue]) -> list[_Candidate]:
    result = []
    for value in found:
        if value.key != "employer":
            continue
        org = labelled_organisation(value.value)
        if org:
            sealed = any(word in value.label for word in ("盖章", "公章", "签章"))
            result.append(_Candidate(org[0], "sign-off" if sealed else "form", value.confidence, org[1]))
    return result


def read_employer(lines: Sequence[tuple[str, float]], flat: str, found: Sequence[FormValue]) -> FieldRead:
    """The employer: the strongest source's candidate; sure only when a second source names it too."""
    body_confidence = min((c for text, c in lines if "证明" in text or "员工" in text), default=0.0)
    candidates = _body_candidates(flat, body_confidence) + _form_candidates(found) + _line_candidates(lines)
    if not candidates:
        return FieldRead.missing()
    rank = {"body": 0, "form": 1, "letterhead": 2, "sign-off": 3}
    named: dict[str, list[_Candidate]] = {}
    for candidate in candidates:
        named.setdefault(candidate.name, []).append(candidate)

    def sources(name: str) -> set[str]:
        return {c.source for c in named[name] if not c.doubtful}

    # The name most places agree on, then the strongest place, then the clearest reading.
    best = min(named, key=lambda name: (-len(sources(name)), min(rank[c.source] for c in named[name]),
                                        -max(c.confidence for c in named[name])))
    confidence = max(c.confidence for c in named[best])
    others = sorted(name for name in named if name != best)
    notes = ["employer: the page also names " + "、".join(others)] if others else []
    if len(sources(best)) >= 2:
        return FieldRead(best, confidence, notes=notes)
    if any(c.doubtful for c in named[best]):
        notes.append("employer: the name was restored or has no organisation suffix")
    elif not others:
        notes.append("employer: named in one place only")
    return FieldRead(best, confidence, notes=notes, certainty=WEAK)
