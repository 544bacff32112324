"""The CJK fonts the generator draws with, found on the machine (Debian packages).

Only WenQuanYi Zen Hei (fonts-wqy-zenhei) is required; the AR PL Song/Kai fonts
(fonts-arphic-uming, fonts-arphic-ukai) add variety when present. A missing style falls back to Hei.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from PIL import ImageFont

FONT_DIRS = (Path("/usr/share/fonts/truetype"), Path("/usr/share/fonts/opentype"), Path("/usr/local/share/fonts"))


@dataclass(frozen=True)
class FontFace:
    """One face of a font file (a TTC holds several; ``index`` picks one)."""

    style: str  # hei | hei_mono | digits | song | kai
    path: Path
    index: int


# style -> candidates (file name, subfont index), first found wins
_CANDIDATES: dict[str, tuple[tuple[str, int], ...]] = {
    "hei": (("wqy/wqy-zenhei.ttc", 0), ("wqy/wqy-microhei.ttc", 0)),
    "hei_mono": (("wqy/wqy-zenhei.ttc", 1), ("wqy/wqy-microhei.ttc", 1)),
    # the ID number: a bold monospaced face close to the card's OCR-B style digits
    "digits": (("dejavu/DejaVuSansMono-Bold.ttf", 0), ("wqy/wqy-zenhei.ttc", 1)),
    "song": (("arphic/uming.ttc", 0),),
    "kai": (("arphic/ukai.ttc", 0),),
}
STYLES = tuple(_CANDIDATES)


class FontMissing(RuntimeError):
    """No CJK font at all: install fonts-wqy-zenhei (``make setup`` does)."""


def _find(relative: str) -> Path | None:
    for base in FONT_DIRS:
        candidate = base / relative
        if candidate.is_file():
            return candidate
    return None


@cache
def face(style: str) -> FontFace:
    """The face for a style, falling back to Hei when the style's package is not installed."""
    for relative, index in _CANDIDATES[style]:
        path = _find(relative)
        if path is not None:
            return FontFace(style, path, index)
    if style != "hei":
        return face("hei")
    raise FontMissing("no CJK font found: apt-get install fonts-wqy-zenhei")


def has_style(style: str) -> bool:
    """True when the style's own font is installed (not the Hei fallback)."""
    return face(style).style == style


def available_styles(*wanted: str) -> tuple[str, ...]:
    """The wanted styles whose fonts are installed; Hei is always there."""
    found = tuple(style for style in wanted if has_style(style))
    return found or ("hei",)


@lru_cache(maxsize=256)
def pil_font(style: str, size_px: int) -> ImageFont.FreeTypeFont:
    chosen = face(style)
    return ImageFont.truetype(str(chosen.path), size_px, index=chosen.index)


@cache
def pdf_font_name(style: str) -> str:
    """Register the style with reportlab (embedded, subset TTF from the TTC) and return its name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    chosen = face(style)
    name = f"LoanpipeSamples-{chosen.style}"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(chosen.path), subfontIndex=chosen.index))
    return name
