"""The naive baseline the extraction stage is measured against: the whole file through
``tesseract -l chi_sim+eng`` (default settings, no preprocessing; PDF pages rasterised at 200 dpi), then
label regexes over the text. What a competent engineer writes in an hour; it knows the document type
(no classification) and reads no PDF text layer."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from loanpipe.extraction.normalize import find_dates, halfwidth, parse_amount

TESSERACT = "tesseract"


def _tesseract(path: Path) -> str:
    done = subprocess.run([TESSERACT, str(path), "stdout", "-l", "chi_sim+eng"], capture_output=True, check=False,
                          timeout=300)
    return done.stdout.decode("utf-8", "replace")


def ocr_file(path: Path) -> str:
    """Full-page Tesseract text of an image, or of every page of a PDF rendered at 200 dpi."""
    if path.suffix.lower() != ".pdf":
        return _tesseract(path)
    import pypdfium2 as pdfium

    texts = []
    document = pdfium.PdfDocument(path.read_bytes())
    try:
        with tempfile.TemporaryDirectory() as folder:
            for index in range(len(document)):
                page = document[index]
                image = page.render(scale=200 / 72).to_pil()
                page.close()
                target = Path(folder) / f"page{index}.png"
                image.save(target)
                texts.append(_tesseract(target))
    finally:
        document.close()
    return "\n".join(texts)


def _squeeze(text: str) -> str:
    text = halfwidth(text)
    return re.sub(r"(?<=[\u3400-\u9fff])[ \t]+(?=[\u3400-\u9fff])", "", text)


def _after(pattern: str, text: str) -> str | None:
    match = re.search(pattern, text)
    return match.group(1).strip() if match else None


def _date(text: str | None) -> str | None:
    dates = find_dates(text or "")
    return dates[0].isoformat() if dates else None


def _money(text: str | None) -> str | None:
    value = parse_amount(text)
    return f"{value:.2f}" if value is not None else None


def parse_fields(doc_type: str, raw: str) -> tuple[dict[str, str | None], list[dict[str, str]]]:
    text = _squeeze(raw)
    flat = re.sub(r"\s+", "", text)
    fields: dict[str, str | None] = {}
    transactions: list[dict[str, str]] = []
    if doc_type == "id_card_front":
        fields["name"] = _after(r"姓\s*名\s*(\S+)", text)
        fields["sex"] = _after(r"性\s*别\s*(男|女)", text)
        fields["ethnicity"] = _after(r"民\s*族\s*(\S+)", text)
        fields["birth_date"] = _date(_after(r"出\s*生\s*(.+)", text))
        address = _after(r"住\s*址\s*(.+?)公民", flat)
        fields["address"] = address
        fields["id_number"] = _after(r"(\d{17}[\dXx])", flat)
    elif doc_type == "id_card_back":
        fields["issuing_authority"] = _after(r"签发机关\s*(\S+)", text)
        validity = _after(r"有效期限\s*(.+)", text) or ""
        dates = find_dates(validity)
        fields["valid_from"] = dates[0].isoformat() if dates else None
        fields["valid_until"] = dates[1].isoformat() if len(dates) > 1 else ("长期" if "长期" in validity else None)
    elif doc_type == "income_certificate":
        fields["name"] = _after(r"(?:姓名|兹证明|员工)([\u3400-\u9fff]{2,4}?)(?:同志|[(（，,]|性别)", flat)
        fields["id_number"] = _after(r"(\d{17}[\dXx])", flat)
        fields["employer"] = _after(r"(?:单位名称|工作单位)(?:[(（]盖章[)）])?[:：]?([\u3400-\u9fff]+?公司)", flat)
        fields["position"] = _after(r"(?:现任职务|担任|现任)([\u3400-\u9fff]{2,10}?)(?:职务|一职|入职)", flat)
        fields["monthly_income"] = _money(_after(r"收入[^\d]{0,12}([\d,]+(?:\.\d+)?)", flat))
        fields["employment_start"] = _date(_after(r"(?:自|于|入职时间)(\d{4}年\d{1,2}月\d{1,2}日)", flat))
        dates = find_dates(flat)
        fields["issue_date"] = dates[-1].isoformat() if dates else None
    else:
        fields["account_holder"] = _after(r"户名[:：]?\s*([\u3400-\u9fff]{2,4})", text)
        fields["account_number"] = _after(r"账号[:：]?\s*(\d{12,25})", text)
        fields["bank_name"] = _after(r"([\u3400-\u9fff]{2,8}银行)", text)
        period = _after(r"起止日期[:：]?(.+)", text) or ""
        dates = find_dates(period)
        fields["period_start"] = dates[0].isoformat() if dates else None
        fields["period_end"] = dates[1].isoformat() if len(dates) > 1 else None
        fields["opening_balance"] = _money(_after(r"期初余额\s*([\d,]+\.\d{2})", text))
        closing = re.findall(r"期末余额\s*([\d,]+\.\d{2})", text)
        fields["closing_balance"] = _money(closing[-1]) if closing else None
        row = re.compile(r"((?:19|20)\d{2}[-/]?\d{2}[-/]?\d{2})\s+(\S+)\s+([+\-]?[\d,]+\.\d{2})\s+([\d,]+\.\d{2})"
                         r"[ \t]*([^\n]*)")
        for match in row.finditer(text):
            day = _date(match.group(1))
            if day is None:
                continue
            counterparty = re.sub(r"\s+", "", match.group(5))  # 对方户名, the rest of the line
            description = f"{match.group(2)} {counterparty}" if counterparty else match.group(2)
            transactions.append({"date": day, "description": description, "amount": _money(match.group(3)) or "",
                                 "balance": _money(match.group(4)) or ""})
    return fields, transactions


def extract_baseline(path: Path, doc_type: str) -> tuple[dict[str, str | None], list[dict[str, str]], str]:
    raw = ocr_file(path)
    fields, transactions = parse_fields(doc_type, raw)
    return fields, transactions, raw
