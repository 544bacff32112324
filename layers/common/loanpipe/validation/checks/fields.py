"""Reading a document's fields for the checks: labels, required fields, readers that report a problem once.

``read_text`` / ``read_date`` / ``read_amount`` report an absent or unparseable field to the ``CheckLog``
(``field_missing``) and return None; ``value_of`` reads without reporting (for comparisons where another
check owns the field). Only usable documents (extracted, quality ok, of their slot's type) are read.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar

from loanpipe.domain.calendar import parse_iso_date
from loanpipe.domain.case import CaseDocument, CaseDocumentState
from loanpipe.domain.documents import DocType, ExtractionResult
from loanpipe.domain.money import to_money

if TYPE_CHECKING:
    from loanpipe.validation.checks.log import CheckLog

_T = TypeVar("_T")

# Required fields of each document: a check needs them, so absent or unparseable means field_missing.
REQUIRED_FIELDS: dict[DocType, tuple[str, ...]] = {
    DocType.ID_CARD_FRONT: ("name", "sex", "birth_date", "id_number"),
    DocType.ID_CARD_BACK: ("valid_from", "valid_until"),
    DocType.INCOME_CERTIFICATE: ("name", "id_number", "employer", "monthly_income", "employment_start",
                                 "issue_date"),
    DocType.BANK_STATEMENT: ("account_holder", "period_start", "period_end", "opening_balance",
                             "closing_balance"),
}

LABEL = {
    DocType.ID_CARD_FRONT: "ID card",
    DocType.ID_CARD_BACK: "ID card back",
    DocType.INCOME_CERTIFICATE: "income certificate",
    DocType.BANK_STATEMENT: "bank statement",
}
_DOT_VARIANTS = str.maketrans({"•": "·", "‧": "·", "・": "·", "．": "·", "。": "·", "⋅": "·", "∙": "·"})


def read_text(log: CheckLog, document: CaseDocument | None, name: str) -> str | None:
    if document is None:
        return None
    value = extraction_of(document).value(name)
    if value is None or not value.strip():
        log.field_missing(document, name, "is absent")
        return None
    return value.strip()


def read_date(log: CheckLog, document: CaseDocument | None, name: str) -> date | None:
    return _read_parsed(log, document, name, parse_iso_date, "is not a date (YYYY-MM-DD)")


def read_amount(log: CheckLog, document: CaseDocument | None, name: str, limit: Decimal) -> Decimal | None:
    """An amount within ``limit`` either way; beyond it is ``amount_invalid`` (an absurd figure, not a slip)."""
    value = _read_parsed(log, document, name, parse_amount, "is not an amount")
    if value is not None and abs(value) > limit:
        log.failed("amount_plausible", "amount_invalid",
                   f"{LABEL[document.doc_type]}: {name} is beyond any plausible amount", document)
        return None
    return value


def _read_parsed(log: CheckLog, document: CaseDocument | None, name: str, parse: Callable[[str], _T | None],
                 problem: str) -> _T | None:
    text = read_text(log, document, name)
    if text is None:
        return None
    value = parse(text)
    if value is None:
        log.field_missing(document, name, problem)
    return value


def usable(document: CaseDocument) -> bool:
    extraction = document.extraction
    return (document.state is CaseDocumentState.EXTRACTED and extraction is not None and extraction.quality.ok
            and extraction.doc_type == document.doc_type)


def extraction_of(document: CaseDocument) -> ExtractionResult:
    assert document.extraction is not None  # only usable documents are read
    return document.extraction


def first(documents: list[CaseDocument] | None) -> CaseDocument | None:
    return documents[0] if documents else None


def value_of(document: CaseDocument | None, name: str) -> str | None:
    if document is None or document.extraction is None:
        return None
    value = document.extraction.value(name)
    return value.strip() if value and value.strip() else None


def confidence_of(document: CaseDocument | None, name: str) -> float:
    """The extraction's confidence in a field (0.0 when the document or the field is absent)."""
    if document is None or document.extraction is None:
        return 0.0
    field = document.extraction.fields.get(name)
    return field.confidence if field is not None and field.value else 0.0


def parse_amount(text: str | None) -> Decimal | None:
    """A contract amount; None when unparseable. Absurd sizes are returned for the caller's limit check."""
    if text is None:
        return None
    try:
        return to_money(text)
    except ValueError:
        return None


def name_key(name: str) -> str:
    """A name as compared across documents: NFKC (full-width letters, compatibility ideographs), no spaces,
    one middle dot (·) for its look-alikes."""
    return "".join(unicodedata.normalize("NFKC", name).split()).translate(_DOT_VARIANTS)


def oldest_first(items: list[_T], date_of: Callable[[_T], date | None]) -> list[_T]:
    """Statement rows (in any form) oldest first: a newest-first statement is turned around, judged by
    its first and last dates."""
    first_on, last_on = (date_of(items[0]), date_of(items[-1])) if items else (None, None)
    if first_on is not None and last_on is not None and first_on > last_on:
        items = items[::-1]
    return items
