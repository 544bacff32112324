"""Logger, metrics and tracer for every function, with personal data masked by the logger itself.

Whatever a call site passes, the formatter masks before a line is written: values under personal
keys (names, ID and account numbers, incomes, balances, phone numbers, addresses) and any ID-number
or account-number shaped digits inside free text. Call sites still log ids, states and reason codes
only; the mask is the net under them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from loanpipe.domain.masking import mask_account, mask_id_number, mask_name

_ID_NUMBER = re.compile(r"(?<![0-9])[1-9]\d{16}[0-9Xx](?![0-9])")
_LONG_DIGITS = re.compile(r"(?<![0-9])\d{12,19}(?![0-9])")
_PHONE = re.compile(r"(?<![0-9])1[3-9]\d{9}(?![0-9])")

_ID_KEYS = {"id_number", "idnumber", "id_no"}
_ACCOUNT_KEYS = {"account_number", "account", "card_number"}
_NAME_KEYS = {"name", "applicant_name", "account_holder", "holder"}
_REDACT_KEYS = {
    "monthly_income", "income", "salary", "opening_balance", "closing_balance", "balance", "transactions",
    "address", "phone", "text", "fields", "declared", "applicant",
}


def mask_text(text: str) -> str:
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _LONG_DIGITS.sub(lambda m: mask_account(m.group(0)), text)
    return _PHONE.sub(lambda m: m.group(0)[:3] + "****" + m.group(0)[-4:], text)


def mask_value(key: str | None, value: Any) -> Any:
    lowered = (key or "").lower()
    if lowered in _REDACT_KEYS:
        return "***"
    if isinstance(value, dict):
        return {k: mask_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(None, v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    if not isinstance(value, str):  # exceptions, Decimals, dates: masked as the text they print as
        value = str(value)
    if lowered in _ID_KEYS:
        return mask_id_number(value)
    if lowered in _ACCOUNT_KEYS:
        return mask_account(value)
    if lowered in _NAME_KEYS:
        return mask_name(value)
    return mask_text(value)


class MaskingFormatter(LambdaPowertoolsFormatter):
    def serialize(self, log: dict) -> str:
        return super().serialize({key: mask_value(key, value) for key, value in log.items()})


def make_logger(service: str | None = None) -> Logger:
    return Logger(service=service, logger_formatter=MaskingFormatter())


def make_metrics() -> Metrics:
    return Metrics()


class NoTracer:
    """The tracer of a function whose tracing is off: decorators that change nothing, and no X-Ray SDK (powertools'
    Tracer imports it even when disabled, and its import reads botocore's service list: ~0.2 s of cold start)."""

    def capture_lambda_handler(self, handler: Callable[..., Any] | None = None, **_options: Any) -> Any:
        return handler if handler is not None else (lambda function: function)

    def capture_method(self, method: Callable[..., Any] | None = None, **_options: Any) -> Any:
        return method if method is not None else (lambda function: function)

    def put_annotation(self, key: str, value: Any) -> None:
        pass

    def put_metadata(self, key: str, value: Any, namespace: str | None = None) -> None:
        pass


def tracing_on() -> bool:
    """X-Ray tracing is on in a Lambda whose template did not turn it off (``Tracing`` parameter ->
    POWERTOOLS_TRACE_DISABLED); off outside Lambda, as powertools has it."""
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() in ("1", "true", "yes", "on")
    return not disabled and bool(os.environ.get("LAMBDA_TASK_ROOT")) and not os.environ.get("AWS_SAM_LOCAL")


def make_tracer() -> Any:
    """powertools' Tracer when tracing is on, else ``NoTracer``."""
    if not tracing_on():
        return NoTracer()
    from aws_lambda_powertools import Tracer

    return Tracer()
