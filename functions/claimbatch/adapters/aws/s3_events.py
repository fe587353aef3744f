"""What arrives on the split queue: S3 event notifications (and S3's test
event), or the splitter's own continuation messages.

Only what the splitter uses is read from a notification: per record the event
name, the bucket's name and the object's key, size, eTag, and its versionId or
sequencer when present. Everything else S3 puts in (userIdentity,
requestParameters, responseElements, the bucket's ownerIdentity...) may be
missing, as it is from some emitters, without a job being lost.
"""

from __future__ import annotations

import json
from urllib.parse import unquote_plus

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from claimbatch.ports.object_events import ObjectCreated
from claimbatch.ports.messages import SplitContinuation

SplitMessage = list[ObjectCreated] | SplitContinuation
SEQUENCER_PREFIX = "seq:"  # a job version from the event sequencer (unversioned bucket)
ETAG_PREFIX = "etag:"  # from the content's identity, when the event has neither


class UnknownSplitMessage(ValueError):
    """A message on the split queue that is neither an S3 event nor a continuation."""


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _S3Object(_Lenient):
    key: str
    size: int | None = None
    eTag: str = ""
    versionId: str | None = None
    sequencer: str | None = None


class _S3Bucket(_Lenient):
    name: str


class _S3Entity(_Lenient):
    bucket: _S3Bucket
    object_: _S3Object = Field(alias="object")


class _S3Record(_Lenient):
    eventName: str
    s3: _S3Entity


class _S3Notification(_Lenient):
    Records: list[_S3Record]


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
        event = _S3Notification.model_validate(payload)
    except ValidationError as error:
        raise UnknownSplitMessage("split queue message is not an S3 event notification") from error
    return [_created(record) for record in event.Records if record.eventName.startswith("ObjectCreated:")]


def _created(record: _S3Record) -> ObjectCreated:
    obj = record.s3.object_
    return ObjectCreated(
        bucket=record.s3.bucket.name,
        key=unquote_plus(obj.key),  # keys arrive URL-encoded: a+b.csv is "a b.csv"
        version=_version_of(obj),
        etag=obj.eTag,
        size=obj.size,
    )


def _version_of(obj: _S3Object) -> str:
    """The object version the job is made from: S3's version id when the bucket is
    versioned; else the event's sequencer (unique per write of a key); else the content's
    ETag (an emitter that sends neither: the same content under the same key is one job)."""
    if obj.versionId:
        return obj.versionId
    if obj.sequencer:
        return SEQUENCER_PREFIX + obj.sequencer
    return ETAG_PREFIX + obj.eTag


def is_version_id(version: str) -> bool:
    """Whether a job's version names an S3 object version (else the object is read as it is now)."""
    return bool(version) and not version.startswith((SEQUENCER_PREFIX, ETAG_PREFIX))
