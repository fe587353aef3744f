"""Logger, Tracer and Metrics, made once for the whole package.

Every log line is JSON (Powertools). Rule for every call site: log ids (job id,
row number, chunk, correlation id) and counts, never a name, date of birth,
subscriber id or claim number.

Tracing: only the AWS SDK (botocore) is auto-patched. X-Ray's httpx patch keeps
one subsegment stack per thread, which the worker's concurrent lookups (one
event loop, one thread) would share: one lookup ended another's subsegment, the
wrapper raised after the answer had arrived, and that answer's connection never
went back to the pool. Each claims lookup gets a subsegment of its own instead
(TracedLookups), made beside the stack, never on it.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer

from claimbatch.claims.provider import ClaimStatusProvider
from claimbatch.domain.claim_answer import LookupOutcome
from claimbatch.domain.claim_row import ClaimQuery

SERVICE = "claimbatch"
TRACED_MODULES = ("botocore",)
LOOKUP_SUBSEGMENT = "claims API lookup"


def make_tracer() -> Tracer:
    """The package's tracer (made at import; a cold start in Lambda)."""
    return Tracer(service=SERVICE, patch_modules=TRACED_MODULES)


logger = Logger(service=SERVICE)
metrics = Metrics(namespace=SERVICE, service=SERVICE)
tracer: Tracer  # made on first use, by __getattr__ below


def __getattr__(name: str) -> Any:
    """`tracer`, made when first imported: the Lambda handlers import it (at a cold start,
    as before); the embedded runtime and its lookup process never do, so they never load
    the X-Ray SDK and the botocore it brings (about 40 MB of memory each)."""
    if name == "tracer":
        global tracer
        tracer = make_tracer()
        return tracer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _begin_lookup_subsegment() -> Any:
    """A subsegment under the current trace entity, made without touching the
    recorder's stack (so concurrent lookups cannot end each other's); None when
    not tracing. Tracing never fails a lookup."""
    try:
        from aws_xray_sdk import global_sdk_config
        from aws_xray_sdk.core import xray_recorder
        from aws_xray_sdk.core.models.subsegment import Subsegment

        if not global_sdk_config.sdk_enabled():
            return None
        parent = xray_recorder.get_trace_entity()
        if parent is None or not parent.sampled:
            return None
        segment = parent.parent_segment if isinstance(parent, Subsegment) else parent
        subsegment = Subsegment(LOOKUP_SUBSEGMENT, "remote", segment)
        parent.add_subsegment(subsegment)
        return subsegment
    except Exception:  # noqa: BLE001 - a tracing problem must never reach a lookup
        logger.debug("lookup subsegment not started")
        return None


def _end_lookup_subsegment(subsegment: Any, outcome: LookupOutcome | None) -> None:
    if subsegment is None:
        return
    try:
        if outcome is not None:  # the outcome's kind and attempts only: never patient data
            subsegment.put_annotation("outcome", str(outcome.kind))
            subsegment.put_annotation("attempts", outcome.attempts)
        else:
            subsegment.add_fault_flag()
        subsegment.close()
    except Exception:  # noqa: BLE001 - a tracing problem must never reach a lookup
        logger.debug("lookup subsegment not ended")


class TracedLookups:
    """A claims provider whose every lookup is an X-Ray subsegment of its own."""

    def __init__(self, provider: ClaimStatusProvider) -> None:
        self._provider = provider
        self.stats = provider.stats

    async def lookup(self, query: ClaimQuery) -> LookupOutcome:
        subsegment = _begin_lookup_subsegment()
        outcome: LookupOutcome | None = None
        try:
            outcome = await self._provider.lookup(query)
            return outcome
        finally:
            _end_lookup_subsegment(subsegment, outcome)

    async def aclose(self) -> None:
        await self._provider.aclose()
