"""The same seed gives the same bytes; the command line writes what the functions write."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone

from testkit.samples import generate_applications, generate_documents
from testkit.samples.__main__ import main


def _digests(root) -> dict[str, str]:
    return {str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*")) if path.is_file()}


def test_the_same_seed_gives_byte_identical_applications(tmp_path):
    # Given two runs with the same seed, mixed tiers and defects that touch every kind of file
    arguments = {"count": 4, "seed": 41, "defects": ["clean", "duplicate_image+image_edited",
                                                      "statement_balance_inconsistent", "document_unreadable"]}
    generate_applications(tmp_path / "first", **arguments)
    generate_applications(tmp_path / "second", **arguments)
    # When every file is hashed
    first, second = _digests(tmp_path / "first"), _digests(tmp_path / "second")
    # Then the two trees are identical, file by file
    assert len(first) >= 4 * 5
    assert first == second


def test_another_seed_gives_other_applications(tmp_path):
    generate_applications(tmp_path / "a", 1, seed=1)
    generate_applications(tmp_path / "b", 1, seed=2)
    first, second = _digests(tmp_path / "a"), _digests(tmp_path / "b")
    assert first["app_000/application.json"] != second["app_000/application.json"]


def test_the_same_seed_gives_byte_identical_documents(tmp_path):
    generate_documents(tmp_path / "first", 12, seed=8)
    generate_documents(tmp_path / "second", 12, seed=8)
    assert _digests(tmp_path / "first") == _digests(tmp_path / "second")


def test_a_rerun_into_the_same_folder_leaves_no_stale_files(tmp_path):
    # Given a folder written with statement photos, rewritten with another seed
    generate_applications(tmp_path, 2, seed=5, tier="hard")
    generate_applications(tmp_path, 2, seed=6, tier="clean")
    # Then every document file in each folder is one the truth describes
    for folder in sorted(tmp_path.iterdir()):
        truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
        files = {path.name for path in folder.iterdir()} - {"application.json", "truth.json"}
        assert files == set(truth["documents"])


def test_a_given_capture_time_is_used_for_every_application(tmp_path):
    moment = datetime(2026, 11, 20, 10, 31, tzinfo=timezone(timedelta(hours=8)))
    applications = generate_applications(tmp_path, 2, seed=4, captured_at=moment, tier="clean")
    assert [app.declared["capture"]["captured_at"] for app in applications] == [moment.isoformat()] * 2


def test_the_command_line_writes_applications_and_documents(tmp_path, capsys):
    # When the module is run for two applications with a defect, then for four documents
    assert main(["--out", str(tmp_path / "apps"), "--count", "2", "--seed", "3", "--tier", "clean",
                 "--defects", "clean,ltv_exceeded"]) == 0
    assert main(["--out", str(tmp_path / "docs"), "--count", "4", "--documents", "--tier", "clean"]) == 0
    # Then the folders, the expected decisions and the manifest are there
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["app_000\tapprove\tclean", "app_001\tdecline\tltv_exceeded"]
    manifest = json.loads((tmp_path / "docs" / "manifest.json").read_text(encoding="utf-8"))
    assert [entry["doc_type"] for entry in manifest["documents"]] == [
        "id_card_front", "id_card_back", "income_certificate", "bank_statement"]
    assert all((tmp_path / "docs" / entry["file"]).is_file() for entry in manifest["documents"])
