"""Bank statements: the running balance row by row, the period covered and how recent it is; the credits
they show, for the income checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from loanpipe.domain.calendar import parse_iso_date
from loanpipe.domain.case import CaseDocument
from loanpipe.policy.model import Policy, StatementRules
from loanpipe.validation.checks.employer import names_employer
from loanpipe.validation.checks.fields import extraction_of, oldest_first, parse_amount, read_amount, read_date
from loanpipe.validation.checks.log import CheckLog


class Row(NamedTuple):
    """A statement row as the checks read it (``confidence``: the extraction's, for the whole row)."""

    on: date
    amount: Decimal  # signed, credit +
    balance: Decimal | None  # as printed, None when the row prints none
    description: str
    confidence: float = 1.0
    figures: float = 1.0  # the extraction's confidence in amount and balance alone (``Transaction.figures``)


@dataclass(frozen=True)
class Credit:
    """A credit on a statement: is it salary (a salary keyword, or names the employer), from the employer,
    and were its words read at or above the policy's row threshold (``sure``)?"""

    on: date
    amount: Decimal
    salary: bool
    from_employer: bool
    sure: bool = True
    names_payer: bool = True  # the row names who paid (a counterparty), not only a salary word (工资, 代发)


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    closing_balance: Decimal | None


@dataclass(frozen=True)
class StatementFacts:
    """What the statements established: their credits and, when a period was read, the figures."""

    credits: list[Credit] = field(default_factory=list)
    days: int | None = None  # from the earliest start to the latest end, both included
    latest_closing_balance: Decimal | None = None  # of the statement that ends last
    end_age_days: int | None = None  # days from the latest end to the capture


def check_statements(log: CheckLog, statements: list[CaseDocument], policy: Policy, as_of: date,
                     employer: str | None, *, employer_sure: bool = True) -> StatementFacts:
    """Balances row by row, period length and recency; returns the credits for the income checks.
    ``employer_sure``: the certificate's employer was read at or above the policy's threshold."""
    if not statements:
        for check in ("statement_balances", "statement_period", "statement_recent"):
            log.not_run(check, "no readable bank statement")
        return StatementFacts()
    keywords = [keyword.lower() for keyword in policy.income.salary_keywords]
    credits: list[Credit] = []
    periods: list[Period] = []
    for statement in statements:
        period, rows = _check_balances(log, statement, policy)
        if period is not None:
            periods.append(period)
        credits += _credits(rows or [], employer, keywords, employer_sure=employer_sure,
                            row_threshold=policy.documents.transaction_confidence_threshold)
    if not periods:
        log.not_run("statement_period", "no readable statement period")
        log.not_run("statement_recent", "no readable statement period")
        return StatementFacts(credits=credits)
    return _check_period(log, periods, policy.statement, as_of, credits)


def _check_balances(log: CheckLog, statement: CaseDocument, policy: Policy) -> tuple[Period | None, list[Row] | None]:
    """One statement's period and running balance; returns (its period, its rows), None when unreadable.

    A break read surely (the rows' figures and the balances it involves at or above the policy's
    thresholds) is the statement's: statement_balance_inconsistent. A break only where a figure was read
    unsurely, or after a row the reading lost, is a gap in the reading: low_confidence, for a reader."""
    limit = policy.statement.max_amount
    start = read_date(log, statement, "period_start")
    end = read_date(log, statement, "period_end")
    opening = read_amount(log, statement, "opening_balance", limit)
    closing = read_amount(log, statement, "closing_balance", limit)
    rows = _statement_rows(log, statement, limit)
    if rows == [] and not (opening is not None and opening == closing):
        # Balances that moved with no row read: the rows are there and were not read (a layout the parser
        # does not know), not a statement whose balances fail to add up. The reviewer reads them.
        log.field_missing(statement, "transactions", "no row was read")
        rows = None
    period = None
    if start is not None and end is not None:
        if start > end:
            log.field_missing(statement, "period_start", "is after period_end")
        else:
            period = Period(start, end, closing)
    if rows is None or opening is None or closing is None:
        log.not_run("statement_balances", "needs the opening and closing balances and every row", statement)
        return period, rows
    extraction = extraction_of(statement)
    field_threshold = policy.documents.confidence_threshold
    breaks = running_balance_breaks(opening, closing, rows, policy.documents.transaction_confidence_threshold,
                                    opening_sure=extraction.confidence("opening_balance") >= field_threshold,
                                    closing_sure=extraction.confidence("closing_balance") >= field_threshold)
    printed = [found.detail for found in breaks if found.read_surely]
    if printed:
        log.failed("statement_balances", "statement_balance_inconsistent",
                   f"{'; '.join(printed[:3])}{' ...' if len(printed) > 3 else ''}", statement)
    elif breaks:
        log.failed("statement_balances", "low_confidence",
                   f"the running balance breaks only where the reading is unsure ({breaks[0].detail}"
                   f"{' ...' if len(breaks) > 1 else ''}): a reader compares those rows with the statement",
                   statement)
    else:
        log.passed("statement_balances", f"opening + {len(rows)} rows = closing, every running balance adds up",
                   statement)
    return period, rows


def _statement_rows(log: CheckLog, statement: CaseDocument, limit: Decimal) -> list[Row] | None:
    """Parsed rows in chronological order; None when a row cannot be read (reported once)."""
    rows = []
    for index, row in enumerate(extraction_of(statement).transactions, 1):
        on = parse_iso_date(row.date)
        amount = parse_amount(row.amount)
        balance = parse_amount(row.balance) if row.balance not in (None, "") else None
        if on is None or amount is None or (row.balance not in (None, "") and balance is None):
            log.field_missing(statement, "transactions", f"row {index} has an unreadable date or amount")
            return None
        if abs(amount) > limit or (balance is not None and abs(balance) > limit):
            log.failed("amount_plausible", "amount_invalid",
                       f"bank statement row {index} holds an amount beyond any plausible one", statement)
            return None
        rows.append(Row(on, amount, balance, row.description or "", row.confidence, row.figures))
    return oldest_first(rows, lambda row: row.on)


def _credits(rows: list[Row], employer: str | None, keywords: list[str], *, employer_sure: bool,
             row_threshold: float) -> list[Credit]:
    """The credits, each judged salary or not and from the employer or not; a row or an employer read
    unsurely is compared with the tolerance of a misreading (``names_employer``)."""
    credits = []
    for row in rows:
        if row.amount > 0:
            sure = row.confidence >= row_threshold
            from_employer = names_employer(row.description, employer, read_unsurely=not (sure and employer_sure))
            salary = from_employer or any(keyword in row.description.lower() for keyword in keywords)
            credits.append(Credit(row.on, row.amount, salary, from_employer, sure,
                                  names_payer=from_employer or _names_payer(row.description, keywords)))
    return credits


def _names_payer(description: str, keywords: list[str]) -> bool:
    """Does the row name someone beside its salary words? 工资 or 代发工资 alone (a statement printing no
    counterparty, or one whose counterparty cell was not read) says nothing of who paid."""
    rest = "".join(char for char in description.lower() if char.isalnum())
    for keyword in sorted(keywords, key=len, reverse=True):
        rest = rest.replace(keyword.lower(), "")
    return len(rest) >= 2


def _check_period(log: CheckLog, periods: list[Period], rules: StatementRules, as_of: date,
                  credits: list[Credit]) -> StatementFacts:
    """The statements together cover the policy's days and end recently enough before the capture."""
    first = min(period.start for period in periods)
    last = max(period.end for period in periods)
    days = (last - first).days + 1
    if days < rules.min_days:
        log.failed("statement_period", "statement_period_short",
                   f"covers {days} days ({first.isoformat()} to {last.isoformat()}), policy {rules.min_days}")
    else:
        log.passed("statement_period", f"covers {days} days")
    age = (as_of - last).days
    if age < 0:
        log.failed("statement_recent", "document_dated_after_capture",
                   f"statement ends {last.isoformat()}, after the capture")
    elif age > rules.max_age_days:
        log.failed("statement_recent", "statement_stale",
                   f"ends {age} days before capture ({last.isoformat()}), policy {rules.max_age_days}")
    else:
        log.passed("statement_recent", f"ends {age} days before capture")
    latest = max(periods, key=lambda period: period.end)
    return StatementFacts(credits=credits, days=days, latest_closing_balance=latest.closing_balance, end_age_days=age)


@dataclass(frozen=True)
class BalanceBreak:
    detail: str
    read_surely: bool  # every figure it involves was read at or above the threshold: the statement breaks


def running_balance_breaks(opening: Decimal, closing: Decimal, rows: list[Row], threshold: float, *,
                           opening_sure: bool = True, closing_sure: bool = True) -> list[BalanceBreak]:
    """Where the running balance does not add up (each row against the previous balance, then the total),
    and whether the figures behind each break were read surely: the row's own (``Row.figures``) and every
    figure since the last printed balance it starts from."""
    found = []
    running, running_sure = opening, opening_sure
    for index, row in enumerate(rows, 1):
        running += row.amount
        running_sure = running_sure and row.figures >= threshold
        if row.balance is not None:
            if row.balance != running:
                found.append(BalanceBreak(f"row {index} ({row.on.isoformat()}): balance {row.balance} but previous "
                                          f"+ amount = {running}", running_sure))
            running, running_sure = row.balance, row.figures >= threshold  # one edited row is one break
    if running != closing:
        found.append(BalanceBreak(f"last balance {running} but closing balance {closing}",
                                  running_sure and closing_sure))
    total = opening + sum((row.amount for row in rows), Decimal(0))
    if total != closing:
        every_row_sure = all(row.figures >= threshold for row in rows)
        found.append(BalanceBreak(f"opening + transactions = {total} but closing balance {closing}",
                                  opening_sure and closing_sure and every_row_sure))
    return found
