"""Scenario personas: consistent applicants for the scenario builder, as of a capture moment.

A persona has a valid ID number with a real GB/T 2260 prefecture (``loanpipe.domain.idnumber``), an
employer, a gross income on the certificate and the net salary the bank credits (10-25 % below), a bank
account and a loan within policy for its profile. Amounts are built from integers and Decimal only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_DOWN, Decimal

from loanpipe.decision.loans import monthly_payment
from loanpipe.domain.calendar import add_months, add_years, full_years
from loanpipe.domain.idnumber import FEMALE, MALE, check_digit, prefecture_codes
from loanpipe.domain.money import fen

CHINA = timezone(timedelta(hours=8))
BASE_CLOCK = datetime(2026, 11, 20, 10, 31, tzinfo=CHINA)
ANNUAL_RATE = Decimal("0.06")  # the default policy's; used to keep personas affordable

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN_CHARS = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国红梅鑫宇浩然子涵欣怡思远嘉诚雨欣俊"
CITIES = {  # city: (lat, lon)
    "杭州": (30.274, 120.155), "成都": (30.572, 104.066), "武汉": (30.593, 114.305), "西安": (34.341, 108.940),
    "长沙": (28.228, 112.939), "郑州": (34.747, 113.625), "合肥": (31.820, 117.227), "南宁": (22.817, 108.366),
    "昆明": (25.038, 102.718), "济南": (36.651, 117.120), "石家庄": (38.042, 114.514), "南昌": (28.682, 115.858),
}
BRANDS = ["云帆", "华信", "天府", "恒达", "新丰", "瑞景", "博远", "众联", "金桥", "宏图", "嘉禾", "鼎盛", "星河",
           "安泰"]
TRADES = ["科技", "物流", "建设", "商贸", "电子", "食品", "机械", "医药", "汽车服务", "教育咨询"]
_POSITIONS = ["工程师", "会计", "司机", "销售经理", "仓库主管", "技术员", "行政专员", "店长", "质检员"]
_BANKS = ["中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "招商银行", "交通银行"]


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


def make_persona(rng: random.Random, *, profile: str = "prime", clock: datetime | None = None,
                 age_range: tuple[int, int] | None = None, term_months: int | None = None) -> Persona:
    """A consistent applicant. ``prime``: clearly within policy and above the cut-off; ``typical``: anywhere
    within policy (the straight-through benchmark); ``weak``: within policy but below the cut-off."""
    # One piece on purpose: a row of seeded draws whose order is what a seed means (tests pin seeds).
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
    city = rng.choice(sorted(CITIES))
    lat, lon = CITIES[city]
    lat += rng.randrange(-300, 300) / 10000
    lon += rng.randrange(-300, 300) / 10000
    employer = f"{city}{rng.choice(BRANDS)}{rng.choice(TRADES)}有限公司"
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
    affordable = affordable_amount(net * dti_cap, term)
    if profile == "weak":
        amount = max(affordable, Decimal("10000"))
        price = round_up(amount / ltv, 1000)
    else:
        price = Decimal(rng.randrange(60, 300) * 1000)
        amount = max(min(round_down(price * ltv, 100), affordable), Decimal("10000"))
    if amount > price * max_ltv:
        price = round_up(amount / (max_ltv - Decimal("0.05")), 1000)
    return Persona(
        name=rng.choice(_SURNAMES) + "".join(rng.choice(GIVEN_CHARS) for _ in range(rng.choice([1, 2]))),
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


def round_down(value: Decimal, step: int) -> Decimal:
    return (value / step).quantize(Decimal(1), rounding=ROUND_DOWN) * step


def round_up(value: Decimal, step: int) -> Decimal:
    return -round_down(-value, step)


def affordable_amount(max_payment: Decimal, term: int) -> Decimal:
    per_10k = monthly_payment(Decimal("10000.00"), ANNUAL_RATE, term)
    return round_down(max_payment / per_10k * 10000, 100)
