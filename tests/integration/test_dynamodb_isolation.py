"""The local cloud's DynamoDB keeps DynamoDB's isolation: a cancelled transaction loses no other request's write
(moto alone rolls the whole table back to its state before the transaction: loanpipe_infra.localcloud.motofix)."""

from __future__ import annotations

import threading
import uuid

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.integration


def test_updates_made_while_other_transactions_are_cancelled_are_all_kept(local_cloud):
    # Given a table, one request cancelling transactions on one item (a lost version race, again and again)
    dynamodb = local_cloud.client("dynamodb")
    table = f"isolation-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "raced"}, "version": {"N": "1"}})
    for batch in range(100):  # a table of some size, as the applications table is (moto copies it per transaction)
        dynamodb.batch_write_item(RequestItems={table: [
            {"PutRequest": {"Item": {"pk": {"S": f"old-{batch}-{index}"}, "body": {"S": "x" * 400}}}}
            for index in range(25)]})
    stop = threading.Event()

    def lose_races() -> None:
        client = local_cloud.client("dynamodb")
        while not stop.is_set():
            try:
                client.transact_write_items(TransactItems=[{"Put": {
                    "TableName": table, "Item": {"pk": {"S": "raced"}, "version": {"N": "2"}},
                    "ConditionExpression": "version = :stale", "ExpressionAttributeValues": {":stale": {"N": "0"}}}}])
            except ClientError:
                pass

    racer = threading.Thread(target=lose_races)
    racer.start()
    # When another request updates an item meanwhile (a document added to an application: the same item rewritten)
    updates = 200
    try:
        for _ in range(updates):
            dynamodb.update_item(TableName=table, Key={"pk": {"S": "application"}},
                                 UpdateExpression="ADD documents :one", ExpressionAttributeValues={":one": {"N": "1"}})
    finally:
        stop.set()
        racer.join()
    # Then every update is there
    kept = dynamodb.get_item(TableName=table, Key={"pk": {"S": "application"}}, ConsistentRead=True)["Item"]
    assert int(kept["documents"]["N"]) == updates
    dynamodb.delete_table(TableName=table)
