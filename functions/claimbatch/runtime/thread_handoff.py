"""Calls from the runtime's threads (splitters, the sweeper, the job API's routes)
into its event loop, which stop waiting once the runtime is stopping."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from typing import Any


class RuntimeStopping(Exception):
    """The runtime is shutting down: a thread gives up handing work to the event loop."""


class LoopHandoff:
    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stopping = False

    def call(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Run `coroutine` on the event loop from another thread and wait for it;
        raises RuntimeStopping instead of waiting forever once the runtime stops."""
        assert self.loop is not None
        if self.stopping:
            coroutine.close()
            raise RuntimeStopping
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        while True:
            try:
                future.result(timeout=0.2)
                return
            except concurrent.futures.TimeoutError:
                if self.stopping:
                    future.cancel()
                    raise RuntimeStopping from None
