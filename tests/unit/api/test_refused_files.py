"""A file refused as input (an active PDF, a bomb) is never handed to the staff: the reason is, the file is not."""

from __future__ import annotations

from api.desk import add_document, in_review, staff
from loanpipe.domain.documents import DocType
from loanpipe.domain.lifecycle import DocState


def test_a_statement_refused_for_active_content_is_shown_with_its_reason_but_never_served(call, fakes):
    # Given an application in review whose statement upload was refused as an active PDF
    app_id = in_review(fakes.repo)
    doc_id = add_document(fakes, app_id, DocType.BANK_STATEMENT, {})
    record = fakes.repo.get(app_id)
    record.documents[doc_id].state = DocState.REJECTED_INPUT
    record.documents[doc_id].reasons = ["pdf_active_content"]
    record.version += 1
    fakes.repo.save(record, record.version - 1, [])
    # When a reviewer opens it
    status, view = staff(call, "r1", "reviewer").get(f"/applications/{app_id}/documents/{doc_id}")
    # Then the reviewer reads why it was refused, and gets no link to the file itself
    assert status == 200 and view["state"] == "REJECTED_INPUT"
    assert [reason["code"] for reason in view["reasons"]] == ["pdf_active_content"]
    assert "image_url" not in view
