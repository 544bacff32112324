"""The API function as Lambda runs it: its handler module, a fake Lambda context and the in-memory fakes injected
through powertools' dependency overrides (the events come from ``events/``, see ``support``)."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType

import pytest

from api.support import ROOT
from loanpipe.entry import http
from loanpipe.entry.bootstrap import ApiDeps, api_deps
from loanpipe.service.erasure import ErasePorts, ErasureConfig
from loanpipe.service.intake import IntakeConfig
from loanpipe.service.review import ReviewConfig
from loanpipe.service.signing import SigningConfig
from testkit.fakes import (
    InMemoryApplicationRepository,
    InMemoryBlobStore,
    InMemoryEventPublisher,
    InMemoryImageIndex,
    InMemorySmsSender,
    InMemoryStageQueue,
)


@dataclass
class FakeLambdaContext:
    function_name: str = "loanpipe-dev-api"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:loanpipe-dev-api"
    aws_request_id: str = "0f6b3d3c-3e5a-4c1e-9d43-5b0e8e7d2a11"

    def get_remaining_time_in_millis(self) -> int:
        return 15_000


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture(scope="session")
def api_module() -> ModuleType:
    """``functions/api/app.py``, loaded from its file as Lambda loads it (outside Lambda the tracer is off)."""
    spec = importlib.util.spec_from_file_location("loanpipe_api_function", ROOT / "functions/api/app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def fakes(monkeypatch) -> Iterator[ApiDeps]:
    """The API's dependencies as in-memory fakes, in place of the ones the composition root builds."""
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")  # no EMF lines (and no namespace needed) here
    repo, blobs = InMemoryApplicationRepository(), InMemoryBlobStore()
    deps = ApiDeps(repo=repo, blobs=blobs, queue=InMemoryStageQueue(),
                   events=InMemoryEventPublisher(), intake=IntakeConfig("uploads-bucket", "validate-q"),
                   review=ReviewConfig("validate-q", "contract-q"), results_bucket="results-bucket",
                   contracts_bucket="contracts-bucket", sms=InMemorySmsSender(),
                   signing=SigningConfig("contracts-bucket", "contract-q"),
                   erasure=ErasePorts(repo, blobs, InMemoryImageIndex(),
                                      ErasureConfig("uploads-bucket", "results-bucket", "contracts-bucket")))
    http.app.dependency_overrides[api_deps] = lambda: deps
    yield deps
    http.app.dependency_overrides.pop(api_deps, None)


@pytest.fixture
def call(api_module, lambda_context, fakes) -> Callable[[dict], tuple[int, dict]]:
    """Invoke the handler with an event; return the status and the JSON body the client receives."""

    def invoke(event: dict) -> tuple[int, dict]:
        response = api_module.handler(event, lambda_context)
        assert response["headers"]["Cache-Control"] == "no-store"
        assert response["headers"]["Content-Type"].startswith("application/json")
        return response["statusCode"], json.loads(response["body"])

    return invoke
