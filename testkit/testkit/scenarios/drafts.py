"""A scenario's case under construction: every document of a persona as the extractor would have read it.

``draft_case`` writes consistent documents (an ID card whose validity fits the age at issue and covers the
capture, an income certificate, a bank statement whose running balance adds up); a defect edits the draft's
plain values, then ``CaseDraft.build`` gives the ``ApplicationCase`` and in-memory fraud ports seeded for it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from loanpipe.domain.application import DeclaredApplication, RepaymentMethod
from loanpipe.domain.calendar import add_years, full_years
from loanpipe.domain.case import ApplicationCase, CaseDocument, CaseDocumentState, ImageEvidence
from loanpipe.domain.documents import DocType, ExtractionResult, FieldValue, Quality, Transaction
from loanpipe.domain.idnumber import province_names, validity_years
from loanpipe.domain.money import fen, money_str
from loanpipe.validation.ports import FraudPorts
from testkit.fakes import InMemoryImageIndex, InMemoryOfficerDirectory, InMemoryOpenApplications
from testkit.scenarios.personas import CITIES, Persona

SPENDING = ["消费 超市", "支付宝 消费", "微信支付 消费", "消费 加油站", "取现 ATM", "转账 个人", "信用卡还款",
             "水电燃气缴费", "话费充值", "消费 餐饮"]
CAMERA_SOFTWARE = [None, None, "Android 14", "iOS 17.5.1", "HUAWEI Camera", "MIUI Camera", "HDR+ 1.0"]


@dataclass
class CaseDraft:
    """A case under construction: plain values a defect can edit, then ``build()``."""

    application_id: str
    persona: Persona
    declared: dict
    fields: dict[DocType, dict[str, list]]  # name -> [value, confidence]
    transactions: list[dict]  # chronological: date, description, amount, balance, kind, balance_printed, confidence
    states: dict[DocType, CaseDocumentState]
    state_reasons: dict[DocType, list[str]]
    evidence: dict[DocType, dict]
    clock: datetime
    received_at: datetime | None
    replay: bool = False
    newest_first: bool = False  # the bank prints the statement newest row first
    seed_images: list[tuple[str, str, str, str, datetime]] = field(default_factory=list)
    seed_open_applications: list[tuple[str, str, str]] = field(default_factory=list)
    seed_officers: list[tuple[str, str]] = field(default_factory=list)

    def _statement_transactions(self) -> list[Transaction]:
        rows = [_transaction(row) for row in self.transactions]
        return rows[::-1] if self.newest_first else rows

    def build(self, max_distance: int = 6) -> tuple[ApplicationCase, FraudPorts]:
        documents = []
        for doc_type in DocType:
            state = self.states[doc_type]
            extraction = None
            if state is CaseDocumentState.EXTRACTED:
                extraction = ExtractionResult(
                    doc_type=doc_type,
                    fields={name: FieldValue(value=value, confidence=confidence)
                            for name, (value, confidence) in self.fields[doc_type].items()},
                    transactions=self._statement_transactions() if doc_type is DocType.BANK_STATEMENT else [],
                    quality=Quality(ok=True),
                )
            evidence = ImageEvidence(**self.evidence[doc_type]) if state is not CaseDocumentState.MISSING else None
            documents.append(CaseDocument(
                document_id=f"{self.application_id}-{doc_type.value}",
                doc_type=doc_type,
                state=state,
                extraction=extraction,
                evidence=evidence,
                state_reasons=self.state_reasons.get(doc_type, []),
            ))
        case = ApplicationCase(
            application_id=self.application_id,
            declared=DeclaredApplication.model_validate(self.declared),
            documents=documents,
            clock=self.clock,
            received_at=self.received_at,
            replay=self.replay,
        )
        index = InMemoryImageIndex(max_distance=max_distance)
        for application_id, document_id, phash, officer_id, recorded_at in self.seed_images:
            index.record(application_id, document_id, phash, officer_id, recorded_at)
        open_applications = InMemoryOpenApplications()
        for id_number, application_id, officer_id in self.seed_open_applications:
            open_applications.add(id_number, application_id, officer_id)
        directory = InMemoryOfficerDirectory()
        for officer_id, phone in self.seed_officers:
            directory.add(officer_id, phone)
        return case, FraudPorts(index, open_applications, directory)


def draft_case(persona: Persona, rng: random.Random, application_id: str | None = None) -> CaseDraft:
    """Every document of a persona, consistent with each other, as the extractor would have read them."""
    # One piece on purpose: a row of seeded draws whose order is what a seed means (tests pin seeds).
    as_of = persona.clock.date()
    application_id = application_id or f"APP-{rng.randrange(16**8):08X}"
    valid_from, valid_until = _id_card_validity(persona.birth_date, as_of, rng)

    def confident() -> float:
        return rng.randrange(930, 996) / 1000

    def fields(values: dict[str, str]) -> dict[str, list]:
        return {name: [value, confident()] for name, value in values.items()}

    province = province_names().get(persona.area_code[:2], "")
    statement_end = as_of - timedelta(days=rng.randrange(2, 25))
    statement_start = statement_end - timedelta(days=rng.randrange(185, 200))
    opening = persona.savings
    transactions = _statement_rows(persona, statement_start, statement_end, opening, rng)
    draft = CaseDraft(
        application_id=application_id,
        persona=persona,
        declared={
            "applicant": {"name": persona.name, "id_number": persona.id_number, "phone": persona.phone,
                          "address": persona.address},
            "loan": {"amount": money_str(persona.amount), "term_months": persona.term_months,
                     "vehicle_price": money_str(persona.vehicle_price), "vehicle_type": persona.vehicle_type,
                     "repayment_method": RepaymentMethod.EQUAL_INSTALLMENT.value},
            "capture": {"officer_id": persona.officer_id, "lat": persona.lat, "lon": persona.lon,
                        "captured_at": persona.clock.isoformat()},
        },
        fields={
            DocType.ID_CARD_FRONT: fields({
                "name": persona.name, "sex": persona.sex, "ethnicity": "汉",
                "birth_date": persona.birth_date.isoformat(), "address": f"{province}{persona.address}",
                "id_number": persona.id_number,
            }),
            DocType.ID_CARD_BACK: fields({
                "issuing_authority": f"{persona.city}市公安局", "valid_from": valid_from.isoformat(),
                "valid_until": "长期" if valid_until is None else valid_until.isoformat(),
            }),
            DocType.INCOME_CERTIFICATE: fields({
                "name": persona.name, "id_number": persona.id_number, "employer": persona.employer,
                "position": persona.position, "monthly_income": money_str(persona.gross_income),
                "employment_start": persona.employment_start.isoformat(),
                "issue_date": (as_of - timedelta(days=rng.randrange(3, 40))).isoformat(),
            }),
            DocType.BANK_STATEMENT: fields({
                "account_holder": persona.name, "account_number": persona.account_number,
                "bank_name": persona.bank_name, "period_start": statement_start.isoformat(),
                "period_end": statement_end.isoformat(), "opening_balance": money_str(opening),
                "closing_balance": money_str(transactions[-1]["balance"] if transactions else opening),
            }),
        },
        transactions=transactions,
        states={doc_type: CaseDocumentState.EXTRACTED for doc_type in DocType},
        state_reasons={},
        evidence={doc_type: _evidence(persona, rng) for doc_type in DocType},
        newest_first=rng.random() < 0.25,
        clock=persona.clock,
        received_at=persona.clock + timedelta(minutes=rng.randrange(1, 25)),
        seed_officers=[(persona.officer_id, persona.officer_phone),
                       (f"FO-{rng.randrange(1, 9999):04d}", f"137{rng.randrange(10**7, 10**8)}")],
    )
    if rng.random() < 0.1:  # the certificate prints the name with a space between the characters
        certificate_name = draft.fields[DocType.INCOME_CERTIFICATE]["name"]
        certificate_name[0] = " ".join(certificate_name[0])
    return draft


def rebalance(draft: CaseDraft) -> None:
    """Recompute running balances and the closing balance: an honest statement after an honest change."""
    fields = draft.fields[DocType.BANK_STATEMENT]
    balance = Decimal(fields["opening_balance"][0])
    for row in draft.transactions:
        balance += row["amount"]
        row["balance"] = balance
    fields["closing_balance"][0] = money_str(balance)


def _id_card_validity(birth: date, as_of: date, rng: random.Random) -> tuple[date, date | None]:
    """An issue date and expiry that fit the age at issue (away from class boundaries) and cover the capture."""
    for _ in range(500):
        valid_from = as_of - timedelta(days=rng.randrange(60, 20 * 365))
        if valid_from <= birth:
            continue
        age = full_years(birth, valid_from)
        years = validity_years(age)
        if validity_years(full_years(birth, valid_from - timedelta(days=120))) != years:
            continue
        if years is None:
            return valid_from, None
        valid_until = add_years(valid_from, years)
        if valid_until > as_of + timedelta(days=30):
            return valid_from, valid_until
    raise ValueError("no ID card validity fits this persona")


def _statement_rows(persona: Persona, start: date, end: date, opening: Decimal,
                    rng: random.Random) -> list[dict]:
    """Chronological rows: a monthly salary from the employer (as the bank prints the payer: in full,
    cut short or without the city), sometimes a bonus, and everyday spending; balances add up."""
    payer = _payer_text(persona.employer, rng)
    label = rng.choice(["代发工资 ", "工资 ", "代发 "])
    rows: list[tuple[date, str, Decimal, str]] = []
    payday = rng.choice([5, 10, 15, 25])
    bonus_month = rng.choice([None, None, None, None, rng.randrange(1, 13)])
    day = start
    while day <= end:
        if day.day == payday:
            wobble = Decimal(rng.randrange(-300, 301)) / 10000
            rows.append((day, label + payer, fen(persona.net_income * (1 + wobble)), "salary"))
            if day.month == bonus_month:
                bonus = fen(persona.net_income * Decimal(rng.randrange(50, 200)) / 100)
                rows.append((day, "奖金 " + payer, bonus, "bonus"))
        if rng.random() < 0.22:
            rows.append((day, rng.choice(SPENDING), -Decimal(rng.randrange(2000, 120000)) / 100, "spending"))
        day += timedelta(days=1)
    rows.sort(key=lambda row: row[0])
    result = []
    balance = opening
    for on, description, amount, kind in rows:
        if balance + amount < 0:
            continue
        balance += amount
        result.append({"date": on, "description": description, "amount": amount, "balance": balance,
                       "kind": kind, "balance_printed": True, "confidence": rng.randrange(950, 996) / 1000})
    if result and rng.random() < 0.1:  # some banks leave the balance column empty on a few rows
        for row in rng.sample(result, min(3, len(result))):
            row["balance_printed"] = False
    return result


def _payer_text(employer: str, rng: random.Random) -> str:
    """The employer as a bank prints it: in full, cut after 7-10 characters, or without the city."""
    form = rng.choice(["full", "full", "cut", "no_city"])
    if form == "cut":
        return employer[: rng.randrange(7, 11)]
    if form == "no_city":
        for city in CITIES:
            if employer.startswith(city):
                return employer[len(city):]
    return employer


def _transaction(row: dict) -> Transaction:
    return Transaction(date=row["date"].isoformat(), description=row["description"], amount=money_str(row["amount"]),
                       balance=money_str(row["balance"]) if row["balance_printed"] else None,
                       confidence=row["confidence"])


def _evidence(persona: Persona, rng: random.Random) -> dict:
    taken = persona.clock - timedelta(minutes=rng.randrange(2, 90))
    stripped = rng.random() < 0.25  # many capture apps strip EXIF: no position, no time, no software
    return {
        "phash": f"{rng.getrandbits(64):016x}",
        "software": None if stripped else rng.choice(CAMERA_SOFTWARE),
        "gps_lat": None if stripped else round(persona.lat + rng.randrange(-25, 26) / 100000, 6),
        "gps_lon": None if stripped else round(persona.lon + rng.randrange(-25, 26) / 100000, 6),
        "taken_at": None if stripped else taken.replace(tzinfo=None),  # camera local time, no offset
        "received_at": persona.clock + timedelta(minutes=rng.randrange(1, 20)),
        "content_type": "image/jpeg",
        "width": 4000,
        "height": 3000,
    }
