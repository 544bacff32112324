"""Stable reason codes with short texts in Chinese and English.

Three families:
- decision reasons (stable codes, see ARCHITECTURE.md): why an application goes to review or is declined;
- retake reasons: why the officer must photograph a document again (shown on the tablet);
- input rejections: a file that is not a readable document at all (REJECTED_INPUT).
Codes never change meaning; texts may be reworded.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ReasonKind(StrEnum):
    DECISION = "decision"
    RETAKE = "retake"
    INPUT = "input"


@dataclass(frozen=True)
class Reason:
    code: str
    kind: ReasonKind
    zh: str
    en: str


_D, _R, _I = ReasonKind.DECISION, ReasonKind.RETAKE, ReasonKind.INPUT

_REASONS = [
    # decision reasons
    Reason("id_checksum_invalid", _D, "身份证号码校验位错误", "ID number check digit is wrong"),
    Reason("id_area_unknown", _D, "身份证号码地区码不存在", "ID number area code does not exist"),
    Reason("id_expired", _D, "身份证已过期", "ID card expired at capture"),
    Reason("id_validity_inconsistent", _D, "身份证有效期与年龄不符", "ID validity period does not fit the holder's age"),
    Reason("birth_date_mismatch", _D, "出生日期与身份证号码不符", "Birth date differs from the ID number"),
    Reason("sex_mismatch", _D, "性别与身份证号码不符", "Sex differs from the ID number"),
    Reason("name_mismatch", _D, "各材料姓名不一致", "Name differs across documents"),
    Reason("id_number_mismatch", _D, "各材料身份证号码不一致", "ID number differs across documents"),
    Reason("income_mismatch", _D, "收入证明与银行流水工资不符", "Certified income differs from salary credits"),
    Reason("employer_mismatch", _D, "工资来源与收入证明单位不符", "Salary credits do not come from the certified employer"),
    Reason("statement_balance_inconsistent", _D, "银行流水余额不连续", "Statement running balance does not add up"),
    Reason("statement_stale", _D, "银行流水不是近期的", "Statement ends too long before capture"),
    Reason("statement_period_short", _D, "银行流水期限不足", "Statement covers too short a period"),
    Reason("certificate_stale", _D, "收入证明开具时间过早", "Income certificate issued too long before capture"),
    Reason("duplicate_image", _D, "图片与其他申请重复", "Same image appears in another application"),
    Reason("image_edited", _D, "图片经过编辑软件处理", "Image metadata names editing software"),
    Reason("age_out_of_range", _D, "年龄不符合要求", "Applicant age outside policy"),
    Reason("ltv_exceeded", _D, "贷款价值比超限", "Loan-to-value above policy maximum"),
    Reason("dti_exceeded", _D, "月供收入比超限", "Monthly payment too high for verified income"),
    Reason("low_confidence", _D, "关键信息识别置信度低", "A decisive field was read with low confidence"),
    Reason("document_missing", _D, "缺少必需材料", "A required document is missing"),
    Reason("document_unreadable", _D, "材料无法识别", "A required document could not be read"),
    Reason("capture_location_spread", _D, "拍摄地点过于分散", "Documents captured too far apart"),
    Reason("capture_time_outside_visit", _D, "拍摄时间不在上门时间内", "Capture times outside the visit"),
    Reason("capture_clock_skew", _D, "拍摄时间与服务器时间不符", "Capture time far from server receipt time"),
    Reason("concurrent_application", _D, "同一身份证存在其他进行中的申请", "Same ID number in another open application"),
    Reason("phone_matches_officer", _D, "申请人电话与业务员电话相同", "Applicant phone equals an officer's phone"),
    Reason("score_below_cutoff", _D, "评分未达标准", "Score below the approval cut-off"),
    Reason("amount_invalid", _D, "贷款金额无效", "Loan amount is zero, negative or absurd"),
    Reason("field_missing", _D, "必填信息缺失或无法解析", "A required field is missing or unparseable"),
    Reason("id_legacy_number", _D, "一代身份证（15位号码）已停止使用",
           "First-generation ID card (15-digit number) is no longer valid"),
    Reason("income_unverified", _D, "银行流水中没有足够的工资收入",
           "Too few salary credits in the statement to verify the income"),
    Reason("document_dated_after_capture", _D, "材料日期晚于拍摄时间",
           "A document is dated after the capture"),
    Reason("term_out_of_range", _D, "贷款期限不在产品范围内", "Loan term outside the product's range"),
    Reason("check_incomplete", _D, "部分检查未能完成", "Some checks could not be completed"),
    # retake reasons (quality gate), shown to the officer within seconds of the upload
    Reason("blurry", _R, "照片模糊，请重新拍摄", "Photo is blurred, please retake"),
    Reason("glare", _R, "照片反光，请避开灯光重新拍摄", "Glare on the document, please retake away from the light"),
    Reason("too_small", _R, "文件在照片中太小，请靠近拍摄", "Document too small in the photo, move closer"),
    Reason("cut_off", _R, "文件未完整拍入，请拍全四角", "Document cut off, keep all four corners in view"),
    Reason("too_dark", _R, "照片太暗，请在光线充足处拍摄", "Photo too dark, retake in better light"),
    Reason("wrong_document", _R, "上传的材料与所选类型不符", "This is not the document this slot expects"),
    Reason("unreadable_field", _R, "关键信息无法识别，请重新拍摄", "A key field cannot be read, please retake"),
    Reason("blank_page", _R, "页面为空白", "The page is blank"),
    # input rejections (REJECTED_INPUT): the file itself is unusable
    Reason("empty_file", _I, "文件为空", "The file is empty"),
    Reason("unsupported_type", _I, "文件类型不支持（仅支持JPEG、PNG、PDF）", "Unsupported file type (JPEG, PNG or PDF only)"),
    Reason("type_mismatch", _I, "文件内容与扩展名不符", "File content does not match its name or declared type"),
    Reason("file_too_large", _I, "文件过大", "File too large"),
    Reason("image_too_large", _I, "图片像素过多", "Image has too many pixels"),
    Reason("corrupt_file", _I, "文件已损坏", "The file is damaged or truncated"),
    Reason("pdf_encrypted", _I, "PDF已加密", "The PDF is encrypted"),
    Reason("too_many_pages", _I, "PDF页数过多", "The PDF has too many pages"),
    Reason("pdf_active_content", _I, "PDF含有脚本、附件等活动内容，请上传银行导出的原件或拍摄纸质流水",
           "The PDF carries scripts, attachments or other active content; send the bank's export or a photo"),
    Reason("pdf_content_too_large", _I, "PDF内容解压后过大", "The PDF's content inflates beyond any document's size"),
    Reason("document_too_complex", _I, "文件内容过多，单次上传无法识别，请分页上传",
           "The document needs more reading than one upload allows; send fewer pages"),
    Reason("key_outside_application", _I, "上传路径不属于该申请", "Upload key is outside the application's prefix"),
    Reason("unknown_application", _I, "申请不存在", "Unknown application"),
    Reason("unknown_document", _I, "上传未经登记", "Upload was not registered by the server"),
    Reason("slot_closed", _I, "该申请已不接受上传", "The application no longer accepts uploads"),
    # a credit policy file that cannot be loaded (the policy in force stays)
    Reason("policy_invalid", _I, "信贷政策文件有误，未生效",
           "The credit policy file has an error and was not put in force"),
]

REASONS: dict[str, Reason] = {reason.code: reason for reason in _REASONS}


def describe(code: str) -> dict[str, str]:
    """``{"code", "zh", "en"}`` for a reason code; unknown codes are described by their code."""
    reason = REASONS.get(code)
    if reason is None:
        return {"code": code, "zh": code, "en": code}
    return {"code": code, "zh": reason.zh, "en": reason.en}


def kind_of(code: str) -> ReasonKind | None:
    reason = REASONS.get(code)
    return reason.kind if reason else None
