"""Round red company seals (公章): a ring, a star, the name on an arc, translucent uneven ink."""

from __future__ import annotations

import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from testkit.samples.fonts import pil_font

INK_COLOURS = ((222, 22, 32), (205, 18, 30), (230, 36, 44), (196, 24, 44))


def _star(cx: float, cy: float, outer: float, rotation: float = -90.0) -> list[tuple[float, float]]:
    inner = outer * 0.382
    points = []
    for index in range(10):
        radius = outer if index % 2 == 0 else inner
        angle = math.radians(rotation + index * 36)
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def _arc_text(mask: Image.Image, text: str, *, radius: float, span_deg: float, char_px: int,
              font_style: str, upper: bool = True) -> None:
    """Write ``text`` along the upper arc (reading clockwise) or the lower arc (reading left to right)."""
    size = mask.size[0]
    centre = size / 2
    font = pil_font(font_style, char_px)
    count = len(text)
    for index, char in enumerate(text):
        fraction = 0.5 if count == 1 else index / (count - 1)
        if upper:
            angle = 90 + span_deg / 2 - fraction * span_deg  # left to right over the top
            rotate_by = angle - 90
        else:
            angle = 270 - span_deg / 2 + fraction * span_deg  # left to right under the bottom
            rotate_by = angle - 270
        tile = Image.new("L", (char_px * 2, char_px * 2), 0)
        ImageDraw.Draw(tile).text((char_px, char_px), char, font=font, fill=255, anchor="mm",
                                  stroke_width=max(1, char_px // 28), stroke_fill=255)
        tile = tile.rotate(rotate_by, resample=Image.Resampling.BICUBIC)
        x = centre + radius * math.cos(math.radians(angle)) - char_px
        y = centre - radius * math.sin(math.radians(angle)) - char_px
        mask.paste(255, (round(x), round(y)), tile)


def seal_mask(rng: random.Random, name: str, diameter_px: int, *, centre_text: str = "",
              code: str = "", font_style: str = "song") -> Image.Image:
    """An L image (255 = ink) of a round seal ``diameter_px`` wide with ``name`` on the upper arc."""
    size = diameter_px
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    ring = max(2, round(size * 0.035))
    draw.ellipse((ring / 2, ring / 2, size - ring / 2, size - ring / 2), outline=255, width=ring)
    centre = size / 2
    draw.polygon(_star(centre, centre, size * 0.16), fill=255)
    count = max(len(name), 1)
    span = min(250.0, 60.0 + count * 14.0)
    char_px = max(8, round(min(size * 0.12, size * 0.355 * math.radians(span) / max(count - 1, 1) * 0.9)))
    _arc_text(mask, name, radius=size * 0.355, span_deg=span, char_px=char_px, font_style=font_style)
    if centre_text:
        font = pil_font(font_style, max(8, round(size * 0.085)))
        draw.text((centre, centre + size * 0.25), centre_text, font=font, fill=255, anchor="mm")
    if code:
        _arc_text(mask, code, radius=size * 0.40, span_deg=70, char_px=max(6, round(size * 0.05)),
                  font_style="hei", upper=False)
    return mask


def inked(rng: random.Random, mask: Image.Image, *, angle: float, opacity: float) -> np.ndarray:
    """Ink coverage 0..1 (float32) of the stamped seal: rotated, uneven pressure, slightly soft."""
    rotated = mask.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    coverage = np.asarray(rotated.filter(ImageFilter.GaussianBlur(0.6)), dtype=np.float32) / 255.0
    height, width = coverage.shape
    nprng = np.random.default_rng(rng.randrange(2**32))
    # blotchy pressure: coarse noise upsampled, plus a pressure gradient across the seal
    coarse = nprng.uniform(0.7, 1.0, size=(8, 8)).astype(np.float32)
    pressure = np.asarray(Image.fromarray((coarse * 255).astype(np.uint8)).resize(
        (width, height), Image.Resampling.BICUBIC), dtype=np.float32) / 255.0
    ramp = np.linspace(rng.uniform(0.75, 1.0), 1.0, width, dtype=np.float32)[None, :]
    grain = nprng.uniform(0.82, 1.0, size=(height, width)).astype(np.float32)
    return np.clip(coverage * pressure * ramp * grain * opacity, 0.0, 1.0)


def stamp(page: np.ndarray, coverage: np.ndarray, centre_xy: tuple[int, int],
          ink: tuple[int, int, int]) -> None:
    """Multiply-blend red ink onto an RGB uint8 page in place (black text under the seal stays dark)."""
    height, width = coverage.shape
    left = centre_xy[0] - width // 2
    top = centre_xy[1] - height // 2
    x0, y0 = max(left, 0), max(top, 0)
    x1, y1 = min(left + width, page.shape[1]), min(top + height, page.shape[0])
    if x0 >= x1 or y0 >= y1:
        return
    cover = coverage[y0 - top:y1 - top, x0 - left:x1 - left][..., None]
    region = page[y0:y1, x0:x1].astype(np.float32)
    tint = np.asarray(ink, dtype=np.float32) / 255.0
    page[y0:y1, x0:x1] = np.clip(region * (1.0 - cover + cover * tint), 0, 255).astype(np.uint8)


def seal_rgba(rng: random.Random, name: str, diameter_px: int, *, centre_text: str = "",
              font_style: str = "song") -> Image.Image:
    """The seal as an RGBA image (for a PDF page), translucent red ink."""
    mask = seal_mask(rng, name, diameter_px, centre_text=centre_text, font_style=font_style)
    coverage = inked(rng, mask, angle=rng.uniform(-15, 15), opacity=0.85)
    ink = rng.choice(INK_COLOURS)
    height, width = coverage.shape
    rgba = np.zeros((height, width, 4), dtype=np.uint8)
    rgba[..., 0], rgba[..., 1], rgba[..., 2] = ink
    rgba[..., 3] = (coverage * 255).astype(np.uint8)
    return Image.fromarray(rgba, "RGBA")
