"""Fraud signals: the same picture in another application, editing software, the same ID number in
another officer's open application, the applicant's phone being an officer's.

The only side effect of validation lives here: the case's image hashes are recorded in the image index.
"""

from __future__ import annotations

import hashlib

from loanpipe.domain.case import ApplicationCase, CaseDocument
from loanpipe.domain.documents import DocType
from loanpipe.domain.idnumber import normalize_id_number
from loanpipe.policy.model import FraudRules
from loanpipe.validation.checks.fields import LABEL, usable
from loanpipe.validation.checks.log import CheckLog
from loanpipe.validation.ports import ImageIndex, ImageMatch, OfficerDirectory, OpenApplications, hamming

# Fields that tell two documents of one template apart (hashed before they are stored in the image index).
_CONTENT_FIELDS: dict[DocType, tuple[str, ...]] = {
    DocType.ID_CARD_FRONT: ("id_number", "name"),
    DocType.ID_CARD_BACK: ("valid_from", "valid_until", "issuing_authority"),
    DocType.INCOME_CERTIFICATE: ("id_number", "name", "monthly_income", "issue_date"),
    DocType.BANK_STATEMENT: ("account_number", "period_start", "period_end", "closing_balance"),
}
# The picture's 256-bit detail hash travels in the content under this key (compared by distance, not equality).
PICTURE = "picture"
# Bits (of 256) within which two detail hashes are one picture when one side's text was not read, so the
# pictures alone decide. Measured on ID cards: a reused file 0 bits; two people's cards of one template at
# least 10 apart (dev set) and 4 apart (the project's generator, whose emblem sides differ in a few
# characters only); a picture re-compressed at JPEG 60 and 70 % size moves up to 12-26 bits, so such a copy
# is caught by what it says (both texts read), not by this distance.
DETAIL_MAX_DISTANCE = 2
# The other applications a duplicate flags: the newest ones only. The older ones were flagged when the newer were
# validated, each finding the same picture; flagging all of them again made one picture reused a thousand times
# cost each validation a thousand writes (the load run's validations timed out on it).
MAX_CROSS_FLAGS = 10


def check_images(log: CheckLog, case: ApplicationCase, rules: FraudRules, image_index: ImageIndex) -> set[str]:
    """Duplicate pictures (recording this case's in the index), then editing software; returns the other
    applications the duplicates were found in (to flag them too)."""
    flagged = _check_duplicates(log, case, rules, image_index)
    _check_software(log, case.documents, rules.editing_software)
    return flagged


def check_concurrent_applications(log: CheckLog, case: ApplicationCase, card_number: str | None,
                                  open_applications: OpenApplications) -> None:
    """The declared or the card's ID number in an open application of another officer."""
    numbers = {n for n in (normalize_id_number(case.declared.applicant.id_number), card_number) if n}
    officer = case.declared.capture.officer_id
    others = {}
    for number in numbers:
        for application in open_applications.with_id_number(number):
            if application.application_id != case.application_id:
                others[application.application_id] = application
    foreign = [a for a in others.values() if a.officer_id != officer]
    if foreign:
        listing = ", ".join(f"{a.application_id} (officer {a.officer_id})" for a in foreign[:3])
        log.failed("concurrent_applications", "concurrent_application",
                   f"same ID number in open application(s) by other officers: {listing}")
    elif others:
        log.passed("concurrent_applications", f"{len(others)} other open application(s), same officer")
    else:
        log.passed("concurrent_applications", "no other open application with this ID number")


def check_applicant_phone(log: CheckLog, case: ApplicationCase, officer_directory: OfficerDirectory) -> None:
    officer = officer_directory.officer_with_phone(case.declared.applicant.phone)
    if officer is not None:
        log.failed("applicant_phone", "phone_matches_officer",
                   f"the applicant's phone is the registered phone of officer {officer}")
    else:
        log.passed("applicant_phone", "the applicant's phone is no officer's")


def content_keys(document: CaseDocument) -> dict[str, str] | None:
    """Hashed key fields of what a document says, and its picture's detail hash (``PICTURE``); None when
    neither is known. Only confidently read values count: an OCR slip must not hide a reuse."""
    keys = {}
    fields = document.extraction.fields if document.extraction is not None else {}
    for name in _CONTENT_FIELDS.get(document.doc_type, ()):
        field = fields.get(name)
        if field is None or not field.value or field.confidence < 0.8:
            continue
        text = "".join(field.value.split()).upper()
        keys[name] = hashlib.sha256(f"loanpipe:content:{name}:{text}".encode()).hexdigest()[:24]
    if document.evidence is not None and document.evidence.detail_hash:
        keys[PICTURE] = document.evidence.detail_hash
    return keys or None


def contents_differ(mine: dict[str, str] | None, theirs: dict[str, str] | None) -> bool:
    """True when both pictures were read and a key field known on both sides says something else."""
    if not mine or not theirs:
        return False
    return any(mine[name] != theirs[name] for name in (mine.keys() & theirs.keys()) - {PICTURE})


def same_picture(mine: dict[str, str] | None, match: ImageMatch, unread_distance: int) -> bool:
    """A near match (64-bit hashes within the policy's distance) is the same picture when:
    - both texts were read and no key field known on both sides differs; or
    - one side's text was not read, and the pictures alone are near-identical: the 64-bit hashes within
      ``unread_distance`` and, where both carry one, the detail hashes within ``DETAIL_MAX_DISTANCE`` (two
      people's cards of one template lie a few bits apart in the 64-bit hash, more in the detail hash)."""
    theirs = match.content
    if contents_differ(mine, theirs):
        return False
    if _text_keys(mine) and _text_keys(theirs):
        return True
    if match.distance > unread_distance:
        return False
    if mine and theirs and PICTURE in mine and PICTURE in theirs and len(mine[PICTURE]) == len(theirs[PICTURE]):
        return hamming(mine[PICTURE], theirs[PICTURE]) <= DETAIL_MAX_DISTANCE
    return True


def _text_keys(content: dict[str, str] | None) -> set[str]:
    return set(content or {}) - {PICTURE}


def _check_duplicates(log: CheckLog, case: ApplicationCase, rules: FraudRules, image_index: ImageIndex) -> set[str]:
    officer = case.declared.capture.officer_id
    hashed = [d for d in case.documents if d.evidence is not None and d.evidence.phash]
    unhashed = [d for d in case.documents if usable(d) and (d.evidence is None or not d.evidence.phash)]
    contents = {document.document_id: content_keys(document) for document in hashed}
    for document in hashed:
        recorded_at = document.evidence.received_at or case.received_at or case.clock
        image_index.record(case.application_id, document.document_id, document.evidence.phash, officer,
                           recorded_at, contents[document.document_id])
    distance = rules.duplicate_max_distance
    unread_distance = min(distance, rules.duplicate_max_distance_unread)
    flagged: set[str] = set()
    duplicates = False
    for document in hashed:
        mine = contents[document.document_id]
        matches = [m for m in image_index.find_near(document.evidence.phash, distance)
                   if m.application_id != case.application_id and same_picture(mine, m, unread_distance)]
        if matches:
            duplicates = True
            newest = sorted(matches, key=lambda m: (m.recorded_at, m.application_id))[-MAX_CROSS_FLAGS:]
            flagged.update(match.application_id for match in newest)
            log.failed("duplicate_images", "duplicate_image",
                       f"{LABEL[document.doc_type]}: {_matches_text(matches)}", document)
    if unhashed:
        log.not_run("duplicate_images", f"no image hash for {', '.join(LABEL[d.doc_type] for d in unhashed)}")
    elif not duplicates:
        log.passed("duplicate_images", f"{len(hashed)} image(s), none seen in another application")
    return flagged


def _check_software(log: CheckLog, documents: list[CaseDocument], editors: list[str]) -> None:
    edited = False
    for document in documents:
        software = document.evidence.software if document.evidence else None
        if software and any(editor.lower() in software.lower() for editor in editors):
            edited = True
            log.failed("image_software", "image_edited",
                       f"{LABEL[document.doc_type]}: metadata names {software[:60]!r}", document)
    if not edited:
        log.passed("image_software", "no image names editing software")


def _matches_text(matches: list[ImageMatch]) -> str:
    shown = "; ".join(f"application {m.application_id} (officer {m.officer_id}, {m.distance} bits apart)"
                      for m in matches[:3])
    return f"same picture as in {shown}{' ...' if len(matches) > 3 else ''}"
