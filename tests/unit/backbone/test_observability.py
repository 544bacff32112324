"""The logger masks personal data whatever a call site hands it."""

from __future__ import annotations

import json
import logging

from loanpipe.entry.observability import MaskingFormatter, mask_text
from loanpipe.service.access import Role, parse_groups


def _line(**fields) -> dict:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, fields.pop("msg"), None, None)
    for key, value in fields.items():
        setattr(record, key, value)
    return json.loads(MaskingFormatter().format(record))


def test_id_numbers_accounts_and_phones_inside_free_text_are_masked():
    text = mask_text("id 110105198803120014 card 6222021234567890123 tel 13800138000")
    assert "110105198803120014" not in text and "1101**********0014" in text
    assert "6222021234567890123" not in text and "6222***********0123" in text
    assert "13800138000" not in text and "138****8000" in text


def test_personal_keys_are_masked_or_redacted_in_structured_logs():
    line = _line(msg="checked", applicant_name="张伟", monthly_income="12500.00", id_number="110105198803120014",
                 account_number="6222021234567890123", application_id="LA01X", reasons=["name_mismatch"])
    assert line["applicant_name"] == "张*" and line["monthly_income"] == "***"
    assert line["id_number"] == "1101**********0014" and line["account_number"] == "6222***********0123"
    assert line["application_id"] == "LA01X" and line["reasons"] == ["name_mismatch"]


def test_exceptions_are_masked_too():
    try:
        raise ValueError("no such applicant 110105198803120014")
    except ValueError as exc:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed", None, (ValueError, exc, None))
    out = MaskingFormatter().format(record)
    assert "110105198803120014" not in out and "1101**********0014" in out


def test_roles_are_read_from_the_http_api_claim_format_and_from_lists():
    assert parse_groups("[reviewer admin]") == {Role.REVIEWER, Role.ADMIN}
    assert parse_groups(["field_officer"]) == {Role.FIELD_OFFICER}
    assert parse_groups("[superuser]") == frozenset() and parse_groups(None) == frozenset()
