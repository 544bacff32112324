"""``validate(case, policy, ports)``: every per-document and cross-document check and fraud signal.

Pure domain logic: the only side effect is recording the case's image hashes in the image index port.
Nothing raises on bad data: a document or field that is absent, unreadable or absurd becomes a failed
check with its reason code (``document_missing``, ``document_unreadable``, ``field_missing``,
``amount_invalid``...), and a check that cannot run for lack of that data is reported ``not_run``.
Time-dependent checks use ``case.clock`` (the capture time), never today.
Details are for people: they never hold a full ID number or account number.

The checks live in ``validation.checks``, one module per concern; this module runs them in report order.
The order is part of the contract: a field problem is reported by the first check that reads the field.
A document awaiting a retake is read once more at the end, for the defects it already shows
(``checks.provisional``): they are added to the report, never to its figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from loanpipe.domain.case import ApplicationCase, CaseDocument
from loanpipe.domain.documents import DocType
from loanpipe.policy.model import Policy
from loanpipe.validation.checks.capture import check_capture
from loanpipe.validation.checks.dates import check_certificate_dates
from loanpipe.validation.checks.documents import check_confidence, check_documents_present, read_required_fields
from loanpipe.validation.checks.fields import confidence_of, first, value_of
from loanpipe.validation.checks.fraud import check_applicant_phone, check_concurrent_applications, check_images
from loanpipe.validation.checks.identity import Ages, IdCard, check_age, check_id_card, check_same_person
from loanpipe.validation.checks.income import IncomeFacts, check_income
from loanpipe.validation.checks.log import CheckLog
from loanpipe.validation.checks.provisional import add_provisional_evidence, awaiting_retake
from loanpipe.validation.checks.statements import StatementFacts, check_statements
from loanpipe.validation.ports import FraudPorts
from loanpipe.validation.report import Figures, ValidationReport


def validate(case: ApplicationCase, policy: Policy, ports: FraudPorts) -> ValidationReport:
    """Run every check of the policy on one application; the report lists each check's outcome."""
    log = CheckLog()
    chosen = check_documents_present(log, case, policy)
    documents = [document for of_type in chosen.values() for document in of_type]
    read_required_fields(log, documents)
    employer = value_of(first(chosen.get(DocType.INCOME_CERTIFICATE)), "employer")
    check_confidence(log, documents, policy, case.declared.applicant, employer)
    content = _content_checks(log, case, chosen, policy)
    cross_flags = check_images(log, case, policy.fraud, ports.image_index)
    spread = check_capture(log, case, policy.capture)
    check_concurrent_applications(log, case, content.card.number, ports.open_applications)
    check_applicant_phone(log, case, ports.officer_directory)
    awaiting = awaiting_retake(case, chosen, policy.documents.confidence_threshold)
    if awaiting:
        scratch = CheckLog()
        _content_checks(scratch, case, {**chosen, **awaiting}, policy)
        add_provisional_evidence(log, scratch.results, policy)

    ages, income, statement = content.ages, content.income, content.statement
    figures = Figures(
        certified_monthly_income=income.certified_monthly_income,
        median_salary_credit=income.median_salary_credit,
        salary_months=income.salary_months,
        verified_monthly_income=income.verified_monthly_income,
        statement_days=statement.days,
        statement_end_age_days=statement.end_age_days,
        latest_closing_balance=statement.latest_closing_balance,
        birth_date=content.card.birth_date,
        age_at_application=ages.at_application if ages else None,
        age_at_maturity=ages.at_maturity if ages else None,
        employment_months=content.employment_months,
        capture_spread_meters=spread,
    )
    return ValidationReport(
        application_id=case.application_id,
        policy_version=policy.version,
        as_of=case.clock,
        replay=case.replay,
        checks=log.results,
        figures=figures,
        cross_flags=sorted(cross_flags),
    )


@dataclass(frozen=True)
class _Content:
    card: IdCard
    ages: Ages | None
    statement: StatementFacts
    income: IncomeFacts
    employment_months: int | None


def _content_checks(log: CheckLog, case: ApplicationCase, chosen: dict[DocType, list[CaseDocument]],
                    policy: Policy) -> _Content:
    """The checks of what the documents say: the card, the age, one person throughout, the statements, the
    income, the certificate's dates. Run on the documents read surely, and once more with those awaiting a
    retake (``provisional``), whose figures are then dropped."""
    as_of = case.as_of
    front = first(chosen.get(DocType.ID_CARD_FRONT))
    back = first(chosen.get(DocType.ID_CARD_BACK))
    certificate = first(chosen.get(DocType.INCOME_CERTIFICATE))
    statements = chosen.get(DocType.BANK_STATEMENT, [])
    employer = value_of(certificate, "employer")
    employer_sure = confidence_of(certificate, "employer") >= policy.documents.confidence_threshold
    card = check_id_card(log, front, back, as_of, policy)
    ages = check_age(log, card.birth_date, as_of, case.declared.loan.term_months, policy)
    check_same_person(log, case.declared.applicant, front, certificate, statements, card.number,
                      threshold=policy.documents.confidence_threshold)
    statement = check_statements(log, statements, policy, as_of, employer, employer_sure=employer_sure)
    income = check_income(log, certificate, statements, statement.credits, policy.income)
    employment_months = check_certificate_dates(log, certificate, as_of, policy.certificate)
    return _Content(card, ages, statement, income, employment_months)
