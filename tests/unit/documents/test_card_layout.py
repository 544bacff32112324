"""A card photo in glare or at an angle: the portrait side's pale labels misread or lost while its values read
well, the sex under a label the engine did not see, a card foreshortened into a page's shape. Seen on dev-set
photos; checked here on runs as an engine returns them and on drawn pictures."""

from __future__ import annotations

import random
from datetime import date

import cv2
import numpy as np
from PIL import Image, ImageDraw

from loanpipe.extraction.card_layout import settle_front_labels
from loanpipe.extraction.confidence import REVIEW_THRESHOLD, field_confidence
from loanpipe.extraction.engines import get_engine
from loanpipe.extraction.layout import TextBox
from loanpipe.extraction.parsers.id_card import read_id_card_back, read_id_card_front
from loanpipe.extraction.parsers.reads import Check
from loanpipe.extraction.preprocess import A4_ASPECT, ID_CARD_ASPECT, prepare
from loanpipe.extraction.second_look import read_sex_without_label
from testkit.samples import id_card
from testkit.samples.fonts import pil_font
from testkit.samples.persona import make_persona

WIDTH = 1000.0
NUMBER = "130203198508207156"  # born 1985-08-20, a man (17th digit odd)


def _run(text: str, x: float, row: float, confidence: float = 0.99) -> TextBox:
    return TextBox(text, x, 60.0 + 70 * row, x + 34 * len(text), 100.0 + 70 * row, confidence)


def _front(boxes: list[TextBox]) -> dict:
    return read_id_card_front(settle_front_labels(boxes, WIDTH))


def test_labels_misread_in_the_label_column_are_put_back_where_the_column_order_puts_them():
    # Given a card whose 性别 was read as 栏别 and 住址 as 往址 (the values read well)
    reads = _front([_run("姓名戚鹏梓", 40, 0), _run("栏别男", 40, 1, 0.985), _run("民族汉", 330, 1),
                    _run("出生1985年8月20日", 40, 2), _run("往址河北省唐山市路北区光明路359号", 40, 3),
                    _run("公民身份号码", 40, 5), _run(NUMBER, 300, 5)])
    # Then the sex and the address are read, the sex confirmed by the number
    assert reads["sex"].value == "男" and reads["sex"].check is Check.PASSED
    assert reads["address"].value == "河北省唐山市路北区光明路359号"


def test_labels_lost_in_glare_are_put_back_by_the_layout_and_the_values_judged_as_any_other():
    # Given a card on which only 住址 and 公民身份号码 were read as labels; 民族 lost its 民
    reads = _front([_run("戚鹏梓", 120, 0, 0.93), _run("族汉", 330, 1, 0.97), _run("1985年8月20日", 120, 2),
                    _run("住址河北省唐山市路北区光明路359号", 40, 3), _run("公民身份号码", 40, 5),
                    _run(NUMBER, 300, 5)])
    # Then the name, the ethnicity and the birth date are read; the birth date is confirmed by the number
    assert (reads["name"].value, reads["ethnicity"].value, reads["birth_date"].value) == ("戚鹏梓", "汉", "1985-08-20")
    assert reads["birth_date"].check is Check.CONFIRMED
    # and a name found by its place alone, read at 0.93, is not trusted without a reader or the application
    assert field_confidence(reads["name"]) < REVIEW_THRESHOLD


def test_a_date_or_a_name_where_the_layout_puts_no_such_field_is_not_taken():
    # Given a card whose 出生 and 住址 were read, and a stray date below the address (not the birth line)
    reads = _front([_run("姓名戚鹏梓", 40, 0), _run("出生1985年8月20日", 40, 2), _run("住址河北省唐山市", 40, 3),
                    _run("1999年1月1日", 120, 4), _run("公民身份号码", 40, 5), _run(NUMBER, 300, 5)])
    assert reads["birth_date"].value == "1985-08-20"
    # and a run opening with one character of 出生 in the address's place is not made the birth line
    boxes = [_run("姓名戚鹏梓", 40, 0), _run("性别男", 40, 1), _run("出生1985年8月20日", 40, 2),
             _run("住址河北省唐山市", 40, 3), _run("生产路8号", 40, 4), _run("公民身份号码", 40, 5),
             _run(NUMBER, 300, 5)]
    assert [b.text for b in settle_front_labels(boxes, WIDTH)] == [b.text for b in boxes]


def test_the_emblem_side_is_left_as_it_was_read():
    boxes = [_run("中华人民共和国", 300, 0), _run("居民身份证", 300, 1), _run("签发机关苏州市公安局姑苏分局", 40, 3),
             _run("有效期限2015.05.21-2025.05.21", 40, 4)]
    assert settle_front_labels(boxes, WIDTH) == boxes
    assert read_id_card_back(settle_front_labels(boxes, WIDTH))["valid_until"].value == "2025-05-21"


def _card_with_sex(sex: str) -> np.ndarray:
    card = Image.new("L", (1000, 631), 238)
    ImageDraw.Draw(card).text((176, 164), sex, fill=60, font=pil_font("song", 36))
    return np.asarray(card).copy()


# The first reading: the name and the birth lines, nothing on the sex line (its label and value lost).
LINES = [TextBox("姓名", 52, 80, 135, 118), TextBox("谭璟", 170, 76, 265, 120),
         TextBox("出生", 54, 262, 135, 300), TextBox("1985年8月20日", 170, 260, 460, 302)]


def test_a_sex_whose_label_was_not_read_is_read_under_the_name_and_its_label_put_back():
    boxes = read_sex_without_label(get_engine("rapidocr"), _card_with_sex("女"), LINES)
    label, sex = boxes[len(LINES):]
    assert (label.text, sex.text) == ("性别", "女")
    assert read_id_card_front(boxes)["sex"].value == "女"


def test_an_empty_sex_zone_adds_nothing():
    card = np.full((631, 1000), 238, np.uint8)
    assert read_sex_without_label(get_engine("rapidocr"), card, LINES) == LINES


def _foreshortened_card() -> Image.Image:
    """A card photographed at an angle on a dark table: its outline measures between a card's and a page's."""
    rng = random.Random(7)
    persona = make_persona(rng, date(2026, 11, 20))
    front = id_card.render_front(rng, id_card.CardFront(persona.name, persona.sex, persona.ethnicity, persona.birth,
                                                         persona.address, persona.id_number))
    card = cv2.cvtColor(np.asarray(front.convert("RGB")), cv2.COLOR_RGB2BGR)
    height, width = card.shape[:2]
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    # the far edge shortened, the card seen from below: 1.46 long side to short side as measured
    target = np.float32([[170, 80], [830, 80], [880, 600], [120, 600]])
    scene = cv2.warpPerspective(card, cv2.getPerspectiveTransform(corners, target), (1000, 680),
                                borderValue=(40, 50, 60))
    return Image.fromarray(cv2.cvtColor(scene, cv2.COLOR_BGR2RGB))


def test_a_card_photographed_at_an_angle_is_rectified_to_a_card_when_the_slot_says_card():
    picture = _foreshortened_card()
    assert abs(prepare(picture, shape=ID_CARD_ASPECT).aspect - ID_CARD_ASPECT) < 0.01
    # without the slot's word the outline is taken for the nearer shape, a page
    assert abs(prepare(picture).aspect - A4_ASPECT) < 0.01
