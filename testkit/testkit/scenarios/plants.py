"""How each defect of the catalogue (``testkit.defects``) is planted in a scenario's draft: one function per
way, ``plant(draft, rng)``, editing the values the extractor would have read (or the fraud ports' seeds)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from loanpipe.domain.calendar import add_years, full_years
from loanpipe.domain.case import CaseDocumentState
from loanpipe.domain.documents import DocType
from loanpipe.domain.idnumber import FEMALE, MALE, check_digit, prefecture_codes, validity_years
from loanpipe.domain.money import fen, money_str
from testkit.scenarios.drafts import CaseDraft, rebalance
from testkit.scenarios.personas import BRANDS, CITIES, GIVEN_CHARS, TRADES, affordable_amount, round_up


def _set_id_number(draft: CaseDraft, number: str) -> None:
    draft.fields[DocType.ID_CARD_FRONT]["id_number"][0] = number
    draft.fields[DocType.INCOME_CERTIFICATE]["id_number"][0] = number
    draft.declared["applicant"]["id_number"] = number


def _other_valid_number(number: str, rng: random.Random) -> str:
    while True:
        sequence = f"{rng.randrange(0, 100) * 10 + int(number[16]) % 2 + 2 * rng.randrange(0, 5):03d}"
        first17 = number[:14] + sequence
        if first17 != number[:17]:
            return first17 + check_digit(first17)


def _flip_bits(phash: str, bits: int, rng: random.Random) -> str:
    value = int(phash, 16)
    for position in rng.sample(range(64), bits):
        value ^= 1 << position
    return f"{value:016x}"


def _loan(draft: CaseDraft, **changes: object) -> None:
    draft.declared["loan"].update(changes)



def nothing(draft: CaseDraft, rng: random.Random) -> None:
    return None


def checksum(draft: CaseDraft, rng: random.Random) -> None:
    number = draft.persona.id_number
    wrong = rng.choice([c for c in "0123456789X" if c != number[17]])
    _set_id_number(draft, number[:17] + wrong)


def area_unknown(draft: CaseDraft, rng: random.Random) -> None:
    number = draft.persona.id_number
    known = prefecture_codes()
    prefix = next(number[:2] + f"{n:02d}" for n in range(89, 10, -1) if number[:2] + f"{n:02d}" not in known)
    first17 = prefix + number[4:17]
    _set_id_number(draft, first17 + check_digit(first17))


def legacy(draft: CaseDraft, rng: random.Random) -> None:
    number = draft.persona.id_number
    _set_id_number(draft, number[:6] + number[8:17])


def expired(draft: CaseDraft, rng: random.Random) -> None:
    birth, as_of = draft.persona.birth_date, draft.clock.date()
    for _ in range(500):
        valid_until = as_of - timedelta(days=rng.randrange(1, 400))
        years = rng.choice([10, 20])
        valid_from = add_years(valid_until, -years)
        lead = validity_years(full_years(birth, valid_from - timedelta(days=120)))
        if valid_from > birth and validity_years(full_years(birth, valid_from)) == years == lead:
            back = draft.fields[DocType.ID_CARD_BACK]
            back["valid_from"][0], back["valid_until"][0] = valid_from.isoformat(), valid_until.isoformat()
            return
    raise ValueError("no expired card fits this persona")


def validity_wrong(draft: CaseDraft, rng: random.Random) -> None:
    back = draft.fields[DocType.ID_CARD_BACK]
    valid_from = date.fromisoformat(back["valid_from"][0])
    back["valid_until"][0] = add_years(valid_from, 25).isoformat()  # no age class has 25 years


def birth_date(draft: CaseDraft, rng: random.Random) -> None:
    shifted = draft.persona.birth_date + timedelta(days=rng.choice([-1, 1]) * rng.randrange(1, 60))
    draft.fields[DocType.ID_CARD_FRONT]["birth_date"][0] = shifted.isoformat()


def sex(draft: CaseDraft, rng: random.Random) -> None:
    draft.fields[DocType.ID_CARD_FRONT]["sex"][0] = FEMALE if draft.persona.sex == MALE else MALE


def _renamed(name: str, rng: random.Random) -> str:
    return name[:-1] + rng.choice([c for c in GIVEN_CHARS if c != name[-1]])


def name_certificate(draft: CaseDraft, rng: random.Random) -> None:
    field_ = draft.fields[DocType.INCOME_CERTIFICATE]["name"]
    field_[0] = _renamed(field_[0], rng)


def name_statement(draft: CaseDraft, rng: random.Random) -> None:
    field_ = draft.fields[DocType.BANK_STATEMENT]["account_holder"]
    field_[0] = _renamed(field_[0], rng)


def id_certificate(draft: CaseDraft, rng: random.Random) -> None:
    draft.fields[DocType.INCOME_CERTIFICATE]["id_number"][0] = _other_valid_number(draft.persona.id_number, rng)


def id_declared(draft: CaseDraft, rng: random.Random) -> None:
    draft.declared["applicant"]["id_number"] = _other_valid_number(draft.persona.id_number, rng)


def inflated_income(draft: CaseDraft, rng: random.Random) -> None:
    factor = Decimal(rng.randrange(170, 260)) / 100
    draft.fields[DocType.INCOME_CERTIFICATE]["monthly_income"][0] = money_str(draft.persona.gross_income * factor)


def no_salary(draft: CaseDraft, rng: random.Random) -> None:
    draft.transactions = [row for row in draft.transactions if row["kind"] == "spending"]
    rebalance(draft)


def other_employer(draft: CaseDraft, rng: random.Random) -> None:
    employer = draft.persona.employer
    other = f"{rng.choice(sorted(CITIES))}{rng.choice(BRANDS)}{rng.choice(TRADES)}有限公司"
    while other[2:6] in employer:
        other = f"{rng.choice(sorted(CITIES))}{rng.choice(BRANDS)}{rng.choice(TRADES)}有限公司"
    for row in draft.transactions:
        if row["kind"] != "spending":
            row["description"] = row["description"].split(" ")[0] + " " + other


def edited_row(draft: CaseDraft, rng: random.Random) -> None:
    salary = [row for row in draft.transactions if row["kind"] == "salary"]
    row = rng.choice(salary)
    row["amount"] = fen(row["amount"] * Decimal(rng.randrange(130, 200)) / 100)  # balances left as printed


def edited_closing(draft: CaseDraft, rng: random.Random) -> None:
    closing = draft.fields[DocType.BANK_STATEMENT]["closing_balance"]
    closing[0] = money_str(Decimal(closing[0]) + Decimal(rng.randrange(1000, 50000)))


def _shift_statement(draft: CaseDraft, days: int) -> None:
    fields = draft.fields[DocType.BANK_STATEMENT]
    for name in ("period_start", "period_end"):
        fields[name][0] = (date.fromisoformat(fields[name][0]) - timedelta(days=days)).isoformat()
    for row in draft.transactions:
        row["date"] -= timedelta(days=days)


def stale_statement(draft: CaseDraft, rng: random.Random) -> None:
    fields = draft.fields[DocType.BANK_STATEMENT]
    end_age = (draft.clock.date() - date.fromisoformat(fields["period_end"][0])).days
    _shift_statement(draft, 31 - end_age + rng.randrange(15, 120))


def short_statement(draft: CaseDraft, rng: random.Random) -> None:
    fields = draft.fields[DocType.BANK_STATEMENT]
    end = date.fromisoformat(fields["period_end"][0])
    start = end - timedelta(days=rng.randrange(160, 176))
    kept = [row for row in draft.transactions if row["date"] >= start]
    dropped = [row for row in draft.transactions if row["date"] < start]
    opening = dropped[-1]["balance"] if dropped else Decimal(fields["opening_balance"][0])
    fields["period_start"][0] = start.isoformat()
    fields["opening_balance"][0] = money_str(opening)
    draft.transactions = kept


def stale_certificate(draft: CaseDraft, rng: random.Random) -> None:
    issued = draft.clock.date() - timedelta(days=rng.randrange(70, 240))
    draft.fields[DocType.INCOME_CERTIFICATE]["issue_date"][0] = issued.isoformat()


def future_certificate(draft: CaseDraft, rng: random.Random) -> None:
    issued = draft.clock.date() + timedelta(days=rng.randrange(2, 30))
    draft.fields[DocType.INCOME_CERTIFICATE]["issue_date"][0] = issued.isoformat()


def duplicate(draft: CaseDraft, rng: random.Random) -> None:
    doc_type = rng.choice(list(DocType))
    phash = draft.evidence[doc_type]["phash"]
    earlier = draft.clock - timedelta(days=rng.randrange(1, 90))
    other = f"APP-OTHER-{rng.randrange(16**6):06X}"
    draft.seed_images.append((other, f"{other}-{doc_type.value}", _flip_bits(phash, rng.randrange(0, 5), rng),
                              f"FO-{rng.randrange(1, 9999):04d}", earlier))


def edited_image(draft: CaseDraft, rng: random.Random) -> None:
    doc_type = rng.choice(list(DocType))
    draft.evidence[doc_type]["software"] = rng.choice(
        ["Adobe Photoshop 25.1 (Windows)", "Adobe Photoshop Lightroom Classic 13.0", "GIMP 2.10.36",
         "Snapseed 2.0", "美图秀秀 9.9", "PicsArt"])


def spread(draft: CaseDraft, rng: random.Random) -> None:
    doc_type = rng.choice(list(DocType))
    evidence = draft.evidence[doc_type]
    evidence["gps_lat"] = round(draft.persona.lat + rng.choice([-1, 1]) * rng.randrange(5, 40) / 100, 6)
    evidence["gps_lon"] = draft.persona.lon


def time_outside(draft: CaseDraft, rng: random.Random) -> None:
    doc_type = rng.choice(list(DocType))
    taken = draft.clock - timedelta(hours=rng.randrange(5, 96))
    draft.evidence[doc_type]["taken_at"] = taken.replace(tzinfo=None)


def clock_skew(draft: CaseDraft, rng: random.Random) -> None:
    draft.received_at = draft.clock + timedelta(minutes=rng.randrange(180, 48 * 60))


def concurrent(draft: CaseDraft, rng: random.Random) -> None:
    other_officer = f"FO-{rng.randrange(1, 9999):04d}"
    while other_officer == draft.persona.officer_id:
        other_officer = f"FO-{rng.randrange(1, 9999):04d}"
    draft.seed_open_applications.append((draft.persona.id_number, f"APP-OPEN-{rng.randrange(16**6):06X}",
                                         other_officer))


def officer_phone(draft: CaseDraft, rng: random.Random) -> None:
    officer_id, phone = rng.choice(draft.seed_officers)
    draft.declared["applicant"]["phone"] = phone


def ltv(draft: CaseDraft, rng: random.Random) -> None:
    persona = draft.persona
    max_ltv = Decimal("0.80") if persona.vehicle_type == "new" else Decimal("0.70")
    ltv = max_ltv + Decimal(rng.randrange(3, 15)) / 100
    _loan(draft, vehicle_price=money_str(round_up(persona.amount / ltv, 100)))


def dti(draft: CaseDraft, rng: random.Random) -> None:
    persona = draft.persona
    target = Decimal(rng.randrange(46, 70)) / 100
    amount = affordable_amount(persona.net_income * Decimal("0.97") * target, persona.term_months)
    price = round_up(amount / Decimal("0.60"), 1000)
    _loan(draft, amount=money_str(amount), vehicle_price=money_str(price))


def low_confidence_field(draft: CaseDraft, rng: random.Random) -> None:
    # Not the name or ID number: read unsurely as the application declares them, they are right.
    doc_type, name = rng.choice([(DocType.ID_CARD_FRONT, "birth_date"),
                                 (DocType.INCOME_CERTIFICATE, "monthly_income"),
                                 (DocType.BANK_STATEMENT, "closing_balance"), (DocType.ID_CARD_BACK, "valid_until")])
    # The extraction's scale: a doubtful read scores below 0.80 (a failed validator caps it at 0.50).
    draft.fields[doc_type][name][1] = rng.randrange(300, 800) / 1000


def low_confidence_rows(draft: CaseDraft, rng: random.Random) -> None:
    # Credits: their words are read by the checks (salary, payer); a debit read unsurely whose balance
    # adds up is not doubtful for the decision.
    # Salary credits whose payer the bank prints cut short: nothing read elsewhere vouches for the words.
    employer = draft.persona.employer
    credits = [row for row in draft.transactions if Decimal(str(row["amount"])) > 0]
    for row in rng.sample(credits, min(3, len(credits))):
        row["confidence"] = rng.randrange(300, 800) / 1000
        row["description"] = row["description"].replace(employer, employer[:8])


def missing_statement(draft: CaseDraft, rng: random.Random) -> None:
    doc_type = rng.choice([DocType.BANK_STATEMENT, DocType.ID_CARD_BACK])
    draft.states[doc_type] = CaseDocumentState.MISSING


def unreadable(draft: CaseDraft, rng: random.Random) -> None:
    doc_type = rng.choice([DocType.INCOME_CERTIFICATE, DocType.ID_CARD_FRONT])
    draft.states[doc_type] = rng.choice([CaseDocumentState.RETAKE_REQUESTED, CaseDocumentState.REJECTED_INPUT])
    draft.state_reasons[doc_type] = [rng.choice(["blurry", "glare", "cut_off", "corrupt_file"])]


def field_absent(draft: CaseDraft, rng: random.Random) -> None:
    doc_type, name = rng.choice([(DocType.ID_CARD_BACK, "valid_until"), (DocType.BANK_STATEMENT, "period_end"),
                                 (DocType.INCOME_CERTIFICATE, "employer"), (DocType.ID_CARD_FRONT, "sex")])
    del draft.fields[doc_type][name]


def field_unparseable(draft: CaseDraft, rng: random.Random) -> None:
    doc_type, name, text = rng.choice([
        (DocType.INCOME_CERTIFICATE, "monthly_income", "壹万贰仟元整"),
        (DocType.BANK_STATEMENT, "opening_balance", "12,3O0.00"),
        (DocType.ID_CARD_BACK, "valid_from", "2019.05.12"),
        (DocType.INCOME_CERTIFICATE, "issue_date", "2026年13月"),
    ])
    draft.fields[doc_type][name][0] = text


def absurd_loan(draft: CaseDraft, rng: random.Random) -> None:
    amount = Decimal(10) ** rng.randrange(9, 14)
    _loan(draft, amount=money_str(amount), vehicle_price=money_str(amount * 2))


def zero_income(draft: CaseDraft, rng: random.Random) -> None:
    draft.fields[DocType.INCOME_CERTIFICATE]["monthly_income"][0] = rng.choice(["0.00", "-8500.00"])


def absurd_statement(draft: CaseDraft, rng: random.Random) -> None:
    draft.fields[DocType.BANK_STATEMENT]["closing_balance"][0] = "9" * rng.randrange(12, 30) + ".00"


def replay(draft: CaseDraft, rng: random.Random) -> None:
    draft.replay = True
    draft.received_at = None
