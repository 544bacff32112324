"""Each function's settings: one pydantic model whose fields are its environment variables (template.yaml sets
them), read and validated once, when the function builds its dependencies on its first message or request.

Kept apart from the composition root (``bootstrap``) so that importing a handler does not import pydantic: the
models are built when ``bootstrap`` first needs them, not when the execution environment starts.
"""

from __future__ import annotations

from loanpipe.domain.environment import EnvironmentSettings


class StageSettings(EnvironmentSettings):
    """What every queue-driven function reads from its environment (template.yaml sets it)."""

    applications_table: str
    idempotency_table: str
    event_bus_name: str


class ExtractSettings(StageSettings):
    uploads_bucket: str
    results_bucket: str
    validate_queue_url: str


class ValidateSettings(StageSettings):
    results_bucket: str
    image_index_table: str
    score_queue_url: str
    user_pool_id: str
    credit_policy: str = "default"


class ScoreSettings(StageSettings):
    results_bucket: str
    contract_queue_url: str
    credit_policy: str = "default"


class ContractSettings(StageSettings):
    contracts_bucket: str
    loanpipe_font_path: str | None = None
    lender_name: str = "示范汽车金融有限公司"
    credit_policy: str = "default"
    contract_signing_key_id: str | None = None        # the seal's KMS key (ECC_NIST_P256, SIGN_VERIFY)
    contract_signing_chain_secret: str | None = None  # its certificate chain (loanpipe.adapters.signing)
    contract_tsa_url: str | None = None               # RFC 3161 TSA; empty: no signature timestamp


class ApiSettings(StageSettings):
    """What the API function reads from its environment (template.yaml sets it)."""

    uploads_bucket: str
    results_bucket: str
    contracts_bucket: str
    validate_queue_url: str
    contract_queue_url: str
    upload_url_ttl_seconds: int = 900
    signing_code_ttl_seconds: int = 300
    sms_sender_id: str | None = None
    credit_policy: str = "default"  # its review rules: the queue's SLA and the four-eyes amount
