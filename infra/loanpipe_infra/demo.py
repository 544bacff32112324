"""``loanpipe demo``: applications in, decisions and contracts out, through the local cloud.

Each application goes through the HTTP API exactly as the field app sends it: create, one presigned
POST per document, wait for the extraction feedback, submit. Generated samples are live captures
(captured now); ``--input`` folders are replayed as of their recorded ``captured_at``.
"""

from __future__ import annotations

import argparse
import json
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from loanpipe_infra.client import ApiClient, ApiError, slot_of
from loanpipe_infra.foreground import wait_until_stopped
from loanpipe_infra.localcloud.cloud import LocalCloud

DONE_STATES = {"IN_REVIEW", "DECLINED", "AWAITING_SIGNATURE", "SIGNED", "CANCELLED"}
SETTLED_DOC_STATES = {"EXTRACTED", "RETAKE_REQUESTED", "REJECTED_INPUT", "SUPERSEDED"}
DECISION_OF_STATE = {"IN_REVIEW": "review", "DECLINED": "decline", "AWAITING_SIGNATURE": "approve",
                     "SIGNED": "approve", "APPROVED": "approve"}


@dataclass
class Outcome:
    folder: str
    application_id: str | None
    state: str
    decision: str | None
    reasons: list[str] = field(default_factory=list)
    score: int | None = None
    policy_version: str | None = None
    expected: str | None = None  # from truth.json of generated samples, shown in the table only
    contract: str | None = None  # the signed contract's file and whether it verified

    def as_json(self) -> dict:
        return {key: value for key, value in self.__dict__.items() if key not in ("expected", "contract")}


class Progress:
    def __init__(self) -> None:
        self._started = time.monotonic()
        self._lock = threading.Lock()

    def say(self, label: str, text: str) -> None:
        with self._lock:
            print(f"[{time.monotonic() - self._started:6.1f}s] {label:<28} {text}", flush=True)


def _application_folders(root: Path) -> list[Path]:
    if (root / "application.json").exists():
        return [root]
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / "application.json").exists())


def _document_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and slot_of(p) and p.suffix.lower() in
                  (".jpg", ".jpeg", ".png", ".pdf"))


def _expected(folder: Path) -> str | None:
    truth = folder / "truth.json"
    if truth.exists():
        return json.loads(truth.read_text(encoding="utf-8")).get("expected_decision")
    return None


def _refusal_reasons(code: str, details: list[dict]) -> list[str]:
    """The reason codes of an application the API refused at creation (the field it named, in its words)."""
    reasons = []
    for detail in details:
        field, message = detail.get("field", ""), detail.get("message", "")
        if field.startswith("loan.amount") or field.startswith("loan.vehicle_price"):
            reasons.append("amount_invalid")
        elif field == "applicant.id_number" and "check character" in message:
            reasons.append("id_checksum_invalid")
        elif field == "applicant.id_number" and ("first-generation" in message or "at least 18" in message):
            reasons.append("id_legacy_number")
    return sorted(set(reasons)) or [code]


class DemoRunner:
    def __init__(self, cloud: LocalCloud, progress: Progress, replay: bool, timeout: float, sign: bool = True,
                 contracts_dir: Path | None = None):
        self.cloud = cloud
        self.sign = sign
        self.contracts_dir = contracts_dir or Path(".loanpipe") / "demo-contracts"
        self.progress = progress
        self.replay = replay
        self.timeout = timeout
        self._tokens: dict[str, ApiClient] = {}
        self._lock = threading.Lock()

    def officer(self, officer_id: str) -> ApiClient:
        with self._lock:
            if officer_id not in self._tokens:
                token = (self.cloud.back_test_token(officer_id) if self.replay
                         else self.cloud.token("field_officer", officer_id))
                self._tokens[officer_id] = ApiClient(self.cloud.state.api_url, token)
            return self._tokens[officer_id]

    def run(self, folder: Path) -> Outcome:
        label = folder.name
        expected = _expected(folder)
        try:
            declared = json.loads((folder / "application.json").read_text(encoding="utf-8"), parse_float=Decimal)
            officer_id = str(declared["capture"]["officer_id"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            self.progress.say(label, f"refused: application.json is not readable ({type(exc).__name__})")
            return Outcome(folder.name, None, "REJECTED_INPUT", "decline", ["application_invalid"], expected=expected)
        api = self.officer(officer_id)
        try:
            created = api.create_application(declared, replay=self.replay)
        except ApiError as exc:
            code = exc.body.get("error", "invalid_request") if isinstance(exc.body, dict) else "invalid_request"
            details = exc.body.get("details", []) if isinstance(exc.body, dict) else []
            fields = ", ".join(d.get("field", "") for d in details)
            self.progress.say(label, f"refused by the API: HTTP {exc.status} {code} {fields}")
            reasons = _refusal_reasons(code, details)
            return Outcome(folder.name, None, "REJECTED_INPUT", "decline", reasons, expected=expected)
        app_id = created["application_id"]
        label = f"{folder.name} {app_id[-6:]}"
        files = _document_files(folder)
        self.progress.say(label, f"created, uploading {len(files)} document(s)")
        for path in files:
            try:
                api.upload(app_id, path)
            except ApiError as exc:
                self.progress.say(label, f"{path.name}: upload refused (HTTP {exc.status})")
        view = self._wait(api, app_id, lambda v: all(d["state"] in SETTLED_DOC_STATES for d in v["documents"]),
                          label, documents=True)
        problems = [d for d in view["documents"] if d["state"] in ("RETAKE_REQUESTED", "REJECTED_INPUT")]
        final = bool(problems or view["missing_slots"])
        if final:
            self.progress.say(label, "no retake possible here: submitting what there is (final)")
        api.post(f"/applications/{app_id}/submit", {"final": final})
        view = self._wait(api, app_id, lambda v: v["state"] in DONE_STATES, label)
        decision = view.get("decision") or {}
        outcome = Outcome(
            folder=folder.name,
            application_id=app_id,
            state=view["state"],
            decision=decision.get("decision") or DECISION_OF_STATE.get(view["state"]),
            reasons=[r["code"] for r in decision.get("reasons", [])],
            score=decision.get("score"),
            policy_version=decision.get("policy_version"),
            expected=expected,
        )
        self.progress.say(label, f"-> {outcome.state} ({outcome.decision}) {' '.join(outcome.reasons)}")
        if self.sign and outcome.state == "AWAITING_SIGNATURE":
            self._sign(api, outcome, declared, label)
        return outcome

    def settle(self, outcomes: list[Outcome]) -> None:
        """Read every application once more when all are done: a later application can still change an earlier
        one (a reused picture found afterwards pulls an approval back to a reviewer and flags it), and the
        outcome reported is the application's final word, not what it was when its own run ended."""
        self.cloud.wait_idle(timeout=120)
        admin = ApiClient(self.cloud.state.api_url, self.cloud.token("admin", "demo-settle"))
        for outcome in outcomes:
            if outcome.application_id is None:
                continue
            view = admin.get(f"/applications/{outcome.application_id}")
            decision = view.get("decision") or {}
            reasons = [r["code"] for r in decision.get("reasons", [])]
            changed = (view["state"], reasons) != (outcome.state, outcome.reasons)
            if changed:
                self.progress.say(outcome.folder, f"since decided: {outcome.state} -> {view['state']} "
                                                  f"{' '.join(reasons)}".rstrip())
                outcome.state, outcome.reasons = view["state"], reasons
                outcome.decision = decision.get("decision") or DECISION_OF_STATE.get(view["state"])

    def _sign(self, api: ApiClient, outcome: Outcome, declared: dict, label: str) -> None:
        """The customer's part: code from the phone, a drawn signature; then the lender's seal is verified."""
        from loanpipe_infra.customer import sign_at_the_door

        assert outcome.application_id is not None
        self.progress.say(label, "customer reads the contract, gets a code by SMS and signs")
        signed = sign_at_the_door(api, outcome.application_id, declared["applicant"], declared["capture"],
                                  self.cloud.sms_outbox, self.contracts_dir)
        outcome.state = signed.state
        if signed.contract_path is None:
            self.progress.say(label, f"not signed: {signed.note}")
            return
        verdict = self.cloud.verify_contract(signed.contract_path.read_bytes())
        outcome.contract = f"{signed.contract_path.name} ({'verified' if verdict.ok else 'NOT VERIFIED'})"
        said = "verified" if verdict.ok else "failed verification: " + " ".join(verdict.findings)
        self.progress.say(label, f"-> SIGNED, sealed contract {signed.contract_path} {said}")

    def _wait(self, api: ApiClient, app_id: str, done, label: str, documents: bool = False) -> dict:
        deadline = time.monotonic() + self.timeout
        seen: dict[str, str] = {}
        while True:
            view = api.get(f"/applications/{app_id}")
            if documents:
                for doc in view["documents"]:
                    state = doc["state"]
                    if seen.get(doc["document_id"]) != state and state in SETTLED_DOC_STATES:
                        reasons = " ".join(r["code"] for r in doc["reasons"])
                        self.progress.say(label, f"{doc['slot']}: {state.lower()} {reasons}".rstrip())
                    seen[doc["document_id"]] = state
            if done(view) or time.monotonic() > deadline:
                return view
            time.sleep(0.5)


def _print_table(outcomes: list[Outcome]) -> None:
    headers = ["folder", "application", "state", "decision", "expected", "score", "signed contract", "reasons"]
    rows = [[o.folder, (o.application_id or "-")[-10:], o.state, o.decision or "-", o.expected or "-",
             "-" if o.score is None else str(o.score), o.contract or "-", " ".join(o.reasons) or "-"]
            for o in outcomes]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    widths[-1] = len(headers[-1])
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print("\n" + line + "\n" + "-" * max(len(line), 60))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.decision or "none"] = counts.get(outcome.decision or "none", 0) + 1
    print("\n" + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) + f"  (of {len(outcomes)})")


def _serve_reviewers(cloud: LocalCloud, outcomes: list[Outcome]) -> None:
    """The demo's review items are in the queue: say where the console is and who can sign in to it."""
    state = cloud.state
    assert state is not None
    in_review = sum(1 for o in outcomes if o.state == "IN_REVIEW")
    reviewers = [(user, cloud.staff_user("reviewer", user, _demo_password())) for user in ("reviewer-1", "reviewer-2")]
    print(f"\n{in_review} application(s) wait in the review queue. The console stays up (Ctrl-C stops it):")
    print(f"  console   {state.console_url}")
    for user, password in reviewers:
        print(f"  reviewer  {user}  password {password}")
    print("  (two reviewers: an approval above the policy's four-eyes amount needs a second one)")
    print(f"  API       {state.api_url}   token: loanpipe token --role reviewer --user reviewer-1")


def _demo_password() -> str:
    return "Review-" + secrets.token_urlsafe(6).replace("-", "x").replace("_", "y") + "9a"


def run_demo(args: argparse.Namespace) -> int:
    progress = Progress()
    if args.input:
        root = Path(args.input)
        if not root.is_dir():
            print(f"loanpipe demo: {root} is not a folder")
            return 2
        replay = True
    else:
        from testkit.samples import generate_applications

        root = Path(".loanpipe") / "demo-samples" / f"seed-{args.seed}"
        now = datetime.now(ZoneInfo("Asia/Shanghai")).replace(microsecond=0)
        progress.say("samples", f"generating {args.count} applications (seed {args.seed}) in {root}")
        generate_applications(root, args.count, args.seed, defect_rate=args.defect_rate, captured_at=now)
        replay = False
    folders = _application_folders(root)
    if not folders:
        print(f"loanpipe demo: no application folders (with application.json) in {root}")
        return 2
    overrides = {}
    if args.policy:
        from loanpipe.policy.model import PolicyError, load_policy

        policy_path = Path(args.policy).resolve()
        try:
            policy = load_policy(policy_path)
        except (PolicyError, OSError) as exc:
            print(f"loanpipe demo: the policy is refused: {exc}")
            return 2
        overrides["CreditPolicy"] = str(policy_path)
        progress.say("policy", f"{policy.version} from {policy_path}")
    progress.say("local cloud", "starting (moto server, template resources, functions)")
    cloud = LocalCloud(moto_port=args.moto_port, api_port=args.api_port, parameter_overrides=overrides,
                       console_port=args.console_port)
    state = cloud.start()
    progress.say("local cloud", f"up: API {state.api_url}  AWS endpoint {state.endpoint_url}")
    try:
        runner = DemoRunner(cloud, progress, replay=replay, timeout=args.timeout, sign=not args.no_sign)
        with ThreadPoolExecutor(max_workers=4) as pool:
            outcomes = list(pool.map(runner.run, folders))
        runner.settle(outcomes)
        _print_table(outcomes)
        if args.json_out:
            Path(args.json_out).write_text(json.dumps([o.as_json() for o in outcomes], ensure_ascii=False, indent=2))
            print(f"outcomes written to {args.json_out}")
        if not args.exit:
            _serve_reviewers(cloud, outcomes)
            wait_until_stopped()
    finally:
        cloud.stop()
    missing = [o for o in outcomes if o.decision is None]
    return 1 if missing else 0
