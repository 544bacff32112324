"""The back office's routes (a powertools ``Router`` the app includes): the review queue and its leases, the
item page a reviewer works on (a document with its page image and boxes, the failing checks with their
figures, corrections, decisions) and the audit trail with its proof.

The queue's figures (depth, oldest wait, SLA breaches) are answered with the queue and put out as CloudWatch
metrics (embedded metric format, flushed by the function's ``log_metrics``) each time the queue is read: the
console reads it every few seconds while reviewers work. Nobody reading the queue means no data points, which an
alarm on them treats as "not breaching".

Each route imports the services it calls when it is first called (``web`` says why): a field officer's request
never loads the review queue, the checks view or the audit trail's proof.
"""

from __future__ import annotations

import json

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.metrics import MetricUnit

from loanpipe.domain.errors import NotFound
from loanpipe.domain.lifecycle import DocState
from loanpipe.entry.bootstrap import ApiDeps
from loanpipe.entry.observability import make_metrics, mask_text
from loanpipe.entry.web import (
    DOWNLOAD_URL_SECONDS,
    Deps,
    SignedIn,
    audit_reveal,
    flag,
    limit,
    query,
    read_body,
    reply,
    send,
    viewable,
)
from loanpipe.service.access import Role, require

router = Router()
metrics = make_metrics()


# ------------------------------------------------------------------ the queue and its leases
@router.get("/review")
def queue(caller: SignedIn, deps: Deps) -> Response:
    from loanpipe.domain.records import utcnow
    from loanpipe.service.review_queue import review_queue

    event = router.current_event
    found = review_queue(deps.repo, caller, deps.review.rules, utcnow(), limit=limit(event),
                         cursor=query(event, "cursor"))
    stats = found.stats
    metrics.add_metric(name="ReviewQueueDepth", unit=MetricUnit.Count, value=stats.depth)
    metrics.add_metric(name="ReviewQueueOldestSeconds", unit=MetricUnit.Seconds, value=stats.oldest_seconds)
    metrics.add_metric(name="ReviewSlaBreaches", unit=MetricUnit.Count, value=stats.sla_breaches)
    return reply(200, found.as_dict())


@router.post("/review/<application_id>/claim")
def claim_review(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    from loanpipe.service.review import claim
    from loanpipe.service.views import application_view

    return reply(200, application_view(claim(deps.repo, caller, application_id), caller))


@router.post("/review/<application_id>/release")
def release_review(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    from loanpipe.service.review import release
    from loanpipe.service.views import application_view

    return reply(200, application_view(release(deps.repo, caller, application_id), caller))


@router.post("/review/<application_id>/reassign")
def reassign_review(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    from loanpipe.service.review import Reassignment, reassign
    from loanpipe.service.views import application_view

    request = read_body(router.current_event, Reassignment)
    return reply(200, application_view(reassign(deps.repo, caller, application_id, request), caller))


@router.post("/review/<application_id>/decision")
def decide_review(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    from loanpipe.service.review import ReviewDecision, decide
    from loanpipe.service.views import application_view

    record, change = decide(deps.repo, deps.review, caller, application_id,
                            read_body(router.current_event, ReviewDecision))
    send(deps, change)
    return reply(200, application_view(record, caller))


# ------------------------------------------------------------------ the item page
@router.get("/applications/<application_id>/documents/<document_id>")
def get_document(application_id: str, document_id: str, caller: SignedIn, deps: Deps) -> Response:
    """A document. The back office also gets the upload (``image_url``; never a file refused as input), the first
    page as it was read (``page_image_url``, ``page_size``: the image the boxes are normalised to), the rows and the
    text read, with ID and account numbers masked unless revealed."""
    from loanpipe.service.views import document_view

    record = viewable(deps, caller, application_id)
    doc = record.documents.get(document_id)
    if doc is None:
        raise NotFound("document")
    reveal = flag(router.current_event, "reveal") and caller.back_office
    if reveal:
        audit_reveal(deps, record.application_id, caller.user, "document", doc.document_id)
    view = document_view(doc, reveal=reveal)
    if not caller.back_office:
        return reply(200, view)
    view.update(page_image_url=None, page_size=None)
    if doc.uploaded_at and doc.state != DocState.REJECTED_INPUT:  # a refused file (a script, a bomb) is never served
        view["image_url"] = _presigned(deps, deps.intake.uploads_bucket, doc.key)
    if doc.result_key:
        result = json.loads(deps.blobs.get(deps.results_bucket, doc.result_key))
        view["transactions"] = [{"box": None, **row} for row in result.get("transactions", [])]
        text = result.get("text", "")
        view["text"] = text if reveal else mask_text(text)
        if result.get("page_image"):
            view["page_image_url"] = _presigned(deps, deps.results_bucket, result["page_image"])
            view["page_size"] = result.get("page_size")
    return reply(200, view)


@router.patch("/applications/<application_id>/documents/<document_id>")
def correct_document(application_id: str, document_id: str, caller: SignedIn, deps: Deps) -> Response:
    from loanpipe.service.review import FieldCorrections, correct_fields
    from loanpipe.service.views import application_view

    record = correct_fields(deps.repo, caller, application_id, document_id,
                            read_body(router.current_event, FieldCorrections))
    return reply(200, application_view(record, caller))


@router.get("/applications/<application_id>/checks")
def checks(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    """The failing checks of the last validation, each with the figures behind it (back office)."""
    from loanpipe.service.checks_view import failing_checks, latest_report

    require(caller, Role.REVIEWER, Role.ADMIN)
    record = deps.repo.get(application_id)

    def rows(document_id: str) -> list[dict]:
        doc = record.documents.get(document_id)
        if doc is None or not doc.result_key:
            return []
        return json.loads(deps.blobs.get(deps.results_bucket, doc.result_key)).get("transactions", [])

    latest = latest_report(record, deps.repo.get_report)
    return reply(200, {"application_id": record.application_id,
                       **failing_checks(record, latest, deps.policy, rows)})


# ------------------------------------------------------------------ the audit trail and its proof
@router.get("/applications/<application_id>/audit")
def audit(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    record = viewable(deps, caller, application_id)
    entries = deps.repo.audit_trail(record.application_id)
    return reply(200, {"application_id": record.application_id,
                       "entries": [entry.model_dump(mode="json") for entry in entries]})


@router.get("/applications/<application_id>/audit/verify")
def audit_verify(application_id: str, caller: SignedIn, deps: Deps) -> Response:
    """Whether the trail is whole and ends at the head kept on the application (admins)."""
    from loanpipe.service.audit_trail import verify_trail

    require(caller, Role.ADMIN)
    return reply(200, {"application_id": application_id,
                       **verify_trail(deps.repo, application_id).model_dump(mode="json")})


def _presigned(deps: ApiDeps, bucket: str, key: str) -> str:
    return deps.blobs.presigned_get(bucket, key, DOWNLOAD_URL_SECONDS)
