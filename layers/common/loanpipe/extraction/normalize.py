"""Normal forms of the values read from documents, and the validators that make a value trustworthy.

Dates become ``date`` (contract form ``YYYY-MM-DD``), amounts ``Decimal`` (contract form ``"12500.00"``),
ID numbers 18 characters with an upper-case ``X``. Every parser returns ``None`` rather than guess.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

from loanpipe.domain.money import fen

LONG_TERM = "长期"

_CJK = r"\u3400-\u9fff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")


def halfwidth(text: str) -> str:
    """Full-width digits, letters and punctuation to their ASCII forms (NFKC), ideographic space to space."""
    return unicodedata.normalize("NFKC", text).replace("\u3000", " ")


def squeeze_cjk(text: str) -> str:
    """Remove the spaces OCR engines put between Chinese characters (``张 伟`` -> ``张伟``)."""
    return _SPACE_BETWEEN_CJK.sub("", text).strip()


def clean_text(text: str) -> str:
    return squeeze_cjk(halfwidth(text))


# ---------------------------------------------------------------- dates

_DATE_PATTERNS = [
    # 2026年11月05日 / 2026 年 11 月 5 日 / 2026年11月5号
    re.compile(r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?"),
    # 2026.11.05 / 2026-11-05 / 2026/11/05 / 2026 . 11 . 05
    re.compile(r"(?P<y>(?:19|20)\d{2})\s*[.\-/]\s*(?P<m>\d{1,2})\s*[.\-/]\s*(?P<d>\d{1,2})(?!\d)"),
    # 20261105, and OCR's half-separated 202611-05 / 2026-1105
    re.compile(r"(?<![\d\-])(?P<y>(?:19|20)\d{2})[.\-/]?(?P<m>[01]\d)[.\-/]?(?P<d>[0-3]\d)(?!\d)"),
]


_CN_DIGIT = {"〇": 0, "○": 0, "零": 0, "O": 0, "o": 0, "0": 0, "一": 1, "1": 1, "二": 2, "2": 2, "三": 3, "3": 3,
             "四": 4, "4": 4, "五": 5, "5": 5, "六": 6, "6": 6, "七": 7, "7": 7, "八": 8, "8": 8, "九": 9, "9": 9}
_CN_YEAR_CHARS = "〇○零Oo0-9一二三四五六七八九"
# 二〇二五年五月二十二日: a year digit by digit (〇 often printed or read as O or 0), month and day in tens.
_CN_DATE = re.compile(rf"(?P<y>[{_CN_YEAR_CHARS}]{{4}})\s*年\s*(?P<m>[元一二三四五六七八九十]{{1,3}})\s*月"
                      r"\s*(?P<d>[一二三四五六七八九十]{1,4})\s*[日号]?")


def chinese_numeral(text: str) -> int | None:
    """A number written in Chinese numerals below 100: 五 -> 5, 十二 -> 12, 二十 -> 20, 三十一 -> 31."""
    if not text or any(char not in "一二三四五六七八九十" for char in text):
        return None
    if "十" not in text:
        return _CN_DIGIT[text] if len(text) == 1 else None
    tens, _, units = text.partition("十")
    if len(tens) > 1 or len(units) > 1:
        return None
    return (_CN_DIGIT[tens] if tens else 1) * 10 + (_CN_DIGIT[units] if units else 0)


def _arabic_date(match: re.Match[str]) -> str:
    year = "".join(str(_CN_DIGIT.get(char, "x")) for char in match["y"])
    month = 1 if match["m"] == "元" else chinese_numeral(match["m"])
    day = chinese_numeral(match["d"])
    if not year.isdigit() or not year.startswith(("19", "20")) or month is None or day is None:
        return match.group(0)
    return f"{year}年{month}月{day}日"


def arabic_dates(text: str) -> str:
    """``text`` with its dates in Chinese numerals (二〇二五年五月二十二日, 二O二五年元月八日) in figures."""
    return _CN_DATE.sub(_arabic_date, text)


def find_dates(text: str) -> list[date]:
    """Every valid calendar date written in ``text``, in reading order (figures or Chinese numerals)."""
    text = arabic_dates(halfwidth(text))
    found: list[tuple[int, date]] = []
    taken: list[range] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            span = range(match.start(), match.end())
            if any(match.start() in other or match.end() - 1 in other for other in taken):
                continue
            try:
                value = date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                continue
            taken.append(span)
            found.append((match.start(), value))
    return [value for _, value in sorted(found, key=lambda item: item[0])]


_YEAR_MONTH = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*"
                         r"(?:年\s*(?P<m1>\d{1,2})\s*月|[.\-/](?P<m2>\d{1,2})(?![\d.\-/]))")


def find_year_month(text: str | None) -> tuple[int, int] | None:
    """A month without its day (2019年3月, 2019.03, 2019-3): (year, month), or None."""
    if not text:
        return None
    match = _YEAR_MONTH.search(arabic_dates(halfwidth(text)))
    if match is None:
        return None
    month = int(match["m1"] or match["m2"])
    return (int(match["y"]), month) if 1 <= month <= 12 else None


def parse_date(text: str | None) -> date | None:
    """The first valid date in ``text`` (``2026年11月05日``, ``2026.11.05``, ``2026-11-05``, ``20261105``)."""
    if not text:
        return None
    dates = find_dates(text)
    return dates[0] if dates else None


# ---------------------------------------------------------------- amounts

_AMOUNT = re.compile(r"(?P<sign>[+\-−])?\s*[¥￥]?\s*"
                     r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)(?![\d.])")
# "6.600.00" / "19,730,00": a thousands separator read as a point (or the reverse); the last separator
# followed by exactly two digits is the decimal point.
_MISREAD_SEPARATORS = re.compile(r"(?<![\d.,])(\d{1,3}(?:[.,]\d{3})+)[.,](\d{2})(?![\d.,])")


_BAD_GROUPING = re.compile(r"(?<![\d,])\d+(?:,\d+)*,\d{1,2}(?=\.\d{2}(?!\d))")


_COLON_POINT = re.compile(r"(?<![\d:])(\d{1,3}(?:,\d{3})+|\d{3,})[:](\d{2})(?![\d:])")
_TRAILING_MARK = re.compile(r"(\d\.\d{2})[.,·。:](?=\D|$)")


def parse_amount(text: str | None) -> Decimal | None:
    """A figure amount: ``12,500.00``, ``¥8200``, ``-35.50``, ``+8,200.00元``; None if there is none."""
    if not text:
        return None
    text = halfwidth(text).replace(" ", "")
    # A point read as a colon (126:91; a time's hours have one or two digits, a figure here three or more)
    # and a stray mark after the figure (96,490.98. 代扣: a speck, the cell's rule) are reading noise.
    text = _COLON_POINT.sub(r"\1.\2", text)
    text = _TRAILING_MARK.sub(r"\1", text)
    # "2,00.00" (a digit lost after a thousands comma): commas that do not group by three are noise.
    text = _BAD_GROUPING.sub(lambda m: m.group(0).replace(",", ""), text)
    text = _MISREAD_SEPARATORS.sub(lambda m: re.sub(r"[.,]", ",", m.group(1)) + "." + m.group(2), text)
    match = _AMOUNT.search(text)
    if not match:
        return None
    try:
        value = Decimal(match["num"].replace(",", ""))
    except InvalidOperation:
        return None
    if match["sign"] in ("-", "−"):
        value = -value
    return fen(value)


_YUAN = re.compile(r"(?:人民币|RMB|CNY|[¥￥])?\s*(?P<num>\d{1,3}(?:[,，]\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?)"
                   r"\s*(?P<wan>万)?\s*(?:元|圆|块)?")


def parse_yuan(text: str | None) -> Decimal | None:
    """An amount in figures as letters write it: ``12,500.00元``, ``¥8200``, ``人民币9700元``, ``1.25万元``
    (万 = ten thousand). None if there is none."""
    if not text:
        return None
    text = halfwidth(text).replace(" ", "")
    if "万" not in text:
        return parse_amount(text)
    match = _YUAN.search(text)
    if match is None:
        return None
    try:
        value = Decimal(match["num"].replace(",", "").replace("，", ""))
    except InvalidOperation:
        return None
    return fen(value * 10_000 if match["wan"] else value)


_CAPITAL_DIGITS = {
    "零": 0, "〇": 0, "壹": 1, "一": 1, "贰": 2, "貳": 2, "二": 2, "两": 2, "叁": 3, "參": 3, "参": 3, "三": 3,
    "肆": 4, "四": 4, "伍": 5, "五": 5, "陆": 6, "陸": 6, "六": 6, "柒": 7, "七": 7, "捌": 8, "八": 8,
    "玖": 9, "九": 9,
}
_CAPITAL_UNITS = {"拾": 10, "十": 10, "佰": 100, "百": 100, "仟": 1000, "千": 1000}
_CAPITAL_SECTIONS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_CAPITAL_CHARS = (set(_CAPITAL_DIGITS) | set(_CAPITAL_UNITS) | set(_CAPITAL_SECTIONS)
                  | set("元圆整正角分"))
_CAPITAL_RUN = re.compile("[" + "".join(sorted(_CAPITAL_CHARS)) + "]{2,}")


def _capital_integer(text: str) -> int | None:
    """壹拾贰万零伍佰 -> 120500: digits take the unit after them (拾佰仟), 万 and 亿 multiply what is
    before them since the last larger section (壹亿贰仟万 = 1 0200 0000)."""
    total, wan, section, digit = 0, 0, 0, None
    for char in text:
        if char in _CAPITAL_DIGITS:
            if digit is not None and _CAPITAL_DIGITS[char] != 0:
                return None  # two digits without a unit between them
            digit = _CAPITAL_DIGITS[char] or None
        elif char in _CAPITAL_UNITS:
            section += (1 if digit is None else digit) * _CAPITAL_UNITS[char]
            digit = None
        elif _CAPITAL_SECTIONS.get(char) == 10_000:
            wan += (section + (digit or 0)) * 10_000
            section, digit = 0, None
        elif char in _CAPITAL_SECTIONS:
            total += (wan + section + (digit or 0)) * 100_000_000
            wan, section, digit = 0, 0, None
        else:
            return None
    return total + wan + section + (digit or 0)


def parse_capital_amount(text: str | None) -> Decimal | None:
    """An amount in Chinese capital numerals: ``壹万贰仟伍佰元整`` -> 12500.00, ``肆仟元整`` -> 4000.00,
    ``捌仟零伍拾元伍角`` -> 8050.50. None when ``text`` holds no well-formed capital amount."""
    if not text:
        return None
    for run in _CAPITAL_RUN.findall(text):
        if ("元" not in run and "圆" not in run) or run[0] in "佰百仟千万萬亿億":
            continue  # a run opening on a unit lost its first digit (式仟… for 贰仟…): not an amount
        yuan_part, _, rest = run.replace("圆", "元").partition("元")
        yuan = _capital_integer(yuan_part) if yuan_part else 0
        if yuan is None:
            continue
        jiao = fen_part = 0
        rest = rest.replace("整", "").replace("正", "")
        match = re.fullmatch(r"(?:零?(?P<j>.)角)?(?:零?(?P<f>.)分)?", rest)
        if match is None:
            continue
        if match["j"]:
            jiao = _CAPITAL_DIGITS.get(match["j"], -1)
        if match["f"]:
            fen_part = _CAPITAL_DIGITS.get(match["f"], -1)
        if jiao < 0 or fen_part < 0:
            continue
        return fen(Decimal(yuan) + Decimal(jiao) / 10 + Decimal(fen_part) / 100)
    return None


# ---------------------------------------------------------------- ID numbers

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# Characters OCR engines read in place of digits on an ID number line.
_ID_CONFUSIONS = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "I": "1", "l": "1", "|": "1",
                                "i": "1", "Z": "2", "z": "2", "S": "5", "s": "5", "B": "8", "G": "6",
                                "b": "6", "g": "9", "q": "9", "x": "X", "×": "X", "T": "7"})
_ID_RUN = re.compile(r"\d{17}[\dX]")


def id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def id_checksum_ok(value: str | None) -> bool:
    """ISO 7064 MOD 11-2 check of an 18-character resident ID number."""
    if not value or len(value) != 18 or not value[:17].isdigit():
        return False
    return id_check_char(value[:17]) == value[17]


def id_birth_date(value: str) -> date | None:
    try:
        return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except (ValueError, IndexError):
        return None


def id_sex(value: str) -> str | None:
    if len(value) < 17 or not value[16].isdigit():
        return None
    return "男" if int(value[16]) % 2 else "女"


def find_id_number(text: str | None) -> str | None:
    """An 18-character ID number in ``text``, correcting the usual OCR confusions (O->0, l->1...).
    Prefers a candidate whose check digit is right."""
    if not text:
        return None
    compact = re.sub(r"\s+", "", halfwidth(text))
    candidates: list[str] = []
    for source in (compact.upper().replace("×", "X"), compact.translate(_ID_CONFUSIONS)):
        for run in re.findall(r"\d{17,}[\dX]?", source):
            # A run longer than 18 (a digit read twice): every 18-character window is a candidate.
            for start in range(0, max(1, len(run) - 17)):
                window = run[start:start + 18]
                if _ID_RUN.fullmatch(window) and window not in candidates:
                    candidates.append(window)
    for candidate in candidates:
        if id_checksum_ok(candidate):
            return candidate
    return candidates[0] if candidates else None


# ---------------------------------------------------------------- other fields

ETHNICITIES = frozenset(
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 纳西 景颇 "
    "柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 "
    "塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺".split()
)


def find_ethnicity(text: str | None) -> str | None:
    """The ethnic group named in ``text`` (longest match first, so 土家 is not read as 土)."""
    if not text:
        return None
    text = clean_text(text).replace(" ", "")
    text = text.removesuffix("族")
    if text in ETHNICITIES:
        return text
    for name in sorted(ETHNICITIES, key=len, reverse=True):
        if name in text:
            return name
    return None


def find_sex(text: str | None) -> str | None:
    if not text:
        return None
    has_male, has_female = "男" in text, "女" in text
    if has_male != has_female:
        return "男" if has_male else "女"
    return None


def account_digits(text: str | None) -> str | None:
    """A bank account / card number: 12 to 25 digits, spaces and dashes removed."""
    if not text:
        return None
    compact = re.sub(r"[\s\-]", "", halfwidth(text)).translate(_ID_CONFUSIONS)
    match = re.search(r"\d{12,25}", compact)
    return match.group(0) if match else None
