"""Running the real `claimbatch` command as a user would: a subprocess, its
output captured, every wait bounded, and the job database read read-only."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from tests.support.claims_data import member_line

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_FILE = REPO / "examples" / "claims.csv"
COMMAND = [sys.executable, "-m", "claimbatch.cli.main"]
HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id"
PHI_COLUMNS = ("claim_number", "first_name", "last_name", "date_of_birth", "subscriber_id")
SEED_LINE = "1,ZE59426195,Finalized,CHANTAL KISA,720.00,351.00,08/08/2025,True,"
NOT_FOUND_LINE = "2,NF34234785,,,,,,False,Claim not found"

T = TypeVar("T")


def cli_env(**extra: str) -> dict[str, str]:
    """The test's environment without any claimbatch setting a developer may have exported."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("CLAIMBATCH_")}
    env.update(PYTHONUNBUFFERED="1", COLUMNS="200", **extra)
    return env


@dataclass
class Finished:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def lines(self) -> list[str]:
        return [line for line in self.output.splitlines() if line.strip()]


def claimbatch(*args: object, env: dict[str, str] | None = None, timeout: float = 60) -> Finished:
    """Run `claimbatch ARGS…` to its end (killed, and the test failed, after `timeout`)."""
    done = subprocess.run(
        [*COMMAND, *map(str, args)],
        capture_output=True,
        text=True,
        env=env or cli_env(),
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    return Finished(done.returncode, done.stdout, done.stderr)


def wait_until(condition: Callable[[], T], timeout: float, what: str, interval: float = 0.1) -> T:
    """Poll until `condition()` is truthy and return it; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


def claims_csv(rows: int, prefix: str = "CB") -> str:
    """A valid file of `rows` distinct, existing claims."""
    lines = [HEADER]
    lines += [member_line(f"{prefix}{i:08d}") for i in range(1, rows + 1)]
    return "\n".join(lines) + "\n"


def read_results(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def read_summary(path: Path) -> dict[str, object]:
    return json.loads(path.read_text(encoding="utf-8"))


def phi_values(input_file: Path) -> set[str]:
    """Every patient value of a file (long enough not to occur by chance in other text)."""
    with input_file.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {row[column] for row in rows for column in PHI_COLUMNS if len(row.get(column) or "") >= 3}


def assert_no_phi(text: str, values: set[str], where: str) -> None:
    leaked = sorted(value for value in values if value in text)
    assert not leaked, f"patient data in {where}: {leaked[:5]}"


class JobsTable:
    """The `jobs` table of DATA/claimbatch.db, read read-only while a service writes it."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "claimbatch.db"

    def rows(self) -> list[dict[str, object]]:
        if not self.path.exists():
            return []
        try:
            db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=5)
        except sqlite3.OperationalError:
            return []
        try:
            db.row_factory = sqlite3.Row
            records = db.execute(
                "SELECT job_id, state, source, total, done, succeeded, not_found, invalid, failed FROM jobs"
            ).fetchall()
        except sqlite3.OperationalError:  # not created yet, or busy for longer than the timeout
            return []
        finally:
            db.close()
        return [{**dict(record), "key": json.loads(record["source"])["key"]} for record in records]

    def for_key(self, key: str) -> list[dict[str, object]]:
        return [row for row in self.rows() if row["key"] == key]


class ServeProcess:
    """`claimbatch serve` in the background; always stopped (killed at worst) on exit."""

    def __init__(
        self, data_dir: Path, *args: object, log_name: str = "serve", env: dict[str, str] | None = None
    ) -> None:
        self.data_dir = data_dir
        self._env = env or cli_env()
        self._stdout_path = data_dir.parent / f"{log_name}.stdout"
        self._stderr_path = data_dir.parent / f"{log_name}.stderr"
        self._args = ["serve", "--data-dir", data_dir, "--poll-s", "0.1", "--settle-s", "0.3", *args]
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ServeProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self._stdout_path.open("wb") as out, self._stderr_path.open("wb") as err:
            self.process = subprocess.Popen(
                [*COMMAND, *map(str, self._args)], stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=self._env
            )
        wait_until(lambda: "watching" in self.stdout or self.process.poll() is not None, 30, "serve to start")
        assert self.process.poll() is None, f"serve exited at start: {self.output}"
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    @property
    def stdout(self) -> str:
        return self._stdout_path.read_text(encoding="utf-8", errors="replace")

    @property
    def output(self) -> str:
        return self.stdout + self._stderr_path.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self, timeout: float = 15) -> int:
        """SIGTERM, as a service manager stops it; the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)


def write_slowly(path: Path, data: bytes, pause_s: float = 0.5) -> None:
    """Copy a file in as a slow upload would: half, a pause with the file still open, the rest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    half = len(data) // 2
    with path.open("wb") as handle:
        handle.write(data[:half])
        handle.flush()
        os.fsync(handle.fileno())
        time.sleep(pause_s)
        handle.write(data[half:])
