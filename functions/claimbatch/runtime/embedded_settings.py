"""Settings of the embedded runtime, and the names and states its parts share."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from claimbatch.domain.input_reader import InputLimits
from claimbatch.domain.job import JobState

STAGE_ATTEMPTS = 5  # a splitter or aggregator that keeps crashing fails its job after this many tries
DB_NAME = "claimbatch.db"
UNFINISHED_STATES = (JobState.RECEIVED, JobState.SPLITTING, JobState.PROCESSING, JobState.AGGREGATING)


@dataclass(frozen=True)
class EmbeddedSettings:
    data_dir: Path
    concurrency: int = 16  # lookups in flight
    rows_per_message: int = 100
    limits: InputLimits = field(default_factory=InputLimits)
    # A row whose lookups failed transiently (throttled, API down) is written as failed only
    # once its chunk has waited row_patience_s since its first delivery (or used up
    # max_deliveries). Each delivery gives a row the client's whole retry budget; between
    # deliveries the chunk waits a jittered base * 2**delivery, at most max_redelivery_delay_s.
    row_patience_s: float = 900.0
    max_deliveries: int = 200
    redelivery_base_s: float = 1.0
    max_redelivery_delay_s: float = 30.0
    # The sweeper: a job without progress this long is split again (see logic/sweep_jobs.py).
    stall_after_s: float = 1800.0
    sweep_every_s: float = 60.0
    split_threads: int = 4  # files split at once; more wait their turn

    def redelivery_delay(self, delivery: int) -> float:
        """How long a chunk (or a crashed stage) waits before its `delivery`-th try."""
        ceiling = min(self.max_redelivery_delay_s, self.redelivery_base_s * 2 ** min(delivery, 16))
        return random.uniform(ceiling / 2, ceiling)  # jittered, but never next to nothing
