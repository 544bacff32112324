"""AWS adapters of the fraud ports (``loanpipe.validation.ports``).

- ``DynamoImageIndex``: the perceptual-hash index in the ImageIndex table (with the hashed key fields of
  what each image says, so one template with other text is not "the same picture"). Each image is stored once
  (``pk=IMG#<application>#<document>``) and once per band of its hash (``pk=BAND#<band>``,
  ``sk=<recorded_at>#<application>#<document>``); a search reads the bands of the hash and keeps the
  candidates within the distance (two hashes within d bits share at least one of d+1 bands exactly).
  A search reads the ``BAND_READ_LIMIT`` newest members of each band, one page each: its cost stays the same
  however many images share a band. Pictures of one template share bands, and a picture reused a thousand times
  fills its bands with itself; reading whole bands made each validation slower with every application stored
  (the load run's validations timed out on it). The price: a duplicate older than the newest hundred members of
  every band it shares with the new picture is not found.
- ``DynamoOpenApplications``: other open applications with the same ID number, from the
  applications table's by-id-number index (keyed by a hash of the number, never the number).
- ``CognitoOfficerDirectory``: officers are the user pool's field_officer group; their registered
  phone numbers are the directory.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from loanpipe.domain.lifecycle import OPEN_APP_STATES
from loanpipe.domain.records import id_number_hash
from loanpipe.validation.ports import ImageMatch, OpenApplication, hamming, hash_bands

BAND_READ_LIMIT = 100


class DynamoImageIndex:
    def __init__(self, client: Any, table_name: str, band_distance: int, read_limit: int = BAND_READ_LIMIT):
        self._db = client
        self._table = table_name
        self._band_distance = band_distance
        self._read_limit = read_limit

    def record(self, application_id: str, document_id: str, phash: str, officer_id: str,
               recorded_at: datetime, content: dict[str, str] | None = None) -> None:
        member = f"{application_id}#{document_id}"
        attributes = {
            "application_id": {"S": application_id},
            "document_id": {"S": document_id},
            "phash": {"S": phash},
            "officer_id": {"S": officer_id},
            "recorded_at": {"S": recorded_at.isoformat()},
            "content": {"S": json.dumps(content or {}, sort_keys=True)},  # hashed key fields only
        }
        # Idempotent: a re-delivered validation keeps the first recording time.
        self._db.update_item(
            TableName=self._table,
            Key={"pk": {"S": f"IMG#{member}"}, "sk": {"S": "IMG"}},
            UpdateExpression="SET phash = :p, officer_id = :o, application_id = :a, document_id = :d, "
                             "content = :c, recorded_at = if_not_exists(recorded_at, :r)",
            ExpressionAttributeValues={":p": attributes["phash"], ":o": attributes["officer_id"],
                                       ":a": attributes["application_id"], ":d": attributes["document_id"],
                                       ":c": attributes["content"], ":r": attributes["recorded_at"]},
        )
        stored = self._db.get_item(TableName=self._table, Key={"pk": {"S": f"IMG#{member}"}, "sk": {"S": "IMG"}},
                                   ConsistentRead=True)["Item"]
        attributes["recorded_at"] = stored["recorded_at"]
        sort_key = f"{stored['recorded_at']['S']}#{member}"  # the first recording time: a re-delivery rewrites it
        for band in hash_bands(phash, self._band_distance):
            self._db.put_item(TableName=self._table,
                              Item={"pk": {"S": f"BAND#{band}"}, "sk": {"S": sort_key}, **attributes})

    def forget(self, application_id: str, document_id: str) -> int:
        member = f"{application_id}#{document_id}"
        key = {"pk": {"S": f"IMG#{member}"}, "sk": {"S": "IMG"}}
        item = self._db.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item")
        if item is None:
            return 0
        bands = hash_bands(item["phash"]["S"], self._band_distance)
        sort_key = f"{item['recorded_at']['S']}#{member}"
        for band in bands:
            for sk in (sort_key, member):  # and the key band members had before they were sorted by time
                self._db.delete_item(TableName=self._table, Key={"pk": {"S": f"BAND#{band}"}, "sk": {"S": sk}})
        self._db.delete_item(TableName=self._table, Key=key)
        return len(bands) + 1

    def find_near(self, phash: str, max_distance: int) -> list[ImageMatch]:
        if max_distance > self._band_distance:
            raise ValueError("the index was banded for a smaller distance")
        found: dict[str, ImageMatch] = {}
        for band in hash_bands(phash, self._band_distance):
            response = self._db.query(TableName=self._table, KeyConditionExpression="pk = :pk",
                                      ExpressionAttributeValues={":pk": {"S": f"BAND#{band}"}},
                                      ScanIndexForward=False, Limit=self._read_limit)  # the newest, one page
            for item in response.get("Items", []):
                distance = hamming(phash, item["phash"]["S"])
                if distance <= max_distance:
                    found[f"{item['application_id']['S']}#{item['document_id']['S']}"] = ImageMatch(
                        application_id=item["application_id"]["S"],
                        document_id=item["document_id"]["S"],
                        officer_id=item["officer_id"]["S"],
                        recorded_at=datetime.fromisoformat(item["recorded_at"]["S"]),
                        distance=distance,
                        content=json.loads(item.get("content", {}).get("S") or "{}") or None,
                    )
        return sorted(found.values(), key=lambda m: (m.recorded_at, m.application_id, m.document_id))


class DynamoOpenApplications:
    def __init__(self, repo: Any):
        self._repo = repo  # loanpipe.adapters.dynamo.DynamoApplicationRepository

    def with_id_number(self, id_number: str) -> list[OpenApplication]:
        return [
            OpenApplication(summary.application_id, summary.officer_id)
            for summary in self._repo.with_id_number(id_number_hash(id_number))
            if summary.state in OPEN_APP_STATES
        ]


class CognitoOfficerDirectory:
    def __init__(self, client: Any, user_pool_id: str, group: str = "field_officer"):
        self._cognito = client
        self._pool = user_pool_id
        self._group = group

    def officer_with_phone(self, phone: str) -> str | None:
        digits = "".join(ch for ch in phone if ch.isdigit())
        if not digits:
            return None
        candidates = {f"+86{digits[-11:]}", f"+{digits}"}
        for number in sorted(candidates):
            users = self._cognito.list_users(UserPoolId=self._pool, Filter=f'phone_number = "{number}"',
                                             Limit=10).get("Users", [])
            for user in users:
                groups = self._cognito.admin_list_groups_for_user(UserPoolId=self._pool,
                                                                  Username=user["Username"]).get("Groups", [])
                if any(group["GroupName"] == self._group for group in groups):
                    return user["Username"]
        return None
