"""The parser's own certainty: does a value look like what its field holds, whatever rule found it?

A parser can pick the wrong span of text with a clear reading (a name that ran into the next label,
a figure cut at its thousands separator, a department instead of the employer). The OCR engine is sure
of such a span, so its confidence says nothing; these validators judge the value itself against what
Chinese banks and employers print, and ``doubts`` returns a cap for each value that fails one:

- ``CONTRADICTED`` (0.50): the value cannot be right (a label word inside a name, a sentence word for an
  organisation, a figure that is the tail of a longer figure on the page, a bank's short name where the
  contract wants its registered name);
- ``UNSURE`` (0.75, below the policy's review threshold): the value is unusual and may be a misreading
  (a surname no one bears, a card number that fails its Luhn digit, an organisation without a legal-form
  ending, dates in the wrong order).

``extract`` lowers each field's confidence to its cap, so a reviewer sees it before anyone relies on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from loanpipe.domain.documents import DocType
from loanpipe.extraction.layout import Alternatives, TextBox
from loanpipe.extraction.normalize import halfwidth

CONTRADICTED = 0.50
UNSURE = 0.75

# The single-character surnames of the 百家姓 and the common modern ones it lacks (付, 肖, 覃, 闫, ...).
_SURNAMES_1 = frozenset(
    "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛奚范彭郎鲁韦昌马苗凤"
    "花方俞任袁柳酆鲍史唐费廉岑薛雷贺倪汤滕殷罗毕郝邬安常乐于时傅皮卞齐康伍余元卜顾孟平黄和穆萧尹姚邵湛汪祁毛禹"
    "狄米贝明臧计伏成戴谈宋茅庞熊纪舒屈项祝董梁杜阮蓝闵席季麻强贾路娄危江童颜郭梅盛林刁钟徐邱骆高夏蔡田樊胡凌霍"
    "虞万支柯昝管卢莫经房裘缪干解应宗丁宣贲邓郁单杭洪包诸左石崔吉钮龚程嵇邢滑裴陆荣翁荀羊於惠甄曲家封芮羿储靳汲"
    "邴糜松井段富巫乌焦巴弓牧隗山谷车侯宓蓬全郗班仰秋仲伊宫宁仇栾暴甘钭厉戎祖武符刘景詹束龙叶幸司韶郜黎蓟薄印宿"
    "白怀蒲邰从鄂索咸籍赖卓蔺屠蒙池乔阴郁胥能苍双闻莘党翟谭贡劳逄姬申扶堵冉宰郦雍却璩桑桂濮牛寿通边扈燕冀郏浦尚"
    "农温别庄晏柴瞿阎充慕连茹习宦艾鱼容向古易慎戈廖庾终暨居衡步都耿满弘匡国文寇广禄阙东欧殳沃利蔚越夔隆师巩厍聂"
    "晁勾敖融冷訾辛阚那简饶空曾毋沙乜养鞠须丰巢关蒯相查后荆红游竺权逯盖益桓公岳帅缑亢况有琴商佘佴伯赏墨哈谯笪年"
    "爱阳佟言福付肖覃闫冼麦兰揭练邝植区涂迟代战门才遇修信丛郄邸来鄢谌晋银粟操蹇郏哀卿母邱仝訾苑綦过衣鲜寸字"
)
_SURNAMES_2 = frozenset((
    "万俟", "司马", "上官", "欧阳", "夏侯", "诸葛", "闻人", "东方", "赫连", "皇甫", "尉迟", "公羊", "澹台", "公冶",
    "宗政", "濮阳", "淳于", "单于", "太叔", "申屠", "公孙", "仲孙", "轩辕", "令狐", "钟离", "宇文", "长孙", "慕容",
    "鲜于", "闾丘", "司徒", "司空", "亓官", "司寇", "子车", "颛孙", "端木", "巫马", "公西", "漆雕", "乐正", "壤驷",
    "公良", "拓跋", "夹谷", "宰父", "谷梁", "段干", "百里", "东郭", "南门", "呼延", "归海", "羊舌", "微生", "梁丘",
    "左丘", "东门", "西门", "南宫", "第五",
))
# Words of the labels and sentences around a name on Chinese documents: none is part of a person's name.
_NAME_NOISE = ("性别", "民族", "出生", "住址", "身份", "证号", "号码", "姓名", "户名", "账号", "卡号", "职务", "职位",
               "部门", "单位", "公司", "先生", "女士", "同志", "证明", "工作", "收入", "月薪", "年龄", "币种", "日期")
_TRAILING_SEX = re.compile(r"[男女]$")

# How a registered organisation's name ends (企业名称 legal forms; public institutions' kinds).
_ORG_LEGAL = ("有限责任公司", "股份有限公司", "有限公司", "分公司", "公司", "合伙企业", "合作社", "事务所", "厂",
              "商行", "经营部", "医院", "卫生院", "学校", "大学", "学院", "中学", "小学", "幼儿园", "研究院", "研究所",
              "设计院", "银行", "支行", "分行", "局", "分局", "厅", "委员会", "办事处", "政府", "法院", "检察院",
              "中心", "协会", "基金会", "电视台", "报社", "出版社", "酒店", "宾馆", "门店", "超市")
# The sentence of a letter, not a name: 我单位 / 本公司 / 该员工 ... (本溪 is a city: 本 only before a noun
# that stands for the writer).
_ORG_SENTENCE = re.compile(r"^(?:我|该|兹)|^本(?:公司|单位|院|局|厂|行|部|中心)|(?:单位|同志|员工|职工)$")

# Registered names of the banks that issue salary cards, and the short forms their letterheads print.
BANK_FULL_NAMES = frozenset((
    "中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "交通银行", "中国邮政储蓄银行", "招商银行", "中信银行",
    "上海浦东发展银行", "兴业银行", "中国民生银行", "中国光大银行", "平安银行", "华夏银行", "广发银行", "浙商银行",
    "渤海银行", "恒丰银行", "北京银行", "上海银行", "江苏银行", "宁波银行", "南京银行", "杭州银行", "徽商银行",
    "北京农村商业银行", "上海农村商业银行", "重庆农村商业银行", "广州农村商业银行", "成都农村商业银行",
))
BANK_SHORT_NAMES = frozenset((
    "工行", "工商银行", "建行", "建设银行", "农行", "农业银行", "中行", "交行", "邮储银行", "邮政银行", "邮储", "招行",
    "浦发银行", "浦发", "民生银行", "光大银行", "中信", "广发", "兴业", "北京农商银行", "上海农商银行", "重庆农商银行",
))

_MONEY_FIELDS = ("monthly_income", "opening_balance", "closing_balance")
_THOUSANDS = re.compile(r"(?<=\d)[,，]\s?(?=\d{3}(?!\d))")
_DIGIT_GROUPS = re.compile(r"(?<=\d)[ \u3000](?=\d{3,4}(?!\d))")


def doubts(doc_type: DocType, values: Mapping[str, str | None], text: str) -> dict[str, tuple[float, str]]:
    """Caps and reasons for the values a validator doubts (fields not listed: nothing to say)."""
    found: dict[str, tuple[float, str]] = {}
    for name, value in values.items():
        if not value:
            continue
        doubt = _doubt(name, value, text)
        if doubt is not None:
            found[name] = doubt
    for name, doubt in _order_doubts(doc_type, values).items():
        found.setdefault(name, doubt)
    return found


def _doubt(name: str, value: str, text: str) -> tuple[float, str] | None:
    if name in ("name", "account_holder"):
        return person_name_doubt(value)
    if name == "employer":
        return organisation_doubt(value)
    if name == "bank_name":
        return bank_name_doubt(value)
    if name == "account_number":
        return account_number_doubt(value, text)
    if name in _MONEY_FIELDS:
        return figure_doubt(value, text)
    if name == "issue_date":
        return issue_date_doubt(value, text)
    return None


_DATE_IN_TEXT = re.compile(r"((?:19|20)\d{2})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})")
# Words before a date that make it the end of a validity, not the day a letter was written.
_VALIDITY_END = re.compile(r"(?:有效期至|有效期限至|有效期为?|有效至|截止|截至|止|至)\s*$")


def issue_date_doubt(value: str, text: str) -> tuple[float, str] | None:
    """An issue date that the page prints only after 有效期至 / 截止 (本证明有效期至2025年5月22日) is the
    letter's validity end, not the day it was issued."""
    flat = halfwidth(text).replace("\n", "")
    contexts = []
    for match in _DATE_IN_TEXT.finditer(flat):
        year, month, day = (int(part) for part in match.groups())
        if f"{year:04d}-{month:02d}-{day:02d}" == value:
            contexts.append(flat[max(0, match.start() - 8):match.start()])
    if contexts and all(_VALIDITY_END.search(context) for context in contexts):
        return CONTRADICTED, "the date the letter is valid until, not the day it was issued"
    return None


def person_name_doubt(value: str) -> tuple[float, str] | None:
    name = halfwidth(value).replace("•", "·").strip()
    if any(word in name for word in _NAME_NOISE):
        return CONTRADICTED, "a label word inside the name"
    han = name.replace("·", "")
    if "·" in name:  # 买买提·艾力: transliterated names have no surname list and may be long
        return None if 2 <= len(han) <= 20 else (UNSURE, "an unusual name length")
    if len(han) >= 4 and _TRAILING_SEX.search(han) and han[:2] not in _SURNAMES_2:
        return CONTRADICTED, "the name ends with the sex that follows it on the card"
    if not 2 <= len(han) <= 4:
        return UNSURE, "an unusual name length"
    if han[0] not in _SURNAMES_1 and han[:2] not in _SURNAMES_2:
        return UNSURE, "not a known surname (a misread first character?)"
    return None


# The first character's own probability below which the recogniser's next choices there are worth a look.
DOUBTFUL_GLYPH = 0.9


def _choices_for(name: str, boxes: Iterable[TextBox]) -> Alternatives | None:
    """The recogniser's choices at each character of ``name``, from the first run that shows it read so
    (None: no run does, or the engine gives no choices)."""
    for box in boxes:
        index = "".join(char for char, _, _ in box.alternatives).find(name)
        if index >= 0:
            return box.alternatives[index:index + len(name)]
    return None


def known_surname_reading(name: str, boxes: Iterable[TextBox]) -> str | None:
    """A name whose first character no one bears as a surname, where the recogniser hesitated and a known
    surname was among its next choices at that character (卞 read as 卡 or 下, rare glyphs the recogniser
    confuses with common ones): the name with that surname, the likeliest such. None when the name's surname
    is known, the first character was read surely (a rare surname read as printed), or no run shows the
    name with the engine's choices. The reading stays doubtful (``UNSURE``): which of the two was printed is
    for a second source (the declared name, a reader) to say."""
    if "·" in name or not 2 <= len(name) <= 4 or person_name_doubt(name) is None:
        return None
    choices = _choices_for(name, boxes)
    if choices is None:
        return None
    _, probability, others = choices[0]
    if probability >= DOUBTFUL_GLYPH:
        return None
    return next((other + name[1:] for other, _ in others if person_name_doubt(other + name[1:]) is None), None)


def hesitant_glyph(name: str, boxes: Iterable[TextBox]) -> bool:
    """Did the recogniser hesitate over a character of ``name`` (its probability below ``DOUBTFUL_GLYPH``,
    with another character likely there)? A name has no validator: one character read as a near twin (莉 as
    利) is another person's name, and the line's mean confidence does not show it. False when no run shows
    the name with the engine's choices."""
    choices = _choices_for(name, boxes)
    return choices is not None and any(probability < DOUBTFUL_GLYPH and others
                                       for _, probability, others in choices)


def organisation_doubt(value: str) -> tuple[float, str] | None:
    name = halfwidth(value).strip()
    if _ORG_SENTENCE.search(name):
        return CONTRADICTED, "a phrase of the letter, not an organisation's name"
    if len(name) < 4:
        return UNSURE, "too short for a registered name"
    if not name.endswith(_ORG_LEGAL):
        return UNSURE, "no legal-form ending (有限公司, 医院, ...): the name may be cut"
    return None


def bank_name_doubt(value: str) -> tuple[float, str] | None:
    name = halfwidth(value).strip()
    if name in BANK_FULL_NAMES:
        return None
    if name in BANK_SHORT_NAMES:
        return CONTRADICTED, "a short name; the contract wants the registered name"
    if re.fullmatch(r"[\u3400-\u9fff]{2,20}(?:银行|信用社|信用合作联社)(?:股份有限公司)?", name):
        return UNSURE, "a bank not in the lexicon of registered names"
    return CONTRADICTED, "not a bank's name"


def account_number_doubt(value: str, text: str) -> tuple[float, str] | None:
    digits = re.sub(r"\s", "", value)
    if digits.isdigit() and _whole_figure(digits, _DIGIT_GROUPS.sub("", text)) is False:
        return CONTRADICTED, "only part of the number printed on the page"
    if not digits.isdigit() or not 12 <= len(digits) <= 25:
        return UNSURE, "not the length of a bank account number"
    if 16 <= len(digits) <= 19 and digits[0] in "3456" and not luhn_ok(digits):
        return UNSURE, "a card number whose check digit (Luhn) does not match"
    return None


def figure_doubt(value: str, text: str) -> tuple[float, str] | None:
    """A figure that is on the page only as the tail of a longer one (10, 170.31 read as 170.31)."""
    figure = value.lstrip("+-")
    if _whole_figure(figure, _THOUSANDS.sub("", halfwidth(text))) is False:
        return CONTRADICTED, "only part of a longer figure on the page"
    return None


def _whole_figure(figure: str, text: str) -> bool | None:
    """True: the figure stands alone somewhere in the text; False: only inside longer figures; None: absent
    (OCR text does not always carry it as read)."""
    whole = re.compile(rf"(?<![\d.]){re.escape(figure)}(?![\d])")
    if whole.search(text):
        return True
    if figure.endswith(".00") and re.search(rf"(?<![\d.]){re.escape(figure[:-3])}(?![\d.])", text):
        return True  # printed without its cents
    return False if figure in text else None


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _order_doubts(doc_type: DocType, values: Mapping[str, str | None]) -> dict[str, tuple[float, str]]:
    """Dates that contradict each other: one of the pair is misread, and nothing says which."""
    pairs = {
        DocType.INCOME_CERTIFICATE: ("employment_start", "issue_date"),
        DocType.BANK_STATEMENT: ("period_start", "period_end"),
        DocType.ID_CARD_BACK: ("valid_from", "valid_until"),
    }
    pair = pairs.get(doc_type)
    if pair is None:
        return {}
    first, second = values.get(pair[0]), values.get(pair[1])
    if not first or not second or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", second):
        return {}
    if first >= second:
        note = f"{pair[0]} is not before {pair[1]}"
        return {pair[0]: (UNSURE, note), pair[1]: (UNSURE, note)}
    return {}
