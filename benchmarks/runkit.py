"""What the chaos and load runs share: cheap application folders, a field-officer driver through the HTTP API of a
local cloud, a tap on the event bus, and the reconciliation that proves exactly-once effects.

Documents come from the testkit's sample generator (its own generator, not the dev set: these runs measure the
platform, not reading accuracy): clean-tier applications (most statements text-layer PDFs, some scans). A few
distinct folders are cycled: the first application of each carries its documents as generated (photos read with
OCR; it may be approved, signed and paid out); the later ones carry the statement only (``smaller_copies``: read
for real from its text layer; submitted as final, validated as ``document_missing``, sent to review). On this
machine (2 cores shared with other work, load average 13-30) a full set of documents costs about 3 CPU s of OCR
alone, and 200 full applications through the faults did not fit in an hour.
"""

from __future__ import annotations

import io
import json
import random
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
CHINA = ZoneInfo("Asia/Shanghai")
PHOTO_SCALE = 0.0  # the later applications of a folder carry no photo (see smaller_copies)
DONE_STATES = {"IN_REVIEW", "DECLINED", "SIGNED", "CANCELLED"}
SETTLED = {"EXTRACTED", "RETAKE_REQUESTED", "REJECTED_INPUT"}
SETTLE_ACTIONS = {"document.extracted", "document.retake_requested", "document.rejected"}
DECISION_ACTIONS = {"decision.approved", "decision.declined", "decision.review"}


def make_corpus(out_dir: Path, count: int, seed: int) -> list[Path]:
    """``count`` clean application folders captured now (reused when ``out_dir`` holds them already and they were
    captured less than an hour ago: the capture-clock check allows two)."""
    from testkit.samples import generate_applications

    folders = sorted(p for p in out_dir.iterdir() if (p / "application.json").exists()) if out_dir.is_dir() else []
    fresh = folders and time.time() - (folders[0] / "application.json").stat().st_mtime < 3600
    if len(folders) < count or not fresh:
        now = datetime.now(CHINA).replace(microsecond=0)
        generate_applications(out_dir, count, seed, tier="clean", defect_rate=0.0, captured_at=now)
        folders = sorted(p for p in out_dir.iterdir() if (p / "application.json").exists())
    return folders[:count]


def smaller_copies(folders: list[Path], out_dir: Path, scale: float = PHOTO_SCALE) -> list[Path]:
    """Cheap copies of ``folders`` for the later applications of each (they go to review whatever they carry): the
    text-layer statement as it is (read for real, no OCR) and nothing else: no photo to OCR; the application is
    submitted as final and validated as ``document_missing``. (``scale`` > 0 keeps the ID card photos, scaled.)
    A folder whose statement is a scan (the generator makes some) gets no copy."""
    from PIL import Image

    copies = []
    for folder in folders:
        if not _has_text_layer(folder / "bank_statement.pdf"):
            continue  # a scanned statement is read by OCR, page by page: not the cheap document these runs want
        copy = out_dir / folder.name
        copy.mkdir(parents=True, exist_ok=True)
        for path in folder.iterdir():
            if path.name.startswith("income_certificate") or (path.suffix.lower() in (".jpg", ".png") and not scale):
                continue
            if path.suffix.lower() not in (".jpg", ".png"):
                (copy / path.name).write_bytes(path.read_bytes())
                continue
            image = Image.open(path)
            small = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))))
            buffer = io.BytesIO()
            if path.suffix.lower() == ".png":
                small.save(buffer, "PNG")
            else:
                small.save(buffer, "JPEG", quality=85, exif=image.info.get("exif", b""))
            (copy / path.name).write_bytes(buffer.getvalue())
        copies.append(copy)
    return copies


def _has_text_layer(pdf: Path) -> bool:
    import pypdfium2

    if not pdf.exists():
        return False
    document = pypdfium2.PdfDocument(pdf)
    try:
        return all(document[index].get_textpage().count_chars() > 0 for index in range(len(document)))
    finally:
        document.close()


def own_id_number(id_number: str, index: int) -> str:
    """A valid ID number of the same area and sex, its own for application ``index`` (born ``index`` days later):
    the copies of a folder are other customers, not the same one applying again and again (a thousand
    applications of eight people would be flagged against each other, each against all before it)."""
    from datetime import date, timedelta

    from testkit.samples.persona import make_id_number

    birth = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])) + timedelta(days=index)
    return make_id_number(id_number[:6], birth, int(id_number[14:17]))


def document_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".pdf"))


@dataclass
class AppRun:
    """One application as the driver carries it; ``step`` says where to resume."""

    index: int
    folder: Path
    step: str = "create"  # create -> upload -> documents -> decision -> sign -> done
    application_id: str | None = None
    uploads: list[dict] = field(default_factory=list)  # S3 notification records of the uploads
    uploaded: set[str] = field(default_factory=set)  # file names uploaded (a resumed run does not upload them again)
    created: float | None = None
    last_upload: float | None = None
    decided: float | None = None
    finished: float | None = None
    state: str | None = None
    decision: str | None = None
    reasons: list[str] = field(default_factory=list)
    stalled: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"index": self.index, "folder": self.folder.name, "application_id": self.application_id,
                "step": self.step, "state": self.state, "decision": self.decision, "reasons": self.reasons,
                "stalled": self.stalled,
                "upload_to_decision_s": (round(self.decided - self.last_upload, 2)
                                         if self.decided and self.last_upload else None), "notes": self.notes}


class Driver:
    """Field officers (and their customers at signing) on the API of ``cloud``, one application per call."""

    def __init__(self, cloud, contracts_dir: Path, poll: float = 4.0, on_uploaded=None):
        from loanpipe_infra.client import ApiClient

        self.cloud = cloud
        self._api = ApiClient
        self._tokens: dict[str, object] = {}
        self._lock = threading.Lock()
        self.contracts_dir = contracts_dir
        self.poll = poll
        self.on_uploaded = on_uploaded  # called with the uploads' S3 event records (the chaos run delivers them again)
        self.bucket = cloud.stack.resources["UploadsBucket"]["Ref"]
        self._s3 = cloud.client("s3")  # one client for every officer thread (a client per upload cost 0.1 CPU s)

    def officer(self, officer_id: str):
        with self._lock:
            if officer_id not in self._tokens:
                self._tokens[officer_id] = self._api(self.cloud.state.api_url,
                                                     self.cloud.token("field_officer", officer_id))
            return self._tokens[officer_id]

    def drive(self, run: AppRun, deadline: float) -> AppRun:
        """Carry ``run`` as far as it goes before ``deadline`` (monotonic); resumable."""
        declared = json.loads((run.folder / "application.json").read_text(encoding="utf-8"), parse_float=Decimal)
        if run.folder.parent.name == "smaller":
            declared["applicant"]["id_number"] = own_id_number(declared["applicant"]["id_number"], run.index)
        api = self.officer(str(declared["capture"]["officer_id"]))
        try:
            if run.step == "create":
                run.created = time.monotonic()
                run.application_id = api.create_application(declared)["application_id"]
                run.step = "upload"
            if run.step == "upload":
                self._upload(api, run)
                run.step = "documents"
            if run.step == "documents":
                view = self._wait(api, run, deadline, lambda v: all(d["state"] in SETTLED for d in v["documents"]))
                if view is None:
                    return run
                final = bool(view["missing_slots"]) or any(d["state"] != "EXTRACTED" for d in view["documents"])
                api.post(f"/applications/{run.application_id}/submit", {"final": final})
                run.step = "decision"
            if run.step == "decision":
                view = self._wait(api, run, deadline, lambda v: v["state"] in DONE_STATES | {"AWAITING_SIGNATURE"})
                if view is None:
                    return run
                run.decided = run.decided or time.monotonic()
                run.step = "sign" if view["state"] == "AWAITING_SIGNATURE" else "done"
            if run.step == "sign":
                from loanpipe_infra.customer import sign_at_the_door

                signed = sign_at_the_door(api, run.application_id, declared["applicant"], declared["capture"],
                                          self.cloud.sms_outbox, self.contracts_dir,
                                          timeout=max(5.0, deadline - time.monotonic()))
                if signed.state != "SIGNED":
                    run.notes.append(f"signing: {signed.note}")
                    view = self._wait(api, run, deadline, lambda v: v["state"] in DONE_STATES)
                    if view is None:
                        return run
                run.step = "done"
            if run.step == "done":
                run.finished = run.finished or time.monotonic()
                self._wait(api, run, deadline, lambda v: True)
        except Exception as exc:  # noqa: BLE001 - a driver error is reported, never hides the others
            run.notes.append(f"driver: {type(exc).__name__}: {str(exc)[:200]}")
        return run

    def _upload(self, api, run: AppRun) -> None:
        for path in document_files(run.folder):
            if path.name in run.uploaded:
                continue
            grant = api.upload(run.application_id, path)
            run.uploaded.add(path.name)
            head = self._s3.head_object(Bucket=self.bucket, Key=grant["key"])
            run.uploads.append({"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": "ObjectCreated:Post",
                                "s3": {"bucket": {"name": self.bucket},
                                       "object": {"key": grant["key"], "size": head["ContentLength"],
                                                  "eTag": head["ETag"].strip('"')}}})
        run.last_upload = time.monotonic()
        if self.on_uploaded is not None:
            self.on_uploaded(run.uploads)

    def _wait(self, api, run: AppRun, deadline: float, done) -> dict | None:
        from loanpipe_infra.client import ApiError

        while True:
            try:
                view = api.get(f"/applications/{run.application_id}")
            except ApiError as exc:  # the officer looks again (a refresh), the failure stays in the report
                if exc.status < 500 or time.monotonic() > deadline:
                    raise
                run.notes.append(f"poll: HTTP {exc.status}")
                time.sleep(self.poll)
                continue
            run.state = view["state"]
            run.decision = (view.get("decision") or {}).get("decision")
            run.reasons = [r["code"] for r in (view.get("decision") or {}).get("reasons", [])]
            run.stalled = [{k: s[k] for k in ("stage", "cause", "error")} for s in view.get("stalled", [])]
            if done(view):
                return view
            if time.monotonic() > deadline or run.stalled:
                return None
            time.sleep(self.poll)


# ------------------------------------------------------------------ S3 events delivered twice, out of order
class Redeliverer:
    """Every upload's S3 event delivered a second time, shuffled and late (0 to ``max_delay`` s)."""

    def __init__(self, cloud, seed: int, max_delay: float = 20.0):
        self._sqs = cloud.client("sqs")
        self._url = cloud.queue_url("ExtractQueue")
        self._random = random.Random(seed)
        self._max_delay = max_delay
        self._pending: list[tuple[float, dict]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="redeliver")
        self.sent = 0

    def add(self, records: list[dict]) -> None:
        with self._lock:
            for record in records:
                self._pending.append((time.monotonic() + self._random.uniform(0, self._max_delay), record))
            self._random.shuffle(self._pending)

    def start(self) -> None:
        self._thread.start()

    def drain(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    break
            time.sleep(0.5)
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            now = time.monotonic()
            with self._lock:
                due = [item for item in self._pending if item[0] <= now]
                self._pending = [item for item in self._pending if item[0] > now]
            for _, record in due:  # in the shuffled order, not the upload order
                self._sqs.send_message(QueueUrl=self._url, MessageBody=json.dumps({"Records": [record]}))
                self.sent += 1
            time.sleep(0.3)


class PollerCrasher:
    """A poller dies and restarts mid-batch every ``period`` s (one with a batch in flight, when there is one)."""

    def __init__(self, cloud, seed: int, period: float = 30.0):
        self._pollers = [p for p in cloud.pollers]
        self._random = random.Random(seed)
        self._period = period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="poller-crasher")
        self.crashes: Counter = Counter()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self._period):
            busy = [p for p in self._pollers if p.busy] or self._pollers
            poller = self._random.choice(busy)
            poller.crash()
            self.crashes[poller.source.name] += 1


# ------------------------------------------------------------------ the event bus, read
def tap_event_bus(cloud) -> str:
    """An extra rule on the domain bus sending every event to a queue of its own (the run's archive)."""
    sqs, events = cloud.client("sqs"), cloud.client("events")
    url = sqs.create_queue(QueueName="run-bus-tap")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = cloud.stack.resources["DomainEventBus"]["Ref"]
    events.put_rule(Name="run-bus-tap", EventBusName=bus, EventPattern=json.dumps({"source": ["loanpipe"]}))
    events.put_targets(Rule="run-bus-tap", EventBusName=bus, Targets=[{"Id": "tap", "Arn": arn}])
    return url


def drain_queue(sqs, url: str) -> list[dict]:
    """Every message of a queue, read and deleted (the run's end: nothing else reads these)."""
    out = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                    VisibilityTimeout=60).get("Messages", [])
        if not batch:
            return out
        for message in batch:
            out.append(json.loads(message["Body"]))
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                        for i, m in enumerate(batch)])


# ------------------------------------------------------------------ reconciliation
def reconcile(cloud, runs: list[AppRun], bus_events: list[dict], disbursements: list[dict], *,
              only_runs: bool = False) -> dict:
    """Exactly-once, checked from the stores and the events sent (not from the driver's notes):

    - every object in the uploads bucket is exactly one document of its application, in one settled state,
      settled by exactly one audit entry;
    - no application has two decisions (audit), two contracts (audit and contracts bucket), two decision events
      (distinct ``ApplicationDecided`` on the bus) or two disbursement instructions (distinct instruction ids on
      the disbursement queue; a re-sent copy of the same instruction is counted apart);
    - every contract rendered was announced (a ``ContractReady`` on the bus: events go at least once);
    - every application is in a state where it waits for a person or is finished, or shows a live stall (a
      visible reason); none is stuck without one.

    ``only_runs``: only the objects of the runs' applications (a cloud that other tests share)."""
    from loanpipe.adapters.dynamo import DynamoApplicationRepository
    from loanpipe.service.intake import parse_upload_key

    repo = DynamoApplicationRepository(cloud.client("dynamodb"), cloud.stack.resources["ApplicationsTable"]["Ref"])
    s3 = cloud.client("s3")
    uploads_bucket = cloud.stack.resources["UploadsBucket"]["Ref"]
    contracts_bucket = cloud.stack.resources["ContractsBucket"]["Ref"]
    problems: list[str] = []
    counts: Counter = Counter()
    records = {run.application_id: repo.get(run.application_id) for run in runs if run.application_id}
    trails = {app_id: repo.audit_trail(app_id) for app_id in records}

    keys = ([key for app_id in records for key in _keys(s3, uploads_bucket, f"uploads/{app_id}/")] if only_runs
            else _keys(s3, uploads_bucket, "uploads/"))
    for key in keys:
        counts["uploaded_objects"] += 1
        owner = parse_upload_key(key)
        record = records.get(owner[0]) if owner else None
        docs = [d for d in record.documents.values() if d.key == key] if record else []
        if len(docs) != 1:
            problems.append(f"object {key}: {len(docs)} documents")
            continue
        doc = docs[0]
        settles = [e for e in trails[record.application_id] if e.document_id == doc.document_id
                   and e.action in SETTLE_ACTIONS]
        counts[f"documents_{doc.state.value}"] += 1
        if doc.state.value == "SUPERSEDED" and len(settles) <= 1:
            continue  # replaced by a later upload of its slot: it may have been read once, or never
        if doc.state.value not in SETTLED or len(settles) != 1:
            problems.append(f"object {key}: document {doc.state.value}, settled {len(settles)} times")

    contract_objects = Counter(parse_contract_owner(key) for key in _versions(s3, contracts_bucket, "contracts/")
                               if key.endswith("/contract.pdf"))
    decided_events = defaultdict(set)
    announced = Counter()
    for event in bus_events:
        counts[f"bus_{event.get('detail-type')}"] += 1
        if event.get("detail-type") == "ContractReady":
            announced[event["detail"]["application_id"]] += 1
        if event.get("detail-type") == "ApplicationDecided":
            detail = event["detail"]
            decided_events[detail["application_id"]].add(json.dumps(detail, sort_keys=True))
    instructions = defaultdict(set)
    for event in disbursements:
        counts["disbursement_messages"] += 1
        instructions[event["detail"]["application_id"]].add(event["detail"]["instruction_id"])
    counts["disbursement_instructions"] = sum(len(ids) for ids in instructions.values())

    for app_id, record in records.items():
        trail = trails[app_id]
        state = record.state.value
        counts[f"state_{state}"] += 1
        decisions = [e for e in trail if e.action in DECISION_ACTIONS]
        rendered = [e for e in trail if e.action == "contract.rendered"]
        signed = [e for e in trail if e.action == "contract.signed"]
        for what, n in (("decisions", len(decisions)), ("contracts rendered", len(rendered)),
                        ("contracts signed", len(signed)), ("decision events", len(decided_events[app_id])),
                        ("disbursement instructions", len(instructions[app_id]))):
            if n > 1:
                problems.append(f"{app_id}: {n} {what}")
        if rendered and not announced[app_id]:
            problems.append(f"{app_id}: contract rendered, no ContractReady on the bus")
        if contract_objects[app_id] > 1:
            problems.append(f"{app_id}: {contract_objects[app_id]} contract PDF versions")
        if state == "SIGNED" and len(instructions[app_id]) != 1:
            problems.append(f"{app_id}: SIGNED with {len(instructions[app_id])} disbursement instructions")
        live = record.live_stalls()
        counts["stalled_visible"] += bool(live)
        if state not in DONE_STATES | {"AWAITING_SIGNATURE"} and not live:
            problems.append(f"{app_id}: stuck in {state} with no visible reason")
    counts["applications"] = len(records)
    return {"ok": not problems, "problems": problems, "counts": dict(sorted(counts.items()))}


def reconciliation_lines(result: dict, driver_notes: list[str]) -> list[str]:
    """The end of a run's report: the reconciliation's counts, its problems, and what the driver noted."""
    lines = ["## Reconciliation counts", "", "| count | value |", "|---|---|",
             *[f"| {k} | {v} |" for k, v in result["counts"].items()], ""]
    if result["problems"]:
        lines += ["## Problems", "", *[f"- {p}" for p in result["problems"][:100]], ""]
    if driver_notes:
        lines += ["## Driver notes", "", *[f"- {n}" for n in driver_notes], ""]
    return lines


def parse_contract_owner(key: str) -> str:
    """contracts/<application>/... -> the application id."""
    parts = key.split("/")
    return parts[1] if len(parts) > 2 else key


def _keys(s3, bucket: str, prefix: str) -> list[str]:
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return keys


def _versions(s3, bucket: str, prefix: str) -> list[str]:
    """One key per stored version (the contracts bucket keeps versions: object lock)."""
    keys = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        keys += [item["Key"] for item in page.get("Versions", [])]
    return keys


def folder_for(index: int, folders: list[Path], copies: list[Path]) -> Path:
    """The first application of each folder takes it as generated, the later ones its half-size copy."""
    return folders[index] if index < len(folders) else copies[index % len(copies)]
