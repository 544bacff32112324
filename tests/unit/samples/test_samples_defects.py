"""Every planted defect is in the files, and nothing else is: found by independent checks."""

from __future__ import annotations

import pytest

from loanpipe.policy.model import default_policy
from testkit.samples import DEFECTS

from .sample_checks import Folder, looks_identical, observed_defects

KNOCK_OUTS = {code for code in default_policy().knockouts if code in DEFECTS}


def test_the_defect_batch_plants_each_defect_once_and_keeps_two_applications_clean(defect_batch):
    # Given a batch asked to cycle through every defect code, then "clean" twice
    # When the applications are listed
    planted = [application.defects for application in defect_batch]
    # Then each code was planted in exactly one application and the last two are clean
    assert planted == [[code] for code in DEFECTS] + [[], []]


@pytest.mark.parametrize("position", range(len(DEFECTS) + 2))
def test_a_reviewer_finds_exactly_the_planted_defects_in_the_files(defect_batch, position):
    # Given one application of the batch and the applications before it
    folders = [Folder.read(application.folder) for application in defect_batch]
    application = defect_batch[position]
    # When its files are checked the way a careful reviewer would
    found = observed_defects(folders[position], folders[:position])
    # Then the planted defect shows, and no other (a clean application shows none)
    assert found == set(application.defects)


def test_the_expected_decision_follows_the_credit_policy(defect_batch):
    # Given the defect batch
    for application in defect_batch:
        # When the expected decision is read from the folder's truth
        truth = Folder.read(application.folder).truth
        # Then knock-outs decline, other defects go to review, clean applications are approved
        wanted = ("decline" if set(application.defects) & KNOCK_OUTS else "review") if application.defects \
            else "approve"
        assert truth["expected_decision"] == application.expected_decision == wanted
        assert truth["defects"] == application.defects


def test_a_duplicate_image_copies_a_card_back_of_an_earlier_application(defect_batch):
    # Given the application with the duplicate_image defect and the applications before it
    position = DEFECTS.index("duplicate_image")
    folder = Folder.read(defect_batch[position].folder)
    earlier = [Folder.read(application.folder) for application in defect_batch[:position]]
    back = next(path for path in folder.images() if path.stem == "id_card_back")
    # When its files are compared with theirs
    sources = [other for other in earlier
               if any(looks_identical(back, path) for path in other.images() if path.stem == "id_card_back")]
    shared_elsewhere = [path for path in folder.images() if path.stem != "id_card_back"
                        for other in earlier for other_path in other.images() if looks_identical(path, other_path)]
    # Then exactly one earlier application has the same card-back picture, the truth names it,
    # and no other document is shared
    assert len(sources) == 1
    assert folder.truth["documents"][back.name]["duplicate_of"].startswith(sources[0].path.name + "/")
    assert shared_elsewhere == []


def test_the_unreadable_document_cannot_be_read_by_tesseract(defect_batch):
    import pytesseract

    # Given the application with document_unreadable and a clean one from the same batch
    unreadable_folder = Folder.read(defect_batch[DEFECTS.index("document_unreadable")].folder)
    clean_folder = Folder.read(defect_batch[-1].folder)
    name, entry = next((name, entry) for name, entry in unreadable_folder.truth["documents"].items()
                       if not entry["readable"])
    readable_name = next(name_ for name_, entry_ in clean_folder.truth["documents"].items()
                         if entry_["doc_type"] == entry["doc_type"])
    # When Tesseract reads both
    unreadable_text = pytesseract.image_to_string(str(unreadable_folder.path / name), lang="chi_sim+eng")
    readable_text = pytesseract.image_to_string(str(clean_folder.path / readable_name), lang="chi_sim+eng")
    compact = "".join(readable_text.split())
    # Then the clean document gives up its key field and the unreadable one gives up none of its values
    key = {"id_card_front": "name", "id_card_back": "issuing_authority", "income_certificate": "name"}
    assert clean_folder.truth["documents"][readable_name]["fields"][key[entry["doc_type"]]] in compact
    unreadable_compact = "".join(unreadable_text.split())
    long_values = [value for value in entry["fields"].values() if len(value) >= 4]
    assert long_values
    assert [value for value in long_values if value[:4] in unreadable_compact] == []
