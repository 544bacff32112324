"""Consistent synthetic applications with one planted defect each, for tests, benchmarks and samples.

``build_scenario(defect, seed)`` makes a persona (a valid ID number with a real GB/T 2260 prefecture, an
ID card whose validity fits the age at issue, an income certificate, a bank statement whose running
balance adds up and whose salary credits are 10-25% below the gross certified income, a loan within
policy), plants one defect (``DEFECTS``) and returns the case as extracted data (no images, no OCR),
in-memory fraud ports seeded for it and the expected decision and reason codes under the default policy.
Deterministic per seed. Amounts are built from integers and Decimal only.

The sample generator (infra) can read the same personas and defects to draw them as document images.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_DOWN, Decimal

from loanpipe.decision.loans import monthly_payment
from loanpipe.domain.application import DeclaredApplication, RepaymentMethod
from loanpipe.domain.calendar import add_months, add_years, full_years
from loanpipe.domain.case import ApplicationCase, CaseDocument, DocumentState, ImageEvidence, Outcome
from loanpipe.domain.documents import DocType, ExtractionResult, FieldValue, Quality, Transaction
from loanpipe.domain.idnumber import FEMALE, MALE, check_digit, prefecture_codes, province_names, validity_years
from loanpipe.domain.money import fen, money_str
from loanpipe.validation.ports import FraudPorts
from testkit.fakes import InMemoryImageIndex, InMemoryOfficerDirectory, InMemoryOpenApplications

CHINA = timezone(timedelta(hours=8))
BASE_CLOCK = datetime(2026, 11, 20, 10, 31, tzinfo=CHINA)
ANNUAL_RATE = Decimal("0.06")  # the default policy's; used to keep personas affordable

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国红梅鑫宇浩然子涵欣怡思远嘉诚雨欣俊"
_CITIES = {  # city: (lat, lon)
    "杭州": (30.274, 120.155), "成都": (30.572, 104.066), "武汉": (30.593, 114.305), "西安": (34.341, 108.940),
    "长沙": (28.228, 112.939), "郑州": (34.747, 113.625), "合肥": (31.820, 117.227), "南宁": (22.817, 108.366),
    "昆明": (25.038, 102.718), "济南": (36.651, 117.120), "石家庄": (38.042, 114.514), "南昌": (28.682, 115.858),
}
_BRANDS = ["云帆", "华信", "天府", "恒达", "新丰", "瑞景", "博远", "众联", "金桥", "宏图", "嘉禾", "鼎盛", "星河",
           "安泰"]
_TRADES = ["科技", "物流", "建设", "商贸", "电子", "食品", "机械", "医药", "汽车服务", "教育咨询"]
_POSITIONS = ["工程师", "会计", "司机", "销售经理", "仓库主管", "技术员", "行政专员", "店长", "质检员"]
_BANKS = ["中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "招商银行", "交通银行"]
_SPENDING = ["消费 超市", "支付宝 消费", "微信支付 消费", "消费 加油站", "取现 ATM", "转账 个人", "信用卡还款",
             "水电燃气缴费", "话费充值", "消费 餐饮"]
_CAMERA_SOFTWARE = [None, None, "Android 14", "iOS 17.5.1", "HUAWEI Camera", "MIUI Camera", "HDR+ 1.0"]


@dataclass
class Persona:
    name: str
    sex: str
    birth_date: date
    id_number: str
    area_code: str
    phone: str
    address: str
    employer: str
    position: str
    gross_income: Decimal  # on the certificate
    net_income: Decimal  # what the bank credits, 10-25% below gross
    employment_start: date
    bank_name: str
    account_number: str
    officer_id: str
    officer_phone: str
    city: str
    lat: float
    lon: float
    clock: datetime
    vehicle_type: str
    vehicle_price: Decimal
    amount: Decimal
    term_months: int
    savings: Decimal  # the statement's opening balance


@dataclass
class CaseDraft:
    """A case under construction: plain values a defect can edit, then ``build()``."""

    application_id: str
    persona: Persona
    declared: dict
    fields: dict[DocType, dict[str, list]]  # name -> [value, confidence]
    transactions: list[dict]  # chronological: date, description, amount, balance, kind, balance_printed, confidence
    states: dict[DocType, DocumentState]
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
            if state is DocumentState.EXTRACTED:
                extraction = ExtractionResult(
                    doc_type=doc_type,
                    fields={name: FieldValue(value=value, confidence=confidence)
                            for name, (value, confidence) in self.fields[doc_type].items()},
                    transactions=self._statement_transactions() if doc_type is DocType.BANK_STATEMENT else [],
                    quality=Quality(ok=True),
                )
            evidence = ImageEvidence(**self.evidence[doc_type]) if state is not DocumentState.MISSING else None
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


@dataclass(frozen=True)
class Defect:
    name: str
    codes: frozenset[str]  # reason codes the defect must produce
    decision: Outcome
    summary: str
    plant: Callable[[CaseDraft, random.Random], None]
    profile: str = "prime"  # the persona it starts from
    age_range: tuple[int, int] | None = None
    term_months: int | None = None
    also: frozenset[str] = frozenset()  # companions the defect may also bring (besides score_below_cutoff)


@dataclass
class Scenario:
    defect: Defect
    seed: int
    draft: CaseDraft
    case: ApplicationCase
    ports: FraudPorts

    @property
    def expected_decision(self) -> Outcome:
        return self.defect.decision

    @property
    def expected_codes(self) -> frozenset[str]:
        return self.defect.codes


# ---------------------------------------------------------------- personas


def make_persona(rng: random.Random, *, profile: str = "prime", clock: datetime | None = None,
                 age_range: tuple[int, int] | None = None, term_months: int | None = None) -> Persona:
    """A consistent applicant. ``prime``: clearly within policy and above the cut-off; ``typical``: anywhere
    within policy (the straight-through benchmark); ``weak``: within policy but below the cut-off."""
    if clock is None:
        day = BASE_CLOCK - timedelta(days=rng.randrange(0, 365))
        clock = day.replace(hour=rng.randrange(9, 18), minute=rng.randrange(0, 60))  # a daytime visit
    as_of = clock.date()
    low_age, high_age = age_range or {"prime": (26, 48), "typical": (21, 55), "weak": (21, 23)}[profile]
    age = rng.randint(low_age, high_age)
    birth = as_of - timedelta(days=365 * age + rng.randrange(1, 360))
    if full_years(birth, as_of) != age:
        birth = add_years(as_of, -age) - timedelta(days=rng.randrange(1, 28))
    sex = rng.choice([MALE, FEMALE])
    prefectures = sorted(code for code in prefecture_codes() if not code.endswith("90"))
    area = rng.choice(prefectures) + f"{rng.randrange(1, 25):02d}"
    sequence = rng.randrange(0, 100) * 10 + rng.choice([1, 3, 5, 7, 9] if sex == MALE else [0, 2, 4, 6, 8])
    first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
    id_number = first17 + check_digit(first17)
    city = rng.choice(sorted(_CITIES))
    lat, lon = _CITIES[city]
    lat += rng.randrange(-300, 300) / 10000
    lon += rng.randrange(-300, 300) / 10000
    employer = f"{city}{rng.choice(_BRANDS)}{rng.choice(_TRADES)}有限公司"
    gross = Decimal(rng.randrange(80, 300) * 100) if profile != "weak" else Decimal(rng.randrange(60, 90) * 100)
    net = fen(gross * Decimal(rng.randrange(760, 890)) / 1000)
    low_tenure, high_tenure = {"prime": (40, 180), "typical": (9, 180), "weak": (7, 10)}[profile]
    high_tenure = max(1, min(high_tenure, (age - 16) * 12))
    employment_start = add_months(as_of, -rng.randint(min(low_tenure, high_tenure), high_tenure))
    employment_start -= timedelta(days=rng.randrange(0, 25))
    vehicle_type = "new" if profile == "weak" else rng.choice(["new", "new", "used"])
    savings = Decimal(rng.randrange(300, 3000) if profile == "weak" else rng.randrange(2000, 50000))
    max_ltv = Decimal("0.80") if vehicle_type == "new" else Decimal("0.70")
    top = int(max_ltv * 100)
    terms, ltv_range, dti_cap = {
        "prime": ([12, 24, 36], (40, top - 6), Decimal("0.28")),
        "typical": ([12, 24, 36, 48, 60], (35, top - 2), Decimal("0.37")),
        "weak": ([60], (top - 3, top - 1), Decimal("0.37")),
    }[profile]
    term = term_months or rng.choice(terms)
    ltv = Decimal(rng.randint(*ltv_range)) / 100
    affordable = _affordable_amount(net * dti_cap, term)
    if profile == "weak":
        amount = max(affordable, Decimal("10000"))
        price = _round_up(amount / ltv, 1000)
    else:
        price = Decimal(rng.randrange(60, 300) * 1000)
        amount = max(min(_round_down(price * ltv, 100), affordable), Decimal("10000"))
    if amount > price * max_ltv:
        price = _round_up(amount / (max_ltv - Decimal("0.05")), 1000)
    return Persona(
        name=rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice([1, 2]))),
        sex=sex,
        birth_date=birth,
        id_number=id_number,
        area_code=area,
        phone=f"13{rng.randrange(0, 10)}{rng.randrange(10**7, 10**8)}",
        address=f"{city}市{rng.choice(['人民路', '解放路', '建设路', '中山路'])}{rng.randrange(1, 300)}号",
        employer=employer,
        position=rng.choice(_POSITIONS),
        gross_income=gross,
        net_income=net,
        employment_start=employment_start,
        bank_name=rng.choice(_BANKS),
        account_number=f"6222{rng.randrange(10**14, 10**15)}",
        officer_id=f"FO-{rng.randrange(1, 9999):04d}",
        officer_phone=f"139{rng.randrange(10**7, 10**8)}",
        city=city,
        lat=round(lat, 6),
        lon=round(lon, 6),
        clock=clock,
        vehicle_type=vehicle_type,
        vehicle_price=price,
        amount=amount,
        term_months=term,
        savings=savings,
    )


def draft_case(persona: Persona, rng: random.Random, application_id: str | None = None) -> CaseDraft:
    """Every document of a persona, consistent with each other, as the extractor would have read them."""
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
        states={doc_type: DocumentState.EXTRACTED for doc_type in DocType},
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


def build_scenario(defect: str | Defect, seed: int, *, max_distance: int = 6) -> Scenario:
    """One application with the named defect planted (``clean`` for none), deterministic per seed."""
    chosen = DEFECTS[defect] if isinstance(defect, str) else defect
    rng = random.Random(f"{chosen.name}:{seed}")
    persona = make_persona(rng, profile=chosen.profile, age_range=chosen.age_range,
                           term_months=chosen.term_months)
    draft = draft_case(persona, rng)
    chosen.plant(draft, rng)
    case, ports = draft.build(max_distance=max_distance)
    return Scenario(defect=chosen, seed=seed, draft=draft, case=case, ports=ports)


def rebalance(draft: CaseDraft) -> None:
    """Recompute running balances and the closing balance: an honest statement after an honest change."""
    fields = draft.fields[DocType.BANK_STATEMENT]
    balance = Decimal(fields["opening_balance"][0])
    for row in draft.transactions:
        balance += row["amount"]
        row["balance"] = balance
    fields["closing_balance"][0] = money_str(balance)


# ---------------------------------------------------------------- building blocks


def _round_down(value: Decimal, step: int) -> Decimal:
    return (value / step).quantize(Decimal(1), rounding=ROUND_DOWN) * step


def _round_up(value: Decimal, step: int) -> Decimal:
    return -_round_down(-value, step)


def _affordable_amount(max_payment: Decimal, term: int) -> Decimal:
    per_10k = monthly_payment(Decimal("10000.00"), ANNUAL_RATE, term)
    return _round_down(max_payment / per_10k * 10000, 100)


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
            rows.append((day, rng.choice(_SPENDING), -Decimal(rng.randrange(2000, 120000)) / 100, "spending"))
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
        for city in _CITIES:
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
        "software": None if stripped else rng.choice(_CAMERA_SOFTWARE),
        "gps_lat": None if stripped else round(persona.lat + rng.randrange(-25, 26) / 100000, 6),
        "gps_lon": None if stripped else round(persona.lon + rng.randrange(-25, 26) / 100000, 6),
        "taken_at": None if stripped else taken.replace(tzinfo=None),  # camera local time, no offset
        "received_at": persona.clock + timedelta(minutes=rng.randrange(1, 20)),
        "content_type": "image/jpeg",
        "width": 4000,
        "height": 3000,
    }


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


# ---------------------------------------------------------------- defects


def _none(draft: CaseDraft, rng: random.Random) -> None:
    return None


def _checksum(draft: CaseDraft, rng: random.Random) -> None:
    number = draft.persona.id_number
    wrong = rng.choice([c for c in "0123456789X" if c != number[17]])
    _set_id_number(draft, number[:17] + wrong)


def _area_unknown(draft: CaseDraft, rng: random.Random) -> None:
    number = draft.persona.id_number
    known = prefecture_codes()
    prefix = next(number[:2] + f"{n:02d}" for n in range(89, 10, -1) if number[:2] + f"{n:02d}" not in known)
    first17 = prefix + number[4:17]
    _set_id_number(draft, first17 + check_digit(first17))


def _legacy(draft: CaseDraft, rng: random.Random) -> None:
    number = draft.persona.id_number
    _set_id_number(draft, number[:6] + number[8:17])


def _expired(draft: CaseDraft, rng: random.Random) -> None:
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


def _validity_wrong(draft: CaseDraft, rng: random.Random) -> None:
    back = draft.fields[DocType.ID_CARD_BACK]
    valid_from = date.fromisoformat(back["valid_from"][0])
    back["valid_until"][0] = add_years(valid_from, 25).isoformat()  # no age class has 25 years


def _birth_date(draft: CaseDraft, rng: random.Random) -> None:
    shifted = draft.persona.birth_date + timedelta(days=rng.choice([-1, 1]) * rng.randrange(1, 60))
    draft.fields[DocType.ID_CARD_FRONT]["birth_date"][0] = shifted.isoformat()


def _sex(draft: CaseDraft, rng: random.Random) -> None:
    draft.fields[DocType.ID_CARD_FRONT]["sex"][0] = FEMALE if draft.persona.sex == MALE else MALE


def _renamed(name: str, rng: random.Random) -> str:
    return name[:-1] + rng.choice([c for c in _GIVEN if c != name[-1]])


def _name_certificate(draft: CaseDraft, rng: random.Random) -> None:
    field_ = draft.fields[DocType.INCOME_CERTIFICATE]["name"]
    field_[0] = _renamed(field_[0], rng)


def _name_statement(draft: CaseDraft, rng: random.Random) -> None:
    field_ = draft.fields[DocType.BANK_STATEMENT]["account_holder"]
    field_[0] = _renamed(field_[0], rng)


def _id_certificate(draft: CaseDraft, rng: random.Random) -> None:
    draft.fields[DocType.INCOME_CERTIFICATE]["id_number"][0] = _other_valid_number(draft.persona.id_number, rng)


def _id_declared(draft: CaseDraft, rng: random.Random) -> None:
    draft.declared["applicant"]["id_number"] = _other_valid_number(draft.persona.id_number, rng)


def _inflated_income(draft: CaseDraft, rng: random.Random) -> None:
    factor = Decimal(rng.randrange(170, 260)) / 100
    draft.fields[DocType.INCOME_CERTIFICATE]["monthly_income"][0] = money_str(draft.persona.gross_income * factor)


def _no_salary(draft: CaseDraft, rng: random.Random) -> None:
    draft.transactions = [row for row in draft.transactions if row["kind"] == "spending"]
    rebalance(draft)


def _other_employer(draft: CaseDraft, rng: random.Random) -> None:
    employer = draft.persona.employer
    other = f"{rng.choice(sorted(_CITIES))}{rng.choice(_BRANDS)}{rng.choice(_TRADES)}有限公司"
    while other[2:6] in employer:
        other = f"{rng.choice(sorted(_CITIES))}{rng.choice(_BRANDS)}{rng.choice(_TRADES)}有限公司"
    for row in draft.transactions:
        if row["kind"] != "spending":
            row["description"] = row["description"].split(" ")[0] + " " + other


def _edited_row(draft: CaseDraft, rng: random.Random) -> None:
    salary = [row for row in draft.transactions if row["kind"] == "salary"]
    row = rng.choice(salary)
    row["amount"] = fen(row["amount"] * Decimal(rng.randrange(130, 200)) / 100)  # balances left as printed


def _edited_closing(draft: CaseDraft, rng: random.Random) -> None:
    closing = draft.fields[DocType.BANK_STATEMENT]["closing_balance"]
    closing[0] = money_str(Decimal(closing[0]) + Decimal(rng.randrange(1000, 50000)))


def _shift_statement(draft: CaseDraft, days: int) -> None:
    fields = draft.fields[DocType.BANK_STATEMENT]
    for name in ("period_start", "period_end"):
        fields[name][0] = (date.fromisoformat(fields[name][0]) - timedelta(days=days)).isoformat()
    for row in draft.transactions:
        row["date"] -= timedelta(days=days)


def _stale_statement(draft: CaseDraft, rng: random.Random) -> None:
    fields = draft.fields[DocType.BANK_STATEMENT]
    end_age = (draft.clock.date() - date.fromisoformat(fields["period_end"][0])).days
    _shift_statement(draft, 31 - end_age + rng.randrange(15, 120))


def _short_statement(draft: CaseDraft, rng: random.Random) -> None:
    fields = draft.fields[DocType.BANK_STATEMENT]
    end = date.fromisoformat(fields["period_end"][0])
    start = end - timedelta(days=rng.randrange(160, 176))
    kept = [row for row in draft.transactions if row["date"] >= start]
    dropped = [row for row in draft.transactions if row["date"] < start]
    opening = dropped[-1]["balance"] if dropped else Decimal(fields["opening_balance"][0])
    fields["period_start"][0] = start.isoformat()
    fields["opening_balance"][0] = money_str(opening)
    draft.transactions = kept


def _stale_certificate(draft: CaseDraft, rng: random.Random) -> None:
    issued = draft.clock.date() - timedelta(days=rng.randrange(70, 240))
    draft.fields[DocType.INCOME_CERTIFICATE]["issue_date"][0] = issued.isoformat()


def _future_certificate(draft: CaseDraft, rng: random.Random) -> None:
    issued = draft.clock.date() + timedelta(days=rng.randrange(2, 30))
    draft.fields[DocType.INCOME_CERTIFICATE]["issue_date"][0] = issued.isoformat()


def _duplicate(draft: CaseDraft, rng: random.Random) -> None:
    doc_type = rng.choice(list(DocType))
    phash = draft.evidence[doc_type]["phash"]
    earlier = draft.clock - timedelta(days=rng.randrange(1, 90))
    other = f"APP-OTHER-{rng.randrange(16**6):06X}"
    draft.seed_images.append((other, f"{other}-{doc_type.value}", _flip_bits(phash, rng.randrange(0, 5), rng),
                              f"FO-{rng.randrange(1, 9999):04d}", earlier))


def _edited_image(draft: CaseDraft, rng: random.Random) -> None:
    doc_type = rng.choice(list(DocType))
    draft.evidence[doc_type]["software"] = rng.choice(
        ["Adobe Photoshop 25.1 (Windows)", "Adobe Photoshop Lightroom Classic 13.0", "GIMP 2.10.36",
         "Snapseed 2.0", "美图秀秀 9.9", "PicsArt"])


def _spread(draft: CaseDraft, rng: random.Random) -> None:
    doc_type = rng.choice(list(DocType))
    evidence = draft.evidence[doc_type]
    evidence["gps_lat"] = round(draft.persona.lat + rng.choice([-1, 1]) * rng.randrange(5, 40) / 100, 6)
    evidence["gps_lon"] = draft.persona.lon


def _time_outside(draft: CaseDraft, rng: random.Random) -> None:
    doc_type = rng.choice(list(DocType))
    taken = draft.clock - timedelta(hours=rng.randrange(5, 96))
    draft.evidence[doc_type]["taken_at"] = taken.replace(tzinfo=None)


def _clock_skew(draft: CaseDraft, rng: random.Random) -> None:
    draft.received_at = draft.clock + timedelta(minutes=rng.randrange(180, 48 * 60))


def _concurrent(draft: CaseDraft, rng: random.Random) -> None:
    other_officer = f"FO-{rng.randrange(1, 9999):04d}"
    while other_officer == draft.persona.officer_id:
        other_officer = f"FO-{rng.randrange(1, 9999):04d}"
    draft.seed_open_applications.append((draft.persona.id_number, f"APP-OPEN-{rng.randrange(16**6):06X}",
                                         other_officer))


def _officer_phone(draft: CaseDraft, rng: random.Random) -> None:
    officer_id, phone = rng.choice(draft.seed_officers)
    draft.declared["applicant"]["phone"] = phone


def _ltv(draft: CaseDraft, rng: random.Random) -> None:
    persona = draft.persona
    max_ltv = Decimal("0.80") if persona.vehicle_type == "new" else Decimal("0.70")
    ltv = max_ltv + Decimal(rng.randrange(3, 15)) / 100
    _loan(draft, vehicle_price=money_str(_round_up(persona.amount / ltv, 100)))


def _dti(draft: CaseDraft, rng: random.Random) -> None:
    persona = draft.persona
    target = Decimal(rng.randrange(46, 70)) / 100
    amount = _affordable_amount(persona.net_income * Decimal("0.97") * target, persona.term_months)
    price = _round_up(amount / Decimal("0.60"), 1000)
    _loan(draft, amount=money_str(amount), vehicle_price=money_str(price))


def _low_confidence_field(draft: CaseDraft, rng: random.Random) -> None:
    # Not the name or ID number: read unsurely as the application declares them, they are right.
    doc_type, name = rng.choice([(DocType.ID_CARD_FRONT, "birth_date"),
                                 (DocType.INCOME_CERTIFICATE, "monthly_income"),
                                 (DocType.BANK_STATEMENT, "closing_balance"), (DocType.ID_CARD_BACK, "valid_until")])
    # The extraction's scale: a doubtful read scores below 0.80 (a failed validator caps it at 0.50).
    draft.fields[doc_type][name][1] = rng.randrange(300, 800) / 1000


def _low_confidence_rows(draft: CaseDraft, rng: random.Random) -> None:
    # Credits: their words are read by the checks (salary, payer); a debit read unsurely whose balance
    # adds up is not doubtful for the decision.
    # Salary credits whose payer the bank prints cut short: nothing read elsewhere vouches for the words.
    employer = draft.persona.employer
    credits = [row for row in draft.transactions if Decimal(str(row["amount"])) > 0]
    for row in rng.sample(credits, min(3, len(credits))):
        row["confidence"] = rng.randrange(300, 800) / 1000
        row["description"] = row["description"].replace(employer, employer[:8])


def _missing_statement(draft: CaseDraft, rng: random.Random) -> None:
    doc_type = rng.choice([DocType.BANK_STATEMENT, DocType.ID_CARD_BACK])
    draft.states[doc_type] = DocumentState.MISSING


def _unreadable(draft: CaseDraft, rng: random.Random) -> None:
    doc_type = rng.choice([DocType.INCOME_CERTIFICATE, DocType.ID_CARD_FRONT])
    draft.states[doc_type] = rng.choice([DocumentState.RETAKE_REQUESTED, DocumentState.REJECTED_INPUT])
    draft.state_reasons[doc_type] = [rng.choice(["blurry", "glare", "cut_off", "corrupt_file"])]


def _field_absent(draft: CaseDraft, rng: random.Random) -> None:
    doc_type, name = rng.choice([(DocType.ID_CARD_BACK, "valid_until"), (DocType.BANK_STATEMENT, "period_end"),
                                 (DocType.INCOME_CERTIFICATE, "employer"), (DocType.ID_CARD_FRONT, "sex")])
    del draft.fields[doc_type][name]


def _field_unparseable(draft: CaseDraft, rng: random.Random) -> None:
    doc_type, name, text = rng.choice([
        (DocType.INCOME_CERTIFICATE, "monthly_income", "壹万贰仟元整"),
        (DocType.BANK_STATEMENT, "opening_balance", "12,3O0.00"),
        (DocType.ID_CARD_BACK, "valid_from", "2019.05.12"),
        (DocType.INCOME_CERTIFICATE, "issue_date", "2026年13月"),
    ])
    draft.fields[doc_type][name][0] = text


def _absurd_loan(draft: CaseDraft, rng: random.Random) -> None:
    amount = Decimal(10) ** rng.randrange(9, 14)
    _loan(draft, amount=money_str(amount), vehicle_price=money_str(amount * 2))


def _zero_income(draft: CaseDraft, rng: random.Random) -> None:
    draft.fields[DocType.INCOME_CERTIFICATE]["monthly_income"][0] = rng.choice(["0.00", "-8500.00"])


def _absurd_statement(draft: CaseDraft, rng: random.Random) -> None:
    draft.fields[DocType.BANK_STATEMENT]["closing_balance"][0] = "9" * rng.randrange(12, 30) + ".00"


def _replay(draft: CaseDraft, rng: random.Random) -> None:
    draft.replay = True
    draft.received_at = None


DEFECTS: dict[str, Defect] = {
    defect.name: defect
    for defect in [
        Defect("clean", frozenset(), Outcome.APPROVE, "no defect", _none),
        Defect("replay_past_capture", frozenset(), Outcome.APPROVE,
               "replayed application: judged as of its recorded capture time, no receipt time", _replay),
        Defect("id_checksum_invalid", frozenset({"id_checksum_invalid"}), Outcome.REVIEW,
               "ID number with a wrong check character on every document", _checksum),
        Defect("id_area_unknown", frozenset({"id_area_unknown"}), Outcome.REVIEW,
               "ID number with a prefecture code no GB/T 2260 revision has", _area_unknown),
        Defect("id_legacy_number", frozenset({"id_legacy_number"}), Outcome.REVIEW,
               "15-digit first-generation number on the card", _legacy, age_range=(30, 48)),
        Defect("id_expired", frozenset({"id_expired"}), Outcome.DECLINE, "ID card expired before the capture",
               _expired, age_range=(28, 34)),
        Defect("id_validity_inconsistent", frozenset({"id_validity_inconsistent"}), Outcome.REVIEW,
               "validity period that fits no age at issue", _validity_wrong),
        Defect("birth_date_mismatch", frozenset({"birth_date_mismatch"}), Outcome.REVIEW,
               "card birth date differs from the ID number", _birth_date),
        Defect("sex_mismatch", frozenset({"sex_mismatch"}), Outcome.REVIEW, "card sex differs from the ID number",
               _sex),
        Defect("name_mismatch_certificate", frozenset({"name_mismatch"}), Outcome.REVIEW,
               "another name on the income certificate", _name_certificate),
        Defect("name_mismatch_statement", frozenset({"name_mismatch"}), Outcome.REVIEW,
               "another account holder on the statement", _name_statement),
        Defect("id_number_mismatch_certificate", frozenset({"id_number_mismatch"}), Outcome.REVIEW,
               "another person's ID number on the income certificate", _id_certificate),
        Defect("id_number_mismatch_declared", frozenset({"id_number_mismatch"}), Outcome.REVIEW,
               "the application declares another ID number", _id_declared),
        Defect("income_mismatch", frozenset({"income_mismatch"}), Outcome.REVIEW,
               "certificate income inflated 1.7-2.6x", _inflated_income),
        Defect("income_unverified", frozenset({"income_unverified"}), Outcome.REVIEW,
               "no salary credits in the statement", _no_salary),
        Defect("employer_mismatch", frozenset({"employer_mismatch"}), Outcome.REVIEW,
               "salary credits paid by another company", _other_employer),
        Defect("statement_edited_row", frozenset({"statement_balance_inconsistent"}), Outcome.REVIEW,
               "one salary amount edited, balances left as printed", _edited_row),
        Defect("statement_edited_closing", frozenset({"statement_balance_inconsistent"}), Outcome.REVIEW,
               "closing balance edited", _edited_closing),
        Defect("statement_stale", frozenset({"statement_stale"}), Outcome.REVIEW,
               "statement ends more than 30 days before capture", _stale_statement),
        Defect("statement_period_short", frozenset({"statement_period_short"}), Outcome.REVIEW,
               "statement covers 160-175 days", _short_statement),
        Defect("certificate_stale", frozenset({"certificate_stale"}), Outcome.REVIEW,
               "certificate issued more than 60 days before capture", _stale_certificate),
        Defect("certificate_after_capture", frozenset({"document_dated_after_capture"}), Outcome.REVIEW,
               "certificate dated after the capture", _future_certificate),
        Defect("duplicate_image", frozenset({"duplicate_image"}), Outcome.REVIEW,
               "a near-identical picture in an earlier application", _duplicate),
        Defect("image_edited", frozenset({"image_edited"}), Outcome.REVIEW,
               "a picture whose metadata names an image editor", _edited_image),
        Defect("capture_location_spread", frozenset({"capture_location_spread"}), Outcome.REVIEW,
               "one picture taken 5-45 km away", _spread),
        Defect("capture_time_outside_visit", frozenset({"capture_time_outside_visit"}), Outcome.REVIEW,
               "one picture taken hours or days before the visit", _time_outside),
        Defect("capture_clock_skew", frozenset({"capture_clock_skew"}), Outcome.REVIEW,
               "capture time hours away from the server's receipt", _clock_skew),
        Defect("concurrent_application", frozenset({"concurrent_application"}), Outcome.REVIEW,
               "same ID number in another officer's open application", _concurrent),
        Defect("phone_matches_officer", frozenset({"phone_matches_officer"}), Outcome.REVIEW,
               "applicant phone is an officer's", _officer_phone),
        Defect("age_too_young", frozenset({"age_out_of_range"}), Outcome.DECLINE, "applicant aged 17",
               _none, age_range=(17, 17)),
        Defect("age_at_maturity", frozenset({"age_out_of_range"}), Outcome.DECLINE,
               "applicant over 65 at the loan's maturity", _none, age_range=(61, 63), term_months=60),
        Defect("ltv_exceeded", frozenset({"ltv_exceeded"}), Outcome.DECLINE, "loan 3-15 points above max LTV", _ltv),
        Defect("dti_exceeded", frozenset({"dti_exceeded"}), Outcome.DECLINE, "payment 46-70% of verified income",
               _dti),
        Defect("low_confidence_field", frozenset({"low_confidence"}), Outcome.REVIEW,
               "a decisive field read with low confidence", _low_confidence_field),
        Defect("low_confidence_rows", frozenset({"low_confidence"}), Outcome.REVIEW,
               "statement rows read with low confidence", _low_confidence_rows),
        Defect("document_missing", frozenset({"document_missing"}), Outcome.REVIEW,
               "a required document never uploaded", _missing_statement),
        Defect("document_unreadable", frozenset({"document_unreadable"}), Outcome.REVIEW,
               "a required document left in retake or rejected", _unreadable),
        Defect("field_absent", frozenset({"field_missing"}), Outcome.REVIEW, "a required field absent",
               _field_absent),
        Defect("field_unparseable", frozenset({"field_missing"}), Outcome.REVIEW, "a required field unparseable",
               _field_unparseable),
        Defect("amount_absurd_loan", frozenset({"amount_invalid"}), Outcome.DECLINE,
               "loan amount of 10^9..10^13", _absurd_loan),
        Defect("amount_zero_income", frozenset({"amount_invalid"}), Outcome.DECLINE,
               "certified income zero or negative", _zero_income),
        Defect("amount_absurd_statement", frozenset({"amount_invalid"}), Outcome.DECLINE,
               "absurd closing balance", _absurd_statement),
        Defect("term_out_of_range", frozenset({"term_out_of_range"}), Outcome.DECLINE, "a 72-month term", _none,
               term_months=72),
        Defect("score_below_cutoff", frozenset({"score_below_cutoff"}), Outcome.REVIEW,
               "within policy but weak: young, new job, high LTV and DTI, long term", _none, profile="weak"),
    ]
}
CLEAN = "clean"
