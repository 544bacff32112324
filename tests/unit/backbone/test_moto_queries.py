"""The local cloud's moto answers queries as DynamoDB does after ``motofix`` gave them only the items they read: a
table query its partition, an index query the items whose index key matches (in memory, no socket opened)."""

from __future__ import annotations

import boto3
from moto import mock_aws

from loanpipe_infra.localcloud.motofix import fix_moto


def _table(dynamodb) -> None:
    dynamodb.create_table(
        TableName="apps", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "state", "at")],
        GlobalSecondaryIndexes=[{"IndexName": "by-state", "Projection": {"ProjectionType": "ALL"},
                                 "KeySchema": [{"AttributeName": "state", "KeyType": "HASH"},
                                               {"AttributeName": "at", "KeyType": "RANGE"}]}])


def _pages(dynamodb, **query) -> list[list[str]]:
    pages, start = [], {}
    while True:
        answer = dynamodb.query(TableName="apps", Limit=4, **query, **start)
        pages.append([f"{i['pk']['S']}/{i['sk']['S']}" for i in answer["Items"]])
        if "LastEvaluatedKey" not in answer:
            return pages
        start = {"ExclusiveStartKey": answer["LastEvaluatedKey"]}


@mock_aws
def test_index_and_partition_queries_page_through_exactly_the_matching_items_in_key_order():
    # Given moto as the local cloud runs it, and 30 applications of 3 states, each with a record and 3 audit entries
    fix_moto()
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    _table(dynamodb)
    states = ["DRAFT", "IN_REVIEW", "SIGNED"]
    for n in range(30):
        dynamodb.put_item(TableName="apps", Item={"pk": {"S": f"LA{n:02d}"}, "sk": {"S": "record"},
                                                  "state": {"S": states[n % 3]}, "at": {"S": f"2026-11-{30 - n:02d}"}})
        for entry in range(3):
            dynamodb.put_item(TableName="apps", Item={"pk": {"S": f"LA{n:02d}"}, "sk": {"S": f"audit#{entry}"}})
    # When the review queue is read from the index four at a time, oldest first, then newest first
    in_review = sorted((f"2026-11-{30 - n:02d}", f"LA{n:02d}/record") for n in range(30) if n % 3 == 1)
    by_state = {"IndexName": "by-state", "KeyConditionExpression": "#s = :s",
                "ExpressionAttributeNames": {"#s": "state"}, "ExpressionAttributeValues": {":s": {"S": "IN_REVIEW"}}}
    oldest_first = _pages(dynamodb, **by_state)
    newest_first = _pages(dynamodb, **by_state, ScanIndexForward=False)
    # Then every item of that state comes once, in the index's key order, across the pages
    assert [key for page in oldest_first for key in page] == [key for _, key in in_review]
    assert [key for page in newest_first for key in page] == [key for _, key in reversed(in_review)]
    assert [len(page) for page in oldest_first] == [4, 4, 2]
    # And a partition's audit entries come from the table by key condition, in sort-key order
    trail = _pages(dynamodb, KeyConditionExpression="pk = :pk AND begins_with(sk, :audit)",
                   ExpressionAttributeValues={":pk": {"S": "LA07"}, ":audit": {"S": "audit#"}})
    assert trail == [["LA07/audit#0", "LA07/audit#1", "LA07/audit#2"]]
    assert _pages(dynamodb, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": "LA99"}}) == [[]]
