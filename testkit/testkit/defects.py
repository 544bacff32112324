"""The one catalogue of defects the testkit plants: their identifiers, the reason code each must produce and
the decision it leads to under the shipped credit policy.

Both builders draw their identifiers from here: the scenario builder (``testkit.scenarios``, extracted data)
and the sample generator (``testkit.samples``, document files). A defect is named by the reason code of
``loanpipe.domain.reasons`` it must produce. Where the scenario builder knows several ways to cause one code,
each way is named ``<code>_<way>`` (``name_mismatch_certificate``, ``name_mismatch_statement``) and the code
alone names the family: the generator plants families and picks the way itself (``name_mismatch``: a
certificate or a statement with another name). ``clean`` and ``replay_past_capture`` plant no defect.

The decisions here are the builders' expectations; the unit tests hold their own table of what must happen
(tests/unit/rules/test_scenarios.py, tests/unit/samples), so a change on either side shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from loanpipe.decision.models import Outcome

A, R, D = Outcome.APPROVE, Outcome.REVIEW, Outcome.DECLINE
CLEAN = "clean"


@dataclass(frozen=True)
class DefectKind:
    name: str  # the identifier: a reason code, or <reason code>_<way>
    code: str | None  # the reason code it must produce (None: nothing is planted)
    decision: Outcome  # under the shipped credit policy
    summary: str

    @property
    def codes(self) -> frozenset[str]:
        return frozenset({self.code}) if self.code else frozenset()


def _kind(name: str, decision: Outcome, summary: str, *, code: str | None = "") -> DefectKind:
    """A defect named by its reason code (``code`` defaults to ``name``; None plants nothing)."""
    return DefectKind(name, name if code == "" else code, decision, summary)


KINDS: tuple[DefectKind, ...] = (
    _kind(CLEAN, A, "no defect", code=None),
    _kind("replay_past_capture", A, "replayed application: judged as of its recorded capture time, no receipt time",
          code=None),
    _kind("id_checksum_invalid", R, "ID number with a wrong check character on every document"),
    _kind("id_area_unknown", R, "ID number with a prefecture code no GB/T 2260 revision has"),
    _kind("id_legacy_number", R, "15-digit first-generation number on the card"),
    _kind("id_expired", D, "ID card expired before the capture"),
    _kind("id_validity_inconsistent", R, "validity period that fits no age at issue"),
    _kind("birth_date_mismatch", R, "card birth date differs from the ID number"),
    _kind("sex_mismatch", R, "card sex differs from the ID number"),
    _kind("name_mismatch_certificate", R, "another name on the income certificate", code="name_mismatch"),
    _kind("name_mismatch_statement", R, "another account holder on the statement", code="name_mismatch"),
    _kind("id_number_mismatch_certificate", R, "another person's ID number on the income certificate",
          code="id_number_mismatch"),
    _kind("id_number_mismatch_declared", R, "the application declares another ID number",
          code="id_number_mismatch"),
    _kind("income_mismatch", R, "certificate income inflated 1.7-2.6x"),
    _kind("income_unverified", R, "no salary credits in the statement"),
    _kind("employer_mismatch", R, "salary credits paid by another company"),
    _kind("statement_balance_inconsistent_row", R, "one salary amount edited, balances left as printed",
          code="statement_balance_inconsistent"),
    _kind("statement_balance_inconsistent_closing", R, "closing balance edited",
          code="statement_balance_inconsistent"),
    _kind("statement_stale", R, "statement ends more than 30 days before capture"),
    _kind("statement_period_short", R, "statement covers 160-175 days"),
    _kind("certificate_stale", R, "certificate issued more than 60 days before capture"),
    _kind("document_dated_after_capture", R, "certificate dated after the capture"),
    _kind("duplicate_image", R, "a near-identical picture in an earlier application"),
    _kind("image_edited", R, "a picture whose metadata names an image editor"),
    _kind("capture_location_spread", R, "one picture taken 5-45 km away"),
    _kind("capture_time_outside_visit", R, "one picture taken hours or days before the visit"),
    _kind("capture_clock_skew", R, "capture time hours away from the server's receipt"),
    _kind("concurrent_application", R, "same ID number in another officer's open application"),
    _kind("phone_matches_officer", R, "applicant phone is an officer's"),
    _kind("age_out_of_range_young", D, "applicant aged 17", code="age_out_of_range"),
    _kind("age_out_of_range_at_maturity", D, "applicant over 65 at the loan's maturity", code="age_out_of_range"),
    _kind("ltv_exceeded", D, "loan 3-15 points above max LTV"),
    _kind("dti_exceeded", D, "payment 46-70% of verified income"),
    _kind("low_confidence_field", R, "a decisive field read with low confidence", code="low_confidence"),
    _kind("low_confidence_rows", R, "statement rows read with low confidence", code="low_confidence"),
    _kind("document_missing", R, "a required document never uploaded"),
    _kind("document_unreadable", R, "a required document left in retake or rejected"),
    _kind("field_missing_absent", R, "a required field absent", code="field_missing"),
    _kind("field_missing_unparseable", R, "a required field unparseable", code="field_missing"),
    _kind("amount_invalid_loan", D, "loan amount of 10^9..10^13", code="amount_invalid"),
    _kind("amount_invalid_income", D, "certified income zero or negative", code="amount_invalid"),
    _kind("amount_invalid_statement", D, "absurd closing balance", code="amount_invalid"),
    _kind("term_out_of_range", D, "a 72-month term"),
    _kind("score_below_cutoff", R, "within policy but weak: young, new job, high LTV and DTI, long term"),
)
CATALOGUE: dict[str, DefectKind] = {kind.name: kind for kind in KINDS}

# The families the sample generator plants (as document files), by reason code.
SAMPLE_DEFECTS: tuple[str, ...] = (
    "name_mismatch",
    "id_number_mismatch",
    "birth_date_mismatch",
    "sex_mismatch",
    "id_checksum_invalid",
    "id_expired",
    "income_mismatch",
    "employer_mismatch",
    "statement_balance_inconsistent",
    "statement_stale",
    "statement_period_short",
    "certificate_stale",
    "image_edited",
    "duplicate_image",
    "capture_location_spread",
    "age_out_of_range",
    "ltv_exceeded",
    "dti_exceeded",
    "document_missing",
    "document_unreadable",
)


def ways_of(identifier: str) -> list[DefectKind]:
    """The catalogue entries an identifier names: itself, or every way of a family (a reason code)."""
    if identifier in CATALOGUE:
        return [CATALOGUE[identifier]]
    ways = [kind for kind in KINDS if kind.code == identifier]
    if not ways:
        raise KeyError(f"no defect {identifier!r} in the catalogue")
    return ways


def decision_of(identifier: str) -> Outcome:
    """The decision a defect (or a family: every way of it leads to the same decision) leads to."""
    decisions = {kind.decision for kind in ways_of(identifier)}
    if len(decisions) != 1:
        raise ValueError(f"the ways of {identifier!r} lead to different decisions: {sorted(decisions)}")
    return decisions.pop()


def expected_decision(planted: Iterable[str]) -> Outcome:
    """approve when nothing is planted, decline when any planted defect is a knock-out, review otherwise."""
    decisions = {decision_of(identifier) for identifier in planted}
    for outcome in (D, R):
        if outcome in decisions:
            return outcome
    return A
