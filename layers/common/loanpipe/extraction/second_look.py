"""Second looks: where a document's layout says the first reading of a page missed or cut text, the
engine is asked to look again there (``OcrEngine.read_line`` / ``reread`` / ``read_crop``). This module
knows where to look (the card's 性别 and 民族 zones, a statement's date column, counterparty cells and account
number, the certificate's signing line, a page's red letterhead); the engine knows how. An engine without a
second look returns nothing and the first reading stands."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from loanpipe.extraction.engines.base import OcrEngine, PageScan, Stretch
from loanpipe.extraction.labels import compact
from loanpipe.extraction.layout import PageText, TextBox
from loanpipe.extraction.normalize import clean_text, find_ethnicity, find_sex, parse_date
from loanpipe.extraction.parsers.certificate import ORG_ENDINGS
from loanpipe.extraction.parsers.statement_columns import DATE_CELL, Column, find_header
from loanpipe.extraction.parsers.statement_table import Undated, Unnamed
from loanpipe.extraction.preprocess import red_seal_mask

HEAD_SHARE = 0.18  # the head of a page, where a bank or an employer prints its name and logo
RED_IN_BOX = 0.05  # share of a run's box in red ink for the run to be the red lettering


def read_lone_sex(engine: OcrEngine, image: np.ndarray, boxes: list[TextBox]) -> list[TextBox]:
    """The card's sex is one character (男 / 女) standing alone after its label, and the detector now and
    then finds no text there. When the 性别 label was read with nothing after it on its line, the zone
    right of the label (two glyphs wide) is read as it is printed, by the card's layout."""
    label = next((b for b in boxes if compact(b.text) == "性别"), None)
    if label is None or any(b is not label and abs(b.cy - label.cy) < 0.5 * label.height
                            and 0 <= b.x0 - label.x1 < 1.5 * label.height for b in boxes):
        return boxes
    height = label.height
    top, bottom = max(0, int(label.y0)), min(image.shape[0], int(label.y1))
    left = min(image.shape[1], int(label.x1 + 0.3 * height))
    right = min(image.shape[1], int(label.x1 + 2.6 * height))
    if bottom - top < 8 or right - left < 8:
        return boxes
    line = engine.read_line(image[top:bottom, left:right])
    if line is None:
        return boxes
    text = compact(clean_text(line.text))
    sex = find_sex(text) if len(text) <= 2 else None  # the zone may catch the label's last stroke
    if sex is None:
        return boxes
    return [*boxes, TextBox(sex, left, top, right, bottom, line.confidence)]


def read_sex_without_label(engine: OcrEngine, image: np.ndarray, boxes: list[TextBox]) -> list[TextBox]:
    """No 性别 read at all (a pale label in glare, its lone 男 or 女 not detected): the sex line lies halfway
    between the 姓名 and 出生 lines, the sex under the name's value. That zone, up to the 民族 label when it
    was read, is read as it is printed; the label goes back in the column with what was found there (a sex
    already read alone in the zone is kept as read)."""
    if any("性别" in compact(b.text) for b in boxes):
        return boxes
    name = next((b for b in boxes if compact(b.text).startswith("姓名")), None)
    birth = next((b for b in boxes if compact(b.text).startswith("出生")), None)
    if name is None or birth is None:
        return boxes
    height = (name.height + birth.height) / 2
    if birth.cy - name.cy < 2 * height:
        return boxes
    column_x, cy = min(name.x0, birth.x0), (name.cy + birth.cy) / 2
    top, bottom = max(0, int(cy - 0.8 * height)), min(image.shape[0], int(cy + 0.8 * height))
    left = int(column_x + 1.6 * height)
    ethnicity = next((b for b in boxes if "民族" in compact(b.text) and abs(b.cy - cy) < height), None)
    right = int(min(ethnicity.x0 - 0.3 * height if ethnicity else image.shape[1], column_x + 4 * height))
    label = TextBox("性别", column_x, top, left - 1, bottom, min(name.confidence, birth.confidence))
    if any(find_sex(compact(b.text)) and len(compact(b.text)) <= 2 and abs(b.cy - cy) < 0.6 * height
           for b in boxes):
        return [*boxes, label]
    if right - left < height or bottom - top < 8:
        return boxes
    line = engine.read_line(image[top:bottom, left:right])
    text = compact(clean_text(line.text)) if line is not None else ""
    sex = find_sex(text) if 0 < len(text) <= 2 else None
    if sex is None:
        return boxes
    return [*boxes, replace(label, confidence=min(label.confidence, line.confidence)),
            TextBox(sex, left, top, right, bottom, line.confidence)]


def read_lone_ethnicity(engine: OcrEngine, image: np.ndarray, boxes: list[TextBox]) -> list[TextBox]:
    """The card's 民族 (a small label and one or two characters) stands on the 性别 line, past the sex, and
    the detector now and then finds neither. When nothing past the sex was read on that line, the line is
    read there as it is printed, up to the photo (the card's left three fifths), and kept when it names one
    of the 56 ethnic groups (the parser trusts a value without its label no higher than 0.90)."""
    label = next((b for b in boxes if compact(b.text).startswith("性别")), None)
    if label is None:
        return boxes
    height = label.height
    on_line = [b for b in boxes if b is not label and abs(b.cy - label.cy) < 0.5 * height and b.x0 > label.x0]
    if any("民族" in b.text or find_ethnicity(compact(b.text)) for b in on_line):
        return boxes
    left = int(max([label.x1, *(b.x1 for b in on_line)]) + 0.5 * height)
    right = int(0.62 * image.shape[1])
    top, bottom = max(0, int(label.y0 - 0.15 * height)), min(image.shape[0], int(label.y1 + 0.15 * height))
    if right - left < 2 * height or bottom - top < 8:
        return boxes
    line = engine.read_line(image[top:bottom, left:right])
    text = compact(clean_text(line.text)).split("民族")[-1] if line is not None else ""
    ethnicity = find_ethnicity(text) if 0 < len(text) <= 4 else None
    if ethnicity is None:
        return boxes
    return [*boxes, TextBox(ethnicity, left, top, right, bottom, line.confidence)]


def lines_below_table(top: Sequence[TextBox], found: Sequence[TextBox]) -> set[int]:
    """The lines not worth reading on a page whose top (``top``, read) holds a statement table's header:
    the detected text (``found``) more than a line below the last cell of the date column."""
    header = find_header(top)
    if header is None:
        return set()
    return _below_table(found, header)


def _below_table(frames: Sequence[TextBox], header: tuple[list[Column], float]) -> set[int]:
    columns, header_bottom = header
    date_column = next((c for c in columns if c.role == "date"), None)
    if date_column is None:
        return set()
    in_column = [f for f in frames
                 if f.cy > header_bottom and min(f.x1, date_column.x1) - max(f.x0, date_column.x0) > 0]
    if len(in_column) < 3:
        return set()
    typical = float(np.median([f.width for f in in_column]))
    cells = [f for f in in_column if f.width <= 1.6 * typical]
    if not cells:
        return set()
    line = float(np.median([f.height for f in cells]))
    end = max(f.y1 for f in cells) + 1.5 * line
    return {i for i, f in enumerate(frames) if f.y0 > end}


_FULL_DATE = re.compile(r"^(?:19|20)\d{2}[-./]?\d{2}[-./]?\d{2}$")
_CUT_DATE = re.compile(r"^(?:19|20)\d{1,5}[-./]?\d{0,2}$")


def complete_cut_dates(engine: OcrEngine, scan: PageScan, boxes: list[TextBox]) -> list[TextBox]:
    """The detector sometimes boxes only the start of a date cell ("2026" of "20260203"). Such a box, in
    the column where the page's dates are, is widened to a full date's width and read again."""
    dates = [b for b in boxes if _FULL_DATE.match(b.text)]
    if len(dates) < 5:
        return boxes
    width = float(np.median([b.width for b in dates]))
    left = float(np.median([b.x0 for b in dates]))
    cut = [b for b in boxes if _CUT_DATE.match(b.text) and not _FULL_DATE.match(b.text)
           and abs(b.x0 - left) < 0.3 * width and b.width < 0.9 * width]
    if not cut:
        return boxes
    again = engine.reread(scan, [Stretch(box, 1.08 * width) for box in cut])
    fixed = {(round(b.x0), round(b.y0)): b for b in again if _FULL_DATE.match(b.text)}
    result = []
    for box in boxes:
        better = fixed.get((round(box.x0), round(box.y0))) if box in cut else None
        if better is not None:
            box = TextBox(better.text, box.x0, box.y0, box.x0 + width, box.y1, min(box.confidence, better.confidence),
                          box.angle)
        result.append(box)
    return result


_ACCOUNT_RUN = re.compile(r"^(?P<label>\S{0,4}[账卡帐]?号[:：]?)(?P<digits>[\d ]{8,})\D?$")
CARD_DIGITS = 16  # a debit card number has 16 to 19 digits; a run with fewer was cut short or misread


def complete_cut_account_number(engine: OcrEngine, scan: PageScan, boxes: list[TextBox]) -> list[TextBox]:
    """The account number in a statement's head (账号: 6217 0011 7270 0503 030) is printed in spaced groups,
    and the detector sometimes boxes only its first groups. A 账号 run ending in fewer than ``CARD_DIGITS``
    digits, with nothing read just right of it, is read again along its line over half its width more,
    and kept when the second reading holds the first one's digits and more."""
    cut = []
    for box in boxes:
        match = _ACCOUNT_RUN.match(compact(box.text))
        if match is None or len(match["digits"].replace(" ", "")) >= CARD_DIGITS:
            continue
        if any(other is not box and abs(other.cy - box.cy) < 0.5 * box.height
               and 0 <= other.x0 - box.x1 < 4 * box.height for other in boxes):
            continue
        cut.append(box)
    if not cut:
        return boxes
    again = engine.reread(scan, [Stretch(box, 1.5 * box.width) for box in cut])
    longer = {(round(box.x0), round(box.y0)): (match, box) for box in again
              if (match := _ACCOUNT_RUN.match(compact(box.text)))}
    result = []
    for box in boxes:
        found = longer.get((round(box.x0), round(box.y0))) if box in cut else None
        first = _ACCOUNT_RUN.match(compact(box.text))
        if found is not None and first is not None:
            second, better = found
            digits, before = second["digits"].replace(" ", ""), first["digits"].replace(" ", "")
            if len(digits) > len(before) and digits.startswith(before[:8]):
                label = max(first["label"], second["label"], key=len)
                box = TextBox(label + digits, box.x0, box.y0, box.x0 + 1.5 * box.width, box.y1,
                              min(box.confidence, better.confidence), box.angle)
        result.append(box)
    return result


def read_below_signature(engine: OcrEngine, page: PageText) -> list[TextBox]:
    """The certificate's date is printed under the signing line (单位名称（盖章）), where the red seal
    sits: after the seal is taken out, the page-wide detection sometimes finds no text there. The band
    below the signing line is searched again at full resolution (``engine``: the one that read the page)."""
    image = page.image
    if image is None:
        return []
    # The signing line: 单位名称（盖章）..., or the employer's name alone on a line in the lower part.
    signing = [b for b in page.boxes if b.cy > 0.4 * page.height
               and ("盖章" in b.text or b.text.startswith("单位名称") or compact(b.text).endswith(ORG_ENDINGS))]
    label = max(signing, key=lambda b: b.cy, default=None)
    if label is None:
        return []
    height = label.height
    top, bottom = int(label.y1 + 0.1 * height), min(image.shape[0], int(label.y1 + 2.5 * height))
    left = max(0, int(label.x0))
    if bottom - top < 8 or image.shape[1] - left < 8:
        return []
    return [TextBox(b.text, b.x0 + left, b.y0 + top, b.x1 + left, b.y1 + top, b.confidence, b.angle, b.word_confidence)
            for b in engine.read_crop(image[top:bottom, left:])]


def read_undated(engine: OcrEngine, image: np.ndarray, undated: Sequence[Undated]) -> list[TextBox]:
    """A statement line whose amounts were read but whose date was not (the detector found no text in
    the date cell) is a row the table would lose: its date cell is read as one line, and kept when it is
    a whole date. The running balance then judges the row like any other."""
    found = []
    for region in undated:
        top, bottom = max(0, int(region.top)), min(image.shape[0], int(region.bottom))
        left, right = max(0, int(region.left)), min(image.shape[1], int(region.right))
        if bottom - top < 8 or right - left < 8:
            continue
        line = engine.read_line(image[top:bottom, left:right])
        text = compact(clean_text(line.text)) if line is not None else ""
        match = DATE_CELL.match(text)
        if match is None or parse_date(match.group(0)) is None:
            continue
        x0, x1 = region.cell
        found.append(TextBox(match.group(0), x0, top, max(x1, x0 + 1), bottom, line.confidence if line else 0.0))
    return found


def read_unnamed(engine: OcrEngine, image: np.ndarray, unnamed: Sequence[Unnamed]) -> list[TextBox]:
    """A row that names its counterparty (a salary, a purchase) whose 对方户名 cell was read empty: a seal
    printed over the name, or a faint print, left the detector nothing to find. The cell is read as one line
    and kept when it holds a word (two characters or more); the row's confidence then follows that reading."""
    found = []
    for region in unnamed:
        top, bottom = max(0, int(region.top)), min(image.shape[0], int(region.bottom))
        left, right = max(0, int(region.left)), min(image.shape[1], int(region.right))
        if bottom - top < 8 or right - left < 2 * (bottom - top):
            continue
        line = engine.read_line(image[top:bottom, left:right])
        text = compact(clean_text(line.text)) if line is not None else ""
        if len(re.sub(r"[^\w\u3400-\u9fff]", "", text)) < 2 or line is None:
            continue
        width = min(right - left, (bottom - top) * 0.9 * len(text))
        found.append(TextBox(text, left + 0.5 * (bottom - top), top, left + 0.5 * (bottom - top) + width, bottom,
                             line.confidence))
    return found


def read_red_letterhead(engine: OcrEngine, colour: np.ndarray | None) -> list[TextBox]:
    """A bank's name printed in red at the head of the page (the logo's lettering: 中国银行, 招商银行 ...) is
    taken out with the seals before the page is read: red strokes read as paper. The head of the page is
    read again in its green channel, where red ink is as dark as black, and the runs printed in red are
    kept (the black ones were read the first time). ``colour``: the page as read (BGR, the boxes' pixels)."""
    if colour is None or colour.ndim != 3:
        return []
    band = colour[: int(colour.shape[0] * HEAD_SHARE)]
    red = red_seal_mask(band) > 0
    if red.mean() < 0.001:
        return []
    found = []
    for box in engine.read_crop(np.ascontiguousarray(band[:, :, 1])):
        y0, y1 = max(0, int(box.y0)), min(band.shape[0], int(box.y1))
        x0, x1 = max(0, int(box.x0)), min(band.shape[1], int(box.x1))
        if y1 > y0 and x1 > x0 and red[y0:y1, x0:x1].mean() >= RED_IN_BOX:
            found.append(box)
    return found
