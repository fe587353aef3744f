"""Where one message's delivery to one channel stands: pending (due again at a
time), delivered, or given up; with the attempts made and the last answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class DeliveryState(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    GAVE_UP = "gave_up"


@dataclass(frozen=True)
class DeliveryStep:
    """Where a delivery stands after an attempt: done, or due again at `next_attempt_at`."""

    state: DeliveryState
    attempts: int
    next_attempt_at: datetime | None
    reason: str

    @property
    def done(self) -> bool:
        return self.state is not DeliveryState.PENDING
