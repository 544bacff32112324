"""A statement photographed page by page is judged as one statement."""

from __future__ import annotations

from decimal import Decimal

from loanpipe.decision.decide import decide
from loanpipe.domain.documents import DocType
from loanpipe.policy.model import default_policy
from loanpipe.validation.report import CheckStatus
from loanpipe.validation.validate import validate
from testkit.fakes import in_memory_fraud_ports
from testkit.scenarios import build_scenario


def _split_into_pages(case, *, break_row: int | None = None, newest_first_second_page: bool = False):
    statement = next(d for d in case.documents if d.doc_type is DocType.BANK_STATEMENT)
    extraction = statement.extraction
    rows = list(extraction.transactions)
    half = len(rows) // 2
    first_rows, second_rows = rows[:half], rows[half:]
    if break_row is not None:  # an edited amount right after the page break
        row = second_rows[break_row]
        second_rows[break_row] = row.model_copy(update={"amount": str(Decimal(row.amount) + 500)})
    if newest_first_second_page:
        second_rows.reverse()
    first_fields = {k: v for k, v in extraction.fields.items() if k != "closing_balance"}
    second_fields = {k: v for k, v in extraction.fields.items() if k != "opening_balance"}
    page_one = statement.model_copy(update={"document_id": statement.document_id + "-p1", "extraction":
                                            extraction.model_copy(update={"fields": first_fields,
                                                                          "transactions": first_rows})})
    page_two = statement.model_copy(update={"document_id": statement.document_id + "-p2", "extraction":
                                            extraction.model_copy(update={"fields": second_fields,
                                                                          "transactions": second_rows})})
    others = [d for d in case.documents if d.doc_type is not DocType.BANK_STATEMENT]
    return case.model_copy(update={"documents": [*others, page_two, page_one]})  # uploaded out of order


def _judge(case):
    policy = default_policy()
    report = validate(case, policy, in_memory_fraud_ports())
    return report, decide(case, report, policy)


def test_pages_uploaded_as_separate_files_make_one_statement_and_a_clean_application_passes():
    case = _split_into_pages(build_scenario("clean", 31).case, newest_first_second_page=True)
    report, decision = _judge(case)
    balances = report.check("statement_balances")
    assert [c.status for c in balances] == [CheckStatus.PASSED]
    assert "field_missing" not in report.reason_codes
    assert decision.decision.value == "approve"


def test_an_edited_row_after_the_page_break_is_still_caught():
    case = _split_into_pages(build_scenario("clean", 32).case, break_row=0)
    report, decision = _judge(case)
    assert "statement_balance_inconsistent" in report.reason_codes
    assert decision.decision.value == "review"
