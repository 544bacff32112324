"""The scenario table: generated applications, each with one planted defect or none, and what must happen.

The table is written here, apart from the builder's own description of its defects, so a change on
either side shows. Every row runs for three personas (seeds).
"""

from __future__ import annotations

import pytest

from loanpipe.decision.decide import decide
from loanpipe.decision.models import Outcome
from loanpipe.policy.model import default_policy
from loanpipe.validation.validate import validate
from testkit.scenarios import DEFECTS, build_scenario

A, R, D = Outcome.APPROVE, Outcome.REVIEW, Outcome.DECLINE

# defect planted -> (expected decision, reason code that must be named)
TABLE = {
    "clean": (A, None),
    "replay_past_capture": (A, None),
    "id_checksum_invalid": (R, "id_checksum_invalid"),
    "id_area_unknown": (R, "id_area_unknown"),
    "id_legacy_number": (R, "id_legacy_number"),
    "id_expired": (D, "id_expired"),
    "id_validity_inconsistent": (R, "id_validity_inconsistent"),
    "birth_date_mismatch": (R, "birth_date_mismatch"),
    "sex_mismatch": (R, "sex_mismatch"),
    "name_mismatch_certificate": (R, "name_mismatch"),
    "name_mismatch_statement": (R, "name_mismatch"),
    "id_number_mismatch_certificate": (R, "id_number_mismatch"),
    "id_number_mismatch_declared": (R, "id_number_mismatch"),
    "income_mismatch": (R, "income_mismatch"),
    "income_unverified": (R, "income_unverified"),
    "employer_mismatch": (R, "employer_mismatch"),
    "statement_balance_inconsistent_row": (R, "statement_balance_inconsistent"),
    "statement_balance_inconsistent_closing": (R, "statement_balance_inconsistent"),
    "statement_stale": (R, "statement_stale"),
    "statement_period_short": (R, "statement_period_short"),
    "certificate_stale": (R, "certificate_stale"),
    "document_dated_after_capture": (R, "document_dated_after_capture"),
    "duplicate_image": (R, "duplicate_image"),
    "image_edited": (R, "image_edited"),
    "capture_location_spread": (R, "capture_location_spread"),
    "capture_time_outside_visit": (R, "capture_time_outside_visit"),
    "capture_clock_skew": (R, "capture_clock_skew"),
    "concurrent_application": (R, "concurrent_application"),
    "phone_matches_officer": (R, "phone_matches_officer"),
    "age_out_of_range_young": (D, "age_out_of_range"),
    "age_out_of_range_at_maturity": (D, "age_out_of_range"),
    "ltv_exceeded": (D, "ltv_exceeded"),
    "dti_exceeded": (D, "dti_exceeded"),
    "low_confidence_field": (R, "low_confidence"),
    "low_confidence_rows": (R, "low_confidence"),
    "document_missing": (R, "document_missing"),
    "document_unreadable": (R, "document_unreadable"),
    "field_missing_absent": (R, "field_missing"),
    "field_missing_unparseable": (R, "field_missing"),
    "amount_invalid_loan": (D, "amount_invalid"),
    "amount_invalid_income": (D, "amount_invalid"),
    "amount_invalid_statement": (D, "amount_invalid"),
    "term_out_of_range": (D, "term_out_of_range"),
    "score_below_cutoff": (R, "score_below_cutoff"),
}
SEEDS = (0, 1, 2)


def test_the_table_covers_every_defect_the_builder_can_plant():
    assert set(TABLE) == set(DEFECTS)
    assert len(TABLE) >= 30


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("defect", sorted(TABLE))
def test_each_planted_defect_gets_its_decision_and_reason(defect, seed):
    policy = default_policy()
    expected_decision, expected_code = TABLE[defect]
    # Given an application with this defect planted
    scenario = build_scenario(defect, seed, max_distance=policy.fraud.duplicate_max_distance)
    # When it is validated and decided
    report = validate(scenario.case, policy, scenario.ports)
    decision = decide(scenario.case, report, policy)
    # Then the decision is the expected one and names the defect
    codes = decision.reason_codes
    assert decision.decision is expected_decision, (decision.decision, codes)
    if expected_code is None:
        assert codes == []
    else:
        assert expected_code in codes
        # and nothing else fired, except the score falling for lack of a figure the defect spoiled
        assert set(codes) <= {expected_code, "score_below_cutoff"}, codes
    if expected_decision is Outcome.DECLINE:
        assert decision.reasons[0].knock_out
        assert decision.reasons[0].code == expected_code
    assert decision.policy_version == policy.version
    for reason in decision.reasons:
        assert reason.zh and reason.en and reason.zh != reason.code


def test_the_same_seed_builds_the_same_application():
    first = build_scenario("clean", 7).case.model_dump_json()
    assert build_scenario("clean", 7).case.model_dump_json() == first
    assert build_scenario("clean", 8).case.model_dump_json() != first
