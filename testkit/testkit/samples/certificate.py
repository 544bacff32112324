"""Income certificate (收入证明): an A4 page in one of three templates, stamped with the company seal."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import numpy as np
from PIL import Image, ImageDraw

from testkit.samples.fonts import available_styles, pil_font
from testkit.samples.seal import INK_COLOURS, inked, seal_mask, stamp
from testkit.samples.text import amount_in_words, cn_date, cn_numeral_date, grouped, wrap

DPI = 150
PAGE_PX = (1240, 1754)  # A4 at 150 dpi
TEMPLATES = ("letter", "table", "letterhead")  # drawn by default
MORE_TEMPLATES = ("short", "form_grid")  # chosen only when asked for (a default batch stays as it was)
AMOUNT_STYLES = ("figures_and_words", "words_only", "yen", "plain_yuan")
INK = (24, 24, 28)
HR_NAMES = ("王女士", "李先生", "张女士", "刘经理", "陈主管", "赵女士", "周先生")
NOTES = ("", "本证明仅用于办理个人汽车贷款，复印无效。",
         "本证明仅作为收入情况证明，不作为我单位对该员工任何形式的担保文件。")
ADDRESSEES = ("致：贵行", "致：相关金融机构", "致：汽车金融有限公司", "")


@dataclass(frozen=True)
class CertificateContent:
    """What the certificate states (the ground truth of its fields)."""

    name: str
    sex: str
    id_number: str
    employer: str
    position: str
    monthly_income: Decimal
    employment_start: date
    issue_date: date


def _pt(points: float) -> int:
    return round(points * DPI / 72)


def amount_phrase(amount: Decimal, style: str) -> str:
    if style == "figures_and_words":
        return f"人民币{grouped(amount)}元（大写：{amount_in_words(amount)}）"
    if style == "words_only":
        return f"人民币{amount_in_words(amount)}"
    if style == "yen":
        return f"¥{grouped(amount)}"
    return f"{int(amount)}元" if amount == int(amount) else f"{amount:.2f}元"


@dataclass
class _Layout:
    """A page being written: a cursor and the places the seal should cover."""

    image: Image.Image
    draw: ImageDraw.ImageDraw
    body_style: str
    y: int
    left: int = 150
    right: int = PAGE_PX[0] - 150

    def font(self, points: float, style: str | None = None):
        return pil_font(style or self.body_style, _pt(points))

    def paragraph(self, text: str, points: float = 14, *, indent: bool = True, gap: float = 1.9) -> None:
        font = self.font(points)
        indent_px = round(font.getlength("中") * 2) if indent else 0
        lines = wrap(text, self.right - self.left, font.getlength, first_indent_px=indent_px)
        for index, line in enumerate(lines):
            x = self.left + (indent_px if index == 0 else 0)
            self.draw.text((x, self.y), line, font=font, fill=INK)
            self.y += round(_pt(points) * gap)

    def centred(self, text: str, points: float, *, style: str = "hei", bold: int = 1, spacing: float = 0) -> None:
        font = self.font(points, style)
        widths = [font.getlength(char) for char in text]
        total = sum(widths) + spacing * _pt(points) * (len(text) - 1)
        x = (PAGE_PX[0] - total) / 2
        for char, width in zip(text, widths, strict=True):
            self.draw.text((x, self.y), char, font=font, fill=INK, stroke_width=bold, stroke_fill=INK)
            x += width + spacing * _pt(points)
        self.y += round(_pt(points) * 2.2)

    def right_aligned(self, text: str, points: float = 14, *, right: int | None = None) -> tuple[int, int]:
        """Write flush right; returns the centre of the written text (a place for the seal)."""
        font = self.font(points)
        right = right or self.right - 40
        width = font.getlength(text)
        self.draw.text((right - width, self.y), text, font=font, fill=INK)
        centre = (round(right - width / 2), self.y + _pt(points) // 2)
        self.y += round(_pt(points) * 1.9)
        return centre


def _letter(layout: _Layout, rng: random.Random, content: CertificateContent, amount_style: str) -> tuple[int, int]:
    layout.centred("收入证明", 24, spacing=0.8)
    layout.y += _pt(10)
    layout.paragraph(
        f"兹证明 {content.name} 同志（身份证号码：{content.id_number}）自{cn_date(content.employment_start, pad=False)}"
        f"起在我单位工作，现任{content.position}职务，月收入为{amount_phrase(content.monthly_income, amount_style)}。")
    layout.paragraph("特此证明。")
    layout.y += _pt(6)
    note = rng.choice(NOTES)
    if note:
        layout.paragraph(note, 11, gap=1.6)
    layout.y += _pt(60)
    employer_at = layout.right_aligned(content.employer)
    date_at = layout.right_aligned(cn_date(content.issue_date))
    return ((employer_at[0] + date_at[0]) // 2, (employer_at[1] + date_at[1]) // 2)


def _table(layout: _Layout, rng: random.Random, content: CertificateContent, amount_style: str) -> tuple[int, int]:
    layout.centred(rng.choice(("工作及收入证明", "在职收入证明")), 22, spacing=0.4)
    layout.y += _pt(6)
    layout.paragraph("兹证明以下人员为我单位正式员工，具体情况如下：", indent=False)
    layout.y += _pt(4)
    rows = (
        ("姓名", content.name),
        ("性别", content.sex),
        ("身份证号码", content.id_number),
        ("工作单位", content.employer),
        ("现任职务", content.position),
        ("入职时间", cn_date(content.employment_start, pad=True)),
        ("月收入（税前）", amount_phrase(content.monthly_income, amount_style)),
    )
    font = layout.font(13)
    row_height = _pt(13) * 2 + 10
    split = layout.left + 290
    top = layout.y
    for label, value in rows:
        layout.draw.text((layout.left + 18, layout.y + 14), label, font=font, fill=INK)
        value_lines = wrap(value, layout.right - split - 30, font.getlength)
        height = row_height + (len(value_lines) - 1) * (_pt(13) + 12)
        for index, line in enumerate(value_lines):
            layout.draw.text((split + 18, layout.y + 14 + index * (_pt(13) + 12)), line, font=font, fill=INK)
        layout.draw.line((layout.left, layout.y, layout.right, layout.y), fill=INK, width=2)
        layout.y += height
    layout.draw.line((layout.left, layout.y, layout.right, layout.y), fill=INK, width=2)
    for x in (layout.left, split, layout.right):
        layout.draw.line((x, top, x, layout.y), fill=INK, width=2)
    layout.y += _pt(16)
    layout.paragraph("以上情况属实，特此证明。")
    layout.y += _pt(50)
    employer_at = layout.right_aligned(f"单位名称（盖章）：{content.employer}")
    date_at = layout.right_aligned(f"日期：{cn_date(content.issue_date)}")
    return (employer_at[0] + 60, (employer_at[1] + date_at[1]) // 2)


def _letterhead(layout: _Layout, rng: random.Random, content: CertificateContent,
                amount_style: str) -> tuple[int, int]:
    head_font = layout.font(16, "hei")
    layout.draw.text((layout.left, layout.y), content.employer, font=head_font, fill=(30, 60, 120),
                     stroke_width=1, stroke_fill=(30, 60, 120))
    layout.y += _pt(16) + 16
    layout.draw.line((layout.left, layout.y, layout.right, layout.y), fill=(30, 60, 120), width=4)
    layout.y += _pt(26)
    layout.centred("收入证明", 22, spacing=0.6)
    addressee = rng.choice(ADDRESSEES)
    if addressee:
        layout.paragraph(addressee, indent=False)
    amount = amount_phrase(content.monthly_income, amount_style)
    layout.paragraph(
        f"兹有我单位员工{content.name}（身份证号码：{content.id_number}），于{cn_date(content.employment_start)}"
        f"入职，现担任{content.position}一职。该员工月均收入（税前）为{amount}。")
    layout.paragraph("我单位保证以上情况属实，如有不实，愿承担相应责任。")
    layout.paragraph("特此证明！")
    layout.y += _pt(40)
    employer_at = layout.right_aligned(f"单位名称（盖章）：{content.employer}")
    telephone = f"0{rng.randint(10, 999)}-{rng.randint(2000000, 89999999)}"
    layout.right_aligned(f"联系人：{rng.choice(HR_NAMES)}  联系电话：{telephone}", 12)
    date_at = layout.right_aligned(cn_date(content.issue_date))
    return (employer_at[0] + 80, (employer_at[1] + date_at[1]) // 2)


def _short(layout: _Layout, rng: random.Random, content: CertificateContent, amount_style: str) -> tuple[int, int]:
    """A short letter: one sentence, the employer named only in it and in the sign-off, a date in words."""
    layout.centred("证明", 24, spacing=1.2)
    layout.y += _pt(10)
    amount = amount_phrase(content.monthly_income, amount_style)
    layout.paragraph(
        f"兹证明{content.name}（身份证号：{content.id_number}）系我公司{content.position}，"
        f"自{cn_date(content.employment_start, pad=False)}入职至今，每月收入{amount}。")
    layout.paragraph("特此证明。")
    layout.y += _pt(60)
    employer_at = layout.right_aligned(content.employer)
    date_at = layout.right_aligned(cn_numeral_date(content.issue_date))
    return ((employer_at[0] + date_at[0]) // 2, (employer_at[1] + date_at[1]) // 2)


def _grid_row(layout: _Layout, cells: list[tuple[str, str]], edges: list[int], height: int) -> None:
    font = layout.font(12)
    for (label, value), (left, middle, right) in zip(cells, _cell_edges(edges, len(cells)), strict=True):
        layout.draw.text((left + 12, layout.y + 12), label, font=font, fill=INK)
        layout.draw.text((middle + 12, layout.y + 12), value, font=font, fill=INK)
        for x in (left, middle, right):
            layout.draw.line((x, layout.y, x, layout.y + height), fill=INK, width=2)
    layout.draw.line((layout.left, layout.y, layout.right, layout.y), fill=INK, width=2)
    layout.y += height


def _cell_edges(edges: list[int], count: int) -> list[tuple[int, int, int]]:
    """A row of ``count`` label/value pairs over the four columns ``edges``: one pair spans them all."""
    if count == 2:
        return [(edges[0], edges[1], edges[2]), (edges[2], edges[3], edges[4])]
    return [(edges[0], edges[1], edges[4])]


def _form_grid(layout: _Layout, rng: random.Random, content: CertificateContent,
               amount_style: str) -> tuple[int, int]:
    """A printed form: a four-column grid, two label/value pairs on a row where they fit."""
    layout.centred("收入证明", 22, spacing=0.6)
    layout.y += _pt(6)
    width = layout.right - layout.left
    edges = [layout.left, layout.left + width * 18 // 100, layout.left + width * 50 // 100,
             layout.left + width * 68 // 100, layout.right]
    height = _pt(12) * 2 + 8
    _grid_row(layout, [("姓名", content.name), ("性别", content.sex)], edges, height)
    _grid_row(layout, [("身份证号", content.id_number)], edges, height)
    _grid_row(layout, [("工作单位", content.employer)], edges, height)
    _grid_row(layout, [("职务", content.position), ("入职日期", f"{content.employment_start:%Y.%m.%d}")], edges,
              height)
    _grid_row(layout, [("月收入", amount_phrase(content.monthly_income, amount_style))], edges, height)
    layout.draw.line((layout.left, layout.y, layout.right, layout.y), fill=INK, width=2)
    layout.y += _pt(16)
    layout.paragraph("上述情况属实，特此证明。", indent=False)
    layout.y += _pt(50)
    employer_at = layout.right_aligned(f"单位（盖章）：{content.employer}")
    date_at = layout.right_aligned(f"{content.issue_date:%Y年%m月%d日}")
    return (employer_at[0] + 60, (employer_at[1] + date_at[1]) // 2)


_TEMPLATE_WRITERS = {"letter": _letter, "table": _table, "letterhead": _letterhead, "short": _short,
                     "form_grid": _form_grid}


def render_certificate(rng: random.Random, content: CertificateContent, *, template: str | None = None,
                       amount_style: str | None = None, seal_over_body: bool = False) -> Image.Image:
    """The certificate page as RGB (A4, 150 dpi), the seal over the employer name and the date."""
    template = template or rng.choice(TEMPLATES)
    amount_style = amount_style or rng.choice(AMOUNT_STYLES)
    paper = rng.choice(((252, 252, 250), (250, 249, 244), (255, 255, 255)))
    image = Image.new("RGB", PAGE_PX, paper)
    body_style = rng.choice(available_styles("song", "kai", "hei"))
    layout = _Layout(image, ImageDraw.Draw(image), body_style, y=_pt(rng.uniform(70, 110)))
    seal_at = _TEMPLATE_WRITERS[template](layout, rng, content, amount_style)
    page = np.array(image)
    diameter = _pt(42 / 25.4 * 72)  # a 42 mm company seal
    mask = seal_mask(rng, content.employer, diameter, centre_text=rng.choice(("", "", "人事专用章")),
                     code=f"{rng.randrange(10**12, 10**13)}", font_style=rng.choice(available_styles("song", "hei")))
    coverage = inked(rng, mask, angle=rng.uniform(-25, 25), opacity=rng.uniform(0.8, 0.95))
    jitter = (rng.randint(-40, 40), rng.randint(-30, 30))
    if seal_over_body:  # hard tier: the seal sits higher and hides part of the body text
        jitter = (jitter[0] - rng.randint(0, 160), jitter[1] - rng.randint(140, 240))
    stamp(page, coverage, (seal_at[0] + jitter[0], seal_at[1] + jitter[1]), rng.choice(INK_COLOURS))
    return Image.fromarray(page, "RGB")
