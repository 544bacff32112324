"""Photos carry what a phone writes (EXIF), turned pictures are upright when the tag is honoured."""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import pytest
from PIL import Image, ImageOps

from testkit.samples.photo import CameraTags, encode, stored_for_orientation
from testkit.samples.text import amount_in_words

from .sample_checks import photo_tags


@pytest.mark.parametrize("tag", [3, 6, 8])
def test_honouring_the_orientation_tag_restores_the_upright_picture(tag):
    # Given an upright picture with a distinct top-left corner
    upright = np.zeros((30, 50, 3), dtype=np.uint8)
    upright[:5, :10] = 255
    picture = Image.fromarray(upright, "RGB")
    # When it is stored turned, with the EXIF orientation tag, and read back honouring the tag
    tags = CameraTags("HUAWEI", "ELS-AN00", datetime(2026, 5, 1, 10, 0, tzinfo=timezone(timedelta(hours=8))),
                      39.9, 116.4, orientation=tag)
    stored = encode(stored_for_orientation(picture, tag), "png", exif=tags.exif())
    with Image.open(io.BytesIO(stored)) as reread:
        assert reread.size != picture.size or tag == 3
        shown = np.asarray(ImageOps.exif_transpose(reread))
    # Then the pixels are the upright picture again
    assert np.array_equal(shown, upright)


def test_phone_photos_carry_the_camera_time_and_place(document_set):
    out, documents = document_set
    photos = [document for document in documents if document.tier != "clean" and document.format == "jpg"]
    assert photos
    turned = 0
    for document in photos:
        tags = photo_tags(document.path)
        assert tags.make in ("HUAWEI", "Xiaomi", "Apple")
        assert tags.taken and tags.taken.startswith("2026:")
        assert tags.gps is not None and 18 < tags.gps[0] < 54 and 73 < tags.gps[1] < 135
        turned += tags.orientation in (3, 6, 8)
    assert turned >= 1


def test_scans_in_the_benchmark_set_carry_no_camera_data(document_set):
    out, documents = document_set
    scans = [document for document in documents if document.tier == "clean" and document.format in ("jpg", "png")]
    assert scans
    for document in scans:
        assert photo_tags(document.path).make is None


def test_the_photographed_document_fills_a_phone_frame(document_set):
    out, documents = document_set
    for document in documents:
        if document.tier == "clean" or document.format != "jpg":
            continue
        with Image.open(document.path) as image:
            size = ImageOps.exif_transpose(image).size
        # cards are shot landscape 4:3, pages portrait 3:4
        wanted = (1600, 1200) if document.doc_type.startswith("id_card") else (1800, 2400)
        assert size == wanted


@pytest.mark.parametrize(("amount", "words"), [
    ("12500.00", "壹万贰仟伍佰元整"),
    ("100005.30", "壹拾万零伍元叁角"),
    ("8200.05", "捌仟贰佰元零伍分"),
    ("1005", "壹仟零伍元整"),
    ("30000", "叁万元整"),
    ("100000500", "壹亿零伍佰元整"),
])
def test_amounts_are_written_in_capital_numerals_as_on_a_certificate(amount, words):
    assert amount_in_words(Decimal(amount)) == words


def test_a_seeded_photo_is_the_same_every_time():
    from testkit.samples.id_card import CardBack, render_back
    from testkit.samples.photo import photograph

    card = CardBack("北京市公安局朝阳分局", datetime(2016, 3, 12).date(), datetime(2036, 3, 12).date())
    pictures = [photograph(random.Random(9), render_back(random.Random(9), card), "hard")[0] for _ in range(2)]
    assert pictures[0].tobytes() == pictures[1].tobytes()
