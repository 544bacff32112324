"""Every file of the bad-input corpus ends as REJECTED_INPUT or RETAKE_REQUESTED with its reason."""

from __future__ import annotations

import pytest

from loanpipe.domain.errors import RejectedInput
from loanpipe.domain.reasons import ReasonKind, kind_of
from loanpipe.extraction.extract import extract_document
from testkit.bad_inputs import CORPUS


@pytest.mark.parametrize("item", [i for i in CORPUS if i.rejected], ids=lambda i: i.name)
def test_unusable_file_is_rejected_with_an_input_reason(item):
    # Given a file that is not a readable document
    data = item.build()
    # When the extract stage reads it
    with pytest.raises(RejectedInput) as raised:
        extract_document(data, filename=item.filename, content_type=item.content_type)
    # Then it is rejected with the INPUT-family reason the officer's tablet explains
    assert raised.value.code == item.rejected
    assert kind_of(raised.value.code) is ReasonKind.INPUT


@pytest.mark.parametrize("item", [i for i in CORPUS if i.retake], ids=lambda i: i.name)
def test_readable_but_useless_photo_asks_for_a_retake(item):
    # Given a file that decodes but shows no readable document
    data = item.build()
    # When the extract stage reads it
    extraction = extract_document(data, filename=item.filename)
    # Then the officer is asked to retake it, with the reason shown on the tablet
    assert extraction.result.quality.ok is False
    assert item.retake in extraction.result.quality.reasons
    assert all(kind_of(code) is ReasonKind.RETAKE for code in extraction.result.quality.reasons)
    assert all(field.value is None for field in extraction.result.fields.values())


def test_corpus_covers_every_input_rejection_the_extractor_can_raise():
    # Given the INPUT reasons that concern the file itself
    file_codes = {"empty_file", "unsupported_type", "type_mismatch", "file_too_large", "image_too_large",
                  "corrupt_file", "pdf_encrypted", "too_many_pages", "pdf_active_content", "pdf_content_too_large"}
    # Then the corpus holds at least one file for each
    assert file_codes <= {item.rejected for item in CORPUS if item.rejected}
