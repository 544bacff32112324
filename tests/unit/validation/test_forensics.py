"""Image forensics: EXIF evidence and a perceptual hash robust to re-compression and resizing."""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image, ImageDraw, ImageOps
from PIL.TiffImagePlugin import IFDRational

from loanpipe.domain.errors import RejectedInput
from loanpipe.extraction.forensics import image_evidence, perceptual_hash
from loanpipe.policy.model import default_policy
from loanpipe.validation.ports import hamming

SAME_PICTURE = default_policy().fraud.duplicate_max_distance


def scene(seed: int, size=(1600, 1200)) -> Image.Image:
    """A photo-like picture: a lit background, a tilted sheet of paper with blocks of 'text', shadows."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, tuple(rng.randrange(60, 160) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        draw.ellipse((x - 300, y - 200, x + 300, y + 200), fill=tuple(rng.randrange(40, 200) for _ in range(3)))
    paper = Image.new("RGB", (rng.randrange(700, 1000), rng.randrange(800, 1000)), (245, 244, 238))
    ink = ImageDraw.Draw(paper)
    for line in range(rng.randrange(8, 16)):
        ink.rectangle((60, 80 + line * 50, 60 + rng.randrange(200, 800), 100 + line * 50), fill=(30, 30, 30))
    paper = paper.rotate(rng.randrange(-15, 15), expand=True, fillcolor=(0, 0, 0))
    mask = paper.convert("L").point(lambda v: 255 if v else 0)
    image.paste(paper, (rng.randrange(0, 500), rng.randrange(0, 200)), mask)
    return image


def jpeg(image: Image.Image, quality=92, exif: Image.Exif | None = None) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_exif_software_position_and_capture_time_are_read():
    exif = Image.Exif()
    exif[0x0131] = "Adobe Photoshop 25.1 (Windows)"
    details = exif.get_ifd(0x8769)
    details[0x9003] = "2026:11:20 10:05:33"
    details[0x9011] = "+08:00"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "S", 2: (IFDRational(33), IFDRational(52), IFDRational(1), ),
                3: "W", 4: (IFDRational(151), IFDRational(12), IFDRational(36))})
    evidence = image_evidence(jpeg(scene(1), exif=exif), "image/jpeg")
    assert evidence.software == "Adobe Photoshop 25.1 (Windows)"
    assert evidence.gps_lat == pytest.approx(-(33 + 52 / 60 + 1 / 3600), abs=1e-6)
    assert evidence.gps_lon == pytest.approx(-(151 + 12 / 60 + 36 / 3600), abs=1e-6)
    assert evidence.taken_at == datetime(2026, 11, 20, 10, 5, 33, tzinfo=timezone(timedelta(hours=8)))
    assert (evidence.width, evidence.height) == (1600, 1200)


def test_a_capture_time_without_offset_stays_camera_local_time():
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:11:20 10:05:33"
    evidence = image_evidence(jpeg(scene(2), exif=exif), "image/jpeg")
    assert evidence.taken_at == datetime(2026, 11, 20, 10, 5, 33)
    assert evidence.taken_at.tzinfo is None


def test_a_file_without_metadata_has_only_its_hash():
    evidence = image_evidence(png(scene(3)), "image/png")
    assert evidence.phash is not None and len(evidence.phash) == 16
    assert (evidence.software, evidence.gps_lat, evidence.gps_lon, evidence.taken_at) == (None, None, None, None)


@pytest.mark.parametrize("seed", range(4))
def test_the_same_picture_recompressed_or_resized_hashes_within_the_duplicate_distance(seed):
    original = scene(seed, size=(4000, 3000))
    reference = image_evidence(jpeg(original, 95), "image/jpeg").phash
    variants = {
        "quality 40": jpeg(original, 40),
        "half size": jpeg(original.resize((2000, 1500)), 85),
        "small, quality 30": jpeg(original.resize((1000, 750)), 30),
        "as PNG": png(original.resize((1200, 900))),
    }
    for name, data in variants.items():
        kind = "image/png" if name == "as PNG" else "image/jpeg"
        assert hamming(reference, image_evidence(data, kind).phash) <= SAME_PICTURE, name


def test_different_pictures_hash_far_apart():
    hashes = [image_evidence(jpeg(scene(seed)), "image/jpeg").phash for seed in range(10, 22)]
    distances = [hamming(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1:]]
    assert min(distances) > SAME_PICTURE


@pytest.mark.parametrize("orientation", range(2, 9))
def test_the_hash_is_taken_on_the_upright_picture(orientation):
    # Given a picture stored sideways with an EXIF orientation tag
    stored = scene(30)
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = jpeg(stored, 95, exif=exif)
    # Then its hash is that of the picture as Pillow's exif_transpose shows it, not of the stored pixels
    upright = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    phash = image_evidence(data, "image/jpeg").phash
    assert hamming(phash, perceptual_hash(upright)) <= 2
    if orientation in (5, 6, 7, 8):
        assert hamming(phash, perceptual_hash(stored)) > SAME_PICTURE


def pdf(creator: str | None) -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    if creator:
        page.setCreator(creator)
    page.drawString(100, 750, "Statement of account")
    page.rect(80, 300, 400, 300, fill=1)
    page.save()
    return out.getvalue()


def test_a_pdf_names_its_software_only_when_it_is_an_image_editor():
    edited = image_evidence(pdf("Adobe Photoshop CC 2019"), "application/pdf")
    assert edited.software == "Adobe Photoshop CC 2019"
    assert edited.phash is not None
    office = image_evidence(pdf("Microsoft Word for Microsoft 365"), "application/pdf")
    assert office.software is None
    assert hamming(edited.phash, office.phash) == 0  # same page, same hash


@pytest.mark.parametrize(("data", "content_type", "code"), [
    (b"", "image/jpeg", "empty_file"),
    (b"GIF89a....", "image/gif", "unsupported_type"),
    (b"\xff\xd8\xff\xe0 not really a jpeg", "image/jpeg", "corrupt_file"),
    (b"%PDF-1.7 broken", "application/pdf", "corrupt_file"),
])
def test_an_unreadable_file_is_a_typed_rejection(data, content_type, code):
    with pytest.raises(RejectedInput) as rejected:
        image_evidence(data, content_type)
    assert rejected.value.code == code
