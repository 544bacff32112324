"""The geometry of detected text: quadrilaterals (the detector's corners, clockwise from top-left) and
the upright boxes extraction reasons with."""

from __future__ import annotations

import math

import cv2
import numpy as np

from loanpipe.extraction.layout import TextBox


def bgr(image: np.ndarray) -> np.ndarray:
    """A grey image as three equal channels (what the PP-OCR models take); a BGR image as it is."""
    if image.ndim == 2:
        return np.repeat(image[:, :, None], 3, axis=2)
    return image


def quad_angle(points: np.ndarray) -> float:
    (x0, y0), (x1, y1) = points[0], points[1]
    return math.degrees(math.atan2(y1 - y0, max(1e-6, x1 - x0)))


def _order_points(points: np.ndarray) -> np.ndarray:
    total, diff = points.sum(axis=1), np.diff(points, axis=1).ravel()
    return np.array([points[np.argmin(total)], points[np.argmin(diff)], points[np.argmax(total)],
                     points[np.argmax(diff)]], dtype=np.float32)


def merge_split_quads(quads: list[np.ndarray], frames: list[TextBox]) -> list[np.ndarray]:
    """The detector sometimes cuts one word into two overlapping boxes ("2026-" | "6-02-20"): read
    separately, the overlap is read twice or garbled. Boxes on one line that overlap are merged."""
    merged = [q for q in quads]
    alive = [True] * len(quads)
    boxes = list(frames)
    if len(boxes) < 2:
        return merged
    x0, x1 = np.array([b.x0 for b in boxes]), np.array([b.x1 for b in boxes])
    cy, height = np.array([b.cy for b in boxes]), np.array([b.height for b in boxes])
    smaller = np.minimum(height[:, None], height[None, :])
    touching = ((np.abs(cy[:, None] - cy[None, :]) <= 0.3 * smaller)
                & (np.minimum(x1[:, None], x1[None, :]) - np.maximum(x0[:, None], x0[None, :]) >= 0.15 * smaller))
    np.fill_diagonal(touching, False)
    for i in np.nonzero(touching.any(axis=1))[0]:
        if not alive[i]:
            continue
        for j in range(i + 1, len(boxes)):
            if not alive[j] or not touching[i, j]:
                continue
            a, b = boxes[i], boxes[j]
            height_ij = min(a.height, b.height)
            if abs(a.cy - b.cy) > 0.3 * height_ij or min(a.x1, b.x1) - max(a.x0, b.x0) < 0.15 * height_ij:
                continue
            points = np.vstack([merged[i], merged[j]]).astype(np.float32)
            merged[i] = _order_points(cv2.boxPoints(cv2.minAreaRect(points)).astype(np.float32))
            boxes[i] = TextBox("", min(a.x0, b.x0), min(a.y0, b.y0), max(a.x1, b.x1), max(a.y1, b.y1))
            alive[j] = False
    return [quad for quad, keep in zip(merged, alive, strict=True) if keep]


def frames_of(quads: list[np.ndarray], width: int, height: int) -> list[TextBox]:
    """Boxes in a frame turned by the page's median text angle, so that a photo's residual rotation
    does not inflate the boxes' heights; each box keeps its own residual angle."""
    def is_wide(q: np.ndarray) -> bool:
        return bool(np.linalg.norm(q[1] - q[0]) > 3 * max(1.0, np.linalg.norm(q[3] - q[0])))

    wide = [quad_angle(q) for q in quads if is_wide(q)]
    turn = float(np.median(wide)) if wide else 0.0
    centre = np.array([width / 2, height / 2], dtype=np.float32)
    cos, sin = math.cos(math.radians(-turn)), math.sin(math.radians(-turn))
    rotation = np.array([[cos, -sin], [sin, cos]], dtype=np.float32)
    frames = []
    for points in quads:
        turned = (points - centre) @ rotation.T + centre
        xs, ys = turned[:, 0], turned[:, 1]
        frames.append(TextBox("", float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()), 0.0,
                              quad_angle(turned) if is_wide(points) else None))
    return frames


def stretch_quad(quad: np.ndarray, box_width: float, width: float) -> np.ndarray | None:
    """``quad`` lengthened to the right along its own line, in the proportion of ``width`` to the width
    ``box_width`` of its box; None for a quad too short to have a direction."""
    direction = quad[1] - quad[0]
    length = float(np.linalg.norm(direction))
    if length < 1:
        return None
    stretch = direction / length * (width * length / max(1.0, box_width) - length)
    widened = quad.copy()
    widened[1] = quad[1] + stretch
    widened[2] = quad[2] + stretch
    return widened


def lines_run_vertically(frames: list[TextBox]) -> bool:
    """Most of the detected text (by length) lies in boxes much taller than wide."""
    tall = sum(f.height for f in frames if f.height > 2 * f.width)
    wide = sum(f.width for f in frames if f.width > 2 * f.height)
    return tall > max(wide, 1.0)
