"""Second-generation resident ID card (第二代居民身份证), both sides, 85.6 x 54 mm.

Positions follow the printed card: labels in a pale blue on the left, values beside them, the
portrait on the right of the 人像面; the 国徽面 carries an emblem-like drawing (not the real
emblem), 中华人民共和国 / 居民身份证, 签发机关 and 有效期限. The portrait is a drawn
head-and-shoulders silhouette, never a face.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from testkit.samples.fonts import pil_font

CARD_MM = (85.6, 54.0)
CARD_PX = (1012, 638)  # about 300 dpi
PX_PER_MM = CARD_PX[0] / CARD_MM[0]
LABEL_BLUE = (38, 104, 166)
VALUE_INK = (22, 22, 26)
SKIN_TONES = ((232, 196, 170), (222, 184, 150), (205, 165, 130), (240, 208, 184))
HAIR = ((28, 24, 22), (40, 32, 28), (52, 44, 40))
CLOTHES = ((30, 36, 52), (48, 48, 52), (20, 20, 24), (62, 42, 40))


@dataclass(frozen=True)
class CardFront:
    """What the 人像面 prints (may differ from the ID number when a defect is planted)."""

    name: str
    sex: str
    ethnicity: str
    birth: date
    address: str
    id_number: str


@dataclass(frozen=True)
class CardBack:
    issuing_authority: str
    valid_from: date
    valid_until: date | None  # None = 长期

    @property
    def validity_text(self) -> str:
        end = "长期" if self.valid_until is None else f"{self.valid_until:%Y.%m.%d}"
        return f"{self.valid_from:%Y.%m.%d}-{end}"


def _mm(value: float) -> int:
    return round(value * PX_PER_MM)


def _background(rng: random.Random, tint: tuple[int, int, int]) -> Image.Image:
    """Pale base with guilloche-like interfering sine lines and a soft radial rosette."""
    width, height = CARD_PX
    low_w, low_h = width // 2, height // 2  # the smooth base is drawn at half size
    yy, xx = np.mgrid[0:low_h, 0:low_w].astype(np.float32) * 2
    base = np.empty((low_h, low_w, 3), dtype=np.float32)
    for channel in range(3):
        start = 244 - (244 - tint[channel]) * 0.35
        base[..., channel] = start + (xx / width) * rng.uniform(-6, 4) + (yy / height) * rng.uniform(-5, 3)
    # rosette
    cx, cy = width * rng.uniform(0.35, 0.6), height * rng.uniform(0.4, 0.6)
    radius = np.hypot(xx - cx, yy - cy)
    theta = np.arctan2(yy - cy, xx - cx)
    rosette = 0.5 + 0.5 * np.cos(radius / 9.0 + 6 * np.sin(theta * 12))
    base -= (rosette * 10 * np.exp(-radius / (width * 0.45)))[..., None] * np.array([0.6, 0.3, 0.1])
    base = cv2.resize(base, (width, height), interpolation=cv2.INTER_LINEAR)
    image = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    colours = ((208, 222, 232), (234, 216, 222), (230, 232, 210), (216, 228, 220))
    for family in range(3):
        colour = colours[(family + rng.randrange(4)) % 4]
        amplitude = rng.uniform(18, 40)
        wavelength = rng.uniform(90, 190)
        phase_step = rng.uniform(0.12, 0.3)
        for line in range(26):
            offset = line * height / 22 - 40
            phase = line * phase_step + family
            points = [(x, offset + amplitude * math.sin(x / wavelength * 2 * math.pi + phase)
                       + 0.35 * amplitude * math.sin(x / (wavelength * 0.37) + phase * 2))
                      for x in range(0, width + 8, 8)]
            draw.line(points, fill=colour, width=1)
    return image


def _rounded_alpha(radius_px: int) -> Image.Image:
    alpha = Image.new("L", CARD_PX, 0)
    ImageDraw.Draw(alpha).rounded_rectangle((0, 0, CARD_PX[0] - 1, CARD_PX[1] - 1), radius=radius_px, fill=255)
    return alpha


def _portrait(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A head-and-shoulders silhouette on a light backdrop (no face features)."""
    width, height = size
    backdrop = rng.choice(((236, 238, 240), (228, 236, 244), (242, 242, 238)))
    image = Image.new("RGB", size, backdrop)
    draw = ImageDraw.Draw(image)
    skin, hair, cloth = rng.choice(SKIN_TONES), rng.choice(HAIR), rng.choice(CLOTHES)
    cx = width * rng.uniform(0.47, 0.53)
    head_w, head_h = width * 0.42, height * 0.40
    head_top = height * 0.14
    # shoulders and neck
    draw.ellipse((cx - width * 0.62, height * 0.70, cx + width * 0.62, height * 1.45), fill=cloth)
    draw.rectangle((cx - head_w * 0.22, head_top + head_h * 0.8, cx + head_w * 0.22, height * 0.78), fill=skin)
    draw.polygon([(cx - head_w * 0.22, height * 0.74), (cx, height * 0.86), (cx + head_w * 0.22, height * 0.74)],
                 fill=tuple(max(0, c - 25) for c in skin))
    # ears, head, hair
    draw.ellipse((cx - head_w * 0.58, head_top + head_h * 0.38, cx - head_w * 0.38, head_top + head_h * 0.62),
                 fill=skin)
    draw.ellipse((cx + head_w * 0.38, head_top + head_h * 0.38, cx + head_w * 0.58, head_top + head_h * 0.62),
                 fill=skin)
    draw.ellipse((cx - head_w / 2, head_top, cx + head_w / 2, head_top + head_h), fill=skin)
    hair_depth = rng.uniform(0.28, 0.42)
    draw.chord((cx - head_w * 0.54, head_top - head_h * 0.06, cx + head_w * 0.54, head_top + head_h * 0.75),
               start=180, end=360, fill=hair)
    draw.rectangle((cx - head_w * 0.54, head_top + head_h * 0.3, cx - head_w * 0.44,
                    head_top + head_h * (0.3 + hair_depth)), fill=hair)
    draw.rectangle((cx + head_w * 0.44, head_top + head_h * 0.3, cx + head_w * 0.54,
                    head_top + head_h * (0.3 + hair_depth)), fill=hair)
    return image.filter(ImageFilter.GaussianBlur(1.2))


def _spaced(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, font, fill, spacing_px: float,
            *, bold: int = 0) -> None:
    x, y = xy
    for char in text:
        draw.text((x, y), char, font=font, fill=fill, stroke_width=bold, stroke_fill=fill)
        x += font.getlength(char) + spacing_px


def render_front(rng: random.Random, card: CardFront) -> Image.Image:
    """The 人像面 as an RGBA image (transparent rounded corners)."""
    image = _background(rng, (206, 222, 232))
    draw = ImageDraw.Draw(image)
    label_font = pil_font("hei", _mm(2.9))
    value_font = pil_font("hei", _mm(3.3))
    name_font = pil_font("hei", _mm(4.1))
    number_font = pil_font("digits", _mm(3.9))
    value_x = _mm(17.5)

    def label(x_mm: float, y_mm: float, text: str) -> None:
        _spaced(draw, (_mm(x_mm), _mm(y_mm)), text, label_font, LABEL_BLUE, _mm(1.2) if len(text) == 2 else 0)

    label(7.0, 7.6, "姓名")
    draw.text((value_x, _mm(6.8)), card.name, font=name_font, fill=VALUE_INK)
    label(7.0, 14.6, "性别")
    draw.text((value_x, _mm(14.2)), card.sex, font=value_font, fill=VALUE_INK)
    label(29.5, 14.6, "民族")
    draw.text((_mm(40.5), _mm(14.2)), card.ethnicity, font=value_font, fill=VALUE_INK)
    label(7.0, 21.6, "出生")
    year_x = value_x
    draw.text((year_x, _mm(21.2)), f"{card.birth.year}", font=value_font, fill=VALUE_INK)
    label(27.6, 21.6, "年")
    draw.text((_mm(35.2), _mm(21.2)), f"{card.birth.month}", font=value_font, fill=VALUE_INK, anchor="ra")
    label(36.0, 21.6, "月")
    draw.text((_mm(45.0), _mm(21.2)), f"{card.birth.day}", font=value_font, fill=VALUE_INK, anchor="ra")
    label(45.8, 21.6, "日")
    label(7.0, 28.6, "住址")
    line_width = _mm(53.5) - value_x
    lines = _address_lines(card.address, value_font, line_width)
    for index, line in enumerate(lines[:3]):
        draw.text((value_x, _mm(28.2) + index * _mm(4.6)), line, font=value_font, fill=VALUE_INK)
    label(7.0, 44.8, "公民身份号码")
    _spaced(draw, (_mm(28.5), _mm(44.0)), card.id_number, number_font, VALUE_INK, _mm(0.45))
    portrait_box = (_mm(55.5), _mm(6.0), _mm(80.5), _mm(38.5))
    portrait = _portrait(rng, (portrait_box[2] - portrait_box[0], portrait_box[3] - portrait_box[1]))
    fade = Image.new("L", portrait.size, 0)
    ImageDraw.Draw(fade).rounded_rectangle((0, 0, portrait.size[0] - 1, portrait.size[1] - 1), radius=_mm(1.5),
                                           fill=235)
    image.paste(portrait, portrait_box[:2], fade.filter(ImageFilter.GaussianBlur(4)))
    image.putalpha(_rounded_alpha(_mm(3.2)))
    return image


def _address_lines(address: str, font, width_px: int) -> list[str]:
    lines, line = [], ""
    for char in address:
        if line and font.getlength(line + char) > width_px:
            lines.append(line)
            line = char
        else:
            line += char
    if line:
        lines.append(line)
    return lines


def address_fits(address: str) -> bool:
    """True when the address prints on at most three lines of the card."""
    return len(_address_lines(address, pil_font("hei", _mm(3.3)), _mm(53.5) - _mm(17.5))) <= 3


def _emblem(size: int, rng: random.Random) -> Image.Image:
    """A red disc with a gold ring, gold stars and a stylised gate: emblem-like, not the emblem."""
    scale = 3
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    gold, red = (226, 176, 48, 255), (206, 28, 36, 255)
    draw.ellipse((0, 0, big - 1, big - 1), fill=gold)
    draw.ellipse((big * 0.08, big * 0.08, big * 0.92, big * 0.92), fill=red)
    centre = big / 2

    def star(cx: float, cy: float, radius: float) -> None:
        points = []
        for index in range(10):
            r = radius if index % 2 == 0 else radius * 0.38
            angle = math.radians(-90 + index * 36)
            points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
        draw.polygon(points, fill=gold)

    star(centre, big * 0.27, big * 0.11)
    for index, angle in enumerate((-150, -120, -60, -30)):
        radius = big * 0.22
        star(centre + radius * math.cos(math.radians(angle)) * (1.05 if index in (0, 3) else 0.85),
             big * 0.34 + radius * math.sin(math.radians(angle)) * 0.6, big * 0.04)
    # gate: a roof, a body with three openings, a base
    draw.polygon([(big * 0.26, big * 0.55), (big * 0.74, big * 0.55), (big * 0.68, big * 0.48),
                  (big * 0.32, big * 0.48)], fill=gold)
    draw.rectangle((big * 0.3, big * 0.55, big * 0.7, big * 0.68), fill=gold)
    for left in (0.36, 0.47, 0.58):
        draw.rectangle((big * left, big * 0.60, big * (left + 0.06), big * 0.68), fill=red)
    draw.rectangle((big * 0.22, big * 0.70, big * 0.78, big * 0.74), fill=gold)
    # wheat-like arcs on both sides
    for side in (-1, 1):
        for index in range(9):
            angle = math.radians(90 + side * (40 + index * 14))
            x = centre + big * 0.36 * math.cos(angle)
            y = centre + big * 0.36 * math.sin(angle) * -1 + big * 0.05
            draw.ellipse((x - big * 0.025, y - big * 0.045, x + big * 0.025, y + big * 0.045), fill=gold)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def render_back(rng: random.Random, card: CardBack) -> Image.Image:
    """The 国徽面 as an RGBA image."""
    image = _background(rng, (230, 218, 206))
    draw = ImageDraw.Draw(image)
    emblem = _emblem(_mm(15.5), rng)
    image.paste(emblem, (_mm(6.5), _mm(5.0)), emblem)
    title_font = pil_font("hei", _mm(4.4))
    big_font = pil_font("hei", _mm(7.2))
    _spaced(draw, (_mm(29.0), _mm(8.0)), "中华人民共和国", title_font, VALUE_INK, _mm(1.7))
    _spaced(draw, (_mm(24.5), _mm(17.0)), "居民身份证", big_font, VALUE_INK, _mm(3.6), bold=1)
    label_font = pil_font("hei", _mm(3.0))
    value_font = pil_font("hei", _mm(3.3))
    _spaced(draw, (_mm(14.5), _mm(40.2)), "签发机关", label_font, VALUE_INK, _mm(0.3))
    draw.text((_mm(31.0), _mm(39.8)), card.issuing_authority, font=value_font, fill=VALUE_INK)
    _spaced(draw, (_mm(14.5), _mm(46.8)), "有效期限", label_font, VALUE_INK, _mm(0.3))
    draw.text((_mm(31.0), _mm(46.4)), card.validity_text, font=value_font, fill=VALUE_INK)
    image.putalpha(_rounded_alpha(_mm(3.2)))
    return image
