"""Every exchange with the claims API ends within its deadline and its size cap,
and its response is closed on every path, so its connection goes back to the pool."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from claimbatch.claims import bounded_http

BOUNDS = bounded_http.Bounds(deadline_s=0.5, max_body_bytes=100)


class RecordedStream(httpx.AsyncByteStream):
    """A body sent in pieces, with a pause after each; remembers whether it was closed."""

    def __init__(self, pieces: list[bytes], pause_s: float = 0.0) -> None:
        self.pieces, self.pause_s, self.closed = pieces, pause_s, False

    async def __aiter__(self):
        for piece in self.pieces:
            yield piece
            await asyncio.sleep(self.pause_s)

    async def aclose(self) -> None:
        self.closed = True


def _client(stream: RecordedStream) -> httpx.AsyncClient:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=stream))
    return httpx.AsyncClient(base_url="https://api.example.test", transport=transport)


async def test_a_whole_answer_is_read_and_closed():
    stream = RecordedStream([b'{"a": ', b"1}"])
    async with _client(stream) as http:
        answer = await bounded_http.post(http, "/x", BOUNDS, json={})

    assert (answer.status_code, answer.body) == (200, b'{"a": 1}') and stream.closed


async def test_an_answer_that_trickles_past_the_deadline_is_cut_and_closed():
    stream = RecordedStream([b" "] * 100, pause_s=0.05)
    async with _client(stream) as http:
        with pytest.raises(bounded_http.DeadlineExceeded):
            await bounded_http.post(http, "/x", BOUNDS, json={})

    assert stream.closed


async def test_an_answer_over_the_cap_is_cut_and_closed():
    stream = RecordedStream([b"x" * 60, b"x" * 60, b"never read"])
    async with _client(stream) as http:
        with pytest.raises(bounded_http.AnswerTooLarge):
            await bounded_http.post(http, "/x", BOUNDS, json={})

    assert stream.closed


async def test_a_cancelled_exchange_closes_its_answer():
    stream = RecordedStream([b" "] * 100, pause_s=0.05)
    async with _client(stream) as http:
        task = asyncio.create_task(bounded_http.post(http, "/x", bounded_http.Bounds(60, 1000), json={}))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    assert stream.closed
