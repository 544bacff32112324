"""One upload grant, one file: the evidence swap of issue 12 (item 2) and its rules, on in-memory ports.

The attack: a presigned POST stays usable until it expires. Posted again after the application left DRAFT,
it replaced the ID photo of an application in review, with no state change and no audit entry, and the
reviewer's link served the new file. Here the uploads bucket is versioned (the fake keeps every version, as
S3 does), the first version under a grant is the document's evidence, and every later one is refused.
"""

from __future__ import annotations

import pytest

from backbone.chain import EXTRACT, INTAKE, UPLOADS, FakeReader, FakeSigner, in_memory_ports, posted, uploaded
from loanpipe.domain.application import read_declared
from loanpipe.domain.documents import DocType
from loanpipe.domain.lifecycle import AppState, DocState, IllegalTransition, check_doc_transition
from loanpipe.entry.bootstrap import extract_deps
from loanpipe.service.access import Caller, Role
from loanpipe.service.extraction import handle_upload
from loanpipe.service.intake import UploadRequest, create_application, request_upload
from loanpipe.service.transitions import Change, apply_change

OFFICER = Caller("FO-0012", frozenset({Role.FIELD_OFFICER}))
DECLARED = ('{"applicant": {"name": "张伟", "id_number": "110105198803120014", "phone": "13800138000", '
            '"address": "北京市朝阳区"}, "loan": {"amount": "120000.00", "term_months": 36, '
            '"vehicle_price": "180000.00", "vehicle_type": "new"}, "capture": {"officer_id": "FO-0012", '
            '"lat": 39.91, "lon": 116.46, "captured_at": "2026-11-20T10:31:00+08:00"}}')


class ReadsLog(FakeReader):
    """The fake reader, remembering every file it was given."""

    def __init__(self) -> None:
        self.read: list[bytes] = []

    def __call__(self, data, **kwargs):
        self.read.append(data)
        return super().__call__(data, **kwargs)


@pytest.fixture
def world():
    ports = in_memory_ports()
    reader = ReadsLog()
    return ports, extract_deps(EXTRACT, ports, read_document=reader), reader


def _application(repo) -> str:
    return create_application(repo, OFFICER, read_declared(DECLARED)).application_id


def _to_review(repo, app_id: str) -> None:
    def move(record):
        record.state = AppState.IN_REVIEW
        return Change()

    apply_change(repo, app_id, move)


def _refusals(repo, app_id: str) -> list:
    return [e for e in repo.audit_trail(app_id) if e.action == "document.upload_refused"]


def test_a_grant_posted_again_while_the_application_is_in_review_changes_nothing_and_is_audited(world):
    ports, deps, reader = world
    repo, blobs = ports.repo, ports.blobs
    # Given an ID photo read and an application in review
    app_id = _application(repo)
    doc_id, first = uploaded(OFFICER, repo, blobs, app_id, DocType.ID_CARD_FRONT, b"ok genuine card")
    assert handle_upload(first, deps).outcome == "extracted"
    _to_review(repo, app_id)
    before = repo.get(app_id)
    # When the same grant (the same key) is posted again with another picture
    swap = posted(blobs, before.documents[doc_id].key, b"ok forged card")
    outcome = handle_upload(swap, deps)
    # Then the file is refused: nothing read, the document and the application as they were
    after = repo.get(app_id)
    assert outcome.outcome == "refused" and outcome.reasons == ["upload_grant_used"]
    assert reader.read == [b"ok genuine card"]
    doc = after.documents[doc_id]
    assert after.state == AppState.IN_REVIEW and doc.state == DocState.EXTRACTED
    assert doc.fields == before.documents[doc_id].fields and doc.version_id == first.version_id
    # And the evidence is still the first file: the pinned version reads the genuine card
    assert blobs.get(UPLOADS, doc.key, version_id=doc.version_id) == b"ok genuine card"
    # And the refusal is on the document and in the audit trail, naming the refused version
    assert [(r.reason, r.version_id, r.size) for r in doc.refused_uploads] == [
        ("upload_grant_used", swap.version_id, len(b"ok forged card"))]
    [audited] = _refusals(repo, app_id)
    assert audited.document_id == doc_id and audited.detail["reason"] == "upload_grant_used"
    assert audited.detail["version_id"] == swap.version_id
    assert audited.detail["evidence_version_id"] == first.version_id


def test_a_grant_posted_again_during_the_capture_is_refused_too_a_retake_is_a_new_document(world):
    ports, deps, reader = world
    repo, blobs = ports.repo, ports.blobs
    app_id = _application(repo)
    doc_id, first = uploaded(OFFICER, repo, blobs, app_id, DocType.ID_CARD_FRONT, b"blurred photo")
    assert handle_upload(first, deps).outcome == "retake_requested"
    # When the officer posts the better photo under the old grant
    again = posted(blobs, first.key, b"ok sharp photo")
    # Then it is refused: the old document keeps its reading
    assert handle_upload(again, deps).reasons == ["upload_grant_used"]
    assert repo.get(app_id).documents[doc_id].state == DocState.RETAKE_REQUESTED
    # And a retake through a new grant is a new document that supersedes the old one
    retake_id, retake = uploaded(OFFICER, repo, blobs, app_id, DocType.ID_CARD_FRONT, b"ok sharp photo",
                                 replaces=doc_id)
    assert handle_upload(retake, deps).outcome == "extracted"
    docs = repo.get(app_id).documents
    assert docs[doc_id].state == DocState.SUPERSEDED and docs[retake_id].state == DocState.EXTRACTED


def test_when_notifications_arrive_out_of_order_the_first_file_under_the_grant_is_the_evidence(world):
    ports, deps, reader = world
    repo, blobs = ports.repo, ports.blobs
    app_id = _application(repo)
    grant = request_upload(repo, FakeSigner(), INTAKE, OFFICER, app_id,
                           UploadRequest(slot=DocType.ID_CARD_FRONT, content_type="image/jpeg"))
    # Given two files posted under one grant, whose notifications arrive second first
    first = posted(blobs, grant["key"], b"ok first file")
    second = posted(blobs, grant["key"], b"ok second file")
    # When the second's notification is handled
    outcome = handle_upload(second, deps)
    # Then the second file is refused and the first is taken and read at once (its own notification may be late)
    doc = repo.get(app_id).documents[grant["document_id"]]
    assert outcome.outcome == "extracted" and reader.read == [b"ok first file"]
    assert doc.state == DocState.EXTRACTED and doc.version_id == first.version_id
    assert [(r.reason, r.version_id) for r in doc.refused_uploads] == [("upload_grant_used", second.version_id)]
    # And the first's notification, when it comes, is a duplicate: nothing is read twice
    assert handle_upload(first, deps).outcome == "duplicate" and reader.read == [b"ok first file"]
    assert len(_refusals(repo, app_id)) == 1


def test_a_refused_upload_delivered_twice_is_recorded_once(world):
    ports, deps, _ = world
    repo, blobs = ports.repo, ports.blobs
    app_id = _application(repo)
    _, first = uploaded(OFFICER, repo, blobs, app_id, DocType.ID_CARD_FRONT)
    handle_upload(first, deps)
    swap = posted(blobs, first.key, b"ok other")
    assert [handle_upload(swap, deps).outcome for _ in range(2)] == ["refused", "duplicate"]
    assert len(_refusals(repo, app_id)) == 1


def test_the_first_file_under_a_grant_after_the_capture_closed_is_refused_and_never_read(world):
    ports, deps, reader = world
    repo, blobs = ports.repo, ports.blobs
    app_id = _application(repo)
    grant = request_upload(repo, FakeSigner(), INTAKE, OFFICER, app_id,
                           UploadRequest(slot=DocType.ID_CARD_FRONT, content_type="image/jpeg"))
    _to_review(repo, app_id)
    outcome = handle_upload(posted(blobs, grant["key"], b"ok late"), deps)
    assert outcome.outcome == "rejected_input" and outcome.reasons == ["slot_closed"]
    assert reader.read == []
    doc = repo.get(app_id).documents[grant["document_id"]]
    assert doc.state == DocState.REJECTED_INPUT and [r.reason for r in doc.refused_uploads] == ["slot_closed"]
    assert [e.detail["reason"] for e in _refusals(repo, app_id)] == ["slot_closed"]


def test_an_event_for_a_key_with_no_version_left_changes_nothing(world):
    ports, deps, _ = world
    repo, blobs = ports.repo, ports.blobs
    app_id = _application(repo)
    doc_id, event = uploaded(OFFICER, repo, blobs, app_id, DocType.ID_CARD_FRONT)
    ports.blobs.__init__()  # the bucket emptied (an erase) before the notification was handled
    assert handle_upload(event, deps).reasons == ["object_gone"]
    assert repo.get(app_id).documents[doc_id].state == DocState.PENDING_UPLOAD


def test_a_settled_document_never_goes_back_to_being_read():
    for settled in (DocState.EXTRACTED, DocState.RETAKE_REQUESTED, DocState.REJECTED_INPUT):
        with pytest.raises(IllegalTransition):
            check_doc_transition(settled, DocState.EXTRACTING)
