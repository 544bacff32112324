"""Clean applications are within the credit policy, with margin."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .sample_checks import SALARY_TEXTS, Folder, birth_of, equal_installment, full_years, months_later


def _clean(defect_batch, clean_batch):
    return [Folder.read(app.folder) for app in [*defect_batch, *clean_batch] if not app.defects]


def test_there_are_clean_applications_of_every_tier(defect_batch, clean_batch):
    tiers = {folder.truth["facts"]["tier"] for folder in _clean(defect_batch, clean_batch)}
    assert tiers == {"clean", "phone", "hard"}


def test_a_clean_loan_is_affordable_and_within_the_loan_to_value_limit(defect_batch, clean_batch):
    for folder in _clean(defect_batch, clean_batch):
        # Given a clean application's loan and certified income
        loan = folder.declared["loan"]
        amount, price = Decimal(loan["amount"]), Decimal(loan["vehicle_price"])
        income = Decimal(folder.field("income_certificate", "monthly_income"))
        # When the 等额本息 payment at 6 % and the loan-to-value are computed
        payment = equal_installment(amount, loan["term_months"])
        # Then the payment is at most 30 % of the income and the LTV within 80 % (new) / 70 % (used)
        assert payment <= Decimal("0.30") * income, folder.path.name
        assert amount / price <= (Decimal("0.80") if loan["vehicle_type"] == "new" else Decimal("0.70"))
        assert loan["term_months"] in (12, 24, 36, 48, 60)


def test_a_clean_applicant_is_21_to_55_and_at_most_65_when_the_loan_ends(defect_batch, clean_batch):
    for folder in _clean(defect_batch, clean_batch):
        born = birth_of(folder.declared["applicant"]["id_number"])
        assert 21 <= full_years(born, folder.captured) <= 55
        assert full_years(born, months_later(folder.captured, folder.declared["loan"]["term_months"])) <= 65


def test_clean_documents_are_recent_and_the_card_is_valid(defect_batch, clean_batch):
    for folder in _clean(defect_batch, clean_batch):
        on = folder.captured
        start = date.fromisoformat(folder.field("bank_statement", "period_start"))
        end = date.fromisoformat(folder.field("bank_statement", "period_end"))
        issued = date.fromisoformat(folder.field("income_certificate", "issue_date"))
        until = folder.field("id_card_back", "valid_until")
        # the statement covers at least 180 days and ends 1-20 days before the visit
        assert (end - start).days + 1 >= 180
        assert 1 <= (on - end).days <= 20
        # the certificate was issued 5-50 days before the visit; the card is valid that day
        assert 5 <= (on - issued).days <= 50
        assert until == "长期" or date.fromisoformat(until) > on


def test_salary_credits_are_10_to_25_percent_below_the_certified_gross_income(defect_batch, clean_batch):
    for folder in _clean(defect_batch, clean_batch):
        income = Decimal(folder.field("income_certificate", "monthly_income"))
        employer = folder.field("income_certificate", "employer")
        credits = [row for row in folder.statement_rows() if row["description"] in SALARY_TEXTS]
        # one salary a month, from the certified employer, net of tax and social insurance
        assert len(credits) >= 5
        for row in credits:
            assert row["counterparty"] == employer
            assert Decimal("0.75") * income <= Decimal(row["amount"]) <= Decimal("0.90") * income
