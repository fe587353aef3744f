"""What a Lambda execution environment builds once and keeps: clients, stores,
settings read from its environment. Each such function is registered here as
it is cached, so `forget_all()` (tests change the environment between cases)
clears every one of them without a list to keep up to date."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol, TypeVar


class _Cached(Protocol):
    def cache_clear(self) -> None: ...


F = TypeVar("F", bound=Callable[..., Any])
_caches: list[_Cached] = []


def once_per_environment(function: F) -> F:
    """`functools.cache`, remembered for `forget_all`."""
    cached = functools.cache(function)
    _caches.append(cached)
    return cached  # type: ignore[return-value]


def forget_also(*caches: _Cached) -> None:
    """Caches made outside the handlers (e.g. the adapters' boto3 clients)."""
    _caches.extend(caches)


def forget_all() -> None:
    for cached in _caches:
        cached.cache_clear()
