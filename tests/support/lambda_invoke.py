"""Invoking a function as Lambda does: by its Handler string, with an SQS batch in
the event shape of the SQS event source."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from tests.support.template_resources import REGION


def import_handler(handler: str) -> Callable[[dict[str, Any], Any], Any]:
    """`package.module.function`, resolved as Lambda's Python runtime resolves it."""
    module_name, _, attribute = handler.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def sqs_event(queue_arn: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The event an SQS event source mapping passes for `messages` (from ReceiveMessage
    with every system attribute)."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": {
                    name: message["Attributes"][name]
                    for name in (
                        "ApproximateReceiveCount",
                        "SentTimestamp",
                        "SenderId",
                        "ApproximateFirstReceiveTimestamp",
                    )
                },
                "messageAttributes": {},
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
            for message in messages
        ]
    }
