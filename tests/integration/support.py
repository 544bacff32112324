"""Helpers of the integration tests: applications, uploads and waiting on the local cloud."""

from __future__ import annotations

import io
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


def declared(officer: str = "FO-0012", id_number: str = "110105198803120014") -> dict:
    return {
        "applicant": {"name": "张伟", "id_number": id_number, "phone": "13800138000",
                      "address": "北京市朝阳区建国路88号"},
        "loan": {"amount": "120000.00", "term_months": 36, "vehicle_price": "180000.00", "vehicle_type": "new"},
        "capture": {"officer_id": officer, "lat": 39.91, "lon": 116.46, "captured_at": "2026-11-20T10:31:00+08:00"},
    }


def card_photo(text: str = "姓名 张伟") -> bytes:
    image = Image.new("RGB", (1012, 638), (236, 240, 244))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 40)
    draw.text((80, 80), text, font=font, fill=(20, 20, 20))
    draw.text((80, 520), "公民身份号码 110105198803120014", font=font, fill=(20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def wait_for(fetch, done, timeout: float = 120.0, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting; last value: {value!r}"[:2000])
        time.sleep(interval)


def document_settled(api, application_id: str, document_id: str, timeout: float = 120.0) -> dict:
    def fetch():
        view = api.get(f"/applications/{application_id}")
        return next(d for d in view["documents"] if d["document_id"] == document_id)

    return wait_for(fetch, lambda d: d["state"] not in ("PENDING_UPLOAD", "EXTRACTING"), timeout)


def queue_depth(sqs, url: str) -> int:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


def dead_letter_bodies(sqs, url: str) -> list[str]:
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0,
                                   WaitTimeSeconds=0).get("Messages", [])
    return [m["Body"] for m in messages]
