"""Applicants look real: valid ID numbers from real area codes, consistent card data, plausible people."""

from __future__ import annotations

import re
from datetime import date

from loanpipe.domain.application import read_declared

from .sample_checks import Folder, birth_of, full_years, id_number_is_valid, sex_of

# GB/T 2260 province-level codes (first two digits of an ID number) and how addresses begin
PROVINCES = {
    "11": "北京市", "12": "天津市", "31": "上海市", "50": "重庆市", "44": "广东省", "33": "浙江省", "32": "江苏省",
    "42": "湖北省", "51": "四川省", "61": "陕西省", "41": "河南省", "43": "湖南省", "37": "山东省", "21": "辽宁省",
    "35": "福建省", "34": "安徽省", "53": "云南省", "45": "广西壮族自治区", "23": "黑龙江省", "22": "吉林省",
    "15": "内蒙古自治区", "65": "新疆维吾尔自治区", "64": "宁夏回族自治区",
}


def _all(defect_batch, clean_batch):
    return [Folder.read(application.folder) for application in [*defect_batch, *clean_batch]]


def test_the_check_rule_of_the_tests_knows_the_standard_example():
    # Given the worked example of GB 11643-1999 (check character X) and two altered numbers
    # When the check character is verified
    # Then the example passes and the altered numbers fail (DESIGN.md's 110105198803120017 is one: ...0014)
    assert id_number_is_valid("11010519491231002X")
    assert not id_number_is_valid("110105194912310020")
    assert not id_number_is_valid("110105198803120017")


def test_every_declared_id_number_is_valid_unless_the_checksum_defect_is_planted(defect_batch, clean_batch):
    # Given every generated application
    for folder in _all(defect_batch, clean_batch):
        # When its declared ID number is checked under GB 11643-1999
        number = folder.declared["applicant"]["id_number"]
        # Then it is valid exactly when no wrong check character was planted
        assert id_number_is_valid(number) == ("id_checksum_invalid" not in folder.truth["defects"]), folder.path.name
        # and an ID number on the income certificate is valid too (another person's, for id_number_mismatch)
        certificate_id = folder.field("income_certificate", "id_number")
        if certificate_id is not None and "id_checksum_invalid" not in folder.truth["defects"]:
            assert id_number_is_valid(certificate_id)


def test_the_area_code_names_the_province_of_the_home_address(defect_batch, clean_batch):
    # Given every application
    for folder in _all(defect_batch, clean_batch):
        applicant = folder.declared["applicant"]
        # When the first two digits of the ID number are looked up in GB/T 2260
        province = PROVINCES[applicant["id_number"][:2]]
        # Then the home address lies in that province, and the card's issuing police bureau is local
        assert applicant["address"].startswith(province)
        authority = folder.field("id_card_back", "issuing_authority")
        if authority is not None:
            assert re.fullmatch(r"\w+市公安局\w+分局", authority)


def test_the_card_front_matches_its_id_number_unless_a_mismatch_is_planted(defect_batch, clean_batch):
    for folder in _all(defect_batch, clean_batch):
        # Given the card front of an application
        front = next((entry["fields"] for entry in folder.truths("id_card_front")), None)
        if front is None:
            continue
        number = folder.declared["applicant"]["id_number"]
        defects = folder.truth["defects"]
        # Then the printed birth date and sex follow the number (6-13: YYYYMMDD, 17th digit: odd = male)
        assert (front["birth_date"] == birth_of(number).isoformat()) == ("birth_date_mismatch" not in defects)
        assert (front["sex"] == sex_of(number)) == ("sex_mismatch" not in defects)
        assert front["id_number"] == number and front["name"] == folder.declared["applicant"]["name"]


def test_the_card_validity_follows_the_age_at_issue(defect_batch, clean_batch):
    # Under 16 -> 5 years, 16-25 -> 10, 26-45 -> 20, 46 and over -> 长期
    for folder in _all(defect_batch, clean_batch):
        back = next((entry["fields"] for entry in folder.truths("id_card_back")), None)
        if back is None:
            continue
        issued = date.fromisoformat(back["valid_from"])
        age = full_years(birth_of(folder.declared["applicant"]["id_number"]), issued)
        wanted_years = 5 if age < 16 else 10 if age <= 25 else 20 if age <= 45 else None
        if wanted_years is None:
            assert back["valid_until"] == "长期"
        else:
            until = date.fromisoformat(back["valid_until"])
            assert (until.year - issued.year, until.month, until.day) == (wanted_years, issued.month, issued.day) \
                or (issued.month, issued.day) == (2, 29)


def test_applicants_are_plausible_people(defect_batch, clean_batch):
    for folder in _all(defect_batch, clean_batch):
        # Given the declared applicant
        declared = read_declared((folder.path / "application.json").read_bytes())
        # Then the form parses as the pipeline reads it, with a mobile number and a Chinese name
        assert re.fullmatch(r"1[3-9]\d{9}", declared.applicant.phone)
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{2,5}·[\u4e00-\u9fff]{2,5}", declared.applicant.name)
        assert declared.capture.captured_at.year == 2026
        assert declared.capture.captured_at.utcoffset().total_seconds() == 8 * 3600
