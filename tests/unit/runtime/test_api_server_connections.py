"""The local API server bounds what idle or half-sent requests can hold: open
connections, and the time a request's head may take to arrive."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import httpx

from claimbatch.claims.optum_client import OptumClaimsClient
from claimbatch.cli.data_dir import log_to_file
from claimbatch.observability import logger
from claimbatch.runtime.api_server import serve_job_api
from claimbatch.runtime.embedded import EmbeddedRuntime, EmbeddedSettings
from claimbatch.runtime.guarded_http import ConnectionLimits

from tests.support.runtimes import simulator_client_settings

LIMITS = ConnectionLimits(max_connections=5, header_timeout_s=0.5)


def _runtime(data: Path) -> EmbeddedRuntime:
    return EmbeddedRuntime(EmbeddedSettings(data_dir=data), OptumClaimsClient(simulator_client_settings("http://127.0.0.1:9")))


async def _half_request(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /jobs HTTP/1.1\r\nHost: x\r\n")  # the head never ends
    await writer.drain()
    return reader, writer


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> bool:
    try:
        return await asyncio.wait_for(reader.read(), seconds) == b""
    except (TimeoutError, ConnectionError):
        return False


def test_idle_half_requests_are_bounded_in_number_and_time(tmp_path):
    async def scenario() -> None:
        async with _runtime(tmp_path) as runtime, serve_job_api(runtime, "127.0.0.1", 0, "T", LIMITS) as api:
            port = int(api.base_url.rsplit(":", 1)[1])
            held = [await _half_request(port) for _ in range(LIMITS.max_connections)]
            await asyncio.sleep(0.05)
            # a connection over the limit is closed at once
            extra, _ = await _half_request(port)
            assert await _closed_within(extra, 0.3)
            # the ones held are closed once the head is overdue
            assert all([await _closed_within(reader, 2.0) for reader, _ in held])
            # and the server answers as before
            async with httpx.AsyncClient(base_url=api.base_url) as client:
                answer = await client.get("/jobs", headers={"Authorization": "Bearer T"})
            assert answer.status_code == 200

    asyncio.run(scenario())


def test_a_head_trickled_in_byte_by_byte_is_cut_off(tmp_path):
    async def scenario() -> None:
        async with _runtime(tmp_path) as runtime, serve_job_api(runtime, "127.0.0.1", 0, "T", LIMITS) as api:
            port = int(api.base_url.rsplit(":", 1)[1])
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            closed_after = None
            for sent in range(40):  # one byte every 0.1 s: 4 s unless cut off
                try:
                    writer.write(b"X")
                    await writer.drain()
                except ConnectionError:
                    closed_after = sent
                    break
                if await _closed_within(reader, 0.1):
                    closed_after = sent
                    break
            assert closed_after is not None and closed_after < 15

    asyncio.run(scenario())


def test_the_servers_own_log_lines_are_json(tmp_path):
    async def scenario() -> None:
        async with _runtime(tmp_path) as runtime, serve_job_api(runtime, "127.0.0.1", 0, "T", LIMITS) as api:
            port = int(api.base_url.rsplit(":", 1)[1])
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"NOT HTTP AT ALL\r\n\r\n")  # uvicorn logs a warning of its own
            await writer.drain()
            assert (await asyncio.wait_for(reader.read(), 2)).startswith(b"HTTP/1.1 400")

    root = logging.getLogger()
    handlers = list(root.handlers)
    ours = logger.registered_handler
    stream = ours.stream
    # `claimbatch serve` starts in a fresh process, where uvicorn's loggers are untouched; an
    # earlier test in this process may have run uvicorn with its own logging config (handlers of
    # its own, no propagation), so give its loggers the fresh-process state for this test.
    uvicorn_loggers = [logging.getLogger(name) for name in ("uvicorn", "uvicorn.error", "uvicorn.access")]
    saved = [(each.handlers[:], each.propagate, each.disabled, each.level) for each in uvicorn_loggers]
    for each in uvicorn_loggers:
        each.handlers, each.propagate, each.disabled, each.level = [], True, False, logging.NOTSET
    try:
        log_to_file(tmp_path)
        asyncio.run(scenario())
    finally:
        for handler in set(root.handlers) - set(handlers):
            root.removeHandler(handler)
        ours.setStream(stream)
        for each, (kept, propagate, disabled, level) in zip(uvicorn_loggers, saved, strict=True):
            each.handlers, each.propagate, each.disabled, each.level = kept, propagate, disabled, level
    lines = (tmp_path / "claimbatch.log").read_text().splitlines()
    assert any("Invalid HTTP request" in line for line in lines)
    for line in lines:
        json.loads(line)
