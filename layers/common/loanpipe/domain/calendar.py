"""Calendar arithmetic for ages, validity periods and loan maturities (dates only, no clock)."""

from __future__ import annotations

import calendar
from datetime import date


def full_years(born: date, on: date) -> int:
    """Age in completed years on a day (a 29 February birthday is reached on 1 March in common years)."""
    years = on.year - born.year
    if (on.month, on.day) < (born.month, born.day):
        years -= 1
    return years


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it has no such day (31 Jan + 1 = 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def add_years(start: date, years: int) -> date:
    return add_months(start, 12 * years)


def full_months(start: date, on: date) -> int:
    """Completed months from ``start`` to ``on`` (0 when ``on`` is before ``start``)."""
    months = (on.year - start.year) * 12 + on.month - start.month
    if on.day < start.day and add_months(start, months) > on:
        months -= 1
    return max(months, 0)


def parse_iso_date(text: str | None) -> date | None:
    """``YYYY-MM-DD`` (the contract's normal form) or None."""
    if not text:
        return None
    value = text.strip()
    if len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
