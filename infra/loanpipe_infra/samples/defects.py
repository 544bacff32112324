"""The defects the generator can plant (reason codes of loanpipe.domain.reasons) and the decision each implies."""

from __future__ import annotations

from collections.abc import Iterable

DEFECTS: tuple[str, ...] = (
    "name_mismatch",
    "id_number_mismatch",
    "birth_date_mismatch",
    "sex_mismatch",
    "id_checksum_invalid",
    "id_expired",
    "income_mismatch",
    "employer_mismatch",
    "statement_balance_inconsistent",
    "statement_stale",
    "statement_period_short",
    "certificate_stale",
    "image_edited",
    "duplicate_image",
    "capture_location_spread",
    "age_out_of_range",
    "ltv_exceeded",
    "dti_exceeded",
    "document_missing",
    "document_unreadable",
)
# Knock-outs of the shipped credit policy decline on their own; every other defect sends the application to a
# reviewer. A wrong ID check character is not one: OCR can misread a digit, so a person looks at the card.
KNOCKOUTS = frozenset({"id_expired", "age_out_of_range", "ltv_exceeded", "dti_exceeded"})
CLEAN = "clean"


def expected_decision(defects: Iterable[str]) -> str:
    """approve for a clean application, decline when any knock-out is planted, review otherwise."""
    planted = set(defects)
    if planted & KNOCKOUTS:
        return "decline"
    if planted:
        return "review"
    return "approve"


def parse_codes(entry: str) -> list[str]:
    """``"clean"`` -> [], ``"name_mismatch+income_mismatch"`` -> both; unknown codes are refused."""
    if entry in ("", CLEAN):
        return []
    codes = [code.strip() for code in entry.split("+") if code.strip()]
    unknown = [code for code in codes if code not in DEFECTS]
    if unknown:
        raise ValueError(f"unknown defect code(s) {unknown}; known: {', '.join(DEFECTS)}")
    return codes
