"""The lookup process's side: it makes the claims provider from the factory the
runtime sends and answers whole chunks with it, all of them concurrently on one
event loop, so the provider's limits (lookups in flight, the request budget) hold
for the runtime as a whole. Its log records go to the runtime, which writes them
where its own go.

Started by runtime/lookup_process.py as `python -m claimbatch.runtime.lookup_child FD`
(a fresh interpreter, as multiprocessing's spawn method makes, without re-running
the runtime's main module): FD is its end of a socket pair.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import resource
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from typing import Any

from claimbatch.claims.provider import ClaimStatusProvider, ProviderFactory, lookup_many
from claimbatch.domain.claim_row import ClaimQuery
from claimbatch.runtime import lookup_wire

# The package's logger (observability.SERVICE), named here so that a provider that does
# not log needs none of observability's imports (its tracer loads ~40 MB of X-Ray and botocore).
SERVICE = "claimbatch"
# LogRecord attributes that are not worth the trip (rebuilt or meaningless in the runtime).
_DROPPED_RECORD_FIELDS = ("args", "exc_info")


def main(fd: int) -> None:
    """Serve lookups until told to stop or the runtime goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the runtime's to handle
    asyncio.run(_serve(socket.socket(fileno=fd)))


async def _serve(sock: socket.socket) -> None:
    reader, writer = await asyncio.open_connection(sock=sock)
    try:
        _, sys_path, factory, log_level = await lookup_wire.receive(reader)
    except (asyncio.IncompleteReadError, ConnectionError):
        return
    sys.path[:] = sys_path  # the factory's module is found as the runtime finds it
    make_provider: ProviderFactory = pickle.loads(factory)  # noqa: S301 - sent by our own runtime
    _forward_logs(writer, asyncio.get_running_loop(), log_level)  # after the imports: they may set up logging
    provider = make_provider()
    answering: dict[int, asyncio.Task[None]] = {}
    try:
        while True:
            try:
                message = await lookup_wire.receive(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                break  # the runtime has gone
            if message[0] == "lookup":
                request: int = message[1]
                queries = lookup_wire.queries_of(message[2])
                task = asyncio.create_task(_answer(request, queries, provider, writer))
                answering[request] = task
                task.add_done_callback(lambda _, request=request: answering.pop(request, None))
            elif message[0] == "cancel" and (task := answering.get(message[1])) is not None:
                task.cancel()
            elif message[0] == "stop":
                break
    finally:
        for task in list(answering.values()):
            task.cancel()
        await asyncio.gather(*answering.values(), return_exceptions=True)
        await provider.aclose()
        _send_with_stats(writer, ("stopped", None, None), provider)
        writer.close()


async def _answer(
    request: int, queries: Sequence[ClaimQuery], provider: ClaimStatusProvider, writer: asyncio.StreamWriter
) -> None:
    try:
        outcomes = await lookup_many(provider, queries)
    except Exception as error:  # a provider must not raise; if it does, the chunk fails as it would in-process
        logging.getLogger(SERVICE).exception("lookups of a chunk failed", extra={"queries": len(queries)})
        answer: tuple[Any, ...] = ("error", request, type(error).__name__)
    else:
        answer = ("done", request, lookup_wire.outcome_fields(outcomes))
    _send_with_stats(writer, answer, provider)
    await writer.drain()


def _send_with_stats(writer: asyncio.StreamWriter, message: tuple[Any, ...], provider: ClaimStatusProvider) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    lookup_wire.send(writer, (*message, dict(vars(provider.stats)), (_peak_rss_kib(), usage.ru_utime + usage.ru_stime)))


def _peak_rss_kib() -> int:
    """This process's own peak. Not getrusage's: Linux carries the runtime's RSS at the
    fork into it across the exec, where /proc's high-water mark starts afresh."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class _ForwardedLogs(logging.Handler):
    """Sends each record to the runtime as its attributes, the message already formatted
    and a traceback as text (a traceback object does not cross processes)."""

    def __init__(self, writer: asyncio.StreamWriter, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self._writer = writer
        self._loop = loop
        self._loop_thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            fields = {name: value for name, value in vars(record).items() if name not in _DROPPED_RECORD_FIELDS}
            fields["msg"] = record.getMessage()
            if record.exc_info and record.exc_info[0] is not None:
                # As extra keys, which the JSON formatter prints as it would the exception itself.
                fields["exception"] = fields["exc_text"] = logging.Formatter().formatException(record.exc_info)
                fields["exception_name"] = record.exc_info[0].__name__
            data = lookup_wire.frame(("log", _picklable(fields)))
            if threading.get_ident() == self._loop_thread:
                self._writer.write(data)
            else:  # a library logging from a worker thread: the stream is the loop's
                self._loop.call_soon_threadsafe(self._writer.write, data)
        except Exception:  # noqa: BLE001 - logging must never break a lookup
            self.handleError(record)


def _picklable(fields: dict[str, Any]) -> dict[str, Any]:
    try:
        pickle.dumps(fields)
        return fields
    except Exception:  # noqa: BLE001 - an odd value in `extra`: sent as its text
        return {name: value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
                for name, value in fields.items()}


def _forward_logs(writer: asyncio.StreamWriter, loop: asyncio.AbstractEventLoop, level: int) -> None:
    """Our records at the runtime's level, and the libraries' warnings (as `log_to_file`
    sends them), go to the runtime; nothing is printed by this process."""
    ours = logging.getLogger(SERVICE)
    for handler in list(ours.handlers):
        ours.removeHandler(handler)
    ours.addHandler(_ForwardedLogs(writer, loop))
    ours.setLevel(level)
    ours.propagate = False
    libraries = _ForwardedLogs(writer, loop)
    libraries.setLevel(logging.WARNING)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(libraries)


if __name__ == "__main__":
    main(int(sys.argv[1]))
