"""The failing checks of an application's last validation, with the figures behind each, for the reviewer.

The validate stage stores its report (``ValidationReport``, one per round) beside the application; each failed
check there has a reason code and a sentence. A reviewer needs the figures side by side to judge it: what was
declared against what was read, the certificate's income against the median salary credit, the statement row
whose balance does not follow, the other application a fraud signal points to. They are put together here from
the report, the application's documents as stored (reviewer corrections applied) and the statement rows in the
results bucket; the checks themselves are not run again.

Labels are short English phrases, values strings or numbers. ID and account numbers stay masked (the reveal
is a separate, audited request).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from loanpipe.domain.documents import DocType
from loanpipe.domain.idnumber import IdNumberError, parse_id_number
from loanpipe.domain.masking import mask_id_number
from loanpipe.domain.reasons import describe
from loanpipe.domain.records import ApplicationRecord, DocumentRecord
from loanpipe.policy.model import Policy
from loanpipe.service.review_queue import CONTRADICTIONS, FRAUD_SIGNALS

Rows = Callable[[str], list[dict]]  # document id -> its statement rows as stored (the extraction contract)
Figures = dict[str, Any]

_APPLICATION_ID = re.compile(r"\bLA[0-9A-Z]{20,24}\b")
_OFFICER = re.compile(r"officer ([\w.@-]+)")
_SLOT_LABEL = {DocType.ID_CARD_FRONT: "ID card", DocType.ID_CARD_BACK: "ID card back",
               DocType.INCOME_CERTIFICATE: "income certificate", DocType.BANK_STATEMENT: "bank statement"}


def latest_report(record: ApplicationRecord,
                  get_report: Callable[[str, int, str], dict | None]) -> tuple[int, dict] | None:
    """(round, report) of the newest round that has a validation report (a round sent back for a retake has
    none yet)."""
    for round_ in range(record.round, 0, -1):
        report = get_report(record.application_id, round_, "validation")
        if report is not None:
            return round_, report
    return None


def failing_checks(record: ApplicationRecord, latest: tuple[int, dict] | None, policy: Policy, rows: Rows) -> dict:
    """``{"round", "as_of", "checks": [...]}``: each failed check with its texts, severity and figures."""
    if latest is None:
        return {"round": None, "as_of": None, "checks": []}
    round_, report = latest
    explainer = _Explainer(record, report, policy, rows)
    checks = [explainer.explain(check) for check in report.get("checks", []) if check.get("status") == "failed"]
    return {"round": round_, "as_of": report.get("as_of"), "checks": checks}


def severity(code: str, policy: Policy) -> str:
    """high: a knock-out or a fraud signal; medium: documents that contradict each other; low: the rest."""
    if code in policy.knockouts or code in FRAUD_SIGNALS:
        return "high"
    return "medium" if code in CONTRADICTIONS else "low"


class _Explainer:
    def __init__(self, record: ApplicationRecord, report: dict, policy: Policy, rows: Rows):
        self.record, self.report, self.policy, self.rows = record, report, policy, rows
        self.figures: dict = report.get("figures") or {}
        self.capture_date = str(report.get("as_of") or "")[:10]

    def explain(self, check: dict) -> dict:
        code = check.get("reason") or check.get("check") or "unknown"
        document_id = check.get("document_id")
        detail = str(check.get("detail") or "")
        handler = getattr(self, f"_{code}", None)
        figures, extra = handler(document_id, detail) if handler else ({}, {})
        return {**describe(code), "check": check.get("check"), "severity": severity(code, self.policy),
                "detail": detail, "figures": figures, "related_application": extra.get("related"),
                "document_id": document_id, **({"box": extra["box"]} if extra.get("box") else {})}

    # ------------------------------------------------------------------ what was read
    def _docs(self, *slots: DocType) -> list[DocumentRecord]:
        return [doc for doc in self.record.active_documents() if doc.slot in slots]

    @staticmethod
    def _value(doc: DocumentRecord, name: str) -> str | None:
        if name in doc.corrected_fields:
            return doc.corrected_fields[name]
        field = doc.fields.get(name)
        return field.value if field else None

    def _read(self, slot: DocType, name: str) -> str | None:
        return next((value for doc in self._docs(slot) if (value := self._value(doc, name))), None)

    def _doc(self, document_id: str | None) -> DocumentRecord | None:
        return self.record.documents.get(document_id) if document_id else None

    # ------------------------------------------------------------------ identity
    def _name_mismatch(self, document_id: str | None, detail: str) -> tuple[Figures, dict]:
        figures: Figures = {"declared name": self.record.declared.applicant.name}
        for doc in self.record.active_documents():
            name = self._value(doc, "account_holder" if doc.slot is DocType.BANK_STATEMENT else "name")
            if name:
                figures[f"name on the {_SLOT_LABEL[doc.slot]}"] = name
        return figures, {}

    def _id_number_mismatch(self, document_id: str | None, detail: str) -> tuple[Figures, dict]:
        figures: Figures = {"declared ID number": mask_id_number(self.record.declared.applicant.id_number)}
        for slot in (DocType.ID_CARD_FRONT, DocType.INCOME_CERTIFICATE):
            number = self._read(slot, "id_number")
            if number:
                figures[f"ID number on the {_SLOT_LABEL[slot]}"] = mask_id_number(number)
        return figures, {}

    def _in_number(self) -> Any:
        try:
            return parse_id_number(self._read(DocType.ID_CARD_FRONT, "id_number") or "")
        except (IdNumberError, ValueError):
            return None

    def _birth_date_mismatch(self, document_id: str | None, detail: str) -> tuple[Figures, dict]:
        number = self._in_number()
        return {"birth date on the card": self._read(DocType.ID_CARD_FRONT, "birth_date"),
                "birth date in the ID number": number.birth_date.isoformat() if number else None}, {}

    def _sex_mismatch(self, document_id: str | None, detail: str) -> tuple[Figures, dict]:
        number = self._in_number()
        return {"sex on the card": self._read(DocType.ID_CARD_FRONT, "sex"),
                "sex in the ID number": number.sex if number else None}, {}

    def _id_card_dates(self, document_id: str | None, detail: str) -> tuple[Figures, dict]:
        return {"valid from": self._read(DocType.ID_CARD_BACK, "valid_from"),
                "valid until": self._read(DocType.ID_CARD_BACK, "valid_until"),
                "birth date": self.figures.get("birth_date"), "capture date": self.capture_date}, {}

    _id_expired = _id_card_dates
    _id_validity_inconsistent = _id_card_dates

    def _age_out_of_range(self, document_id: str | None, detail: str) -> tuple[Figures, dict]:
        rules = self.policy.applicant
        return {"birth date": self.figures.get("birth_date"), "age at application":
                self.figures.get("age_at_application"), "age at maturity": self.figures.get("age_at_maturity"),
                "policy minimum age": rules.min_age_at_application,
                "policy maximum age at maturity": rules.max_age_at_maturity}, {}

    # ------------------------------------------------------------------ income and statements
    def _income(self, document_id: str | None, detail: str) -> tuple[Figures, dict]:
        return {"certified monthly income": self.figures.get("certified_monthly_income"),
                "median salary credit": self.figures.get("median_salary_credit"),
                "months with a salary credit": self.figures.get("salary_months"),
                "employer on the certificate": self._read(DocType.INCOME_CERTIFICATE, "employer"),
                "policy tolerance": f"±{self.policy.income.tolerance * 100:.0f}%",
                "policy salary months": self.policy.income.min_salary_months}, {}

    _income_mismatch = _income
    _income_unverified = _income
    _employer_mismatch = _income

    def _statement_balance_inconsistent(self, document_id: str | None, detail: str) -> tuple[Figures, dict]:
        doc = self._doc(document_id)
        if doc is None:
            return {}, {}
        opening, closing = _amount(self._value(doc, "opening_balance")), _amount(self._value(doc, "closing_balance"))
        rows = self.rows(doc.document_id)
        figures: Figures = {"opening balance": _text(opening), "closing balance": _text(closing),
                            "rows read": len(rows)}
        broken = first_break(opening, rows) if opening is not None else None
        if broken is not None:
            index, row, previous, expected = broken
            figures.update({"row": index, "row date": row.get("date"), "row description": row.get("description"),
                            "previous balance": _text(previous), "amount": row.get("amount"),
                            "expected balance": _text(expected), "printed balance": row.get("balance")})
            return figures, {"box": row.get("box")}
        if opening is not None and closing is not None:
            total = opening + sum((_amount(row.get("amount")) or Decimal(0) for row in rows), Decimal(0))
            figures["opening + transactions"] = _text(total)
        return figures, {}

    def _statement_period(self, document_id: str | None, detail: str) -> tuple[Figures, dict]:
        doc = self._doc(document_id)
        docs = [doc] if doc else self._docs(DocType.BANK_STATEMENT)
        rules = self.policy.statement
        figures: Figures = {}
        for index, statement in enumerate(docs, 1):
            suffix = f" ({index})" if len(docs) > 1 else ""
            figures[f"period start{suffix}"] = self._value(statement, "period_start")
            figures[f"period end{suffix}"] = self._value(statement, "period_end")
        figures.update({"days covered": self.figures.get("statement_days"),
                        "days from its end to the capture": self.figures.get("statement_end_age_days"),
                        "capture date": self.capture_date, "policy minimum days": rules.min_days,
                        "policy maximum age in days": rules.max_age_days})
        return figures, {}

    _statement_stale = _statement_period
    _statement_period_short = _statement_period

    def _certificate_stale(self, document_id: str | None, detail: str) -> tuple[Figures, dict]:
        return {"issue date": self._read(DocType.INCOME_CERTIFICATE, "issue_date"), "capture date": self.capture_date,
                "policy maximum age in days": self.policy.certificate.max_age_days}, {}

    def _low_confidence(self, document_id: str | None, detail: str) -> tuple[Figures, dict]:
        threshold = self.policy.documents.confidence_threshold
        docs = [doc] if (doc := self._doc(document_id)) else self.record.active_documents()
        figures: Figures = {"policy threshold": threshold}
        for doc in docs:
            for name, field in doc.fields.items():
                if field.value is not None and field.confidence < threshold and name not in doc.corrected_fields:
                    figures[f"{_SLOT_LABEL[doc.slot]}: {name}"] = round(field.confidence, 2)
        return figures, {}

    # ------------------------------------------------------------------ fraud signals and capture
    def _duplicate_image(self, document_id: str | None, detail: str) -> tuple[Figures, dict]:
        others = [*_APPLICATION_ID.findall(detail), *self.report.get("cross_flags", []), *self.record.flagged_by]
        others = [other for other in dict.fromkeys(others) if other != self.record.application_id]
        return {"other applications": ", ".join(others) or None}, {"related": others[0] if others else None}

    def _concurrent_application(self, document_id: str | None, detail: str) -> tuple[Figures, dict]:
        others = [other for other in dict.fromkeys(_APPLICATION_ID.findall(detail))
                  if other != self.record.application_id]
        return {"other open applications": ", ".join(others) or None}, {"related": others[0] if others else None}

    def _phone_matches_officer(self, document_id: str | None, detail: str) -> tuple[Figures, dict]:
        officer = _OFFICER.search(detail)
        return {"officer with this phone": officer.group(1) if officer else None,
                "capturing officer": self.record.officer_id}, {}

    def _capture_location_spread(self, document_id: str | None, detail: str) -> tuple[Figures, dict]:
        return {"spread in meters": self.figures.get("capture_spread_meters"),
                "policy maximum meters": self.policy.capture.max_spread_meters}, {}


def first_break(opening: Decimal, rows: list[dict]) -> tuple[int, dict, Decimal, Decimal] | None:
    """The first statement row whose printed balance is not the previous balance plus its amount:
    (its 1-based number, the row, the previous balance, the balance expected)."""
    running = opening
    for index, row in enumerate(rows, 1):
        amount = _amount(row.get("amount"))
        if amount is None:
            return None
        previous, running = running, running + amount
        balance = _amount(row.get("balance"))
        if balance is not None:
            if balance != running:
                return index, row, previous, running
            running = balance
    return None


def _amount(text: Any) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(str(text).replace(",", ""))
    except InvalidOperation:
        return None


def _text(value: Decimal | None) -> str | None:
    return f"{value:.2f}" if value is not None else None
