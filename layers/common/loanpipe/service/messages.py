"""Messages between stages: versioned pydantic models, one module.

A stage's output parses as the next stage's input (tests/unit/test_messages.py proves it).
Idempotency keys are business keys (``idempotency_key``), never the SQS message id.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import unquote_plus

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = 1
    application_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    round: int = Field(ge=1)

    def idempotency_key(self) -> str:
        return f"{self.application_id}:{self.kind}:{self.round}"  # type: ignore[attr-defined]


class ValidateRequested(_Message):
    """extract fan-in / submit / reviewer -> validate."""

    kind: Literal["validate"] = "validate"
    trigger: Literal["capture_complete", "final_submission", "reviewer_correction"] = "capture_complete"


class ScoreRequested(_Message):
    """validate -> score: the validation report of this round is stored under the application."""

    kind: Literal["score"] = "score"


class ContractRequested(_Message):
    """score (approve) / reviewer (approve) -> contract."""

    kind: Literal["contract"] = "contract"
    approved_by: str = Field(min_length=1, max_length=64)


class SealRequested(_Message):
    """signing ceremony (API) -> contract: the customer's signature is captured, seal the contract."""

    kind: Literal["seal"] = "seal"
    ceremony_id: str = Field(min_length=1, max_length=64)

    def idempotency_key(self) -> str:
        return f"{self.application_id}:seal:{self.round}:{self.ceremony_id}"


# What the contract queue carries: a contract to render, or a signed one to seal.
ContractQueueMessage = Annotated[ContractRequested | SealRequested, Field(discriminator="kind")]
StageMessage = Annotated[ValidateRequested | ScoreRequested | ContractRequested | SealRequested,
                         Field(discriminator="kind")]
_stage_message = TypeAdapter(StageMessage)


def parse_stage_message(body: str) -> ValidateRequested | ScoreRequested | ContractRequested | SealRequested:
    return _stage_message.validate_json(body)


# ------------------------------------------------------------------ S3 notifications (extract queue input)
class S3Object(BaseModel):
    model_config = ConfigDict(extra="ignore")

    key: str
    size: int = 0
    eTag: str = ""
    versionId: str | None = None  # in a versioned bucket (the uploads bucket), the version this event created
    sequencer: str | None = None


class S3Bucket(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str


class S3Entity(BaseModel):
    model_config = ConfigDict(extra="ignore")

    bucket: S3Bucket
    object: S3Object


class S3EventRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")

    eventName: str
    eventTime: str | None = None
    s3: S3Entity

    @property
    def key(self) -> str:
        """Keys arrive URL-encoded (spaces as '+'), as on AWS."""
        return unquote_plus(self.s3.object.key)

    @property
    def bucket(self) -> str:
        return self.s3.bucket.name

    @property
    def etag(self) -> str:
        return self.s3.object.eTag.strip('"')

    @property
    def version_id(self) -> str | None:
        return self.s3.object.versionId or None

    def idempotency_key(self) -> str:
        """One run per object version: a second upload of the same bytes under a used grant is a new version,
        and its refusal is recorded too."""
        version = f"#{self.version_id}" if self.version_id else ""
        return f"{self.bucket}/{self.key}@{self.etag}{version}"


class S3Notification(BaseModel):
    """The body S3 sends to the extract queue: ``Records`` or, once, an ``s3:TestEvent``."""

    model_config = ConfigDict(extra="ignore")

    Records: list[S3EventRecord] = Field(default_factory=list)
    Event: str | None = None

    @property
    def is_test_event(self) -> bool:
        return self.Event == "s3:TestEvent"
