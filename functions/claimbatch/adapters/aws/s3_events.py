"""What arrives on the split queue: S3 event notifications (and S3's test
event), or the splitter's own continuation messages."""

from __future__ import annotations

import json
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.parser.models import S3Model
from pydantic import ValidationError

from claimbatch.ports.object_events import ObjectCreated
from claimbatch.ports.messages import SplitContinuation

SplitMessage = list[ObjectCreated] | SplitContinuation


class UnknownSplitMessage(ValueError):
    """A message on the split queue that is neither an S3 event nor a continuation."""


def parse_split_message(body: str) -> SplitMessage:
    """Objects created (empty for S3's test event and other event types), or a continuation."""
    try:
        payload = json.loads(body)
    except json.JSONDecodeError as error:
        raise UnknownSplitMessage("split queue message is not JSON") from error
    if not isinstance(payload, dict):
        raise UnknownSplitMessage("split queue message is not a JSON object")
    if payload.get("Event") == "s3:TestEvent":
        return []
    if payload.get("kind") == SplitContinuation.model_fields["kind"].default:
        return SplitContinuation.model_validate(payload)
    try:
        event = S3Model.model_validate(payload)
    except ValidationError as error:
        raise UnknownSplitMessage("split queue message is not an S3 event notification") from error
    created = []
    for record in event.Records:
        if not record.eventName.startswith("ObjectCreated:"):
            continue
        obj = record.s3.object
        created.append(
            ObjectCreated(
                bucket=record.s3.bucket.name,
                key=unquote_plus(obj.key),  # keys arrive URL-encoded: a+b.csv is "a b.csv"
                version=obj.versionId or f"seq:{obj.sequencer}",
                etag=obj.eTag or "",
                size=int(obj.size) if obj.size is not None else None,
            )
        )
    return created
