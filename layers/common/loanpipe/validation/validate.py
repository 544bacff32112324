"""``validate(case, policy, ports)``: every per-document and cross-document check and fraud signal.

Pure domain logic: the only side effect is recording the case's image hashes in the image index port.
Nothing raises on bad data: a document or field that is absent, unreadable or absurd becomes a failed
check with its reason code (``document_missing``, ``document_unreadable``, ``field_missing``,
``amount_invalid``...), and a check that cannot run for lack of that data is reported ``not_run``.
Time-dependent checks use ``case.clock`` (the capture time), never today.
Details are for people: they never hold a full ID number or account number.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import TypeVar

from loanpipe.domain.calendar import add_months, add_years, full_months, full_years, parse_iso_date
from loanpipe.domain.case import ApplicationCase, CaseDocument, CaseDocumentState
from loanpipe.domain.documents import DECISIVE_FIELDS, FIELDS, DocType, ExtractionResult
from loanpipe.domain.idnumber import (
    FEMALE,
    MALE,
    IdNumber,
    IdNumberError,
    area_of,
    normalize_id_number,
    parse_id_number,
    prefecture_codes,
    province_names,
    validity_years,
)
from loanpipe.domain.masking import mask_id_number
from loanpipe.domain.money import fen, to_money
from loanpipe.policy.model import Policy
from loanpipe.validation.ports import FraudPorts, ImageMatch
from loanpipe.validation.report import CheckResult, CheckStatus, Figures, ValidationReport

_T = TypeVar("_T")

LONG_TERM = "长期"

# Required fields of each document: a check needs them, so absent or unparseable means field_missing.
REQUIRED_FIELDS: dict[DocType, tuple[str, ...]] = {
    DocType.ID_CARD_FRONT: ("name", "sex", "birth_date", "id_number"),
    DocType.ID_CARD_BACK: ("valid_from", "valid_until"),
    DocType.INCOME_CERTIFICATE: ("name", "id_number", "employer", "monthly_income", "employment_start",
                                 "issue_date"),
    DocType.BANK_STATEMENT: ("account_holder", "period_start", "period_end", "opening_balance",
                             "closing_balance"),
}

_LABEL = {
    DocType.ID_CARD_FRONT: "ID card",
    DocType.ID_CARD_BACK: "ID card back",
    DocType.INCOME_CERTIFICATE: "income certificate",
    DocType.BANK_STATEMENT: "bank statement",
}
_DOT_VARIANTS = str.maketrans({"•": "·", "‧": "·", "・": "·", "．": "·", "。": "·", "⋅": "·", "∙": "·"})
_PLACE_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "地区", "省", "市",
                   "盟")
_EMPLOYER_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司", "集团公司", "集团", "公司")


def validate(case: ApplicationCase, policy: Policy, ports: FraudPorts) -> ValidationReport:
    """Run every check of the policy on one application; the report lists each check's outcome."""
    run = _Validation(case, policy, ports)
    run.run()
    return ValidationReport(
        application_id=case.application_id,
        policy_version=policy.version,
        as_of=case.clock,
        replay=case.replay,
        checks=run.checks,
        figures=run.figures,
        cross_flags=sorted(run.cross_flags),
    )


@dataclass(frozen=True)
class _Credit:
    on: date
    amount: Decimal
    salary: bool
    from_employer: bool


class _Validation:
    def __init__(self, case: ApplicationCase, policy: Policy, ports: FraudPorts):
        self.case = case
        self.policy = policy
        self.ports = ports
        self.as_of: date = case.as_of
        self.checks: list[CheckResult] = []
        self.figures = Figures()
        self.cross_flags: set[str] = set()
        self._missing: set[tuple[str, str]] = set()

    # ------------------------------------------------------------ plumbing

    def passed(self, check: str, detail: str = "", document: CaseDocument | None = None) -> None:
        self._add(check, CheckStatus.PASSED, None, detail, document)

    def failed(self, check: str, reason: str, detail: str, document: CaseDocument | None = None) -> None:
        self._add(check, CheckStatus.FAILED, reason, detail, document)

    def not_run(self, check: str, detail: str, document: CaseDocument | None = None) -> None:
        self._add(check, CheckStatus.NOT_RUN, None, detail, document)

    def not_applicable(self, check: str, detail: str) -> None:
        self._add(check, CheckStatus.NOT_APPLICABLE, None, detail, None)

    def _add(self, check: str, status: CheckStatus, reason: str | None, detail: str,
             document: CaseDocument | None) -> None:
        self.checks.append(CheckResult(check=check, status=status, reason=reason, detail=detail,
                                       document_id=document.document_id if document else None))

    def field_missing(self, document: CaseDocument, name: str, problem: str) -> None:
        key = (document.document_id, name)
        if key in self._missing:
            return
        self._missing.add(key)
        self.failed("field_readable", "field_missing", f"{_LABEL[document.doc_type]}: {name} {problem}", document)

    def text(self, document: CaseDocument | None, name: str) -> str | None:
        if document is None:
            return None
        value = _extraction(document).value(name)
        if value is None or not value.strip():
            self.field_missing(document, name, "is absent")
            return None
        return value.strip()

    def date_field(self, document: CaseDocument | None, name: str) -> date | None:
        text = self.text(document, name)
        if text is None:
            return None
        value = parse_iso_date(text)
        if value is None:
            self.field_missing(document, name, "is not a date (YYYY-MM-DD)")
        return value

    def amount_field(self, document: CaseDocument | None, name: str, limit: Decimal) -> Decimal | None:
        text = self.text(document, name)
        if text is None:
            return None
        value = _amount(text)
        if value is None:
            self.field_missing(document, name, "is not an amount")
            return None
        if abs(value) > limit:
            self.failed("amount_plausible", "amount_invalid",
                        f"{_LABEL[document.doc_type]}: {name} is beyond any plausible amount", document)
            return None
        return value

    # ------------------------------------------------------------ the checks, in report order

    def run(self) -> None:
        chosen = self.check_documents_present()
        front = _first(chosen.get(DocType.ID_CARD_FRONT))
        back = _first(chosen.get(DocType.ID_CARD_BACK))
        certificate = _first(chosen.get(DocType.INCOME_CERTIFICATE))
        statements = chosen.get(DocType.BANK_STATEMENT, [])
        for document in [d for documents in chosen.values() for d in documents]:
            for name in REQUIRED_FIELDS[document.doc_type]:
                self.text(document, name)
        self.check_confidence([d for documents in chosen.values() for d in documents])
        card_number, birth_date = self.check_id_card(front, back)
        self.check_age(birth_date)
        self.check_same_person(front, certificate, statements, card_number)
        credits = self.check_statements(statements)
        self.check_income(certificate, statements, credits)
        self.check_certificate_dates(certificate)
        self.check_images()
        self.check_capture()
        self.check_concurrent_applications(card_number)
        self.check_applicant_phone()

    def check_documents_present(self) -> dict[DocType, list[CaseDocument]]:
        chosen: dict[DocType, list[CaseDocument]] = {}
        for doc_type in DocType:
            documents = self.case.documents_of(doc_type)
            usable = [d for d in documents if _usable(d)]
            if usable:
                chosen[doc_type] = merge_statement_pages(usable) if doc_type is DocType.BANK_STATEMENT else usable[:1]
                self.passed("document_present", f"{_LABEL[doc_type]} extracted", usable[0])
                continue
            if doc_type not in self.policy.documents.required:
                continue
            unreadable = [d for d in documents if d.state is not CaseDocumentState.MISSING]
            if unreadable:
                document = unreadable[-1]
                why = ", ".join(document.state_reasons) or _unusable_reason(document)
                self.failed("document_present", "document_unreadable",
                            f"{_LABEL[doc_type]} could not be read ({why})", document)
            else:
                self.failed("document_present", "document_missing", f"no {_LABEL[doc_type]}")
        return chosen

    def check_confidence(self, documents: list[CaseDocument]) -> None:
        threshold = self.policy.documents.confidence_threshold
        row_threshold = self.policy.documents.transaction_confidence_threshold
        low = False
        for document in documents:
            extraction = _extraction(document)
            for name in FIELDS[document.doc_type]:
                field = extraction.fields.get(name)
                if (name in DECISIVE_FIELDS and field is not None and field.value and field.confidence < threshold
                        and not self._as_declared(name, field.value)):
                    low = True
                    self.failed("field_confidence", "low_confidence",
                                f"{_LABEL[document.doc_type]}: {name} read with confidence "
                                f"{field.confidence:.2f} (policy {threshold:.2f})", document)
            shaky = _doubtful_rows(extraction, row_threshold, self.policy.income.salary_keywords,
                                   _value(self._certificate(), "employer"))
            if shaky:
                low = True
                self.failed("field_confidence", "low_confidence",
                            f"{_LABEL[document.doc_type]}: {len(shaky)} row(s) read with confidence below "
                            f"{row_threshold:.2f} (first: row {shaky[0]})", document)
        if not low:
            self.passed("field_confidence", f"every decisive field at or above {threshold:.2f}")

    def _as_declared(self, name: str, value: str) -> bool:
        """A name or ID number read unsurely that is, character for character, what the application
        declares: an OCR slip does not land on the declared value, so the reading is right (whether the
        document is genuine is for the other checks)."""
        declared = self.case.declared.applicant
        if name in ("name", "account_holder"):
            return bool(declared.name) and _name_key(value) == _name_key(declared.name)
        if name == "id_number":
            number = normalize_id_number(value)
            return number is not None and number == normalize_id_number(declared.id_number)
        return False

    def check_id_card(self, front: CaseDocument | None, back: CaseDocument | None) -> tuple[str | None, date | None]:
        """ID number, area, birth date, sex, expiry and validity period; returns (number, birth date)."""
        number: IdNumber | None = None
        text = self.text(front, "id_number") if front else None
        if front is not None and text is not None:
            try:
                number = parse_id_number(text)
            except IdNumberError as exc:
                if exc.kind == "legacy":
                    self.failed("id_number_format", "id_legacy_number", str(exc), front)
                else:
                    self.field_missing(front, "id_number", "is not an ID number")
        card_birth = self.date_field(front, "birth_date") if front else None
        if number is None:
            for check in ("id_check_digit", "id_area_code", "id_birth_date", "id_sex"):
                self.not_run(check, "no readable 18-character ID number on the ID card", front)
        else:
            masked = mask_id_number(number.number)
            if number.check_digit_ok:
                self.passed("id_check_digit", f"{masked} passes the GB 11643 check", front)
            else:
                self.failed("id_check_digit", "id_checksum_invalid",
                            f"{masked} fails the GB 11643 check character", front)
            area = area_of(number.area_code)
            if area is None:
                self.failed("id_area_code", "id_area_unknown",
                            f"area code {number.area_code[:4]}.. is in no GB/T 2260 revision", front)
            else:
                self.passed("id_area_code", f"{area.province} {area.prefecture or ''}".strip(), front)
            if card_birth is None:
                self.not_run("id_birth_date", "the card's birth date is unreadable", front)
            elif card_birth != number.birth_date:
                self.failed("id_birth_date", "birth_date_mismatch",
                            f"card shows {card_birth.isoformat()}, the ID number {number.birth_date.isoformat()}",
                            front)
            else:
                self.passed("id_birth_date", "card birth date matches the ID number", front)
            sex = self.text(front, "sex")
            if sex is None:
                self.not_run("id_sex", "the card's sex is unreadable", front)
            elif sex not in (MALE, FEMALE):
                self.field_missing(front, "sex", "is neither 男 nor 女")
                self.not_run("id_sex", "the card's sex is unreadable", front)
            elif sex != number.sex:
                self.failed("id_sex", "sex_mismatch", f"card shows {sex}, the ID number {number.sex}", front)
            else:
                self.passed("id_sex", "card sex matches the ID number", front)
        birth_date = number.birth_date if number is not None else card_birth
        self.figures.birth_date = birth_date
        self.check_id_validity(back, birth_date)
        return (number.number if number is not None else None), birth_date

    def check_id_validity(self, back: CaseDocument | None, birth_date: date | None) -> None:
        valid_from = self.date_field(back, "valid_from") if back else None
        until_text = self.text(back, "valid_until") if back else None
        valid_until: date | None = None
        if until_text is not None and until_text != LONG_TERM:
            valid_until = parse_iso_date(until_text)
            if valid_until is None:
                self.field_missing(back, "valid_until", "is neither a date nor 长期")
        if until_text == LONG_TERM:
            self.passed("id_not_expired", "valid long-term (长期)", back)
        elif valid_until is None:
            self.not_run("id_not_expired", "no readable expiry date", back)
        elif valid_until < self.as_of:
            self.failed("id_not_expired", "id_expired",
                        f"expired {valid_until.isoformat()}, captured {self.as_of.isoformat()}", back)
        else:
            self.passed("id_not_expired", f"valid until {valid_until.isoformat()}", back)

        long_term = until_text == LONG_TERM
        if valid_from is None or birth_date is None or (valid_until is None and not long_term):
            self.not_run("id_validity_period", "needs the issue date, expiry and birth date", back)
            return
        if valid_from > self.as_of:
            self.failed("id_validity_period", "document_dated_after_capture",
                        f"ID card issued {valid_from.isoformat()}, after the capture", back)
            return
        if valid_from < birth_date:
            self.failed("id_validity_period", "id_validity_inconsistent", "ID card issued before its holder's birth",
                        back)
            return
        lead = timedelta(days=self.policy.documents.id_application_lead_days)
        allowed = {validity_years(full_years(birth_date, day)) for day in (valid_from - lead, valid_from)}
        actual = None if long_term else _whole_years(valid_from, valid_until)
        if actual in allowed:
            self.passed("id_validity_period", f"{_years_text(actual)} validity fits the age at issue", back)
        else:
            age = full_years(birth_date, valid_from)
            expected = " or ".join(sorted(_years_text(y) for y in allowed))
            self.failed("id_validity_period", "id_validity_inconsistent",
                        f"{_years_text(actual)} validity, but the holder was {age} at issue: {expected} expected",
                        back)

    def check_age(self, birth_date: date | None) -> None:
        if birth_date is None:
            self.not_run("applicant_age", "no readable birth date")
            return
        rules = self.policy.applicant
        term = self.case.declared.loan.term_months
        maturity = add_months(self.as_of, term)
        at_application = full_years(birth_date, self.as_of)
        at_maturity = full_years(birth_date, maturity)
        self.figures.age_at_application = at_application
        self.figures.age_at_maturity = at_maturity
        if at_application < rules.min_age_at_application:
            self.failed("applicant_age", "age_out_of_range",
                        f"{at_application} at application, policy minimum {rules.min_age_at_application}")
        elif at_maturity > rules.max_age_at_maturity:
            self.failed("applicant_age", "age_out_of_range",
                        f"{at_maturity} at maturity ({maturity.isoformat()}), policy maximum "
                        f"{rules.max_age_at_maturity}")
        else:
            self.passed("applicant_age", f"{at_application} at application, {at_maturity} at maturity")

    def check_same_person(self, front: CaseDocument | None, certificate: CaseDocument | None,
                          statements: list[CaseDocument], card_number: str | None) -> None:
        declared = self.case.declared.applicant
        names: list[tuple[str, str | None]] = [("ID card", _value(front, "name"))]
        names.append(("income certificate", _value(certificate, "name")))
        for index, statement in enumerate(statements, 1):
            label = "bank statement" if len(statements) == 1 else f"bank statement {index}"
            names.append((label, _value(statement, "account_holder")))
        names.append(("application", declared.name))
        known = [(label, _name_key(value)) for label, value in names if value]
        reference_label, reference = known[0]
        differing = [label for label, value in known[1:] if value != reference]
        if differing:
            self.failed("same_name", "name_mismatch",
                        f"name on {', '.join(differing)} differs from the {reference_label}")
        elif len(known) < 2:
            self.not_run("same_name", "fewer than two readable names")
        else:
            self.passed("same_name", f"same name on {len(known)} sources")

        numbers: list[tuple[str, str | None]] = [("ID card", card_number)]
        certificate_text = _value(certificate, "id_number")
        certificate_number = normalize_id_number(certificate_text)
        if certificate is not None and certificate_text and certificate_number is None:
            self.field_missing(certificate, "id_number", "is not an ID number")
        numbers.append(("income certificate", certificate_number))
        declared_number = normalize_id_number(declared.id_number)
        if declared_number is None:
            self.failed("same_id_number", "field_missing", "the application's ID number is not an ID number")
        numbers.append(("application", declared_number))
        known_numbers = [(label, value) for label, value in numbers if value]
        if len(known_numbers) < 2:
            self.not_run("same_id_number", "fewer than two readable ID numbers")
            return
        reference_label, reference_number = known_numbers[0]
        differing = [label for label, value in known_numbers[1:] if value != reference_number]
        if differing:
            self.failed("same_id_number", "id_number_mismatch",
                        f"ID number on {', '.join(differing)} differs from the {reference_label}'s "
                        f"({mask_id_number(reference_number)})")
        else:
            self.passed("same_id_number", f"same ID number on {len(known_numbers)} sources")

    def check_statements(self, statements: list[CaseDocument]) -> list[_Credit]:
        """Balances row by row, period length and recency; returns the credits for the income checks."""
        limit = self.policy.statement.max_amount
        credits: list[_Credit] = []
        periods: list[tuple[date, date, Decimal | None]] = []
        if not statements:
            for check in ("statement_balances", "statement_period", "statement_recent"):
                self.not_run(check, "no readable bank statement")
            return credits
        employer = _value(self._certificate(), "employer")
        keywords = [keyword.lower() for keyword in self.policy.income.salary_keywords]
        for statement in statements:
            start = self.date_field(statement, "period_start")
            end = self.date_field(statement, "period_end")
            opening = self.amount_field(statement, "opening_balance", limit)
            closing = self.amount_field(statement, "closing_balance", limit)
            rows = self._rows(statement, limit)
            if start is not None and end is not None:
                if start > end:
                    self.field_missing(statement, "period_start", "is after period_end")
                else:
                    periods.append((start, end, closing))
            if rows is None or opening is None or closing is None:
                self.not_run("statement_balances", "needs the opening and closing balances and every row",
                             statement)
            else:
                breaks = _balance_breaks(opening, closing, rows)
                if breaks:
                    self.failed("statement_balances", "statement_balance_inconsistent",
                                f"{'; '.join(breaks[:3])}{' ...' if len(breaks) > 3 else ''}", statement)
                else:
                    self.passed("statement_balances",
                                f"opening + {len(rows)} rows = closing, every running balance adds up", statement)
            for on, amount, _, description in rows or []:
                if amount > 0:
                    text = description.lower()
                    from_employer = _names_employer(description, employer)
                    salary = from_employer or any(keyword in text for keyword in keywords)
                    credits.append(_Credit(on, amount, salary, from_employer))
        if not periods:
            self.not_run("statement_period", "no readable statement period")
            self.not_run("statement_recent", "no readable statement period")
            return credits
        first = min(start for start, _, _ in periods)
        last = max(end for _, end, _ in periods)
        days = (last - first).days + 1
        self.figures.statement_days = days
        self.figures.latest_closing_balance = max(periods, key=lambda period: period[1])[2]
        rules = self.policy.statement
        if days < rules.min_days:
            self.failed("statement_period", "statement_period_short",
                        f"covers {days} days ({first.isoformat()} to {last.isoformat()}), policy {rules.min_days}")
        else:
            self.passed("statement_period", f"covers {days} days")
        age = (self.as_of - last).days
        self.figures.statement_end_age_days = age
        if age < 0:
            self.failed("statement_recent", "document_dated_after_capture",
                        f"statement ends {last.isoformat()}, after the capture")
        elif age > rules.max_age_days:
            self.failed("statement_recent", "statement_stale",
                        f"ends {age} days before capture ({last.isoformat()}), policy {rules.max_age_days}")
        else:
            self.passed("statement_recent", f"ends {age} days before capture")
        return credits

    def _rows(self, statement: CaseDocument, limit: Decimal) -> list[tuple[date, Decimal, Decimal | None, str]] | None:
        """Parsed rows in chronological order; None when a row cannot be read (reported once)."""
        rows = []
        for index, row in enumerate(_extraction(statement).transactions, 1):
            on = parse_iso_date(row.date)
            amount = _amount(row.amount)
            balance = _amount(row.balance) if row.balance not in (None, "") else None
            if on is None or amount is None or (row.balance not in (None, "") and balance is None):
                self.field_missing(statement, "transactions", f"row {index} has an unreadable date or amount")
                return None
            if abs(amount) > limit or (balance is not None and abs(balance) > limit):
                self.failed("amount_plausible", "amount_invalid",
                            f"bank statement row {index} holds an amount beyond any plausible one", statement)
                return None
            rows.append((on, amount, balance, row.description or ""))
        return _oldest_first(rows, lambda row: row[0])

    def check_income(self, certificate: CaseDocument | None, statements: list[CaseDocument],
                     credits: list[_Credit]) -> None:
        rules = self.policy.income
        if certificate is None or not statements:
            for check in ("salary_from_employer", "income_matches_salary"):
                self.not_run(check, "needs the income certificate and a bank statement")
            return
        income = self.amount_field(certificate, "monthly_income", rules.max_monthly_income)
        if income is not None and income <= 0:
            self.failed("amount_plausible", "amount_invalid",
                        f"income certificate: monthly income {income} is not a plausible income", certificate)
            income = None
        self.figures.certified_monthly_income = income
        employer = _value(certificate, "employer")
        salary = [credit for credit in credits if credit.salary]
        from_employer = [credit for credit in salary if credit.from_employer]
        _, employer_months = _salary_estimate(from_employer)
        if employer is None:
            self.not_run("salary_from_employer", "no readable employer on the income certificate")
        elif not salary:
            self.not_run("salary_from_employer", "no salary credits")
        elif employer_months >= rules.min_salary_months:
            self.passed("salary_from_employer", f"salary from the certified employer in {employer_months} months")
        elif len(salary) > len(from_employer):
            self.failed("salary_from_employer", "employer_mismatch",
                        f"{len(from_employer)} of {len(salary)} salary credits name the certified employer")
        else:
            self.passed("salary_from_employer", "every salary credit names the certified employer")

        basis = from_employer if employer_months >= rules.min_salary_months else salary
        median, months = _salary_estimate(basis)
        self.figures.salary_months = months
        if median is None:
            self.failed("income_matches_salary", "income_unverified", "no salary credits in the statement")
            return
        self.figures.median_salary_credit = median
        if months < rules.min_salary_months:
            self.failed("income_matches_salary", "income_unverified",
                        f"salary credits in {months} months, policy {rules.min_salary_months}")
            return
        if income is None:
            self.not_run("income_matches_salary", "no readable certified income")
            return
        if basis is not from_employer and employer is not None:
            self.not_run("income_matches_salary", "the salary credits do not come from the certified employer")
            return
        deviation = (median - income) / income
        low, high = income * (1 - rules.tolerance), income * (1 + rules.tolerance)
        if not low <= median <= high:
            self.failed("income_matches_salary", "income_mismatch",
                        f"certificate {fen(income)} vs median monthly salary credit {median} "
                        f"({deviation * 100:+.1f}%, tolerance ±{rules.tolerance * 100:.0f}%)")
            return
        self.figures.verified_monthly_income = min(fen(income), median)
        self.passed("income_matches_salary",
                    f"median monthly salary credit {median} within ±{rules.tolerance * 100:.0f}% of the certificate "
                    f"({deviation * 100:+.1f}%)")

    def check_certificate_dates(self, certificate: CaseDocument | None) -> None:
        if certificate is None:
            self.not_run("certificate_recent", "no readable income certificate")
            return
        issued = self.date_field(certificate, "issue_date")
        started = self.date_field(certificate, "employment_start")
        if issued is None:
            self.not_run("certificate_recent", "no readable issue date", certificate)
        else:
            age = (self.as_of - issued).days
            limit = self.policy.certificate.max_age_days
            if age < 0:
                self.failed("certificate_recent", "document_dated_after_capture",
                            f"issued {issued.isoformat()}, after the capture", certificate)
            elif age > limit:
                self.failed("certificate_recent", "certificate_stale",
                            f"issued {age} days before capture, policy {limit}", certificate)
            else:
                self.passed("certificate_recent", f"issued {age} days before capture", certificate)
        if started is not None:
            if started > self.as_of:
                self.failed("employment_start", "document_dated_after_capture",
                            f"employment starts {started.isoformat()}, after the capture", certificate)
            else:
                self.figures.employment_months = full_months(started, self.as_of)

    # ------------------------------------------------------------ fraud signals

    def check_images(self) -> None:
        case = self.case
        officer = case.declared.capture.officer_id
        hashed = [d for d in case.documents if d.evidence is not None and d.evidence.phash]
        unhashed = [d for d in case.documents if _usable(d) and (d.evidence is None or not d.evidence.phash)]
        contents = {document.document_id: content_keys(document) for document in hashed}
        for document in hashed:
            recorded_at = document.evidence.received_at or case.received_at or case.clock
            self.ports.image_index.record(case.application_id, document.document_id, document.evidence.phash,
                                          officer, recorded_at, contents[document.document_id])
        distance = self.policy.fraud.duplicate_max_distance
        unread_distance = min(distance, self.policy.fraud.duplicate_max_distance_unread)
        duplicates = False
        for document in hashed:
            mine = contents[document.document_id]
            # Both texts read: the same picture saying the same. One side unread: the picture alone, so
            # only a near-identical one (two people's cards of one template lie a few bits apart).
            matches = [m for m in self.ports.image_index.find_near(document.evidence.phash, distance)
                       if m.application_id != case.application_id and not contents_differ(mine, m.content)
                       and (bool(mine and m.content) or m.distance <= unread_distance)]
            if matches:
                duplicates = True
                self.cross_flags.update(match.application_id for match in matches)
                self.failed("duplicate_images", "duplicate_image",
                            f"{_LABEL[document.doc_type]}: {_matches_text(matches)}", document)
        if unhashed:
            self.not_run("duplicate_images",
                         f"no image hash for {', '.join(_LABEL[d.doc_type] for d in unhashed)}")
        elif not duplicates:
            self.passed("duplicate_images", f"{len(hashed)} image(s), none seen in another application")

        editors = self.policy.fraud.editing_software
        edited = False
        for document in case.documents:
            software = document.evidence.software if document.evidence else None
            if software and any(editor.lower() in software.lower() for editor in editors):
                edited = True
                self.failed("image_software", "image_edited",
                            f"{_LABEL[document.doc_type]}: metadata names {software[:60]!r}", document)
        if not edited:
            self.passed("image_software", "no image names editing software")

    def check_capture(self) -> None:
        case = self.case
        capture = case.declared.capture
        rules = self.policy.capture
        points = [("application", capture.lat, capture.lon)]
        points += [(_LABEL[d.doc_type], d.evidence.gps_lat, d.evidence.gps_lon) for d in case.documents
                   if d.evidence is not None and d.evidence.gps_lat is not None and d.evidence.gps_lon is not None]
        spread, pair = 0.0, None
        for i in range(len(points)):
            for j in range(i + 1, len(points)):
                meters = _haversine_meters(points[i][1], points[i][2], points[j][1], points[j][2])
                if meters > spread:
                    spread, pair = meters, (points[i][0], points[j][0])
        self.figures.capture_spread_meters = round(spread)
        if len(points) < 2:
            self.not_applicable("capture_location", "no photo carries a GPS position")
        elif spread > rules.max_spread_meters:
            self.failed("capture_location", "capture_location_spread",
                        f"{pair[0]} and {pair[1]} captured {_distance_text(spread)} apart, "
                        f"policy {rules.max_spread_meters} m")
        else:
            self.passed("capture_location", f"{len(points)} positions within {round(spread)} m")

        window = timedelta(minutes=rules.visit_window_minutes)
        timed = [(d, _aware(d.evidence.taken_at, case.clock)) for d in case.documents
                 if d.evidence is not None and d.evidence.taken_at is not None]
        outside = [(d, taken) for d, taken in timed if abs(taken - case.clock) > window]
        if not timed:
            self.not_applicable("capture_times", "no photo carries a capture time")
        elif outside:
            for document, taken in outside:
                hours = (taken - case.clock).total_seconds() / 3600
                self.failed("capture_times", "capture_time_outside_visit",
                            f"{_LABEL[document.doc_type]} photographed {taken.isoformat(timespec='minutes')}, "
                            f"{abs(hours):.1f} h {'before' if hours < 0 else 'after'} the visit", document)
        else:
            self.passed("capture_times", f"{len(timed)} photo time(s) within the visit")

        if case.replay:
            self.not_applicable("capture_clock", "replay: the recorded capture time is the clock")
        elif case.received_at is None:
            self.failed("capture_clock", "capture_clock_skew", "live application without a server receipt time")
        else:
            skew = abs(case.received_at - case.clock)
            if skew > timedelta(minutes=rules.max_clock_skew_minutes):
                self.failed("capture_clock", "capture_clock_skew",
                            f"capture time {_duration_text(skew)} from the server's receipt, "
                            f"policy {rules.max_clock_skew_minutes} min")
            else:
                self.passed("capture_clock", f"capture time {_duration_text(skew)} from the server's receipt")

    def check_concurrent_applications(self, card_number: str | None) -> None:
        case = self.case
        numbers = {n for n in (normalize_id_number(case.declared.applicant.id_number), card_number) if n}
        officer = case.declared.capture.officer_id
        others = {}
        for number in numbers:
            for application in self.ports.open_applications.with_id_number(number):
                if application.application_id != case.application_id:
                    others[application.application_id] = application
        foreign = [a for a in others.values() if a.officer_id != officer]
        if foreign:
            listing = ", ".join(f"{a.application_id} (officer {a.officer_id})" for a in foreign[:3])
            self.failed("concurrent_applications", "concurrent_application",
                        f"same ID number in open application(s) by other officers: {listing}")
        elif others:
            self.passed("concurrent_applications", f"{len(others)} other open application(s), same officer")
        else:
            self.passed("concurrent_applications", "no other open application with this ID number")

    def check_applicant_phone(self) -> None:
        officer = self.ports.officer_directory.officer_with_phone(self.case.declared.applicant.phone)
        if officer is not None:
            self.failed("applicant_phone", "phone_matches_officer",
                        f"the applicant's phone is the registered phone of officer {officer}")
        else:
            self.passed("applicant_phone", "the applicant's phone is no officer's")

    def _certificate(self) -> CaseDocument | None:
        return _first([d for d in self.case.documents_of(DocType.INCOME_CERTIFICATE) if _usable(d)])


# ---------------------------------------------------------------- helpers


# Fields that tell two documents of one template apart (hashed before they are stored in the image index).
_CONTENT_FIELDS: dict[DocType, tuple[str, ...]] = {
    DocType.ID_CARD_FRONT: ("id_number", "name"),
    DocType.ID_CARD_BACK: ("valid_from", "valid_until", "issuing_authority"),
    DocType.INCOME_CERTIFICATE: ("id_number", "name", "monthly_income", "issue_date"),
    DocType.BANK_STATEMENT: ("account_number", "period_start", "period_end", "closing_balance"),
}


def content_keys(document: CaseDocument) -> dict[str, str] | None:
    """Hashed key fields of what a document says, or None when it was not read (then the picture alone
    decides, the cautious side). Only confidently read values count: an OCR slip must not hide a reuse."""
    if document.extraction is None:
        return None
    keys = {}
    for name in _CONTENT_FIELDS.get(document.doc_type, ()):
        field = document.extraction.fields.get(name)
        if field is None or not field.value or field.confidence < 0.8:
            continue
        text = "".join(field.value.split()).upper()
        keys[name] = hashlib.sha256(f"loanpipe:content:{name}:{text}".encode()).hexdigest()[:24]
    return keys or None


def contents_differ(mine: dict[str, str] | None, theirs: dict[str, str] | None) -> bool:
    """True when both pictures were read and a key field known on both sides says something else."""
    if not mine or not theirs:
        return False
    return any(mine[name] != theirs[name] for name in mine.keys() & theirs.keys())


# ---------------------------------------------------------------- statements photographed page by page

_HEADER_FIELDS = ("account_holder", "account_number", "bank_name")


def _earliest_row(document: CaseDocument) -> date | None:
    dates = [parse_iso_date(row.date) for row in _extraction(document).transactions]
    return min((d for d in dates if d is not None), default=None)


def _chronological(document: CaseDocument) -> list:
    """A page's rows oldest first (statements are printed either way)."""
    return _oldest_first(list(_extraction(document).transactions), lambda row: parse_iso_date(row.date))


def _oldest_first(items: list[_T], date_of: Callable[[_T], date | None]) -> list[_T]:
    """Statement rows (in any form) oldest first: a newest-first statement is turned around, judged by
    its first and last dates."""
    first, last = (date_of(items[0]), date_of(items[-1])) if items else (None, None)
    if first is not None and last is not None and first > last:
        items = items[::-1]
    return items


def merge_statement_pages(statements: list[CaseDocument]) -> list[CaseDocument]:
    """One statement per account, however many files its pages came in.

    An officer photographs a printed statement page by page (bank_statement_1.jpg, _2.jpg...): the
    opening balance is printed on the first page only, the closing balance on the last, the rows run on
    across pages. Pages of one account (same account number; a page whose number was not read joins the
    only account there is) become one document: header fields from the pages that print them, the period
    from the earliest start to the latest end, the opening balance of the earliest page, the closing
    balance of the latest, the rows in date order; so the running balance is checked across page breaks.
    """
    if len(statements) < 2:
        return statements
    groups: dict[str | None, list[CaseDocument]] = defaultdict(list)
    for document in statements:
        groups[_value(document, "account_number")].append(document)
    accounts = [key for key in groups if key is not None]
    if None in groups and len(accounts) == 1:
        groups[accounts[0]] += groups.pop(None)
    merged = []
    for pages in groups.values():
        if len(pages) == 1:
            merged.append(pages[0])
            continue
        pages = sorted(pages, key=lambda d: (_earliest_row(d) is None, _earliest_row(d) or date.min))
        fields: dict = {}
        for name in _HEADER_FIELDS:
            read = [_extraction(d).fields[name] for d in pages if _value(d, name)]
            if read:
                fields[name] = max(read, key=lambda field: field.confidence)
        for name, pick in (("period_start", min), ("period_end", max)):
            read = [(parse_iso_date(_value(d, name)), _extraction(d).fields[name]) for d in pages if _value(d, name)]
            read = [(on, field) for on, field in read if on is not None]
            if read:
                fields[name] = pick(read, key=lambda item: item[0])[1]
        for name, page in (("opening_balance", pages[0]), ("closing_balance", pages[-1])):
            if _value(page, name):
                fields[name] = _extraction(page).fields[name]
        first = pages[0]
        extraction = _extraction(first).model_copy(update={
            "fields": fields,
            "transactions": [row for page in pages for row in _chronological(page)],
            "warnings": [w for page in pages for w in _extraction(page).warnings],
        })
        merged.append(first.model_copy(update={"extraction": extraction}))
    return merged


def _usable(document: CaseDocument) -> bool:
    extraction = document.extraction
    return (document.state is CaseDocumentState.EXTRACTED and extraction is not None and extraction.quality.ok
            and extraction.doc_type == document.doc_type)


def _unusable_reason(document: CaseDocument) -> str:
    if document.state is not CaseDocumentState.EXTRACTED:
        return document.state.value.lower().replace("_", " ")
    extraction = document.extraction
    if extraction is None:
        return "no extraction"
    if extraction.doc_type != document.doc_type:
        return f"it reads as {extraction.doc_type.value}"
    return ", ".join(extraction.quality.reasons) or "quality check failed"


def _extraction(document: CaseDocument) -> ExtractionResult:
    assert document.extraction is not None  # only usable documents are read
    return document.extraction


def _first(documents: list[CaseDocument] | None) -> CaseDocument | None:
    return documents[0] if documents else None


def _value(document: CaseDocument | None, name: str) -> str | None:
    if document is None or document.extraction is None:
        return None
    value = document.extraction.value(name)
    return value.strip() if value and value.strip() else None


def _amount(text: str | None) -> Decimal | None:
    """A contract amount; None when unparseable. Absurd sizes are returned for the caller's limit check."""
    if text is None:
        return None
    try:
        return to_money(text)
    except ValueError:
        return None


def _name_key(name: str) -> str:
    return "".join(name.split()).translate(_DOT_VARIANTS)


def _employer_core(employer: str) -> str:
    text = "".join(employer.split()).replace("（", "(").replace("）", ")")
    changed = True
    while changed:
        changed = False
        for suffix in _EMPLOYER_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix) + 1:
                text = text[: -len(suffix)]
                changed = True
    return text


def _names_employer(description: str, employer: str | None) -> bool:
    """Does a statement row name the employer? Banks truncate names and drop the city: compare cores.

    The core is the name without its legal-form suffix (有限公司...); a leading province or city name
    (GB/T 2260 names, with or without 市/省) may be missing from the row, and the row may cut the name.
    """
    if not employer:
        return False
    text = "".join(description.split()).replace("（", "(").replace("）", ")")
    core = _employer_core(employer)
    candidates = [core]
    for place in _place_prefixes():
        if core.startswith(place) and len(core) - len(place) >= 4:
            candidates.append(core[len(place):])
            break
    return any(_prefix_in(candidate, text) for candidate in candidates)


def _prefix_in(core: str, text: str) -> bool:
    """The core's first 8 characters, or a truncation of at least 3/4 of it (4 at least), are in the text."""
    if len(core) < 2:
        return False
    needed = min(len(core), max(4, math.ceil(len(core) * 3 / 4)), 8)
    return any(core[:length] in text for length in range(min(len(core), 8), needed - 1, -1))


@cache
def _place_prefixes() -> tuple[str, ...]:
    """Province and prefecture names, longest first, also without their 市/省/自治区 suffix."""
    names = set(prefecture_codes().values()) | set(province_names().values())
    prefixes = set()
    for name in names:
        prefixes.add(name)
        for suffix in _PLACE_SUFFIXES:
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                prefixes.add(name[: -len(suffix)])
    return tuple(sorted((p for p in prefixes if len(p) >= 2 and p not in ("市辖区", "县")), key=len, reverse=True))


def _salary_estimate(credits: list[_Credit]) -> tuple[Decimal | None, int]:
    """(median monthly salary, months of pay seen) from salary credits.

    Credits of one day are one payment (salary and allowance are often paid apart). The pay cadence is
    the payments per month over the span they cover (1 monthly, 2 semi-monthly); the monthly salary is the
    median payment times the cadence. Unlike sums per calendar month, this does not double a month when a
    payday near the month's end moves across it (31 Jan, then 1 Mar), and a one-off bonus does not move it.
    """
    by_day: dict[date, Decimal] = defaultdict(Decimal)
    for credit in credits:
        by_day[credit.on] += credit.amount
    if not by_day:
        return None, 0
    days = sorted(by_day)
    span_months = Decimal((days[-1] - days[0]).days) / Decimal("30.44") + 1
    cadence = max(1, round(len(days) / span_months))
    return fen(_median(list(by_day.values())) * cadence), round(len(days) / cadence)


def _median(values: list[Decimal]) -> Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return fen(ordered[middle])
    return fen((ordered[middle - 1] + ordered[middle]) / 2)


def _doubtful_rows(extraction: ExtractionResult, threshold: float, salary_keywords: list[str],
                   employer: str | None) -> list[int]:
    """Statement rows (1-based, as printed) read below the threshold whose words a check relies on.

    Every row's amount and balance count: a row whose printed balance is not the previous balance plus its
    amount stays doubtful. Beyond that, only a salary's words are read (is it salary, is it paid by the
    certified employer): a salary credit read unsurely stays doubtful unless it names the employer exactly
    as the certificate does (two documents read apart agree). A debit's payee, or a credit that is no
    salary (a transfer from a person), no check reads: unsure words there do not hold up the decision
    (the contract still carries the row's own confidence)."""
    keywords = [keyword.lower() for keyword in salary_keywords]
    employer_key = "".join(employer.split()) if employer else None
    # Newest-first statements: the running balance goes the other way.
    rows = _oldest_first(list(enumerate(extraction.transactions, 1)), lambda item: parse_iso_date(item[1].date))
    running = _amount(extraction.value("opening_balance"))
    doubtful = []
    for number, row in rows:
        amount, balance = _amount(row.amount), _amount(row.balance)
        adds_up = running is not None and amount is not None and balance is not None and running + amount == balance
        if row.confidence < threshold and not (adds_up and _words_unread(row.description, amount, keywords,
                                                                        employer_key)):
            doubtful.append(number)
        running = balance if balance is not None else (running + amount if running is not None and amount is not None
                                                       else None)
    return sorted(doubtful)


def _words_unread(description: str, amount: Decimal, keywords: list[str], employer_key: str | None) -> bool:
    """No check depends on how this row's words were read (see ``_doubtful_rows``)."""
    if amount < 0:
        return True
    text = "".join(description.split())
    names_employer = bool(employer_key) and employer_key in text
    if names_employer:
        return True  # the certificate's employer, character for character: the reading is right
    return not any(keyword in text.lower() for keyword in keywords) and not (
        employer_key and _names_employer(description, employer_key))


def _balance_breaks(opening: Decimal, closing: Decimal,
                    rows: list[tuple[date, Decimal, Decimal | None, str]]) -> list[str]:
    """Where the running balance does not add up: each row against the previous balance, then the total."""
    breaks = []
    running = opening
    for index, (on, amount, balance, _) in enumerate(rows, 1):
        running += amount
        if balance is not None:
            if balance != running:
                breaks.append(f"row {index} ({on.isoformat()}): balance {balance} but previous + amount = {running}")
            running = balance  # resynchronise: one edited row is one break
    if running != closing:
        breaks.append(f"last balance {running} but closing balance {closing}")
    total = opening + sum((amount for _, amount, _, _ in rows), Decimal(0))
    if total != closing:
        breaks.append(f"opening + transactions = {total} but closing balance {closing}")
    return breaks


def _whole_years(start: date, end: date) -> int | str:
    years = end.year - start.year
    if add_years(start, years) == end or (start.month == 2 and start.day == 29 and end == date(end.year, 3, 1)):
        return years
    return "irregular"


def _years_text(years: int | str | None) -> str:
    if years is None:
        return "long-term (长期)"
    if isinstance(years, str):
        return "an irregular"
    return f"{years}-year"


def _matches_text(matches: list[ImageMatch]) -> str:
    shown = "; ".join(f"application {m.application_id} (officer {m.officer_id}, {m.distance} bits apart)"
                      for m in matches[:3])
    return f"same picture as in {shown}{' ...' if len(matches) > 3 else ''}"


def _aware(moment: datetime, clock: datetime) -> datetime:
    """EXIF time without an offset is the camera's local time: read it in the capture's time zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=clock.tzinfo)


def _haversine_meters(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    radius = 6_371_000.0
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * radius * math.asin(min(1.0, math.sqrt(a)))


def _distance_text(meters: float) -> str:
    return f"{meters / 1000:.1f} km" if meters >= 1000 else f"{round(meters)} m"


def _duration_text(delta: timedelta) -> str:
    minutes = delta.total_seconds() / 60
    return f"{minutes / 60:.1f} h" if minutes >= 90 else f"{round(minutes)} min"
