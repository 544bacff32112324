"""What one sample application will be: the visit, the applicant, the loan, what each document states and
where each planted defect goes (identifiers of ``testkit.defects``), before anything is drawn.

Every value comes from one seeded ``random.Random`` per application, drawn in a fixed order: the steps
below run in the order they are written, and that order is part of what a seed means (the same seed gives
the same files, byte for byte).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

from loanpipe.domain.calendar import add_months, add_years, full_years
from loanpipe.domain.idnumber import validity_years
from loanpipe.domain.money import fen
from testkit.defects import CLEAN, SAMPLE_DEFECTS
from testkit.samples.certificate import CertificateContent
from testkit.samples.files import DocumentFile
from testkit.samples.id_card import CardBack, CardFront, address_fits
from testkit.samples.loans import Loan, plan_loan, round_to, share
from testkit.samples.persona import (
    Persona,
    company_name,
    make_id_number,
    make_persona,
    name_differing_by_one,
    wrong_check_char,
)
from testkit.samples.photo import CAMERAS
from testkit.samples.statement import Statement, build_statement, with_row_amount

CHINA = timezone(timedelta(hours=8))
SLOTS = ("id_card_front", "id_card_back", "income_certificate", "bank_statement")
IMAGE_SLOTS = SLOTS[:3]
TIER_MIX = (("phone", 0.6), ("clean", 0.25), ("hard", 0.15))
STATEMENT_FORMATS = {
    "clean": (("pdf_text", 0.8), ("pdf_image", 0.2)),
    "phone": (("pdf_text", 0.5), ("photos", 0.3), ("pdf_image", 0.2)),
    "hard": (("pdf_text", 0.4), ("photos", 0.4), ("pdf_image", 0.2)),
}
APPLICANT_AGES = (22, 55)  # the ages of an applicant the policy accepts, as the generator draws them


# ---------------------------------------------------------------- the batch
def parse_codes(entry: str) -> list[str]:
    """``"clean"`` -> [], ``"name_mismatch+income_mismatch"`` -> both; codes the generator cannot plant are refused."""
    if entry in ("", CLEAN):
        return []
    codes = [code.strip() for code in entry.split("+") if code.strip()]
    unknown = [code for code in codes if code not in SAMPLE_DEFECTS]
    if unknown:
        raise ValueError(f"unknown defect code(s) {unknown}; known: {', '.join(SAMPLE_DEFECTS)}")
    return codes


def defect_schedule(count: int, defect_rate: float, defects: Sequence[str] | None) -> list[list[str]]:
    """Which defects each application gets: a ``defect_rate`` share of the batch (evenly spread; 1.0 when
    only ``defects`` is given), cycling through ``defects`` (default: every code). An entry may be
    ``"clean"`` or several codes joined by ``+``."""
    cycle = [parse_codes(entry) for entry in (defects or SAMPLE_DEFECTS)]
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


def weighted(rng: random.Random, options: Sequence[tuple[str, float]]) -> str:
    return rng.choices([name for name, _ in options], weights=[weight for _, weight in options])[0]


def capture_moment(rng: random.Random) -> datetime:
    day = date(2026, 1, 12) + timedelta(days=rng.randrange(330))
    minutes = rng.randrange(9 * 60, 19 * 60 + 30)
    return datetime.combine(day, time(minutes // 60, minutes % 60), CHINA)


@dataclass(frozen=True)
class Officer:
    officer_id: str
    make: str
    model: str


def officers_of_batch(seed: int) -> list[Officer]:
    rng = random.Random(f"{seed}:officers")
    return [Officer(f"FO-{rng.randint(1, 399):04d}", *rng.choice(CAMERAS)) for _ in range(4)]


# ---------------------------------------------------------------- one application
@dataclass
class Plan:
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
    duplicate_source: Written | None = None
    details: dict[str, str] = field(default_factory=dict)


@dataclass
class Written:
    """What an earlier application of the batch left on disk (a possible duplicate source)."""

    folder: Path
    plan: Plan
    files: dict[str, DocumentFile]


@dataclass
class _Draw:
    """One application's seeded draws so far: the generator's random source, the defects still planted and
    the details written about them (truth.json)."""

    rng: random.Random
    codes: list[str]
    details: dict[str, str]

    def has(self, code: str) -> bool:
        return code in self.codes


_Duplicate = tuple[Written, date, date]  # the source and the window of birth dates its card back fits


def _duplicate_source(written: list[Written], captured: date) -> _Duplicate | None:
    """The latest earlier application whose card-back photo another applicant could pass off as theirs:
    returns it with the birth-date window that fits its validity period and an applicant's age."""
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
        # the ages at issue whose cards run this long (loanpipe.domain.idnumber), from 16 to the oldest applicant
        ages = [age for age in range(16, APPLICANT_AGES[1] + 1) if validity_years(age) == years]
        if not ages:
            continue
        low, high = ages[0], ages[-1]
        earliest = max(add_years(back.valid_from, -high - 1) + timedelta(days=1),
                       add_years(captured, -APPLICANT_AGES[1]))
        latest = min(add_years(back.valid_from, -low), add_years(captured, -APPLICANT_AGES[0]))
        if earliest <= latest:
            return candidate, earliest, latest
    return None


def _visit(draw: _Draw, tier: str | None, captured_at: datetime | None, officers: list[Officer],
           written: list[Written]) -> tuple[str, Officer, datetime, _Duplicate | None]:
    """The tier of the photos, the officer, the capture moment and, for duplicate_image, the source."""
    rng = draw.rng
    tier = tier or weighted(rng, TIER_MIX)
    officer = rng.choice(officers)
    captured = captured_at or capture_moment(rng)
    duplicate: _Duplicate | None = None
    if draw.has("duplicate_image"):
        if captured_at is None and written:
            # the same officer, a later visit the same day
            source_plan = written[-1].plan
            captured = source_plan.captured_at + timedelta(minutes=rng.randint(60, 180))
            officer = source_plan.officer
        duplicate = _duplicate_source(written, captured.date())
        if duplicate is None:
            draw.codes.remove("duplicate_image")
            draw.details["duplicate_image"] = "dropped: no earlier application in the batch can lend its card back"
    return tier, officer, captured, duplicate


def _applicant(draw: _Draw, on: date, duplicate: _Duplicate | None) -> tuple[Persona, int | None]:
    """The applicant, and the loan term that takes an old applicant past 65 (age_out_of_range)."""
    rng = draw.rng
    old_for_term = None
    age = None
    if draw.has("age_out_of_range"):
        if rng.random() < 0.4:
            age = 17
        else:
            age, old_for_term = rng.choice(((61, 60), (62, 48), (62, 60), (63, 36), (63, 48), (64, 24)))
    if draw.has("id_expired") and age is None:
        # 41-45-year-olds hold 20-year cards issued at 26+ that cannot have run out yet
        age = rng.choice([*range(22, 41), *range(46, 56)])
    persona_kwargs: dict = {"age": age, "card_valid": not draw.has("id_expired")}
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
    if draw.has("age_out_of_range") and old_for_term:
        draw.details["age_out_of_range"] = f"{persona.age_on(on)} at capture, {old_for_term}-month term"
    elif draw.has("age_out_of_range"):
        draw.details["age_out_of_range"] = f"{persona.age_on(on)} at capture"
    return persona, old_for_term


def _periods(draw: _Draw, on: date) -> tuple[date, date, int, date]:
    """The statement's first and last day and its length in days, the certificate's issue date."""
    rng, details = draw.rng, draw.details
    statement_end = on - timedelta(days=rng.randint(1, 20))
    covered_days = rng.randint(183, 200)
    if draw.has("statement_stale"):
        statement_end = on - timedelta(days=rng.randint(38, 80))
        details["statement_stale"] = f"statement ends {(on - statement_end).days} days before the capture"
    if draw.has("statement_period_short"):
        covered_days = rng.randint(70, 150)
        details["statement_period_short"] = f"statement covers {covered_days} days"
    statement_start = statement_end - timedelta(days=covered_days - 1)
    certificate_age = rng.randint(5, 50)
    if draw.has("certificate_stale"):
        certificate_age = rng.randint(68, 150)
        details["certificate_stale"] = f"certificate issued {certificate_age} days before the capture"
    return statement_start, statement_end, covered_days, on - timedelta(days=certificate_age)


def _identity(draw: _Draw, persona: Persona) -> tuple[str, CardFront, CardBack]:
    """The ID number as declared, and both sides of the card as printed."""
    rng, details = draw.rng, draw.details
    declared_id = persona.id_number
    if draw.has("id_checksum_invalid"):
        declared_id = wrong_check_char(declared_id)
        details["id_checksum_invalid"] = "the check character is wrong on the card, the certificate and the form"
    printed_birth, printed_sex = persona.birth, persona.sex
    if draw.has("birth_date_mismatch"):
        shift = rng.choice((-1, 1)) * rng.randint(1, 40)
        printed_birth = persona.birth + timedelta(days=shift)
        details["birth_date_mismatch"] = f"card prints {printed_birth.isoformat()}"
    if draw.has("sex_mismatch"):
        printed_sex = "女" if persona.sex == "男" else "男"
        details["sex_mismatch"] = f"card prints {printed_sex}"
    front = CardFront(persona.name, printed_sex, persona.ethnicity, printed_birth, persona.address, declared_id)
    back = CardBack(persona.district.issuing_authority, persona.card_issued, persona.card_valid_until)
    if draw.has("id_expired"):
        details["id_expired"] = f"card valid until {persona.card_valid_until}"
    return declared_id, front, back


def _certificate(draw: _Draw, persona: Persona, declared_id: str,
                 issued: date) -> tuple[CertificateContent, str]:
    """What the income certificate states, and the account holder the statement will print."""
    rng, details = draw.rng, draw.details
    certified_income = persona.gross_income
    if draw.has("income_mismatch"):
        certified_income = round_to(persona.gross_income * share(rng, 1.9, 2.4), 100, ROUND_FLOOR)
        details["income_mismatch"] = "certificate states about twice the gross salary behind the credits"
    certificate_name, statement_holder = persona.name, persona.name
    if draw.has("name_mismatch"):  # the way: name_mismatch_certificate or name_mismatch_statement
        if rng.random() < 0.5:
            certificate_name = name_differing_by_one(rng, persona.name)
            details["name_mismatch"] = "income certificate"
        else:
            statement_holder = name_differing_by_one(rng, persona.name)
            details["name_mismatch"] = "bank statement holder"
    certificate_id = declared_id
    if draw.has("id_number_mismatch"):  # the way: id_number_mismatch_certificate
        other_sequence = (persona.sequence + 2 * rng.randint(1, 40)) % 1000
        other_sequence = other_sequence if other_sequence > 1 else other_sequence + 2
        certificate_id = make_id_number(persona.district.code, persona.birth, other_sequence)
        details["id_number_mismatch"] = "income certificate carries another valid ID number"
    certificate = CertificateContent(certificate_name, persona.sex, certificate_id, persona.employer,
                                     persona.position, certified_income, persona.employment_start, issued)
    return certificate, statement_holder


def _statement(draw: _Draw, persona: Persona, holder: str, start: date, end: date,
               covered_days: int) -> tuple[Statement, list[Decimal]]:
    """The bank statement's rows and the net salaries credited in it."""
    rng, details = draw.rng, draw.details
    months = covered_days // 28 + 2
    deductions = [share(rng, 0.11, 0.24) for _ in range(months)]
    net_salaries = [fen(persona.gross_income * (1 - deduction)) for deduction in deductions]
    salary_payer = persona.employer
    if draw.has("employer_mismatch"):
        salary_payer = company_name(rng, persona.district.city_name, exclude=persona.employer)
        details["employer_mismatch"] = "salary credits come from another company"
    statement = build_statement(rng, holder=holder, period_start=start, period_end=end, salary_payer=salary_payer,
                                net_salary=lambda month: net_salaries[min(month, len(net_salaries) - 1)])
    if draw.has("statement_balance_inconsistent"):  # the way: statement_balance_inconsistent_row
        index_row = rng.randrange(len(statement.rows) // 4, max(len(statement.rows) * 3 // 4, 2))
        original = statement.rows[index_row].amount
        delta = Decimal(rng.choice((100, 300, 500, 900, 1000, 2000)))
        edited = original - delta if original < 0 else original + delta
        statement = with_row_amount(statement, index_row, edited)
        details["statement_balance_inconsistent"] = f"row {index_row + 1} shows {edited} instead of {original}"
    return statement, net_salaries


def _home(rng: random.Random, persona: Persona, duplicate: _Duplicate | None) -> tuple[float, float]:
    lat, lon = persona.district.lat + rng.uniform(-0.03, 0.03), persona.district.lon + rng.uniform(-0.03, 0.03)
    if duplicate is not None:  # a neighbour of the applicant whose card back is reused (same few blocks)
        source_home = duplicate[0].plan.home
        lat, lon = source_home[0] + rng.uniform(-0.005, 0.005), source_home[1] + rng.uniform(-0.005, 0.005)
    return lat, lon


def _place_slot_defects(draw: _Draw, plan: Plan) -> None:
    """Which document a missing, unreadable, edited or far-away picture defect falls on."""
    rng, details = draw.rng, draw.details
    if draw.has("document_missing"):
        plan.missing_slot = rng.choice(SLOTS)
        details["document_missing"] = plan.missing_slot
    present_images = [slot for slot in IMAGE_SLOTS if slot != plan.missing_slot]
    if draw.has("document_unreadable"):
        plan.unreadable_slot = rng.choice(present_images)
        details["document_unreadable"] = plan.unreadable_slot
    if draw.has("image_edited"):
        plan.edited_slot = rng.choice(present_images)
        details["image_edited"] = plan.edited_slot
    if draw.has("capture_location_spread"):
        plan.far_slot = rng.choice(present_images)
        details["capture_location_spread"] = plan.far_slot


def plan_application(index: int, seed: int, codes: list[str], *, tier: str | None, captured_at: datetime | None,
                     officers: list[Officer], written: list[Written]) -> Plan:
    """Application ``index`` of a batch with the ``codes`` planted (a duplicate_image that no earlier
    application can lend a card back to is dropped, and truth.json says so)."""
    draw = _Draw(random.Random(f"{seed}:application:{index}"), list(codes), {})
    rng = draw.rng
    tier, officer, captured, duplicate = _visit(draw, tier, captured_at, officers, written)
    on = captured.date()
    persona, old_for_term = _applicant(draw, on, duplicate)
    kind = "ltv" if draw.has("ltv_exceeded") else "dti" if draw.has("dti_exceeded") else "within_policy"
    loan = plan_loan(rng, persona.gross_income, kind=kind, term_months=old_for_term)
    if old_for_term and full_years(persona.birth, add_months(on, loan.term_months)) <= 65:
        raise ValueError("an age_out_of_range loan must end after the applicant turns 65")
    statement_start, statement_end, covered_days, certificate_issued = _periods(draw, on)
    declared_id, front, back = _identity(draw, persona)
    certificate, statement_holder = _certificate(draw, persona, declared_id, certificate_issued)
    statement, net_salaries = _statement(draw, persona, statement_holder, statement_start, statement_end,
                                         covered_days)
    statement_format = weighted(rng, STATEMENT_FORMATS[tier])
    printed_on = min(on, statement_end + timedelta(days=rng.randint(0, 2)))
    plan = Plan(index, rng, draw.codes, tier, captured, officer, persona, _home(rng, persona, duplicate), loan,
                declared_id, front, back, certificate, statement, statement_format, printed_on, net_salaries,
                details=draw.details)
    _place_slot_defects(draw, plan)
    if duplicate is not None:
        plan.duplicate_source = duplicate[0]
        draw.details["duplicate_image"] = f"id_card_back copied from {duplicate[0].folder.name}"
    return plan
