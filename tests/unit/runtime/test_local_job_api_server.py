"""The local API server's own duties, in process (no socket): the bearer token, and
the S3-style upload form and download links it answers."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from claimbatch.adapters.embedded.signed_file_links import SignedFileLinks
from claimbatch.claims.optum_client import OptumClaimsClient
from claimbatch.runtime.api_server import ApiTokens, create_api_app
from claimbatch.runtime.embedded import EmbeddedRuntime, EmbeddedSettings

from tests.support.runtimes import simulator_client_settings

BASE = "http://testserver"


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, SignedFileLinks, Path]]:
    runtime = EmbeddedRuntime(
        EmbeddedSettings(data_dir=tmp_path), OptumClaimsClient(simulator_client_settings("http://127.0.0.1:9"))
    )
    links = SignedFileLinks(BASE)
    transport = httpx.ASGITransport(app=create_api_app(runtime, links, ApiTokens({"T": "acme"})))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        yield client, links, tmp_path
    runtime.store.close()


def _form(links: SignedFileLinks, key: str = "inbox/acme/up-1/c.csv", max_bytes: int = 100, minutes: int = 5):
    return links.upload_form(key, max_bytes, datetime.now(UTC) + timedelta(minutes=minutes))


async def test_api_routes_need_the_token_but_the_documents_do_not(served):
    client, _, _ = served

    assert (await client.get("/jobs")).status_code == 401
    assert (await client.get("/jobs", headers={"Authorization": "Bearer nope"})).status_code == 401
    assert (await client.get("/jobs", headers={"Authorization": "Basic T"})).status_code == 401
    assert (await client.get("/jobs", headers={"Authorization": "Bearer T"})).json() == {"jobs": [], "next": None}
    assert (await client.get("/openapi.json")).status_code == 200
    assert (await client.get("/docs")).status_code == 200


async def test_an_upload_lands_whole_in_the_inbox(served):
    client, links, data = served
    form = _form(links)

    answer = await client.post(form.url, data=form.fields, files={"file": ("x.csv", b"a,b\n1,2\n")})

    assert answer.status_code == 204
    assert (data / "inbox/acme/up-1/c.csv").read_bytes() == b"a,b\n1,2\n"
    assert [path.name for path in (data / "inbox/acme/up-1").iterdir()] == ["c.csv"]  # no temporary left


def _s3_code(answer) -> str:
    """The S3 error code an upload refusal names, in the API's {"message", "details"} shape."""
    body = answer.json()
    assert isinstance(body["message"], str) and body["message"]
    (detail,) = body["details"]
    assert detail["location"] == "upload"
    return detail["problem"]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        (lambda fields: {**fields, "key": "inbox/beta/up-1/c.csv"}, 403, "AccessDenied"),
        (lambda fields: {**fields, "signature": "0" * 64}, 403, "AccessDenied"),
        (lambda fields: {**fields, "acl": "public-read"}, 403, "AccessDenied"),
        (lambda fields: {k: v for k, v in fields.items() if k != "policy"}, 403, "AccessDenied"),
    ],
    ids=["other-key", "bad-signature", "extra-field", "no-policy"],
)
async def test_a_form_that_does_not_match_its_policy_is_refused(served, change, status, code):
    client, links, data = served
    form = _form(links)

    answer = await client.post(form.url, data=change(form.fields), files={"file": ("x.csv", b"a\n")})

    assert (answer.status_code, _s3_code(answer)) == (status, code)
    assert set(answer.json()) == {"message", "details"}  # the API's error shape
    assert not [path for path in data.rglob("*") if path.is_file() and "inbox" in path.parts]


async def test_an_expired_form_a_too_large_and_an_empty_file_are_refused(served):
    client, links, data = served
    expired = _form(links, minutes=-1)
    small = _form(links, max_bytes=5)

    assert (await client.post(expired.url, data=expired.fields, files={"file": ("x", b"a\n")})).status_code == 403
    too_large = await client.post(small.url, data=small.fields, files={"file": ("x", b"123456")})
    assert (too_large.status_code, _s3_code(too_large)) == (400, "EntityTooLarge")
    empty = await client.post(small.url, data=small.fields, files={"file": ("x", b"")})
    assert (empty.status_code, _s3_code(empty)) == (400, "EntityTooSmall")
    no_file = await client.post(small.url, data=small.fields)
    assert no_file.status_code == 400
    assert not [path for path in data.rglob("*") if path.is_file() and "inbox" in path.parts]


async def test_a_policy_cannot_be_rewritten_without_the_secret(served):
    client, links, _ = served
    form = _form(links)
    policy = json.loads(base64.b64decode(form.fields["policy"]))
    policy["conditions"][0] = {"key": "inbox/beta/x.csv"}
    forged = {
        **form.fields,
        "key": "inbox/beta/x.csv",
        "policy": base64.b64encode(json.dumps(policy).encode()).decode(),
    }

    assert (await client.post(form.url, data=forged, files={"file": ("x", b"a\n")})).status_code == 403


async def test_download_links_are_signed_expire_and_serve_results_only(served):
    client, links, data = served
    (data / "results/acme").mkdir(parents=True)
    (data / "results/acme/c.results.csv").write_text("row\n1\n")
    (data / "inbox/acme").mkdir(parents=True)
    (data / "inbox/acme/c.csv").write_text("secret input")
    soon = datetime.now(UTC) + timedelta(minutes=5)

    good = await client.get(links.download_url("local", "results/acme/c.results.csv", "c.results.csv", soon))
    assert good.status_code == 200 and good.text == "row\n1\n"
    assert good.headers["content-disposition"] == 'attachment; filename="c.results.csv"'
    tampered = links.download_url("local", "results/acme/c.results.csv", "c.results.csv", soon).replace("acme", "beta")
    assert (await client.get(tampered)).status_code == 403
    expired = links.download_url(
        "local", "results/acme/c.results.csv", "x.csv", datetime.now(UTC) - timedelta(seconds=1)
    )
    assert (await client.get(expired)).status_code == 403
    assert (await client.get(links.download_url("local", "inbox/acme/c.csv", "c.csv", soon))).status_code == 403


async def test_any_other_path_or_method_is_the_job_apis_json_answer(served):
    client, links, data = served
    auth = {"Authorization": "Bearer T"}

    # A path the API does not know is 404; a known path with a method it does not take, 405 (as in AWS).
    for method, path, status in (
        ("GET", "/jobs/%0A/errors", 404),
        ("GET", "/_uploads", 404),
        ("PUT", "/jobs", 405),
        ("GET", "/nowhere", 404),
    ):
        answer = await client.request(method, path, headers=auth)
        assert answer.status_code == status and answer.headers["content-type"] == "application/json", (method, path)


async def test_a_results_file_whose_name_needs_quoting_downloads(served):
    client, links, data = served
    (data / "results/acme/up-1").mkdir(parents=True)
    (data / "results/acme/up-1/a #1 (x).results.csv").write_text("row\n")
    soon = datetime.now(UTC) + timedelta(minutes=5)

    url = links.download_url("local", "results/acme/up-1/a #1 (x).results.csv", "a #1 (x).results.csv", soon)

    assert (await client.get(url)).text == "row\n"
