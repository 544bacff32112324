"""The audit trail proves itself: written through the repository it is hash-chained with its head on the
application, and ``verify_chain`` names what was done to it afterwards (the in-memory repository's stored list
plays the table someone edits)."""

from __future__ import annotations

import json

import pytest

from backbone.test_stages import DECLARED, OFFICER
from loanpipe.domain.application import read_declared
from loanpipe.domain.audit import AuditEntry, entry_hash, genesis_hash
from loanpipe.domain.records import utcnow
from loanpipe.service.audit_trail import verify_trail
from loanpipe.service.intake import create_application
from loanpipe.service.transitions import Change, apply_change
from testkit.fakes import InMemoryApplicationRepository


@pytest.fixture
def trail() -> tuple[InMemoryApplicationRepository, str]:
    """An application with five audit entries: created, then four reviewer actions."""
    repo = InMemoryApplicationRepository()
    app_id = create_application(repo, OFFICER, read_declared(DECLARED)).application_id
    for n in range(4):
        apply_change(repo, app_id, lambda record, n=n: Change(audit=[
            AuditEntry(at=utcnow(), actor="r1", action="personal_data.revealed", detail={"what": f"view {n}"})]))
    return repo, app_id


def _problems(repo, app_id) -> list[tuple[int, str]]:
    return [(problem.seq, problem.what) for problem in verify_trail(repo, app_id).problems]


def test_every_write_extends_the_chain_and_moves_the_head_on_the_application(trail):
    repo, app_id = trail
    entries = repo.audit_trail(app_id)
    assert [entry.seq for entry in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == genesis_hash(app_id)
    assert all(entry.hash == entry_hash(entry) for entry in entries)
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(entries, entries[1:], strict=False))
    head = repo.get(app_id).audit_head
    assert (head.hash, head.count) == (entries[-1].hash, 5)
    report = verify_trail(repo, app_id)
    assert (report.ok, report.entries, report.head, report.problems) == (True, 5, head.hash, [])


def test_an_edited_entry_is_named(trail):
    repo, app_id = trail
    stored = repo.stored_audit(app_id)
    stored[2] = stored[2].model_copy(update={"actor": "r9"})  # who did it, rewritten
    assert _problems(repo, app_id) == [(3, "edited")]


def test_an_entry_edited_with_a_fresh_hash_is_named_by_the_entry_after_it(trail):
    repo, app_id = trail
    stored = repo.stored_audit(app_id)
    forged = stored[1].model_copy(update={"detail": {"what": "nothing"}})
    stored[1] = forged.model_copy(update={"hash": entry_hash(forged)})
    assert _problems(repo, app_id) == [(2, "edited")]


def test_a_removed_entry_is_named(trail):
    repo, app_id = trail
    del repo.stored_audit(app_id)[2]
    assert _problems(repo, app_id) == [(3, "removed")]


def test_the_last_entry_removed_is_named_by_the_head_on_the_application(trail):
    repo, app_id = trail
    repo.stored_audit(app_id).pop()
    assert _problems(repo, app_id) == [(5, "removed")]


def test_reordered_entries_are_named(trail):
    repo, app_id = trail
    stored = repo.stored_audit(app_id)
    stored[1], stored[3] = stored[3], stored[1]
    problems = _problems(repo, app_id)
    assert {what for _, what in problems} == {"reordered"} and {2, 4} <= {seq for seq, _ in problems}


def test_an_entry_slipped_in_outside_the_transaction_is_a_head_mismatch(trail):
    repo, app_id = trail
    stored = repo.stored_audit(app_id)
    extra = AuditEntry(at=utcnow(), actor="r9", action="review.approved", seq=6, prev_hash=stored[-1].hash)
    stored.append(extra.model_copy(update={"hash": entry_hash(extra)}))
    assert _problems(repo, app_id) == [(6, "head mismatch")]


def test_the_hash_is_over_the_entry_as_stored_so_a_reread_entry_verifies(trail):
    repo, app_id = trail
    entry = repo.audit_trail(app_id)[1]
    reread = AuditEntry.model_validate(json.loads(entry.model_dump_json()))
    assert entry_hash(reread) == entry.hash
