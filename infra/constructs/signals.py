"""What the dead-letter function and the sweeper share: their environment.

Both read `claimbatch.handlers.env_vars.SignalsEnv`, so both get all of its
variables, from one place. What each may do with them differs, and is granted
in its own construct (`dead_letters.py`, `sweeper.py`).
"""

from __future__ import annotations

from infra.constructs.stage_kit import StageKit


def signals_environment(kit: StageKit) -> dict[str, str]:
    return {
        **kit.table_environment(),
        **kit.queue_environment("split", "aggregate"),
        "STALL_AFTER_S": str(kit.settings.stall_after_s),
        "MAX_REDRIVES": str(kit.settings.max_redrives),
    }
