"""The loan a sample application asks for: within policy, or with the LTV or the DTI over the limit.

Payments are the product's (``loanpipe.decision.loans``, 等额本息 at 6 % a year); a clean loan is
<= 80 % (new) / 70 % (used) of the vehicle price and its payment <= 28 % of the certified gross income.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from loanpipe.decision.loans import monthly_payment

ANNUAL_RATE = Decimal("0.06")
LTV_LIMIT = {"new": Decimal("0.80"), "used": Decimal("0.70")}
CLEAN_PAYMENT_SHARE = Decimal("0.28")  # payment / certified gross income of an affordable loan
TERMS = (12, 24, 36, 48, 60)


def principal_for(payment: Decimal, months: int, annual_rate: Decimal = ANNUAL_RATE) -> Decimal:
    """The principal a level monthly ``payment`` repays in ``months`` (the inverse of 等额本息, unrounded)."""
    rate = annual_rate / 12
    growth = (1 + rate) ** months
    return payment * (growth - 1) / (rate * growth)


def round_to(value: Decimal, step: int, rounding: str) -> Decimal:
    return (value / step).quantize(Decimal(1), rounding=rounding) * step


def share(rng: random.Random, low: float, high: float) -> Decimal:
    """A seeded ratio between ``low`` and ``high``, to three decimals."""
    return Decimal(str(round(rng.uniform(low, high), 3)))


@dataclass(frozen=True)
class Loan:
    amount: Decimal
    term_months: int
    vehicle_price: Decimal
    vehicle_type: str

    @property
    def payment(self) -> Decimal:
        return monthly_payment(self.amount, ANNUAL_RATE, self.term_months)

    @property
    def ltv(self) -> Decimal:
        return self.amount / self.vehicle_price


def plan_loan(rng: random.Random, gross: Decimal, *, kind: str = "within_policy",
              term_months: int | None = None) -> Loan:
    """A loan for a gross monthly income: within policy, or with the LTV or the DTI over the limit."""
    vehicle_type = "new" if rng.random() < 0.7 else "used"
    limit = LTV_LIMIT[vehicle_type]
    term = term_months or rng.choices(TERMS, weights=(1, 2, 4, 2, 3))[0]
    if kind == "dti":  # payment 45-65 % of the income, LTV fine
        amount = round_to(principal_for(gross * share(rng, 0.45, 0.65), term), 1000, ROUND_CEILING)
        price = round_to(amount / share(rng, 0.45, float(limit) - 0.06), 100, ROUND_CEILING)
        loan = Loan(amount, term, price, vehicle_type)
        assert loan.payment > gross * Decimal("0.40") and loan.ltv <= limit
        return loan
    price_range = (70000, 300000) if vehicle_type == "new" else (30000, 160000)
    for _ in range(50):
        price = round_to(Decimal(rng.randint(*price_range)), 100, ROUND_FLOOR)
        affordable = principal_for(gross * share(rng, 0.15, float(CLEAN_PAYMENT_SHARE) - 0.01), term)
        if kind == "ltv":  # 4-15 points over the limit, affordable
            ratio = limit + share(rng, 0.04, 0.15)
            price = min(price, round_to(affordable / ratio, 100, ROUND_FLOOR))
            amount = round_to(price * ratio, 1000, ROUND_FLOOR)
        else:
            ratio = share(rng, 0.3, float(limit) - 0.03)
            amount = round_to(min(price * ratio, affordable), 1000, ROUND_FLOOR)
        if amount < 15000:
            term = 60 if term_months is None else term
            continue
        loan = Loan(amount, term, price, vehicle_type)
        affordable_ok = loan.payment <= gross * CLEAN_PAYMENT_SHARE
        ltv_ok = loan.ltv > limit if kind == "ltv" else loan.ltv <= limit
        if affordable_ok and ltv_ok:
            return loan
    raise ValueError(f"no {kind} loan fits a gross income of {gross}")
