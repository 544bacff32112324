"""Consistent synthetic applications with one planted defect each, for tests, benchmarks and samples.

``build_scenario(defect, seed)`` makes a persona (a valid ID number with a real GB/T 2260 prefecture, an
ID card whose validity fits the age at issue, an income certificate, a bank statement whose running
balance adds up and whose salary credits are 10-25% below the gross certified income, a loan within
policy), plants one defect (``DEFECTS``) and returns the case as extracted data (no images, no OCR),
in-memory fraud ports seeded for it and the expected decision and reason codes under the default policy.
Deterministic per seed. Amounts are built from integers and Decimal only.

Defects are named by the one catalogue ``testkit.defects``, which the sample generator (``testkit.samples``,
document images) uses as well. Modules: ``personas`` (the applicant), ``drafts`` (the documents as read),
``plants`` (one function per way of planting a defect), this one (the table of defects and the builder).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from loanpipe.decision.models import Outcome
from loanpipe.domain.case import ApplicationCase
from loanpipe.validation.ports import FraudPorts
from testkit.defects import CATALOGUE, CLEAN
from testkit.scenarios import plants as plant
from testkit.scenarios.drafts import CaseDraft, draft_case, rebalance
from testkit.scenarios.personas import Persona, make_persona

__all__ = ["CLEAN", "DEFECTS", "CaseDraft", "Defect", "Persona", "Scenario", "build_scenario", "draft_case",
           "make_persona", "rebalance"]


@dataclass(frozen=True)
class Defect:
    name: str
    codes: frozenset[str]  # reason codes the defect must produce
    decision: Outcome
    summary: str
    plant: Callable[[CaseDraft, random.Random], None]
    profile: str = "prime"  # the persona it starts from
    age_range: tuple[int, int] | None = None
    term_months: int | None = None
    also: frozenset[str] = frozenset()  # companions the defect may also bring (besides score_below_cutoff)


def _defect(name: str, plant: Callable[[CaseDraft, random.Random], None], **options) -> Defect:
    """The way to plant catalogue defect ``name`` (its reason code, decision and summary: testkit.defects)."""
    kind = CATALOGUE[name]
    return Defect(kind.name, kind.codes, kind.decision, kind.summary, plant, **options)


@dataclass
class Scenario:
    defect: Defect
    seed: int
    draft: CaseDraft
    case: ApplicationCase
    ports: FraudPorts

    @property
    def expected_decision(self) -> Outcome:
        return self.defect.decision

    @property
    def expected_codes(self) -> frozenset[str]:
        return self.defect.codes


def build_scenario(defect: str | Defect, seed: int, *, max_distance: int = 6) -> Scenario:
    """One application with the named defect planted (``clean`` for none), deterministic per seed."""
    chosen = DEFECTS[defect] if isinstance(defect, str) else defect
    rng = random.Random(f"{chosen.name}:{seed}")
    persona = make_persona(rng, profile=chosen.profile, age_range=chosen.age_range,
                           term_months=chosen.term_months)
    draft = draft_case(persona, rng)
    chosen.plant(draft, rng)
    case, ports = draft.build(max_distance=max_distance)
    return Scenario(defect=chosen, seed=seed, draft=draft, case=case, ports=ports)



DEFECTS: dict[str, Defect] = {
    defect.name: defect
    for defect in [
        _defect(CLEAN, plant.nothing),
        _defect("replay_past_capture", plant.replay),
        _defect("id_checksum_invalid", plant.checksum),
        _defect("id_area_unknown", plant.area_unknown),
        _defect("id_legacy_number", plant.legacy, age_range=(30, 48)),
        _defect("id_expired", plant.expired, age_range=(28, 34)),
        _defect("id_validity_inconsistent", plant.validity_wrong),
        _defect("birth_date_mismatch", plant.birth_date),
        _defect("sex_mismatch", plant.sex),
        _defect("name_mismatch_certificate", plant.name_certificate),
        _defect("name_mismatch_statement", plant.name_statement),
        _defect("id_number_mismatch_certificate", plant.id_certificate),
        _defect("id_number_mismatch_declared", plant.id_declared),
        _defect("income_mismatch", plant.inflated_income),
        _defect("income_unverified", plant.no_salary),
        _defect("employer_mismatch", plant.other_employer),
        _defect("statement_balance_inconsistent_row", plant.edited_row),
        _defect("statement_balance_inconsistent_closing", plant.edited_closing),
        _defect("statement_stale", plant.stale_statement),
        _defect("statement_period_short", plant.short_statement),
        _defect("certificate_stale", plant.stale_certificate),
        _defect("document_dated_after_capture", plant.future_certificate),
        _defect("duplicate_image", plant.duplicate),
        _defect("image_edited", plant.edited_image),
        _defect("capture_location_spread", plant.spread),
        _defect("capture_time_outside_visit", plant.time_outside),
        _defect("capture_clock_skew", plant.clock_skew),
        _defect("concurrent_application", plant.concurrent),
        _defect("phone_matches_officer", plant.officer_phone),
        _defect("age_out_of_range_young", plant.nothing, age_range=(17, 17)),
        _defect("age_out_of_range_at_maturity", plant.nothing, age_range=(61, 63), term_months=60),
        _defect("ltv_exceeded", plant.ltv),
        _defect("dti_exceeded", plant.dti),
        _defect("low_confidence_field", plant.low_confidence_field),
        _defect("low_confidence_rows", plant.low_confidence_rows),
        _defect("document_missing", plant.missing_statement),
        _defect("document_unreadable", plant.unreadable),
        _defect("field_missing_absent", plant.field_absent),
        _defect("field_missing_unparseable", plant.field_unparseable),
        _defect("amount_invalid_loan", plant.absurd_loan),
        _defect("amount_invalid_income", plant.zero_income),
        _defect("amount_invalid_statement", plant.absurd_statement),
        _defect("term_out_of_range", plant.nothing, term_months=72),
        _defect("score_below_cutoff", plant.nothing, profile="weak"),
    ]
}
