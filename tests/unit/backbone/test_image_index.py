"""The image index in DynamoDB (moto as the local cloud runs it): a search costs the same however often a picture
was used, finds the newest uses, and an erased image leaves no band member behind."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import boto3
from moto import mock_aws

from loanpipe.adapters.fraud import DynamoImageIndex
from loanpipe_infra.localcloud.motofix import fix_moto

CHINA = timezone(timedelta(hours=8))
PICTURE = "f0f0f0f0f0f0f0f0"
START = datetime(2026, 11, 1, 9, 0, tzinfo=CHINA)


def _index(read_limit: int) -> tuple[DynamoImageIndex, object]:
    fix_moto()
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    dynamodb.create_table(
        TableName="images", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")])
    return DynamoImageIndex(dynamodb, "images", band_distance=6, read_limit=read_limit), dynamodb


def _band_members(dynamodb) -> int:
    return sum(1 for item in dynamodb.scan(TableName="images")["Items"] if item["pk"]["S"].startswith("BAND#"))


@mock_aws
def test_a_picture_used_thirty_times_is_found_in_its_ten_newest_uses_when_a_search_reads_ten():
    # Given one picture recorded in 30 applications, a minute apart, and an index that reads 10 members a band
    index, _ = _index(read_limit=10)
    for n in range(30):
        index.record(f"LA{n:03d}", "D1", PICTURE, "FO-1", START + timedelta(minutes=n), {"id_number": "x"})
    # When a new application's picture is searched for
    found = index.find_near(PICTURE, 6)
    # Then the ten newest uses come back, oldest first, each 0 bits away
    assert [m.application_id for m in found] == [f"LA{n:03d}" for n in range(20, 30)]
    assert {m.distance for m in found} == {0}
    assert found[0].content == {"id_number": "x"}


@mock_aws
def test_a_redelivered_recording_keeps_its_first_time_and_one_member_per_band():
    index, dynamodb = _index(read_limit=100)
    index.record("LA001", "D1", PICTURE, "FO-1", START)
    index.record("LA001", "D1", PICTURE, "FO-1", START + timedelta(hours=1))  # the same validation, redelivered
    [match] = index.find_near(PICTURE, 6)
    assert match.recorded_at == START
    assert _band_members(dynamodb) == 7  # 6 bits of distance: 7 bands, one member each


@mock_aws
def test_an_erased_image_leaves_no_band_member_and_is_not_found():
    index, dynamodb = _index(read_limit=100)
    index.record("LA001", "D1", PICTURE, "FO-1", START)
    index.record("LA002", "D1", "0f0f0f0f0f0f0f0f", "FO-2", START)  # another picture, no band shared
    assert index.forget("LA001", "D1") == 8
    assert [m.application_id for m in index.find_near(PICTURE, 6)] == []
    assert [m.application_id for m in index.find_near("0f0f0f0f0f0f0f0f", 6)] == ["LA002"]
    assert _band_members(dynamodb) == 7
