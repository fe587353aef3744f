"""The simulator in a process of its own, so that it does not share a core (and
the GIL) with the pipeline that calls it. What `claimbatch run` and `serve` use."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from types import TracebackType
from typing import Any

import httpx

from claimbatch.simulator.settings import SimulatorSettings

STARTUP_TIMEOUT_S = 20.0
_FLAGS = {
    "latency_ms": "--latency-ms",
    "jitter_ms": "--jitter-ms",
    "latency_p99_ms": "--latency-p99-ms",
    "rate_limit": "--rate-limit",
    "max_concurrency": "--max-concurrency",
    "error_rate": "--error-rate",
    "token_ttl_s": "--token-ttl",
    "seed": "--seed",
    "outage_after_s": "--outage-after-s",
    "outage_for_s": "--outage-for-s",
    "slow_s": "--slow-s",
}


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, ask the kernel to end it when the parent dies,
    so a killed `run` or `serve` never leaves a simulator behind."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # elsewhere the parent's own stop() is the only clean-up


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SimulatorProcess:
    """A running `claimbatch simulator`; `base_url`, `stats()` and `stop()` as the in-process one."""

    def __init__(self, settings: SimulatorSettings) -> None:
        self.port = _free_loopback_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "claimbatch.cli.main", "simulator", "--host", "127.0.0.1", "--port", str(self.port)]
        for field, flag in _FLAGS.items():
            value = getattr(settings, field)
            if value is not None:
                command += [flag, str(value)]
        # Its own session: a Ctrl-C in the terminal reaches the parent, which stops it in order.
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509 - only prctl, no locks
        )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError("the claims simulator exited at start")
            try:
                if httpx.get(f"{self.base_url}/_health", timeout=0.5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("the claims simulator did not start")

    def stats(self) -> dict[str, Any]:
        return httpx.get(f"{self.base_url}/_stats", timeout=5).json()

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def __enter__(self) -> SimulatorProcess:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_simulator_process(**knobs: Any) -> SimulatorProcess:
    return SimulatorProcess(SimulatorSettings(port=0, **knobs))
