"""The words of a notification: the Standard Webhooks body and the email, built
from a JobEvent (ids, state, counts, times, links), so no row's values can slip in."""

from __future__ import annotations

import html
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from claimbatch.domain.job_event import JobEvent, NotificationType

TEST_SENTENCE = "This is a test notification from claimbatch: this channel is set up."


@dataclass(frozen=True)
class Notification:
    """One message to every channel: `message_id` is the webhook-id, stable across redeliveries."""

    message_id: str
    type: NotificationType
    timestamp: datetime
    data: dict[str, Any]
    subject: str
    text: str
    html: str

    def webhook_body(self) -> str:
        body = {"type": self.type.value, "timestamp": self.timestamp.isoformat(), "data": self.data}
        return json.dumps(body, separators=(",", ":"), sort_keys=True)


def job_links(job_id: str, api_base_url: str | None) -> dict[str, str]:
    if not api_base_url:
        return {}
    job = f"{api_base_url.rstrip('/')}/jobs/{job_id}"
    return {"job": job, "results": f"{job}/results", "errors": f"{job}/errors"}


def job_notification(event: JobEvent, api_base_url: str | None) -> Notification:
    kind = event.notification_type
    if kind is None:
        raise ValueError(f"a {event.state.value} job has not ended: nothing to notify")
    links = job_links(event.job_id, api_base_url)
    data = {
        "job_id": event.job_id,
        "file_name": event.file_name,
        "state": event.state.value,
        "counts": event.counts.model_dump(),
        "error": event.error,
        "created_at": event.created_at.isoformat(),
        "started_at": event.started_at.isoformat() if event.started_at else None,
        "completed_at": event.completed_at.isoformat() if event.completed_at else None,
        "links": links,
    }
    lines = _job_lines(event)
    link = links.get("job")
    return Notification(
        message_id=event.message_id,
        type=kind,
        timestamp=event.completed_at or event.created_at,
        data=data,
        subject=f"claimbatch: {_one_line(event.file_name)} {event.state.value}",
        text="\n".join([*lines, *([f"Job: {link}"] if link else [])]) + "\n",
        html=_html(lines, link),
    )


def channel_test_notification(tenant: str, now: datetime) -> Notification:
    return Notification(
        message_id="msg_test_" + secrets.token_hex(12),
        type=NotificationType.TEST,
        timestamp=now,
        data={"tenant": tenant, "message": TEST_SENTENCE},
        subject="claimbatch: test notification",
        text=TEST_SENTENCE + "\n",
        html=_html([TEST_SENTENCE], None),
    )


def _one_line(text: str) -> str:
    """A header holds one line: control characters (a file name may carry any) become spaces."""
    return "".join(" " if ord(char) < 32 or ord(char) == 127 else char for char in text)


def _job_lines(event: JobEvent) -> list[str]:
    counts = event.counts
    lines = [f"Job {event.job_id} ({event.file_name}) is {event.state.value}."]
    if event.error:
        lines.append(f"Error: {event.error}")
    lines.append(
        f"Rows: {counts.total or 0:,} total, {counts.succeeded:,} succeeded, {counts.not_found:,} not found, "
        f"{counts.invalid:,} invalid, {counts.failed:,} failed, {counts.cancelled:,} cancelled."
    )
    return lines


def _html(lines: list[str], link: str | None) -> str:
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    if link:
        paragraphs += f'<p><a href="{html.escape(link, quote=True)}">Open the job</a></p>'
    return f"<!DOCTYPE html><html><body>{paragraphs}</body></html>"
