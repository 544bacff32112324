"""Seeded loan applications as the field app uploads them: one folder each with ``application.json``,
the documents named by slot and ``truth.json`` (planted defects, expected decision, per-file truth).

A clean application is affordable and within policy: loan <= 80 % (new) / 70 % (used) of the
vehicle price, monthly payment (6 % a year, 等额本息) <= 28 % of the certified gross income,
applicant 22-55, statement covering >= 180 days and ending 1-20 days before the capture,
certificate issued 5-50 days before the capture, ID card valid on the capture day, salary credits
10-25 % below the certified gross income.
"""

from __future__ import annotations

import io
import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from pathlib import Path

from PIL import Image, ImageOps

from loanpipe.domain.documents import DocType
from loanpipe.domain.money import fen
from loanpipe_infra.samples.certificate import CertificateContent, render_certificate
from loanpipe_infra.samples.defects import DEFECTS, expected_decision, parse_codes
from loanpipe_infra.samples.files import (
    Capture,
    DocumentFile,
    back_fields,
    certificate_fields,
    front_fields,
    image_document,
    statement_documents,
)
from loanpipe_infra.samples.id_card import CardBack, CardFront, address_fits, render_back, render_front
from loanpipe_infra.samples.persona import (
    Persona,
    company_name,
    make_id_number,
    make_persona,
    name_differing_by_one,
    wrong_check_char,
)
from loanpipe_infra.samples.photo import CAMERAS, EDITOR_SOFTWARE, CameraTags, encode
from loanpipe_infra.samples.statement import Statement, build_statement, with_row_amount
from loanpipe_infra.samples.text import add_months, add_years, age_on

CHINA = timezone(timedelta(hours=8))
SLOTS = ("id_card_front", "id_card_back", "income_certificate", "bank_statement")
IMAGE_SLOTS = SLOTS[:3]
TIER_MIX = (("phone", 0.6), ("clean", 0.25), ("hard", 0.15))
STATEMENT_FORMATS = {
    "clean": (("pdf_text", 0.8), ("pdf_image", 0.2)),
    "phone": (("pdf_text", 0.5), ("photos", 0.3), ("pdf_image", 0.2)),
    "hard": (("pdf_text", 0.4), ("photos", 0.4), ("pdf_image", 0.2)),
}
ANNUAL_RATE = Decimal("0.06")
LTV_LIMIT = {"new": Decimal("0.80"), "used": Decimal("0.70")}
CLEAN_PAYMENT_SHARE = Decimal("0.28")  # payment / certified gross income of an affordable loan
TERMS = (12, 24, 36, 48, 60)
FAR_KM = (45.0, 60.0)


@dataclass
class SampleApplication:
    folder: Path
    declared: dict
    defects: list[str]
    expected_decision: str  # approve | review | decline


# ---------------------------------------------------------------- loans
def monthly_payment(principal: Decimal, months: int, annual_rate: Decimal = ANNUAL_RATE) -> Decimal:
    """等额本息: the same payment every month."""
    rate = annual_rate / 12
    growth = (1 + rate) ** months
    return fen(principal * rate * growth / (growth - 1))


def principal_for(payment: Decimal, months: int, annual_rate: Decimal = ANNUAL_RATE) -> Decimal:
    rate = annual_rate / 12
    growth = (1 + rate) ** months
    return payment * (growth - 1) / (rate * growth)


def _round(value: Decimal, step: int, rounding: str) -> Decimal:
    return (value / step).quantize(Decimal(1), rounding=rounding) * step


@dataclass(frozen=True)
class Loan:
    amount: Decimal
    term_months: int
    vehicle_price: Decimal
    vehicle_type: str

    @property
    def payment(self) -> Decimal:
        return monthly_payment(self.amount, self.term_months)

    @property
    def ltv(self) -> Decimal:
        return self.amount / self.vehicle_price


def _share(rng: random.Random, low: float, high: float) -> Decimal:
    return Decimal(str(round(rng.uniform(low, high), 3)))


def plan_loan(rng: random.Random, gross: Decimal, *, kind: str = "within_policy",
              term_months: int | None = None) -> Loan:
    """A loan for a gross monthly income: within policy, or with the LTV or the DTI over the limit."""
    vehicle_type = "new" if rng.random() < 0.7 else "used"
    limit = LTV_LIMIT[vehicle_type]
    term = term_months or rng.choices(TERMS, weights=(1, 2, 4, 2, 3))[0]
    if kind == "dti":  # payment 45-65 % of the income, LTV fine
        amount = _round(principal_for(gross * _share(rng, 0.45, 0.65), term), 1000, ROUND_CEILING)
        price = _round(amount / _share(rng, 0.45, float(limit) - 0.06), 100, ROUND_CEILING)
        loan = Loan(amount, term, price, vehicle_type)
        assert loan.payment > gross * Decimal("0.40") and loan.ltv <= limit
        return loan
    price_range = (70000, 300000) if vehicle_type == "new" else (30000, 160000)
    for _ in range(50):
        price = _round(Decimal(rng.randint(*price_range)), 100, ROUND_FLOOR)
        affordable = principal_for(gross * _share(rng, 0.15, float(CLEAN_PAYMENT_SHARE) - 0.01), term)
        if kind == "ltv":  # 4-15 points over the limit, affordable
            ratio = limit + _share(rng, 0.04, 0.15)
            price = min(price, _round(affordable / ratio, 100, ROUND_FLOOR))
            amount = _round(price * ratio, 1000, ROUND_FLOOR)
        else:
            ratio = _share(rng, 0.3, float(limit) - 0.03)
            amount = _round(min(price * ratio, affordable), 1000, ROUND_FLOOR)
        if amount < 15000:
            term = 60 if term_months is None else term
            continue
        loan = Loan(amount, term, price, vehicle_type)
        affordable_ok = loan.payment <= gross * CLEAN_PAYMENT_SHARE
        ltv_ok = loan.ltv > limit if kind == "ltv" else loan.ltv <= limit
        if affordable_ok and ltv_ok:
            return loan
    raise ValueError(f"no {kind} loan fits a gross income of {gross}")


# ---------------------------------------------------------------- the batch schedule
def defect_schedule(count: int, defect_rate: float, defects: Sequence[str] | None) -> list[list[str]]:
    """Which defects each application gets: a ``defect_rate`` share of the batch (evenly spread; 1.0 when
    only ``defects`` is given), cycling through ``defects`` (default: every code). An entry may be
    ``"clean"`` or several codes joined by ``+``."""
    cycle = [parse_codes(entry) for entry in (defects or DEFECTS)]
    rate = defect_rate if defect_rate > 0 or not defects else 1.0
    if not 0 <= rate <= 1:
        raise ValueError("defect_rate is a share between 0 and 1")
    schedule, planted = [], 0
    for index in range(count):
        if math.floor((index + 1) * rate + 1e-9) > math.floor(index * rate + 1e-9):
            schedule.append(list(cycle[planted % len(cycle)]))
            planted += 1
        else:
            schedule.append([])
    return schedule


def _weighted(rng: random.Random, options: Sequence[tuple[str, float]]) -> str:
    return rng.choices([name for name, _ in options], weights=[weight for _, weight in options])[0]


def capture_moment(rng: random.Random) -> datetime:
    day = date(2026, 1, 12) + timedelta(days=rng.randrange(330))
    minutes = rng.randrange(9 * 60, 19 * 60 + 30)
    return datetime.combine(day, time(minutes // 60, minutes % 60), CHINA)


def _offset_km(lat: float, lon: float, km: float, bearing_deg: float) -> tuple[float, float]:
    bearing = math.radians(bearing_deg)
    return (lat + km * math.cos(bearing) / 111.0,
            lon + km * math.sin(bearing) / (111.0 * math.cos(math.radians(lat))))


@dataclass(frozen=True)
class Officer:
    officer_id: str
    make: str
    model: str


def _officers(seed: int) -> list[Officer]:
    rng = random.Random(f"{seed}:officers")
    return [Officer(f"FO-{rng.randint(1, 399):04d}", *rng.choice(CAMERAS)) for _ in range(4)]


# ---------------------------------------------------------------- one application
@dataclass
class _Plan:
    index: int
    rng: random.Random
    defects: list[str]
    tier: str
    captured_at: datetime
    officer: Officer
    persona: Persona
    home: tuple[float, float]
    loan: Loan
    declared_id: str
    front: CardFront
    back: CardBack
    certificate: CertificateContent
    statement: Statement
    statement_format: str
    printed_on: date
    net_salaries: list[Decimal]
    missing_slot: str | None = None
    unreadable_slot: str | None = None
    edited_slot: str | None = None
    far_slot: str | None = None
    duplicate_source: _Written | None = None
    details: dict[str, str] = field(default_factory=dict)


@dataclass
class _Written:
    """What an earlier application of the batch left on disk (a possible duplicate source)."""

    folder: Path
    plan: _Plan
    files: dict[str, DocumentFile]


def _duplicate_source(written: list[_Written], captured: date) -> tuple[_Written, date, date] | None:
    """The latest earlier application whose card-back photo another applicant could pass off as theirs:
    returns it with the birth-date window that fits its validity period and an age of 22-55."""
    for candidate in reversed(written):
        plan = candidate.plan
        blocked = {plan.missing_slot, plan.unreadable_slot, plan.edited_slot, plan.far_slot}
        if "id_card_back" in blocked or plan.duplicate_source is not None or "id_card_back" not in {
                file.doc_type for file in candidate.files.values()}:
            continue
        back = plan.back
        if back.valid_until is not None and back.valid_until <= captured + timedelta(days=30):
            continue
        years = None if back.valid_until is None else back.valid_until.year - back.valid_from.year
        low, high = {None: (46, 55), 10: (16, 25), 20: (26, 45)}.get(years, (None, None))
        if low is None:
            continue
        earliest = max(add_years(back.valid_from, -high - 1) + timedelta(days=1), add_years(captured, -55))
        latest = min(add_years(back.valid_from, -low), add_years(captured, -22))
        if earliest <= latest:
            return candidate, earliest, latest
    return None


def _plan(index: int, seed: int, codes: list[str], *, tier: str | None, captured_at: datetime | None,
          officers: list[Officer], written: list[_Written]) -> _Plan:
    rng = random.Random(f"{seed}:application:{index}")
    codes = list(codes)
    details: dict[str, str] = {}
    tier = tier or _weighted(rng, TIER_MIX)
    officer = rng.choice(officers)
    captured = captured_at or capture_moment(rng)
    duplicate: tuple[_Written, date, date] | None = None
    if "duplicate_image" in codes:
        if captured_at is None and written:
            # the same officer, a later visit the same day
            source_plan = written[-1].plan
            captured = source_plan.captured_at + timedelta(minutes=rng.randint(60, 180))
            officer = source_plan.officer
        duplicate = _duplicate_source(written, captured.date())
        if duplicate is None:
            codes.remove("duplicate_image")
            details["duplicate_image"] = "dropped: no earlier application in the batch can lend its card back"
    on = captured.date()

    # the applicant
    old_for_term = None
    age = None
    if "age_out_of_range" in codes:
        if rng.random() < 0.4:
            age = 17
        else:
            age, old_for_term = rng.choice(((61, 60), (62, 48), (62, 60), (63, 36), (63, 48), (64, 24)))
    if "id_expired" in codes and age is None:
        # 41-45-year-olds hold 20-year cards issued at 26+ that cannot have run out yet
        age = rng.choice([*range(22, 41), *range(46, 56)])
    persona_kwargs: dict = {"age": age, "card_valid": "id_expired" not in codes}
    if duplicate is not None:
        source, earliest, latest = duplicate
        persona_kwargs = {
            "birth": earliest + timedelta(days=rng.randrange((latest - earliest).days + 1)),
            "district": source.plan.persona.district,
            "card": (source.plan.back.valid_from, source.plan.back.valid_until),
        }
    for _ in range(20):
        persona = make_persona(rng, on, **persona_kwargs)
        if address_fits(persona.address):
            break
    if "age_out_of_range" in codes and old_for_term:
        details["age_out_of_range"] = f"{persona.age_on(on)} at capture, {old_for_term}-month term"
    elif "age_out_of_range" in codes:
        details["age_out_of_range"] = f"{persona.age_on(on)} at capture"

    # the loan
    kind = "ltv" if "ltv_exceeded" in codes else "dti" if "dti_exceeded" in codes else "within_policy"
    loan = plan_loan(rng, persona.gross_income, kind=kind, term_months=old_for_term)
    if old_for_term and age_on(persona.birth, add_months(on, loan.term_months)) <= 65:
        raise ValueError("an age_out_of_range loan must end after the applicant turns 65")

    # dates
    statement_end = on - timedelta(days=rng.randint(1, 20))
    covered_days = rng.randint(183, 200)
    if "statement_stale" in codes:
        statement_end = on - timedelta(days=rng.randint(38, 80))
        details["statement_stale"] = f"statement ends {(on - statement_end).days} days before the capture"
    if "statement_period_short" in codes:
        covered_days = rng.randint(70, 150)
        details["statement_period_short"] = f"statement covers {covered_days} days"
    statement_start = statement_end - timedelta(days=covered_days - 1)
    certificate_age = rng.randint(5, 50)
    if "certificate_stale" in codes:
        certificate_age = rng.randint(68, 150)
        details["certificate_stale"] = f"certificate issued {certificate_age} days before the capture"
    certificate_issued = on - timedelta(days=certificate_age)

    # the ID number as declared and printed
    declared_id = persona.id_number
    if "id_checksum_invalid" in codes:
        declared_id = wrong_check_char(declared_id)
        details["id_checksum_invalid"] = "the check character is wrong on the card, the certificate and the form"
    printed_birth, printed_sex = persona.birth, persona.sex
    if "birth_date_mismatch" in codes:
        shift = rng.choice((-1, 1)) * rng.randint(1, 40)
        printed_birth = persona.birth + timedelta(days=shift)
        details["birth_date_mismatch"] = f"card prints {printed_birth.isoformat()}"
    if "sex_mismatch" in codes:
        printed_sex = "女" if persona.sex == "男" else "男"
        details["sex_mismatch"] = f"card prints {printed_sex}"
    front = CardFront(persona.name, printed_sex, persona.ethnicity, printed_birth, persona.address, declared_id)
    back = CardBack(persona.district.issuing_authority, persona.card_issued, persona.card_valid_until)
    if "id_expired" in codes:
        details["id_expired"] = f"card valid until {persona.card_valid_until}"

    # certificate
    certified_income = persona.gross_income
    if "income_mismatch" in codes:
        certified_income = _round(persona.gross_income * _share(rng, 1.9, 2.4), 100, ROUND_FLOOR)
        details["income_mismatch"] = "certificate states about twice the gross salary behind the credits"
    certificate_name, statement_holder = persona.name, persona.name
    if "name_mismatch" in codes:
        if rng.random() < 0.5:
            certificate_name = name_differing_by_one(rng, persona.name)
            details["name_mismatch"] = "income certificate"
        else:
            statement_holder = name_differing_by_one(rng, persona.name)
            details["name_mismatch"] = "bank statement holder"
    certificate_id = declared_id
    if "id_number_mismatch" in codes:
        other_sequence = (persona.sequence + 2 * rng.randint(1, 40)) % 1000
        other_sequence = other_sequence if other_sequence > 1 else other_sequence + 2
        certificate_id = make_id_number(persona.district.code, persona.birth, other_sequence)
        details["id_number_mismatch"] = "income certificate carries another valid ID number"
    certificate = CertificateContent(certificate_name, persona.sex, certificate_id, persona.employer,
                                     persona.position, certified_income, persona.employment_start,
                                     certificate_issued)

    # statement
    months = covered_days // 28 + 2
    deductions = [_share(rng, 0.11, 0.24) for _ in range(months)]
    net_salaries = [fen(persona.gross_income * (1 - deduction)) for deduction in deductions]
    salary_payer = persona.employer
    if "employer_mismatch" in codes:
        salary_payer = company_name(rng, persona.district.city_name, exclude=persona.employer)
        details["employer_mismatch"] = "salary credits come from another company"
    statement = build_statement(rng, holder=statement_holder, period_start=statement_start,
                                period_end=statement_end, salary_payer=salary_payer,
                                net_salary=lambda month: net_salaries[min(month, len(net_salaries) - 1)])
    if "statement_balance_inconsistent" in codes:
        index_row = rng.randrange(len(statement.rows) // 4, max(len(statement.rows) * 3 // 4, 2))
        original = statement.rows[index_row].amount
        delta = Decimal(rng.choice((100, 300, 500, 900, 1000, 2000)))
        edited = original - delta if original < 0 else original + delta
        statement = with_row_amount(statement, index_row, edited)
        details["statement_balance_inconsistent"] = f"row {index_row + 1} shows {edited} instead of {original}"
    statement_format = _weighted(rng, STATEMENT_FORMATS[tier])
    printed_on = min(on, statement_end + timedelta(days=rng.randint(0, 2)))

    lat, lon = persona.district.lat + rng.uniform(-0.03, 0.03), persona.district.lon + rng.uniform(-0.03, 0.03)
    if duplicate is not None:  # a neighbour of the applicant whose card back is reused (same few blocks)
        lat, lon = duplicate[0].plan.home[0] + rng.uniform(-0.005, 0.005), duplicate[0].plan.home[1] + rng.uniform(
            -0.005, 0.005)
    plan = _Plan(index, rng, codes, tier, captured, officer, persona, (lat, lon), loan, declared_id, front, back,
                 certificate, statement, statement_format, printed_on, net_salaries, details=details)
    if "document_missing" in codes:
        plan.missing_slot = rng.choice(SLOTS)
        details["document_missing"] = plan.missing_slot
    present_images = [slot for slot in IMAGE_SLOTS if slot != plan.missing_slot]
    if "document_unreadable" in codes:
        plan.unreadable_slot = rng.choice(present_images)
        details["document_unreadable"] = plan.unreadable_slot
    if "image_edited" in codes:
        plan.edited_slot = rng.choice(present_images)
        details["image_edited"] = plan.edited_slot
    if "capture_location_spread" in codes:
        plan.far_slot = rng.choice(present_images)
        details["capture_location_spread"] = plan.far_slot
    if duplicate is not None:
        plan.duplicate_source = duplicate[0]
        details["duplicate_image"] = f"id_card_back copied from {duplicate[0].folder.name}"
    plan.defects = codes
    return plan


def _camera(plan: _Plan, slot: str, minute: int):
    taken = plan.captured_at - timedelta(minutes=18 - minute, seconds=plan.rng.randint(0, 59))
    lat, lon = plan.home
    lat, lon = lat + plan.rng.uniform(-0.00015, 0.00015), lon + plan.rng.uniform(-0.00015, 0.00015)
    if slot == plan.far_slot:
        lat, lon = _offset_km(lat, lon, plan.rng.uniform(*FAR_KM), plan.rng.uniform(0, 360))
    software = EDITOR_SOFTWARE if slot == plan.edited_slot else None

    def tags(orientation: int) -> CameraTags:
        return CameraTags(plan.officer.make, plan.officer.model, taken, lat, lon, orientation, software)

    return tags


def _documents(plan: _Plan) -> list[DocumentFile]:
    rng = plan.rng
    files: list[DocumentFile] = []

    def capture(slot: str, minute: int) -> Capture:
        return Capture(plan.tier, _camera(plan, slot, minute), unreadable=slot == plan.unreadable_slot)

    if plan.missing_slot != "id_card_front":
        files.append(image_document(rng, "id_card_front", DocType.ID_CARD_FRONT, render_front(rng, plan.front),
                                    front_fields(plan.front), capture("id_card_front", 0)))
    if plan.missing_slot != "id_card_back":
        if plan.duplicate_source is not None:
            files.append(_copied_back(rng, plan.duplicate_source))
        else:
            files.append(image_document(rng, "id_card_back", DocType.ID_CARD_BACK, render_back(rng, plan.back),
                                        back_fields(plan.back), capture("id_card_back", 1)))
    if plan.missing_slot != "income_certificate":
        page = render_certificate(rng, plan.certificate, seal_over_body=plan.tier == "hard")
        files.append(image_document(rng, "income_certificate", DocType.INCOME_CERTIFICATE, page,
                                    certificate_fields(plan.certificate), capture("income_certificate", 3)))
    if plan.missing_slot != "bank_statement":
        files.extend(statement_documents(rng, "bank_statement", plan.statement, printed_on=plan.printed_on,
                                         statement_format=plan.statement_format,
                                         capture=capture("bank_statement", 6)))
    return files


def _copied_back(rng: random.Random, source: _Written) -> DocumentFile:
    """The earlier application's card-back file: byte for byte, or re-compressed without its EXIF."""
    original = next(file for file in source.files.values() if file.doc_type == DocType.ID_CARD_BACK.value)
    data = (source.folder / original.name).read_bytes()
    extra = {"duplicate_of": f"{source.folder.name}/{original.name}"}
    if rng.random() < 0.5:
        return DocumentFile(original.name, data, original.doc_type, original.tier, original.format,
                            dict(original.fields), readable=original.readable, exif=original.exif,
                            extra={**extra, "duplicate_mode": "identical"})
    picture = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    quality = rng.randint(72, 86)
    return DocumentFile("id_card_back.jpg", encode(picture, "jpg", quality=quality), original.doc_type,
                        original.tier, "jpg", dict(original.fields), readable=original.readable,
                        extra={**extra, "duplicate_mode": "recompressed", "quality": quality})


def _declared(plan: _Plan) -> dict:
    persona = plan.persona
    return {
        "applicant": {"name": persona.name, "id_number": plan.declared_id, "phone": persona.phone,
                      "address": persona.address},
        "loan": {"amount": f"{plan.loan.amount:.2f}", "term_months": plan.loan.term_months,
                 "vehicle_price": f"{plan.loan.vehicle_price:.2f}", "vehicle_type": plan.loan.vehicle_type},
        "capture": {"officer_id": plan.officer.officer_id, "lat": round(plan.home[0], 6),
                    "lon": round(plan.home[1], 6), "captured_at": plan.captured_at.isoformat()},
    }


def _facts(plan: _Plan) -> dict:
    """Numbers behind the expected decision (for people debugging a rule, not for the pipeline)."""
    on = plan.captured_at.date()
    salary_credits = [row for row in plan.statement.rows if row.counterparty and row.amount > 0
                      and row.description in ("代发工资", "工资")]
    return {
        "age_at_capture": plan.persona.age_on(on),
        "age_at_maturity": age_on(plan.persona.birth, add_months(on, plan.loan.term_months)),
        "gross_monthly_income": f"{plan.persona.gross_income:.2f}",
        "certified_monthly_income": f"{plan.certificate.monthly_income:.2f}",
        "salary_credits": [f"{row.amount:.2f}" for row in salary_credits],
        "monthly_payment": f"{plan.loan.payment:.2f}",
        "payment_to_certified_income": f"{plan.loan.payment / plan.certificate.monthly_income:.4f}",
        "loan_to_value": f"{plan.loan.ltv:.4f}",
        "statement_days": (plan.statement.period_end - plan.statement.period_start).days + 1,
        "statement_end_days_before_capture": (on - plan.statement.period_end).days,
        "certificate_days_before_capture": (on - plan.certificate.issue_date).days,
        "tier": plan.tier,
        "statement_format": plan.statement_format if plan.missing_slot != "bank_statement" else None,
    }


_OUR_FILES = ("application.json", "truth.json", "id_card_front.*", "id_card_back.*", "income_certificate.*",
              "bank_statement*.*")


def _clear(folder: Path) -> None:
    """Remove files an earlier run left in the folder (only the names this generator writes)."""
    for pattern in _OUR_FILES:
        for path in folder.glob(pattern):
            if path.is_file():
                path.unlink()


def generate_applications(out_dir: Path, count: int, seed: int = 7, *, tier: str | None = None,
                          defect_rate: float = 0.0, defects: Sequence[str] | None = None,
                          captured_at: datetime | None = None) -> list[SampleApplication]:
    """Write ``count`` application folders ``out_dir/app_000``... and return what was planted in each.

    ``tier`` clean | phone | hard for every application, None for a realistic mix; ``defects`` cycles
    through the given codes (entries may be ``"clean"`` or ``"a+b"``) over a ``defect_rate`` share of
    the batch (all of it when only ``defects`` is given); ``captured_at`` None = a seeded moment in 2026.
    The same arguments give byte-identical files.
    """
    if tier not in (None, "clean", "phone", "hard"):
        raise ValueError(f"tier must be clean, phone, hard or None, not {tier!r}")
    if captured_at is not None and captured_at.tzinfo is None:
        captured_at = captured_at.replace(tzinfo=CHINA)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    officers = _officers(seed)
    written: list[_Written] = []
    results = []
    for index, codes in enumerate(defect_schedule(count, defect_rate, defects)):
        plan = _plan(index, seed, codes, tier=tier, captured_at=captured_at, officers=officers, written=written)
        folder = out_dir / f"app_{index:03d}"
        folder.mkdir(exist_ok=True)
        _clear(folder)
        files = _documents(plan)
        for document in files:
            (folder / document.name).write_bytes(document.data)
        declared = _declared(plan)
        decision = expected_decision(plan.defects)
        (folder / "application.json").write_text(json.dumps(declared, ensure_ascii=False, indent=2) + "\n",
                                                 encoding="utf-8")
        truth = {"defects": plan.defects, "expected_decision": decision,
                 "documents": {document.name: document.truth() for document in files},
                 "details": plan.details, "facts": _facts(plan)}
        (folder / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(_Written(folder, plan, {document.name: document for document in files}))
        results.append(SampleApplication(folder, declared, list(plan.defects), decision))
    return results


