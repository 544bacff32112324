"""Statements photographed page by page: the pages of one account become one statement."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from loanpipe.domain.calendar import parse_iso_date
from loanpipe.domain.case import CaseDocument
from loanpipe.domain.documents import FieldValue, Transaction
from loanpipe.validation.checks.fields import extraction_of, oldest_first, value_of

_HEADER_FIELDS = ("account_holder", "account_number", "bank_name")


def merge_statement_pages(statements: list[CaseDocument]) -> list[CaseDocument]:
    """One statement per account, however many files its pages came in.

    An officer photographs a printed statement page by page (bank_statement_1.jpg, _2.jpg...): the
    opening balance is printed on the first page only, the closing balance on the last, the rows run on
    across pages. Pages of one account (same account number; a page whose number was not read joins the
    only account there is) become one document: header fields from the pages that print them, the period
    from the earliest start to the latest end, the opening balance of the earliest page, the closing
    balance of the latest, the rows in date order; so the running balance is checked across page breaks.
    """
    if len(statements) < 2:
        return statements
    groups: dict[str | None, list[CaseDocument]] = defaultdict(list)
    for document in statements:
        groups[value_of(document, "account_number")].append(document)
    accounts = [key for key in groups if key is not None]
    if None in groups and len(accounts) == 1:
        groups[accounts[0]] += groups.pop(None)
    return [pages[0] if len(pages) == 1 else _one_statement(pages) for pages in groups.values()]


def _one_statement(pages: list[CaseDocument]) -> CaseDocument:
    """The pages of one account as one document (see ``merge_statement_pages``)."""
    pages = sorted(pages, key=lambda d: (_earliest_row(d) is None, _earliest_row(d) or date.min))
    fields: dict[str, FieldValue] = {}
    for name in _HEADER_FIELDS:
        read = [extraction_of(d).fields[name] for d in pages if value_of(d, name)]
        if read:
            fields[name] = max(read, key=lambda field: field.confidence)
    for name, pick in (("period_start", min), ("period_end", max)):
        dated = [(parse_iso_date(value_of(d, name)), extraction_of(d).fields[name]) for d in pages if value_of(d, name)]
        dated = [(on, field) for on, field in dated if on is not None]
        if dated:
            fields[name] = pick(dated, key=lambda item: item[0])[1]
    for name, page in (("opening_balance", pages[0]), ("closing_balance", pages[-1])):
        if value_of(page, name):
            fields[name] = extraction_of(page).fields[name]
    first_page = pages[0]
    extraction = extraction_of(first_page).model_copy(update={
        "fields": fields,
        "transactions": [row for page in pages for row in _chronological(page)],
        "warnings": [w for page in pages for w in extraction_of(page).warnings],
    })
    return first_page.model_copy(update={"extraction": extraction})


def _earliest_row(document: CaseDocument) -> date | None:
    dates = [parse_iso_date(row.date) for row in extraction_of(document).transactions]
    return min((d for d in dates if d is not None), default=None)


def _chronological(document: CaseDocument) -> list[Transaction]:
    """A page's rows oldest first (statements are printed either way)."""
    return oldest_first(list(extraction_of(document).transactions), lambda row: parse_iso_date(row.date))
