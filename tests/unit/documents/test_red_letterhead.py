"""A bank's name printed in red at the head of a page (the logo's lettering) is read again in the green channel,
where red ink is as dark as black: the seal removal can leave it too faint for the page-wide detection (seen on a
scanned statement whose only mention of its bank was its logo)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from loanpipe.extraction.engines import get_engine
from loanpipe.extraction.second_look import read_red_letterhead
from testkit.samples.fonts import pil_font


def _page(letterhead: tuple[int, int, int] | None) -> np.ndarray:
    page = Image.new("RGB", (1240, 1754), (241, 241, 236))
    draw = ImageDraw.Draw(page)
    if letterhead is not None:
        draw.rectangle((100, 70, 146, 116), fill=letterhead)  # the logo
        draw.text((160, 76), "招商银行", fill=letterhead, font=pil_font("hei", 36))
    draw.text((420, 200), "个人账户交易流水", fill=(25, 25, 25), font=pil_font("hei", 40))
    draw.text((100, 400), "户名：张伟  账号：6214830212345678", fill=(25, 25, 25), font=pil_font("hei", 30))
    return np.asarray(page)[:, :, ::-1].copy()  # BGR, as the page is kept


def test_the_red_lettering_at_the_head_of_a_page_is_read_and_the_black_text_is_left_to_the_first_reading():
    # Given a page with its bank's name in red beside the logo, and a black title below it
    runs = read_red_letterhead(get_engine("rapidocr"), _page((168, 38, 54)))
    # Then the second look gives the red name only (the title and the lines below were read the first time)
    assert [run.text for run in runs] == ["招商银行"]
    assert runs[0].y1 < 200


def test_a_page_without_red_ink_at_its_head_is_not_read_again():
    assert read_red_letterhead(get_engine("rapidocr"), _page(None)) == []
