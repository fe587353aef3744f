"""Checks on what notifications said: signed, once per job ending, no patient data."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from email.message import EmailMessage

from tests.support.smtp_receiver import bodies
from tests.support.webhook_receiver import ReceivedWebhook

PATIENT_COLUMNS = ("claim_number", "first_name", "last_name", "date_of_birth", "subscriber_id")


def patient_values(*files: bytes) -> set[str]:
    """Every name, date of birth, subscriber id and claim number of the input files."""
    values: set[str] = set()
    for data in files:
        for row in csv.DictReader(io.StringIO(data.decode("utf-8"))):
            values.update(row[column] for column in PATIENT_COLUMNS if row.get(column))
    return values


def notification_texts(webhooks: list[ReceivedWebhook], emails: list[EmailMessage]) -> list[str]:
    texts = [hook.body.decode("utf-8") for hook in webhooks]
    return texts + [f"{message['Subject']}\n{bodies(message)}" for message in emails]


def assert_no_patient_data(values: set[str], texts: list[str]) -> None:
    """No input value in any webhook body or email (subject and parts)."""
    assert texts, "no notification to check"
    for text in texts:
        leaked = sorted(value for value in values if value in text)
        assert not leaked, f"patient data in a notification: {len(leaked)} values"


def wait_until(
    condition: Callable[[], bool], what: str, timeout: float = 60.0, tick: Callable[[], None] = lambda: None
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what} after {timeout} s")
        tick()
        time.sleep(0.05)
