"""Income: is the salary paid by the certified employer, and does the certified income match it?"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from loanpipe.domain.case import CaseDocument
from loanpipe.domain.money import fen
from loanpipe.policy.model import IncomeRules
from loanpipe.validation.checks.fields import read_amount, value_of
from loanpipe.validation.checks.log import CheckLog
from loanpipe.validation.checks.statements import Credit


@dataclass(frozen=True)
class IncomeFacts:
    certified_monthly_income: Decimal | None = None
    median_salary_credit: Decimal | None = None
    salary_months: int = 0
    verified_monthly_income: Decimal | None = None  # min(certificate, median salary credit) when they agree


@dataclass(frozen=True)
class _Salary:
    """The salary credits the income is judged on: the employer's when they cover the policy's months."""

    by_employer: bool  # the basis is the credits that name the certified employer
    median: Decimal | None
    months: int


def check_income(log: CheckLog, certificate: CaseDocument | None, statements: list[CaseDocument],
                 credits: list[Credit], rules: IncomeRules) -> IncomeFacts:
    """The salary comes from the certified employer, and its median is within tolerance of the certificate."""
    if certificate is None or not statements:
        for check in ("salary_from_employer", "income_matches_salary"):
            log.not_run(check, "needs the income certificate and a bank statement")
        return IncomeFacts()
    income = read_amount(log, certificate, "monthly_income", rules.max_monthly_income)
    if income is not None and income <= 0:
        log.failed("amount_plausible", "amount_invalid",
                   f"income certificate: monthly income {income} is not a plausible income", certificate)
        income = None
    employer = value_of(certificate, "employer")
    salary = _check_salary_from_employer(log, employer, credits, rules)
    verified = _check_income_matches(log, income, employer, salary, rules)
    return IncomeFacts(certified_monthly_income=income, median_salary_credit=salary.median,
                       salary_months=salary.months, verified_monthly_income=verified)


def _check_salary_from_employer(log: CheckLog, employer: str | None, credits: list[Credit],
                                rules: IncomeRules) -> _Salary:
    salary = [credit for credit in credits if credit.salary]
    from_employer = [credit for credit in salary if credit.from_employer]
    _, employer_months = salary_estimate(from_employer)
    if employer is None:
        log.not_run("salary_from_employer", "no readable employer on the income certificate")
    elif not salary:
        log.not_run("salary_from_employer", "no salary credits")
    elif employer_months >= rules.min_salary_months:
        log.passed("salary_from_employer", f"salary from the certified employer in {employer_months} months")
    elif any(credit.sure and credit.names_payer and not credit.from_employer for credit in salary):
        log.failed("salary_from_employer", "employer_mismatch",
                   f"{len(from_employer)} of {len(salary)} salary credits name the certified employer")
    elif not any(credit.names_payer for credit in salary if not credit.from_employer):
        # 工资 and nothing else: the statement does not say who paid, which is no other employer
        log.not_run("salary_from_employer", f"{len(salary) - len(from_employer)} salary credit(s) name no payer")
    elif len(salary) > len(from_employer):
        # Only credits whose words were read unsurely name no employer: a reading gap (low_confidence
        # names those rows), not evidence that someone else pays the salary.
        log.not_run("salary_from_employer", f"{len(salary) - len(from_employer)} salary credit(s) read too unsurely "
                    "to tell who paid them")
    else:
        log.passed("salary_from_employer", "every salary credit names the certified employer")
    by_employer = employer_months >= rules.min_salary_months
    basis = from_employer if by_employer else salary
    median, months = salary_estimate(basis)
    return _Salary(by_employer=by_employer, median=median, months=months)


def _check_income_matches(log: CheckLog, income: Decimal | None, employer: str | None, salary: _Salary,
                          rules: IncomeRules) -> Decimal | None:
    """The verified monthly income when the certificate and the salary credits agree, else None."""
    median, months = salary.median, salary.months
    if median is None:
        log.failed("income_matches_salary", "income_unverified", "no salary credits in the statement")
        return None
    if months < rules.min_salary_months:
        log.failed("income_matches_salary", "income_unverified",
                   f"salary credits in {months} months, policy {rules.min_salary_months}")
        return None
    if income is None:
        log.not_run("income_matches_salary", "no readable certified income")
        return None
    deviation = (median - income) / income
    low, high = income * (1 - rules.tolerance), income * (1 + rules.tolerance)
    if not low <= median <= high:
        # Whoever pays it, the salary the account receives is not the income certified: the amount is the
        # certificate's claim (income_mismatch), the payer is the salary check's (employer_mismatch).
        log.failed("income_matches_salary", "income_mismatch",
                   f"certificate {fen(income)} vs median monthly salary credit {median} "
                   f"({deviation * 100:+.1f}%, tolerance ±{rules.tolerance * 100:.0f}%)")
        return None
    if not salary.by_employer and employer is not None:
        log.not_run("income_matches_salary", "the salary credits do not come from the certified employer")
        return None
    log.passed("income_matches_salary",
               f"median monthly salary credit {median} within ±{rules.tolerance * 100:.0f}% of the certificate "
               f"({deviation * 100:+.1f}%)")
    return min(fen(income), median)


def salary_estimate(credits: list[Credit]) -> tuple[Decimal | None, int]:
    """(median monthly salary, months of pay seen) from salary credits.

    Credits of one day are one payment (salary and allowance are often paid apart). The pay cadence is
    the payments per month over the span they cover (1 monthly, 2 semi-monthly); the monthly salary is the
    median payment times the cadence. Unlike sums per calendar month, this does not double a month when a
    payday near the month's end moves across it (31 Jan, then 1 Mar), and a one-off bonus does not move it.
    """
    by_day: dict[date, Decimal] = defaultdict(Decimal)
    for credit in credits:
        by_day[credit.on] += credit.amount
    if not by_day:
        return None, 0
    days = sorted(by_day)
    span_months = Decimal((days[-1] - days[0]).days) / Decimal("30.44") + 1
    cadence = max(1, round(len(days) / span_months))
    return fen(_median(list(by_day.values())) * cadence), round(len(days) / cadence)


def _median(values: list[Decimal]) -> Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return fen(ordered[middle])
    return fen((ordered[middle - 1] + ordered[middle]) / 2)
