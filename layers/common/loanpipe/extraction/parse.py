"""From the pages read to field reads (and a statement's rows): the parser of the document's type on its
first page, or, for a statement, every page's header fields merged and every page's table rows in order,
judged by the running balance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from loanpipe.domain.documents import DocType
from loanpipe.domain.money import money_str
from loanpipe.extraction.balances import check_statement, derive_balances, read_figures_again
from loanpipe.extraction.layout import PageText
from loanpipe.extraction.parsers import PARSERS
from loanpipe.extraction.parsers.reads import FieldRead
from loanpipe.extraction.parsers.statement_columns import Column
from loanpipe.extraction.parsers.statement_table import StatementRow, StatementTable, read_table
from loanpipe.extraction.pdf import TEXT_LAYER


class Parsed(NamedTuple):
    """What the parsers read: each field of the type, and a statement's transaction rows."""

    reads: dict[str, FieldRead]
    rows: list[StatementRow]


def parse_pages(doc_type: DocType, pages: Sequence[PageText]) -> Parsed:
    if doc_type is not DocType.BANK_STATEMENT:
        return Parsed(PARSERS[doc_type](pages[0].boxes), [])
    reads: dict[str, FieldRead] = {}
    rows: list[StatementRow] = []
    images: list[np.ndarray | None] = []  # the page image each row was read on
    for page, table in zip(pages, statement_tables(pages), strict=True):
        _merge_header(reads, PARSERS[DocType.BANK_STATEMENT](page.boxes))
        for row in table.rows:
            row.figures_sure = page.source == TEXT_LAYER  # a text layer holds the printed figures themselves
        rows.extend(table.rows)
        images.extend([page.image] * len(table.rows))
        if table.opening is not None and (reads.get("opening_balance") is None
                                          or reads["opening_balance"].value is None):
            reads["opening_balance"] = FieldRead(money_str(table.opening[0]), table.opening[1])
        if table.closing is not None:
            reads["closing_balance"] = FieldRead(money_str(table.closing[0]), table.closing[1])
    read_figures_again(reads, rows, images)
    check_statement(reads, rows)
    derive_balances(reads, rows)
    return Parsed(reads, rows)


def statement_tables(pages: Sequence[PageText]) -> list[StatementTable]:
    """Each page's table, read by its own header or, on a page that prints none, by the last one's."""
    tables = []
    carried: tuple[list[Column], float] | None = None  # the last header's columns and its page's width
    for page in pages:
        table = read_table(page.boxes, _scaled(carried, page.width))
        if table.columns:
            carried = (table.columns, page.width)
        tables.append(table)
    return tables


def _scaled(carried: tuple[list[Column], float] | None, width: float) -> list[Column] | None:
    """A previous page's columns on a page of another width (pages of one statement share their layout)."""
    if carried is None or carried[1] <= 0:
        return None
    columns, previous_width = carried
    return [column.scaled(width / previous_width) for column in columns]


def _merge_header(reads: dict[str, FieldRead], page: dict[str, FieldRead]) -> None:
    """A page's header fields into the statement's: the first page that prints a field gives it, but the
    closing balance is printed at the end."""
    for name, read in page.items():
        if name == "closing_balance" and read.value is not None:
            reads[name] = read
        elif reads.get(name) is None or reads[name].value is None:
            reads[name] = read
