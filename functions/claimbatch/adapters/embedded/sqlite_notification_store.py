"""Notifications on SQLite (the embedded runtime's table): each tenant's channels,
and the deliveries of job-end messages with their retry state, so a restart of
`claimbatch serve` goes on where the previous one stopped.

A delivery row is self-contained: the job's event and the channel (URL and secret,
or address) as they were when the job ended. One row per (message, channel), so
announcing a job's end twice makes no second delivery.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import TypeAdapter

from claimbatch.adapters.embedded.sqlite_database import SqliteDatabase
from claimbatch.domain.job_event import JobEvent
from claimbatch.domain.notification_settings import Channel, NotificationSettings
from claimbatch.domain.delivery_record import DeliveryState, DeliveryStep

SCHEMA = """
CREATE TABLE IF NOT EXISTS notification_settings (
    tenant TEXT PRIMARY KEY,
    settings TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS notification_deliveries (
    message_id TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    event TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (message_id, channel_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS notification_deliveries_due ON notification_deliveries (state, next_attempt_at);
"""
_CHANNEL = TypeAdapter(Channel)


@dataclass(frozen=True)
class PendingDelivery:
    message_id: str
    channel: Channel
    event: JobEvent
    attempts: int  # made so far


@dataclass(frozen=True)
class DeliveryRecord:
    message_id: str
    channel_id: str
    state: DeliveryState
    attempts: int
    reason: str


class SqliteNotificationStore(SqliteDatabase):
    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA)

    # -- settings (NotificationSettingsStore) ------------------------------------------

    def get_notification_settings(self, tenant: str) -> NotificationSettings:
        with self._lock:
            row = self._db.execute("SELECT settings FROM notification_settings WHERE tenant = ?", (tenant,)).fetchone()
        return NotificationSettings.model_validate_json(row["settings"]) if row else NotificationSettings()

    def put_notification_settings(self, tenant: str, settings: NotificationSettings) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO notification_settings (tenant, settings) VALUES (?, ?)"
                " ON CONFLICT (tenant) DO UPDATE SET settings = excluded.settings",
                (tenant, settings.model_dump_json()),
            )

    # -- deliveries ------------------------------------------------------------------

    def add_deliveries(self, event: JobEvent, channels: Sequence[Channel], due_at: float) -> int:
        """One pending delivery per channel not yet holding this message; how many were new."""
        added = 0
        with self._transaction() as db:
            for channel in channels:
                cursor = db.execute(
                    "INSERT OR IGNORE INTO notification_deliveries"
                    " (message_id, channel_id, channel, event, state, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        event.message_id,
                        channel.channel_id,
                        channel.model_dump_json(),
                        event.model_dump_json(),
                        DeliveryState.PENDING.value,
                        due_at,
                    ),
                )
                added += cursor.rowcount
        return added

    def due_deliveries(self, now: float, limit: int = 20) -> list[PendingDelivery]:
        with self._lock:
            rows = self._db.execute(
                "SELECT message_id, channel, event, attempts FROM notification_deliveries"
                " WHERE state = ? AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?",
                (DeliveryState.PENDING.value, now, limit),
            ).fetchall()
        return [
            PendingDelivery(
                message_id=row["message_id"],
                channel=_CHANNEL.validate_json(row["channel"]),
                event=JobEvent.model_validate_json(row["event"]),
                attempts=row["attempts"],
            )
            for row in rows
        ]

    def pending_count(self) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) AS n FROM notification_deliveries WHERE state = ?", (DeliveryState.PENDING.value,)
            ).fetchone()
        return int(row["n"])

    def record_step(self, message_id: str, channel_id: str, step: DeliveryStep) -> None:
        due = step.next_attempt_at.timestamp() if step.next_attempt_at else 0.0
        with self._transaction() as db:
            db.execute(
                "UPDATE notification_deliveries SET state = ?, attempts = ?, next_attempt_at = ?, reason = ?"
                " WHERE message_id = ? AND channel_id = ?",
                (step.state.value, step.attempts, due, step.reason, message_id, channel_id),
            )

    def deliveries(self, message_id: str | None = None) -> list[DeliveryRecord]:
        """Every delivery (of one message), oldest first: what `serve` reports and tests read."""
        where, params = ("WHERE message_id = ?", (message_id,)) if message_id else ("", ())
        with self._lock:
            rows = self._db.execute(
                f"SELECT message_id, channel_id, state, attempts, reason FROM notification_deliveries {where}",
                params,
            ).fetchall()
        return [
            DeliveryRecord(
                message_id=row["message_id"],
                channel_id=row["channel_id"],
                state=DeliveryState(row["state"]),
                attempts=row["attempts"],
                reason=row["reason"],
            )
            for row in rows
        ]
