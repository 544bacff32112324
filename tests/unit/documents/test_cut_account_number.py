"""A statement's account number printed in spaced groups, boxed by the detector only up to its first groups
(seen on dev-set photos: 6217001172700503030 read as 62170011727005): read again along its line."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PIL import Image, ImageDraw

from loanpipe.extraction.engines import get_engine
from loanpipe.extraction.engines.base import PageScan
from loanpipe.extraction.labels import compact
from loanpipe.extraction.second_look import complete_cut_account_number
from testkit.samples.fonts import pil_font


def _head() -> np.ndarray:
    page = Image.new("L", (1400, 200), 246)
    draw = ImageDraw.Draw(page)
    draw.text((40, 40), "户名：陈驰毅", fill=25, font=pil_font("song", 30))
    draw.text((40, 110), "账号：6217 0011 7270 0503 030", fill=25, font=pil_font("song", 30))
    return np.asarray(page).copy()


def _scan() -> PageScan:
    engine = get_engine("rapidocr")
    image = _head()
    detection = engine.detect(np.stack([image] * 3, axis=2))
    return PageScan(image, engine.recognise(detection), detection)


def test_an_account_number_boxed_short_is_read_again_along_its_line():
    scan = _scan()
    [account] = [b for b in scan.boxes if "账号" in b.text]
    assert compact(account.text).endswith("6217001172700503030")
    # Given the first reading cut it after five groups of digits
    cut = replace(account, text="账号:62170011727005", x1=account.x0 + 0.72 * account.width)
    boxes = [cut if b is account else b for b in scan.boxes]
    fixed = complete_cut_account_number(get_engine("rapidocr"), scan, boxes)
    # Then the whole number is there, and nothing else changed
    assert [compact(b.text) for b in fixed if "账号" in b.text] == ["账号:6217001172700503030"]
    assert [b.text for b in fixed if "账号" not in b.text] == [b.text for b in boxes if "账号" not in b.text]


def test_a_whole_account_number_is_not_read_again():
    scan = _scan()
    assert complete_cut_account_number(get_engine("rapidocr"), scan, scan.boxes) == scan.boxes
