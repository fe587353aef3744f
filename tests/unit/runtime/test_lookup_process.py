"""The runtime's lookup process: a child that makes the provider from its factory,
answers whole chunks, reports its stats and logs, and whose death or stop loses no row."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from functools import partial

import pytest

from claimbatch.claims.provider import ChunkLookups, lookup_many
from claimbatch.domain.claim_answer import LookupKind
from claimbatch.runtime.lookup_process import LOOKUP_PROCESS_STOPPED, LookupProcess
from claimbatch.simulator.in_process_provider import InProcessSimulatedProvider
from tests.support.claims_data import SEED_PHI, SEED_QUERY
from tests.support.lookup_providers import DiesOnce, LogsEachChunk, NeverAnswers

WAIT_S = 30  # bounds every wait on a child (the machine may be slow to start one)


def _exited(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:  # a zombie still answers kill(0); its state says it is gone
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1].startswith("Z")
    except OSError:
        return True


async def test_a_chunk_is_answered_in_the_child_as_in_process_and_its_stats_come_back():
    queries = [SEED_QUERY] * 3
    expected = await InProcessSimulatedProvider().lookup_many(queries)
    lookups = LookupProcess(InProcessSimulatedProvider)
    try:
        assert isinstance(lookups, ChunkLookups)
        answers = await asyncio.wait_for(lookup_many(lookups, queries), WAIT_S)
        single = await asyncio.wait_for(lookups.lookup(SEED_QUERY), WAIT_S)
        child = lookups.pid
        assert child is not None and child != os.getpid()
    finally:
        await lookups.aclose()
    assert answers == expected and single == expected[0]
    assert answers[0].kind is LookupKind.FOUND
    assert lookups.stats.requests == 4
    assert lookups.peak_rss_mb > 0
    assert lookups.pid is None and _exited(child)


async def test_a_child_that_dies_fails_its_lookups_retryably_and_the_next_chunk_gets_a_new_one(tmp_path):
    marker = tmp_path / "died"
    lookups = LookupProcess(partial(DiesOnce, marker), restart_delay_s=0.01)
    try:
        lost = await asyncio.wait_for(lookups.lookup_many([SEED_QUERY, SEED_QUERY]), WAIT_S)
        assert [outcome.kind for outcome in lost] == [LookupKind.FAILED] * 2
        assert all(o.retryable and o.redeliver and o.error == LOOKUP_PROCESS_STOPPED for o in lost)
        dead = int(marker.read_text())
        answered = await asyncio.wait_for(lookups.lookup_many([SEED_QUERY]), WAIT_S)
        assert answered[0].kind is LookupKind.FOUND
        assert lookups.pid not in (None, dead)
    finally:
        await lookups.aclose()


async def test_stop_abandons_lookups_in_flight_and_the_child_exits():
    lookups = LookupProcess(NeverAnswers, stop_wait_s=5)
    await lookups.start()
    child = lookups.pid
    waiting = asyncio.create_task(lookups.lookup_many([SEED_QUERY]))
    await asyncio.sleep(0.5)
    waiting.cancel()  # as the runtime's stop() cancels its workers first
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await asyncio.wait_for(lookups.aclose(), WAIT_S)
    assert child is not None and _exited(child)


async def test_the_childs_log_lines_are_written_by_the_runtime_without_patient_data(caplog):
    caplog.set_level(logging.INFO, logger="claimbatch")
    lookups = LookupProcess(LogsEachChunk)
    try:
        await asyncio.wait_for(lookups.lookup_many([SEED_QUERY]), WAIT_S)
        child = lookups.pid
    finally:
        await lookups.aclose()
    records = [r for r in caplog.records if r.getMessage() == "chunk looked up in the lookup process"]
    assert len(records) == 1
    assert records[0].queries == 1 and records[0].pid == child
    (trouble,) = [r for r in caplog.records if r.getMessage() == "provider trouble logged with its traceback"]
    assert trouble.levelno == logging.ERROR and "ValueError: a provider's own trouble" in trouble.exception
    logged = caplog.text + json.dumps([vars(r) for r in caplog.records], default=str)
    assert not any(value in logged for value in SEED_PHI)
