"""What the notification routes need, wired per runtime (handlers/wiring.py for
Lambda, the local API server for `claimbatch serve`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from claimbatch.domain.job import utc_now
from claimbatch.logic.deliver_notification import Senders
from claimbatch.ports.notifications import NotificationSettingsStore


@dataclass
class NotificationApiDeps:
    settings: NotificationSettingsStore
    senders: Senders
    clock: Callable[[], datetime] = utc_now
