"""Where moto's DynamoDB differs from DynamoDB under concurrency, made to behave like it.

moto 5.2.5 ``transact_write_items`` takes a deep copy of every table it touches before writing and, when the
transaction is cancelled (a condition failed: the version check of ``apply_change`` losing a race), puts that copy
back: every write another request made to the table in between is lost. The copy itself iterates the table while
other threads write to it ("dictionary changed size during iteration", a 500 the SDK retries). On AWS a cancelled
transaction changes nothing and nothing else. Found by the bad-input corpus run (tests/integration/
test_bad_input_corpus.py): an upload slot granted while the extract stage lost a version race vanished from its
application.

The local cloud's moto server runs in this process (``ThreadedMotoServer``), so its DynamoDB backend's item
operations are serialised here by one lock: a transaction, its copy and its rollback happen with no other write in
between, as DynamoDB's isolation promises. Reads take the lock too (a copy must not see a half-made write).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

_LOCK = threading.RLock()
_OPERATIONS = ("put_item", "get_item", "update_item", "delete_item", "query", "scan", "batch_get_item",
               "transact_write_items", "transact_get_items")
_PATCHED = "_loanpipe_serialised"


def _serialised(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return method(*args, **kwargs)

    setattr(call, _PATCHED, True)
    return call


def serialise_dynamodb() -> None:
    """Idempotent: patch moto's DynamoDB backend once per process."""
    from moto.dynamodb.models import DynamoDBBackend

    for name in _OPERATIONS:
        method = getattr(DynamoDBBackend, name, None)
        if method is not None and not getattr(method, _PATCHED, False):
            setattr(DynamoDBBackend, name, _serialised(method))
