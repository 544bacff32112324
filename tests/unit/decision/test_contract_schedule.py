"""The repayment schedule printed in the contract is the decision stage's arithmetic, row for row, as a reader of
the PDF (pdfium's text layer) sees it."""

from __future__ import annotations

import re
from decimal import Decimal

import pypdfium2
import pytest

from loanpipe.contracts.render import render_contract
from loanpipe.decision.loans import schedule
from loanpipe.domain.application import RepaymentMethod
from loanpipe.domain.records import ApplicationRecord, utcnow
from loanpipe.policy.model import default_policy
from loanpipe.service.contracting import contract_terms
from testkit.scenarios import build_scenario

ROW = re.compile(r"^(\d{1,3})\s+([\d,]+\.\d{2})\s+([\d,]+\.\d{2})\s+([\d,]+\.\d{2})\s+([\d,]+\.\d{2})$")


def _text(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    lines = []
    for page in document:
        lines += page.get_textpage().get_text_range().splitlines()
    return [" ".join(line.split()) for line in lines]


@pytest.mark.parametrize("method", list(RepaymentMethod))
def test_the_schedule_in_the_pdf_equals_the_decision_stages_arithmetic(method):
    case = build_scenario("clean", 21).case
    declared = case.declared.model_copy(update={"loan": case.declared.loan.model_copy(
        update={"repayment_method": method, "term_months": 36})})
    policy = default_policy()
    record = ApplicationRecord(application_id="LA01TESTCONTRACT000000", officer_id="FO-1", created_at=utcnow(),
                               updated_at=utcnow(), declared=declared)
    terms = contract_terms(record, policy, "machine", "示范汽车金融有限公司")
    lines = _text(render_contract(declared, terms))
    printed = [tuple(Decimal(v.replace(",", "")) for v in match.groups()[1:]) + (int(match.group(1)),)
               for line in lines if (match := ROW.match(line))]
    plan = schedule(declared.loan.amount, policy.pricing.annual_rate, 36, method)
    assert printed == [(row.payment, row.principal, row.interest, row.balance, row.period) for row in plan.rows]
    assert sum(row[1] for row in printed) == declared.loan.amount and printed[-1][3] == 0
    text = "\n".join(lines)
    assert declared.applicant.name in text and "汽车消费贷款合同" in text and terms.contract_number in text
