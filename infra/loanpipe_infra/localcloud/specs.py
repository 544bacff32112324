"""What the provisioner makes of template.yaml for the local runtime: function, event-source, route and API
specifications, the provisioned stack, and where the layers' ``/opt`` paths live on this machine.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
STACK_NAME = "loanpipe-local"


@dataclass
class SqsEventSource:
    name: str
    queue_arn: str
    queue_url: str
    batch_size: int
    maximum_concurrency: int | None
    report_batch_item_failures: bool
    batching_window_seconds: int = 0


@dataclass
class HttpRoute:
    name: str
    method: str
    path: str
    api_logical_id: str
    authorizer: str | None  # None = open route


@dataclass
class FunctionSpec:
    logical_id: str
    name: str
    code_dir: Path
    handler: str
    timeout: int
    memory_mb: int
    environment: dict[str, str]
    reserved_concurrency: int | None
    layers: list[str]
    sqs_sources: list[SqsEventSource] = field(default_factory=list)
    routes: list[HttpRoute] = field(default_factory=list)
    schedules: list[str] = field(default_factory=list)  # Schedule events' expressions, e.g. "rate(1 minute)"


@dataclass
class JwtAuthorizer:
    name: str
    issuer: str
    audience: list[str]
    identity_source: str


@dataclass
class HttpApiSpec:
    logical_id: str
    stage: str
    default_authorizer: str | None
    authorizers: dict[str, JwtAuthorizer]
    cors: dict | None


@dataclass
class ProvisionedStack:
    resources: dict[str, dict[str, Any]]  # logical id -> {"Type", "Ref", attrs...}
    functions: dict[str, FunctionSpec]
    apis: dict[str, HttpApiSpec]
    parameters: dict[str, Any]
    outputs: dict[str, Any]

    def ref(self, logical_id: str) -> Any:
        return self.resources[logical_id]["Ref"]


# Lambda layers are mounted at /opt on AWS; on this machine their content is installed already.
# Environment values naming /opt paths are mapped to where the same content lives locally.
def _local_opt_map() -> dict[str, str]:
    tesseract = shutil.which("tesseract")
    mapping = {
        "/opt/tessdata": _first_existing(
            ["/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata"]
        ),
        "/opt/fonts": "/usr/share/fonts/truetype/wqy",
        "/opt/bin": str(Path(tesseract).parent) if tesseract else None,
    }
    return {key: value for key, value in mapping.items() if value}


def _first_existing(paths: list[str]) -> str | None:
    return next((path for path in paths if os.path.isdir(path)), None)


def localise_path(value: str, opt_map: dict[str, str]) -> str:
    for prefix, local in opt_map.items():
        if value == prefix or value.startswith(prefix + "/"):
            return local + value[len(prefix):]
    return value
