"""The web page's routes on the job API's resolver: what is served, with which headers."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from botocore.config import Config

from claimbatch.adapters.aws.s3_file_links import S3FileLinks
from claimbatch.domain.job import utc_now
from claimbatch.web.page import ASSETS, SignIn, SignInMode, content_security_policy, install_web_page
from tests.support.job_api_harness import http_api_event
from testkit.lambda_context import FakeLambdaContext

STRICT = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
)
COGNITO = "https://claimbatch-123456789012.auth.us-east-1.amazoncognito.com"
STORAGE = "https://claimbatch-ingest-123456789012-us-east-1.s3.amazonaws.com"


def _get(sign_in: SignIn, path: str) -> tuple[int, dict[str, str], str]:
    app = APIGatewayHttpResolver(enable_validation=True)
    install_web_page(app, sign_in)
    event = http_api_event("GET", path, claims=None)
    event["headers"].pop("accept-encoding", None)
    answer: dict[str, Any] = app.resolve(event, FakeLambdaContext())
    headers = {name.lower(): value for name, value in (answer.get("headers") or {}).items()}
    return answer["statusCode"], headers, answer.get("body") or ""


@pytest.mark.parametrize("name", sorted(ASSETS))
def test_every_asset_is_served_with_its_type_and_a_strict_policy(name):
    status, headers, body = _get(SignIn.local(token_required=False), f"/web/{name}")

    assert status == 200 and body
    assert headers["content-type"] == ASSETS[name]
    assert headers["content-security-policy"] == STRICT
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"


def test_the_page_loads_only_its_own_files_and_holds_no_inline_code():
    status, headers, page = _get(SignIn.local(token_required=True), "/")

    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert '<script type="module" src="/web/app.js"></script>' in page
    assert re.search(r"<script(?![^>]*\bsrc=)", page) is None, "inline script"
    assert " style=" not in page and "<style" not in page and " on" + "click=" not in page
    assert re.findall(r"(?:src|href)=\"(?!/web/|#|data:)", page) == []
    for name in ASSETS:
        if name.endswith(".js"):
            _, _, script = _get(SignIn.local(token_required=False), f"/web/{name}")
            assert "http://" not in script and "eval(" not in script and "innerHTML" not in script, name


@pytest.mark.parametrize("path", ["/web/page.py", "/web/..%2F__init__.py", "/web/index", "/web/"])
def test_anything_but_the_listed_assets_is_not_found(path):
    status, _, body = _get(SignIn.local(token_required=False), path)

    assert status == 404
    assert "Traceback" not in body


@pytest.mark.parametrize(
    ("sign_in", "config"),
    [
        (SignIn.local(token_required=False), {"sign_in": "none"}),
        (SignIn.local(token_required=True), {"sign_in": "token"}),
        (
            SignIn.cognito(COGNITO + "/", "client123", (STORAGE,)),
            {"sign_in": "cognito", "cognito": {"domain": COGNITO, "client_id": "client123"}},
        ),
    ],
)
def test_the_page_learns_how_to_sign_in_from_its_config(sign_in, config):
    status, _, body = _get(sign_in, "/web/config.json")

    assert status == 200 and json.loads(body) == config


def test_in_aws_the_page_may_reach_the_hosted_sign_in_and_the_bucket_and_nothing_else():
    sign_in = SignIn.cognito(COGNITO, "client123", (STORAGE,))

    assert sign_in.mode is SignInMode.COGNITO
    assert f"connect-src 'self' {COGNITO} {STORAGE};" in content_security_policy(sign_in)


def test_the_storage_origin_is_where_upload_forms_and_download_links_point():
    client = boto3.client(
        "s3", region_name="eu-west-1", config=Config(signature_version="s3v4", s3={"addressing_style": "virtual"})
    )
    links = S3FileLinks(client, "claimbatch-ingest-123456789012-eu-west-1", "arn:aws:kms:eu-west-1:1:key/k")
    expires = utc_now() + timedelta(minutes=5)
    origin = links.origin()

    assert origin.startswith("https://claimbatch-ingest-123456789012-eu-west-1.s3")
    assert links.upload_form("inbox/a/b.csv", 10, expires).url.startswith(origin + "/")
    assert links.download_url(links._bucket, "results/a.csv", "a.csv", expires).startswith(origin + "/")  # noqa: SLF001
