"""The audit trail: one entry per transition or human action, written with the transition itself.

The trail of an application proves itself: it is append-only and hash-chained. Entry ``n`` (``seq``, from 1)
carries ``prev_hash``, the hash of entry ``n - 1`` (for the first entry, a genesis hash bound to the
application id, so entries cannot be moved to another application's trail), and ``hash``, the SHA-256 of the
entry's canonical JSON (every field but ``hash``, keys sorted, no whitespace). The application item keeps the
head (``AuditHead``: the last hash and the count) and is written in the same transaction as the entries, so
removing or rewriting entries afterwards leaves a trail that no longer ends at the head.

``chain`` is what a repository calls before it writes; ``verify_chain`` says which entry was edited, removed or
reordered. What the chain cannot catch is a writer who rewrites the entries *and* the head on the application
item together: the head is kept beside the data it protects (anchoring it elsewhere is the next step).

Erasure (PIPL) without breaking the chain: an entry's ``detail`` carries personal free text only under
``PERSONAL_DETAIL_KEYS`` (a reviewer's note, the officer's retake message, the masked phone a code went to),
and an entry of ``form`` 2 (every entry written now) is hashed with each such value replaced by its *seal*,
``{"erased": SHA-256(salt, value)}``, under a random salt kept in the head on the application item. Erasing an
application replaces those values by their seals (``redact_entry``): the stored entry changes, its hash does
not, and the trail still verifies; then the salt is replaced, so no seal can be matched to a guessed value.
Entries of form 1 (written before) hash their plain JSON and hold no personal text.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

PERSONAL_DETAIL_KEYS = frozenset({"note", "message", "sent_to"})


class AuditEntry(BaseModel):
    at: datetime
    actor: str  # "system:<stage>" or the user name of an officer / reviewer / admin
    action: str  # e.g. "application.created", "document.extracted", "review.approved"
    from_state: str | None = None
    to_state: str | None = None
    document_id: str | None = None
    detail: dict = Field(default_factory=dict)  # never personal data: reason codes, ids, counts
    # The chain, set by the repository when the entry is written (None on an entry not yet written).
    seq: int | None = None
    prev_hash: str | None = None
    hash: str | None = None
    form: int = 1  # 2: personal detail values are hashed through their seals (set by ``chain``)


class AuditHead(BaseModel):
    """The end of an application's trail, kept on the application item: the last entry's hash and the count,
    and the salt of the seals of personal detail values (replaced when the application is erased)."""

    hash: str | None = None
    count: int = Field(default=0, ge=0)
    salt: str | None = None


def genesis_hash(application_id: str) -> str:
    """The ``prev_hash`` of an application's first entry."""
    return hashlib.sha256(f"loanpipe:audit:{application_id}".encode()).hexdigest()


def seal(value: object, salt: str | None) -> str:
    """The seal of a personal detail value: its digest under the trail's salt (an erased value is its seal)."""
    if isinstance(value, dict) and set(value) == {"erased"}:
        return str(value["erased"])
    if salt is None:
        raise ValueError("a personal detail value is hashed under the trail's salt, and none was given")
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{salt}\n{text}".encode()).hexdigest()


def entry_hash(entry: AuditEntry, salt: str | None = None) -> str:
    """SHA-256 of the entry's canonical JSON (``hash`` left out; ``seq`` and ``prev_hash`` in; for form 2,
    personal detail values as their seals under ``salt``).

    The JSON is taken from the entry as it is stored and parsed back, so an entry read from the table hashes
    exactly as it did when it was written."""
    stored = json.loads(entry.model_dump_json(exclude={"hash", "form"} if entry.form == 1 else {"hash"}))
    if entry.form >= 2:
        detail = stored.get("detail") or {}
        for key in PERSONAL_DETAIL_KEYS & set(detail):
            detail[key] = {"erased": seal(detail[key], salt)}
    canonical = json.dumps(stored, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def chain(application_id: str, head: AuditHead, entries: list[AuditEntry]) -> tuple[list[AuditEntry], AuditHead]:
    """``entries`` appended after ``head``: copies carrying ``seq``, ``prev_hash`` and ``hash``, and the new head
    (with a salt for the seals: the head's, or a new one for a trail that has none yet)."""
    previous = head.hash or genesis_hash(application_id)
    salt = head.salt or secrets.token_hex(16)
    chained = []
    for offset, entry in enumerate(entries, 1):
        linked = entry.model_copy(update={"seq": head.count + offset, "prev_hash": previous, "hash": None, "form": 2})
        linked = linked.model_copy(update={"hash": entry_hash(linked, salt)})
        chained.append(linked)
        previous = linked.hash or previous
    return chained, AuditHead(hash=previous if chained else head.hash, count=head.count + len(chained), salt=salt)


def redact_entry(entry: AuditEntry, salt: str | None) -> AuditEntry:
    """The entry with its personal detail values replaced by their seals: the same hash, nothing personal.
    An entry of form 1 is returned as it is (it was written without seals: redacting it would break it)."""
    if entry.form < 2 or not PERSONAL_DETAIL_KEYS & set(entry.detail):
        return entry
    detail = {key: ({"erased": seal(value, salt)} if key in PERSONAL_DETAIL_KEYS else value)
              for key, value in entry.detail.items()}
    return entry.model_copy(update={"detail": detail})


Problem = Literal["edited", "removed", "reordered", "head mismatch"]


class ChainProblem(BaseModel):
    seq: int
    what: Problem
    message: str


class ChainReport(BaseModel):
    """What ``verify_chain`` found: ``ok`` when the trail is whole and ends at the head."""

    ok: bool
    entries: int
    head: str | None
    problems: list[ChainProblem] = Field(default_factory=list)


def verify_chain(application_id: str, entries: list[AuditEntry], head: AuditHead) -> ChainReport:
    """Check a trail as stored (in storage order) against the head kept on the application.

    - **edited**: an entry's content no longer hashes to its ``hash``, or its hash was recomputed after an
      edit (the next entry, or the head, still names the old one);
    - **removed**: a ``seq`` is missing (in the middle, or at the end: fewer entries than the head counts);
    - **reordered**: an entry is stored before one that precedes it in the chain;
    - **head mismatch**: more entries than the head counts (appended outside the application's transaction).
    """
    by_seq: dict[int, AuditEntry] = {}
    for entry in entries:
        if entry.seq is not None:
            by_seq.setdefault(entry.seq, entry)
    problems: list[ChainProblem] = []
    highest = 0
    for position, entry in enumerate(entries, 1):
        seq = entry.seq if entry.seq is not None else position
        sound = entry.seq is not None and entry.hash is not None and _hashes(entry, head.salt)
        if not sound:
            problems.append(ChainProblem(seq=seq, what="edited",
                                         message=f"entry {seq} ({entry.action}) does not match its hash"))
        problems += _placement(seq, highest, by_seq)
        highest = max(highest, seq)
        if sound:
            problems += _link(application_id, entry, seq, by_seq)
    problems += _end(head, by_seq)
    unique = {(problem.seq, problem.what): problem for problem in problems}
    ordered = sorted(unique.values(), key=lambda problem: (problem.seq, problem.what))
    return ChainReport(ok=not ordered, entries=len(entries), head=head.hash, problems=ordered)


def _hashes(entry: AuditEntry, salt: str | None) -> bool:
    try:
        return entry_hash(entry, salt) == entry.hash
    except ValueError:  # personal text but no salt to seal it with: it cannot be the entry that was written
        return False


def _placement(seq: int, highest: int, by_seq: dict[int, AuditEntry]) -> list[ChainProblem]:
    """An entry stored after a later one is reordered; a gap no later entry fills is a removal."""
    if seq <= highest:
        return [ChainProblem(seq=seq, what="reordered", message=f"entry {seq} is stored after entry {highest}")]
    gaps = range(highest + 1, seq)
    if any(gap in by_seq for gap in gaps):
        first = next(gap for gap in gaps if gap in by_seq)
        return [ChainProblem(seq=seq, what="reordered", message=f"entry {seq} is stored before entry {first}")]
    return [ChainProblem(seq=gap, what="removed", message=f"entry {gap} is missing") for gap in gaps]


def _link(application_id: str, entry: AuditEntry, seq: int, by_seq: dict[int, AuditEntry]) -> list[ChainProblem]:
    """A sound entry names its predecessor's hash; when it names another, the predecessor was rewritten."""
    expected: str | None
    if seq == 1:
        expected = genesis_hash(application_id)
    elif seq - 1 in by_seq:
        expected = by_seq[seq - 1].hash
    else:
        return []  # its predecessor is missing: reported as removed
    if entry.prev_hash == expected:
        return []
    if seq == 1:
        return [ChainProblem(seq=1, what="edited", message="entry 1 does not start this application's trail")]
    return [ChainProblem(seq=seq - 1, what="edited",
                         message=f"entry {seq - 1} was rewritten: entry {seq} names another hash")]


def _end(head: AuditHead, by_seq: dict[int, AuditEntry]) -> list[ChainProblem]:
    """The trail must end at the head: as many entries as it counts, the last one's hash its hash."""
    last_seq = max(by_seq, default=0)
    if head.count > last_seq:
        return [ChainProblem(seq=gap, what="removed", message=f"entry {gap} is missing (the head counts {head.count})")
                for gap in range(last_seq + 1, head.count + 1)]
    if head.count < last_seq:
        return [ChainProblem(seq=last_seq, what="head mismatch",
                             message=f"{last_seq} entries but the application's head counts {head.count}")]
    if last_seq and by_seq[last_seq].hash != head.hash:
        return [ChainProblem(seq=last_seq, what="edited",
                             message=f"entry {last_seq} was rewritten: the application's head names another hash")]
    return []
