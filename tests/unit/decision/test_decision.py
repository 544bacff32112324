"""The decision: outcome, reasons top adverse first with zh/en texts, score, terms and the explanation."""

from __future__ import annotations

import random
from decimal import Decimal
from importlib import resources

from loanpipe.decision.decide import decide, explain
from loanpipe.decision.loans import schedule
from loanpipe.decision.models import Outcome
from loanpipe.domain.application import RepaymentMethod
from loanpipe.domain.documents import DocType
from loanpipe.policy.model import default_policy, load_policy
from loanpipe.validation.validate import validate
from testkit.scenarios import DEFECTS, build_scenario

POLICY = default_policy()


def judged(scenario, policy=POLICY):
    report = validate(scenario.case, policy, scenario.ports)
    return report, decide(scenario.case, report, policy)


def test_a_knock_out_comes_first_and_declines_even_beside_other_reasons():
    # Given an application with a name mismatch and a loan above the LTV maximum
    scenario = build_scenario("name_mismatch_certificate", 3)

    DEFECTS["ltv_exceeded"].plant(scenario.draft, random.Random(1))
    case, ports = scenario.draft.build()
    report = validate(case, POLICY, ports)
    decision = decide(case, report, POLICY)
    # Then it is declined, the knock-out named first, the other reason after it
    assert decision.decision is Outcome.DECLINE
    assert decision.reason_codes[:2] == ["ltv_exceeded", "name_mismatch"]
    assert decision.reasons[0].knock_out and not decision.reasons[1].knock_out
    assert decision.reasons[0].zh == "贷款价值比超限"
    assert decision.reasons[0].en == "Loan-to-value above policy maximum"


def test_fraud_signals_rank_above_paperwork_in_review():
    scenario = build_scenario("image_edited", 2)

    DEFECTS["name_mismatch_certificate"].plant(scenario.draft, random.Random(2))
    scenario.draft.fields[DocType.INCOME_CERTIFICATE]["monthly_income"][1] = 0.5
    case, ports = scenario.draft.build()
    decision = decide(case, validate(case, POLICY, ports), POLICY)
    assert decision.decision is Outcome.REVIEW
    assert decision.reason_codes == ["image_edited", "name_mismatch", "low_confidence"]


def test_an_approval_carries_score_terms_and_policy_version():
    scenario = build_scenario("clean", 4)
    _, decision = judged(scenario)
    loan = scenario.case.declared.loan
    plan = schedule(loan.amount, Decimal("0.06"), loan.term_months, loan.repayment_method)
    assert decision.decision is Outcome.APPROVE
    assert decision.score >= POLICY.cutoffs.approve_at_or_above
    assert decision.policy_version == "2026-11-29.2"
    assert decision.terms.monthly_payment == plan.rows[0].payment
    assert decision.terms.total_interest == plan.total_interest
    assert decision.terms.apr == Decimal("0.060000")
    assert decision.debt_to_income <= POLICY.loan.max_debt_to_income


def test_equal_principal_loans_are_judged_on_their_first_and_largest_payment():
    scenario = build_scenario("clean", 9)
    scenario.draft.declared["loan"]["repayment_method"] = RepaymentMethod.EQUAL_PRINCIPAL.value
    case, ports = scenario.draft.build()
    report = validate(case, POLICY, ports)
    decision = decide(case, report, POLICY)
    plan = schedule(case.declared.loan.amount, Decimal("0.06"), case.declared.loan.term_months,
                    RepaymentMethod.EQUAL_PRINCIPAL)
    assert decision.terms.monthly_payment == plan.rows[0].payment == plan.max_payment
    income = report.figures.verified_monthly_income
    assert decision.debt_to_income == (plan.rows[0].payment / income).quantize(Decimal("0.0001"))


def test_a_weak_score_goes_to_review_naming_the_weakest_factors():
    _, decision = judged(build_scenario("score_below_cutoff", 1))
    assert decision.decision is Outcome.REVIEW
    assert decision.reason_codes == ["score_below_cutoff"]
    shortfalls = [factor.shortfall for factor in decision.score_factors]
    assert shortfalls == sorted(shortfalls, reverse=True)
    assert decision.score_factors[0].label_en in decision.reasons[0].details[0]


def test_a_risk_team_can_make_a_low_score_decline():
    text = resources.files("loanpipe.policy").joinpath("policies/default.yaml").read_text(encoding="utf-8")
    harsh = load_policy(text.replace("decline_below: null", "decline_below: 590"))
    _, decision = judged(build_scenario("score_below_cutoff", 1), harsh)
    assert decision.score < 590
    assert decision.decision is Outcome.DECLINE
    assert decision.reasons[0].code == "score_below_cutoff" and decision.reasons[0].knock_out


def test_explain_tells_why_in_english_and_chinese_without_the_id_number():
    scenario = build_scenario("income_mismatch", 2)
    report, decision = judged(scenario)
    text = explain(decision, report)
    assert scenario.case.application_id in text
    assert "REVIEW" in text and "人工审核" in text
    assert "income_mismatch" in text
    assert "Certified income differs from salary credits" in text and "收入证明与银行流水工资不符" in text
    assert "2026-11-29.2" in text
    assert str(decision.terms.monthly_payment) in text
    assert scenario.draft.persona.id_number not in text
    assert len(text.splitlines()) >= 8
