"""A small client of the HTTP API, doing what the field app and the back-office console do."""

from __future__ import annotations

import json
import mimetypes
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests

SLOT_PREFIXES = ("id_card_front", "id_card_back", "income_certificate", "bank_statement")
CONTENT_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".pdf": "application/pdf"}


class ApiError(Exception):
    def __init__(self, status: int, body: Any):
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


def slot_of(path: Path) -> str | None:
    """``bank_statement_2.pdf`` -> ``bank_statement``; files of no slot -> None."""
    stem = path.stem.lower()
    for slot in SLOT_PREFIXES:
        if stem == slot or stem.startswith(slot + "_") or stem.startswith(slot + "-") or (
            slot == "bank_statement" and stem.startswith(slot)
        ):
            return slot
    return None


def content_type_of(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


class ApiClient:
    def __init__(self, base_url: str, token: str, timeout: float = 60):
        self.base_url = base_url.rstrip("/")
        self._session = requests.Session()
        self._session.headers["authorization"] = f"Bearer {token}"
        self._timeout = timeout

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._session.request(method, self.base_url + path, timeout=self._timeout, **kwargs)
        try:
            body = response.json()
        except ValueError:
            body = response.text
        if response.status_code >= 400:
            raise ApiError(response.status_code, body)
        return body

    def get(self, path: str, **params: Any) -> Any:
        return self._call("GET", path, params=params or None)

    def post(self, path: str, body: Any = None, **params: Any) -> Any:
        return self._call("POST", path, json=body if body is not None else {}, params=params or None)

    def patch(self, path: str, body: Any) -> Any:
        return self._call("PATCH", path, json=body)

    # ------------------------------------------------------------------ the field app
    def create_application(self, declared: dict, replay: bool = False) -> dict:
        return self._call("POST", "/applications", data=_json_bytes(declared),
                          headers={"content-type": "application/json"}, params={"replay": "1"} if replay else None)

    def upload(self, application_id: str, path: Path, slot: str | None = None, replaces: str | None = None) -> dict:
        """Ask for a presigned POST for the slot, then upload the file exactly as the tablet does."""
        slot = slot or slot_of(path)
        content_type = content_type_of(path)
        request = {"slot": slot, "content_type": content_type, "filename": path.name}
        if replaces:
            request["replaces"] = replaces
        grant = self.post(f"/applications/{application_id}/documents", request)
        upload = grant["upload"]
        with open(path, "rb") as handle:
            response = requests.post(upload["url"], data=upload["fields"],
                                     files={"file": (path.name, handle, content_type)}, timeout=self._timeout)
        if response.status_code not in (200, 201, 204):
            raise ApiError(response.status_code, response.text[:300])
        return grant


def _decimal_as_string(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _json_bytes(value: Any) -> bytes:
    """Decimal amounts travel as decimal strings (the API reads both strings and numbers as Decimal)."""
    return json.dumps(value, ensure_ascii=False, default=_decimal_as_string).encode()
