"""Settings of the embedded runtime, and the names and states its parts share."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from claimbatch import defaults
from claimbatch.domain.input_reader import InputLimits
from claimbatch.domain.job import JobState
from claimbatch.logic.redelivery import RedeliveryPolicy

STAGE_ATTEMPTS = 5  # a splitter or aggregator that keeps crashing fails its job after this many tries
DB_NAME = "claimbatch.db"
UNFINISHED_STATES = (JobState.RECEIVED, JobState.SPLITTING, JobState.PROCESSING, JobState.AGGREGATING)


@dataclass(frozen=True)
class EmbeddedSettings:
    data_dir: Path
    concurrency: int | None = None  # most lookups in flight (the client's cap); None: the client's default
    rows_per_message: int = defaults.ROWS_PER_MESSAGE
    limits: InputLimits = field(default_factory=InputLimits)
    # A row whose lookups failed transiently (throttled, API down) is written as failed only
    # once its chunk has waited row_patience_s since its first delivery (or used up
    # max_deliveries). Each delivery gives a row the client's whole retry budget; between
    # deliveries the chunk waits as logic/redelivery.py says (base and cap from here).
    row_patience_s: float = defaults.ROW_PATIENCE_S
    max_deliveries: int = defaults.LOCAL_MAX_DELIVERIES
    redelivery_base_s: float = defaults.REDELIVERY_BASE_S
    max_redelivery_delay_s: float = defaults.LOCAL_MAX_REDELIVERY_DELAY_S
    # The sweeper: a job without progress this long is split again (see logic/sweep_jobs.py).
    stall_after_s: float = defaults.STALL_AFTER_S
    sweep_every_s: float = defaults.LOCAL_SWEEP_EVERY_S
    split_threads: int = 4  # files split at once; more wait their turn

    @property
    def redelivery(self) -> RedeliveryPolicy:
        """The pipeline's one redelivery policy, with this runtime's base and cap."""
        return RedeliveryPolicy(base_s=self.redelivery_base_s, max_delay_s=self.max_redelivery_delay_s)

    def redelivery_delay(self, attempt: int) -> float:
        """How long a chunk (or a crashed stage) waits after its `attempt`-th try failed."""
        return self.redelivery.delay_s(attempt)
