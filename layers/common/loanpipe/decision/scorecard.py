"""The scorecard: points per characteristic from the policy's bins, summed onto the base points."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from loanpipe.decision.models import ScoreFactor
from loanpipe.policy.model import Characteristic, Scorecard
from loanpipe.validation.report import Figures

_RATIO = Decimal("0.0001")


def characteristic_values(
    figures: Figures,
    *,
    amount: Decimal,
    vehicle_price: Decimal,
    term_months: int,
    monthly_payment: Decimal | None,
) -> dict[Characteristic, Decimal | None]:
    """The value of every characteristic the scorecard knows; None when it cannot be computed."""
    income = figures.verified_monthly_income
    dti = _ratio(monthly_payment, income)
    ltv = _ratio(amount, vehicle_price)
    savings = _ratio(figures.latest_closing_balance, monthly_payment)
    if savings is not None and savings < 0:
        savings = Decimal(0)
    return {
        Characteristic.DEBT_TO_INCOME: dti,
        Characteristic.LOAN_TO_VALUE: ltv,
        Characteristic.AGE_YEARS: _whole(figures.age_at_application),
        Characteristic.EMPLOYMENT_MONTHS: _whole(figures.employment_months),
        Characteristic.TERM_MONTHS: Decimal(term_months),
        Characteristic.SAVINGS_COVER: savings,
    }


def score(scorecard: Scorecard, values: dict[Characteristic, Decimal | None]) -> tuple[int, list[ScoreFactor]]:
    """(total score, factors weakest first: the largest shortfall from the characteristic's best points)."""
    factors = []
    for item in scorecard.characteristics:
        value = values.get(item.characteristic)
        factors.append(ScoreFactor(characteristic=item.characteristic.value, label_zh=item.label_zh,
                                   label_en=item.label_en, value=value, points=item.points_for(value),
                                   max_points=item.max_points))
    total = scorecard.base_points + sum(factor.points for factor in factors)
    order = {item.characteristic.value: index for index, item in enumerate(scorecard.characteristics)}
    factors.sort(key=lambda factor: (-factor.shortfall, order[factor.characteristic]))
    return total, factors


def _ratio(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return (numerator / denominator).quantize(_RATIO, rounding=ROUND_HALF_UP)


def _whole(value: int | None) -> Decimal | None:
    return None if value is None else Decimal(value)
