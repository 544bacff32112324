"""A rare surname the recogniser confuses with a common glyph (卞 read as 卡 or 下, seen on dev-set scans):
the recogniser's next choices at that character are kept with the text, and a known surname among them is
taken for a first character no one bears, the name staying doubtful for a second source to settle."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from loanpipe.extraction.engines import get_engine
from loanpipe.extraction.layout import TextBox
from loanpipe.extraction.plausible import hesitant_glyph, known_surname_reading
from testkit.samples.fonts import pil_font


def _run(text: str, choices: dict[int, tuple[float, tuple[tuple[str, float], ...]]]) -> TextBox:
    alternatives = tuple((char, *choices.get(index, (0.99, ()))) for index, char in enumerate(text))
    return TextBox(text, 0, 0, 30 * len(text), 40, 0.95, alternatives=alternatives)


def test_a_known_surname_among_the_recognisers_choices_replaces_a_first_character_no_one_bears():
    boxes = [_run("兹证明卡彬喆(性别:男)", {3: (0.70, (("卞", 0.10), ("下", 0.04)))})]
    assert known_surname_reading("卡彬喆", boxes) == "卞彬喆"
    # the likeliest known surname is taken, after a choice that is no surname
    boxes = [_run("户名:下彬喆", {3: (0.44, (("卡", 0.35), ("卞", 0.05)))})]
    assert known_surname_reading("下彬喆", boxes) == "卞彬喆"


def test_a_surname_read_surely_or_already_known_or_without_choices_is_left_as_read():
    # read at 0.97: a rare surname printed so, not a misreading
    assert known_surname_reading("卡彬喆", [_run("卡彬喆", {0: (0.97, (("卞", 0.02),))})]) is None
    # a known surname: nothing to choose
    assert known_surname_reading("王彬喆", [_run("王彬喆", {0: (0.60, (("玉", 0.30),))})]) is None
    # no known surname among the choices, or no run holding the name
    assert known_surname_reading("卡彬喆", [_run("卡彬喆", {0: (0.60, (("上", 0.30),))})]) is None
    assert known_surname_reading("卡彬喆", [_run("卡宾喆", {0: (0.60, (("卞", 0.30),))})]) is None


def test_a_name_with_a_character_the_recogniser_hesitated_over_is_doubted():
    # Given 王莉兰 read as 王利兰, 利 at 0.43 with 莉 at 0.34 beside it (a dev-set certificate photo), on a line
    # whose mean confidence is 0.98
    boxes = [_run("王利兰,女,身份证号:110106196205280365", {1: (0.43, (("莉", 0.34), ("和", 0.03)))})]
    assert hesitant_glyph("王利兰", boxes)
    # a name read surely, or a low character with nothing else likely there, is not
    assert not hesitant_glyph("王利兰", [_run("王利兰", {})])
    assert not hesitant_glyph("王利兰", [_run("王利兰", {1: (0.60, ())})])
    assert not hesitant_glyph("王利兰", [_run("张伟", {0: (0.40, (("弓", 0.3),))})])


def test_the_recogniser_gives_each_character_read_its_probability_and_next_choices():
    page = Image.new("L", (420, 60), 245)
    ImageDraw.Draw(page).text((10, 8), "张三 12.50", fill=20, font=pil_font("song", 36))
    line = get_engine("rapidocr").read_line(np.asarray(page.convert("RGB")))
    assert "张三" in line.text and "12.50" in line.text
    assert "".join(char for char, _, _ in line.alternatives) == line.text
    for _, probability, others in line.alternatives:
        assert 0.0 < probability <= 1.0
        assert all(0.02 <= p <= probability for _, p in others)
