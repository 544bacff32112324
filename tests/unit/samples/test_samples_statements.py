"""Bank statements add up, run over six months, and a text PDF carries its text layer."""

from __future__ import annotations

import re
from decimal import Decimal

import pypdfium2 as pdfium

from .sample_checks import Folder, balance_breaks


def _folders(defect_batch, clean_batch):
    return [Folder.read(app.folder) for app in [*defect_batch, *clean_batch]]


def _pdf_text(path) -> list[str]:
    document = pdfium.PdfDocument(str(path))
    try:
        return [document[index].get_textpage().get_text_range() for index in range(len(document))]
    finally:
        document.close()


def test_the_running_balance_holds_unless_an_amount_was_edited(defect_batch, clean_batch):
    for folder in _folders(defect_batch, clean_batch):
        if not folder.truths("bank_statement"):
            continue
        # Given all rows of the statement, in page order
        rows = folder.statement_rows()
        opening = Decimal(folder.field("bank_statement", "opening_balance"))
        closing = Decimal(folder.field("bank_statement", "closing_balance"))
        edited = "statement_balance_inconsistent" in folder.truth["defects"]
        # Then each balance is the previous one plus the amount, and opening + amounts = closing;
        # with the defect exactly one row breaks the chain
        assert balance_breaks(opening, rows) == (1 if edited else 0), folder.path.name
        assert (opening + sum(Decimal(row["amount"]) for row in rows) == closing) != edited
        assert rows[-1]["balance"] == f"{closing:.2f}"


def test_a_statement_runs_over_six_months_of_everyday_banking(clean_batch):
    for application in clean_batch:
        folder = Folder.read(application.folder)
        rows = folder.statement_rows()
        months = {row["date"][:7] for row in rows}
        descriptions = {row["description"] for row in rows}
        entries = folder.truths("bank_statement")
        # several pages, seven calendar months touched, spending as well as salary
        assert sum(entry["pages"] for entry in entries) >= 2 or len(entries) >= 2
        assert len(months) >= 7
        assert any(Decimal(row["amount"]) < 0 for row in rows)
        assert descriptions & {"消费", "快捷支付", "网上支付", "银联消费"}
        assert all(Decimal(row["balance"]) >= 0 for row in rows)
        account = folder.field("bank_statement", "account_number")
        assert re.fullmatch(r"\d{16,19}", account)


def test_the_text_pdf_carries_the_holder_the_account_and_every_amount(defect_batch, clean_batch):
    checked = 0
    for folder in _folders(defect_batch, clean_batch):
        for name, entry in folder.truth["documents"].items():
            if entry["format"] != "pdf_text":
                continue
            # Given a bank-exported statement PDF
            # When its text layer is extracted with pdfium
            pages = _pdf_text(folder.path / name)
            text = "\n".join(pages)
            printed = {Decimal(number.replace(",", "")) for number in re.findall(r"[-+]?\d[\d,]*\.\d{2}", text)}
            # Then it holds the holder's name, the account number, every amount and balance as printed
            assert len(pages) == entry["pages"] >= 2
            assert f"户名：{entry['fields']['account_holder']}" in text
            assert entry["fields"]["account_number"] in text
            for row in entry["transactions"]:
                assert Decimal(row["amount"]) in printed and Decimal(row["balance"]) in printed
            assert Decimal(entry["fields"]["opening_balance"]) in printed
            checked += 1
    assert checked >= 10


def test_an_image_pdf_has_pages_but_no_text_layer(document_set):
    out, documents = document_set
    image_pdfs = [document for document in documents if document.format == "pdf_image"]
    assert image_pdfs
    for document in image_pdfs:
        pages = _pdf_text(document.path)
        assert len(pages) >= 2
        assert "".join(pages).strip() == ""
