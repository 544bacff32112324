"""What a function loads when its execution environment starts: not the PDF signing stack. pyHanko (with lxml,
aiohttp, cryptography) ships in the common layer for the contract seal and is imported only when a contract is
sealed or verified, so no function, the contract function included, pays for it at start."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from backbone.test_what_ships import FUNCTIONS

SEAL_STACK = {"pyhanko", "pyhanko_certvalidator", "lxml", "aiohttp", "asn1crypto"}


@pytest.mark.parametrize("app", FUNCTIONS, ids=[app.parent.name for app in FUNCTIONS])
def test_no_function_loads_the_signing_stack_when_it_starts(app):
    # Given the function's handler module imported as Lambda imports it (its folder on the path, no event yet)
    probe = "import sys, json, app; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    env = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "true", "AWS_DEFAULT_REGION": "eu-west-1"}
    result = subprocess.run([sys.executable, "-c", probe], cwd=app.parent, env=env, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    # Then none of the seal's packages is among the modules loaded
    assert "loanpipe" in loaded
    assert loaded & SEAL_STACK == set()


# What the light functions (the API, validate, score) must not import when their execution environment starts
# (issue 11: a cold start <= 0.3 s): each is built on the first message or request, if that function needs it at
# all. A structural check, not a timing: benchmarks/cold_start.py measures the time.
NOT_AT_START = {
    "pydantic": "models (settings, messages, records) are built on the first message or request",
    "boto3": "clients are made on the first message or request",
    "yaml": "the credit policy is read on first use",
    "aws_xray_sdk": "tracing is off unless the template turns it on",
    "PIL": "images are the extract function's",
    "numpy": "the OCR stack is the extract function's",
    "reportlab": "the PDF stack is the contract function's",
    "pypdfium2": "PDFs are the extract function's",
    "aws_lambda_powertools.utilities.batch": "the batch machinery comes with the first batch",
    "aws_lambda_powertools.utilities.idempotency": "idempotency comes with the first message",
    "loanpipe.entry.settings": "settings are read on first use",
    "loanpipe.service.messages": "message models are built on the first message",
    "loanpipe.policy": "the credit policy is read on first use",
    "loanpipe.adapters": "adapters are made with their clients",
    "loanpipe.decision": "scoring is the score function's, loaded with its stage",
    "loanpipe.validation": "validation is the validate function's, loaded with its stage",
    "loanpipe.extraction": "extraction is the extract function's, loaded with its stage",
}
# A queue-driven function does not load asyncio (powertools' batch brings it); the API does: powertools' event
# handler package imports its AppSync resolver, which imports asyncio, whatever resolver the API uses.
NOT_AT_STAGE_START = {**NOT_AT_START, "asyncio": "powertools' batch machinery comes with the first batch"}
LIGHT = [app for app in FUNCTIONS if app.parent.name in ("api", "validate", "score")]


def _loaded_at_import(app) -> set[str]:
    probe = "import sys, json, app; print(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "POWERTOOLS_TRACE_DISABLED": "true", "AWS_DEFAULT_REGION": "eu-west-1"}
    result = subprocess.run([sys.executable, "-c", probe], cwd=app.parent, env=env, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_the_light_functions_are_three_handlers():
    assert sorted(app.parent.name for app in LIGHT) == ["api", "score", "validate"]


@pytest.mark.parametrize("app", LIGHT, ids=[app.parent.name for app in LIGHT])
def test_a_light_function_defers_what_it_does_not_need_to_start(app):
    # Given the handler module imported as Lambda imports it, with tracing off (the template's default)
    loaded = _loaded_at_import(app)
    # Then its handler is there, and none of the named heavy modules (nor any of their submodules) was imported
    assert "loanpipe.entry.observability" in loaded
    named = NOT_AT_START if app.parent.name == "api" else NOT_AT_STAGE_START
    early = {name: why for name, why in named.items()
             if any(module == name or module.startswith(name + ".") for module in loaded)}
    assert early == {}


def test_a_deferred_client_is_made_when_its_adapter_first_uses_it(monkeypatch):
    from types import SimpleNamespace

    from loanpipe.adapters import clients
    from loanpipe.adapters.aws import SqsStageQueue

    made, sent = [], []
    monkeypatch.setattr(clients, "client", lambda service: made.append(service) or SimpleNamespace(
        send_message=lambda **request: sent.append(request)))
    # Given an SQS adapter holding a deferred client
    queue = SqsStageQueue(clients.deferred_client("sqs"))
    assert made == []
    # When the adapter sends a message
    queue.send("https://sqs.example/q", "{}")
    # Then the client was made then, and the message went through it
    assert made == ["sqs"]
    assert sent == [{"QueueUrl": "https://sqs.example/q", "MessageBody": "{}"}]


@pytest.mark.parametrize("name", ["extract", "validate", "score", "contract"])
def test_what_a_stage_names_for_later_is_there_when_it_is_built(name):
    from pydantic import TypeAdapter

    from loanpipe.entry.bootstrap import STAGES

    # Given a stage of the composition root, whose settings and message models are named, not imported
    stage = STAGES[name]
    # When they are looked up, as the stage's first message does
    settings, message = stage.settings, TypeAdapter(stage.message)
    # Then they are the stage's settings model and a message model that parses
    assert "idempotency_table" in settings.model_fields
    assert message.core_schema


def test_the_contract_stage_sends_each_kind_of_message_to_its_handler(monkeypatch):
    from loanpipe.entry.bootstrap import STAGES, ContractStageDeps
    from loanpipe.service import contracting, sealing
    from loanpipe.service.messages import ContractRequested, SealRequested

    handled = []
    monkeypatch.setattr(sealing, "handle_seal", lambda message, deps: handled.append(("seal", deps)) or "sealed")
    monkeypatch.setattr(contracting, "handle_contract",
                        lambda message, deps: handled.append(("contract", deps)) or "rendered")
    deps = ContractStageDeps(contract="render deps", seal="seal deps")  # type: ignore[arg-type]
    # When the contract queue's two kinds of message come
    run = STAGES["contract"].run
    outcomes = [run(SealRequested(application_id="a1", round=1, ceremony_id="c1"), deps, budget_seconds=30.0),
                run(ContractRequested(application_id="a1", round=1, approved_by="r1"), deps, budget_seconds=30.0)]
    # Then a signed contract is sealed and an approved one rendered, each with its own dependencies
    assert outcomes == ["sealed", "rendered"]
    assert handled == [("seal", "seal deps"), ("contract", "render deps")]
