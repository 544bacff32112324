"""What a document awaiting a retake already shows against the application.

A picture sent back for a retake (glare over some rows, a blurred corner) is not read surely enough to
approve on, but most of it was read: a statement's period, most of its rows, a certificate's income. A
defect visible there (a statement that ended months before the visit, an income its salary credits do not
bear out, another person's name) is evidence a reviewer should see now, and the officer may never send
the retake. So the content checks run once more with those documents in place of the missing ones, and the
defects they find that the sure reading did not are added to the report, each marked as read from a picture
awaiting a retake.

Such a defect can only hold an application for review: the application is already in review for the
retake (``document_unreadable``), only the evidence codes below are taken (never a policy knock-out, never
a confidence or missing-field code), and the report's figures (the verified income, the statement's
dates) stay those of the sure documents.
"""

from __future__ import annotations

from collections.abc import Sequence

from loanpipe.domain.case import ApplicationCase, CaseDocument, CaseDocumentState
from loanpipe.domain.documents import DocType
from loanpipe.policy.model import Policy
from loanpipe.validation.checks.log import CheckLog
from loanpipe.validation.checks.pages import merge_statement_pages
from loanpipe.validation.report import CheckResult, CheckStatus

# Defects a document's content shows, whoever read it: the codes a provisional reading may add.
EVIDENCE_CODES = frozenset((
    "name_mismatch", "id_number_mismatch", "birth_date_mismatch", "sex_mismatch", "id_checksum_invalid",
    "id_area_unknown", "id_validity_inconsistent", "statement_balance_inconsistent", "statement_stale",
    "statement_period_short", "income_mismatch", "employer_mismatch", "certificate_stale",
    "document_dated_after_capture",
))
MARK = "read from a picture awaiting a retake"


def awaiting_retake(case: ApplicationCase, chosen: dict[DocType, list[CaseDocument]], threshold: float
                    ) -> dict[DocType, list[CaseDocument]]:
    """For each type no document was read surely enough for, the documents of it awaiting a retake that
    were read (the latest one of a single-document slot; every page of a statement), with only the fields
    read at or above the policy's ``threshold``: a defect is named from what the picture shows clearly, not
    from a character the glare made up."""
    found: dict[DocType, list[CaseDocument]] = {}
    for doc_type in DocType:
        if chosen.get(doc_type):
            continue
        read = [_sure_fields(d, threshold) for d in case.documents_of(doc_type)
                if d.state is CaseDocumentState.RETAKE_REQUESTED and d.extraction is not None
                and d.extraction.doc_type == doc_type and (d.extraction.fields or d.extraction.transactions)]
        if read:
            found[doc_type] = merge_statement_pages(read) if doc_type is DocType.BANK_STATEMENT else read[-1:]
    return found


def _sure_fields(document: CaseDocument, threshold: float) -> CaseDocument:
    """The document with its fields read below ``threshold`` left out (its rows stay: the statement checks
    weigh each row's own confidence)."""
    assert document.extraction is not None
    fields = {name: field for name, field in document.extraction.fields.items() if field.confidence >= threshold}
    return document.model_copy(update={"extraction": document.extraction.model_copy(update={"fields": fields})})


def add_provisional_evidence(log: CheckLog, results: Sequence[CheckResult], policy: Policy) -> None:
    """The failed checks of the second run (``results``) whose defect the report does not name yet, added to
    ``log`` with their mark; a code the policy makes a knock-out is left out (it would decline)."""
    named = {result.reason for result in log.results if result.status is CheckStatus.FAILED}
    for result in results:
        code = result.reason
        if (result.status is not CheckStatus.FAILED or code is None or code not in EVIDENCE_CODES
                or code in policy.knockouts or code in named):
            continue
        named.add(code)
        log.add(result.model_copy(update={"detail": f"{result.detail} ({MARK})"}))
