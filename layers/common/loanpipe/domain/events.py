"""Domain events: what the pipeline tells the rest of the bank on its EventBridge bus (source ``loanpipe``).

One pydantic model per event, whoever sends it: the machine and a reviewer both decide an application
(``ApplicationDecided``) and both ask for a retake (``DocumentRetakeRequested``), and each fills the same
fields, so a listener (the officer's tablet, disbursement, reporting) reads one shape. The model's
``DETAIL_TYPE`` is the EventBridge ``DetailType``; its fields, ``schema_version`` included, are the ``Detail``
JSON. ``schema_version`` goes up when a field is removed or changes meaning, never for a new optional field.

Events carry identifiers, states and reason codes only: never a name, an ID number, an account or an amount
(the bus has other readers than the pipeline; personal data stays in the encrypted table). The one exception
is ``DisbursementInstructed``: disbursement cannot pay without the payee's account and the amount, so that
event carries them, and template.yaml routes it by a rule of its own to the disbursement queue only
(encrypted with the data key); the pipeline's logs never print it. A reviewer's ``message`` with a retake
request is free text for the officer: the review desk masks ID- and account-number shaped digits in it before
it is sent.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from loanpipe.domain.documents import DocType
from loanpipe.domain.records import ApplicationRecord, DocumentRecord

EVENT_SOURCE = "loanpipe"
# Who sent it: the pipeline itself or a back-office reviewer acting on the application.
Sender = Literal["machine", "reviewer"]


class DomainEvent(BaseModel):
    """The fields every event has. Subclasses set ``DETAIL_TYPE``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    DETAIL_TYPE: ClassVar[str]

    schema_version: Literal[1] = 1
    application_id: str = Field(min_length=1, max_length=64)

    @property
    def detail_type(self) -> str:
        return self.DETAIL_TYPE

    def detail(self) -> dict[str, Any]:
        """The ``Detail`` as JSON values (what a listener receives, parsed)."""
        return self.model_dump(mode="json")

    def detail_json(self) -> str:
        """The ``Detail`` as EventBridge carries it."""
        return self.model_dump_json()


class _DocumentEvent(DomainEvent):
    """Something the officer must act on for one document of the application."""

    officer_id: str = Field(min_length=1)
    document_id: str = Field(min_length=1)
    slot: DocType
    reasons: list[str]


class DocumentRetakeRequested(_DocumentEvent):
    """A document must be photographed again: unreadable (machine) or judged so by a reviewer."""

    DETAIL_TYPE: ClassVar[str] = "DocumentRetakeRequested"

    by: Sender
    message: str | None = Field(default=None, max_length=500)  # a reviewer's words to the officer

    @classmethod
    def of(cls, record: ApplicationRecord, doc: DocumentRecord, by: Sender,
           message: str | None = None) -> DocumentRetakeRequested:
        return cls(application_id=record.application_id, officer_id=record.officer_id, document_id=doc.document_id,
                   slot=doc.slot, reasons=list(doc.reasons), by=by, message=message or None)


class DocumentRejected(_DocumentEvent):
    """An upload that is no document of its slot (wrong type, too large, the capture already closed...)."""

    DETAIL_TYPE: ClassVar[str] = "DocumentRejected"

    @classmethod
    def of(cls, record: ApplicationRecord, doc: DocumentRecord) -> DocumentRejected:
        return cls(application_id=record.application_id, officer_id=record.officer_id, document_id=doc.document_id,
                   slot=doc.slot, reasons=list(doc.reasons))


class ApplicationDecided(DomainEvent):
    """The application's decision, as recorded: by the scorecard and policy, or by a reviewer."""

    DETAIL_TYPE: ClassVar[str] = "ApplicationDecided"

    decision: Literal["approve", "review", "decline"]
    reasons: list[str]
    score: int | None
    policy_version: str | None  # the policy that scored it (a reviewer's decision keeps the machine's)
    by: Sender

    @classmethod
    def of(cls, record: ApplicationRecord, by: Sender) -> ApplicationDecided:
        """From the decision just recorded on ``record``."""
        decision = record.decision
        if decision is None:
            raise ValueError(f"application {record.application_id} has no decision to announce")
        return cls(application_id=record.application_id, decision=decision.decision,
                   reasons=list(decision.reasons), score=decision.score, policy_version=decision.policy_version,
                   by=by)


class ContractReady(DomainEvent):
    """The contract PDF is stored: the officer can show it to the customer for signature."""

    DETAIL_TYPE: ClassVar[str] = "ContractReady"

    officer_id: str = Field(min_length=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class LoanContractSigned(DomainEvent):
    """The customer signed and the lender sealed the contract: it is stored under object lock."""

    DETAIL_TYPE: ClassVar[str] = "LoanContractSigned"

    officer_id: str = Field(min_length=1)
    contract_number: str = Field(min_length=1)
    contract_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")  # the contract the customer was shown
    signed_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")  # the sealed PDF
    signed_at: datetime


class PayeeDetail(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    payee: Literal["dealer", "customer"]
    account_name: str
    account_number: str | None = None
    bank_name: str | None = None
    # declared with the application, read from the applicant's bank statement, or none known: disbursement
    # must ask the customer for an account before it pays
    source: Literal["application", "bank_statement", "none"]


class DisbursementInstructed(DomainEvent):
    """Pay out the loan of a signed contract. ``instruction_id`` is the same however often it is sent:
    disbursement pays each instruction once."""

    DETAIL_TYPE: ClassVar[str] = "DisbursementInstructed"

    instruction_id: str = Field(min_length=1)
    contract_number: str = Field(min_length=1)
    amount: str = Field(pattern=r"^\d+\.\d{2}$")  # yuan, two decimals (a decimal string, never a float)
    currency: Literal["CNY"] = "CNY"
    payee: PayeeDetail
    signed_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


EVENT_TYPES: dict[str, type[DomainEvent]] = {
    event.DETAIL_TYPE: event
    for event in (DocumentRetakeRequested, DocumentRejected, ApplicationDecided, ContractReady, LoanContractSigned,
                  DisbursementInstructed)
}


def parse_event(detail_type: str, detail: str | bytes | dict[str, Any]) -> DomainEvent:
    """A bus entry back into its model; raises KeyError for an unknown type, ValidationError for a bad shape."""
    model = EVENT_TYPES[detail_type]
    return model.model_validate(json.loads(detail) if isinstance(detail, str | bytes) else detail)
