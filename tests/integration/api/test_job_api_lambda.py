"""The job API Lambda on moto: the recorded API Gateway HTTP API event in, S3
presigned requests out."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.config import Config
from claimbatch.adapters.aws.s3_file_links import S3FileLinks
from claimbatch.handlers import job_api
from moto import mock_aws

from testkit.aws_pipeline import recorded_event
from tests.support.job_api_harness import KMS_KEY_ARN, AwsJobApi, aws_job_api, submit, wait_for_state
from testkit.lambda_context import FakeLambdaContext

BUCKET = "claimbatch-ingest"
SEED = b"claim_number,first_name,last_name,date_of_birth,subscriber_id\nZE59426195,CHANTAL,KISA,05/10/1975,057896633\n"


@pytest.fixture
def aws_api(monkeypatch: pytest.MonkeyPatch, simulator) -> Iterator[AwsJobApi]:
    with mock_aws():
        yield aws_job_api(
            monkeypatch,
            simulator.base_url,
            {"ROWS_PER_MESSAGE": "10", "MAX_UPLOAD_BYTES": "5000000", "MAX_REDELIVERY_DELAY_S": "0"},
        )


def _policy(fields: dict[str, str]) -> dict:
    return json.loads(base64.b64decode(fields["policy"]))


def test_the_recorded_event_creates_an_upload_form_for_the_tokens_tenant(aws_api):
    answer = job_api.handler(recorded_event("http_api_v2_event.json"), FakeLambdaContext())

    assert answer["statusCode"] == 201
    created = json.loads(answer["body"])
    form = created["upload"]
    key = f"inbox/acme/{created['job_id']}/claims.csv"
    assert form["fields"]["key"] == key
    assert urlsplit(form["url"]).hostname.startswith(BUCKET)
    # The policy fixes the key, the size, SSE-KMS with the stack's key, and expires soon (SigV4)
    policy = _policy(form["fields"])
    conditions = policy["conditions"]
    assert {"key": key} in conditions and {"bucket": BUCKET} in conditions
    assert ["content-length-range", 1, 5000000] in conditions
    assert {"x-amz-server-side-encryption": "aws:kms"} in conditions
    assert {"x-amz-server-side-encryption-aws-kms-key-id": KMS_KEY_ARN} in conditions
    expires = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert timedelta(minutes=14) < expires - datetime.now(UTC) <= timedelta(minutes=15)
    assert form["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256" and form["fields"]["x-amz-signature"]
    assert form["fields"]["x-amz-server-side-encryption-aws-kms-key-id"] == KMS_KEY_ARN


def test_without_authorizer_claims_the_lambda_answers_401(aws_api):
    event = recorded_event("http_api_v2_event.json")
    del event["requestContext"]["authorizer"]

    answer = job_api.handler(event, FakeLambdaContext())

    assert answer["statusCode"] == 401 and json.loads(answer["body"])["message"]
    assert answer["headers"]["WWW-Authenticate"] == "Bearer"


def test_a_completed_jobs_results_are_a_short_lived_sigv4_link(aws_api):
    job = wait_for_state(aws_api, submit(aws_api, SEED))

    redirect = aws_api.call("GET", job["results"])

    assert redirect.status == 302
    location = urlsplit(redirect.headers["location"])
    query = parse_qs(location.query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and query["X-Amz-Expires"] == ["300"]
    assert query["response-content-disposition"] == ['attachment; filename="claims.results.csv"']
    assert aws_api.download(redirect.headers["location"]).startswith(b"row,claim_number,status,")


def test_openapi_and_docs_are_served_by_the_lambda_too(aws_api):
    document = aws_api.call("GET", "/openapi.json", token=None)
    docs = aws_api.call("GET", "/docs", token=None)

    assert document.status == 200 and "/jobs/{job_id}/retry" in document.json()["paths"]
    assert docs.status == 200


def test_the_presigned_post_of_s3_file_links(aws_api):
    links = S3FileLinks(boto3.client("s3", config=Config(signature_version="s3v4")), BUCKET, KMS_KEY_ARN)
    expires_at = datetime.now(UTC) + timedelta(minutes=10)

    form = links.upload_form("inbox/acme/up-1/c.csv", 1234, expires_at)

    assert form.fields["key"] == "inbox/acme/up-1/c.csv"
    assert form.fields["x-amz-server-side-encryption"] == "aws:kms"
    assert ["content-length-range", 1, 1234] in _policy(form.fields)["conditions"]
