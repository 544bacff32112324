"""Logger, metrics and tracer for every function, with personal data masked by the logger itself.

Whatever a call site passes, the formatter masks before a line is written: values under personal
keys (names, ID and account numbers, incomes, balances, phone numbers, addresses) and any ID-number
or account-number shaped digits inside free text. Call sites still log ids, states and reason codes
only; the mask is the net under them.
"""

from __future__ import annotations

import re
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
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


def make_tracer() -> Tracer:
    return Tracer()
