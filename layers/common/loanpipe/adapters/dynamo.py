"""DynamoDB adapter of ``ApplicationRepository`` (single table, see template.yaml ApplicationsTable).

Items
- ``pk=APP#<id>, sk=APP``: the application. ``body`` holds the record as JSON; ``state``, ``version``,
  ``officer_id``, ``created_at``, ``updated_at`` and ``id_number_hash`` are top-level for conditions and
  the GSIs (by-state = review queue and operations, by-officer, by-id-number).
- ``pk=APP#<id>, sk=AUDIT#<seq>``: the audit trail, hash-chained (``domain.audit``), written in the same
  transaction as the application item that keeps its head; ``seq`` is zero-padded, so the trail reads in order.
- ``pk=APP#<id>, sk=REPORT#<round>#<kind>``: validation reports and decisions of each round.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from botocore.exceptions import ClientError

from loanpipe.domain.audit import AuditEntry, chain
from loanpipe.domain.errors import NotFound, StaleWrite
from loanpipe.domain.records import ApplicationRecord, id_number_hash
from loanpipe.service.ports import ApplicationSummary, Page


def _pk(application_id: str) -> dict:
    return {"S": f"APP#{application_id}"}


def _encode_cursor(key: dict | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


MAX_CURSOR_CHARS = 2048


def _decode_cursor(cursor: str | None, keys: tuple[str, ...] = (),
                   match: tuple[str, str] | None = None) -> dict | None:
    """The start key a cursor of ``_encode_cursor`` carries. Anything else is ``bad_cursor`` (400), never a query
    DynamoDB refuses (a 500): the cursor must hold exactly ``keys``, each a string of DynamoDB's key size, and
    ``match`` (name, value): the index's partition key must be the one queried (no page of someone else's list)."""
    if not cursor:
        return None
    from loanpipe.domain.errors import UserInputError

    refused = UserInputError("bad_cursor", "the page cursor is not valid")
    if len(cursor) > MAX_CURSOR_CHARS:
        raise refused
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, json.JSONDecodeError) as exc:
        raise refused from exc
    if not isinstance(key, dict) or (keys and set(key) != set(keys)):
        raise refused
    for value in key.values():
        if not (isinstance(value, dict) and set(value) == {"S"} and isinstance(value["S"], str)
                and 0 < len(value["S"].encode("utf-8", errors="replace")) <= 1024):
            raise refused
    if match is not None and key.get(match[0], {}).get("S") != match[1]:
        raise refused
    return key


class DynamoApplicationRepository:
    def __init__(self, client: Any, table_name: str):
        self._db = client
        self._table = table_name

    # -------------------------------------------------------------- application item
    def _item(self, record: ApplicationRecord) -> dict:
        return {
            "pk": _pk(record.application_id),
            "sk": {"S": "APP"},
            "application_id": {"S": record.application_id},
            "state": {"S": record.state.value},
            "version": {"N": str(record.version)},
            "officer_id": {"S": record.officer_id},
            "created_at": {"S": record.created_at.isoformat()},
            "updated_at": {"S": record.updated_at.isoformat()},
            "id_number_hash": {"S": id_number_hash(record.declared.applicant.id_number)},
            "body": {"S": record.model_dump_json()},
        }

    def _audit_puts(self, record: ApplicationRecord, audit: list[AuditEntry]) -> list[dict]:
        """The entries chained after the record's head (which moves to the last of them), as puts that refuse to
        overwrite an entry: a trail is append-only."""
        chained, record.audit_head = chain(record.application_id, record.audit_head, audit)
        return [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {
                        "pk": _pk(record.application_id),
                        "sk": {"S": f"AUDIT#{entry.seq:010d}"},
                        "body": {"S": entry.model_dump_json()},
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for entry in chained
        ]

    def create(self, record: ApplicationRecord, audit: AuditEntry) -> None:
        audit_puts = self._audit_puts(record, [audit])
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": self._item(record),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    *audit_puts,
                ]
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("TransactionCanceledException", "ConditionalCheckFailedException"):
                raise StaleWrite(f"application {record.application_id} already exists") from exc
            raise

    def get(self, application_id: str) -> ApplicationRecord:
        response = self._db.get_item(
            TableName=self._table, Key={"pk": _pk(application_id), "sk": {"S": "APP"}}, ConsistentRead=True
        )
        item = response.get("Item")
        if item is None:
            raise NotFound(f"application {application_id}")
        return ApplicationRecord.model_validate_json(item["body"]["S"])

    def save(self, record: ApplicationRecord, expected_version: int, audit: list[AuditEntry]) -> None:
        audit_puts = self._audit_puts(record, audit)
        items = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": self._item(record),
                    "ConditionExpression": "#v = :expected",
                    "ExpressionAttributeNames": {"#v": "version"},
                    "ExpressionAttributeValues": {":expected": {"N": str(expected_version)}},
                }
            }
        ]
        items += audit_puts
        try:
            self._db.transact_write_items(TransactItems=items)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("TransactionCanceledException", "ConditionalCheckFailedException"):
                raise StaleWrite(f"{record.application_id} changed since version {expected_version}") from exc
            raise

    # -------------------------------------------------------------- audit and reports
    def audit_trail(self, application_id: str) -> list[AuditEntry]:
        entries: list[AuditEntry] = []
        kwargs = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :audit)",
            "ExpressionAttributeValues": {":pk": _pk(application_id), ":audit": {"S": "AUDIT#"}},
        }
        while True:
            response = self._db.query(**kwargs)
            entries += [AuditEntry.model_validate_json(item["body"]["S"]) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                return entries
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def put_report(self, application_id: str, round_: int, kind: str, body: dict) -> None:
        self._db.put_item(
            TableName=self._table,
            Item={
                "pk": _pk(application_id),
                "sk": {"S": f"REPORT#{round_:04d}#{kind}"},
                "body": {"S": json.dumps(body, ensure_ascii=False, default=str)},
            },
        )

    def get_report(self, application_id: str, round_: int, kind: str) -> dict | None:
        response = self._db.get_item(
            TableName=self._table,
            Key={"pk": _pk(application_id), "sk": {"S": f"REPORT#{round_:04d}#{kind}"}},
            ConsistentRead=True,
        )
        item = response.get("Item")
        return json.loads(item["body"]["S"]) if item else None

    # -------------------------------------------------------------- indexes
    def _page(self, index: str, key_name: str, key_value: str, range_name: str, limit: int, cursor: str | None,
              newest_first: bool) -> Page:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index,
            "KeyConditionExpression": "#k = :v",
            "ExpressionAttributeNames": {"#k": key_name},
            "ExpressionAttributeValues": {":v": {"S": key_value}},
            "Limit": max(1, min(limit, 200)),
            "ScanIndexForward": not newest_first,
        }
        start = _decode_cursor(cursor, ("pk", "sk", key_name, range_name), (key_name, key_value))
        if start:
            kwargs["ExclusiveStartKey"] = start
        response = self._db.query(**kwargs)
        items = [
            ApplicationSummary(
                application_id=item["application_id"]["S"],
                officer_id=item["officer_id"]["S"],
                state=item["state"]["S"],
                created_at=item["created_at"]["S"],
                updated_at=item["updated_at"]["S"],
            )
            for item in response.get("Items", [])
        ]
        return Page(items=items, cursor=_encode_cursor(response.get("LastEvaluatedKey")))

    def records_in_state(self, state: str, limit: int = 1000) -> list[ApplicationRecord]:
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "by-state",
            "KeyConditionExpression": "#s = :s",
            "ExpressionAttributeNames": {"#s": "state"},
            "ExpressionAttributeValues": {":s": {"S": state}},
        }
        records: list[ApplicationRecord] = []
        while len(records) < limit:
            response = self._db.query(**kwargs)
            records += [ApplicationRecord.model_validate_json(item["body"]["S"]) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                break
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return records[:limit]

    def list_by_state(self, state: str, limit: int = 50, cursor: str | None = None) -> Page:
        # The review queue is oldest first: the applicant who waited longest is served first.
        return self._page("by-state", "state", state, "updated_at", limit, cursor, newest_first=False)

    def list_by_officer(self, officer_id: str, limit: int = 50, cursor: str | None = None) -> Page:
        return self._page("by-officer", "officer_id", officer_id, "created_at", limit, cursor, newest_first=True)

    def with_id_number(self, id_number_hash_: str) -> list[ApplicationSummary]:
        response = self._db.query(
            TableName=self._table,
            IndexName="by-id-number",
            KeyConditionExpression="id_number_hash = :h",
            ExpressionAttributeValues={":h": {"S": id_number_hash_}},
        )
        return [
            ApplicationSummary(
                application_id=item["application_id"]["S"],
                officer_id=item["officer_id"]["S"],
                state=item["state"]["S"],
                created_at=item["created_at"]["S"],
                updated_at="",
            )
            for item in response.get("Items", [])
        ]
