"""Are the documents there, and were their decisive fields and statement rows read surely enough?"""

from __future__ import annotations

from decimal import Decimal

from loanpipe.domain.application import Applicant
from loanpipe.domain.calendar import parse_iso_date
from loanpipe.domain.case import ApplicationCase, CaseDocument, CaseDocumentState
from loanpipe.domain.documents import DECISIVE_FIELDS, FIELDS, DocType, ExtractionResult
from loanpipe.domain.idnumber import normalize_id_number
from loanpipe.policy.model import Policy
from loanpipe.validation.checks.employer import names_employer, names_whole_employer
from loanpipe.validation.checks.fields import (
    LABEL,
    REQUIRED_FIELDS,
    extraction_of,
    name_key,
    oldest_first,
    parse_amount,
    read_text,
    usable,
)
from loanpipe.validation.checks.log import CheckLog
from loanpipe.validation.checks.pages import merge_statement_pages


def check_documents_present(log: CheckLog, case: ApplicationCase, policy: Policy) -> dict[DocType, list[CaseDocument]]:
    """The documents the checks read, per type: the first usable one, every statement (pages merged)."""
    chosen: dict[DocType, list[CaseDocument]] = {}
    for doc_type in DocType:
        documents = case.documents_of(doc_type)
        usable_ones = [d for d in documents if usable(d)]
        if usable_ones:
            chosen[doc_type] = (merge_statement_pages(usable_ones) if doc_type is DocType.BANK_STATEMENT
                                else usable_ones[:1])
            log.passed("document_present", f"{LABEL[doc_type]} extracted", usable_ones[0])
            continue
        if doc_type not in policy.documents.required:
            continue
        unreadable = [d for d in documents if d.state is not CaseDocumentState.MISSING]
        if unreadable:
            document = unreadable[-1]
            why = ", ".join(document.state_reasons) or _unusable_reason(document)
            log.failed("document_present", "document_unreadable",
                       f"{LABEL[doc_type]} could not be read ({why})", document)
        else:
            log.failed("document_present", "document_missing", f"no {LABEL[doc_type]}")
    return chosen


def read_required_fields(log: CheckLog, documents: list[CaseDocument]) -> None:
    """Every required field of every chosen document, so an absent one is reported before any check."""
    for document in documents:
        for name in REQUIRED_FIELDS[document.doc_type]:
            read_text(log, document, name)


def check_confidence(log: CheckLog, documents: list[CaseDocument], policy: Policy, declared: Applicant,
                     employer: str | None) -> None:
    """Decisive fields and the statement rows a check relies on, against the policy's thresholds."""
    threshold = policy.documents.confidence_threshold
    row_threshold = policy.documents.transaction_confidence_threshold
    low = False
    for document in documents:
        extraction = extraction_of(document)
        for name in FIELDS[document.doc_type]:
            field = extraction.fields.get(name)
            if (name in DECISIVE_FIELDS and field is not None and field.value and field.confidence < threshold
                    and not _as_declared(declared, name, field.value)):
                low = True
                log.failed("field_confidence", "low_confidence",
                           f"{LABEL[document.doc_type]}: {name} read with confidence "
                           f"{field.confidence:.2f} (policy {threshold:.2f})", document)
        shaky = _doubtful_rows(extraction, row_threshold, policy.income.salary_keywords, employer)
        if shaky:
            low = True
            log.failed("field_confidence", "low_confidence",
                       f"{LABEL[document.doc_type]}: {len(shaky)} row(s) read with confidence below "
                       f"{row_threshold:.2f} (first: row {shaky[0]})", document)
    if not low:
        log.passed("field_confidence", f"every decisive field at or above {threshold:.2f}")


def _unusable_reason(document: CaseDocument) -> str:
    if document.state is not CaseDocumentState.EXTRACTED:
        return document.state.value.lower().replace("_", " ")
    extraction = document.extraction
    if extraction is None:
        return "no extraction"
    if extraction.doc_type != document.doc_type:
        return f"it reads as {extraction.doc_type.value}"
    return ", ".join(extraction.quality.reasons) or "quality check failed"


def _as_declared(declared: Applicant, name: str, value: str) -> bool:
    """A name or ID number read unsurely that is, character for character, what the application
    declares: an OCR slip does not land on the declared value, so the reading is right (whether the
    document is genuine is for the other checks)."""
    if name in ("name", "account_holder"):
        return bool(declared.name) and name_key(value) == name_key(declared.name)
    if name == "id_number":
        number = normalize_id_number(value)
        return number is not None and number == normalize_id_number(declared.id_number)
    return False


def _doubtful_rows(extraction: ExtractionResult, threshold: float, salary_keywords: list[str],
                   employer: str | None) -> list[int]:
    """Statement rows (1-based, as printed) read below the threshold whose words a check relies on.

    Every row's amount and balance count: a row whose printed balance is not the previous balance plus its
    amount stays doubtful. Beyond that, only a salary's words are read (is it salary, is it paid by the
    certified employer): a salary credit read unsurely stays doubtful unless it prints the certificate's
    employer in full (two documents read apart agree, within the tolerance of a misread character that the
    salary check itself gives an unsure reading, ``names_whole_employer``); a name cut short vouches for
    nothing. A debit's payee, or a credit that is no
    salary (a transfer from a person), no check reads: unsure words there do not hold up the decision
    (the contract still carries the row's own confidence)."""
    keywords = [keyword.lower() for keyword in salary_keywords]
    # Newest-first statements: the running balance goes the other way.
    rows = oldest_first(list(enumerate(extraction.transactions, 1)), lambda item: parse_iso_date(item[1].date))
    running = parse_amount(extraction.value("opening_balance"))
    doubtful = []
    for number, row in rows:
        amount, balance = parse_amount(row.amount), parse_amount(row.balance)
        adds_up = running is not None and amount is not None and balance is not None and running + amount == balance
        if row.confidence < threshold and not (adds_up and _words_unread(row.description, amount, keywords,
                                                                        employer)):
            doubtful.append(number)
        running = balance if balance is not None else (running + amount if running is not None and amount is not None
                                                       else None)
    return sorted(doubtful)


def _words_unread(description: str, amount: Decimal, keywords: list[str], employer: str | None) -> bool:
    """No check depends on how this row's words were read (see ``_doubtful_rows``)."""
    if amount < 0:
        return True
    if names_whole_employer(description, employer, read_unsurely=True):
        # The certificate's employer in full, within the tolerance the salary check gives an unsure reading:
        # whichever character was misread, that check reads the row the same way.
        return True
    text = "".join(description.split())
    return not any(keyword in text.lower() for keyword in keywords) and not names_employer(description, employer)
