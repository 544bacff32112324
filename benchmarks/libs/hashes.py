"""Part 4: duplicate pictures. Our hashes (``extraction.forensics``: the 64-bit DCT pHash and the 256-bit
detail hash, computed by ``image_evidence`` as the pipeline computes them) against imagehash's phash, dhash
and whash (64 bits each, its defaults), in bits apart, for:

- different people's cards of one template (every pair of the set's fronts, and of its backs, whose files
  are not the same bytes): a hash that puts two of them within its duplicate distance flags an honest
  applicant;
- the same picture re-saved (decoded and written again as JPEG quality 70): the copy must stay within it;
- the same picture reused unchanged (the same bytes): 0 bits for any hash.

On the dev set's cards and on the project's generator's cards (``python -m testkit.samples``, clean tier,
no defects). A hash separates the two when the farthest re-saved copy is nearer than the nearest pair of
different people.
"""

from __future__ import annotations

import io
import itertools
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageOps

from loanpipe.extraction.forensics import image_evidence

RESAVE_QUALITY = 70


def _bits(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def _ours(kind: str) -> Callable[[bytes], str]:
    def compute(data: bytes) -> str:
        evidence = image_evidence(data, "image/png" if data[:4] == b"\x89PNG" else "image/jpeg")
        return evidence.phash if kind == "phash" else evidence.detail_hash

    return compute


def _imagehash(kind: str) -> Callable[[bytes], str]:
    def compute(data: bytes) -> str:
        import imagehash

        image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
        return str(getattr(imagehash, kind)(image))

    return compute


HASHES: dict[str, tuple[Callable[[bytes], str], int]] = {
    "ours: pHash (64 bits)": (_ours("phash"), 64),
    "ours: detail hash (256 bits)": (_ours("detail"), 256),
    "imagehash phash (64 bits)": (_imagehash("phash"), 64),
    "imagehash dhash (64 bits)": (_imagehash("dhash"), 64),
    "imagehash whash (64 bits)": (_imagehash("whash"), 64),
}


def resaved(data: bytes) -> bytes:
    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=RESAVE_QUALITY)
    return out.getvalue()


def measure(cards: dict[str, list[Path]]) -> dict[str, dict]:
    """``cards``: per side, the card files. Per side and hash: distances between different people (min,
    5th percentile, median), of re-saved copies (median, max), of reused files (max), whether a threshold
    separates them, and the share of different-people pairs within the farthest re-saved copy."""
    results: dict[str, dict] = {}
    for side, paths in cards.items():
        files = [path.read_bytes() for path in paths]
        copies = [resaved(data) for data in files]
        for name, (compute, bits) in HASHES.items():
            hashes = [compute(data) for data in files]
            resaved_hashes = [compute(data) for data in copies]
            reused = [_bits(h, compute(data)) for h, data in zip(hashes, files, strict=True)]
            apart = [_bits(hashes[i], hashes[j]) for i, j in itertools.combinations(range(len(files)), 2)
                     if files[i] != files[j]]
            again = [_bits(h, r) for h, r in zip(hashes, resaved_hashes, strict=True)]
            far = max(again)
            results.setdefault(side, {})[name] = {
                "bits": bits, "pairs": len(apart), "apart_min": min(apart), "apart_p05": _percentile(apart, 0.05),
                "apart_median": statistics.median(apart), "resaved_median": statistics.median(again),
                "resaved_max": far, "reused_max": max(reused), "separates": far < min(apart),
                "false_pairs_at_resave_max": sum(1 for d in apart if d <= far) / len(apart)}
    return results


def _percentile(values: list[int], share: float) -> float:
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(share * (len(ordered) - 1)))])


def devset_cards(folders: list[Path]) -> dict[str, list[Path]]:
    """Each folder's card files (JPEG or PNG), per side."""
    return {side: [path for folder in folders for path in sorted(folder.glob(f"{side}.*"))[:1]]
            for side in ("id_card_front", "id_card_back")}


def generator_cards(out: Path, count: int, seed: int = 7) -> dict[str, list[Path]]:
    """``count`` applications from the project's generator (clean tier, no defects), written to ``out``."""
    if not out.is_dir() or len(list(out.glob("*/id_card_front.*"))) < count:
        subprocess.run([sys.executable, "-m", "testkit.samples", "--out", str(out), "--count", str(count),
                        "--seed", str(seed), "--tier", "clean", "--defect-rate", "0"], check=True,
                       capture_output=True)
    return devset_cards(sorted(p for p in out.iterdir() if p.is_dir())[:count])
