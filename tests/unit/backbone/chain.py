"""The stages on in-memory ports, wired by the composition root's builders as the functions are on AWS.

Settings as a function reads them from its environment (the table and bus names go unused with in-memory
ports), a reader that answers by the first bytes of a file, upload grants and notifications, and a
``Chain`` that drains the stage queues in order (validate -> score -> contract).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from loanpipe.domain.audit import AuditEntry
from loanpipe.domain.case import ApplicationCase
from loanpipe.domain.documents import DocType, ExtractionResult, FieldValue, Quality
from loanpipe.domain.errors import RejectedInput
from loanpipe.domain.lifecycle import AppState, DocState
from loanpipe.domain.records import ApplicationRecord, DocumentRecord
from loanpipe.entry.bootstrap import (
    Ports,
    contract_deps,
    extract_deps,
    score_deps,
    seal_deps,
    validate_deps,
)
from loanpipe.entry.settings import ContractSettings, ExtractSettings, ScoreSettings, ValidateSettings
from loanpipe.service.contracting import handle_contract
from loanpipe.service.intake import IntakeConfig, UploadRequest, request_upload
from loanpipe.service.messages import (
    ContractRequested,
    S3EventRecord,
    ScoreRequested,
    SealRequested,
    ValidateRequested,
    parse_stage_message,
)
from loanpipe.service.scoring import handle_scoring
from loanpipe.service.sealing import handle_seal
from loanpipe.service.validation import handle_validation
from loanpipe.validation.ports import FraudPorts
from testkit.fakes import (
    InMemoryApplicationRepository,
    InMemoryBlobStore,
    InMemoryEventPublisher,
    InMemoryStageQueue,
)

UPLOADS, RESULTS, CONTRACTS = "uploads-bucket", "results-bucket", "contracts-bucket"
VALIDATE_Q, SCORE_Q, CONTRACT_Q = "validate-q", "score-q", "contract-q"
PLATFORM = {"applications_table": "applications", "idempotency_table": "idempotency", "event_bus_name": "bus"}
EXTRACT = ExtractSettings(**PLATFORM, uploads_bucket=UPLOADS, results_bucket=RESULTS, validate_queue_url=VALIDATE_Q)
VALIDATE = ValidateSettings(**PLATFORM, results_bucket=RESULTS, image_index_table="images", score_queue_url=SCORE_Q,
                            user_pool_id="staff", credit_policy="default")
SCORE = ScoreSettings(**PLATFORM, results_bucket=RESULTS, contract_queue_url=CONTRACT_Q, credit_policy="default")
CONTRACT = ContractSettings(**PLATFORM, contracts_bucket=CONTRACTS, loanpipe_font_path=None, credit_policy="default")
INTAKE = IntakeConfig(UPLOADS, VALIDATE_Q)


class MarkingSealer:
    """Stands in for the PAdES seal (tested with KMS and pyHanko in tests/unit/contracts): the contract with the
    signature's and the consent's digests appended, so a test sees what was sealed."""

    def __init__(self) -> None:
        self.sealed: list[tuple[bytes, bytes, object]] = []

    def __call__(self, contract_pdf: bytes, signature_png: bytes, consent) -> bytes:
        self.sealed.append((contract_pdf, signature_png, consent))
        return contract_pdf + b"\n%sealed " + consent.contract_sha256.encode()


def in_memory_ports() -> Ports:
    return Ports(InMemoryApplicationRepository(), InMemoryBlobStore(), InMemoryStageQueue(), InMemoryEventPublisher())


class FakeSigner:
    def presigned_post(self, bucket, key, content_type, max_bytes, expires_in):
        return {"url": f"https://{bucket}.example/", "fields": {"key": key, "Content-Type": content_type}}


@dataclass
class FakeExtraction:
    result: ExtractionResult
    text: str = "text"
    engine: str = "fake"
    pages: int = 1
    picture: object = None  # extraction.picture.Picture: the first page as read


class FakeReader:
    """Reads a document by the first bytes of its content: b"ok", b"blur", b"junk"."""

    def __call__(self, data, *, expected_type, filename, content_type, budget_seconds):
        if data.startswith(b"junk"):
            raise RejectedInput("type_mismatch", "not an image")
        ok = data.startswith(b"ok")
        return FakeExtraction(ExtractionResult(
            doc_type=expected_type, fields={"name": FieldValue(value="张伟", confidence=0.99)},
            quality=Quality(ok=ok, reasons=[] if ok else ["blurry"])))


def uploaded(officer, repo, blobs, app_id: str, slot: DocType, content: bytes = b"ok",
           etag: str = "e1") -> tuple[str, S3EventRecord]:
    """The officer asks for an upload slot and puts the file: (document id, the bucket's notification)."""
    grant = request_upload(repo, FakeSigner(), INTAKE, officer, app_id,
                           UploadRequest(slot=slot, content_type="image/jpeg"))
    blobs.put(UPLOADS, grant["key"], content, "image/jpeg")
    record = S3EventRecord.model_validate({"eventName": "ObjectCreated:Post", "s3": {
        "bucket": {"name": UPLOADS}, "object": {"key": grant["key"], "size": len(content), "eTag": etag}}})
    return grant["document_id"], record


class Chain:
    """Every queue-driven stage on one set of in-memory ports, built as ``entry.bootstrap`` builds them."""

    def __init__(self, fraud: FraudPorts, ports: Ports | None = None):
        self.ports = ports or in_memory_ports()
        self.extract = extract_deps(EXTRACT, self.ports, read_document=FakeReader())
        self.validate = validate_deps(VALIDATE, self.ports, fraud)
        self.score = score_deps(SCORE, self.ports)
        self.contract = contract_deps(CONTRACT, self.ports)
        self.sealer = MarkingSealer()
        self.seal = seal_deps(CONTRACT, self.ports, self.sealer)

    def drain(self) -> None:
        """Deliver every queued stage message, in order, until the queues are empty."""
        sent = self.ports.queue.sent
        while sent:
            _url, body = sent.pop(0)
            message = parse_stage_message(body)
            if isinstance(message, ValidateRequested):
                handle_validation(message, self.validate)
            elif isinstance(message, ScoreRequested):
                handle_scoring(message, self.score)
            elif isinstance(message, ContractRequested):
                handle_contract(message, self.contract)
            elif isinstance(message, SealRequested):
                handle_seal(message, self.seal)

    def validating(self, case: ApplicationCase, **changes) -> str:
        """An application holding ``case``'s extracted documents, submitted and waiting for validation (its
        statement rows in the results bucket, as the extract stage leaves them). Returns its id."""
        documents = {}
        for document in case.documents:
            if document.extraction is None:  # only extracted documents carry one
                continue
            result_key = f"extractions/{case.application_id}/{document.document_id}.json"
            self.ports.blobs.put(RESULTS, result_key, json.dumps(document.extraction.contract_dict()).encode(),
                                 "application/json")
            evidence = document.evidence
            documents[document.document_id] = DocumentRecord(
                document_id=document.document_id, slot=document.doc_type, state=DocState.EXTRACTED,
                key=f"uploads/{case.application_id}/{document.document_id}/{document.doc_type.value}.jpg",
                content_type="image/jpeg", requested_at=case.now, uploaded_at=evidence and evidence.received_at,
                fields=dict(document.extraction.fields), result_key=result_key,
                evidence=evidence.model_dump(mode="json", exclude={"received_at"}) if evidence else None)
        now = datetime.now(UTC)
        record = ApplicationRecord(application_id=case.application_id, state=AppState.VALIDATING,
                                   officer_id=case.declared.capture.officer_id, created_at=now, updated_at=now,
                                   declared=case.declared, documents=documents, submitted_at=now, replay=True,
                                   **changes)
        self.ports.repo.create(record, AuditEntry(at=now, actor="test", action="application.created"))
        self.ports.queue.send(VALIDATE_Q, ValidateRequested(application_id=record.application_id,
                                                            round=1).model_dump_json())
        return record.application_id
