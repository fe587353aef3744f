"""Counts every AWS request a run makes, by service and operation, with what AWS bills for it.

Every botocore client's `_make_api_call` is wrapped (the Lambda handlers' clients,
Powertools' Secrets Manager client and the harness's own, whatever session made
them), so nothing escapes the count. Per request it records what the bill depends on:

- SQS: billed requests, one per started 64 KB of payload (SendMessageBatch and
  ReceiveMessage count their bodies).
- DynamoDB: read and write request units, from the sizes of the items touched,
  by DynamoDB's rules (below). Requests also ask for `ReturnConsumedCapacity`,
  and what moto reports is kept beside, but moto's figures are constants
  (1.0 per BatchWriteItem whatever its 25 items, nothing for transactions), so
  the bill is computed from item sizes:
    * a write: 1 WRU per started KB of the larger of the item before and after;
      2 per KB in a transaction (ConditionCheck included); a failed condition
      still consumes the write;
    * each global secondary index whose key the item holds: one more write of
      the index entry (two when the index key changes);
    * a read: 1 RRU per started 4 KB when strongly consistent, 0.5 when
      eventually consistent, 2 in a transaction; a Query sums the sizes of the
      items it returns before rounding; a read that finds nothing still costs
      the minimum.
- S3, Secrets Manager, KMS: requests, priced per request class in prices.py.

It also sums the CPU time the calling threads spend inside AWS calls (botocore's
work and moto's, which in AWS would be a network wait), so that a Lambda's own
CPU can be told apart from moto's.

Item sizes follow DynamoDB's documented sizing: attribute names plus values
(strings as UTF-8, numbers about one byte per two digits plus one, maps and
lists three bytes plus one per element). Items before and after a write are
read from moto's backend directly, so those reads are not counted.
"""

from __future__ import annotations

import base64
import math
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

SQS_CHUNK_BYTES = 64 * 1024
WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4096
INDEX_ENTRY_OVERHEAD_BYTES = 100  # DynamoDB adds this to every index entry
MOTO_ACCOUNT = "123456789012"

_CAPACITY_OPERATIONS = frozenset(
    {
        "GetItem",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "Query",
        "Scan",
        "BatchGetItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    }
)


# -- item sizes -----------------------------------------------------------------


def _number_size(text: str) -> int:
    digits = text.lstrip("-").replace(".", "").lstrip("0").rstrip("0") or "0"
    return math.ceil(len(digits) / 2) + 1


def attribute_size(value: dict[str, Any]) -> int:
    """Bytes of one attribute value in DynamoDB JSON ({"S": "…"}, {"N": "12"}, {"M": {…}}, …)."""
    (kind, content), = value.items()
    if kind == "S":
        return len(content.encode("utf-8"))
    if kind == "N":
        return _number_size(content)
    if kind == "B":
        return len(content) if isinstance(content, bytes | bytearray) else len(base64.b64decode(content))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(item.encode("utf-8")) for item in content)
    if kind == "NS":
        return sum(_number_size(item) for item in content)
    if kind == "BS":
        return sum(len(item) for item in content)
    if kind == "M":
        return 3 + sum(len(name.encode("utf-8")) + attribute_size(item) + 1 for name, item in content.items())
    if kind == "L":
        return 3 + sum(attribute_size(item) + 1 for item in content)
    raise ValueError(f"unknown DynamoDB attribute type {kind}")


def item_size(item: dict[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode("utf-8")) + attribute_size(value) for name, value in item.items())


def write_units(size: int) -> int:
    return max(1, math.ceil(size / WRITE_UNIT_BYTES))


def read_units(size: int, consistent: bool) -> float:
    units = max(1, math.ceil(size / READ_UNIT_BYTES))
    return float(units) if consistent else units / 2


# -- the record -------------------------------------------------------------------


@dataclass(frozen=True)
class GlobalIndex:
    name: str
    key_attributes: tuple[str, ...]
    projection: str  # ALL, KEYS_ONLY or INCLUDE
    table_keys: tuple[str, ...]

    def entry_size(self, item: dict[str, Any]) -> int:
        if self.projection == "ALL":
            kept = item
        else:  # KEYS_ONLY (INCLUDE would add its attributes: none of ours uses it)
            kept = {name: item[name] for name in (*self.table_keys, *self.key_attributes) if name in item}
        return item_size(kept) + INDEX_ENTRY_OVERHEAD_BYTES

    def key_of(self, item: dict[str, Any] | None) -> tuple[Any, ...] | None:
        if not item or any(name not in item for name in self.key_attributes):
            return None
        return tuple(repr(item[name]) for name in self.key_attributes)


@dataclass
class AwsUsage:
    requests: Counter[str] = field(default_factory=Counter)  # "service:Operation" → requests
    failed_requests: Counter[str] = field(default_factory=Counter)  # of which answered with an error
    sqs_billed_requests: int = 0  # 64 KB chunks
    sqs_payload_bytes: int = 0
    dynamodb_wru: float = 0.0
    dynamodb_rru: float = 0.0
    dynamodb_wru_by_operation: Counter[str] = field(default_factory=Counter)
    dynamodb_rru_by_operation: Counter[str] = field(default_factory=Counter)
    moto_reported_capacity: float = 0.0
    cpu_in_calls_s: float = 0.0  # CPU of the calling threads inside AWS calls: botocore's and moto's work
    batch_written_items: int = 0  # items put by BatchWriteItem (the row results)
    batch_written_bytes: int = 0

    def calls_by_service(self) -> Counter[str]:
        by_service: Counter[str] = Counter()
        for key, count in self.requests.items():
            by_service[key.split(":", 1)[0]] += count
        return by_service

    def of_service(self, service: str) -> dict[str, int]:
        prefix = f"{service}:"
        return {key[len(prefix) :]: n for key, n in self.requests.items() if key.startswith(prefix)}

    def as_json(self) -> dict[str, Any]:
        return {
            "requests": dict(sorted(self.requests.items())),
            "failed_requests": dict(sorted(self.failed_requests.items())),
            "sqs_billed_requests": self.sqs_billed_requests,
            "sqs_payload_bytes": self.sqs_payload_bytes,
            "dynamodb_wru": self.dynamodb_wru,
            "dynamodb_rru": self.dynamodb_rru,
            "dynamodb_wru_by_operation": dict(sorted(self.dynamodb_wru_by_operation.items())),
            "dynamodb_rru_by_operation": dict(sorted(self.dynamodb_rru_by_operation.items())),
            "moto_reported_capacity": self.moto_reported_capacity,
            "cpu_in_calls_s": self.cpu_in_calls_s,
            "batch_written_items": self.batch_written_items,
            "batch_written_bytes": self.batch_written_bytes,
        }


class UsageRecorder:
    """Wraps botocore's request path while `recording()` is active."""

    def __init__(self, region: str = "us-east-1") -> None:
        self.usage = AwsUsage()
        self._region = region
        self._indexes: dict[str, list[GlobalIndex]] = {}
        self._active = False
        self._lock = threading.Lock()

    def know_table(self, description: dict[str, Any]) -> None:
        """Learn a table's global secondary indexes from DescribeTable's `Table`."""
        table_keys = tuple(key["AttributeName"] for key in description["KeySchema"])
        self._indexes[description["TableName"]] = [
            GlobalIndex(
                name=index["IndexName"],
                key_attributes=tuple(key["AttributeName"] for key in index["KeySchema"]),
                projection=index["Projection"]["ProjectionType"],
                table_keys=table_keys,
            )
            for index in description.get("GlobalSecondaryIndexes", [])
        ]

    @contextmanager
    def recording(self) -> Iterator[AwsUsage]:
        original = BaseClient._make_api_call
        recorder = self

        def counted(client: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
            if not recorder._active:
                return original(client, operation_name, api_params)
            return recorder._call(original, client, operation_name, api_params)

        BaseClient._make_api_call = counted  # type: ignore[method-assign]
        self._active = True
        try:
            yield self.usage
        finally:
            self._active = False
            BaseClient._make_api_call = original  # type: ignore[method-assign]

    # -- per request ----------------------------------------------------------------

    def _call(self, original: Any, client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        cpu_started = time.thread_time()  # everything below, the counting included, is not the handler's own CPU
        service = client.meta.service_model.service_name
        before: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []
        if service == "dynamodb" and operation in _CAPACITY_OPERATIONS:
            params = {**params, "ReturnConsumedCapacity": "TOTAL"}
            before = self._items_written(operation, params)
        failed = False
        response: dict[str, Any] = {}
        try:
            response = original(client, operation, params)
            return response
        except ClientError as error:
            failed = True
            response = error.response
            raise
        finally:
            with self._lock:
                self.usage.requests[f"{service}:{operation}"] += 1
                if failed:
                    self.usage.failed_requests[f"{service}:{operation}"] += 1
                if service == "sqs":
                    self._bill_sqs(operation, params, response)
                elif service == "dynamodb" and operation in _CAPACITY_OPERATIONS:
                    self._bill_dynamodb(operation, params, response, before, failed)
                self.usage.cpu_in_calls_s += time.thread_time() - cpu_started

    def _bill_sqs(self, operation: str, params: dict[str, Any], response: dict[str, Any]) -> None:
        if operation == "SendMessage":
            payload = len(params.get("MessageBody", "").encode("utf-8"))
        elif operation == "SendMessageBatch":
            payload = sum(len(entry["MessageBody"].encode("utf-8")) for entry in params.get("Entries", []))
        elif operation == "ReceiveMessage":
            payload = sum(len(message.get("Body", "").encode("utf-8")) for message in response.get("Messages", []))
        else:
            payload = 0
        self.usage.sqs_payload_bytes += payload
        self.usage.sqs_billed_requests += max(1, math.ceil(payload / SQS_CHUNK_BYTES))

    # -- DynamoDB --------------------------------------------------------------------

    def _backend_item(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        from moto.dynamodb.models import dynamodb_backends

        backend = dynamodb_backends[MOTO_ACCOUNT][self._region]
        try:
            item = backend.get_item(table, key)
        except Exception:  # noqa: BLE001 - an unknown table or key shape: nothing was there
            return None
        return None if item is None else item.to_json()["Attributes"]

    def _key_of(self, table: str, item: dict[str, Any]) -> dict[str, Any]:
        indexes = self._indexes.get(table)
        table_keys = indexes[0].table_keys if indexes else ("pk", "sk")
        return {name: item[name] for name in table_keys if name in item}

    def _writes_of(self, operation: str, params: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
        """(table, kind, key or item) of each item a write request touches."""
        if operation in ("PutItem", "UpdateItem", "DeleteItem"):
            target = params["Item"] if operation == "PutItem" else params["Key"]
            return [(params["TableName"], operation, target)]
        if operation == "BatchWriteItem":
            writes = []
            for table, requests in params["RequestItems"].items():
                for request in requests:
                    if "PutRequest" in request:
                        writes.append((table, "PutItem", request["PutRequest"]["Item"]))
                    else:
                        writes.append((table, "DeleteItem", request["DeleteRequest"]["Key"]))
            return writes
        if operation == "TransactWriteItems":
            kinds = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheck"}
            writes = []
            for entry in params["TransactItems"]:
                (kind, body), = entry.items()
                target = body["Item"] if kind == "Put" else body["Key"]
                writes.append((body["TableName"], kinds[kind], target))
            return writes
        return []

    def _items_written(
        self, operation: str, params: dict[str, Any]
    ) -> list[tuple[str, dict[str, Any], dict[str, Any] | None]]:
        """(table, key, item before the write) for each item the request writes."""
        return [
            (table, self._key_of(table, target), self._backend_item(table, self._key_of(table, target)))
            for table, _kind, target in self._writes_of(operation, params)
        ]

    def _bill_dynamodb(
        self,
        operation: str,
        params: dict[str, Any],
        response: dict[str, Any],
        before: list[tuple[str, dict[str, Any], dict[str, Any] | None]],
        failed: bool,
    ) -> None:
        reported = response.get("ConsumedCapacity")
        for entry in reported if isinstance(reported, list) else [reported] if reported else []:
            self.usage.moto_reported_capacity += float(entry.get("CapacityUnits", 0.0))

        writes = self._writes_of(operation, params)
        if writes:
            factor = 2 if operation == "TransactWriteItems" else 1
            units = 0.0
            for (table, kind, target), (_, key, old) in zip(writes, before, strict=True):
                new = None if failed or kind in ("DeleteItem", "ConditionCheck") else self._backend_item(table, key)
                if kind == "PutItem" and failed:
                    new = target  # a failed condition still consumes the write
                units += factor * write_units(max(item_size(old), item_size(new)))
                if operation == "BatchWriteItem" and kind == "PutItem":
                    self.usage.batch_written_items += 1
                    self.usage.batch_written_bytes += item_size(target)
                if not failed and kind != "ConditionCheck":
                    units += self._index_writes(table, old, new)
            self.usage.dynamodb_wru += units
            self.usage.dynamodb_wru_by_operation[operation] += units
            return

        units = self._read_units(operation, params, response)
        self.usage.dynamodb_rru += units
        self.usage.dynamodb_rru_by_operation[operation] += units

    def _index_writes(self, table: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> float:
        units = 0.0
        for index in self._indexes.get(table, []):
            old_key, new_key = index.key_of(old), index.key_of(new)
            if old_key is None and new_key is None:
                continue
            if old_key is not None and new_key is not None and old_key != new_key:
                units += write_units(index.entry_size(old))  # the old entry is deleted
            if new_key is not None:
                if index.projection != "ALL" and old_key == new_key:
                    continue  # a KEYS_ONLY entry changes only with its key
                units += write_units(index.entry_size(new))
            else:
                units += write_units(index.entry_size(old))  # the entry leaves the index
        return units

    def _read_units(self, operation: str, params: dict[str, Any], response: dict[str, Any]) -> float:
        consistent = bool(params.get("ConsistentRead"))
        if operation == "GetItem":
            return read_units(item_size(response.get("Item")), consistent)
        if operation in ("Query", "Scan"):
            return read_units(sum(item_size(item) for item in response.get("Items", [])), consistent)
        if operation == "BatchGetItem":
            return sum(
                read_units(item_size(item), bool(params["RequestItems"][table].get("ConsistentRead")))
                for table, items in response.get("Responses", {}).items()
                for item in items
            )
        if operation == "TransactGetItems":
            return sum(2 * read_units(item_size(entry.get("Item")), True) for entry in response.get("Responses", []))
        return 0.0
