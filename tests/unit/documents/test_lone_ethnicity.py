"""The card's 民族 stands on the 性别 line past the sex; when the detector found nothing there, the line is read
again where the card prints it (seen on a dev-set card whose small 民族 label and lone 汉 were not detected)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from loanpipe.extraction.engines import get_engine
from loanpipe.extraction.layout import TextBox
from loanpipe.extraction.second_look import read_lone_ethnicity
from testkit.samples.fonts import pil_font

# The first reading: the 性别 label and the sex, nothing past them on their line.
READ = [TextBox("姓名", 52, 80, 135, 115), TextBox("谭璟", 170, 71, 265, 118),
        TextBox("性别", 54, 168, 135, 203), TextBox("男", 174, 165, 212, 203)]


def _card(ethnicity: str) -> np.ndarray:
    card = Image.new("L", (1000, 631), 238)
    draw = ImageDraw.Draw(card)
    draw.text((436, 166), ethnicity, fill=40, font=pil_font("song", 34))
    return np.asarray(card).copy()


def test_an_ethnicity_not_detected_on_the_sex_line_is_read_there_and_added():
    boxes = read_lone_ethnicity(get_engine("rapidocr"), _card("汉"), READ)
    # Then one run is added, on the 性别 line past the sex, naming the group
    [added] = boxes[len(READ):]
    assert added.text == "汉" and added.x0 > 212 and added.y0 < 185 < added.y1


def test_a_line_that_names_no_group_or_an_ethnicity_already_read_adds_nothing():
    engine = get_engine("rapidocr")
    assert read_lone_ethnicity(engine, _card("ABC"), READ) == READ
    already = [*READ, TextBox("民族 汉", 330, 166, 480, 203)]
    assert read_lone_ethnicity(engine, _card("汉"), already) == already
