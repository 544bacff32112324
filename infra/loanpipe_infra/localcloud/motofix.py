"""Where moto's DynamoDB differs from DynamoDB under concurrency, made to behave like it.

moto 5.2.5 ``transact_write_items`` takes a deep copy of every table it touches before writing and, when the
transaction is cancelled (a condition failed: the version check of ``apply_change`` losing a race), puts that copy
back: every write another request made to the table in between is lost. The copy itself iterates the table while
other threads write to it ("dictionary changed size during iteration", a 500 the SDK retries). On AWS a cancelled
transaction changes nothing and nothing else. Found by the bad-input corpus run (tests/integration/
test_bad_input_corpus.py): an upload slot granted while the extract stage lost a version race vanished from its
application.

The local cloud's moto server runs in this process (``ThreadedMotoServer``), so its DynamoDB backend's item
operations are serialised here by one lock: a transaction and its rollback happen with no other write in between,
as DynamoDB's isolation promises. Reads take the lock too (they must not see a half-made write).

The whole-table copy also made every transaction cost time in proportion to the table: with a few hundred
applications and their audit entries in the table, a load run spent most of the local cloud's CPU copying it
(py-spy of ``benchmarks.load``: ``DynamoType.__deepcopy__`` under ``transact_write_items``), and each application
slowed the next. ``transact_write_items`` here checks every condition first and writes only when all hold (under the
lock nothing changes in between), keeping a copy of just the items it writes, put back if a write fails. It is what
DynamoDB does for the caller: all or nothing, the same cancellation reasons in the same order.

A query sorted every item of the table (``Table.all_items``) before picking the partition's, or for an index the
items with the index key: it is given those items alone (for an index still a pass over the table, without the
sort).

S3's ListObjectVersions deep-copied every version of every object of the bucket, contents included, before
filtering by prefix; the extract stage lists the versions of one key to pin what it reads, so each read copied
every upload made so far (the saturation run's process grew past 9 GB in five minutes). It is given the keys under
the prefix alone.

``list_of_moto_modules``, which moto's server calls for every request, lists moto's package folder each time: its
answer is kept (the folder does not change while the cloud runs).
"""

from __future__ import annotations

import copy
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

    return call


def _item_key(table: Any, op_type: str, op: dict) -> dict:
    if op_type != "Put":
        return op["Key"]
    attrs = op["Item"]
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> None:
    """DynamoDB's TransactWriteItems on moto's backend without copying whole tables (see the module's note)."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    targets: set[tuple[str, str]] = set()
    reasons: list[tuple[str | None, str | None, dict | None]] = []
    writes: list[tuple[int, str, dict, dict, Any]] = []  # position, type, operation, key, the item before
    for position, item in enumerate(transact_items):
        if len(item) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(item.items()))
        if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
            raise ValueError("Unsupported transaction operation")
        table = backend.get_table(op["TableName"])
        key = _item_key(table, op_type, op)
        target = (str(op["TableName"]), str(dict(sorted(key.items()))))
        if target in targets:
            raise MultipleTransactionsException()
        targets.add(target)
        current = backend.get_item(op["TableName"], key)
        condition = op.get("ConditionExpression")
        if condition is not None and not get_filter_expression(
                condition, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")).expr(current):
            old = current.to_json()["Attributes"] if (
                op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current) else None
            reasons.append(("ConditionalCheckFailed", str(ConditionalCheckFailed().message), old))
            continue
        reasons.append((None, None, None))
        if op_type != "ConditionCheck":
            writes.append((position, op_type, op, key, copy.deepcopy(current)))
    if any(code is not None for code, _, _ in reasons):
        raise TransactionCanceledException(reasons)

    _write_all(backend, writes, len(transact_items))


def _write_all(backend: Any, writes: list[tuple[int, str, dict, dict, Any]], count: int) -> None:
    """The transaction's writes, its conditions all held; a write that fails undoes those before it."""
    from moto.dynamodb.exceptions import (
        MockValidationException,
        MultipleTransactionsException,
        TransactionCanceledException,
    )

    done: list[tuple[str, dict, Any]] = []
    failing = 0
    try:
        for position, op_type, op, key, before in writes:
            failing = position
            done.append((op["TableName"], key, before))
            names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            if op_type == "Put":
                backend.put_item(op["TableName"], op["Item"], expression_attribute_names=names,
                                 expression_attribute_values=values)
            elif op_type == "Delete":
                backend.delete_item(op["TableName"], key, expression_attribute_names=names,
                                    expression_attribute_values=values)
            else:
                backend.update_item(op["TableName"], key, update_expression=op["UpdateExpression"],
                                    expression_attribute_names=names, expression_attribute_values=values)
    except (MultipleTransactionsException, MockValidationException):
        _put_back(backend, done)
        raise
    except Exception as exc:  # noqa: BLE001 - moto's own: the write's error is the transaction's reason
        _put_back(backend, done)
        failed = [(None, None, None)] * count
        failed[failing] = (type(exc).__name__, str(exc), None)
        raise TransactionCanceledException(failed) from exc


def _put_back(backend: Any, done: list[tuple[str, dict, Any]]) -> None:
    """Undo the writes made so far: each item as it was before (or gone, when there was none)."""
    for table_name, key, before in reversed(done):
        table = backend.get_table(table_name)
        if before is None:
            table.delete_item(*backend.get_keys_value(table, key))
        else:
            table.put_item(before.to_json()["Attributes"], overwrite=True)


def _holds(found: Any, expected: Any) -> bool:
    return found is not None and found == expected


def _items(table: Any) -> list[Any]:
    if not table.range_key_attr:
        return list(table.items.values())
    return [item for partition in list(table.items.values()) for item in list(partition.values())]


def _partition_query(query: Callable[..., Any]) -> Callable[..., Any]:
    """moto's ``Table.query`` on a view of the table holding only the queried partition, or for an index query the
    items whose index key matches (moto sorted every item of the table for either)."""

    @functools.wraps(query)
    def partition_query(table: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        conditions = kwargs.get("hash_key_conditions") or []
        if index_name and conditions:  # the items whose index key matches (moto sorts them all before matching)
            view = copy.copy(table)
            matching = [item for item in _items(table)
                        if all(_holds(item.attrs.get(name), value) for name, value in conditions)]
            view.items = ({n: {n: item} for n, item in enumerate(matching)} if table.range_key_attr
                          else dict(enumerate(matching)))
            return query(view, hash_key, *args, **kwargs)
        if index_name or hash_key is None or not table.range_key_attr:
            return query(table, hash_key, *args, **kwargs)
        view = copy.copy(table)
        view.items = {hash_key: table.items[hash_key]} if hash_key in table.items else {}
        return query(view, hash_key, *args, **kwargs)

    return partition_query


def _prefix_versions(list_versions: Callable[..., Any]) -> Callable[..., Any]:
    """moto's ``S3Backend.list_object_versions`` on a view of the bucket holding only the keys under the prefix."""
    import inspect

    signature = inspect.signature(list_versions)

    @functools.wraps(list_versions)
    def listed(backend: Any, *args: Any, **kwargs: Any) -> Any:
        call = signature.bind(backend, *args, **kwargs)
        prefix = call.arguments.get("prefix") or ""
        if not prefix:
            return list_versions(backend, *args, **kwargs)
        bucket = backend.get_bucket(call.arguments["bucket_name"])
        view = copy.copy(bucket)
        view.keys = type(bucket.keys)()
        for key, versions in bucket.keys.iterlists():
            if key.startswith(prefix):
                dict.__setitem__(view.keys, key, list(versions))
        proxy = copy.copy(backend)
        proxy.get_bucket = lambda name: view
        return list_versions(proxy, *args, **kwargs)

    return listed


def _patch(owner: Any, name: str, wrap: Callable[[Any], Any]) -> None:
    """``owner.name`` replaced by ``wrap(owner.name)`` once per process (a patched attribute carries a mark)."""
    current = getattr(owner, name, None)
    if current is None or getattr(current, _PATCHED, False):
        return
    patched = wrap(current)
    setattr(patched, _PATCHED, True)
    setattr(owner, name, patched)


def _listed_once(list_modules: Callable[[], Any]) -> Callable[[], Any]:
    modules = tuple(list_modules())
    return functools.wraps(list_modules)(lambda: iter(modules))


def fix_moto() -> None:
    """Idempotent: patch moto once per process (see the module note)."""
    from moto import backends
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table
    from moto.s3.models import S3Backend

    _patch(Table, "query", _partition_query)
    _patch(DynamoDBBackend, "transact_write_items", lambda _: _serialised(transact_write_items))
    for name in _OPERATIONS:
        _patch(DynamoDBBackend, name, _serialised)
    _patch(S3Backend, "list_object_versions", _prefix_versions)
    _patch(backends, "list_of_moto_modules", _listed_once)
