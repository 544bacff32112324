"""The ``loanpipe`` command: the local cloud, tokens, extraction, the demo, explanations, audit verification,
operations."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from loanpipe_infra.foreground import wait_until_stopped
from loanpipe_infra.localcloud.auth import ROLES
from loanpipe_infra.localcloud.cloud import LocalCloud, LocalCloudState, project_root


def _state_path() -> Path:
    """Where a running local cloud says how to reach it (``LOANPIPE_STATE_DIR`` moves it, e.g. in tests)."""
    state_dir = os.environ.get("LOANPIPE_STATE_DIR")
    return (Path(state_dir) if state_dir else project_root() / ".loanpipe") / "local.json"


def cmd_local_up(args: argparse.Namespace) -> int:
    cloud = LocalCloud(moto_port=args.moto_port, api_port=args.api_port, console_port=args.console_port)
    state = cloud.start()
    print(f"local cloud up (pid {state.pid})")
    print(f"  AWS endpoint  {state.endpoint_url}   e.g. aws --endpoint-url {state.endpoint_url} sqs list-queues")
    print(f"  HTTP API      {state.api_url}")
    print(f"  console       {state.console_url}   users: loanpipe staff-user --role reviewer --user r1")
    print(f"  user pool     {state.user_pool_id}   client {state.user_pool_client_id}")
    print(f"  functions     {', '.join(cloud.pools)}")
    print(f"  logs          {cloud.state_dir / 'logs'}")
    print("  tokens        loanpipe token --role reviewer --user r1")
    print("Ctrl-C stops it.")
    try:
        wait_until_stopped()
    finally:
        cloud.stop()
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    state = LocalCloudState.read(_state_path())
    print(state.token(args.role, args.user, args.phone))
    return 0


def cmd_staff_user(args: argparse.Namespace) -> int:
    state = LocalCloudState.read(_state_path())
    print(state.staff_user(args.role, args.user, args.password))
    return 0


def cmd_console_publish(args: argparse.Namespace) -> int:
    import boto3

    from loanpipe_infra.console_publish import publish, stack_outputs

    session = boto3.Session(region_name=args.region)
    outputs = stack_outputs(session.client("cloudformation"), args.stack)
    written = publish(session.client("s3"), session.client("cloudfront"), outputs, session.region_name,
                      project_root() / "console")
    print(f"published {len(written)} file(s) to {outputs['ConsoleBucketName']}; the console: {outputs['ConsoleUrl']}")
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from loanpipe.domain.documents import DocType
    from loanpipe.domain.errors import RejectedInput
    from loanpipe.extraction.extract import extract_document

    # No Lambda clock here: the page limits still refuse what cannot be read, a busy machine only takes longer.
    budget = 600.0

    path = Path(args.path)
    expected = None if args.type == "auto" else DocType(args.type)
    try:
        extraction = extract_document(path.read_bytes(), expected_type=expected, filename=path.name,
                                      engine=args.engine, budget_seconds=budget)
    except RejectedInput as exc:
        print(json.dumps({"error": exc.code, "message": exc.message}, ensure_ascii=False))
        return 2
    print(json.dumps(extraction.result.contract_dict(), ensure_ascii=False, indent=2 if args.pretty else None))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from loanpipe_infra.demo import run_demo

    return run_demo(args)


def cmd_explain(args: argparse.Namespace) -> int:
    from loanpipe_infra.client import ApiClient

    state = LocalCloudState.read(_state_path())
    api = ApiClient(state.api_url, state.token("admin", args.user))
    decision = api.get(f"/applications/{args.application_id}/decision")
    print(decision.get("explanation") or json.dumps(decision, ensure_ascii=False, indent=2))
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Check an application's audit trail against the head kept on it, reading the table itself (not through
    the API, whose function could be the one that was tampered with)."""
    from loanpipe.adapters.dynamo import DynamoApplicationRepository
    from loanpipe.domain.errors import NotFound
    from loanpipe.service.audit_trail import verify_trail

    state = LocalCloudState.read(_state_path())
    repo = DynamoApplicationRepository(state.client("dynamodb"), state.resources["ApplicationsTable"]["Ref"])
    try:
        report = verify_trail(repo, args.application_id)
    except NotFound:
        print(f"no application {args.application_id}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2))
    elif report.ok:
        print(f"ok: {report.entries} entries, the chain is whole and ends at the head {report.head}")
    else:
        print(f"TAMPERED: {len(report.problems)} problem(s) in {report.entries} entries (head {report.head})")
        for problem in report.problems:
            print(f"  entry {problem.seq:>4}  {problem.what:<13} {problem.message}")
    return 0 if report.ok else 1


def cmd_erase(args: argparse.Namespace) -> int:
    """Erase a closed application's personal data (PIPL), as ``POST /applications/{id}/erase`` does, with the
    operator's credentials (``--bypass-governance`` also deletes unsigned contract renders under GOVERNANCE
    object lock, which the API never does)."""
    from loanpipe.adapters.aws import S3BlobStore
    from loanpipe.adapters.dynamo import DynamoApplicationRepository
    from loanpipe.adapters.fraud import DynamoImageIndex
    from loanpipe.domain.errors import NotFound, UserInputError
    from loanpipe.policy.model import default_policy
    from loanpipe.service.access import Caller, Role
    from loanpipe.service.erasure import ErasePorts, EraseRequest, ErasureConfig, erase_application
    from loanpipe.service.views import erasure_view

    if not args.yes:
        print("an erase cannot be undone: add --yes", file=sys.stderr)
        return 2
    state = LocalCloudState.read(_state_path())
    dynamodb, res = state.client("dynamodb"), state.resources
    ports = ErasePorts(DynamoApplicationRepository(dynamodb, res["ApplicationsTable"]["Ref"]),
                       S3BlobStore(state.client("s3")),
                       DynamoImageIndex(dynamodb, res["ImageIndexTable"]["Ref"],
                                        default_policy().fraud.duplicate_max_distance),
                       ErasureConfig(res["UploadsBucket"]["Ref"], res["ResultsBucket"]["Ref"],
                                     res["ContractsBucket"]["Ref"]))
    try:
        erasure = erase_application(ports, Caller(args.user, frozenset({Role.ADMIN})), args.application_id,
                                    EraseRequest(confirm=args.application_id), bypass_governance=args.bypass_governance)
    except NotFound:
        print(f"no application {args.application_id}", file=sys.stderr)
        return 2
    except UserInputError as exc:
        print(f"not erased: {exc.message}", file=sys.stderr)
        return 1
    print(json.dumps({"application_id": args.application_id, **erasure_view(erasure)}, ensure_ascii=False, indent=2))
    return 0


def cmd_ops_queues(args: argparse.Namespace) -> int:
    from loanpipe_infra.ops import queue_depths

    state = LocalCloudState.read(_state_path())
    for row in queue_depths(state):
        print(f"{row['queue']:<16} visible {row['visible']:>4}  in flight {row['in_flight']:>4}  "
              f"dead letters {row['dead_letters']:>4}")
    return 0


def cmd_ops_redrive(args: argparse.Namespace) -> int:
    from loanpipe_infra.ops import redrive

    state = LocalCloudState.read(_state_path())
    moved = redrive(state, args.queue)
    print(f"moved {moved} message(s) from the {args.queue} dead-letter queue back to its queue")
    return 0


def cmd_ops_stalled(args: argparse.Namespace) -> int:
    from loanpipe_infra.ops import stalled, stalled_lines

    rows = stalled(LocalCloudState.read(_state_path()), older_than=args.older_than)
    print(json.dumps(rows, indent=2) if args.json else "\n".join(stalled_lines(rows)))
    return 0


def cmd_policy_check(args: argparse.Namespace) -> int:
    from loanpipe.policy.model import PolicyError, load_policy

    try:
        policy = load_policy(Path(args.path))
    except PolicyError as exc:
        print(f"refused: {exc}")
        for problem in getattr(exc, "problems", None) or []:
            print(f"  {problem}")
        return 1
    print(f"ok: policy {policy.version} ({policy.description})")
    return 0


def cmd_contract_verify(args: argparse.Namespace) -> int:
    """Exit 0 only when the contract verifies; 1 when it does not; 2 when there is nothing to trust."""
    from loanpipe.contracts.verify import verify_contract

    pdf = Path(args.file).read_bytes()
    if args.trust_root:
        roots = [Path(path).read_bytes() for path in args.trust_root]
        source = ", ".join(args.trust_root)
    else:
        try:
            root = LocalCloudState.read(_state_path()).signing_root_pem
        except FileNotFoundError:
            root = None
        if not root:
            print("loanpipe: no --trust-root given and no running local cloud with a development CA to take it "
                  "from: pass the lender's root CA certificate with --trust-root CERT", file=sys.stderr)
            return 2
        roots, source = [root.encode("ascii")], "the running local cloud's development root CA"
    report = verify_contract(pdf, roots)
    print(f"{'VALID' if report.ok else 'NOT VALID'}: {args.file}")
    print(f"  trust root: {source}")
    for label, value in (("signer", report.signer), ("signing time stated", report.signed_at),
                         ("timestamp", report.timestamp)):
        if value is not None:
            print(f"  {label}: {value}")
    for finding in report.findings:
        print(f"  - {finding}")
    return 0 if report.ok else 1


def cmd_samples(args: argparse.Namespace) -> int:
    from testkit.samples import generate_applications

    samples = generate_applications(Path(args.out), args.count, args.seed, defect_rate=args.defect_rate,
                                    statement_layouts=args.statement_layouts.split(","),
                                    certificate_templates=args.certificate_templates.split(",")
                                    if args.certificate_templates else None)
    for sample in samples:
        print(f"{sample.folder}  defects={','.join(sample.defects) or '-'}  expected={sample.expected_decision}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="loanpipe", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    _cloud_commands(sub)
    _document_commands(sub)
    _operator_commands(sub)
    return parser


def _cloud_commands(sub: argparse._SubParsersAction) -> None:
    """The local cloud, staff tokens and the demo."""
    local = sub.add_parser("local", help="the embedded local cloud")
    local_sub = local.add_subparsers(dest="local_command", required=True)
    up = local_sub.add_parser("up", help="start it (moto server, template resources, functions, HTTP API)")
    up.add_argument("--moto-port", type=int, default=4566)
    up.add_argument("--api-port", type=int, default=3000)
    up.add_argument("--console-port", type=int, default=3001, help="where the back-office console is served")
    up.set_defaults(func=cmd_local_up)

    staff = sub.add_parser("staff-user", help="create a local staff user who signs in to the console; prints the "
                                             "password")
    staff.add_argument("--role", required=True, choices=ROLES)
    staff.add_argument("--user", required=True)
    staff.add_argument("--password", help="default: a new random one")
    staff.set_defaults(func=cmd_staff_user)

    token = sub.add_parser("token", help="print an access token of a local staff user")
    token.add_argument("--role", required=True, choices=ROLES)
    token.add_argument("--user", required=True)
    token.add_argument("--phone", help="the user's phone number (officers: used by the fraud checks)")
    token.set_defaults(func=cmd_token)

    console = sub.add_parser("console", help="the back-office console on AWS")
    console_sub = console.add_subparsers(dest="console_command", required=True)
    publish = console_sub.add_parser("publish", help="copy console/ and its config.json to the deployed stack's "
                                                     "bucket and refresh CloudFront")
    publish.add_argument("--stack", required=True, help="the stack name of `sam deploy`")
    publish.add_argument("--region", help="default: the AWS CLI's")
    publish.set_defaults(func=cmd_console_publish)

    demo = sub.add_parser("demo", help="run sample (or your) applications through the local cloud")
    demo.add_argument("--input", help="a folder of application folders (README format); replayed as of capture")
    demo.add_argument("--count", type=int, default=8, help="generated applications when no --input")
    demo.add_argument("--seed", type=int, default=2026)
    demo.add_argument("--defect-rate", type=float, default=0.4, help="share of generated applications with a defect")
    demo.add_argument("--json-out", help="write the outcomes to this JSON file")
    demo.add_argument("--exit", action="store_true", help="stop when done instead of serving reviewers")
    demo.add_argument("--timeout", type=float, default=900, help="seconds to wait for every outcome")
    demo.add_argument("--policy", help="a credit policy YAML to decide under (back-testing a new policy)")
    demo.add_argument("--no-sign", action="store_true",
                      help="leave approved applications waiting for signature (the demo signs them otherwise)")
    demo.add_argument("--moto-port", type=int, default=0)
    demo.add_argument("--api-port", type=int, default=0)
    demo.add_argument("--console-port", type=int, default=0, help="where the console is served (0: any free port)")
    demo.set_defaults(func=cmd_demo)


def _document_commands(sub: argparse._SubParsersAction) -> None:
    """Reading one document, verifying a sealed contract, generating sample applications."""
    extract = sub.add_parser("extract", help="read one document and print the extraction contract JSON")
    extract.add_argument("--type", required=True,
                         choices=["auto", "id_card_front", "id_card_back", "income_certificate", "bank_statement"])
    extract.add_argument("--engine", choices=["rapidocr", "tesseract", "consensus"])
    extract.add_argument("--pretty", action="store_true")
    extract.add_argument("path")
    extract.set_defaults(func=cmd_extract)

    contract = sub.add_parser("contract", help="signed loan contracts")
    contract_sub = contract.add_subparsers(dest="contract_command", required=True)
    verify = contract_sub.add_parser("verify", help="check a sealed contract's signature, chain, timestamp and "
                                                    "integrity (exit 0 only when all hold)")
    verify.add_argument("file")
    verify.add_argument("--trust-root", action="append", metavar="CERT",
                        help="the lender's root CA certificate (PEM or DER; repeatable). Default: the running "
                             "local cloud's development root")
    verify.set_defaults(func=cmd_contract_verify)

    samples = sub.add_parser("samples", help="generate synthetic application folders")
    samples.add_argument("--out", required=True)
    samples.add_argument("--count", type=int, default=10)
    samples.add_argument("--seed", type=int, default=7)
    samples.add_argument("--defect-rate", type=float, default=0.3)
    samples.add_argument("--statement-layouts", default="classic",
                         help="statement column layouts taken in turn (comma-separated names, or 'all')")
    samples.add_argument("--certificate-templates", default=None,
                         help="certificate templates taken in turn (comma-separated names, or 'all'; default: drawn)")
    samples.set_defaults(func=cmd_samples)


def _operator_commands(sub: argparse._SubParsersAction) -> None:
    """What risk and operations staff run: explanations, audit verification, queues and dead letters, policy
    checks."""
    explain = sub.add_parser("explain", help="why an application was decided as it was")
    explain.add_argument("application_id")
    explain.add_argument("--user", default="ops-explain")
    explain.set_defaults(func=cmd_explain)

    audit = sub.add_parser("audit", help="an application's audit trail")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="check the hash chain: names an edited, removed or reordered entry "
                                                 "(exit 1 when the trail was tampered with)")
    verify.add_argument("application_id")
    verify.add_argument("--json", action="store_true", help="the report as JSON")
    verify.set_defaults(func=cmd_audit_verify)

    erase = sub.add_parser("erase", help="erase a closed application's personal data (PIPL); audited")
    erase.add_argument("application_id")
    erase.add_argument("--yes", action="store_true", help="yes, erase it (it cannot be undone)")
    erase.add_argument("--user", default="ops-erase", help="the operator named in the audit trail")
    erase.add_argument("--bypass-governance", action="store_true",
                       help="also delete unsigned contract renders under GOVERNANCE object lock")
    erase.set_defaults(func=cmd_erase)

    ops = sub.add_parser("ops", help="operations: queues and dead letters")
    ops_sub = ops.add_subparsers(dest="ops_command", required=True)
    ops_sub.add_parser("queues", help="depth of every stage queue and its DLQ").set_defaults(func=cmd_ops_queues)
    redrive_parser = ops_sub.add_parser("redrive", help="move a stage's dead letters back to its queue")
    redrive_parser.add_argument("queue", choices=["extract", "validate", "score", "contract"])
    redrive_parser.set_defaults(func=cmd_ops_redrive)
    stalled_parser = ops_sub.add_parser("stalled", help="applications a stage gave up on (cause, age), and those "
                                                        "waiting longer than --older-than with no message in flight")
    stalled_parser.add_argument("--older-than", type=float, default=900.0, help="seconds (default 900)")
    stalled_parser.add_argument("--json", action="store_true")
    stalled_parser.set_defaults(func=cmd_ops_stalled)

    policy = sub.add_parser("policy", help="credit policies")
    policy_sub = policy.add_subparsers(dest="policy_command", required=True)
    check = policy_sub.add_parser("check", help="validate a policy YAML (names the line at fault)")
    check.add_argument("path")
    check.set_defaults(func=cmd_policy_check)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    try:
        return args.func(args)
    except FileNotFoundError as exc:
        print(f"loanpipe: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
