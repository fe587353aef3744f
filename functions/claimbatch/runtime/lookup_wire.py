"""The messages between the runtime and its lookup process: pickled tuples, each
framed by its length, over a private socket pair that both ends read and write
with asyncio streams (a slow reader holds a writer back without blocking its loop).

    runtime -> lookups   ("start", sys.path, pickled provider factory, log level)   first, once
                         ("lookup", request id, [ClaimQuery's fields, ...])
                         ("cancel", request id)      the runtime gave up waiting
                         ("stop",)                   abandon what is in flight, close, exit
    lookups -> runtime   ("done", request id, [LookupOutcome's fields, ...], stats, usage)
                         ("error", request id, exception type name, stats, usage)
                         ("stopped", None, None, stats, usage)   last, when told to stop
                         ("log", LogRecord attributes)

stats are the provider's ProviderStats as a dict; usage is (peak RSS in KiB, CPU seconds).
Queries and outcomes travel as tuples of their fields: pickling a frozen dataclass
goes through dataclasses' own Python (fields() per object), three times slower.
"""

from __future__ import annotations

import asyncio
import pickle
import struct
from collections.abc import Sequence
from typing import Any

from claimbatch.domain.claim_answer import ClaimStatus, LookupKind, LookupOutcome
from claimbatch.domain.claim_row import ClaimQuery

_LENGTH = struct.Struct("!I")


def send(writer: asyncio.StreamWriter, message: tuple[Any, ...]) -> None:
    """Queue one message on the stream (await writer.drain() to wait for room)."""
    writer.write(frame(message))


def frame(message: tuple[Any, ...]) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(data)) + data


async def receive(reader: asyncio.StreamReader) -> tuple[Any, ...]:
    """The next message; asyncio.IncompleteReadError once the other end has gone."""
    (length,) = _LENGTH.unpack(await reader.readexactly(_LENGTH.size))
    message = pickle.loads(await reader.readexactly(length))  # noqa: S301 - our own child, a private socket pair
    assert isinstance(message, tuple)
    return message


def query_fields(queries: Sequence[ClaimQuery]) -> list[tuple[Any, ...]]:
    return [(q.claim_number, q.first_name, q.last_name, q.date_of_birth, q.subscriber_id) for q in queries]


def queries_of(fields: Sequence[tuple[Any, ...]]) -> list[ClaimQuery]:
    return [ClaimQuery(*values) for values in fields]


def outcome_fields(outcomes: Sequence[LookupOutcome]) -> list[tuple[Any, ...]]:
    return [
        (o.kind.value, _claim_fields(o.claim), o.error, o.retryable, o.attempts, o.redeliver) for o in outcomes
    ]


def outcomes_of(fields: Sequence[tuple[Any, ...]]) -> list[LookupOutcome]:
    return [
        LookupOutcome(LookupKind(kind), ClaimStatus(*claim) if claim else None, error, retryable, attempts, redeliver)
        for kind, claim, error, retryable, attempts, redeliver in fields
    ]


def _claim_fields(claim: ClaimStatus | None) -> tuple[Any, ...] | None:
    if claim is None:
        return None
    return (
        claim.status, claim.patient_first_name, claim.patient_last_name, claim.total_charged, claim.total_paid,
        claim.processed_date, claim.status_category, claim.status_code, claim.payment_number, claim.payment_date,
    )
