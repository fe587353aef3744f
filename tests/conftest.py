"""Suite-wide test settings: no network beyond loopback, no real AWS credentials."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from claimbatch.simulator.server import RunningSimulator, start_simulator
from tests.support.synth import Synthesized, synthesize


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    # Any AWS call that escapes moto fails on these instead of reaching an account.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "1")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "claimbatch-tests")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "claimbatch")


@pytest.fixture(scope="session")
def simulator() -> Iterator[RunningSimulator]:
    """One claims API simulator on a loopback port for the session (faults count per claim number)."""
    with start_simulator(slow_s=0.2) as running:
        yield running


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The stack's template, synthesized once per test session."""
    return synthesize(tmp_path_factory.mktemp("cdk.out"))


class CapturedLogs:
    """Every line the package logs during a test, formatted as in production (JSON)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def captured_logs() -> Iterator[CapturedLogs]:
    import logging

    from claimbatch.observability import logger

    captured = CapturedLogs()

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.lines.append(self.format(record))

    handler = _Collect(level=logging.DEBUG)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    previous_level = logger.log_level
    logger.setLevel(logging.DEBUG)
    try:
        yield captured
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous_level)
