"""Duplicate pictures across applications: a reused picture is flagged in both applications, two cards of
one template are not, whether or not their text was read (the 256-bit detail hash decides then)."""

from __future__ import annotations

import io
import random
from datetime import date

from PIL import Image

from loanpipe.decision.decide import decide
from loanpipe.domain.case import ApplicationCase
from loanpipe.domain.documents import DocType
from loanpipe.extraction.forensics import image_evidence
from loanpipe.policy.model import default_policy
from loanpipe.validation.checks.fraud import DETAIL_MAX_DISTANCE
from loanpipe.validation.ports import hamming
from loanpipe.validation.report import CheckStatus
from loanpipe.validation.validate import validate
from testkit.fakes import in_memory_fraud_ports
from testkit.samples import id_card
from testkit.samples.persona import make_persona
from testkit.scenarios import build_scenario

POLICY = default_policy()


def _jpeg(image: Image.Image, quality: int, scale: float = 1.0) -> bytes:
    if scale != 1.0:
        image = image.resize((round(image.width * scale), round(image.height * scale)))
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _card(seed: int) -> Image.Image:
    persona = make_persona(random.Random(seed), date(2026, 11, 20))
    card = id_card.CardFront(persona.name, persona.sex, persona.ethnicity, persona.birth, persona.address,
                             persona.id_number)
    return id_card.render_front(random.Random(seed), card)


def test_the_detail_hash_keeps_one_file_together_and_two_cards_of_one_template_apart():
    # Given a rendered ID card uploaded twice, and another person's card of the same template
    first, other = _card(1), _card(2)
    picture = _jpeg(first, 92)
    original = image_evidence(picture, "image/jpeg")
    again = image_evidence(picture, "image/jpeg")
    different = image_evidence(_jpeg(other, 92), "image/jpeg")
    # Then the same file agrees to the bit in the detail hash, the other card lies beyond the distance
    assert hamming(original.detail_hash, again.detail_hash) == 0
    assert hamming(original.detail_hash, different.detail_hash) > DETAIL_MAX_DISTANCE


def _with_card(case: ApplicationCase, phash: str, detail: str, *, read: bool) -> ApplicationCase:
    documents = []
    for document in case.documents:
        if document.doc_type is DocType.ID_CARD_FRONT:
            evidence = document.evidence.model_copy(update={"phash": phash, "detail_hash": detail})
            extraction = document.extraction
            if not read:  # nothing the card says was read surely
                extraction = extraction.model_copy(update={"fields": {
                    name: field.model_copy(update={"confidence": 0.3}) for name, field in extraction.fields.items()}})
            document = document.model_copy(update={"evidence": evidence, "extraction": extraction})
        documents.append(document)
    return case.model_copy(update={"documents": documents})


DETAIL = "f0" * 32


def _flip(hex_hash: str, bits: int) -> str:
    return f"{int(hex_hash, 16) ^ ((1 << bits) - 1):0{len(hex_hash)}x}"


def _second_after_an_unread_first(detail_bits: int):
    """An application whose card front was not read, then another whose card is 1 bit apart in the 64-bit
    hash (the dev set's emblem sides of two people lie 2 bits apart) and ``detail_bits`` in the detail hash;
    returns the first case and the report of the second."""
    first = _with_card(build_scenario("clean", 103).case, "0123456789abcdef", DETAIL, read=False)
    second = _with_card(build_scenario("clean", 104).case, _flip("0123456789abcdef", 1), _flip(DETAIL, detail_bits),
                        read=True)
    ports = in_memory_fraud_ports()
    validate(first, POLICY, ports)
    return first, second, validate(second, POLICY, ports)


def test_a_reused_picture_whose_text_was_not_read_is_flagged_in_both_applications():
    # Given the same picture in a later application (2 bits apart in the detail hash)
    # When the second is validated
    first, second, report = _second_after_an_unread_first(2)
    # Then the details agree: a duplicate, and the first application is named to be flagged too
    assert "duplicate_image" in decide(second, report, POLICY).reason_codes
    assert report.cross_flags == [first.application_id]


def test_two_cards_of_one_template_are_not_duplicates_when_their_details_differ():
    # Given another applicant's card of the same template (10 bits apart in the detail hash)
    # When the second is validated
    _, _, report = _second_after_an_unread_first(10)
    # Then the details tell them apart: no duplicate, nobody flagged
    assert {r.status for r in report.check("duplicate_images")} == {CheckStatus.PASSED}
    assert report.cross_flags == []
