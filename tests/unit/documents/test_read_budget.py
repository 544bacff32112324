"""A read that runs out of the function's time is the platform's doing, retried, never a bad document."""

from __future__ import annotations

import io

import pytest
from reportlab.pdfgen import canvas

from loanpipe.domain.errors import PlatformError, UserInputError
from loanpipe.extraction.extract import extract_document
from loanpipe.extraction.reading import ReadOutOfTime


def _statement_pdf() -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 760, "Account statement 2026-01-01 to 2026-03-31")
    page.save()
    return out.getvalue()


def test_a_read_past_its_budget_is_a_platform_error_to_retry_not_a_rejected_document():
    with pytest.raises(ReadOutOfTime) as ran_out:
        extract_document(_statement_pdf(), filename="bank_statement.pdf", budget_seconds=0.0)
    assert isinstance(ran_out.value, PlatformError) and not isinstance(ran_out.value, UserInputError)
