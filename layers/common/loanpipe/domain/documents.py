"""The extraction contract (ARCHITECTURE.md): what ``loanpipe extract`` prints and the extract stage stores.

``{"doc_type", "fields": {name: {"value", "confidence"}}, "transactions": [...],
   "quality": {"ok": bool, "reasons": [code...]}, "warnings": [...]}``

Values are strings in their normal form: dates ``YYYY-MM-DD`` (or ``长期``), amounts ``"12500.00"``,
sex ``男``/``女``, an 18-character ID number. ``quality.ok`` false means: ask the officer for a retake.

A field or statement row may carry a ``box``: ``(x0, y0, x1, y1)`` normalised 0..1 (origin top-left) to the
image of the document's first page as it was read, where the value was read from a run of text on that page.
It is optional: none where the value was worked out (a derived balance) or read on a later page.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class DocType(StrEnum):
    ID_CARD_FRONT = "id_card_front"  # 人像面
    ID_CARD_BACK = "id_card_back"  # 国徽面
    INCOME_CERTIFICATE = "income_certificate"  # 收入证明
    BANK_STATEMENT = "bank_statement"  # 银行流水


FIELDS: dict[DocType, tuple[str, ...]] = {
    DocType.ID_CARD_FRONT: ("name", "sex", "ethnicity", "birth_date", "address", "id_number"),
    DocType.ID_CARD_BACK: ("issuing_authority", "valid_from", "valid_until"),
    DocType.INCOME_CERTIFICATE: (
        "name",
        "id_number",
        "employer",
        "position",
        "monthly_income",
        "employment_start",
        "issue_date",
    ),
    DocType.BANK_STATEMENT: (
        "account_holder",
        "account_number",
        "bank_name",
        "period_start",
        "period_end",
        "opening_balance",
        "closing_balance",
    ),
}

# The largest document file accepted: the upload grant's limit and the extraction's first check (``sniff``).
MAX_FILE_BYTES = 20 * 1024 * 1024  # a 48 MP phone JPEG is 8-15 MB; a statement PDF a few MB

# Fields that decide a loan: a wrong value here is a bad loan, so they get the strictest confidence.
DECISIVE_FIELDS = frozenset({"name", "id_number", "account_holder", "monthly_income", "opening_balance",
                             "closing_balance", "birth_date", "valid_until"})


Box = tuple[float, float, float, float]


class FieldValue(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: str | None = None
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    box: Box | None = None


class Transaction(BaseModel):
    """One statement row in normal form: ``amount`` is signed (credit positive)."""

    model_config = ConfigDict(frozen=True)

    date: str  # YYYY-MM-DD
    description: str
    amount: str  # "-35.50" / "8200.00"
    balance: str | None = None
    box: Box | None = None
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    # How surely amount and balance are the printed ones, in sequence after the row before (no printed row
    # between them unread), whatever the words: a break in the running balance there is the statement's,
    # not the reading's. None: as ``confidence``.
    figures_confidence: float | None = Field(default=None, ge=0.0, le=1.0)

    @property
    def figures(self) -> float:
        """The confidence in amount and balance: ``figures_confidence``, else the row's own."""
        return self.confidence if self.figures_confidence is None else self.figures_confidence


class Quality(BaseModel):
    ok: bool = True
    reasons: list[str] = Field(default_factory=list)


class ExtractionResult(BaseModel):
    doc_type: DocType
    fields: dict[str, FieldValue] = Field(default_factory=dict)
    transactions: list[Transaction] = Field(default_factory=list)
    quality: Quality = Field(default_factory=Quality)
    warnings: list[str] = Field(default_factory=list)

    def value(self, name: str) -> str | None:
        field = self.fields.get(name)
        return field.value if field else None

    def confidence(self, name: str) -> float:
        field = self.fields.get(name)
        return field.confidence if field else 0.0

    def contract_dict(self) -> dict:
        """Exactly the keys of the published contract, JSON-ready (a ``box`` only where one is known)."""
        data = self.model_dump(mode="json", include={"doc_type", "fields", "transactions", "quality", "warnings"})
        for item in [*data["fields"].values(), *data["transactions"]]:
            if item.get("box") is None:
                item.pop("box", None)
        return data
