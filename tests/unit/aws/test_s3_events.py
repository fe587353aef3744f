"""The split queue's messages: S3 notifications need only what the splitter uses.

Events as S3 sends them (the documented notification structure 2.1: a
versioned bucket; an unversioned one with a multipart upload and a delete) and
the same events stripped to the fields some emitters
leave out (moto sends no userIdentity, requestParameters, responseElements,
ownerIdentity, versionId or sequencer). The notifications moto generates from a
real put_object are tested in tests/integration/aws/test_s3_notifications.py.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from claimbatch.adapters.aws.s3_events import UnknownSplitMessage, is_version_id, parse_split_message
from claimbatch.logic.start_job import ObjectCreated
from claimbatch.ports.messages import SplitContinuation

from testkit.aws_pipeline import recorded_event


def _stripped(event: dict[str, Any], *, keep_versions: bool) -> dict[str, Any]:
    """The event without anything the splitter does not use."""
    event = copy.deepcopy(event)
    for record in event["Records"]:
        for name in ("userIdentity", "requestParameters", "responseElements", "eventVersion", "eventTime"):
            record.pop(name, None)
        record["s3"]["bucket"].pop("ownerIdentity", None)
        record["s3"]["bucket"].pop("arn", None)
        if not keep_versions:
            record["s3"]["object"].pop("versionId", None)
            record["s3"]["object"].pop("sequencer", None)
    return event


def test_a_recorded_event_of_a_versioned_bucket() -> None:
    (created,) = parse_split_message(json.dumps(recorded_event("s3_object_created.json")))

    assert created == ObjectCreated(
        bucket="claimbatch-ingest",
        key="inbox/acme/claims august.csv",
        version="096fKKXTRTtl3on89fVO.nfljtsv6qko",
        etag="d41d8cd98f00b204e9800998ecf8427e",
        size=1024,
    )
    assert is_version_id(created.version)


def test_a_recorded_event_of_an_unversioned_bucket_is_pinned_by_its_sequencer() -> None:
    # One multipart upload and one delete: only the created object is a job.
    (created,) = parse_split_message(json.dumps(recorded_event("s3_object_created_unversioned.json")))

    assert created.key == "inbox/claims(q3) final.csv"
    assert created.version == "seq:0065D2A3F1C4B8E217"
    assert created.size == 73400320
    assert not is_version_id(created.version)


@pytest.mark.parametrize("name", ["s3_object_created.json", "s3_object_created_unversioned.json"])
def test_fields_the_splitter_does_not_use_may_be_missing(name: str) -> None:
    event = recorded_event(name)

    assert parse_split_message(json.dumps(_stripped(event, keep_versions=True))) == parse_split_message(
        json.dumps(event)
    )


def test_without_version_id_or_sequencer_the_content_identity_names_the_version() -> None:
    event = _stripped(recorded_event("s3_object_created.json"), keep_versions=False)

    (created,) = parse_split_message(json.dumps(event))

    assert created.version == "etag:d41d8cd98f00b204e9800998ecf8427e"
    assert not is_version_id(created.version)  # the object is read as it is, not by version


def test_s3s_test_event_makes_no_job() -> None:
    assert parse_split_message(json.dumps(recorded_event("s3_test_event.json"))) == []


def test_a_continuation_is_read_back() -> None:
    message = SplitContinuation(job_id="abc123")

    assert parse_split_message(message.model_dump_json()) == message


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[1, 2]",
        json.dumps({"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {}}}]}),
        json.dumps({"Records": [{"eventName": "ObjectCreated:Put", "s3": {"bucket": {"name": "b"}, "object": {}}}]}),
        json.dumps({"something": "else"}),
    ],
)
def test_anything_else_is_refused_with_one_sentence(body: str) -> None:
    with pytest.raises(UnknownSplitMessage) as refused:
        parse_split_message(body)

    assert str(refused.value).startswith("split queue message is not")
