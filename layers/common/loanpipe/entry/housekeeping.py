"""The draft sweep's composition: settings, the application table, one sweep per scheduled event.

The ``DraftSweepFunction`` runs on an EventBridge schedule (template.yaml; the local cloud runs the same
schedule) and expires the captures left open past their time (``service.drafts.expire_drafts``).
"""

from __future__ import annotations

import functools
from datetime import timedelta

from loanpipe.domain.environment import EnvironmentSettings
from loanpipe.service.drafts import SweepResult, expire_drafts


class SweepSettings(EnvironmentSettings):
    applications_table: str
    draft_open_hours: int = 72  # records written before captures carried their expiry: created_at + this


@functools.cache
def _settings() -> SweepSettings:
    return SweepSettings()


@functools.cache
def _repo():  # noqa: ANN202 - the DynamoDB repository, built on the first run
    from loanpipe.adapters.clients import client
    from loanpipe.adapters.dynamo import DynamoApplicationRepository

    return DynamoApplicationRepository(client("dynamodb"), _settings().applications_table)


def sweep_drafts() -> SweepResult:
    return expire_drafts(_repo(), timedelta(hours=_settings().draft_open_hours))


def prepare() -> None:
    """Build what the first run builds (settings, the table client), without calling AWS."""
    _repo()
