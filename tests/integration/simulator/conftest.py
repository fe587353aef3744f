"""A simulator on a free loopback port per test, and a client for it (see sim_http.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sim_http import Connect, SimulatorClient, StartSimulator

from claimbatch.simulator.server import RunningSimulator, start_simulator
from claimbatch.simulator.settings import SimulatorSettings


@pytest.fixture
def start() -> Iterator[StartSimulator]:
    """Start simulators with any SimulatorSettings overrides; all are stopped after the test."""
    running: list[RunningSimulator] = []

    def _start(**overrides: Any) -> RunningSimulator:
        simulator = start_simulator(SimulatorSettings(port=0), **overrides)
        running.append(simulator)
        return simulator

    yield _start
    for simulator in running:
        simulator.stop()


@pytest.fixture
def simulator(start: StartSimulator) -> RunningSimulator:
    return start()


@pytest.fixture
async def connect() -> AsyncIterator[Connect]:
    """A SimulatorClient for any running simulator (trust_env off: no proxy between us and loopback)."""
    opened: list[httpx.AsyncClient] = []

    def _connect(simulator: RunningSimulator) -> SimulatorClient:
        http = httpx.AsyncClient(
            base_url=simulator.base_url,
            trust_env=False,
            timeout=10.0,
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=200),
        )
        opened.append(http)
        return SimulatorClient(simulator, http)

    yield _connect
    for http in opened:
        await http.aclose()


@pytest.fixture
def api(simulator: RunningSimulator, connect: Connect) -> SimulatorClient:
    """A client of a fresh simulator: its counters and fault attempts are this test's alone."""
    return connect(simulator)


@pytest.fixture(scope="module")
def shared_simulator() -> Iterator[RunningSimulator]:
    with start_simulator(SimulatorSettings(port=0)) as simulator:
        yield simulator


@pytest.fixture
def shared_api(shared_simulator: RunningSimulator, connect: Connect) -> SimulatorClient:
    """A client of a default simulator shared by a module: for tests that read no counters."""
    return connect(shared_simulator)
