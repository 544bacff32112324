"""A stage that gives up on an application is visible on it: recorded from the stage's last attempt or from
its dead letter, shown to the officer and the back office, and gone once the stage completes (after a redrive)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from loanpipe.domain.application import DeclaredApplication
from loanpipe.domain.audit import AuditEntry
from loanpipe.domain.documents import DocType
from loanpipe.domain.lifecycle import AppState, DocState
from loanpipe.domain.records import ApplicationRecord, DocumentRecord, new_id
from loanpipe.service.access import Caller, Role
from loanpipe.service.messages import ScoreRequested, ValidateRequested
from loanpipe.service.stalls import NO_ANSWER, STAGE_ERROR, record_stall, stalls_of_dead_letter, stalls_of_message
from loanpipe.service.views import application_view
from testkit.fakes import InMemoryApplicationRepository

OFFICER = Caller("FO-0012", frozenset({Role.FIELD_OFFICER}))
REVIEWER = Caller("reviewer-1", frozenset({Role.REVIEWER}))
DECLARED = {
    "applicant": {"name": "张伟", "id_number": "110105198803120014", "phone": "13800138000",
                  "address": "北京市朝阳区建国路88号"},
    "loan": {"amount": "120000.00", "term_months": 36, "vehicle_price": "180000.00", "vehicle_type": "new"},
    "capture": {"officer_id": "FO-0012", "lat": 39.91, "lon": 116.46, "captured_at": "2026-11-20T10:31:00+08:00"},
}


def _application(repo, state: AppState, *, document_state: DocState | None = None) -> ApplicationRecord:
    now = datetime.now(UTC)
    record = ApplicationRecord(application_id=new_id("LA"), state=state, officer_id="FO-0012", created_at=now,
                               updated_at=now, submitted_at=now, declared=DeclaredApplication.model_validate(DECLARED))
    if document_state is not None:
        doc_id = new_id("D")
        record.documents[doc_id] = DocumentRecord(
            document_id=doc_id, slot=DocType.BANK_STATEMENT, state=document_state, requested_at=now,
            key=f"uploads/{record.application_id}/{doc_id}/bank_statement.pdf", content_type="application/pdf")
    repo.create(record, AuditEntry(at=now, actor="test", action="application.seeded"))
    return record


def _move(repo, application_id: str, **changes) -> None:
    stored = repo.get(application_id)
    working = stored.model_copy(deep=True, update=changes)
    working.version = stored.version + 1
    repo.save(working, stored.version, [AuditEntry(at=datetime.now(UTC), actor="test", action="moved")])


def _upload_dead_letter(key: str) -> str:
    return json.dumps({"Records": [{"eventName": "ObjectCreated:Post", "s3": {
        "bucket": {"name": "uploads"}, "object": {"key": key, "size": 10, "eTag": "abc"}}}]})


def _stall_entries(repo, application_id: str) -> list[AuditEntry]:
    return [e for e in repo.audit_trail(application_id) if e.action == "stage.stalled"]


def test_a_dead_lettered_validation_shows_as_a_stall_with_its_cause_to_the_officer_and_the_back_office():
    # Given an application waiting for its decision while its validation message is dead-lettered
    repo = InMemoryApplicationRepository()
    app = _application(repo, AppState.VALIDATING)
    body = ValidateRequested(application_id=app.application_id, round=1).model_dump_json()
    # When the stall recorder reads the dead letter (twice: it keeps it and reads it again)
    for application_id, stall in stalls_of_dead_letter(body):
        assert record_stall(repo, application_id, stall)
        assert not record_stall(repo, application_id, stall)
    # Then the officer sees a stall and its cause instead of "wait for the decision", and so does the back office
    record = repo.get(app.application_id)
    for caller in (OFFICER, REVIEWER):
        view = application_view(record, caller)
        assert view["next_step"] == "stalled: validate (operations alerted)"
        assert [(s["stage"], s["cause"]) for s in view["stalled"]] == [("validate", NO_ANSWER)]
        assert view["stalled"][0]["text"]["en"].startswith("the stage did not answer")
    # And the audit trail says so once
    assert [e.detail["stage"] for e in _stall_entries(repo, app.application_id)] == ["validate"]


def test_the_stall_clears_when_the_stage_completes_after_a_redrive():
    # Given a recorded stall of the score stage
    repo = InMemoryApplicationRepository()
    app = _application(repo, AppState.SCORING)
    [(application_id, stall)] = stalls_of_message(ScoreRequested(application_id=app.application_id, round=1),
                                                  STAGE_ERROR, "KeyError")
    record_stall(repo, application_id, stall)
    assert application_view(repo.get(app.application_id), OFFICER)["stalled"][0]["error"] == "KeyError"
    # When the redriven message is scored (the application moves on)
    _move(repo, app.application_id, state=AppState.IN_REVIEW)
    # Then nothing shows as stalled and the next step is the normal one
    view = application_view(repo.get(app.application_id), OFFICER)
    assert view["stalled"] == [] and view["next_step"] == "wait for a reviewer"


def test_a_dead_lettered_duplicate_of_a_completed_stage_records_nothing():
    # Given an application already scored (a duplicate of its score message dead-lettered later)
    repo = InMemoryApplicationRepository()
    app = _application(repo, AppState.IN_REVIEW)
    body = ScoreRequested(application_id=app.application_id, round=1).model_dump_json()
    # When the recorder reads that dead letter
    recorded = [record_stall(repo, a, s) for a, s in stalls_of_dead_letter(body)]
    # Then nothing is recorded: the stage did complete
    assert recorded == [False] and _stall_entries(repo, app.application_id) == []


def test_an_upload_whose_reader_died_shows_as_stalled_not_as_missing():
    # Given a statement uploaded but never read (the extract function died on each attempt)
    repo = InMemoryApplicationRepository()
    app = _application(repo, AppState.SUBMITTED, document_state=DocState.PENDING_UPLOAD)
    doc = next(iter(app.documents.values()))
    # When its dead letter is recorded
    [(application_id, stall)] = stalls_of_dead_letter(_upload_dead_letter(doc.key))
    assert record_stall(repo, application_id, stall)
    # Then the tablet says the reading stalled rather than "upload: bank_statement"
    view = application_view(repo.get(app.application_id), OFFICER)
    assert view["next_step"] == "stalled: extract (operations alerted)"
    assert view["stalled"][0]["document_id"] == doc.document_id
    # And once the document is read, the stall is gone
    stored = repo.get(app.application_id)
    stored.documents[doc.document_id].state = DocState.EXTRACTED
    _move(repo, app.application_id, documents=stored.documents)
    assert application_view(repo.get(app.application_id), OFFICER)["stalled"] == []


@pytest.mark.parametrize("body", ["not json", '{"Records": "nonsense"}', '{"Event": "s3:TestEvent"}',
                                  '{"kind": "score", "application_id": "../x", "round": 1}'])
def test_a_dead_letter_that_names_no_application_records_nothing(body):
    assert stalls_of_dead_letter(body) == []


# ------------------------------------------------------------------ the runner records a last attempt's error
class _Record:
    def __init__(self, receive_count: int):
        self.body = "{}"
        self.event_source_arn = "arn:aws:sqs:us-east-1:123456789012:score"
        self.attributes = type("Attributes", (), {"approximate_receive_count": str(receive_count)})()


def _runner(error: Exception, recorded: list):
    from aws_lambda_powertools import Logger, Metrics

    from loanpipe.entry.runner import StageRunner

    message = ScoreRequested(application_id="LA1", round=1)

    def fail(**_):
        raise error

    runner = StageRunner(lambda: ScoreRequested, lambda *a, **k: None, lambda: None, lambda: "t", lambda: None,
                         logger=Logger(service="test"), metrics=Metrics(namespace="test"), metric_prefix="Decision",
                         messages=lambda record: [message],
                         on_exhausted=lambda m, e: recorded.append((m.application_id, type(e).__name__)),
                         max_receive_count=lambda arn: 5)
    runner.__dict__["_run_once"] = fail  # the idempotent call, as powertools would raise it
    return runner


@pytest.mark.parametrize("receive_count,expected", [(1, []), (4, []), (5, [("LA1", "KeyError")])])
def test_the_runner_records_the_error_of_a_last_attempt_only(receive_count, expected):
    recorded: list = []
    with pytest.raises(KeyError):
        _runner(KeyError("x"), recorded)(_Record(receive_count))
    assert recorded == expected


def test_a_duplicate_finding_its_key_in_progress_is_no_stage_failure():
    from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyAlreadyInProgressError

    recorded: list = []
    with pytest.raises(IdempotencyAlreadyInProgressError):
        _runner(IdempotencyAlreadyInProgressError("in progress"), recorded)(_Record(5))
    assert recorded == []
