"""How a document reaches the pipeline: a flat scan, or a phone photo of it lying on a table.

Tiers: ``clean`` (flat scan), ``phone`` (mild perspective, uneven light, JPEG), ``hard`` (strong
perspective, shadow, glare, motion/defocus blur, heavy JPEG, often an EXIF orientation tag).
``unreadable`` is what no reader could read (very dark, heavily blurred or mostly out of frame).
Randomness comes from the ``random.Random`` passed in; numpy draws are seeded from it.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import cv2
import numpy as np
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

TIERS = ("clean", "phone", "hard")
UNREADABLE_MODES = ("dark", "blur", "cut_off")
CARD_CANVAS = (1600, 1200)
PAGE_CANVAS = (1800, 2400)

# EXIF orientation tag -> how the stored pixels are turned from the upright image
# (honouring the tag, e.g. PIL.ImageOps.exif_transpose, turns them back)
_STORE_FOR_TAG = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}

CAMERAS = (("HUAWEI", "ELS-AN00"), ("HUAWEI", "NOH-AN00"), ("Xiaomi", "M2011K2C"), ("Xiaomi", "2211133C"),
           ("Apple", "iPhone 13"), ("Apple", "iPhone 14 Pro"))
EDITOR_SOFTWARE = "Adobe Photoshop 25.0"


# ---------------------------------------------------------------- helpers
def _nprng(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.randrange(2**63))


def _smooth_noise(nprng: np.random.Generator, size: tuple[int, int], cells: tuple[int, int]) -> np.ndarray:
    """Low-frequency noise in [-1, 1], float32, shape (height, width)."""
    grid = nprng.uniform(-1, 1, size=(cells[1], cells[0])).astype(np.float32)
    return cv2.resize(grid, size, interpolation=cv2.INTER_CUBIC)


def table_texture(rng: random.Random, size: tuple[int, int]) -> np.ndarray:
    """A table top: wood, cloth, laminate or dark glass (float32 RGB, 0..255), drawn at ``size``."""
    nprng = _nprng(rng)
    width, height = size
    kind = rng.choice(("wood", "wood", "cloth", "laminate", "glass"))
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    if kind == "wood":
        base = np.array([rng.uniform(110, 175), rng.uniform(78, 118), rng.uniform(48, 80)], dtype=np.float32)
        warp = _smooth_noise(nprng, size, (3, 7)) * rng.uniform(10, 30)
        along = yy if rng.random() < 0.5 else xx
        grain = (np.sin((along + warp) / rng.uniform(3, 7)) * 0.35
                 + np.sin((along + warp * 1.9) / rng.uniform(1.1, 1.8)) * 0.15
                 + _smooth_noise(nprng, size, (40, 40)) * 0.4)
        shade = 1 + 0.1 * grain + 0.1 * _smooth_noise(nprng, size, (6, 6))
        image = base[None, None, :] * shade[..., None]
    elif kind == "cloth":
        base = np.array(rng.choice(((226, 226, 220), (200, 214, 230), (214, 196, 188), (190, 200, 186))),
                        dtype=np.float32)
        period = rng.uniform(1.5, 3.0)
        weave = (np.sin(xx / period) * np.sin(yy / period)) * 6
        check = ((xx // rng.randint(30, 70) + yy // rng.randint(30, 70)) % 2) * rng.uniform(0, 18)
        image = base[None, None, :] + (weave - check)[..., None] + 8 * _smooth_noise(nprng, size, (5, 5))[..., None]
    elif kind == "laminate":
        base = np.array(rng.choice(((232, 230, 224), (210, 212, 214), (236, 226, 206))), dtype=np.float32)
        image = base[None, None, :] + 6 * _smooth_noise(nprng, size, (6, 6))[..., None]
    else:
        level = rng.uniform(35, 70)
        reflection = np.clip(1 - np.abs((xx / width + yy / height) - rng.uniform(0.6, 1.4)) * 2.5, 0, 1)
        image = np.full((height, width, 3), level, dtype=np.float32) + (reflection * 45)[..., None]
    return np.clip(image, 0, 255).astype(np.float32)


def _quad(rng: random.Random, doc_size: tuple[int, int], canvas: tuple[int, int], *, fill: float,
          keystone: float, rotation_deg: float, jitter: float, offset: tuple[float, float]) -> np.ndarray:
    """Where the document's corners land in the photo (tl, tr, br, bl)."""
    doc_w, doc_h = doc_size
    width, height = canvas
    scale = fill * min(width / doc_w, height / doc_h)
    half_w, half_h = doc_w * scale / 2, doc_h * scale / 2
    corners = np.array([[-half_w, -half_h], [half_w, -half_h], [half_w, half_h], [-half_w, half_h]],
                       dtype=np.float32)
    if rng.random() < 0.7:  # the camera tilted towards the far (top) edge
        corners[0, 0] *= 1 - keystone
        corners[1, 0] *= 1 - keystone
    else:  # tilted sideways
        for index in ((0, 3) if rng.random() < 0.5 else (1, 2)):
            corners[index, 1] *= 1 - keystone
    corners += np.array([[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(4)], dtype=np.float32) * (
        jitter * max(half_w, half_h))
    angle = math.radians(rotation_deg)
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]], dtype=np.float32)
    corners = corners @ rotation.T
    corners += np.array([width / 2 + offset[0] * width, height / 2 + offset[1] * height], dtype=np.float32)
    return corners


@dataclass(frozen=True)
class Shot:
    """One photo's framing."""

    fill: float
    keystone: float
    rotation_deg: float
    jitter: float
    offset: tuple[float, float] = (0.0, 0.0)


LOW = 4  # smooth fields (table, shadows, light) are computed at 1/LOW of the photo size


def _u8(array: np.ndarray) -> np.ndarray:
    return np.clip(array, 0, 255).astype(np.uint8)


def _place_on_table(rng: random.Random, document: Image.Image, canvas: tuple[int, int],
                    shot: Shot) -> tuple[np.ndarray, np.ndarray]:
    """The document warped onto a table with a soft contact shadow.

    Returns the uint8 RGB photo and the document's coverage at 1/LOW resolution (float32 0..1)."""
    source = np.asarray(document.convert("RGBA"))
    doc_h, doc_w = source.shape[:2]
    target = _quad(rng, (doc_w, doc_h), canvas, fill=shot.fill, keystone=shot.keystone,
                   rotation_deg=shot.rotation_deg, jitter=shot.jitter, offset=shot.offset)
    source_corners = np.array([[0, 0], [doc_w, 0], [doc_w, doc_h], [0, doc_h]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(source_corners, target)
    warped = cv2.warpPerspective(source, matrix, canvas, flags=cv2.INTER_AREA if shot.fill < 0.8 else cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0, 0))
    alpha = warped[..., 3].astype(np.float32) * np.float32(1 / 255)
    # the table and the document's contact shadow, at low resolution (both are smooth)
    low_size = (canvas[0] // LOW, canvas[1] // LOW)
    table = table_texture(rng, low_size)
    low_alpha = cv2.resize(alpha, low_size, interpolation=cv2.INTER_AREA)
    shadow = cv2.GaussianBlur(low_alpha, (0, 0), sigmaX=rng.uniform(8, 20) / LOW)
    shift = np.float32([[1, 0, rng.uniform(-12, 12) / LOW], [0, 1, rng.uniform(4, 18) / LOW]])
    shadow = cv2.warpAffine(shadow, shift, low_size)
    table *= (1 - rng.uniform(0.25, 0.45) * shadow)[..., None]
    background = cv2.resize(_u8(table), canvas, interpolation=cv2.INTER_LINEAR)
    foreground = cv2.cvtColor(warped, cv2.COLOR_RGBA2RGB)
    return cv2.blendLinear(foreground, background, alpha, 1.0 - alpha), low_alpha


def _light_field(rng: random.Random, size: tuple[int, int], strength: float) -> np.ndarray:
    """Brightness gain (low resolution): a gradient across the frame and a falloff away from the light."""
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    gx, gy = rng.uniform(-1, 1) * strength, rng.uniform(-1, 1) * strength
    cx, cy = rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8)
    radius2 = (xx / width - cx) ** 2 + (yy / height - cy) ** 2
    return rng.uniform(0.95, 1.08) + gx * (xx / width - 0.5) + gy * (yy / height - 0.5) - strength * 0.6 * radius2


def _shadow_field(rng: random.Random, size: tuple[int, int], depth: float) -> np.ndarray:
    """Gain of a blurred shadow (a hand, the phone) falling from one edge (low resolution)."""
    width, height = size
    mask = np.zeros((height, width), dtype=np.float32)
    edge = rng.choice(("left", "right", "top", "bottom"))
    reach = rng.uniform(0.2, 0.45)
    if edge in ("left", "right"):
        x_edge = 0 if edge == "left" else width
        x_in = width * reach if edge == "left" else width * (1 - reach)
        points = [(x_edge, 0), ((x_edge + x_in) / 2, height * 0.2), (x_in, height * rng.uniform(0.5, 0.9)),
                  (x_edge, height)]
    else:
        y_edge = 0 if edge == "top" else height
        y_in = height * reach if edge == "top" else height * (1 - reach)
        points = [(0, y_edge), (width * 0.3, (y_edge + y_in) / 2), (width * rng.uniform(0.5, 0.9), y_in),
                  (width, y_edge)]
    cv2.fillPoly(mask, [np.array(points, dtype=np.int32)], 1.0)
    mask = cv2.GaussianBlur(mask, (0, 0), sigmaX=rng.uniform(25, 60) / LOW)
    return 1 - depth * mask


def _glare_field(rng: random.Random, document_mask: np.ndarray, strength: float) -> np.ndarray | None:
    """A bright elliptical reflection on the document (low resolution, 0..strength)."""
    height, width = document_mask.shape
    ys, xs = np.nonzero(document_mask > 0.5)
    if len(xs) == 0:
        return None
    pick = rng.randrange(len(xs))
    cx, cy = float(xs[pick]), float(ys[pick])
    axis_a, axis_b = width * rng.uniform(0.05, 0.12), height * rng.uniform(0.03, 0.08)
    angle = rng.uniform(0, math.pi)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    dx, dy = xx - cx, yy - cy
    u = (dx * math.cos(angle) + dy * math.sin(angle)) / axis_a
    v = (-dx * math.sin(angle) + dy * math.cos(angle)) / axis_b
    return (np.exp(-((u * u + v * v) ** 1.5)) * strength).astype(np.float32)


def _motion_kernel(length: int, angle_deg: float) -> np.ndarray:
    kernel = np.zeros((length, length), dtype=np.float32)
    kernel[length // 2, :] = 1.0
    rotation = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), angle_deg, 1.0)
    kernel = cv2.warpAffine(kernel, rotation, (length, length))
    return kernel / max(kernel.sum(), 1e-6)


def _disk_kernel(radius: float) -> np.ndarray:
    size = int(math.ceil(radius)) * 2 + 1
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) - size // 2
    kernel = (xx * xx + yy * yy <= radius * radius).astype(np.float32)
    return kernel / kernel.sum()


def _add_noise(rng: random.Random, image: np.ndarray, sigma: float) -> np.ndarray:
    """Sensor noise, the same on the three channels (uint8 in, uint8 out; OpenCV's RNG seeded from rng)."""
    height, width = image.shape[:2]
    noise = np.empty((height, width), dtype=np.int16)
    cv2.setRNGSeed(rng.randrange(2**31))
    cv2.randn(noise, 0, sigma)
    return cv2.add(image, cv2.merge([noise, noise, noise]), dtype=cv2.CV_8U)


def _gain(image: np.ndarray, low_gain: np.ndarray) -> np.ndarray:
    """Multiply a uint8 photo by a smooth gain field given at low resolution ((h, w) or (h, w, 3), 0..1.99)."""
    height, width = image.shape[:2]
    if low_gain.ndim == 2:
        low_gain = np.repeat(low_gain[..., None], 3, axis=2)
    scaled = cv2.resize(_u8(low_gain * 128), (width, height), interpolation=cv2.INTER_LINEAR)
    return cv2.multiply(image, scaled, scale=1 / 128)


def _brighten(image: np.ndarray, low_amount: np.ndarray) -> np.ndarray:
    """Move pixels towards white by a smooth amount 0..1 given at low resolution (glare)."""
    height, width = image.shape[:2]
    keep = cv2.resize(_u8((1 - low_amount) * 255), (width, height), interpolation=cv2.INTER_LINEAR)
    darkness = cv2.multiply(cv2.bitwise_not(image), cv2.merge([keep, keep, keep]), scale=1 / 255)
    return cv2.bitwise_not(darkness)


# ---------------------------------------------------------------- the three tiers
def scan(rng: random.Random, document: Image.Image) -> Image.Image:
    """A flat scan: the document straight (or nearly) on the scanner glass, clean light, fine noise."""
    source = np.asarray(document.convert("RGBA"))
    doc_h, doc_w = source.shape[:2]
    margin = rng.randint(24, 60) if doc_w < 1100 else rng.randint(0, 14)
    size = (doc_w + 2 * margin, doc_h + 2 * margin)
    matrix = cv2.getRotationMatrix2D((doc_w / 2, doc_h / 2), rng.uniform(-0.8, 0.8), 1.0)
    matrix[:, 2] += margin
    warped = cv2.warpAffine(source, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                            borderValue=(0, 0, 0, 0))
    alpha = warped[..., 3].astype(np.float32) * np.float32(1 / 255)
    paper = np.full((size[1], size[0], 3), round(rng.uniform(243, 252)), dtype=np.uint8)
    image = cv2.blendLinear(cv2.cvtColor(warped, cv2.COLOR_RGBA2RGB), paper, alpha, 1.0 - alpha)
    image = cv2.convertScaleAbs(image, alpha=rng.uniform(0.97, 1.0), beta=rng.uniform(0, 6))  # exposure
    image = cv2.GaussianBlur(image, (0, 0), sigmaX=rng.uniform(0.3, 0.55))
    return Image.fromarray(_add_noise(rng, image, rng.uniform(0.8, 1.8)), "RGB")


def photograph(rng: random.Random, document: Image.Image, tier: str) -> tuple[Image.Image, Shot]:
    """A phone photo of the document lying on a table, upright (apply an EXIF orientation separately)."""
    if tier not in ("phone", "hard"):
        raise ValueError(f"photograph() takes the phone or hard tier, not {tier!r}")
    hard = tier == "hard"
    landscape = document.width > document.height
    canvas = CARD_CANVAS if landscape else PAGE_CANVAS
    shot = Shot(
        fill=rng.uniform(0.72, 0.9) if landscape else rng.uniform(0.84, 0.93),
        keystone=rng.uniform(0.08, 0.18) if hard else rng.uniform(0.0, 0.06),
        rotation_deg=rng.uniform(-12, 12) if hard else rng.uniform(-3.5, 3.5),
        jitter=rng.uniform(0.01, 0.03) if hard else rng.uniform(0.0, 0.012),
        offset=(rng.uniform(-0.03, 0.03), rng.uniform(-0.03, 0.03)),
    )
    image, low_mask = _place_on_table(rng, document, canvas, shot)
    low_size = (canvas[0] // LOW, canvas[1] // LOW)
    gain = _light_field(rng, low_size, 0.35 if hard else 0.15)
    if rng.random() < (0.8 if hard else 0.25):
        gain = gain * _shadow_field(rng, low_size, rng.uniform(0.3, 0.5) if hard else rng.uniform(0.12, 0.25))
    cast = np.array([1 + rng.uniform(-0.05, 0.06), 1.0, 1 + rng.uniform(-0.07, 0.04)], dtype=np.float32)
    image = _gain(image, gain[..., None] * cast[None, None, :])
    if rng.random() < (0.85 if hard else 0.15):
        spot = _glare_field(rng, low_mask, rng.uniform(0.75, 0.97) if hard else rng.uniform(0.35, 0.6))
        if spot is not None:
            image = _brighten(image, spot)
    if hard:
        if rng.random() < 0.5:
            image = cv2.filter2D(image, -1, _motion_kernel(rng.choice((5, 7, 9)), rng.uniform(0, 180)))
        else:
            image = cv2.filter2D(image, -1, _disk_kernel(rng.uniform(1.6, 2.6)))
        image = _add_noise(rng, image, rng.uniform(4, 8))
    else:
        image = cv2.GaussianBlur(image, (0, 0), sigmaX=rng.uniform(0.5, 0.95))
        image = _add_noise(rng, image, rng.uniform(2, 4))
    return Image.fromarray(image, "RGB"), shot


def unreadable(rng: random.Random, document: Image.Image, mode: str | None = None) -> tuple[Image.Image, str]:
    """A photo no reader could read: very dark, heavily blurred, or with the document mostly out of frame."""
    mode = mode or rng.choice(UNREADABLE_MODES)
    canvas = CARD_CANVAS if document.width > document.height else PAGE_CANVAS
    if mode == "cut_off":
        corner = (rng.choice((-1, 1)), rng.choice((-1, 1)))
        shot = Shot(fill=1.0, keystone=0.05, rotation_deg=rng.uniform(-8, 8), jitter=0.01,
                    offset=(corner[0] * 0.62, corner[1] * 0.62))
    else:
        shot = Shot(fill=0.8, keystone=rng.uniform(0.02, 0.1), rotation_deg=rng.uniform(-6, 6), jitter=0.01)
    image, _ = _place_on_table(rng, document, canvas, shot)
    if mode == "dark":
        image = cv2.convertScaleAbs(image, alpha=rng.uniform(0.02, 0.03))
    elif mode == "blur":
        image = cv2.GaussianBlur(image, (0, 0), sigmaX=rng.uniform(14, 20))
    else:
        image = cv2.GaussianBlur(image, (0, 0), sigmaX=1.2)
    return Image.fromarray(_add_noise(rng, image, 4.0), "RGB"), mode


# ---------------------------------------------------------------- files: orientation, EXIF, encoding
def stored_for_orientation(upright: Image.Image, tag: int) -> Image.Image:
    """The pixels a camera stores with EXIF Orientation ``tag`` so that honouring the tag shows ``upright``."""
    if tag == 1:
        return upright
    return upright.transpose(_STORE_FOR_TAG[tag])


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    value = abs(value)
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    seconds = round((minutes_full - minutes) * 60 * 100)
    return IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(seconds, 100)


@dataclass(frozen=True)
class CameraTags:
    """What a phone/tablet camera writes: device, time (local, with offset), place, orientation."""

    make: str
    model: str
    taken: datetime  # timezone-aware
    lat: float
    lon: float
    orientation: int = 1
    software: str | None = None

    def exif(self) -> Image.Exif:
        exif = Image.Exif()
        exif[0x010F] = self.make
        exif[0x0110] = self.model
        exif[0x0112] = self.orientation
        stamp = self.taken.strftime("%Y:%m:%d %H:%M:%S")
        exif[0x0132] = stamp
        if self.software:
            exif[0x0131] = self.software
        details = exif.get_ifd(0x8769)
        details[0x9003] = stamp  # DateTimeOriginal
        details[0x9004] = stamp  # DateTimeDigitized
        offset = self.taken.utcoffset() or timedelta(0)
        hours, rest = divmod(int(offset.total_seconds()) // 60, 60)
        details[0x9011] = f"{'+' if offset >= timedelta(0) else '-'}{abs(hours):02d}:{rest:02d}"
        gps = exif.get_ifd(0x8825)
        gps[0x0000] = b"\x02\x02\x00\x00"
        gps[0x0001] = "N" if self.lat >= 0 else "S"
        gps[0x0002] = _dms(self.lat)
        gps[0x0003] = "E" if self.lon >= 0 else "W"
        gps[0x0004] = _dms(self.lon)
        utc = self.taken.astimezone(timezone.utc)
        gps[0x0007] = (IFDRational(utc.hour, 1), IFDRational(utc.minute, 1), IFDRational(utc.second, 1))
        gps[0x001D] = utc.strftime("%Y:%m:%d")
        return exif

    def summary(self) -> dict:
        return {"make": self.make, "model": self.model, "datetime_original": self.taken.isoformat(),
                "gps": [round(self.lat, 6), round(self.lon, 6)], "orientation": self.orientation,
                "software": self.software}


def encode(image: Image.Image, image_format: str, *, quality: int = 90, exif: Image.Exif | None = None) -> bytes:
    """JPEG or PNG bytes, with EXIF when given (PNG carries it in an eXIf chunk)."""
    buffer = io.BytesIO()
    if image_format == "jpg":
        options = {"quality": quality, "subsampling": 2 if quality < 80 else 0}
        if exif is not None:
            options["exif"] = exif.tobytes()
        image.save(buffer, "JPEG", **options)
    elif image_format == "png":
        options = {"compress_level": 1}
        if exif is not None:
            options["exif"] = exif.tobytes()
        image.save(buffer, "PNG", **options)
    else:
        raise ValueError(f"unknown image format {image_format!r}")
    return buffer.getvalue()


def image_pdf(pages: list[Image.Image], *, dpi: int, quality: int, made: datetime,
              title: str = "扫描件") -> bytes:
    """Scanned/photographed pages as a PDF without a text layer (one JPEG per page, fixed dates)."""
    buffer = io.BytesIO()
    stamp = made.timetuple()
    first, rest = pages[0], pages[1:]
    first.save(buffer, "PDF", save_all=True, append_images=rest, resolution=float(dpi), quality=quality,
               title=title, creator="Scanner", producer="Scanner", creationDate=stamp, modDate=stamp)
    return buffer.getvalue()
