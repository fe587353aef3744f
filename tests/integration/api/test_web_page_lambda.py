"""The job API Lambda serves the web page in AWS: with the hosted sign-in the stack
gives it, a Content-Security-Policy that lets the page reach that sign-in and the
bucket the upload forms point at, and nothing else."""

from __future__ import annotations

import json
import re

import pytest
from moto import mock_aws

from tests.support.job_api_harness import aws_job_api

SIGN_IN = "https://claimbatch-123456789012.auth.us-east-1.amazoncognito.com"
WEB_CLIENT = "web-client-id"


def test_the_function_serves_the_page_set_up_for_the_hosted_sign_in(monkeypatch: pytest.MonkeyPatch, simulator):
    with mock_aws():
        api = aws_job_api(
            monkeypatch, simulator.base_url, {"SIGN_IN_DOMAIN": SIGN_IN, "SIGN_IN_CLIENT_ID": WEB_CLIENT}
        )

        config = api.call("GET", "/web/config.json", token=None)
        page = api.call("GET", "/", token=None)
        form = api.call("POST", "/jobs", body={"filename": "claims.csv"}).json()["upload"]

    assert config.status == 200
    assert json.loads(config.body) == {"sign_in": "cognito", "cognito": {"domain": SIGN_IN, "client_id": WEB_CLIENT}}
    assert page.status == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    connect = re.search(r"connect-src ([^;]+);", page.headers["content-security-policy"])
    assert connect is not None
    storage = re.match(r"https://[^/]+", form["url"])
    assert storage is not None
    assert connect.group(1).split() == ["'self'", SIGN_IN, storage.group(0)]


def test_without_a_sign_in_the_function_serves_no_page(monkeypatch: pytest.MonkeyPatch, simulator):
    with mock_aws():
        api = aws_job_api(monkeypatch, simulator.base_url, {})

        page = api.call("GET", "/", token=None)

    assert page.status == 404  # no such route
