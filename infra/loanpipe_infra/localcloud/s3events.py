"""S3 notifications on the local cloud as AWS sends them from a versioned bucket.

moto 5.2.5 puts ``key``, ``size`` and ``eTag`` in the ``object`` of an S3 -> SQS notification but neither the
``versionId`` AWS adds for a versioned bucket nor the ``sequencer``. The uploads bucket is versioned and the
extract stage reads the version a notification names, so the local cloud adds both, in the moto server that
runs in its own process (``LocalCloud._start_moto``).
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

_installed = threading.Lock()
_sequence = itertools.count(1)


def add_version_ids() -> None:
    """Wrap moto's notification builder once per process (idempotent)."""
    from moto.s3 import notifications

    with _installed:
        if getattr(notifications._get_s3_event, "loanpipe_versions", False):
            return
        original = notifications._get_s3_event

        def with_version(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict:
            event = original(event_name, bucket, key, notification_id)
            for record in event.get("Records", []):
                s3_object = record["s3"]["object"]
                if bucket.is_versioned and getattr(key, "version_id", None):
                    s3_object["versionId"] = key.version_id
                s3_object["sequencer"] = f"{next(_sequence):016X}"
            return event

        with_version.loanpipe_versions = True  # type: ignore[attr-defined]
        notifications._get_s3_event = with_version
