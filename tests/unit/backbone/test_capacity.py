"""The capacity page's arithmetic (benchmarks/capacity.py) on numbers small enough to check by hand.

2,592,000 applications a month is one a second on average (30 days x 86,400 s); a peak factor of 10 makes it ten
a second. Every expected value below is worked out in the comment beside it, not by calling the code under test.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # benchmarks run as `python -m benchmarks.X` from the root

from benchmarks.capacity import Limits, band_keys, plan, template_settings  # noqa: E402

MONTHLY = 2_592_000


def inputs(**overrides) -> dict:
    base = {
        "functions": {
            "ExtractFunction": {"invocations": 5, "cpu_bound_duration_s": 2.0, "measured_duration_s": 4.0,
                                "maximum_concurrency": 20},
            "ScoreFunction": {"invocations": 1, "cpu_bound_duration_s": 0.5, "measured_duration_s": 1.0,
                              "maximum_concurrency": 10},
        },
        "http_requests": 8, "sqs_requests": 20, "eventbridge_events": 2, "s3_put": 12, "s3_get": 10, "kms_sign": 1,
        "application_seconds": 60,
        "dynamodb_tables": {"ApplicationsTable": {"wru": 300, "rru": 40}},
        "application_item_kb": 4, "application_item_writes": {"DRAFT": 20, "later states": 5},
        "busiest_officer_share": 0.01,
        "images": 5, "image_bands": 4, "image_band_keys": 1000, "image_band_item_bytes": 2048,
        "cost_per_application_usd": 0.001, "fixed_monthly_usd": 3.0,
    }
    base.update(overrides)
    return base


def test_the_peak_is_the_monthly_volume_spread_over_the_hours_times_the_peak_factor():
    result = plan(inputs(), monthly=MONTHLY, peak_factor=10)
    assert result["peak_applications_per_s"] == pytest.approx(10.0)  # 2,592,000 / 720 h = 3,600 an hour = 1/s
    assert result["peak_applications_per_hour"] == pytest.approx(36_000)


SPREAD_BANDS = {"image_band_keys": 4 * 2**16, "image_band_item_bytes": 64}  # an image index far from hot


def test_each_stage_needs_its_rate_times_its_duration_and_the_short_one_breaks_first():
    result = plan(inputs(**SPREAD_BANDS), monthly=MONTHLY, peak_factor=10)
    extract = result["stages"]["ExtractFunction"]
    assert extract["invocations_per_s"] == pytest.approx(50)  # 10 applications/s x 5 documents
    assert extract["concurrency"] == pytest.approx(100)  # 50/s x 2 s
    assert extract["concurrency_measured"] == pytest.approx(200)  # 50/s x 4 s
    assert result["stages"]["ScoreFunction"]["concurrency"] == pytest.approx(5)  # 10/s x 0.5 s
    assert result["total_concurrency"] == pytest.approx(105)
    first = result["breaks_first"]
    assert first["what"].startswith("ExtractFunction") and first["ratio"] == pytest.approx(5.0)  # 100 / 20
    assert "MaximumConcurrency" in first["setting"]


def test_a_larger_maximum_concurrency_moves_the_first_break_elsewhere():
    roomy = inputs(**SPREAD_BANDS)
    roomy["functions"]["ExtractFunction"]["maximum_concurrency"] = 400
    result = plan(roomy, monthly=MONTHLY, peak_factor=10, limits=Limits(account_concurrency=100))
    assert result["breaks_first"]["what"].startswith("all functions")  # 105 against an account limit of 100
    assert result["breaks_first"]["ratio"] == pytest.approx(1.05)


def test_the_by_state_key_takes_every_write_of_its_state_at_the_item_size_and_is_sharded_to_half_its_limit():
    result = plan(inputs(), monthly=MONTHLY, peak_factor=10)
    dynamo = result["dynamodb"]
    assert dynamo["hot_state"] == "DRAFT"
    assert dynamo["by_state_hot_key_wru_per_s"] == pytest.approx(800)  # 10/s x 20 writes x 4 KB
    assert dynamo["by_state_shards_needed"] == 2  # 800 / (1,000 x 0.5) = 1.6 -> 2
    assert dynamo["by_state_keys_only_wru_per_s"] == pytest.approx(200)  # 10/s x 20 writes x 1 WRU
    assert dynamo["by_officer_hot_key_wru_per_s"] == pytest.approx(10)  # 10/s x 1% x 25 writes x 4 KB
    assert dynamo["tables"]["ApplicationsTable"] == {"wru_per_s": pytest.approx(3000), "rru_per_s": pytest.approx(400)}


def test_request_rates_follow_the_per_application_counts():
    result = plan(inputs(), monthly=MONTHLY, peak_factor=10)
    assert result["sqs_requests_per_s"] == pytest.approx(200)
    assert result["eventbridge_events_per_s"] == pytest.approx(20)
    assert result["http_requests_per_s"] == pytest.approx(80)
    assert result["s3"]["put_per_s"] == pytest.approx(120)
    assert result["s3"]["busiest_prefix_put_per_s"] == pytest.approx(0.2)  # 12 PUTs over one application's 60 s
    assert result["cost_per_month_usd"] == pytest.approx(2_592 + 3)


def test_the_image_bands_grow_with_every_month_of_images():
    result = plan(inputs(), monthly=MONTHLY, peak_factor=10)
    month = result["image_bands"][1]
    assert month["items_per_key"] == pytest.approx(51_840)  # 2,592,000 x 5 images x 4 bands / 1,000 keys
    assert month["rru_per_search"] == pytest.approx(12_960)  # 51,840 x 2 KB = 25,920 units of 4 KB, halved
    assert month["rru_per_application"] == pytest.approx(259_200)  # 12,960 x 4 bands x 5 images
    assert month["query_pages_per_application"] == 2_040  # ceil(101.25 MB / 1 MB) = 102 pages x 4 x 5
    assert result["image_bands"][12]["items_per_key"] == pytest.approx(12 * 51_840)


def test_a_band_key_read_whole_by_every_search_becomes_the_hottest_key_within_a_year():
    result = plan(inputs(), monthly=MONTHLY, peak_factor=10)
    first = result["breaks_first"]
    # after 12 months: 622,080 items x 2 KB = 311,040 units of 4 KB, halved: 155,520 RRU per search;
    # searches per key: 10/s x 5 images x 4 bands / 1,000 keys = 0.2/s -> 31,104 RRU/s against 3,000
    assert first["what"].startswith("image index") and first["need"] == pytest.approx(31_104)
    assert first["ratio"] == pytest.approx(10.368)


def test_band_keys_count_every_value_of_every_band_and_settings_come_from_the_template():
    assert band_keys(4) == 4 * 2**16  # four bands of 16 bits
    assert band_keys(7) == 2**10 + 6 * 2**9  # 64 = 10 + 6 x 9
    template = {"Resources": {
        "ExtractFunction": {"Type": "AWS::Serverless::Function", "Properties": {"Events": {"Uploads": {
            "Type": "SQS", "Properties": {"BatchSize": 1, "ScalingConfig": {"MaximumConcurrency": 20}}}}}},
        "ApiFunction": {"Type": "AWS::Serverless::Function", "Properties": {"Events": {"Get": {
            "Type": "HttpApi", "Properties": {}}}}},
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}}}}
    assert template_settings(template) == {
        "ExtractFunction": {"maximum_concurrency": 20, "batch_size": 1, "trigger": "SQS"},
        "ApiFunction": {"maximum_concurrency": None, "batch_size": None, "trigger": "HttpApi"}}
