"""Running the simulator with uvicorn: in the foreground (the CLI) or in a background thread (tests, demo).

In-process use:

    with start_simulator(SimulatorSettings(port=0, rate_limit=5)) as sim:
        httpx.post(f"{sim.base_url}/apip/auth/sntl/v1/token", data=...)
        sim.stats()["throttled"]

The socket is bound before uvicorn starts, so port 0 gives a free port with no race,
and `base_url` is known as soon as `start_simulator` returns.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from claimbatch.runtime.listening_socket import base_url_of, bind_socket
from claimbatch.simulator.app import SimulatorState, create_app, simulator_state
from claimbatch.simulator.settings import SimulatorSettings

_STARTUP_TIMEOUT_S = 10.0
_SHUTDOWN_TIMEOUT_S = 10.0


def _uvicorn_server(
    settings: SimulatorSettings, *, configure_logging: bool
) -> tuple[uvicorn.Server, SimulatorState]:
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        lifespan="off",
        access_log=settings.access_log,
        # In-process, the host application owns logging; uvicorn's dictConfig would override it.
        log_config=LOGGING_CONFIG if configure_logging else None,
        timeout_graceful_shutdown=1,
        server_header=False,
    )
    return uvicorn.Server(config), simulator_state(app)


class RunningSimulator:
    """A simulator serving in a background thread. Use as a context manager, or call `stop()`."""

    def __init__(self, settings: SimulatorSettings) -> None:
        self.settings = settings
        self._server, self.state = _uvicorn_server(settings, configure_logging=False)
        self._socket = bind_socket(settings.host, settings.port)
        self.base_url = base_url_of(self._socket)
        self.port: int = self._socket.getsockname()[1]
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="claims-simulator", daemon=True
        )

    def _start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + _STARTUP_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self._socket.close()
                raise RuntimeError("the claims simulator did not start")
            time.sleep(0.002)

    def stats(self) -> dict[str, Any]:
        """The counters of `GET /_stats`, read directly."""
        return self.state.stats_snapshot()

    def reset_stats(self) -> None:
        self.state.stats.reset()

    def start_outage(self, for_s: float) -> None:
        """As `POST /_control {"down_for_s": for_s}`."""
        self.state.outage.start(for_s)

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.should_exit = True
            self._thread.join(_SHUTDOWN_TIMEOUT_S)
        self._socket.close()

    def __enter__(self) -> RunningSimulator:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_simulator(settings: SimulatorSettings | None = None, **overrides: Any) -> RunningSimulator:
    """Start a simulator in a background thread; by default on a free loopback port.

    `overrides` are SimulatorSettings fields, e.g. `start_simulator(rate_limit=5, latency_ms=20)`.
    Returns once it accepts connections.
    """
    if settings is None:
        settings = SimulatorSettings(port=0)
    if overrides:
        settings = SimulatorSettings.model_validate({**settings.model_dump(), **overrides})
    simulator = RunningSimulator(settings)
    simulator._start()
    return simulator


def serve_forever(settings: SimulatorSettings, on_ready: Callable[[str], None] | None = None) -> None:
    """Serve in the foreground until SIGINT/SIGTERM (the `claimbatch simulator` command).

    `on_ready(base_url)` is called once the socket listens, before serving starts.
    """
    server, _ = _uvicorn_server(settings, configure_logging=True)
    sock = bind_socket(settings.host, settings.port)
    if on_ready is not None:
        on_ready(base_url_of(sock))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
