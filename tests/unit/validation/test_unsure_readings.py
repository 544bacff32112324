"""What an unsure reading may and may not say: a misread character is not another employer, a row read
too unsurely to name its payer is not evidence of another payer, and the amount a certificate claims is
judged whoever pays the salary."""

from __future__ import annotations

from decimal import Decimal

from loanpipe.decision.decide import decide
from loanpipe.decision.models import Decision, Outcome
from loanpipe.domain.case import ApplicationCase
from loanpipe.domain.documents import DocType, FieldValue, Transaction
from loanpipe.policy.model import default_policy
from loanpipe.validation.checks.employer import names_employer, names_whole_employer
from loanpipe.validation.report import CheckStatus, ValidationReport
from loanpipe.validation.validate import validate
from testkit.scenarios import build_scenario

POLICY = default_policy()


def judge(scenario, case: ApplicationCase) -> tuple[ValidationReport, Decision]:
    report = validate(case, POLICY, scenario.ports)
    return report, decide(case, report, POLICY)


def statuses(report: ValidationReport, check: str) -> set[CheckStatus]:
    return {result.status for result in report.check(check)}


def document(case: ApplicationCase, doc_type: DocType):
    return next(d for d in case.documents if d.doc_type == doc_type)


def with_field(case: ApplicationCase, doc_type: DocType, name: str, value: str, confidence: float) -> ApplicationCase:
    extraction = document(case, doc_type).extraction
    fields = {**extraction.fields, name: FieldValue(value=value, confidence=confidence)}
    return with_extraction(case, doc_type, extraction.model_copy(update={"fields": fields}))


def with_rows(case: ApplicationCase, change) -> ApplicationCase:
    """The case with each statement row passed through ``change(row) -> row``."""
    extraction = document(case, DocType.BANK_STATEMENT).extraction
    rows = [change(row) for row in extraction.transactions]
    return with_extraction(case, DocType.BANK_STATEMENT, extraction.model_copy(update={"transactions": rows}))


def with_extraction(case: ApplicationCase, doc_type: DocType, extraction) -> ApplicationCase:
    documents = [d.model_copy(update={"extraction": extraction}) if d.doc_type == doc_type else d
                 for d in case.documents]
    return case.model_copy(update={"documents": documents})


def payer_read_as(employer: str, read: str, confidence: float):
    """A row change: a row naming ``employer`` read as naming ``read`` instead, at ``confidence``."""
    def change(row: Transaction) -> Transaction:
        if employer not in row.description:
            return row
        return row.model_copy(update={"description": row.description.replace(employer, read),
                                      "confidence": confidence})
    return change


def misread(name: str, at: int = 3) -> str:
    """The name with one character read as another (the fourth: the brand, after a city of 2-3 characters)."""
    return name[:at] + ("甲" if name[at] != "甲" else "乙") + name[at + 1:]


def test_one_character_in_six_may_be_misread_only_where_a_reading_is_unsure():
    employer = "北京市万和环保科技有限责任公司"
    # A bank row names the employer with one character read as another (万 as 方)
    row = "工资 北京市方和环保科技有限责任公司"
    assert names_employer(row, employer, read_unsurely=True)
    assert names_whole_employer(row, employer, read_unsurely=True)
    # Two sure readings are compared exactly: one character apart is another company
    assert not names_employer(row, employer)
    assert not names_whole_employer(row, employer)
    # Even read unsurely, another company of the same city and trade (two characters apart) is another one
    assert not names_employer("工资 北京市天星环保科技有限责任公司", employer, read_unsurely=True)
    # A name cut short is no misreading: it does not print the whole name
    assert not names_whole_employer("工资 北京市万和环保科技有限责任公", employer, read_unsurely=True)
    # Full-width brackets and spaces are the same text
    assert names_whole_employer("代发 华润（深圳） 有限公司", "华润(深圳)有限公司")


def test_an_employer_misread_on_the_certificate_still_pays_the_salary_when_the_reading_is_unsure():
    scenario = build_scenario("clean", 13)
    employer = scenario.draft.persona.employer
    # Given the certificate's employer read unsurely with one character read as another
    case = with_field(scenario.case, DocType.INCOME_CERTIFICATE, "employer", misread(employer), 0.7)
    # When it is judged
    report, decision = judge(scenario, case)
    # Then the salary credits naming the employer are the certified employer's: approved
    assert statuses(report, "salary_from_employer") == {CheckStatus.PASSED}
    assert decision.decision is Outcome.APPROVE, decision.reason_codes
    # But given the same name read surely, it is another company's name: employer_mismatch
    sure = with_field(scenario.case, DocType.INCOME_CERTIFICATE, "employer", misread(employer), 0.95)
    _, decision = judge(scenario, sure)
    assert decision.decision is Outcome.REVIEW and "employer_mismatch" in decision.reason_codes


def test_a_salary_credit_read_unsurely_with_one_misread_character_in_the_employer_holds_nothing_up():
    scenario = build_scenario("clean", 13)
    employer = scenario.draft.persona.employer

    # Given every salary credit read unsurely, the employer's name in it with one character read as another
    case = with_rows(scenario.case, payer_read_as(employer, misread(employer), 0.6))
    # When it is judged
    report, decision = judge(scenario, case)
    # Then the rows print the certificate's employer in full (two documents agree): approved
    assert statuses(report, "field_confidence") == {CheckStatus.PASSED}
    assert decision.decision is Outcome.APPROVE, decision.reason_codes


def test_salary_credits_read_too_unsurely_to_name_a_payer_are_a_reading_gap_not_another_employer():
    scenario = build_scenario("clean", 13)
    employer = scenario.draft.persona.employer

    # Given salary credits whose payer was read as garble, unsurely
    case = with_rows(scenario.case, payer_read_as(employer, "华设市商和安制遗公司", 0.5))
    # When it is judged
    report, decision = judge(scenario, case)
    # Then a reviewer reads them (low confidence), and no one is accused of paying another salary
    assert decision.decision is Outcome.REVIEW
    assert "low_confidence" in decision.reason_codes and "employer_mismatch" not in decision.reason_codes
    assert statuses(report, "salary_from_employer") == {CheckStatus.NOT_RUN}
    # But the same words read surely name someone else: employer_mismatch
    sure = with_rows(case, lambda row: row.model_copy(update={"confidence": 0.95}))
    _, decision = judge(scenario, sure)
    assert "employer_mismatch" in decision.reason_codes


def test_salary_credits_that_name_no_payer_are_not_another_employer():
    scenario = build_scenario("clean", 13)
    employer = scenario.draft.persona.employer

    # Given salary credits read surely as their salary word alone (a statement printing no counterparty, or
    # a photo whose counterparty column was lost)
    case = with_rows(scenario.case, payer_read_as(f" {employer}", "", 0.98))
    assert all(employer not in row.description for row in document(case, DocType.BANK_STATEMENT).extraction
               .transactions)
    # When it is judged
    report, decision = judge(scenario, case)
    # Then who paid is not known, which is not another employer: the check could not run, for a reader
    assert statuses(report, "salary_from_employer") == {CheckStatus.NOT_RUN}
    assert "employer_mismatch" not in decision.reason_codes and decision.decision is Outcome.REVIEW


def test_a_certified_income_far_from_the_salary_is_named_even_when_another_company_pays_it():
    scenario = build_scenario("employer_mismatch", 13)
    income = Decimal(document(scenario.case, DocType.INCOME_CERTIFICATE).extraction.fields["monthly_income"].value)
    # Given salary credits from another company and a certificate claiming twice the salary
    case = with_field(scenario.case, DocType.INCOME_CERTIFICATE, "monthly_income", f"{income * 2:.2f}", 0.97)
    # When it is judged
    _, decision = judge(scenario, case)
    # Then both are named: who pays (employer_mismatch) and how much is claimed (income_mismatch)
    assert decision.decision is not Outcome.APPROVE
    assert {"employer_mismatch", "income_mismatch"} <= set(decision.reason_codes)
    # And with the income as certified, only who pays is named
    _, decision = judge(scenario, scenario.case)
    assert "employer_mismatch" in decision.reason_codes and "income_mismatch" not in decision.reason_codes
