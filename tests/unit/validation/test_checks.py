"""The check modules behind ``validate``: the report's order, one report per field problem, and the
statement and employer readings the income checks rest on."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from loanpipe.domain.documents import DocType
from loanpipe.policy.model import default_policy
from loanpipe.validation.checks.employer import names_employer
from loanpipe.validation.checks.statements import Row, running_balance_breaks
from loanpipe.validation.validate import validate
from testkit.fakes import in_memory_fraud_ports
from testkit.scenarios import build_scenario

POLICY = default_policy()

REPORT_ORDER = [
    "document_present", "field_confidence",
    "id_check_digit", "id_area_code", "id_birth_date", "id_sex", "id_not_expired", "id_validity_period",
    "applicant_age", "same_name", "same_id_number",
    "statement_balances", "statement_period", "statement_recent",
    "salary_from_employer", "income_matches_salary", "certificate_recent",
    "duplicate_images", "image_software",
    "capture_location", "capture_times", "capture_clock",
    "concurrent_applications", "applicant_phone",
]


def test_a_clean_application_reports_every_check_in_the_documented_order():
    # Given a clean application
    scenario = build_scenario("clean", 0)
    # When it is validated
    report = validate(scenario.case, POLICY, scenario.ports)
    # Then every check passed, listed in the order reviewers read them
    assert list(dict.fromkeys(check.check for check in report.checks)) == REPORT_ORDER
    assert not report.failed


def test_a_field_that_several_checks_read_is_reported_missing_once():
    # Given a bank statement whose period start was not read (the required-field pass and the period
    # check both read it)
    case = build_scenario("clean", 1).case
    documents = []
    for document in case.documents:
        if document.doc_type is DocType.BANK_STATEMENT:
            fields = {k: v for k, v in document.extraction.fields.items() if k != "period_start"}
            document = document.model_copy(update={"extraction": document.extraction.model_copy(
                update={"fields": fields})})
        documents.append(document)
    case = case.model_copy(update={"documents": documents})
    # When it is validated
    report = validate(case, POLICY, in_memory_fraud_ports())
    # Then one field_missing names it
    missing = [check.detail for check in report.check("field_readable") if "period_start" in check.detail]
    assert missing == ["bank statement: period_start is absent"]


def test_a_bank_names_the_employer_cut_short_or_without_its_city():
    employer = "杭州星河软件科技有限公司"
    assert names_employer("代发工资 星河软件科技", employer)  # the city dropped
    assert names_employer("工资 杭州星河软件", employer)  # cut after a few characters
    assert not names_employer("工资 杭州明月软件科技", employer)  # another company of the same city and trade
    assert not names_employer("转账 李四", employer)
    assert not names_employer("代发工资 星河软件科技", None)


def test_one_edited_amount_is_one_break_in_the_running_balance():
    # Given a statement whose second row's amount was edited (its printed balance left as it was)
    rows = [
        Row(date(2026, 1, 1), Decimal("50.00"), Decimal("150.00"), "转账"),
        Row(date(2026, 1, 2), Decimal("2000.00"), Decimal("170.00"), "工资"),
        Row(date(2026, 1, 3), Decimal("-30.00"), Decimal("140.00"), "消费"),
    ]
    # When the running balance is followed
    breaks = [found.detail for found in running_balance_breaks(Decimal("100.00"), Decimal("140.00"), rows, 0.8)]
    # Then that row breaks it (the next rows resynchronise on the printed balance), and so does the total
    assert breaks == [
        "row 2 (2026-01-02): balance 170.00 but previous + amount = 2150.00",
        "opening + transactions = 2120.00 but closing balance 140.00",
    ]
