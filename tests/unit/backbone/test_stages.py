"""The stages' logic on in-memory fakes: intake, fan-in, extraction outcomes, review, contract."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from backbone.chain import (
    CONTRACT,
    CONTRACT_Q,
    CONTRACTS,
    EXTRACT,
    INTAKE,
    RESULTS,
    UPLOADS,
    VALIDATE_Q,
    FakeReader,
    FakeSigner,
    in_memory_ports,
    uploaded,
)
from loanpipe.domain.application import read_declared
from loanpipe.domain.documents import DocType
from loanpipe.domain.errors import Conflict, Forbidden, UserInputError
from loanpipe.domain.lifecycle import AppState, DocState
from loanpipe.domain.records import RecordedDecision, ReviewState, utcnow
from loanpipe.entry.bootstrap import contract_deps, extract_deps
from loanpipe.service.access import Caller, Role
from loanpipe.service.contracting import handle_contract
from loanpipe.service.extraction import handle_upload
from loanpipe.service.intake import (
    SubmitRequest,
    UploadRequest,
    create_application,
    request_upload,
    submit_application,
)
from loanpipe.service.messages import ContractRequested, S3EventRecord, parse_stage_message
from loanpipe.service.outcomes import FlagOutcome
from loanpipe.service.review import FieldCorrections, ReviewConfig, ReviewDecision, claim, correct_fields, decide
from loanpipe.service.transitions import Change, apply_change
from loanpipe.service.validation import flag_other_application
from loanpipe.service.views import application_view
from testkit.fakes import InMemoryApplicationRepository, InMemoryStageQueue

OFFICER = Caller("FO-0012", frozenset({Role.FIELD_OFFICER}))
OTHER_OFFICER = Caller("FO-0099", frozenset({Role.FIELD_OFFICER}))
REVIEWER = Caller("r1", frozenset({Role.REVIEWER}))

DECLARED = json.dumps({
    "applicant": {"name": "张伟", "id_number": "110105198803120014", "phone": "13800138000", "address": "北京市朝阳区"},
    "loan": {"amount": "120000.00", "term_months": 36, "vehicle_price": "180000.00", "vehicle_type": "new"},
    "capture": {"officer_id": "FO-0012", "lat": 39.91, "lon": 116.46, "captured_at": "2026-11-20T10:31:00+08:00"},
})


@pytest.fixture
def world():
    ports = in_memory_ports()
    deps = extract_deps(EXTRACT, ports, read_document=FakeReader())
    return ports.repo, ports.blobs, ports.queue, ports.events, deps


def _new_application(repo):
    return create_application(repo, OFFICER, read_declared(DECLARED))


def _validate_messages(queue):
    return [parse_stage_message(body) for url, body in queue.sent if url == VALIDATE_Q]


# ------------------------------------------------------------------ intake
def test_an_officer_cannot_create_an_application_in_another_officers_name():
    repo = InMemoryApplicationRepository()
    with pytest.raises(UserInputError) as refused:
        create_application(repo, OTHER_OFFICER, read_declared(DECLARED))
    assert refused.value.code == "officer_mismatch"


def test_a_reviewer_cannot_create_applications():
    with pytest.raises(Forbidden):
        create_application(InMemoryApplicationRepository(), REVIEWER, read_declared(DECLARED))


def test_upload_slots_are_server_chosen_keys_under_the_application(world):
    repo, blobs, queue, events, deps = world
    record = _new_application(repo)
    grant = request_upload(repo, FakeSigner(), INTAKE, OFFICER, record.application_id,
                           UploadRequest(slot=DocType.ID_CARD_FRONT, content_type="image/png", filename="../../x"))
    assert grant["key"] == f"uploads/{record.application_id}/{grant['document_id']}/id_card_front.png"
    assert repo.get(record.application_id).documents[grant["document_id"]].state == DocState.PENDING_UPLOAD


def test_only_the_owning_officer_may_request_uploads(world):
    repo, *_ = world
    record = _new_application(repo)
    with pytest.raises(Forbidden):
        request_upload(repo, FakeSigner(), INTAKE, OTHER_OFFICER, record.application_id,
                       UploadRequest(slot=DocType.ID_CARD_FRONT, content_type="image/jpeg"))


def test_unsupported_content_types_are_refused(world):
    repo, *_ = world
    record = _new_application(repo)
    with pytest.raises(UserInputError) as refused:
        request_upload(repo, FakeSigner(), INTAKE, OFFICER, record.application_id,
                       UploadRequest(slot=DocType.ID_CARD_FRONT, content_type="image/gif"))
    assert refused.value.code == "unsupported_type"


# ------------------------------------------------------------------ extraction and the fan-in
def test_a_readable_upload_is_extracted_and_its_result_stored(world):
    repo, blobs, queue, events, deps = world
    record = _new_application(repo)
    doc_id, upload = uploaded(OFFICER, repo, blobs, record.application_id, DocType.ID_CARD_FRONT)
    outcome = handle_upload(upload, deps)
    assert outcome.outcome == "extracted"
    doc = repo.get(record.application_id).documents[doc_id]
    assert doc.state == DocState.EXTRACTED and doc.fields["name"].value == "张伟"
    stored = json.loads(blobs.get(RESULTS, doc.result_key))
    assert stored["doc_type"] == "id_card_front" and stored["quality"]["ok"] is True


def test_a_blurred_photo_asks_the_officer_for_a_retake_with_the_reason(world):
    repo, blobs, queue, events, deps = world
    record = _new_application(repo)
    doc_id, upload = uploaded(OFFICER, repo, blobs, record.application_id, DocType.ID_CARD_FRONT, b"blurred")
    assert handle_upload(upload, deps).outcome == "retake_requested"
    assert repo.get(record.application_id).documents[doc_id].reasons == ["blurry"]
    assert events.published[-1][0] == "DocumentRetakeRequested"
    assert events.published[-1][1]["reasons"] == ["blurry"]


def test_a_file_that_is_not_a_document_ends_rejected_with_its_reason(world):
    repo, blobs, queue, events, deps = world
    record = _new_application(repo)
    doc_id, upload = uploaded(OFFICER, repo, blobs, record.application_id, DocType.ID_CARD_FRONT, b"junk")
    outcome = handle_upload(upload, deps)
    assert outcome.outcome == "rejected_input" and outcome.reasons == ["type_mismatch"]
    assert repo.get(record.application_id).documents[doc_id].state == DocState.REJECTED_INPUT


def test_uploads_outside_an_application_or_for_unknown_ones_are_ignored_without_harm(world):
    repo, blobs, queue, events, deps = world
    stray = S3EventRecord.model_validate({"eventName": "ObjectCreated:Put", "s3": {
        "bucket": {"name": UPLOADS}, "object": {"key": "uploads/elsewhere.jpg", "size": 3, "eTag": "x"}}})
    assert handle_upload(stray, deps).reasons == ["key_outside_application"]
    unknown = S3EventRecord.model_validate({"eventName": "ObjectCreated:Put", "s3": {
        "bucket": {"name": UPLOADS},
        "object": {"key": "uploads/LA404/D404/id_card_front.jpg", "size": 3, "eTag": "x"}}})
    assert handle_upload(unknown, deps).reasons == ["unknown_application"]


def test_the_first_page_image_is_kept_beside_the_reading_for_the_console(world):
    # Given a reader that gives the first page as it was read (the image its boxes are normalised to)
    from dataclasses import replace

    from loanpipe.extraction.picture import Picture

    repo, blobs, queue, events, deps = world
    picture = Picture(b"\xff\xd8page", (1000, 631))
    deps = replace(deps, read_document=lambda *a, **k: replace(FakeReader()(*a, **k), picture=picture))
    record = _new_application(repo)
    doc_id, upload = uploaded(OFFICER, repo, blobs, record.application_id, DocType.ID_CARD_FRONT)
    # When the upload is read
    assert handle_upload(upload, deps).outcome == "extracted"
    # Then the page image is in the results bucket, named with its size in the stored reading
    stored = json.loads(blobs.get(RESULTS, repo.get(record.application_id).documents[doc_id].result_key))
    assert stored["page_size"] == [1000, 631]
    assert blobs.get(RESULTS, stored["page_image"]) == picture.jpeg


def test_the_same_upload_event_twice_gives_one_result(world):
    repo, blobs, queue, events, deps = world
    record = _new_application(repo)
    _, upload = uploaded(OFFICER, repo, blobs, record.application_id, DocType.ID_CARD_FRONT)
    assert handle_upload(upload, deps).outcome == "extracted"
    assert handle_upload(upload, deps).outcome == "duplicate"
    extracted = [e for e in repo.audit_trail(record.application_id) if e.action == "document.extracted"]
    assert len(extracted) == 1


def test_validation_starts_once_when_submitted_and_every_required_slot_is_extracted(world):
    repo, blobs, queue, events, deps = world
    app_id = _new_application(repo).application_id
    config = INTAKE
    pending = [uploaded(OFFICER, repo, blobs, app_id, slot) for slot in
               (DocType.ID_CARD_FRONT, DocType.ID_CARD_BACK, DocType.INCOME_CERTIFICATE, DocType.BANK_STATEMENT)]
    for _, upload in pending[:3]:
        handle_upload(upload, deps)
    record, change = submit_application(repo, blobs, config, OFFICER, app_id, SubmitRequest())
    assert record.state == AppState.SUBMITTED and not change.outbox.messages
    handle_upload(pending[3][1], deps)  # the last slot completes the capture
    assert repo.get(app_id).state == AppState.VALIDATING
    handle_upload(pending[3][1], deps)  # a re-delivered event must not start a second validation round
    messages = _validate_messages(queue)
    assert {m.round for m in messages} == {1} and all(m.application_id == app_id for m in messages)
    started = [e for e in repo.audit_trail(app_id) if e.action == "application.validation_started"]
    assert len(started) == 1


def test_a_final_submission_validates_with_what_there_is_once_uploads_settle(world):
    repo, blobs, queue, events, deps = world
    app_id = _new_application(repo).application_id
    _, blurred = uploaded(OFFICER, repo, blobs, app_id, DocType.ID_CARD_FRONT, b"blurred")
    handle_upload(blurred, deps)
    record, change = submit_application(repo, blobs, INTAKE, OFFICER, app_id,
                                        SubmitRequest(final=True))
    assert record.state == AppState.VALIDATING
    assert [m.trigger for m in _validate_messages(change.outbox and _as_queue(change))] == ["final_submission"]


def _as_queue(change: Change) -> InMemoryStageQueue:
    queue = InMemoryStageQueue()
    queue.sent = list(change.outbox.messages)
    return queue


def test_a_newer_upload_in_the_same_slot_supersedes_the_older_one(world):
    repo, blobs, queue, events, deps = world
    app_id = _new_application(repo).application_id
    first_id, first = uploaded(OFFICER, repo, blobs, app_id, DocType.ID_CARD_FRONT, b"blurred")
    handle_upload(first, deps)
    second_id, second = uploaded(OFFICER, repo, blobs, app_id, DocType.ID_CARD_FRONT, b"ok")
    handle_upload(second, deps)
    docs = repo.get(app_id).documents
    assert docs[first_id].state == DocState.SUPERSEDED and docs[second_id].state == DocState.EXTRACTED


def test_uploads_after_the_capture_closed_are_rejected(world):
    repo, blobs, queue, events, deps = world
    app_id = _new_application(repo).application_id
    _, late = uploaded(OFFICER, repo, blobs, app_id, DocType.ID_CARD_FRONT)

    def decline(record):
        record.state = AppState.DECLINED
        return Change()

    apply_change(repo, app_id, decline)
    outcome = handle_upload(late, deps)
    assert outcome.outcome == "rejected_input" and outcome.reasons == ["slot_closed"]


def test_a_stale_writer_re_reads_and_decides_on_the_newest_state(world):
    repo, *_ = world
    app_id = _new_application(repo).application_id
    calls = []

    def racing_change(record):
        calls.append(record.version)
        if len(calls) == 1:  # someone else writes between our read and our write
            apply_change(repo, app_id, lambda other: (other.flags.append("theirs"), Change())[1])
        record.flags.append("ours")
        return Change()

    final = apply_change(repo, app_id, racing_change).record
    assert calls == [0, 1] and final.version == 2 and final.flags == ["theirs", "ours"]


def test_an_action_that_changes_nothing_but_must_be_audited_is_written(world):
    repo, *_ = world
    app_id = _new_application(repo).application_id
    from loanpipe.domain.audit import AuditEntry

    apply_change(repo, app_id, lambda record: Change(audit=[AuditEntry(at=utcnow(), actor="r1",
                                                                       action="personal_data.revealed")]))
    assert repo.audit_trail(app_id)[-1].action == "personal_data.revealed"


# ------------------------------------------------------------------ fraud flags from another application
def _in_state(repo, state: AppState) -> str:
    app_id = _new_application(repo).application_id

    def move(record):
        record.state = state
        return Change()

    apply_change(repo, app_id, move)
    return app_id


def test_an_approved_application_carrying_anothers_image_goes_back_to_a_reviewer_once():
    repo = InMemoryApplicationRepository()
    approved = _in_state(repo, AppState.APPROVED)
    assert flag_other_application(repo, approved, "LA-LATER") == FlagOutcome.PULLED_BACK
    record = repo.get(approved)
    assert record.state == AppState.IN_REVIEW and record.review.reasons == ["duplicate_image"]
    assert flag_other_application(repo, approved, "LA-LATER") == FlagOutcome.UNCHANGED
    assert [e.action for e in repo.audit_trail(approved)].count("fraud.pulled_back") == 1


def _decided(repo, state: AppState, decision: str, reasons: list[str]) -> str:
    """An application the score stage left in ``state`` with a machine decision."""
    app_id = _new_application(repo).application_id

    def move(record):
        record.state = state
        record.decision = RecordedDecision(decision=decision, reasons=reasons, score=640, decided_at=utcnow())
        if state == AppState.IN_REVIEW:
            record.review = ReviewState(queued_at=utcnow(), reasons=list(reasons))
        return Change()

    apply_change(repo, app_id, move)
    return app_id


def test_the_decision_of_an_application_flagged_after_it_was_decided_names_the_shared_picture():
    repo = InMemoryApplicationRepository()
    # Given one application already in review for other reasons and one already approved by the machine
    in_review = _decided(repo, AppState.IN_REVIEW, "review", ["name_mismatch"])
    approved = _decided(repo, AppState.AWAITING_SIGNATURE, "approve", [])
    # When a later application is found carrying a picture of each
    flag_other_application(repo, in_review, "LA-LATER")
    flag_other_application(repo, approved, "LA-LATER")
    # Then the decision each shows names the shared picture, and the approval now reads as a review
    view = application_view(repo.get(in_review), OFFICER)
    assert view["decision"]["decision"] == "review"
    assert [r["code"] for r in view["decision"]["reasons"]] == ["name_mismatch", "duplicate_image"]
    view = application_view(repo.get(approved), OFFICER)
    assert view["decision"]["decision"] == "review"
    assert [r["code"] for r in view["decision"]["reasons"]] == ["duplicate_image"]


def test_a_flag_is_recorded_on_an_open_application_and_a_closed_one_is_left_alone():
    repo = InMemoryApplicationRepository()
    validating, declined = _in_state(repo, AppState.VALIDATING), _in_state(repo, AppState.DECLINED)
    assert flag_other_application(repo, validating, "LA-LATER") == FlagOutcome.FLAGGED
    assert repo.get(validating).flags == ["duplicate_image"]
    assert flag_other_application(repo, declined, "LA-LATER") == FlagOutcome.CLOSED
    assert repo.get(declined).flags == [] and repo.get(declined).version == 1


# ------------------------------------------------------------------ review
def _in_review(repo):
    app_id = _new_application(repo).application_id

    def to_review(record):
        record.state = AppState.IN_REVIEW
        record.review = ReviewState(queued_at=utcnow(), reasons=["low_confidence"])
        return Change()

    apply_change(repo, app_id, to_review)
    return app_id


def test_reviewers_claim_before_acting_and_an_active_claim_is_exclusive():
    repo = InMemoryApplicationRepository()
    app_id = _in_review(repo)
    config = ReviewConfig(VALIDATE_Q, CONTRACT_Q)
    with pytest.raises(Conflict):
        decide(repo, config, REVIEWER, app_id, ReviewDecision(action="approve", note="documents are fine"))
    claim(repo, REVIEWER, app_id)
    with pytest.raises(Conflict) as taken:
        claim(repo, Caller("r2", frozenset({Role.REVIEWER})), app_id)
    assert taken.value.code == "claimed"


def test_an_officer_cannot_review_and_a_reviewer_cannot_review_their_own_capture():
    repo = InMemoryApplicationRepository()
    app_id = _in_review(repo)
    with pytest.raises(Forbidden):
        claim(repo, OFFICER, app_id)
    with pytest.raises(Forbidden):
        claim(repo, Caller("FO-0012", frozenset({Role.REVIEWER, Role.FIELD_OFFICER})), app_id)


def test_an_approval_by_a_reviewer_needs_a_note_and_queues_the_contract():
    repo = InMemoryApplicationRepository()
    app_id = _in_review(repo)
    claim(repo, REVIEWER, app_id)
    with pytest.raises(ValueError):
        ReviewDecision(action="approve")
    record, change = decide(repo, ReviewConfig(VALIDATE_Q, CONTRACT_Q), REVIEWER, app_id,
                            ReviewDecision(action="approve", note="income confirmed by phone with the employer"))
    assert record.state == AppState.APPROVED and record.decision.decided_by == "r1"
    (url, body), = change.outbox.messages
    assert url == CONTRACT_Q and ContractRequested.model_validate_json(body).approved_by == "r1"


def test_corrections_are_audited_by_field_name_without_their_values():
    repo = InMemoryApplicationRepository()
    app_id = _in_review(repo)

    def add_doc(record):
        from loanpipe.domain.records import DocumentRecord

        record.documents["D1"] = DocumentRecord(document_id="D1", slot=DocType.ID_CARD_FRONT, state=DocState.EXTRACTED,
                                                key="uploads/x/D1/id_card_front.jpg", content_type="image/jpeg",
                                                requested_at=datetime.now(UTC))
        return Change()

    apply_change(repo, app_id, add_doc)
    claim(repo, REVIEWER, app_id)
    record = correct_fields(repo, REVIEWER, app_id, "D1", FieldCorrections(fields={"name": "张伟"}))
    assert record.documents["D1"].corrected_fields == {"name": "张伟"}
    entry = repo.audit_trail(app_id)[-1]
    assert entry.action == "review.fields_corrected" and entry.detail["fields"] == ["name"]
    assert "张伟" not in entry.model_dump_json()
    with pytest.raises(UserInputError):
        correct_fields(repo, REVIEWER, app_id, "D1", FieldCorrections(fields={"salary": "1"}))


def test_a_retake_request_reopens_the_capture_for_the_officer_in_a_new_round():
    repo = InMemoryApplicationRepository()
    app_id = _in_review(repo)

    def add_doc(record):
        from loanpipe.domain.records import DocumentRecord

        record.documents["D1"] = DocumentRecord(document_id="D1", slot=DocType.INCOME_CERTIFICATE,
                                                state=DocState.EXTRACTED, key="k", content_type="image/jpeg",
                                                requested_at=datetime.now(UTC))
        return Change()

    apply_change(repo, app_id, add_doc)
    claim(repo, REVIEWER, app_id)
    record, change = decide(repo, ReviewConfig(VALIDATE_Q, CONTRACT_Q), REVIEWER, app_id,
                            ReviewDecision(action="request_retake", documents=["D1"], reasons=["glare"]))
    assert record.state == AppState.SUBMITTED and record.round == 2
    assert record.documents["D1"].state == DocState.RETAKE_REQUESTED and record.documents["D1"].reasons == ["glare"]
    assert change.outbox.events[0].detail_type == "DocumentRetakeRequested"


# ------------------------------------------------------------------ contract
def test_an_approved_application_gets_a_contract_pdf_with_its_hash_and_waits_for_signature():
    ports = in_memory_ports()
    repo, blobs = ports.repo, ports.blobs
    app_id = _new_application(repo).application_id

    def approve(record):
        record.state = AppState.APPROVED
        return Change()

    apply_change(repo, app_id, approve)
    deps = contract_deps(CONTRACT, ports)
    message = ContractRequested(application_id=app_id, round=1, approved_by="machine")
    assert handle_contract(message, deps) == "rendered"
    record = repo.get(app_id)
    assert record.state == AppState.AWAITING_SIGNATURE
    pdf = blobs.get(CONTRACTS, record.contract.key)
    assert pdf.startswith(b"%PDF") and record.contract.pages >= 2
    import hashlib

    assert hashlib.sha256(pdf).hexdigest() == record.contract.sha256
    assert handle_contract(message, deps) == "duplicate"


def test_a_contract_request_run_again_after_its_attempt_died_sends_the_contract_ready_event_it_may_have_lost():
    # Given an approved application whose contract was rendered and its state written, and then the function died
    # before the bus took its ContractReady (the event is lost: the bus is cleared)
    ports = in_memory_ports()
    app_id = _new_application(ports.repo).application_id

    def approve(record):
        record.state = AppState.APPROVED
        return Change()

    apply_change(ports.repo, app_id, approve)
    deps = contract_deps(CONTRACT, ports)
    message = ContractRequested(application_id=app_id, round=1, approved_by="machine")
    assert handle_contract(message, deps) == "rendered"
    first = [event for event in ports.events.published if event[0] == "ContractReady"]
    ports.events.published.clear()
    # When the request runs again (its message returned after the visibility timeout)
    outcome = handle_contract(message, deps)
    # Then no second contract is rendered, and the same ContractReady is sent
    assert outcome == "duplicate" and ports.repo.get(app_id).state == AppState.AWAITING_SIGNATURE
    assert [event for event in ports.events.published if event[0] == "ContractReady"] == first
