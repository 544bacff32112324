"""The case: one application as the validate stage sees it (JSON-serialisable, stored with the report).

``ApplicationCase`` is the input of ``validation.validate``: the declared application, every document slot
with its extraction and the evidence of its file, and the clock the time-dependent checks use. The
validation report lives in ``validation.report``, the decision outputs in ``decision.models``; both carry
this module's ``SCHEMA_VERSION``. Amounts are Decimal (strings in JSON), dates are ``date``.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from loanpipe.domain.application import DeclaredApplication
from loanpipe.domain.documents import DocType, ExtractionResult

SCHEMA_VERSION = 1


class CaseDocumentState(StrEnum):
    """A document slot as the validate stage sees it (the stored lifecycle is ``domain.lifecycle.DocState``)."""

    EXTRACTED = "EXTRACTED"
    RETAKE_REQUESTED = "RETAKE_REQUESTED"
    REJECTED_INPUT = "REJECTED_INPUT"
    MISSING = "MISSING"


class ImageEvidence(BaseModel):
    """What the file itself says, beside its content (documents.forensics.image_evidence reads it).

    ``phash`` is a 64-bit DCT perceptual hash as 16 hex digits (first page of a PDF); ``detail_hash`` the
    same at 256 bits (64 hex digits), to tell two pictures of one template apart. ``taken_at`` is EXIF
    DateTimeOriginal: naive (camera local time) unless the file gave an offset. ``received_at`` is when the
    server received the file (set by the upload stage).
    """

    model_config = ConfigDict(frozen=True)

    phash: str | None = Field(default=None, pattern=r"^[0-9a-f]{16}$")
    detail_hash: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")  # 256 bits (forensics.detail_hash)
    software: str | None = None
    gps_lat: float | None = Field(default=None, ge=-90, le=90)
    gps_lon: float | None = Field(default=None, ge=-180, le=180)
    taken_at: datetime | None = None
    received_at: datetime | None = None
    content_type: str | None = None
    width: int | None = None
    height: int | None = None


class CaseDocument(BaseModel):
    model_config = ConfigDict(frozen=True)

    document_id: str = Field(min_length=1)
    doc_type: DocType
    state: CaseDocumentState
    extraction: ExtractionResult | None = None
    evidence: ImageEvidence | None = None
    state_reasons: list[str] = Field(default_factory=list)  # retake / rejection codes, when not EXTRACTED


class ApplicationCase(BaseModel):
    """One application as the validate stage sees it.

    ``clock`` is the capture time every time-dependent check uses (ID expiry, recency, age); it defaults to
    the declared ``capture.captured_at``. ``received_at`` is the server's receipt of the submission (None when
    replaying past applications, ``replay=True``, as a risk team back-tests a policy).
    """

    model_config = ConfigDict(frozen=True)

    schema_version: int = SCHEMA_VERSION
    application_id: str = Field(min_length=1)
    declared: DeclaredApplication
    documents: list[CaseDocument] = Field(default_factory=list)
    clock: datetime | None = None
    received_at: datetime | None = None
    replay: bool = False

    @model_validator(mode="after")
    def _clock(self) -> ApplicationCase:
        if self.clock is None:
            object.__setattr__(self, "clock", self.declared.capture.captured_at)
        if self.now.tzinfo is None:
            raise ValueError("clock needs a time zone offset")
        if self.received_at is not None and self.received_at.tzinfo is None:
            raise ValueError("received_at needs a time zone offset")
        return self

    @property
    def now(self) -> datetime:
        """The decision clock (``clock``, which defaults to the capture time once the model is built)."""
        return self.clock if self.clock is not None else self.declared.capture.captured_at

    @property
    def as_of(self) -> date:
        """The capture date in the capture's own time zone."""
        return self.now.date()

    def documents_of(self, doc_type: DocType) -> list[CaseDocument]:
        return [document for document in self.documents if document.doc_type == doc_type]
