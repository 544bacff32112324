"""The credit policy as versioned data: the shipped default, refusals with the line at fault, reloads."""

from __future__ import annotations

from decimal import Decimal
from importlib import resources

import pytest

from loanpipe.policy.model import PolicyError, PolicyStore, default_policy, load_policy


def default_text() -> str:
    return resources.files("loanpipe.policy").joinpath("policies/default.yaml").read_text(encoding="utf-8")


def line_of(text: str, fragment: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_the_shipped_policy_is_the_conservative_one_the_issue_describes():
    policy = default_policy()
    assert policy.version == "2026-11-29.2"
    assert policy.pricing.annual_rate == Decimal("0.06")
    assert policy.max_loan_to_value("new") == Decimal("0.80")
    assert policy.max_loan_to_value("used") == Decimal("0.70")
    assert policy.loan.max_debt_to_income == Decimal("0.40")
    assert (policy.applicant.min_age_at_application, policy.applicant.max_age_at_maturity) == (18, 65)
    assert policy.income.tolerance == Decimal("0.30")
    assert (policy.statement.min_days, policy.statement.max_age_days) == (180, 30)
    assert policy.certificate.max_age_days == 60


def test_fractions_are_read_as_decimal_never_float():
    policy = load_policy(default_text().replace("annual_rate: 0.06", "annual_rate: 0.0725"))
    assert isinstance(policy.pricing.annual_rate, Decimal)
    assert policy.pricing.annual_rate == Decimal("0.0725")


def test_a_policy_loads_from_a_file_path(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text(default_text().replace('"2026-11-29.2"', '"2026-12-01.1"'), encoding="utf-8")
    assert load_policy(path).version == "2026-12-01.1"
    assert load_policy(str(path)).version == "2026-12-01.1"


def test_broken_yaml_is_refused_with_its_line():
    text = default_text().replace("  max_term_months: 60", "  max_term_months: [60")
    with pytest.raises(PolicyError) as refused:
        load_policy(text)
    assert refused.value.code == "policy_invalid"
    assert refused.value.line is not None
    assert refused.value.line >= line_of(text, "max_term_months: [60")
    assert f"line {refused.value.line}" in refused.value.message


def test_an_unknown_key_is_refused_with_the_line_of_that_key():
    text = default_text().replace("  max_debt_to_income: 0.40", "  max_debt_to_income: 0.40\n  max_dti: 0.5")
    with pytest.raises(PolicyError) as refused:
        load_policy(text)
    assert refused.value.line == line_of(text, "max_dti: 0.5")
    assert "loan.max_dti" in refused.value.message


def test_a_wrong_type_is_refused_with_the_line_of_the_value():
    text = default_text().replace("  max_spread_meters: 1000", "  max_spread_meters: far")
    with pytest.raises(PolicyError) as refused:
        load_policy(text)
    assert refused.value.line == line_of(text, "max_spread_meters: far")
    assert "capture.max_spread_meters" in refused.value.message


def test_a_value_out_of_range_inside_a_list_is_refused_with_its_line():
    text = default_text().replace("{below: 0.20, points: 60}", "{below: 0.20, points: lots}")
    with pytest.raises(PolicyError) as refused:
        load_policy(text)
    assert refused.value.line == line_of(text, "points: lots")


def test_a_duplicate_key_is_refused_instead_of_silently_taking_the_last():
    text = default_text().replace("  annual_rate: 0.06", "  annual_rate: 0.06\n  annual_rate: 0.01")
    with pytest.raises(PolicyError) as refused:
        load_policy(text)
    assert refused.value.line == line_of(text, "annual_rate: 0.01")


def test_a_knock_out_that_is_no_reason_code_is_refused():
    text = default_text().replace("knockouts: [amount_invalid,", "knockouts: [amount_too_big,")
    with pytest.raises(PolicyError) as refused:
        load_policy(text)
    assert "amount_too_big" in refused.value.message
    assert refused.value.line == line_of(text, "knockouts:")


def test_a_failed_reload_keeps_the_policy_in_force(tmp_path):
    store = PolicyStore()
    in_force = store.current
    # Given a risk team's new policy with a typo
    bad = tmp_path / "next.yaml"
    bad.write_text(default_text().replace('"2026-11-29.2"', '"2026-12-01.1"').replace("cutoffs:", "cutofs:"),
                   encoding="utf-8")
    # When it is reloaded / Then it is refused and the previous version stays
    with pytest.raises(PolicyError):
        store.reload(bad)
    assert store.current is in_force
    # And a corrected file goes live
    bad.write_text(default_text().replace('"2026-11-29.2"', '"2026-12-01.1"'), encoding="utf-8")
    assert store.reload(bad).version == "2026-12-01.1"
    assert store.current.version == "2026-12-01.1"


@pytest.mark.parametrize("text", ["", "just a string", "- a\n- list"])
def test_a_policy_that_is_not_a_mapping_is_refused(text):
    with pytest.raises(PolicyError):
        load_policy(text)
