"""Fields the extraction could not read on a readable page go to a reviewer with their own reason code."""

from __future__ import annotations

from loanpipe.decision.decide import decide
from loanpipe.domain.documents import DocType
from loanpipe.policy.model import default_policy
from loanpipe.validation.validate import validate
from testkit.fakes import in_memory_fraud_ports
from testkit.scenarios import build_scenario

POLICY = default_policy()


def test_a_statement_whose_rows_were_not_read_goes_to_a_reviewer_as_unread_not_as_inconsistent():
    # Given a clean application whose statement was read in its header only (a row layout not understood)
    case = build_scenario("clean", 105).case
    documents = [d.model_copy(update={"extraction": d.extraction.model_copy(update={"transactions": []})})
                 if d.doc_type is DocType.BANK_STATEMENT else d for d in case.documents]
    case = case.model_copy(update={"documents": documents})
    # When it is validated and decided
    report = validate(case, POLICY, in_memory_fraud_ports())
    decision = decide(case, report, POLICY)
    # Then a reviewer gets it for the unread rows, and the balances are not called inconsistent
    assert "field_missing" in decision.reason_codes
    assert "statement_balance_inconsistent" not in decision.reason_codes
