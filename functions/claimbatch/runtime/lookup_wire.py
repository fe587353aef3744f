"""The messages between the runtime and its lookup process: pickled tuples, each
framed by its length, over a private socket pair that both ends read and write
with asyncio streams (a slow reader holds a writer back without blocking its loop).

    runtime -> lookups   ("start", sys.path, pickled provider factory, log level)   first, once
                         ("lookup", request id, [ClaimQuery, ...])
                         ("cancel", request id)      the runtime gave up waiting
                         ("stop",)                   abandon what is in flight, close, exit
    lookups -> runtime   ("done", request id, [LookupOutcome, ...], stats, peak RSS in KiB)
                         ("error", request id, exception type name, stats, peak RSS in KiB)
                         ("stopped", None, None, stats, peak RSS in KiB)   last, when told to stop
                         ("log", LogRecord attributes)
"""

from __future__ import annotations

import asyncio
import pickle
import struct
from typing import Any

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
