"""What the dead-letter function and the sweeper share: their environment.

Both read `claimbatch.handlers.env_vars.SignalsEnv`, so both get all of its
variables, from one place. What each may do with them differs, and is granted
in its own construct (`dead_letters.py`, `sweeper.py`).
"""

from __future__ import annotations

from infra.constructs.job_table import JobTable
from infra.constructs.queues import MonitoredQueue
from infra.settings import Settings


def signals_environment(
    settings: Settings, *, table: JobTable, split_queue: MonitoredQueue, aggregate_queue: MonitoredQueue
) -> dict[str, str]:
    return {
        "TABLE_NAME": table.table.table_name,
        "SPLIT_QUEUE_URL": split_queue.queue.queue_url,
        "AGGREGATE_QUEUE_URL": aggregate_queue.queue.queue_url,
        "STALL_AFTER_S": str(settings.stall_after_s),
        "MAX_REDRIVES": str(settings.max_redrives),
    }
