"""The local cloud's DynamoDB keeps DynamoDB's isolation: a cancelled transaction loses no other request's write
(moto alone rolls the whole table back to its state before the transaction: loanpipe_infra.localcloud.motofix)."""

from __future__ import annotations

import threading
import uuid

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.integration


def _table(dynamodb) -> str:
    table = f"isolation-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    return table


def _keys(dynamodb, table: str) -> list[str]:
    return sorted(item["pk"]["S"] for item in dynamodb.scan(TableName=table, ConsistentRead=True)["Items"])


def test_a_transaction_with_one_failed_condition_writes_nothing_and_names_the_failed_operation(local_cloud):
    # Given an application item at version 1
    dynamodb = local_cloud.client("dynamodb")
    table = _table(dynamodb)
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "application"}, "version": {"N": "1"}})
    # When a transaction puts an audit entry, moves the item from version 0 (stale) and checks another item exists
    with pytest.raises(ClientError) as cancelled:
        dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {"pk": {"S": "audit-1"}}}},
            {"Update": {"TableName": table, "Key": {"pk": {"S": "application"}}, "UpdateExpression": "SET version = :v",
                        "ConditionExpression": "version = :stale",
                        "ExpressionAttributeValues": {":v": {"N": "2"}, ":stale": {"N": "0"}}}},
            {"ConditionCheck": {"TableName": table, "Key": {"pk": {"S": "lock"}},
                                "ConditionExpression": "attribute_exists(pk)"}}])
    # Then it is cancelled with a reason per operation, as DynamoDB answers, and nothing was written
    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert [r["Code"] for r in cancelled.value.response["CancellationReasons"]] == [
        "None", "ConditionalCheckFailed", "ConditionalCheckFailed"]
    assert _keys(dynamodb, table) == ["application"]
    item = dynamodb.get_item(TableName=table, Key={"pk": {"S": "application"}}, ConsistentRead=True)["Item"]
    assert item["version"] == {"N": "1"}
    dynamodb.delete_table(TableName=table)


def test_a_write_that_fails_inside_a_transaction_undoes_the_writes_before_it(local_cloud):
    # Given an item whose attribute is text
    dynamodb = local_cloud.client("dynamodb")
    table = _table(dynamodb)
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "application"}, "name": {"S": "text"}})
    # When a transaction puts a new item, then adds a number to the text (refused only when it is written)
    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {"pk": {"S": "audit-1"}}}},
            {"Update": {"TableName": table, "Key": {"pk": {"S": "application"}},
                        "UpdateExpression": "SET #n = #n + :one", "ExpressionAttributeNames": {"#n": "name"},
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}}])
    # Then it is refused and the put before it is undone
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert _keys(dynamodb, table) == ["application"]
    # And a transaction whose conditions hold writes every item
    dynamodb.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": {"pk": {"S": "audit-1"}}}},
        {"Update": {"TableName": table, "Key": {"pk": {"S": "application"}}, "UpdateExpression": "SET #n = :new",
                    "ConditionExpression": "#n = :old", "ExpressionAttributeNames": {"#n": "name"},
                    "ExpressionAttributeValues": {":new": {"S": "new"}, ":old": {"S": "text"}}}}])
    assert _keys(dynamodb, table) == ["application", "audit-1"]
    dynamodb.delete_table(TableName=table)


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
