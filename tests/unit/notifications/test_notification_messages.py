"""What a notification says: ids, state, counts, times and links; the same message id
for every redelivery of one terminal state."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from claimbatch.domain.job import JobCounts, JobState, SourceObject, new_job
from claimbatch.domain.job_event import JobEvent
from claimbatch.domain.notification_messages import job_notification, channel_test_notification
from claimbatch.domain.notification_settings import NotificationSettings, is_webhook_secret

ENDED = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def ended_job(state: JobState = JobState.COMPLETED, error: str | None = None, ended: datetime = ENDED):
    job = new_job(SourceObject(bucket="b", key="inbox/acme/march/claims.csv", version="v1"))
    return job.model_copy(
        update={
            "state": state,
            "error": error,
            "completed_at": ended,
            "counts": JobCounts(total=3, done=3, succeeded=2, not_found=1),
        }
    )


def test_a_completed_job_becomes_a_job_completed_webhook_with_counts_times_and_links():
    notification = job_notification(JobEvent.of(ended_job()), "https://api.example.com/")
    body = json.loads(notification.webhook_body())
    assert body["type"] == "job.completed"
    assert body["timestamp"] == ENDED.isoformat()
    data = body["data"]
    assert data["file_name"] == "claims.csv"
    assert data["state"] == "COMPLETED"
    assert data["counts"]["succeeded"] == 2
    assert data["links"]["job"] == f"https://api.example.com/jobs/{data['job_id']}"
    assert notification.subject == "claimbatch: claims.csv COMPLETED"
    assert "2 succeeded" in notification.text and "2 succeeded" in notification.html


def test_a_failed_job_says_its_file_level_error():
    notification = job_notification(JobEvent.of(ended_job(JobState.FAILED, "empty file")), None)
    assert json.loads(notification.webhook_body())["type"] == "job.failed"
    assert "Error: empty file" in notification.text
    assert notification.data["links"] == {}


def test_the_message_id_is_stable_for_one_ending_and_new_for_the_next():
    first = JobEvent.of(ended_job())
    assert JobEvent.of(ended_job()).message_id == first.message_id
    assert JobEvent.of(ended_job(ended=ENDED + timedelta(hours=1))).message_id != first.message_id
    assert JobEvent.of(ended_job(JobState.CANCELLED)).message_id != first.message_id


def test_html_is_escaped():
    job = ended_job()
    job = job.model_copy(update={"source": job.source.model_copy(update={"key": "inbox/<b>x</b>.csv"})})
    assert "<b>x</b>" not in job_notification(JobEvent.of(job), None).html


def test_a_test_notification_has_its_own_type_and_a_fresh_id():
    first, second = channel_test_notification("acme", ENDED), channel_test_notification("acme", ENDED)
    assert json.loads(first.webhook_body())["type"] == "test"
    assert first.message_id != second.message_id


def test_new_urls_get_a_secret_once_and_known_ones_keep_theirs():
    settings, fresh = NotificationSettings().with_new(["https://a.example/", "https://b.example/"], ["x@example.com"])
    assert [hook.url for hook in fresh] == ["https://a.example/", "https://b.example/"]
    assert all(is_webhook_secret(hook.secret) for hook in fresh)
    again, fresh_again = settings.with_new(["https://b.example/", "https://c.example/"], [])
    assert [hook.url for hook in fresh_again] == ["https://c.example/"]
    assert again.webhooks[0].secret == settings.webhooks[1].secret
    assert again.emails == []


def test_a_file_name_with_line_breaks_keeps_the_subject_on_one_line():
    job = ended_job()
    job = job.model_copy(update={"source": job.source.model_copy(update={"key": "inbox/a\r\nBcc: x@evil.example.csv"})})
    subject = job_notification(JobEvent.of(job), None).subject
    assert "\n" not in subject and "\r" not in subject
