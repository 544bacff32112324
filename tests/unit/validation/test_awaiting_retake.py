"""A document sent back for a retake still shows what it shows: the defects a reading of it finds are named
for the reviewer, marked as read from a picture awaiting a retake, and they can only hold the application
for review: never a knock-out, never a figure of the decision."""

from __future__ import annotations

from loanpipe.decision.decide import decide
from loanpipe.decision.models import Outcome
from loanpipe.domain.case import ApplicationCase, CaseDocumentState
from loanpipe.domain.documents import DocType, Quality
from loanpipe.policy.model import default_policy
from loanpipe.validation.checks.provisional import MARK
from loanpipe.validation.report import CheckStatus
from loanpipe.validation.validate import validate
from testkit.fakes import in_memory_fraud_ports
from testkit.scenarios import build_scenario

POLICY = default_policy()


def _awaiting_retake(case: ApplicationCase, doc_type: DocType) -> ApplicationCase:
    """The document of ``doc_type`` as the quality gate leaves it: read, and sent back (glare)."""
    documents = []
    for document in case.documents:
        if document.doc_type == doc_type:
            extraction = document.extraction.model_copy(update={"quality": Quality(ok=False, reasons=["glare"])})
            document = document.model_copy(update={"state": CaseDocumentState.RETAKE_REQUESTED,
                                                   "extraction": extraction, "state_reasons": ["glare"]})
        documents.append(document)
    return case.model_copy(update={"documents": documents})


def _judge(case: ApplicationCase):
    report = validate(case, POLICY, in_memory_fraud_ports())
    return report, decide(case, report, POLICY)


def test_a_stale_statement_awaiting_a_retake_is_named_stale_for_the_reviewer():
    # Given a statement that ended long before the visit, photographed with glare and sent back
    case = _awaiting_retake(build_scenario("statement_stale", 7).case, DocType.BANK_STATEMENT)
    # When the application is validated and decided
    report, decision = _judge(case)
    # Then the reviewer sees both: the retake, and the stale statement as read from the picture
    codes = [reason.code for reason in decision.reasons]
    assert decision.decision is Outcome.REVIEW
    assert "document_unreadable" in codes and "statement_stale" in codes
    stale = [r for r in report.checks if r.reason == "statement_stale"]
    assert len(stale) == 1 and MARK in stale[0].detail
    # and the decision's figures are the sure documents' only: no statement was read surely
    assert report.figures.statement_days is None and report.figures.median_salary_credit is None


def test_a_clean_document_awaiting_a_retake_adds_nothing_but_the_retake():
    case = _awaiting_retake(build_scenario("clean", 8).case, DocType.BANK_STATEMENT)
    report, decision = _judge(case)
    assert [reason.code for reason in decision.reasons] == ["document_unreadable"]
    assert not any(MARK in result.detail for result in report.checks)


def test_a_knock_out_read_from_a_picture_awaiting_a_retake_never_declines():
    # Given an ID card whose expiry date, as read from a glared photo, is past (a knock-out when read surely)
    case = _awaiting_retake(build_scenario("id_expired", 9).case, DocType.ID_CARD_BACK)
    report, decision = _judge(case)
    # Then the application waits for the retake in review; the expiry is not taken from the doubtful picture
    assert decision.decision is Outcome.REVIEW
    assert "id_expired" not in [reason.code for reason in decision.reasons]
    assert all(r.status is not CheckStatus.FAILED or r.reason != "id_expired" for r in report.checks)
