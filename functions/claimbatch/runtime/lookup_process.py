"""Claims lookups in a process of their own, so that the provider's CPU (reading
and mapping answers; the HTTP client's ~2 ms a lookup) runs on another core than
the runtime's splitting, storing and aggregating.

`LookupProcess(factory)` is a ClaimStatusProvider that takes whole chunks
(ChunkLookups): it starts one child, a fresh interpreter (runtime/lookup_child.py;
no fork of the runtime's threads, locks or SQLite connections), which makes the
provider from `factory` (picklable: a class, or functools.partial of one with
its settings; sent over the socket pair, never on a command line) and answers
every chunk sent to it concurrently. One child holds
the whole provider, so its request budget and lookups in flight are exactly the
payer's. A provider instance given to EmbeddedRuntime directly still runs
in-process (tests with respx or fakes).

- Stop (`aclose`): the child is told to abandon what is in flight and exit; one
  that does not within `stop_wait_s` is killed. Lookups abandoned this way run
  again after a restart, as in-process ones do.
- A child that dies: each lookup it had answers a retryable failure, so its
  chunks are deferred and delivered again as any chunk with failed lookups; the
  next chunk starts a new child (at most one start per `restart_delay_s`).
- Its logs: the child's records are written by this process's handlers (the
  JSON log), never printed by the child.
- Its stats: ProviderStats summed over every child this provider started, as of
  each child's last answer; `peak_rss_mb` is the largest child's peak, `cpu_s`
  the CPU time they used.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import pickle
import socket
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from claimbatch.claims.provider import ProviderFactory, ProviderStats
from claimbatch.domain.claim_answer import LookupOutcome
from claimbatch.domain.claim_row import ClaimQuery
from claimbatch.observability import SERVICE, logger
from claimbatch.runtime import lookup_wire

LOOKUP_PROCESS_STOPPED = "claims lookup process stopped"
CHILD_MODULE = "claimbatch.runtime.lookup_child"
_STATS_FIELDS = tuple(f.name for f in fields(ProviderStats))


class LookupProcessError(Exception):
    """The provider raised in the lookup process (it never should): the chunk fails as it would in-process."""


@dataclass
class _Child:
    process: asyncio.subprocess.Process
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    pending: dict[int, tuple[asyncio.Future[list[LookupOutcome]], int]] = field(default_factory=dict)
    stats: ProviderStats = field(default_factory=ProviderStats)
    cpu_s: float = 0.0
    alive: bool = True


class LookupProcess:
    def __init__(self, factory: ProviderFactory, *, restart_delay_s: float = 1.0, stop_wait_s: float = 5.0) -> None:
        self.stats = ProviderStats()
        self.peak_rss_mb = 0.0
        self.cpu_s = 0.0  # the children's CPU time, as of their last answers
        self._ended_cpu_s = 0.0
        self._factory = factory
        self._restart_delay_s = restart_delay_s
        self._stop_wait_s = stop_wait_s
        self._child: _Child | None = None
        self._ended = ProviderStats()  # counted by children that have ended
        self._requests = itertools.count()
        self._starting: asyncio.Lock | None = None
        self._last_start = float("-inf")
        self._closing = False
        self._watchers: set[asyncio.Task[None]] = set()  # each child's answers and stderr

    @property
    def pid(self) -> int | None:
        """The running child's process id (None before the first start or after a stop)."""
        child = self._child
        return child.process.pid if child is not None and child.alive else None

    async def start(self) -> None:
        """Start the child now rather than at the first chunk (it takes a second to import)."""
        await self._running_child()

    async def lookup(self, query: ClaimQuery) -> LookupOutcome:
        return (await self.lookup_many([query]))[0]

    async def lookup_many(self, queries: Sequence[ClaimQuery]) -> list[LookupOutcome]:
        if not queries:
            return []
        child = await self._running_child()
        request = next(self._requests)
        answer: asyncio.Future[list[LookupOutcome]] = asyncio.get_running_loop().create_future()
        child.pending[request] = (answer, len(queries))
        try:
            lookup_wire.send(child.writer, ("lookup", request, lookup_wire.query_fields(queries)))
            try:
                await child.writer.drain()
            except ConnectionError:
                pass  # the child is gone: its reader answers every lookup it had
            return await answer
        except asyncio.CancelledError:
            if child.alive and not child.writer.is_closing():
                lookup_wire.send(child.writer, ("cancel", request))
            raise
        finally:
            child.pending.pop(request, None)

    async def aclose(self) -> None:
        self._closing = True
        child, self._child = self._child, None
        if child is not None:
            await self._stop(child)
        if self._watchers:
            await asyncio.gather(*self._watchers, return_exceptions=True)

    # -- the child ----------------------------------------------------------------

    async def _running_child(self) -> _Child:
        if self._child is not None and self._child.alive:
            return self._child
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            if self._child is not None and self._child.alive:
                return self._child
            if self._closing:
                raise RuntimeError("the lookup process is stopped")
            wait = self._last_start + self._restart_delay_s - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._last_start = time.monotonic()
            self._child = await self._spawn()
            return self._child

    async def _spawn(self) -> _Child:
        ours, theirs = socket.socketpair()
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", CHILD_MODULE, str(theirs.fileno()),
                pass_fds=(theirs.fileno(),),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,  # a crash's traceback goes to the log, not the terminal
                start_new_session=True,  # Ctrl-C is the runtime's; the child ends when the runtime does
            )
        finally:
            theirs.close()
        reader, writer = await asyncio.open_connection(sock=ours)
        factory = pickle.dumps(self._factory, protocol=pickle.HIGHEST_PROTOCOL)
        level = logging.getLogger(SERVICE).getEffectiveLevel()
        lookup_wire.send(writer, ("start", list(sys.path), factory, level))
        child = _Child(process, reader, writer)
        for watch in (self._read(child), self._read_stderr(process)):
            task = asyncio.create_task(watch)
            self._watchers.add(task)
            task.add_done_callback(self._watchers.discard)
        logger.info("lookup process started", extra={"pid": process.pid})
        return child

    async def _read(self, child: _Child) -> None:
        try:
            while True:
                self._dispatch(child, await lookup_wire.receive(child.reader))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            await self._lost(child)

    def _dispatch(self, child: _Child, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "log":
            record = logging.makeLogRecord(message[1])
            logging.getLogger(record.name).handle(record)
            return
        request, body, stats, (peak_rss_kib, cpu_s) = message[1:]
        child.stats, child.cpu_s = ProviderStats(**stats), cpu_s
        self._sum_stats(child)
        self.peak_rss_mb = max(self.peak_rss_mb, peak_rss_kib / 1024)
        answer, _ = child.pending.get(request, (None, 0))
        if answer is None or answer.done():
            return
        if kind == "done":
            answer.set_result(lookup_wire.outcomes_of(body))
        else:
            answer.set_exception(LookupProcessError(f"the claims provider raised {body}"))

    def _sum_stats(self, child: _Child) -> None:
        self.cpu_s = self._ended_cpu_s + child.cpu_s
        for name in _STATS_FIELDS:
            setattr(self.stats, name, getattr(self._ended, name) + getattr(child.stats, name))

    async def _lost(self, child: _Child) -> None:
        """The child has gone: its lookups fail (retryable, so their chunks come again)."""
        child.alive = False
        child.writer.close()
        lost = sum(count for answer, count in child.pending.values() if not answer.done())
        self._ended_cpu_s += child.cpu_s
        for name in _STATS_FIELDS:
            setattr(self._ended, name, getattr(self._ended, name) + getattr(child.stats, name))
        child.stats, child.cpu_s = ProviderStats(), 0.0
        stopped = LookupOutcome.failed(LOOKUP_PROCESS_STOPPED, retryable=True)
        for answer, count in child.pending.values():
            if not answer.done():
                answer.set_result([stopped] * count)
        exit_code = await self._ended_process(child)
        if not self._closing:
            logger.warning(
                "lookup process ended; its chunks will be delivered again",
                extra={"pid": child.process.pid, "exit_code": exit_code, "lookups_lost": lost},
            )

    async def _stop(self, child: _Child) -> None:
        if child.alive and not child.writer.is_closing():
            lookup_wire.send(child.writer, ("stop",))
        await self._ended_process(child)

    async def _ended_process(self, child: _Child) -> int:
        """The child's exit code, once it has exited (killed if it does not within stop_wait_s)."""
        try:
            return await asyncio.wait_for(asyncio.shield(child.process.wait()), self._stop_wait_s)
        except TimeoutError:
            logger.warning("lookup process did not exit in time; killed", extra={"pid": child.process.pid})
            child.process.kill()
            return await child.process.wait()

    async def _read_stderr(self, process: asyncio.subprocess.Process) -> None:
        """What the child printed (a crash's traceback, a library's warning), as log lines."""
        assert process.stderr is not None
        while line := await process.stderr.readline():
            logger.warning("lookup process wrote to stderr", extra={"pid": process.pid, "line": line.decode(errors="replace").rstrip()[:2000]})
