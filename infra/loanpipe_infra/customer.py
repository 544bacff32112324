"""The customer's part at the door, as the demo plays it on the officer's tablet: read the contract, confirm,
take the one-time code from their phone (the local cloud's SMS outbox), sign with a finger, and wait for the
lender's seal."""

from __future__ import annotations

import base64
import hashlib
import io
import random
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
from PIL import Image, ImageDraw, ImageFont

from loanpipe_infra.client import ApiClient, ApiError
from testkit.fakes import sms_code

KAI_FONTS = ("/usr/share/fonts/truetype/arphic/ukai.ttc", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


def draw_signature(name: str, seed: int = 0) -> bytes:
    """A handwritten-looking signature: the name in a brush (Kai) face, slanted, with a flourish. PNG bytes."""
    rng = random.Random(f"{name}:{seed}")
    font_path = next((p for p in KAI_FONTS if Path(p).exists()), None)
    font = ImageFont.truetype(font_path, 72) if font_path else ImageFont.load_default()
    image = Image.new("L", (420, 150), 255)
    pen = ImageDraw.Draw(image)
    x = 24
    for char in name:
        pen.text((x, 30 + rng.randint(-6, 6)), char, font=font, fill=rng.randint(0, 40))
        x += 70 + rng.randint(-8, 4)
    points = [(20 + i * 12, 125 + int(8 * rng.random()) - i // 3) for i in range(max(4, (x - 20) // 12))]
    pen.line(points, fill=30, width=3)
    slanted = image.transform(image.size, Image.Transform.AFFINE, (1, 0.25, -20, 0, 1, 0), fillcolor=255)
    out = io.BytesIO()
    slanted.save(out, format="PNG", optimize=True)
    return out.getvalue()


@dataclass
class Signed:
    state: str
    contract_path: Path | None = None
    signed_sha256: str | None = None
    note: str = ""


def sign_at_the_door(api: ApiClient, application_id: str, applicant: dict, capture: dict,
                     read_sms, out_dir: Path, timeout: float = 120) -> Signed:
    """Carry one AWAITING_SIGNATURE application to SIGNED through the API; the signed PDF is saved."""
    shown = api.get(f"/applications/{application_id}/contract")
    pdf = requests.get(shown["url"], timeout=30).content
    if hashlib.sha256(pdf).hexdigest() != shown["sha256"]:
        return Signed("AWAITING_SIGNATURE", note="the contract downloaded is not the one the API names")
    phone = str(applicant["phone"])
    before = len([text for number, text in read_sms() if number.endswith(phone)])
    sent = api.post(f"/applications/{application_id}/signing/code", {"contract_sha256": shown["sha256"]})
    code = _wait_for_code(read_sms, phone, before)
    body = {"ceremony_id": sent["ceremony_id"], "code": code, "contract_sha256": shown["sha256"],
            "signer_id_number": applicant["id_number"],
            "signature_png": base64.b64encode(draw_signature(applicant["name"])).decode(),
            "signed_at": datetime.now(ZoneInfo("Asia/Shanghai")).isoformat(),
            "lat": float(capture["lat"]), "lon": float(capture["lon"])}
    try:
        api.post(f"/applications/{application_id}/signing/signature", body)
    except ApiError as exc:
        return Signed("AWAITING_SIGNATURE", note=f"signature refused: HTTP {exc.status}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = api.get(f"/applications/{application_id}/contract")
        if "signed" in view:
            signed = requests.get(view["signed"]["url"], timeout=30).content
            out_dir.mkdir(parents=True, exist_ok=True)
            path = out_dir / f"{application_id}-signed.pdf"
            path.write_bytes(signed)
            return Signed("SIGNED", path, view["signed"]["sha256"])
        state = api.get(f"/applications/{application_id}")["state"]
        if state not in ("AWAITING_SIGNATURE", "SIGNED"):  # pulled back before the seal: no seal will come
            return Signed(state, note=f"the application went to {state} before the seal")
        time.sleep(0.5)
    return Signed(api.get(f"/applications/{application_id}")["state"], note="no seal within the timeout")


def _wait_for_code(read_sms, phone: str, seen: int, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        texts = [text for number, text in read_sms() if number.endswith(phone)]
        if len(texts) > seen:
            code = sms_code(texts[-1])
            if code:
                return code
        time.sleep(0.2)
    raise TimeoutError("no code reached the customer's phone")
