"""Income certificates in the layouts employers issue: paragraph letters, short letters, label | value
tables, grids with their labels above the values, letterheads and sign-offs. The pages are built here as
the text runs an OCR engine or a PDF text layer gives (and one as a text-layer PDF), independently of the
project's sample generator."""

from __future__ import annotations

import io
from collections.abc import Sequence

import pytest

from loanpipe.domain.documents import DocType
from loanpipe.extraction.confidence import REVIEW_THRESHOLD, field_confidence
from loanpipe.extraction.extract import extract_document
from loanpipe.extraction.layout import TextBox
from loanpipe.extraction.parsers.certificate import read_income_certificate
from loanpipe.extraction.parsers.reads import WEAK, FieldRead

ID_NUMBER = "110105198803120014"
LINE = 40.0  # pixels between printed lines
CHAR = 20.0  # width of one character


def _page(rows: Sequence[Sequence[str] | str], *, confidence: float = 0.995) -> list[TextBox]:
    """Rows of cells as an OCR engine returns them: each cell a run, cells of a row side by side."""
    boxes = []
    for index, row in enumerate(rows):
        cells = [row] if isinstance(row, str) else row
        x = 100.0
        for cell in cells:
            width = CHAR * max(1, len(cell))
            boxes.append(TextBox(cell, x, 100 + index * LINE, x + width, 100 + index * LINE + 24, confidence))
            x += width + 6 * CHAR
    return boxes


def _read(rows: Sequence[Sequence[str] | str]) -> dict[str, FieldRead]:
    return read_income_certificate(_page(rows))


def _values(page: dict[str, FieldRead], *names: str) -> dict[str, str | None]:
    return {name: read.value for name, read in page.items() if not names or name in names}


def _trusted(read: FieldRead) -> bool:
    return field_confidence(read) >= REVIEW_THRESHOLD


def test_a_paragraph_letter_gives_every_field_from_its_sentences():
    # Given a letter whose fields are only in its sentences, wrapped across lines, the employer on the
    # letterhead and again on the sign-off line
    page = _read([
        "北京华信智能科技有限公司",
        "在职收入证明",
        "致：中国建设银行北京分行",
        f"兹证明张伟同志（性别：男，身份证号码：{ID_NUMBER}）系我单位正式员",
        "工，自二〇一九年三月一日起在我单位客服中心工作，现任高级客服专员职务。该员工近一年平均月收",
        "入为人民币12,500.00元（大写：壹万贰仟伍佰元整）。",
        "特此证明。",
        "单位（盖章）：北京华信智能科技有限公司",
        "二〇二五年五月二十二日",
    ])
    # Then each field is read in the contract's normal form
    assert _values(page) == {
        "name": "张伟", "id_number": ID_NUMBER, "employer": "北京华信智能科技有限公司", "position": "高级客服专员",
        "monthly_income": "12500.00", "employment_start": "2019-03-01", "issue_date": "2025-05-22"}
    # And the employer, named on the letterhead and the sign-off, is trusted; the addressee bank and the
    # department (我单位客服中心) are not taken for it
    assert _trusted(page["employer"])


def test_a_short_letter_opening_on_the_holder_gives_name_position_and_income():
    # Given a short letter: "name, sex, ID number, joined on…, now <department><title>, monthly pay…"
    page = _read([
        "收入证明",
        f"李娜，女，身份证号：{ID_NUMBER}，于2016-07-15入职我公司，现任",
        "人力资源部招聘主管，每月税前工资收入8,600.00元（含基本工资、绩效及各类补贴），大写捌仟陆佰元整。",
        "以上情况属实。本证明有效期至2025年11月15日。",
        "证明单位：杭州云帆网络科技有限公司",
        "2025年8月17日",
    ])
    # Then the department is not part of the position, and the validity limit is not the issue date
    assert _values(page, "name", "position", "employment_start", "monthly_income", "issue_date") == {
        "name": "李娜", "position": "招聘主管", "employment_start": "2016-07-15", "monthly_income": "8600.00",
        "issue_date": "2025-08-17"}
    # And the employer, named only on the sign-off line, is kept below the review threshold
    assert page["employer"].value == "杭州云帆网络科技有限公司"
    assert not _trusted(page["employer"])


def test_a_table_whose_runs_hold_several_fields_is_split_at_its_labels():
    # Given a label | value table the engine read partly as one run per row
    page = _read([
        "收入证明",
        "姓名王芳性别女",
        ["身份证号码", ID_NUMBER],
        ["工作单位", "上海申通物流股份有限公司"],
        ["所在部门", "财务部", "职务", "出纳"],
        ["入职时间", "2013年09月01日", "用工性质", "正式合同制"],
        ["月收入（税前）", "9,800.00元", "年收入", "117,600.00元"],
        ["月收入（大写）", "玖仟捌佰元整"],
        "单位盖章：上海申通物流股份有限公司",
        "2025-06-12",
    ])
    # Then every field is the value of its own label; the income in figures, confirmed by the capital
    # numerals, is the monthly one, not the annual
    assert _values(page) == {
        "name": "王芳", "id_number": ID_NUMBER, "employer": "上海申通物流股份有限公司", "position": "出纳",
        "monthly_income": "9800.00", "employment_start": "2013-09-01", "issue_date": "2025-06-12"}
    assert field_confidence(page["monthly_income"]) >= 0.97


def test_a_grid_with_labels_above_the_values_is_read_by_column():
    # Given a form grid: a row of labels, the values on the row below under each label
    page = _read([
        "工作收入证明",
        ["姓名", "性别", "身份证号码"],
        ["赵敏", "女", ID_NUMBER],
        ["职务", "月收入", "入职日期"],
        ["工程师", "15000元", "2020.05.06"],
        "兹证明以上情况属实。",
        "深圳市南山区人民医院",
        "开具日期：2025年3月2日",
    ])
    # Then each value is the one under its label
    assert _values(page, "name", "id_number", "position", "monthly_income", "employment_start", "issue_date",
                   "employer") == {
        "name": "赵敏", "id_number": ID_NUMBER, "position": "工程师", "monthly_income": "15000.00",
        "employment_start": "2020-05-06", "issue_date": "2025-03-02", "employer": "深圳市南山区人民医院"}


def test_a_table_cell_the_engine_missed_is_left_empty_rather_than_taken_from_the_next_row():
    # Given a label | value table whose position cell was not read
    page = _read([
        "收入证明",
        ["姓名", "孙丽", "职务"],
        ["入职时间", "2013年09月01日"],
        ["月收入", "6,000.00元"],
        "2025-06-12",
    ])
    # Then the position is missing, not the date of the row below
    assert page["position"].value is None
    assert page["employment_start"].value == "2013-09-01"


def test_the_employer_stated_in_the_body_and_on_the_letterhead_is_trusted():
    # Given a letter naming the employer in its sentence and on the letterhead
    page = _read([
        "成都蓉城建设集团有限公司",
        "工作证明",
        "兹证明陈刚在成都蓉城建设集团有限公司工作，担任项目经理一职，月薪1.2万元。",
        "二〇二五年元月八日",
    ])
    # Then the two agree and the name is trusted; 1.2万元 is twelve thousand yuan
    assert _values(page, "employer", "position", "monthly_income", "issue_date") == {
        "employer": "成都蓉城建设集团有限公司", "position": "项目经理", "monthly_income": "12000.00",
        "issue_date": "2025-01-08"}
    assert _trusted(page["employer"])


def test_a_sign_off_naming_the_department_and_the_date_on_its_line_gives_the_organisation():
    # Given a letter whose body names the company with a department, signed by the company's HR
    # department with the date on the same line
    page = _read([
        "证 明",
        f"兹有我单位职工王小明，性别男，身份证号{ID_NUMBER}，2018年3月1日至今在北京华信科技有限公司销售部工作，",
        "月平均工资为8000元。",
        ["北京华信科技有限公司人力资源部", "2025年5月22日"],
    ])
    # Then the body and the sign-off agree on the company (not its departments), and it is trusted
    assert _values(page, "name", "employer", "employment_start", "monthly_income", "issue_date") == {
        "name": "王小明", "employer": "北京华信科技有限公司", "employment_start": "2018-03-01",
        "monthly_income": "8000.00", "issue_date": "2025-05-22"}
    assert _trusted(page["employer"])


def test_a_letter_naming_the_employer_by_its_label_inside_a_sentence_gives_it():
    page = _read(["收入证明", "兹证明我单位张伟同志系正式员工，其工作单位为上海浦江电力设备有限公司，",
                  "月收入12500元（税后）。", "2025年5月22日"])
    assert _values(page, "name", "employer", "monthly_income") == {
        "name": "张伟", "employer": "上海浦江电力设备有限公司", "monthly_income": "12500.00"}


@pytest.mark.parametrize("line", ["我单位客服中心", "人力资源部", "经办人：王五", "致：中国工商银行南京分行"])
def test_what_is_not_an_organisation_is_never_the_employer(line):
    # Given a letter whose only organisation-like lines are a department, a signer or the addressee
    page = _read(["收入证明", "兹证明张伟系我单位员工，月收入8000元。", line, "2025年1月2日"])
    # Then no employer is read rather than a wrong one
    assert page["employer"].value is None


def test_a_title_stated_after_the_self_reference_is_the_position_and_no_employer():
    # Given a one-sentence letter: "X（身份证号：…）系我公司技术员", signed by the company, dated in words
    page = _read(["证明", f"兹证明王强（身份证号：{ID_NUMBER}）系我公司技术员，自二〇一九年三月一日入职至今，",
                  "每月收入捌仟元整。", "特此证明。", "北京华信科技有限公司", "二〇二六年十一月五日"])
    assert _values(page, "name", "employer", "position", "monthly_income", "employment_start", "issue_date") == {
        "name": "王强", "employer": "北京华信科技有限公司", "position": "技术员", "monthly_income": "8000.00",
        "employment_start": "2019-03-01", "issue_date": "2026-11-05"}
    # And 系我公司正式员工 names neither a position nor an employer
    other = _read(["证明", "兹证明王强系我公司正式员工，每月收入8000元。", "二〇二六年十一月五日"])
    assert other["position"].value is None
    assert other["employer"].value is None


def test_an_organisation_name_cut_by_the_seal_is_restored_but_not_trusted():
    page = _read(["收入证明", "兹证明张伟系我单位员工，月收入8000元。", "单位盖章：北京福瑞信息技术有限公",
                  "2025年1月2日"])
    assert page["employer"].value == "北京福瑞信息技术有限公司"
    assert not _trusted(page["employer"])


def test_an_annual_income_alone_is_not_divided_into_a_monthly_one():
    # Given a certificate stating only a yearly income
    page = _read(["收入证明", "兹证明张伟系我单位员工，年收入为人民币180,000.00元。", "2025年1月2日"])
    # Then the monthly income is left for the reviewer, with a note saying why
    assert page["monthly_income"].value is None
    assert any("annual" in note for note in page["monthly_income"].notes)


def test_a_letter_printing_pre_tax_and_after_tax_income_gives_the_pre_tax_one_doubtfully():
    page = _read(["收入证明", "兹证明张伟系我单位员工，税前月收入为12,000.00元，税后月收入为10,500.00元。",
                  "2025年1月2日"])
    assert page["monthly_income"].value == "12000.00"
    assert not _trusted(page["monthly_income"])


def test_figures_and_capital_numerals_that_differ_are_not_trusted():
    page = _read(["收入证明", "兹证明张伟系我单位员工，月收入为人民币12,500.00元（大写：壹万贰仟元整）。",
                  "2025年1月2日"])
    assert page["monthly_income"].value == "12500.00"
    assert not _trusted(page["monthly_income"])


def test_an_issue_date_found_only_inside_a_sentence_is_not_trusted():
    page = _read(["收入证明", "兹证明张伟系我单位员工，月收入8000元，本证明于2025年1月2日出具。"])
    assert page["issue_date"].value == "2025-01-02"
    assert not _trusted(page["issue_date"])


def _text_pdf(lines: Sequence[tuple[float, float, str]]) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("UMing", "/usr/share/fonts/truetype/arphic/uming.ttc", subfontIndex=0))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=(595, 842))
    for x, y, text in lines:
        page.setFont("UMing", 12)
        page.drawString(x, 842 - y, text)
    page.save()
    return buffer.getvalue()


def test_a_text_layer_letter_with_a_letterhead_is_read_with_honest_confidence():
    # Given a bank-exported PDF letter: letterhead, body, figures with capital numerals, sign-off, date
    data = _text_pdf([
        (180, 80, "广州南方汽车销售服务有限公司"),
        (250, 130, "收入证明"),
        (60, 180, f"兹证明刘洋（身份证号：{ID_NUMBER}）为我公司正式员工，于2018年6月入职，"),
        (60, 200, "担任销售顾问职务，月均收入为人民币7,300.00元（大写：柒仟叁佰元整）。"),
        (60, 240, "特此证明。"),
        (330, 300, "单位名称（公章）：广州南方汽车销售服务有限公司"),
        (380, 320, "2025年5月22日"),
    ])
    # When it is extracted
    result = extract_document(data, expected_type=DocType.INCOME_CERTIFICATE).result
    # Then the fields are read; the employer (letterhead and sign-off agree) and the income (capital
    # numerals agree) are trusted, the start date printed without its day is not
    assert result.value("name") == "刘洋"
    assert result.value("employer") == "广州南方汽车销售服务有限公司"
    assert result.confidence("employer") >= REVIEW_THRESHOLD
    assert result.value("position") == "销售顾问"
    assert result.value("monthly_income") == "7300.00"
    assert result.confidence("monthly_income") >= 0.97
    assert result.value("employment_start") == "2018-06-01"
    assert result.confidence("employment_start") < REVIEW_THRESHOLD
    assert result.value("issue_date") == "2025-05-22"


def test_a_weak_fallback_stays_below_the_review_threshold_even_from_a_text_layer():
    # Given a value a parser found only by a weak fallback, on a PDF text layer the engine cannot doubt
    read = FieldRead("北京华信科技有限公司", 1.0, certainty=WEAK)
    # Then its confidence is the parser's certainty, not the text layer's
    assert field_confidence(read, text_layer=True) == WEAK < REVIEW_THRESHOLD


def test_a_signed_organisation_without_a_suffix_is_given_but_not_trusted():
    page = _read(["收入证明", "兹证明张伟系我单位员工，月收入8000元。", "单位（盖章）：华信智能科技", "2025年1月2日"])
    assert page["employer"].value == "华信智能科技"
    assert not _trusted(page["employer"])


def test_a_letter_whose_opening_word_was_misread_still_gives_the_holder_named_before_the_particulars():
    # 兹 read as 蕴 on a tilted photo: the name is the one followed by (性别…, after the 证明 it belongs to
    page = _read(["收入证明", f"蕴证明李明轩(性别:男·身份证号码:{ID_NUMBER})系我单位正式员",
                  "工,现任会计职务。", "本证明仅用于证明我单位的工作及收入情况"])
    assert page["name"].value == "李明轩"
    # words between 证明 and a comma, with no particulars after them, are no name
    page = _read(["收入证明", "本证明仅用于证明我单位的工作,不作为担保", "证明单位:北京华远科技有限公司"])
    assert page["name"].value is None
