"""One defect catalogue: the scenario builder and the sample generator name their defects from it, by the
reason codes the pipeline gives."""

from __future__ import annotations

from loanpipe.domain.reasons import REASONS, ReasonKind
from testkit.defects import CATALOGUE, CLEAN, KINDS, decision_of, ways_of
from testkit.samples import DEFECTS as SAMPLE_DEFECTS
from testkit.samples import expected_decision
from testkit.scenarios import DEFECTS as SCENARIO_DEFECTS


def test_every_defect_is_named_by_the_decision_reason_it_must_produce():
    # Given every entry of the catalogue
    for kind in KINDS:
        # Then it plants nothing (clean, a replay) or must produce one decision reason of the pipeline,
        if kind.code is None:
            assert kind.name in (CLEAN, "replay_past_capture")
            continue
        assert REASONS[kind.code].kind is ReasonKind.DECISION, kind.name
        # and its name is that code, or the code and the way it is planted
        assert kind.name == kind.code or kind.name.startswith(kind.code + "_"), kind.name
    assert len(CATALOGUE) == len(KINDS)


def test_the_scenario_builder_plants_every_defect_of_the_catalogue_under_its_name():
    # When the scenario builder's table is read
    # Then it has exactly the catalogue's defects, each with the catalogue's reason code and decision
    assert set(SCENARIO_DEFECTS) == set(CATALOGUE)
    for name, defect in SCENARIO_DEFECTS.items():
        assert (defect.codes, defect.decision, defect.summary) == (
            CATALOGUE[name].codes, CATALOGUE[name].decision, CATALOGUE[name].summary), name


def test_the_generator_plants_families_of_the_catalogue_by_their_reason_code():
    # Given each defect the sample generator can plant
    for code in SAMPLE_DEFECTS:
        # Then it is a reason code that names one or more ways of the catalogue
        ways = ways_of(code)
        assert code in REASONS and all(kind.code == code for kind in ways), code
        # and the decision the generator expects is the one every way of it leads to
        assert expected_decision([code]) == decision_of(code) == ways[0].decision, code
    assert expected_decision([]) == "approve"
