"""Loan arithmetic: 等额本息 and 等额本金 schedules to the fen, the first payment and the APR."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loanpipe.decision.loans import apr, level_payment, monthly_payment, schedule
from loanpipe.domain.application import RepaymentMethod

principals = st.integers(min_value=100_000, max_value=200_000_000).map(lambda fen_: Decimal(fen_) / 100)
rates = st.integers(min_value=0, max_value=2400).map(lambda bp: Decimal(bp) / 10000)  # 0% .. 24%
terms = st.integers(min_value=1, max_value=120)
methods = st.sampled_from(list(RepaymentMethod))


@settings(max_examples=150, deadline=None)
@given(principals, rates, terms, methods)
def test_a_schedule_repays_exactly_the_principal_and_closes_at_zero(principal, rate, months, method):
    plan = schedule(principal, rate, months, method)
    assert len(plan.rows) == months
    assert sum(row.principal for row in plan.rows) == principal
    assert plan.rows[-1].balance == Decimal("0.00")
    for row in plan.rows:
        assert row.payment == row.principal + row.interest
        assert row.payment.as_tuple().exponent == -2  # to the fen
        assert row.principal >= 0 and row.interest >= 0
    balances = [principal] + [row.balance for row in plan.rows]
    assert all(later <= earlier for earlier, later in zip(balances, balances[1:], strict=False))


@settings(max_examples=150, deadline=None)
@given(principals, rates, terms)
def test_equal_instalments_are_equal_except_the_last_rounding(principal, rate, months):
    plan = schedule(principal, rate, months, RepaymentMethod.EQUAL_INSTALLMENT)
    level = level_payment(principal, rate, months)
    assert all(row.payment == level for row in plan.rows[:-1])
    # the last payment only absorbs the fen roundings (payment and interest, under half a fen each) of the
    # earlier months, each carried forward with interest: at most 1 fen x the annuity factor s(n, r)
    monthly = rate / 12
    carried = Decimal(months) if monthly == 0 else ((1 + monthly) ** months - 1) / monthly
    assert abs(plan.rows[-1].payment - level) <= Decimal("0.01") * carried


@settings(max_examples=150, deadline=None)
@given(principals, rates, terms)
def test_equal_principal_parts_are_equal_except_the_last_rounding(principal, rate, months):
    plan = schedule(principal, rate, months, RepaymentMethod.EQUAL_PRINCIPAL)
    part = plan.rows[0].principal
    assert all(row.principal == part for row in plan.rows[:-1])
    assert abs(plan.rows[-1].principal - part) <= Decimal("0.01") * months
    # and the payments fall month by month as the interest falls
    payments = [row.payment for row in plan.rows[:-1]]
    assert all(later <= earlier for earlier, later in zip(payments, payments[1:], strict=False))


def test_a_known_loan_matches_the_published_bank_figure():
    # 120,000 over 36 months at 6% p.a. is 3,650.63 a month on every public 等额本息 calculator
    assert monthly_payment(Decimal("120000.00"), Decimal("0.06"), 36) == Decimal("3650.63")
    # 等额本金: 120000/36 = 3333.33 principal + 600.00 interest in the first month
    assert monthly_payment(Decimal("120000.00"), Decimal("0.06"), 36, "equal_principal") == Decimal("3933.33")


@settings(max_examples=60, deadline=None)
@given(principals, st.integers(min_value=100, max_value=2400).map(lambda bp: Decimal(bp) / 10000),
       st.integers(min_value=6, max_value=120), methods)
def test_without_fees_the_apr_is_the_nominal_rate(principal, rate, months, method):
    plan = schedule(principal, rate, months, method)
    assert abs(apr(principal, [row.payment for row in plan.rows]) - rate) <= Decimal("0.0001")


def test_a_fee_deducted_at_disbursement_raises_the_apr():
    plan = schedule(Decimal("100000.00"), Decimal("0.06"), 36)
    with_fee = apr(Decimal("100000.00"), [row.payment for row in plan.rows], fees=Decimal("2000.00"))
    assert with_fee > Decimal("0.07")


@pytest.mark.parametrize(("principal", "rate", "months"), [
    (Decimal("0"), Decimal("0.06"), 12),
    (Decimal("-5.00"), Decimal("0.06"), 12),
    (Decimal("100.001"), Decimal("0.06"), 12),
    (Decimal("1000.00"), Decimal("-0.01"), 12),
    (Decimal("1000.00"), Decimal("0.06"), 0),
])
def test_impossible_terms_are_refused(principal, rate, months):
    with pytest.raises(ValueError):
        schedule(principal, rate, months)
