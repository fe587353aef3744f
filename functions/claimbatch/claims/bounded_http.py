"""One HTTP exchange with the claims API, bounded in time and size.

httpx's read timeout restarts with every byte, so an answer that trickles in
one byte every few seconds would never end: the whole exchange (connect to last
byte) has a deadline. The body is read up to a cap, so a huge answer costs no
more memory than the cap. The response is closed on every path (answer, error,
deadline, cancellation), so its connection always goes back to the pool.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx


class AnswerTooLarge(Exception):
    """The answer's body is larger than the cap."""


class DeadlineExceeded(Exception):
    """The exchange did not finish within its overall deadline."""


@dataclass(frozen=True)
class Answer:
    status_code: int
    headers: httpx.Headers
    body: bytes


@dataclass(frozen=True)
class Bounds:
    deadline_s: float
    max_body_bytes: int


async def _read_capped(response: httpx.Response, max_body_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_body_bytes:
        raise AnswerTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():  # decoded: a compressed bomb is capped too
        size += len(chunk)
        if size > max_body_bytes:
            raise AnswerTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


async def post(http: httpx.AsyncClient, path: str, bounds: Bounds, **request: Any) -> Answer:
    """POST and read the whole answer; raises httpx errors, DeadlineExceeded or AnswerTooLarge."""
    try:
        async with asyncio.timeout(bounds.deadline_s):
            async with http.stream("POST", path, **request) as response:
                body = await _read_capped(response, bounds.max_body_bytes)
                return Answer(response.status_code, response.headers, body)
    except TimeoutError:
        raise DeadlineExceeded from None
