"""Statements in every column layout the generator prints are read row by row from their text layer."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest

from loanpipe.extraction.extract import extract_document
from testkit.samples.statement import build_statement
from testkit.samples.statement_pdf import LAYOUTS, render_statement_pdf


def _statement(seed: int):
    return build_statement(random.Random(seed), holder="周晓明", period_start=date(2025, 2, 1),
                           period_end=date(2025, 7, 31), salary_payer="成都锦程物流有限公司",
                           net_salary=lambda month: Decimal("7600.00"))


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_a_text_pdf_statement_gives_every_row_with_its_sign_and_the_header_fields(name):
    # Given a bank statement exported as a text PDF in this column layout
    statement = _statement(11)
    exported = render_statement_pdf(random.Random(12), statement, printed_on=date(2025, 8, 2), layout=LAYOUTS[name])
    # When it is read
    result = extract_document(exported.data, expected_type="bank_statement").result
    # Then every transaction comes back with its date, signed amount and balance, oldest first
    read = [(row.date, Decimal(row.amount), Decimal(row.balance)) for row in result.transactions]
    assert read == [(row.day.isoformat(), row.amount, row.balance) for row in statement.rows]
    # and the header fields are the statement's, in their normal forms
    fields = {key: value.value for key, value in result.fields.items()}
    assert fields["account_holder"] == "周晓明"
    assert fields["account_number"] == statement.account_number
    assert fields["bank_name"] == statement.bank.name
    assert fields["opening_balance"] == f"{statement.opening:.2f}"
    assert fields["closing_balance"] == f"{statement.closing:.2f}"
    assert (fields["period_start"], fields["period_end"]) == ("2025-02-01", "2025-07-31")
    assert result.quality.ok
