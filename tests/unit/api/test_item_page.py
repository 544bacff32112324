"""The item page's server side: a document with the page image its boxes are drawn on, the failing checks with
the figures behind them, and the audit trail that proves itself."""

from __future__ import annotations

from api.desk import OFFICER, RESULTS, add_document, in_review, staff
from loanpipe.domain.documents import DocType, FieldValue
from loanpipe.domain.records import utcnow


def _report(app_id: str, checks: list[dict], **figures) -> dict:
    return {"schema_version": 1, "application_id": app_id, "policy_version": "2026-11-29.2",
            "as_of": "2026-11-20T02:31:00+00:00", "replay": True, "checks": checks,
            "figures": {"salary_months": 0, **figures}, "cross_flags": []}


def _failed(check: str, reason: str, detail: str, document_id: str | None = None) -> dict:
    return {"check": check, "status": "failed", "reason": reason, "detail": detail, "document_id": document_id}


def test_a_reviewer_sees_the_page_image_the_boxes_are_drawn_on_and_each_row_with_its_box(call, fakes):
    # Given a statement read from a photo: a field and a row with boxes, and the page image kept beside it
    app_id = in_review(fakes.repo)
    result = {"transactions": [{"date": "2026-10-05", "description": "代发工资", "amount": "8200.00",
                                "balance": "10200.00", "confidence": 0.97, "box": [0.08, 0.41, 0.93, 0.44]},
                               {"date": "2026-10-06", "description": "消费", "amount": "-35.50",
                                "balance": "10164.50", "confidence": 0.9}],
              "text": "中国建设银行 个人活期账户交易明细", "page_image": "extractions/x/page-1.jpg",
              "page_size": [1654, 2339]}
    doc = add_document(fakes, app_id, DocType.BANK_STATEMENT,
                       {"account_holder": FieldValue(value="张伟", confidence=0.93, box=(0.1, 0.1, 0.3, 0.12))},
                       result)
    # When a reviewer opens the document
    status, view = staff(call, "r1", "reviewer").get(f"/applications/{app_id}/documents/{doc}")
    # Then the page as read (the boxes' frame) is beside the upload itself
    assert status == 200
    assert view["page_image_url"] == f"memory://{RESULTS}/extractions/x/page-1.jpg?expires_in=300"
    assert view["image_url"].startswith("memory://uploads-bucket/uploads/")
    assert view["image_url"].endswith("&versionId=v1")  # the version that was read, not whatever came later
    assert view["page_size"] == [1654, 2339]
    assert view["fields"]["account_holder"]["box"] == [0.1, 0.1, 0.3, 0.12]
    assert [row["box"] for row in view["transactions"]] == [[0.08, 0.41, 0.93, 0.44], None]
    # And the officer sees the fields without the back office's extras
    status, own = staff(call, OFFICER, "field_officer").get(f"/applications/{app_id}/documents/{doc}")
    assert status == 200 and not {"image_url", "page_image_url", "page_size", "transactions", "text"} & set(own)


def test_the_text_read_is_masked_unless_the_reviewer_reveals_it(call, fakes):
    app_id = in_review(fakes.repo)
    text = "公民身份号码 110105198803120014 账号 6222021234567890123"
    doc = add_document(fakes, app_id, DocType.ID_CARD_FRONT, {}, {"transactions": [], "text": text})
    reviewer = staff(call, "r1", "reviewer")
    _, view = reviewer.get(f"/applications/{app_id}/documents/{doc}")
    assert view["text"] == "公民身份号码 1101**********0014 账号 6222***********0123"
    _, revealed = reviewer.get(f"/applications/{app_id}/documents/{doc}", reveal="1")
    assert revealed["text"] == text
    assert fakes.repo.audit_trail(app_id)[-1].action == "personal_data.revealed"


def test_the_failing_checks_come_with_the_figures_behind_them(call, fakes):
    # Given an application whose last validation found an income far from the salary credits, a statement row
    # that does not add up and a picture seen in another application
    app_id = in_review(fakes.repo, reasons=("income_mismatch", "statement_balance_inconsistent", "duplicate_image"))
    rows = [{"date": "2026-10-05", "description": "代发工资", "amount": "8200.00", "balance": "10200.00",
             "box": [0.1, 0.4, 0.9, 0.42]},
            {"date": "2026-10-06", "description": "消费", "amount": "-35.50", "balance": "10264.50",
             "box": [0.1, 0.43, 0.9, 0.45]}]
    statement = add_document(fakes, app_id, DocType.BANK_STATEMENT,
                             {"opening_balance": FieldValue(value="2000.00", confidence=0.95),
                              "closing_balance": FieldValue(value="10264.50", confidence=0.95)},
                             {"transactions": rows})
    other = "LA01OTHERAPPLICATION000001"
    report = _report(app_id, [
        {"check": "same_name", "status": "passed", "reason": None, "detail": "", "document_id": None},
        _failed("income_matches_salary", "income_mismatch", "certificate 25000.00 vs median 8200.00"),
        _failed("statement_balances", "statement_balance_inconsistent", "row 2 ...", statement),
        _failed("duplicate_images", "duplicate_image", f"ID card: same picture as {other} (officer FO-0099)"),
    ], certified_monthly_income="25000.00", median_salary_credit="8200.00", salary_months=6)
    fakes.repo.put_report(app_id, 1, "validation", report)
    # When a reviewer asks for the checks
    status, body = staff(call, "r1", "reviewer").get(f"/applications/{app_id}/checks")
    # Then only the failed ones, each with its texts and figures
    assert status == 200 and body["round"] == 1
    checks = {check["code"]: check for check in body["checks"]}
    assert list(checks) == ["income_mismatch", "statement_balance_inconsistent", "duplicate_image"]
    income = checks["income_mismatch"]
    assert (income["zh"], income["severity"]) == ("收入证明与银行流水工资不符", "medium")
    assert income["figures"]["certified monthly income"] == "25000.00"
    assert income["figures"]["median salary credit"] == "8200.00"
    balance = checks["statement_balance_inconsistent"]
    assert balance["document_id"] == statement and balance["box"] == [0.1, 0.43, 0.9, 0.45]
    assert {key: balance["figures"][key] for key in ("row", "previous balance", "amount", "expected balance",
                                                     "printed balance")} == \
        {"row": 2, "previous balance": "10200.00", "amount": "-35.50", "expected balance": "10164.50",
         "printed balance": "10264.50"}
    fraud = checks["duplicate_image"]
    assert (fraud["related_application"], fraud["severity"]) == (other, "high")


def test_checks_before_any_validation_are_an_empty_list_and_officers_may_not_read_them(call, fakes):
    app_id = in_review(fakes.repo)
    assert staff(call, "r1", "reviewer").get(f"/applications/{app_id}/checks") == \
        (200, {"application_id": app_id, "round": None, "as_of": None, "checks": []})
    status, body = staff(call, OFFICER, "field_officer").get(f"/applications/{app_id}/checks")
    assert (status, body["error"]) == (403, "forbidden")


def test_every_audit_entry_carries_its_place_in_the_chain(call, fakes):
    app_id = in_review(fakes.repo)
    reviewer = staff(call, "r1", "reviewer")
    reviewer.post(f"/review/{app_id}/claim")
    _, trail = reviewer.get(f"/applications/{app_id}/audit")
    entries = trail["entries"]
    assert [entry["seq"] for entry in entries] == list(range(1, len(entries) + 1))
    assert all(later["prev_hash"] == earlier["hash"] for earlier, later in zip(entries, entries[1:], strict=False))
    assert fakes.repo.get(app_id).audit_head.hash == entries[-1]["hash"]


def test_an_admin_verifies_the_trail_and_is_told_which_entry_was_edited(call, fakes):
    # Given an application with a few audited actions
    app_id = in_review(fakes.repo)
    reviewer, admin = staff(call, "r1", "reviewer"), staff(call, "admin-1", "admin")
    reviewer.post(f"/review/{app_id}/claim")
    reviewer.post(f"/review/{app_id}/release")
    status, verdict = admin.get(f"/applications/{app_id}/audit/verify")
    assert status == 200 and verdict["ok"] is True and verdict["entries"] == 4 and verdict["problems"] == []
    # When someone edits the claim's entry in the table (who claimed it)
    stored = fakes.repo.stored_audit(app_id)
    stored[2] = stored[2].model_copy(update={"actor": "r9", "at": utcnow()})
    # Then the verification names it
    status, verdict = admin.get(f"/applications/{app_id}/audit/verify")
    assert status == 200 and verdict["ok"] is False
    assert [(p["seq"], p["what"]) for p in verdict["problems"]] == [(3, "edited")]
    # And only admins may ask
    status, body = reviewer.get(f"/applications/{app_id}/audit/verify")
    assert (status, body["error"]) == (403, "forbidden")
