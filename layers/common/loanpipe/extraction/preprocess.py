"""From a phone photo to a flat, upright, evenly lit page image that OCR reads well.

Steps: (EXIF orientation is applied when the file is decoded, see ``sniff.open_image``) find the card or
page in the photo and undo the perspective; deskew what is left; even out the lighting (shadows); take
the red seal out by colour; scale so glyphs have the height the engines read best. Also measures what
the quality gate needs (sharpness, glare, brightness, how much of the photo the document fills).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

ID_CARD_ASPECT = 85.6 / 54.0  # ISO/IEC 7810 ID-1
A4_ASPECT = 297.0 / 210.0
CARD_WIDTH = 1000  # rectified ID card: 1000 x 631 px, the name glyphs ~ 40 px high
PAGE_WIDTH = 1654  # rectified A4 page at 200 dpi: 10.5 pt body text ~ 29 px high
WORK_SIDE = 2400  # photos are decoded at no more than this long side


@dataclass(frozen=True)
class ImageMeasures:
    """What the quality gate looks at, measured on the located document."""

    sharpness: float  # variance of the Laplacian on the document at a fixed scale; low = blurred
    glare_fraction: float  # share of the document area that is blown-out white in a compact blob
    brightness: float  # median grey level 0..255 of the document
    contrast: float  # spread between dark (ink) and light (paper) grey levels
    document_fraction: float  # share of the photo the located document covers (1.0 when not found)
    touches_border: bool  # the located document runs into the photo's edge (cut off)
    found_quad: bool  # a document outline was found and rectified
    ink_fraction: float  # share of dark (text) pixels after lighting correction; ~0 for a blank page


@dataclass(frozen=True)
class PreparedPage:
    """A page ready for OCR: ``colour`` (BGR, rectified, lighting corrected), ``gray`` (seal removed)."""

    colour: np.ndarray
    gray: np.ndarray
    aspect: float  # long side / short side of the located document
    landscape: bool
    measures: ImageMeasures
    seal_removed: bool


def to_bgr(image: Image.Image) -> np.ndarray:
    """The picture as OpenCV's BGR array (cvtColor: a third of the time of numpy's reversed-stride copy)."""
    return cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2BGR)


def _order_corners(points: np.ndarray) -> np.ndarray:
    points = points.reshape(4, 2).astype(np.float32)
    total = points.sum(axis=1)
    diff = np.diff(points, axis=1).ravel()
    return np.array([points[np.argmin(total)], points[np.argmin(diff)], points[np.argmax(total)],
                     points[np.argmax(diff)]], dtype=np.float32)


def _quad_candidates(small: np.ndarray) -> list[np.ndarray]:
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    blurred = cv2.GaussianBlur(gray, (5, 5), 0)
    masks = []
    median = float(np.median(blurred))
    edges = cv2.Canny(blurred, int(max(10, 0.5 * median)), int(min(255, 1.2 * median + 40)))
    masks.append(cv2.dilate(edges, np.ones((3, 3), np.uint8), iterations=2))
    # A light document on a darker table: Otsu on grey and on "whiteness" (low saturation, high value).
    _, otsu = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    masks.append(cv2.morphologyEx(otsu, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8)))
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
    whiteness = cv2.subtract(hsv[:, :, 2], hsv[:, :, 1])
    _, white = cv2.threshold(cv2.GaussianBlur(whiteness, (5, 5), 0), 0, 255,
                             cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    masks.append(cv2.morphologyEx(white, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8)))
    quads = []
    area_total = small.shape[0] * small.shape[1]
    for mask in masks:
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:3]:
            area = cv2.contourArea(contour)
            if area < 0.12 * area_total or area > 0.985 * area_total:
                continue
            hull = cv2.convexHull(contour)
            perimeter = cv2.arcLength(hull, True)
            for epsilon in (0.02, 0.035, 0.05):
                approx = cv2.approxPolyDP(hull, epsilon * perimeter, True)
                if len(approx) == 4:
                    break
            else:
                rect = cv2.minAreaRect(contour)
                approx = cv2.boxPoints(rect)
                if cv2.contourArea(contour) < 0.85 * rect[1][0] * rect[1][1]:
                    continue
            quad = _order_corners(np.asarray(approx))
            if cv2.contourArea(quad) >= 0.8 * area:
                quads.append(quad)
    return quads


def _runs_out_of_frame(small: np.ndarray) -> bool:
    """No outline was found: is the light (paper) region one that enters through one or two edges of
    the photo, i.e. a document mostly out of frame? A flat scan's paper touches all four edges."""
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
    whiteness = cv2.GaussianBlur(cv2.subtract(hsv[:, :, 2], hsv[:, :, 1]), (5, 5), 0)
    _, mask = cv2.threshold(whiteness, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return False
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h, area = stats[largest]
    height, width = small.shape[:2]
    if area < 0.03 * height * width or area > 0.85 * height * width:
        return False
    edges = (x <= 1) + (y <= 1) + (x + w >= width - 1) + (y + h >= height - 1)
    return 1 <= edges <= 2


def _quad_size(quad: np.ndarray) -> tuple[float, float]:
    tl, tr, br, bl = quad
    width = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    height = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    return float(width), float(height)


def _printed_frame(small: np.ndarray, quad: np.ndarray) -> bool:
    """Is the outline a frame printed on the paper (a certificate's ruled table on a flat scan) rather
    than the paper's or card's own edge? Paper of the same shade lies on both sides of it and reaches
    the photo's edges."""
    height, width = small.shape[:2]
    inside = np.zeros((height, width), np.uint8)
    cv2.fillConvexPoly(inside, quad.astype(np.int32), 255)
    band = max(3, int(0.02 * min(height, width)))
    kernel = np.ones((2 * band + 1, 2 * band + 1), np.uint8)
    ring_out = cv2.subtract(cv2.dilate(inside, kernel), inside)
    ring_in = cv2.subtract(inside, cv2.erode(inside, kernel))
    border = np.zeros((height, width), np.uint8)
    border[:band], border[-band:], border[:, :band], border[:, -band:] = 255, 255, 255, 255
    border = cv2.bitwise_and(border, cv2.bitwise_not(inside))
    if not ring_out.any() or not border.any():
        return False
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)

    def shade(mask: np.ndarray) -> tuple[float, float]:
        return float(np.median(hsv[:, :, 2][mask > 0])), float(np.median(hsv[:, :, 1][mask > 0]))

    (v_in, s_in), (v_out, s_out), (v_edge, s_edge) = shade(ring_in), shade(ring_out), shade(border)
    return all(abs(v - v_in) <= 12 and abs(s - s_in) <= 12 for v, s in ((v_out, s_out), (v_edge, s_edge)))


def locate_document(photo: np.ndarray) -> tuple[np.ndarray | None, float, bool]:
    """The document's corners in ``photo`` (tl, tr, br, bl), the share of the photo it covers and
    whether it touches the photo's edge. ``None`` when no clear outline is found (a flat scan)."""
    height, width = photo.shape[:2]
    scale = 640.0 / max(height, width)
    small = cv2.resize(photo, (max(1, int(width * scale)), max(1, int(height * scale))),
                       interpolation=cv2.INTER_AREA)
    quads = _quad_candidates(small)
    if not quads:
        return None, 1.0, _runs_out_of_frame(small)
    quads = [q for q in quads if not _printed_frame(small, q)]
    if not quads:
        return None, 1.0, False
    quad = max(quads, key=cv2.contourArea)
    fraction = float(cv2.contourArea(quad)) / (small.shape[0] * small.shape[1])
    margin = 3
    touches = bool(
        (quad[:, 0] <= margin).any() or (quad[:, 1] <= margin).any()
        or (quad[:, 0] >= small.shape[1] - 1 - margin).any() or (quad[:, 1] >= small.shape[0] - 1 - margin).any()
    )
    return quad / scale, fraction, touches


def _snap_aspect(aspect: float, expected: float | None = None) -> float:
    """The nearest standard shape (ID-1 card, A4 page) when the measured one is close to it. A photo taken at
    an angle foreshortens the document, so an outline measured between the two shapes is either: it is the
    shape the officer said they photographed (``expected``: the slot's), when there is one."""
    if expected is not None and min(ID_CARD_ASPECT, A4_ASPECT) <= aspect <= max(ID_CARD_ASPECT, A4_ASPECT):
        return expected
    nearest = min((ID_CARD_ASPECT, A4_ASPECT), key=lambda standard: abs(aspect - standard))
    return nearest if abs(aspect - nearest) / nearest < 0.12 else aspect


def rectify(photo: np.ndarray, quad: np.ndarray, shape: float | None = None) -> np.ndarray:
    """Undo the perspective: the card becomes 1000 px wide, a page 1654 px on its short side. ``shape``: the
    aspect of the document expected (the upload slot's), None when not known."""
    width, height = _quad_size(quad)
    landscape = width >= height
    aspect = min(2.5, _snap_aspect(max(width, height) / max(1.0, min(width, height)), shape))
    if aspect == ID_CARD_ASPECT:
        long_side, short_side = CARD_WIDTH, int(round(CARD_WIDTH / aspect))
    else:
        long_side, short_side = int(round(PAGE_WIDTH * aspect)), PAGE_WIDTH
    out_w, out_h = (long_side, short_side) if landscape else (short_side, long_side)
    target = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    return cv2.warpPerspective(photo, matrix, (out_w, out_h), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)


def estimate_skew(gray: np.ndarray, max_angle: float = 8.0) -> float:
    """Text skew in degrees (projection-profile search on a small binarised copy)."""
    scale = 600.0 / max(gray.shape)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    ink = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    if ink.mean() < 0.5:
        return 0.0
    centre = (small.shape[1] / 2, small.shape[0] / 2)
    best_angle, best_score = 0.0, -1.0
    for angle in np.arange(-max_angle, max_angle + 0.01, 0.5):
        matrix = cv2.getRotationMatrix2D(centre, float(angle), 1.0)
        rotated = cv2.warpAffine(ink, matrix, (small.shape[1], small.shape[0]), flags=cv2.INTER_NEAREST)
        profile = rotated.sum(axis=1, dtype=np.float64)
        score = float(np.var(profile))
        if score > best_score:
            best_angle, best_score = float(angle), score
    return best_angle


def rotate(image: np.ndarray, angle: float) -> np.ndarray:
    if abs(angle) < 0.25:
        return image
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)


def flatten_lighting(gray: np.ndarray) -> np.ndarray:
    """Divide by the estimated paper brightness so shadows and gradients become white paper."""
    height, width = gray.shape
    scale = 0.25
    small = cv2.resize(gray, (max(1, int(width * scale)), max(1, int(height * scale))),
                       interpolation=cv2.INTER_AREA)
    kernel = max(3, int(min(small.shape) * 0.04) | 1)
    background = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT,
                                                                                     (kernel, kernel)))
    background = cv2.medianBlur(background, 5)
    background = cv2.resize(background, (width, height), interpolation=cv2.INTER_LINEAR)
    flat = cv2.divide(gray, np.maximum(background, 1), scale=255)
    # A dark printed area (a coloured letterhead band) is not paper in shadow: leave it as it is.
    return np.where(background >= 100, flat, gray).astype(np.uint8)


def invert_dark_bands(gray: np.ndarray) -> np.ndarray:
    """Light text printed on a dark band (a bank's coloured letterhead) becomes dark text on light: the
    detector finds reverse-video text poorly at the resolution it runs at."""
    dark = gray < 120
    row_share = dark.mean(axis=1)
    band_rows = row_share > 0.45
    if not band_rows.any():
        return gray
    out = gray.copy()
    height = gray.shape[0]
    start = None
    for y in range(height + 1):
        inside = y < height and band_rows[y]
        if inside and start is None:
            start = y
        elif not inside and start is not None:
            if y - start >= 12 and y - start < 0.2 * height:
                columns = np.nonzero(dark[start:y].mean(axis=0) > 0.5)[0]
                if columns.size:
                    x0, x1 = int(columns[0]), int(columns[-1]) + 1
                    out[start:y, x0:x1] = 255 - out[start:y, x0:x1]
            start = None
    return out


def red_seal_mask(colour: np.ndarray) -> np.ndarray:
    """Pixels of a red stamp (seal): red hue, clearly saturated, not dark."""
    hsv = cv2.cvtColor(colour, cv2.COLOR_BGR2HSV)
    hue, sat, val = hsv[:, :, 0], hsv[:, :, 1], hsv[:, :, 2]
    red = ((hue <= 12) | (hue >= 160)) & (sat >= 60) & (val >= 90)
    return red.astype(np.uint8) * 255


def remove_seal(colour: np.ndarray) -> tuple[np.ndarray, bool]:
    """Grey image with the red seal taken out: where red ink is, read the red channel (red ink is as
    bright as paper there, black text under the seal stays dark). Returns (grey, seal_found)."""
    mask = red_seal_mask(colour)
    gray = cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY)
    if mask.mean() / 255.0 < 0.002:
        return gray, False
    # Solid red areas (a bank's letterhead band) are not a seal: keep only thin strokes.
    solid = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((15, 15), np.uint8))
    mask = cv2.subtract(mask, cv2.dilate(solid, np.ones((5, 5), np.uint8)))
    if mask.mean() / 255.0 < 0.002:
        return gray, False
    mask = cv2.dilate(mask, np.ones((3, 3), np.uint8), iterations=1)
    red_channel = colour[:, :, 2]
    out = gray.copy()
    out[mask > 0] = red_channel[mask > 0]
    return out, True


def _measure(gray: np.ndarray, flat: np.ndarray, document_fraction: float, touches: bool,
             found_quad: bool) -> ImageMeasures:
    scale = 1000.0 / max(gray.shape)
    sized = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    sharpness = float(cv2.Laplacian(sized, cv2.CV_64F).var())
    blown = (sized >= 248).astype(np.uint8)
    glare = 0.0
    if blown.any():
        count, _, stats, _ = cv2.connectedComponentsWithStats(blown, connectivity=8)
        # Glare is a compact blown-out blob; white paper margins of a clean scan are long and thin
        # or cover the whole page, so only blobs that are not page-wide count.
        area_total = sized.shape[0] * sized.shape[1]
        for index in range(1, count):
            x, y, w, h, area = stats[index]
            if area < 0.002 * area_total:
                continue
            if w > 0.9 * sized.shape[1] or h > 0.9 * sized.shape[0]:
                continue
            glare += area / area_total
    low, high = np.percentile(sized, [2, 90])
    small_flat = cv2.resize(flat, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ink = float((small_flat < 140).mean())
    return ImageMeasures(sharpness=sharpness, glare_fraction=float(glare), brightness=float(np.median(sized)),
                         contrast=float(high - low), document_fraction=document_fraction,
                         touches_border=touches, found_quad=found_quad, ink_fraction=ink)


def prepare(image: Image.Image, *, locate: bool = True, shape: float | None = None) -> PreparedPage:
    """Locate, rectify, deskew, flatten the lighting and remove the seal. ``locate=False`` for pages
    rendered from a PDF's own drawing (already flat); ``shape``: the aspect the upload slot expects
    (``ID_CARD_ASPECT``, ``A4_ASPECT``), None when not known."""
    photo = to_bgr(image)
    quad, fraction, touches = (locate_document(photo) if locate else (None, 1.0, False))
    if quad is not None and touches:
        # An outline that runs into the photo's edge is not the document's four corners (they are out
        # of frame): warping by it would distort the page. Read the photo as it is.
        quad = None
    if quad is not None:
        page = rectify(photo, quad, shape)
    else:
        page = photo
        height, width = page.shape[:2]
        long_side = max(height, width)
        target = CARD_WIDTH if abs(long_side / max(1, min(height, width)) - ID_CARD_ASPECT) < 0.15 \
            else int(PAGE_WIDTH * A4_ASPECT)
        if long_side > target * 1.15 or long_side < target * 0.6:
            factor = target / long_side
            page = cv2.resize(page, None, fx=factor, fy=factor,
                              interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC)
        angle = estimate_skew(cv2.cvtColor(page, cv2.COLOR_BGR2GRAY))
        if angle:
            page = rotate(page, angle)
    gray, seal = remove_seal(page)
    flat = invert_dark_bands(flatten_lighting(gray))
    measures = _measure(cv2.cvtColor(page, cv2.COLOR_BGR2GRAY), flat, fraction, touches, quad is not None)
    height, width = page.shape[:2]
    return PreparedPage(colour=page, gray=flat, aspect=max(height, width) / max(1, min(height, width)),
                        landscape=width >= height, measures=measures, seal_removed=seal)
