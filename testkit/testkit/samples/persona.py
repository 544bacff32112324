"""Seeded applicants: name, sex, ethnicity, birth date, home, ID number, phone, job, income, ID card dates."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from loanpipe.domain.calendar import add_years, full_years
from loanpipe.domain.idnumber import CHECK_CHARACTERS, check_digit, validity_years
from testkit.samples.areas import DEFAULT_ETHNIC_MIX, DISTRICTS, ETHNIC_MIX, District


# ---------------------------------------------------------------- ID numbers (GB 11643-1999, loanpipe.domain.idnumber)
def make_id_number(area_code: str, birth: date, sequence: int) -> str:
    """area (6) + YYYYMMDD + sequence (3 digits, odd = male) + check character."""
    first17 = f"{area_code}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)


def wrong_check_char(id_number: str) -> str:
    """The same number with a check character that is NOT the right one (the one of a weighted sum 3 higher)."""
    right = id_number[-1]
    wrong = CHECK_CHARACTERS[(CHECK_CHARACTERS.index(right) + 3) % 11]
    return id_number[:-1] + wrong


# ---------------------------------------------------------------- names
# Common surnames, most frequent first (weights fall with rank), and a few two-character ones.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
DOUBLE_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容")
MALE_CHARS = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欢阳建国峰亮成东文博志海晨轩然睿泽宏兵洋"
    "斌毅坤锋鸿德庆立新振家永春晓"
)
FEMALE_CHARS = (
    "芳娜敏静丽艳娟霞燕玲婷雪慧颖琳倩洁红梅莉萍晶丹璐瑶怡佳欣悦雯琪薇妍蕾娇秀英兰月桂凤玉春晓思梦嘉雅"
)
# Characters a clerk could type instead (同音字 / 形近字), for a name that differs by one character.
LOOKALIKE = {
    "伟": "玮", "静": "婧", "丽": "莉", "敏": "民", "军": "君", "明": "铭", "华": "桦", "杰": "洁", "涛": "滔",
    "斌": "彬", "超": "朝", "刚": "钢", "辉": "晖", "鹏": "朋", "飞": "菲", "宇": "雨", "浩": "皓", "凯": "恺",
    "健": "建", "俊": "骏", "峰": "锋", "亮": "良", "文": "雯", "志": "智", "海": "涵", "燕": "艳", "玲": "铃",
    "婷": "庭", "雪": "学", "慧": "惠", "颖": "影", "琳": "林", "倩": "茜", "红": "宏", "梅": "玫", "萍": "平",
    "晶": "静", "丹": "单", "瑶": "遥", "怡": "宜", "佳": "家", "欣": "新", "悦": "月", "琪": "其", "娟": "鹃",
    "芳": "方", "娜": "纳", "霞": "侠", "磊": "垒", "勇": "永", "波": "博", "阳": "洋", "林": "琳", "东": "冬",
    "平": "萍", "国": "帼", "成": "诚", "博": "波", "晨": "辰", "宁": "凝", "龙": "隆", "欢": "焕", "新": "欣",
}
UYGHUR_MALE = ("艾力", "买买提", "阿不都", "艾合买提", "吐尔逊", "热合曼", "努尔", "阿迪力", "伊力哈木")
UYGHUR_FEMALE = ("古丽", "阿依古丽", "热依拉", "米娜", "帕提古丽", "迪丽努尔", "阿曼古丽")


def _weighted_surname(rng: random.Random) -> str:
    if rng.random() < 0.03:
        return rng.choice(DOUBLE_SURNAMES)
    # Zipf-like: the top surnames (王李张刘陈) cover about a third of the population.
    weights = [1.0 / (rank + 3) for rank in range(len(SURNAMES))]
    return rng.choices(SURNAMES, weights=weights)[0]


def make_name(rng: random.Random, sex: str, ethnicity: str) -> str:
    if ethnicity == "维吾尔":
        given = rng.choice(UYGHUR_MALE if sex == "男" else UYGHUR_FEMALE)
        father = rng.choice(UYGHUR_MALE)
        return f"{given}·{father}"
    chars = MALE_CHARS if sex == "男" else FEMALE_CHARS
    surname = _weighted_surname(rng)
    first = rng.choice(chars)
    if rng.random() < 0.35:
        return surname + first
    second = rng.choice(chars)
    while second == first:
        second = rng.choice(chars)
    return surname + first + second


def name_differing_by_one(rng: random.Random, name: str) -> str:
    """The name with one given-name character replaced by a look-alike/sound-alike."""
    positions = [index for index, char in enumerate(name) if index > 0 and char != "·"]
    index = rng.choice(positions)
    char = name[index]
    pool = FEMALE_CHARS if char in FEMALE_CHARS else MALE_CHARS
    replacement = LOOKALIKE.get(char) or rng.choice([c for c in pool if c != char])
    return name[:index] + replacement + name[index + 1:]


# ---------------------------------------------------------------- homes, phones, jobs
STREETS = (
    "建设路", "人民路", "解放路", "中山路", "文化路", "和平路", "长江路", "黄河路", "新华路", "胜利路", "光明街",
    "朝阳路", "东风路", "育才路", "花园路", "滨河路", "青年路", "学府路", "团结路", "工农路", "友谊路", "民主路",
    "幸福路", "建国路", "北京路", "南京路", "广场路", "体育路", "公园路", "迎宾路",
)
COMPOUNDS = ("阳光", "锦绣", "翠苑", "枫林", "金桂", "华庭", "东湖", "御景", "世纪", "丽都", "紫薇", "碧水", "和园")
SUBDISTRICTS = ("城关", "东风", "桃园", "长安", "石桥", "新村", "南湖", "北苑", "滨江", "龙泉")
PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156", "157",
    "158", "159", "166", "173", "176", "177", "180", "181", "182", "183", "185", "186", "187", "188", "189",
    "191", "198", "199",
)
BRANDS = (
    "华信", "恒达", "鑫源", "博远", "瑞丰", "宏图", "天成", "嘉和", "中诚", "联创", "汇通", "金鼎", "永盛", "新航",
    "智远", "众诚", "铭泰", "安达", "盛世", "远景", "凯瑞", "德润", "启明", "嘉禾", "万通", "锦程",
)
INDUSTRIES = (
    "科技", "贸易", "物流", "建筑工程", "餐饮管理", "汽车服务", "电子", "商贸", "信息技术", "医药", "教育咨询",
    "机械设备", "食品", "物业管理", "装饰工程", "网络科技", "供应链管理", "广告传媒",
)
# position -> (low, high) gross monthly income in yuan
POSITIONS: dict[str, tuple[int, int]] = {
    "销售经理": (9000, 26000), "会计": (5500, 12000), "出纳": (4500, 8000), "行政专员": (4500, 8500),
    "软件工程师": (12000, 30000), "项目经理": (12000, 28000), "司机": (5000, 9000), "仓库管理员": (4500, 7500),
    "人事主管": (7000, 14000), "技术员": (6000, 12000), "店长": (6500, 15000), "客服专员": (4000, 7000),
    "采购员": (5500, 10000), "质检员": (4800, 8500), "电工": (6000, 11000), "厨师": (6000, 12000),
    "设计师": (8000, 20000), "业务员": (5000, 12000), "财务主管": (9000, 18000), "部门经理": (12000, 30000),
}


def company_name(rng: random.Random, city: str, exclude: str = "") -> str:
    """An invented company: 深圳市恒达科技有限公司."""
    while True:
        name = f"{city}{rng.choice(BRANDS)}{rng.choice(INDUSTRIES)}有限公司"
        if name != exclude:
            return name


def make_address(rng: random.Random, district: District) -> str:
    """A home address in the district, at most 33 characters (three lines on the card)."""
    street = rng.choice(STREETS)
    number = rng.randint(1, 399)
    shape = rng.random()
    if shape < 0.3:
        text = f"{district.place}{street}{number}号"
    elif shape < 0.7:
        text = (f"{district.place}{street}{number}号{rng.choice(COMPOUNDS)}小区"
                f"{rng.randint(1, 30)}栋{rng.randint(1, 4)}单元{rng.randint(1, 33)}{rng.randint(1, 4):02d}室")
    else:
        text = (f"{district.place}{rng.choice(SUBDISTRICTS)}街道{street}{number}号"
                f"{rng.randint(1, 20)}号楼{rng.randint(1, 25)}{rng.randint(1, 6):02d}")
    if len(text) > 33:
        text = f"{district.place}{street}{number}号"
    return text


def make_phone(rng: random.Random) -> str:
    return rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def gross_income(rng: random.Random, position: str) -> Decimal:
    low, high = POSITIONS[position]
    value = rng.uniform(low, high)
    if rng.random() < 0.75:
        return Decimal(int(value // 100 * 100))  # round hundreds, the usual case
    return Decimal(int(value // 10 * 10))


# ---------------------------------------------------------------- the ID card's validity (居民身份证法 art. 5)
def card_valid_until(birth: date, issued: date) -> date | None:
    years = validity_years(full_years(birth, issued))
    return None if years is None else add_years(issued, years)


# ---------------------------------------------------------------- the applicant
@dataclass(frozen=True)
class Persona:
    name: str
    sex: str  # 男 / 女
    ethnicity: str
    birth: date
    district: District
    sequence: int
    address: str
    phone: str
    employer: str
    position: str
    gross_income: Decimal  # yuan per month, before tax and social insurance
    employment_start: date
    card_issued: date
    card_valid_until: date | None  # None = 长期

    @property
    def id_number(self) -> str:
        return make_id_number(self.district.code, self.birth, self.sequence)

    def age_on(self, day: date) -> int:
        return full_years(self.birth, day)


def pick_ethnicity(rng: random.Random, district: District) -> str:
    roll = rng.random()
    for ethnicity, share in ETHNIC_MIX.get(district.province, DEFAULT_ETHNIC_MIX):
        if roll < share:
            return ethnicity
        roll -= share
    return "汉"


def birth_for_age(rng: random.Random, age: int, on: date) -> date:
    """A birth date that makes the person exactly ``age`` on ``on``."""
    latest = add_years(on, -age)  # turning `age` today
    earliest = add_years(on, -age - 1) + timedelta(days=1)
    return earliest + timedelta(days=rng.randrange((latest - earliest).days + 1))


def pick_card_issue(rng: random.Random, birth: date, on: date, *, valid: bool = True) -> tuple[date, date | None]:
    """Issue date and end of validity of the card held on ``on``: valid on that day, or expired (valid=False)."""
    return _valid_card(rng, birth, on) if valid else _expired_card(rng, birth, on)


def _valid_card(rng: random.Random, birth: date, on: date) -> tuple[date, date | None]:
    """Issued within the last 20 years (from 16 on when possible), still valid 30 days after ``on``."""
    earliest = max(add_years(birth, 16), add_years(on, -20), birth + timedelta(days=30))
    if earliest >= on - timedelta(days=60):
        earliest = max(birth + timedelta(days=30), add_years(on, -5))
    for _ in range(200):
        issued = earliest + timedelta(days=rng.randrange(max(1, (on - timedelta(days=60) - earliest).days)))
        until = card_valid_until(birth, issued)
        if until is None or until > on + timedelta(days=30):
            return issued, until
    raise ValueError("no valid card fits this birth date")


def _expired_card(rng: random.Random, birth: date, on: date) -> tuple[date, date]:
    """A card whose validity ended 5 days to 5 years before ``on``, its length fitting the age at issue."""
    brackets = [(5, 0, 16), (10, 16, 26), (20, 26, 46)]  # (years valid, first age at issue, age limit)
    rng.shuffle(brackets)
    for years, first_age, age_limit in brackets:
        earliest = max(add_years(birth, first_age), add_years(on, -5 - years), birth + timedelta(days=30))
        latest = min(add_years(birth, age_limit) - timedelta(days=1), add_years(on - timedelta(days=5), -years))
        if earliest <= latest:
            issued = earliest + timedelta(days=rng.randrange((latest - earliest).days + 1))
            until = card_valid_until(birth, issued)
            if until is not None and until < on:
                return issued, until
    raise ValueError("no expired card fits this birth date")


def make_persona(
    rng: random.Random,
    on: date,
    *,
    age: int | None = None,
    birth: date | None = None,
    district: District | None = None,
    card_valid: bool = True,
    card: tuple[date, date | None] | None = None,
) -> Persona:
    """A seeded applicant, ``age`` full years old on ``on`` (default 22-55), holding a card valid on ``on``
    (or the given ``card`` = (issued, valid until)); ``birth`` fixes the birth date instead of the age."""
    district = district or rng.choice(DISTRICTS)
    sex = rng.choice("男女")
    ethnicity = pick_ethnicity(rng, district)
    if birth is None:
        birth = birth_for_age(rng, age if age is not None else rng.randint(22, 55), on)
    age = full_years(birth, on)
    sequence = rng.randrange(1 if sex == "男" else 0, 1000, 2)
    if sequence == 0:
        sequence = 2
    position = rng.choice(list(POSITIONS))
    # at least ten months with the employer, started after turning 16 (or 18 when possible)
    start_floor = add_years(birth, 18) if age >= 19 else add_years(birth, 16)
    latest_start = on - timedelta(days=300)
    span_days = max(1, min((latest_start - start_floor).days, 12 * 365))
    employment_start = latest_start - timedelta(days=rng.randrange(span_days))
    employment_start = employment_start.replace(day=1 if rng.random() < 0.6 else employment_start.day)
    issued, until = card if card is not None else pick_card_issue(rng, birth, on, valid=card_valid)
    return Persona(
        name=make_name(rng, sex, ethnicity),
        sex=sex,
        ethnicity=ethnicity,
        birth=birth,
        district=district,
        sequence=sequence,
        address=make_address(rng, district),
        phone=make_phone(rng),
        employer=company_name(rng, district.city_name),
        position=position,
        gross_income=gross_income(rng, position),
        employment_start=employment_start,
        card_issued=issued,
        card_valid_until=until,
    )


def with_card(persona: Persona, issued: date, until: date | None) -> Persona:
    return replace(persona, card_issued=issued, card_valid_until=until)
