"""Income certificates in each of the generator's templates are read field by field (a flat scan)."""

from __future__ import annotations

import io
import random
from datetime import date
from decimal import Decimal

import pytest

from loanpipe.extraction.extract import extract_document
from testkit.samples.certificate import MORE_TEMPLATES, TEMPLATES, CertificateContent, render_certificate

CONTENT = CertificateContent("王建国", "男", "110105198803120014", "北京星辰数据科技有限公司", "高级工程师",
                             Decimal("12500.00"), date(2019, 3, 1), date(2025, 5, 22))


@pytest.mark.parametrize("template", TEMPLATES + MORE_TEMPLATES)
def test_every_template_gives_the_certified_fields(template):
    # Given a certificate in this template, its amount in figures and in words, the seal on the sign-off
    page = render_certificate(random.Random(1), CONTENT, template=template, amount_style="figures_and_words")
    buffer = io.BytesIO()
    page.save(buffer, "PNG")
    # When it is read
    result = extract_document(buffer.getvalue(), expected_type="income_certificate").result
    # Then every field is the one the employer certified, and the reading is good enough to go on
    assert {name: field.value for name, field in result.fields.items()} == {
        "name": "王建国", "id_number": "110105198803120014", "employer": "北京星辰数据科技有限公司",
        "position": "高级工程师", "monthly_income": "12500.00", "employment_start": "2019-03-01",
        "issue_date": "2025-05-22"}
    assert result.quality.ok
