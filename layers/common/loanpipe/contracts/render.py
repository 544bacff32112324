"""Render the loan contract PDF: parties, vehicle, terms and the full repayment schedule.

Deterministic (reportlab's invariant mode): the same application and terms give the same bytes,
so a re-delivered contract message produces the same document and the same SHA-256.
"""

from __future__ import annotations

import functools
import io
import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from loanpipe.decision.loans import Schedule
from loanpipe.domain.application import DeclaredApplication, RepaymentMethod, VehicleType
from loanpipe.domain.money import money_str

FONT_NAME = "LoanpipeCJK"
DEFAULT_FONT_PATHS = ("/opt/fonts/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
                      "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")

METHOD_NAMES = {RepaymentMethod.EQUAL_INSTALLMENT: "等额本息 (equal instalments)",
                RepaymentMethod.EQUAL_PRINCIPAL: "等额本金 (equal principal)"}
VEHICLE_NAMES = {VehicleType.NEW: "新车 (new)", VehicleType.USED: "二手车 (used)"}


class ContractFontMissing(RuntimeError):
    """No CJK font: a platform problem (the layer or the Debian package is missing), retried then DLQ."""


@functools.cache
def _register_font(path: str | None) -> str:
    candidates = [path] if path else []
    candidates += [p for p in DEFAULT_FONT_PATHS if p not in candidates]
    for candidate in candidates:
        if candidate and os.path.exists(candidate):
            pdfmetrics.registerFont(TTFont(FONT_NAME, candidate, subfontIndex=0))
            return FONT_NAME
    raise ContractFontMissing(f"no CJK font found (tried {', '.join(c for c in candidates if c)})")


@dataclass(frozen=True)
class ContractTerms:
    contract_number: str
    lender: str
    contract_date: date
    schedule: Schedule
    apr: Decimal
    approved_by: str


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=1, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=10, alignment=1, textColor=colors.grey),
        "h": ParagraphStyle("h", parent=base, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4),
        "p": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=11, textColor=colors.grey),
    }


def render_contract(declared: DeclaredApplication, terms: ContractTerms, font_path: str | None = None) -> bytes:
    """The contract PDF: parties, loan terms, the repayment schedule and the signature block (deterministic)."""
    font = _register_font(font_path)
    styles = _styles(font)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=16 * mm,
        title=f"汽车消费贷款合同 {terms.contract_number}", author=terms.lender, subject="Car loan contract",
        creator="loanpipe", invariant=1,
    )
    story = [
        Paragraph("汽车消费贷款合同", styles["title"]),
        Paragraph(f"Car Loan Contract · 合同编号 No. {terms.contract_number}", styles["subtitle"]),
        Spacer(1, 6 * mm),
        Paragraph("一、合同当事人 Parties", styles["h"]),
        _parties(declared, terms, font, styles),
        Paragraph("二、贷款条件 Loan terms", styles["h"]),
        _loan_terms(declared, terms, font),
        Paragraph("三、还款计划 Repayment schedule", styles["h"]),
        _schedule(terms, font),
        *_signatures(terms, font, styles),
    ]
    document.build(story)
    return buffer.getvalue()


def _grid(font: str) -> TableStyle:
    return TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ])


def _parties(declared: DeclaredApplication, terms: ContractTerms, font: str,
             styles: dict[str, ParagraphStyle]) -> Table:
    applicant = declared.applicant
    table = Table([
        ["贷款人 Lender", terms.lender],
        ["借款人 Borrower", applicant.name],
        ["身份证号码 ID number", applicant.id_number],
        ["联系电话 Phone", applicant.phone],
        ["住址 Address", Paragraph(applicant.address or "-", styles["p"])],
    ], colWidths=[45 * mm, 129 * mm])
    table.setStyle(_grid(font))
    return table


def _loan_terms(declared: DeclaredApplication, terms: ContractTerms, font: str) -> Table:
    loan = declared.loan
    sched = terms.schedule
    table = Table([
        ["车辆类型 Vehicle", VEHICLE_NAMES[loan.vehicle_type]],
        ["车辆价格 Vehicle price", f"人民币 ¥{money_str(loan.vehicle_price)} 元"],
        ["贷款金额 Principal", f"人民币 ¥{money_str(sched.principal)} 元"],
        ["贷款期限 Term", f"{sched.months} 个月 months"],
        ["年利率 Annual rate", f"{(sched.annual_rate * 100).normalize():f}%"],
        ["年化利率 APR (IRR)", f"{(terms.apr * 100).quantize(Decimal('0.01'))}%"],
        ["还款方式 Repayment", METHOD_NAMES[sched.method]],
        ["首期还款额 First payment", f"¥{money_str(sched.first_payment)}"],
        ["还款总额 Total repayment", f"¥{money_str(sched.total_payment)}"],
        ["利息总额 Total interest", f"¥{money_str(sched.total_interest)}"],
    ], colWidths=[45 * mm, 129 * mm])
    table.setStyle(_grid(font))
    return table


def _schedule(terms: ContractTerms, font: str) -> Table:
    rows = [["期数 No.", "还款额 Payment", "本金 Principal", "利息 Interest", "剩余本金 Balance"]]
    rows += [[str(r.period), money_str(r.payment), money_str(r.principal), money_str(r.interest), money_str(r.balance)]
             for r in terms.schedule.rows]
    table = Table(rows, colWidths=[20 * mm, 38 * mm, 38 * mm, 38 * mm, 40 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
    ]))
    return table


def _signatures(terms: ContractTerms, font: str, styles: dict[str, ParagraphStyle]) -> list:
    return [
        Paragraph("四、签署 Signatures", styles["h"]),
        Paragraph("借款人已阅读并理解本合同全部条款，确认上述贷款条件与还款计划。"
                  "The borrower has read and understood this contract, its terms and its repayment schedule.",
                  styles["p"]),
        Spacer(1, 12 * mm),
        Table([["借款人签字 Borrower's signature:", "", "日期 Date:", ""],
               [f"贷款人 Lender: {terms.lender}", "", f"日期 Date: {terms.contract_date.isoformat()}", ""]],
              colWidths=[60 * mm, 40 * mm, 40 * mm, 34 * mm],
              style=TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 9),
                                ("LINEBELOW", (1, 0), (1, 0), 0.5, colors.black),
                                ("LINEBELOW", (3, 0), (3, 0), 0.5, colors.black),
                                ("TOPPADDING", (0, 0), (-1, -1), 8)])),
        Spacer(1, 8 * mm),
        Paragraph(f"审批 Approved by: {terms.approved_by} · 合同日期 Contract date: {terms.contract_date.isoformat()}",
                  styles["small"]),
    ]
