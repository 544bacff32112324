"""Independent checks of generated samples: written from the rules (GB 11643, 等额本息, the policy
numbers of the brief), not from the generator's code, so that a generator bug shows up as a failure.

The ID check character (``id_number_is_valid``), the age and month arithmetic (``full_years``,
``months_later``) and the instalment (``equal_installment``) are deliberate second copies of what
``loanpipe.domain`` and ``loanpipe.decision`` compute and the generator now imports: an independent test
oracle, so a mistake in the shared code cannot vouch for itself. Keep them written from the rules."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

SLOT_PREFIXES = ("id_card_front", "id_card_back", "income_certificate", "bank_statement")
IMAGE_SUFFIXES = (".jpg", ".png")
SALARY_TEXTS = ("代发工资", "工资")
DUPLICATE_THRESHOLD = 2.0  # mean grey-level difference of 256x256 thumbnails


def id_number_is_valid(number: str) -> bool:
    """GB 11643-1999: 17 digits and an ISO 7064 MOD 11-2 check character (weights 2^(17-i) mod 11)."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(digit) * (2 ** (17 - position) % 11) for position, digit in enumerate(number[:17]))
    check = (12 - total % 11) % 11
    return number[17] == ("X" if check == 10 else str(check))


def birth_of(number: str) -> date:
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def sex_of(number: str) -> str:
    return "男" if int(number[16]) % 2 else "女"


def full_years(born: date, on: date) -> int:
    years = on.year - born.year
    if (on.month, on.day) < (born.month, born.day):
        years -= 1
    return years


def months_later(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("no such month")


def equal_installment(principal: Decimal, months: int) -> Decimal:
    """等额本息 at 6 % a year: P * r / (1 - (1 + r)^-n)."""
    rate = Decimal("0.06") / Decimal(12)
    payment = principal * rate / (1 - (1 + rate) ** -months)
    return payment.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def distance_km(first: tuple[float, float], second: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*first, *second))
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


@dataclass
class PhotoTags:
    make: str | None
    software: str | None
    orientation: int | None
    gps: tuple[float, float] | None
    taken: str | None


def photo_tags(path: Path) -> PhotoTags:
    with Image.open(path) as image:
        exif = image.getexif()
    gps_ifd = exif.get_ifd(0x8825)
    gps = None
    if 2 in gps_ifd and 4 in gps_ifd:
        def degrees(triple) -> float:
            return float(triple[0]) + float(triple[1]) / 60 + float(triple[2]) / 3600
        lat = degrees(gps_ifd[2]) * (1 if gps_ifd.get(1, "N") == "N" else -1)
        lon = degrees(gps_ifd[4]) * (1 if gps_ifd.get(3, "E") == "E" else -1)
        gps = (lat, lon)
    return PhotoTags(exif.get(0x010F), exif.get(0x0131), exif.get(0x0112), gps,
                     exif.get_ifd(0x8769).get(0x9003))


@lru_cache(maxsize=512)
def thumbnail(path: Path) -> np.ndarray:
    """Upright grey 256x256 thumbnail, to recognise a re-compressed copy."""
    with Image.open(path) as image:
        upright = ImageOps.exif_transpose(image).convert("L").resize((256, 256), Image.Resampling.BOX)
        return np.asarray(upright, dtype=np.float32)


def looks_identical(first: Path, second: Path) -> bool:
    """The same bytes, or the same picture re-encoded (thumbnails differ by JPEG noise only)."""
    if first.read_bytes() == second.read_bytes():
        return True
    return float(np.abs(thumbnail(first) - thumbnail(second)).mean()) < DUPLICATE_THRESHOLD


@dataclass
class Folder:
    path: Path
    declared: dict
    truth: dict

    @classmethod
    def read(cls, path: Path) -> Folder:
        return cls(path, json.loads((path / "application.json").read_text(encoding="utf-8")),
                   json.loads((path / "truth.json").read_text(encoding="utf-8")))

    @property
    def captured(self) -> date:
        return datetime.fromisoformat(self.declared["capture"]["captured_at"]).date()

    def document_files(self) -> list[Path]:
        return sorted(path for path in self.path.iterdir() if path.name.startswith(SLOT_PREFIXES))

    def images(self) -> list[Path]:
        return [path for path in self.document_files() if path.suffix in IMAGE_SUFFIXES]

    def truths(self, doc_type: str) -> list[dict]:
        """Truth entries of a type, in page order."""
        entries = [(name, entry) for name, entry in self.truth["documents"].items() if entry["doc_type"] == doc_type]
        return [entry for _, entry in sorted(entries, key=lambda item: item[1].get("page", 0))]

    def field(self, doc_type: str, name: str) -> str | None:
        for entry in self.truths(doc_type):
            if name in entry["fields"]:
                return entry["fields"][name]
        return None

    def statement_rows(self) -> list[dict]:
        rows: list[dict] = []
        for entry in self.truths("bank_statement"):
            rows.extend(entry["transactions"])
        return rows


def balance_breaks(opening: Decimal, rows: list[dict]) -> int:
    """How many rows do not follow from the previous balance."""
    breaks, balance = 0, opening
    for row in rows:
        if balance + Decimal(row["amount"]) != Decimal(row["balance"]):
            breaks += 1
        balance = Decimal(row["balance"])
    return breaks


def observed_defects(folder: Folder, earlier: list[Folder]) -> set[str]:
    """Every defect the files show, found the way a careful reviewer would."""
    found: set[str] = set()
    declared_name = folder.declared["applicant"]["name"]
    declared_id = folder.declared["applicant"]["id_number"]
    on = folder.captured
    present = {prefix for prefix in SLOT_PREFIXES if any(p.name.startswith(prefix) for p in folder.document_files())}
    if present != set(SLOT_PREFIXES):
        found.add("document_missing")
    if any(not entry["readable"] for entry in folder.truth["documents"].values()):
        found.add("document_unreadable")
    if not id_number_is_valid(declared_id):
        found.add("id_checksum_invalid")
    names = [folder.field("id_card_front", "name"), folder.field("income_certificate", "name"),
             folder.field("bank_statement", "account_holder")]
    if any(name is not None and name != declared_name for name in names):
        found.add("name_mismatch")
    ids = [folder.field("id_card_front", "id_number"), folder.field("income_certificate", "id_number")]
    if any(number is not None and number != declared_id for number in ids):
        found.add("id_number_mismatch")
    printed_birth = folder.field("id_card_front", "birth_date")
    if printed_birth is not None and printed_birth != birth_of(declared_id).isoformat():
        found.add("birth_date_mismatch")
    printed_sex = folder.field("id_card_front", "sex")
    if printed_sex is not None and printed_sex != sex_of(declared_id):
        found.add("sex_mismatch")
    valid_until = folder.field("id_card_back", "valid_until")
    if valid_until not in (None, "长期") and date.fromisoformat(valid_until) < on:
        found.add("id_expired")
    # age: 18 at least, at most 65 when the loan ends
    loan = folder.declared["loan"]
    born = birth_of(declared_id)
    if full_years(born, on) < 18 or full_years(born, months_later(on, loan["term_months"])) > 65:
        found.add("age_out_of_range")
    amount, price = Decimal(loan["amount"]), Decimal(loan["vehicle_price"])
    if amount / price > (Decimal("0.8") if loan["vehicle_type"] == "new" else Decimal("0.7")):
        found.add("ltv_exceeded")
    certified = folder.field("income_certificate", "monthly_income")
    if certified is not None and equal_installment(amount, loan["term_months"]) > Decimal("0.4") * Decimal(certified):
        found.add("dti_exceeded")
    issued = folder.field("income_certificate", "issue_date")
    if issued is not None and (on - date.fromisoformat(issued)).days > 60:
        found.add("certificate_stale")
    period_end = folder.field("bank_statement", "period_end")
    if period_end is not None:
        start = date.fromisoformat(folder.field("bank_statement", "period_start"))
        end = date.fromisoformat(period_end)
        if (on - end).days > 30:
            found.add("statement_stale")
        if (end - start).days + 1 < 180:
            found.add("statement_period_short")
        rows = folder.statement_rows()
        opening = Decimal(folder.field("bank_statement", "opening_balance"))
        closing = folder.field("bank_statement", "closing_balance")
        total = opening + sum((Decimal(row["amount"]) for row in rows), Decimal(0))
        if balance_breaks(opening, rows) or (closing is not None and total != Decimal(closing)):
            found.add("statement_balance_inconsistent")
        salary = [row for row in rows if row["description"] in SALARY_TEXTS and Decimal(row["amount"]) > 0]
        if certified is not None and salary:
            mean = sum(Decimal(row["amount"]) for row in salary) / len(salary)
            if mean < Decimal("0.6") * Decimal(certified):
                found.add("income_mismatch")
        employer = folder.field("income_certificate", "employer")
        if employer is not None and any(row["counterparty"] != employer for row in salary):
            found.add("employer_mismatch")
    tags = [photo_tags(path) for path in folder.images()]
    if any(tag.software and "Photoshop" in tag.software for tag in tags):
        found.add("image_edited")
    places = [tag.gps for tag in tags if tag.gps is not None]
    if any(distance_km(a, b) > 20 for a in places for b in places):
        found.add("capture_location_spread")
    for path in folder.images():
        for other in earlier:
            for other_path in other.images():
                if path.stem == other_path.stem and looks_identical(path, other_path):
                    found.add("duplicate_image")
    return found
