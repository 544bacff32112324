"""The ID card (number, area, birth date, sex, expiry, validity period), the age, and the same person
(name and ID number) across the documents and the application."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from loanpipe.domain.application import Applicant
from loanpipe.domain.calendar import add_months, add_years, full_years, parse_iso_date
from loanpipe.domain.case import CaseDocument
from loanpipe.domain.idnumber import (
    FEMALE,
    MALE,
    IdNumber,
    IdNumberError,
    area_of,
    normalize_id_number,
    parse_id_number,
    validity_years,
)
from loanpipe.domain.masking import mask_id_number
from loanpipe.policy.model import Policy
from loanpipe.validation.checks.fields import confidence_of, name_key, read_date, read_text, value_of
from loanpipe.validation.checks.log import CheckLog

LONG_TERM = "长期"


@dataclass(frozen=True)
class IdCard:
    """What the ID card established: the normalised number and the birth date (the number's when read)."""

    number: str | None
    birth_date: date | None


@dataclass(frozen=True)
class Ages:
    at_application: int
    at_maturity: int


def check_id_card(log: CheckLog, front: CaseDocument | None, back: CaseDocument | None, as_of: date,
                  policy: Policy) -> IdCard:
    """ID number, area, birth date, sex, expiry and validity period."""
    number = _read_id_number(log, front)
    card_birth = read_date(log, front, "birth_date") if front else None
    if number is None:
        for check in ("id_check_digit", "id_area_code", "id_birth_date", "id_sex"):
            log.not_run(check, "no readable 18-character ID number on the ID card", front)
    else:
        _check_number(log, front, number, card_birth)
    birth_date = number.birth_date if number is not None else card_birth
    _check_id_validity(log, back, birth_date, as_of, policy.documents.id_application_lead_days)
    return IdCard(number=number.number if number is not None else None, birth_date=birth_date)


def check_age(log: CheckLog, birth_date: date | None, as_of: date, term_months: int, policy: Policy) -> Ages | None:
    """Age at application and at maturity (capture date + term) within the policy's range."""
    if birth_date is None:
        log.not_run("applicant_age", "no readable birth date")
        return None
    rules = policy.applicant
    maturity = add_months(as_of, term_months)
    ages = Ages(at_application=full_years(birth_date, as_of), at_maturity=full_years(birth_date, maturity))
    if ages.at_application < rules.min_age_at_application:
        log.failed("applicant_age", "age_out_of_range",
                   f"{ages.at_application} at application, policy minimum {rules.min_age_at_application}")
    elif ages.at_maturity > rules.max_age_at_maturity:
        log.failed("applicant_age", "age_out_of_range",
                   f"{ages.at_maturity} at maturity ({maturity.isoformat()}), policy maximum "
                   f"{rules.max_age_at_maturity}")
    else:
        log.passed("applicant_age", f"{ages.at_application} at application, {ages.at_maturity} at maturity")
    return ages


def check_same_person(log: CheckLog, declared: Applicant, front: CaseDocument | None,
                      certificate: CaseDocument | None, statements: list[CaseDocument],
                      card_number: str | None, *, threshold: float = 0.0) -> None:
    """The same name, then the same ID number, on every document that carries one and the application.
    ``threshold``: the policy's confidence threshold (a name read below it is an unsure reading)."""
    _check_same_name(log, declared, front, certificate, statements, threshold)
    _check_same_id_number(log, declared, certificate, card_number)


# ---------------------------------------------------------------- the ID card


def _read_id_number(log: CheckLog, front: CaseDocument | None) -> IdNumber | None:
    text = read_text(log, front, "id_number") if front else None
    if front is None or text is None:
        return None
    try:
        return parse_id_number(text)
    except IdNumberError as exc:
        if exc.kind == "legacy":
            log.failed("id_number_format", "id_legacy_number", str(exc), front)
        else:
            log.field_missing(front, "id_number", "is not an ID number")
        return None


def _check_number(log: CheckLog, front: CaseDocument | None, number: IdNumber, card_birth: date | None) -> None:
    """The number's check character and area, and the card's birth date and sex against the number."""
    masked = mask_id_number(number.number)
    if number.check_digit_ok:
        log.passed("id_check_digit", f"{masked} passes the GB 11643 check", front)
    else:
        log.failed("id_check_digit", "id_checksum_invalid", f"{masked} fails the GB 11643 check character", front)
    area = area_of(number.area_code)
    if area is None:
        log.failed("id_area_code", "id_area_unknown",
                   f"area code {number.area_code[:4]}.. is in no GB/T 2260 revision", front)
    else:
        log.passed("id_area_code", f"{area.province} {area.prefecture or ''}".strip(), front)
    if card_birth is None:
        log.not_run("id_birth_date", "the card's birth date is unreadable", front)
    elif card_birth != number.birth_date:
        log.failed("id_birth_date", "birth_date_mismatch",
                   f"card shows {card_birth.isoformat()}, the ID number {number.birth_date.isoformat()}", front)
    else:
        log.passed("id_birth_date", "card birth date matches the ID number", front)
    _check_sex(log, front, number)


def _check_sex(log: CheckLog, front: CaseDocument | None, number: IdNumber) -> None:
    sex = read_text(log, front, "sex")
    if sex is None:
        log.not_run("id_sex", "the card's sex is unreadable", front)
    elif sex not in (MALE, FEMALE):
        log.field_missing(front, "sex", "is neither 男 nor 女")
        log.not_run("id_sex", "the card's sex is unreadable", front)
    elif sex != number.sex:
        log.failed("id_sex", "sex_mismatch", f"card shows {sex}, the ID number {number.sex}", front)
    else:
        log.passed("id_sex", "card sex matches the ID number", front)


def _check_id_validity(log: CheckLog, back: CaseDocument | None, birth_date: date | None, as_of: date,
                       lead_days: int) -> None:
    """The back of the card: not expired at the capture, and a validity period that fits the age at issue."""
    valid_from = read_date(log, back, "valid_from") if back else None
    until_text = read_text(log, back, "valid_until") if back else None
    valid_until: date | None = None
    if until_text is not None and until_text != LONG_TERM:
        valid_until = parse_iso_date(until_text)
        if valid_until is None:
            log.field_missing(back, "valid_until", "is neither a date nor 长期")
    long_term = until_text == LONG_TERM
    if long_term:
        log.passed("id_not_expired", "valid long-term (长期)", back)
    elif valid_until is None:
        log.not_run("id_not_expired", "no readable expiry date", back)
    elif valid_until < as_of:
        log.failed("id_not_expired", "id_expired",
                   f"expired {valid_until.isoformat()}, captured {as_of.isoformat()}", back)
    else:
        log.passed("id_not_expired", f"valid until {valid_until.isoformat()}", back)
    if valid_from is None or birth_date is None or (valid_until is None and not long_term):
        log.not_run("id_validity_period", "needs the issue date, expiry and birth date", back)
        return
    _check_validity_period(log, back, valid_from, valid_until, birth_date, as_of, lead_days)


def _check_validity_period(log: CheckLog, back: CaseDocument | None, valid_from: date, valid_until: date | None,
                           birth_date: date, as_of: date, lead_days: int) -> None:
    """The validity period is the one ``validity_years`` gives for the holder's age at issue or ``lead_days``
    earlier (when the card was applied for); ``valid_until`` None is long-term (长期)."""
    if valid_from > as_of:
        log.failed("id_validity_period", "document_dated_after_capture",
                   f"ID card issued {valid_from.isoformat()}, after the capture", back)
        return
    if valid_from < birth_date:
        log.failed("id_validity_period", "id_validity_inconsistent", "ID card issued before its holder's birth",
                   back)
        return
    lead = timedelta(days=lead_days)
    allowed = {validity_years(full_years(birth_date, day)) for day in (valid_from - lead, valid_from)}
    actual = None if valid_until is None else _whole_years(valid_from, valid_until)
    if actual in allowed:
        log.passed("id_validity_period", f"{_years_text(actual)} validity fits the age at issue", back)
    else:
        age = full_years(birth_date, valid_from)
        expected = " or ".join(sorted(_years_text(y) for y in allowed))
        log.failed("id_validity_period", "id_validity_inconsistent",
                   f"{_years_text(actual)} validity, but the holder was {age} at issue: {expected} expected", back)


def _whole_years(start: date, end: date) -> int | str:
    years = end.year - start.year
    if add_years(start, years) == end or (start.month == 2 and start.day == 29 and end == date(end.year, 3, 1)):
        return years
    return "irregular"


def _years_text(years: int | str | None) -> str:
    if years is None:
        return "long-term (长期)"
    if isinstance(years, str):
        return "an irregular"
    return f"{years}-year"


# ---------------------------------------------------------------- the same person


def _check_same_name(log: CheckLog, declared: Applicant, front: CaseDocument | None,
                     certificate: CaseDocument | None, statements: list[CaseDocument], threshold: float) -> None:
    """Every name read against the first one read surely (the application's at the latest).

    A name read below the threshold one character away from it (卞 read as 卡, a character dropped) is a
    misreading as likely as another name: it is not called a different name (field_confidence already
    sends it to a reader as low_confidence). Read surely, one character is another name."""
    names: list[tuple[str, str | None, bool]] = [
        ("ID card", value_of(front, "name"), confidence_of(front, "name") >= threshold),
        ("income certificate", value_of(certificate, "name"), confidence_of(certificate, "name") >= threshold)]
    for index, statement in enumerate(statements, 1):
        label = "bank statement" if len(statements) == 1 else f"bank statement {index}"
        names.append((label, value_of(statement, "account_holder"),
                      confidence_of(statement, "account_holder") >= threshold))
    names.append(("application", declared.name, True))
    known = [(label, name_key(value), sure) for label, value, sure in names if value]
    reference_label, reference, _ = next(name for name in known if name[2])
    differing = [label for label, value, sure in known
                 if value != reference and (sure or not _one_character_apart(value, reference))]
    unsure = [label for label, value, _ in known if value != reference and label not in differing]
    if differing:
        log.failed("same_name", "name_mismatch", f"name on {', '.join(differing)} differs from the {reference_label}")
    elif len(known) < 2:
        log.not_run("same_name", "fewer than two readable names")
    elif unsure:
        log.not_run("same_name", f"name on {', '.join(unsure)} read unsurely, one character from the "
                    f"{reference_label}'s: a reader compares them")
    else:
        log.passed("same_name", f"same name on {len(known)} sources")


def _one_character_apart(first: str, second: str) -> bool:
    """One character read as another, or one dropped or added."""
    if len(first) == len(second):
        return sum(a != b for a, b in zip(first, second, strict=True)) <= 1
    shorter, longer = sorted((first, second), key=len)
    return len(longer) - len(shorter) == 1 and any(longer[:i] + longer[i + 1:] == shorter for i in range(len(longer)))


def _check_same_id_number(log: CheckLog, declared: Applicant, certificate: CaseDocument | None,
                          card_number: str | None) -> None:
    numbers: list[tuple[str, str | None]] = [("ID card", card_number)]
    certificate_text = value_of(certificate, "id_number")
    certificate_number = normalize_id_number(certificate_text)
    if certificate is not None and certificate_text and certificate_number is None:
        log.field_missing(certificate, "id_number", "is not an ID number")
    numbers.append(("income certificate", certificate_number))
    declared_number = normalize_id_number(declared.id_number)
    if declared_number is None:
        log.failed("same_id_number", "field_missing", "the application's ID number is not an ID number")
    numbers.append(("application", declared_number))
    known = [(label, value) for label, value in numbers if value]
    if len(known) < 2:
        log.not_run("same_id_number", "fewer than two readable ID numbers")
        return
    reference_label, reference = known[0]
    differing = [label for label, value in known[1:] if value != reference]
    if differing:
        log.failed("same_id_number", "id_number_mismatch",
                   f"ID number on {', '.join(differing)} differs from the {reference_label}'s "
                   f"({mask_id_number(reference)})")
    else:
        log.passed("same_id_number", f"same ID number on {len(known)} sources")
