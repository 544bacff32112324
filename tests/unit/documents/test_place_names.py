"""Place names put right by the lexicon of China's divisions (GB/T 2260): a character the recogniser got
wrong in an address, an issuing authority or an employer's name, where exactly one division fits there;
and the value so mended stays below the review threshold."""

from __future__ import annotations

from loanpipe.domain.documents import DocType
from loanpipe.extraction import extract
from loanpipe.extraction.confidence import REVIEW_THRESHOLD, field_confidence
from loanpipe.extraction.layout import PageText, TextBox
from loanpipe.extraction.parse import parse_pages
from loanpipe.extraction.places import mend_authority, mend_place_prefix


def test_a_district_one_character_off_under_its_city_takes_the_districts_name():
    mended = mend_place_prefix("四川省成都市城华区清水镇劳动路291号")  # 成华区 is 成都市's, 城华区 is no one's
    assert (mended.text, mended.changes) == ("四川省成都市成华区清水镇劳动路291号", 1)
    # a level may be left out: a municipality's district right after it
    assert mend_place_prefix("北京市潮阳区光华路8号").text == "北京市朝阳区光华路8号"


def test_real_places_and_words_that_only_look_like_places_are_left_as_read():
    for text in ("南京市华远网络科技有限公司",  # 南京市 is a city, not 北京市 misread
                 "北流市公安局",  # a county-level city at the start, one character from 北京市
                 "天成市场管理有限公司",  # 天成市场 is a market, not 天津市
                 "湖北省武汉市洪山区中山路205号", "北京市方和环保科技有限责任公司", "华为技术有限公司"):
        assert mend_place_prefix(text).changes == 0, text
    # two characters off is too far to tell
    assert mend_place_prefix("四川省成都市城化区劳动路").changes == 0


def test_an_issuing_authority_has_its_city_its_bureau_and_its_district_mended():
    mended = mend_authority("乌鲁本齐市公安国沙依巴克分局")
    assert (mended.text, mended.changes) == ("乌鲁木齐市公安局沙依巴克分局", 2)
    assert mend_authority("成都市公安局城华区分局").text == "成都市公安局成华区分局"
    for text in ("重庆市公安局九龙坡分局", "成都市公安局成华分局", "重庆市公安局九龙地", "北京市公安局朝阳分局"):
        assert mend_authority(text).changes == 0, text


def _card_back(authority: str) -> PageText:
    lines = ["中华人民共和国", "居民身份证", f"签发机关 {authority}", "有效期限 2016.03.12-2036.03.12"]
    boxes = [TextBox(line, 100, 100 + 60 * index, 100 + 30 * len(line), 140 + 60 * index, 0.999)
             for index, line in enumerate(lines)]
    return PageText(boxes=tuple(boxes), width=1000, height=640, source="rapidocr")


def test_a_card_read_with_a_misread_place_gives_the_places_name_for_review():
    reads = parse_pages(DocType.ID_CARD_BACK, [_card_back("乌鲁本齐市公安局沙依巴克分局")]).reads
    assert field_confidence(reads["issuing_authority"]) >= REVIEW_THRESHOLD  # the engine was sure of its misreading
    extract._place_names(reads)
    assert reads["issuing_authority"].value == "乌鲁木齐市公安局沙依巴克分局"
    assert field_confidence(reads["issuing_authority"]) < REVIEW_THRESHOLD
    assert any("lexicon" in note for note in reads["issuing_authority"].notes)

