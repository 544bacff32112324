"""The generator writes income certificates in more templates than the parser was first written for."""

from __future__ import annotations

import json
from datetime import date

import pytest

from testkit.samples import generate_applications
from testkit.samples.certificate import MORE_TEMPLATES, TEMPLATES
from testkit.samples.text import cn_numeral_date


@pytest.mark.parametrize(("day", "printed"), [
    (date(2025, 5, 22), "二〇二五年五月二十二日"),
    (date(2025, 10, 10), "二〇二五年十月十日"),
    (date(2026, 1, 1), "二〇二六年一月一日"),
    (date(2024, 12, 31), "二〇二四年十二月三十一日"),
])
def test_dates_can_be_written_in_chinese_numerals(day, printed):
    assert cn_numeral_date(day) == printed


def test_a_batch_can_take_every_template_and_layout_in_turn(tmp_path):
    # When a batch asks for every certificate template and statement layout
    count = len(TEMPLATES + MORE_TEMPLATES)
    generate_applications(tmp_path, count, seed=5, statement_layouts=["all"], certificate_templates=["all"])
    facts = [json.loads((tmp_path / f"app_{index:03d}" / "truth.json").read_text(encoding="utf-8"))["facts"]
             for index in range(count)]
    # Then each application says which it got, and every template appears once
    assert [fact["certificate_template"] for fact in facts] == list(TEMPLATES + MORE_TEMPLATES)
    assert len({fact["statement_layout"] for fact in facts}) == count


def test_an_unknown_template_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="unknown certificate template 'memo'"):
        generate_applications(tmp_path, 1, statement_layouts=["classic"], certificate_templates=["memo"])
