"""The extraction benchmark set: balanced over types and tiers, truth in the contract's normal forms."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytesseract

from loanpipe.domain.documents import FIELDS, DocType

NORMAL_FORMS = {
    "birth_date": r"\d{4}-\d{2}-\d{2}", "valid_from": r"\d{4}-\d{2}-\d{2}", "valid_until": r"\d{4}-\d{2}-\d{2}|长期",
    "employment_start": r"\d{4}-\d{2}-\d{2}", "issue_date": r"\d{4}-\d{2}-\d{2}",
    "period_start": r"\d{4}-\d{2}-\d{2}", "period_end": r"\d{4}-\d{2}-\d{2}",
    "monthly_income": r"\d+\.\d{2}", "opening_balance": r"\d+\.\d{2}", "closing_balance": r"\d+\.\d{2}",
    "sex": "男|女", "id_number": r"\d{17}[\dX]", "account_number": r"\d{16,19}",
}


def test_the_set_is_balanced_over_document_types_and_tiers(document_set):
    out, documents = document_set
    cells = Counter((document.doc_type, document.tier) for document in documents)
    assert len(cells) == 4 * 3
    assert set(cells.values()) == {2}
    statement_formats = {document.format for document in documents if document.doc_type == "bank_statement"}
    assert statement_formats == {"pdf_text", "pdf_image", "jpg"}


def test_the_manifest_lists_every_file_with_truth_in_normal_form(document_set):
    out, documents = document_set
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [entry["file"] for entry in manifest["documents"]] == [document.path.name for document in documents]
    for entry in manifest["documents"]:
        assert (out / entry["file"]).is_file()
        names = FIELDS[DocType(entry["doc_type"])]
        missing = set(names) - set(entry["fields"])
        # only a photographed first page of a statement lacks the closing balance
        assert missing <= ({"closing_balance"} if entry["doc_type"] == "bank_statement" else set())
        for name, value in entry["fields"].items():
            assert name in names
            if name in NORMAL_FORMS:
                assert re.fullmatch(NORMAL_FORMS[name], value), (entry["file"], name, value)
        for row in entry["transactions"]:
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["date"])
            assert re.fullmatch(r"-?\d+\.\d{2}", row["amount"]) and re.fullmatch(r"\d+\.\d{2}", row["balance"])


def test_tesseract_reads_the_key_numbers_of_clean_scans(document_set):
    # Given the clean-tier card fronts and income certificates
    out, documents = document_set
    scans = [document for document in documents
             if document.tier == "clean" and document.doc_type in ("id_card_front", "income_certificate")]
    assert len(scans) == 4
    for document in scans:
        # When Tesseract reads them (chi_sim+eng, as the brief asks)
        text = "".join(pytesseract.image_to_string(str(document.path), lang="chi_sim+eng").split())
        # Then the ID number comes out exactly
        assert document.fields["id_number"] in text, document.path.name
