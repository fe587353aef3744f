"""The web page for billing staff, in a real browser (Chromium through Playwright),
against `claimbatch serve` as a user starts it: upload, progress, download, cancel,
retry, errors as sentences, the keyboard alone, a narrow window, the token sign-in.

Each test saves a screenshot of every screen it reaches in its own tmp_path.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, Request, Route, expect, sync_playwright

from claimbatch.web.page import SignIn, install_web_page
from testkit.lambda_context import FakeLambdaContext
from tests.e2e.cli_support import HEADER, SEED_LINE, ServeProcess, cli_env, wait_until
from tests.support.browser import chromium_or_skip
from tests.support.claims_data import member_line
from tests.support.job_api_harness import http_api_event
from tests.support.smtp_receiver import SmtpReceiver, smtp_receiver
from tests.support.webhook_receiver import webhook_receiver

pytestmark = pytest.mark.slow
# The page's own updates wait on a service sharing two busy cores: give each check room.
expect.set_options(timeout=20_000)

SEED_ROW = "ZE59426195,CHANTAL,KISA,05/10/1975,057896633"
JOB_TIMEOUT_MS = 90_000
API_TOKEN = "web-page-test-token"
ALL_FAILED = "0 succeeded, 0 not found, 0 invalid, 3 failed"


@dataclass
class Service:
    serve: ServeProcess

    def _url(self, pattern: str) -> str:
        match = re.search(pattern, self.serve.stdout)
        assert match, f"no URL in serve's output: {self.serve.output}"
        return match.group(1)

    @property
    def page_url(self) -> str:
        return self._url(r"web page at (http://\S+/)")

    @property
    def simulator_url(self) -> str:
        return self._url(r"built-in simulator at (http://\S+)")

    def claims_api_down(self, seconds: float) -> None:
        """Start (or with 0, end) an outage of the built-in claims API simulator."""
        answer = httpx.post(f"{self.simulator_url}/_control", json={"down_for_s": seconds}, timeout=10)
        answer.raise_for_status()


def _serve(
    tmp_path_factory: pytest.TempPathFactory, name: str, *args: str, env: dict[str, str] | None = None
) -> Iterator[Service]:
    data = tmp_path_factory.mktemp(name) / "data"
    with ServeProcess(data, "--port", "0", *args, log_name=name, env=env) as serve:
        wait_until(lambda: "web page at" in serve.stdout, 30, "the page's address")
        yield Service(serve)
    assert "Traceback" not in serve.output


@pytest.fixture(scope="module")
def mail() -> Iterator[SmtpReceiver]:
    with smtp_receiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, mail: SmtpReceiver) -> Iterator[Service]:
    # Slow lookups (a job runs long enough to be cancelled) and little patience with an
    # unavailable claims API (its rows fail, retryable, within seconds); e-mail to a local receiver.
    yield from _serve(
        tmp_path_factory,
        "serve",
        "--sim-latency-ms",
        "100",
        "--concurrency",
        "2",
        "--row-patience-s",
        "0.5",
        env=cli_env(**mail.env()),
    )


@pytest.fixture(scope="module")
def token_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    yield from _serve(tmp_path_factory, "serve-token", "--api-token", API_TOKEN)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = chromium_or_skip()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium))
        yield launched
        launched.close()


@dataclass
class Screen:
    page: Page
    folder: Path
    problems: list[str]

    def shot(self, name: str) -> None:
        self.page.screenshot(path=self.folder / f"{name}.png", full_page=True)

    def open(self, url: str) -> None:
        self.page.goto(url)
        expect(self.page.locator("#loading")).to_be_hidden()


@pytest.fixture
def screen(browser: Browser, tmp_path: Path) -> Iterator[Screen]:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, accept_downloads=True)
    page = context.new_page()
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        yield Screen(page, tmp_path, problems)
    finally:
        context.close()
    # No script error, no request blocked by the Content-Security-Policy, nothing from elsewhere.
    unexpected = [problem for problem in problems if "status of 4" not in problem]
    assert not unexpected, unexpected


def _csv_file(folder: Path, name: str, rows: list[str]) -> Path:
    path = folder / name
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _claims(count: int) -> list[str]:
    tag = uuid.uuid4().hex[:6].upper()
    return [member_line(f"WB{tag}{n:04d}") for n in range(1, count + 1)]


def _unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:6]}.csv"


def _row(page: Page, filename: str) -> Locator:
    return page.locator("#jobs-body tr").filter(has=page.get_by_text(filename, exact=True))


def _upload(page: Page, path: Path) -> Locator:
    page.get_by_label("CSV file").set_input_files(path)
    page.get_by_role("button", name="Upload").click()
    row = _row(page, path.name)
    expect(row).to_have_count(1, timeout=JOB_TIMEOUT_MS)
    return row


def _state(row: Locator) -> Locator:
    return row.locator(".state")


def test_seed_file_uploaded_through_the_page_completes_and_its_results_download(service: Service, screen: Screen):
    # Given the page, signed in as the loopback service allows (no token)
    page = screen.page
    screen.open(service.page_url)
    expect(page.get_by_role("heading", name="Upload a file")).to_be_visible()
    expect(page.get_by_role("button", name="Send a test")).to_be_visible()
    screen.shot("1-signed-in")

    # When the seed file is uploaded with the form
    seed = _csv_file(screen.folder, _unique("seed"), [SEED_ROW])
    page.get_by_label("CSV file").set_input_files(seed)
    screen.shot("2-file-chosen")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_label("Upload progress")).to_have_js_property("value", 100)
    row = _row(page, seed.name)

    # Then its job appears, runs, and reaches COMPLETED with a full progress bar
    expect(_state(row)).to_have_text("Completed", timeout=JOB_TIMEOUT_MS)
    expect(row.get_by_role("progressbar")).to_have_attribute("aria-valuetext", "1 of 1 rows")
    expect(row.locator(".counts")).to_have_text("1 succeeded, 0 not found, 0 invalid, 0 failed")
    expect(row.get_by_role("button", name="Retry failed rows")).to_have_count(0)
    expect(row.get_by_role("link", name="Download errors")).to_have_count(0)
    expect(page.locator("#announcer")).to_contain_text(f"{seed.name}: Completed.")
    screen.shot("3-completed")

    # And the results file downloads with the seed claim's line
    with page.expect_download() as download:
        row.get_by_role("link", name="Download results").click()
    results = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert download.value.suggested_filename == seed.name.replace(".csv", ".results.csv")
    assert results[1].startswith(SEED_LINE), results

    # And the job's page address holds no patient data (nothing but the page's own path)
    assert page.url == service.page_url

    # And in a narrow window the table becomes cards, with no sideways scrolling
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    expect(row.get_by_role("link", name="Download results")).to_be_visible()
    screen.shot("4-narrow-window")


def test_a_running_job_is_cancelled_from_the_page(service: Service, screen: Screen):
    page = screen.page
    screen.open(service.page_url)
    # Given a long job (slow lookups), running
    row = _upload(page, _csv_file(screen.folder, _unique("long"), _claims(400)))
    expect(_state(row)).to_have_text("Looking up claims", timeout=JOB_TIMEOUT_MS)
    screen.shot("1-running")

    # When the API refuses a Cancel (as it does for a job that has just ended), the row says why
    refusal = {"message": "the job is COMPLETED; only a running job can be cancelled", "details": []}
    page.route("**/jobs/*/cancel", lambda route: route.fulfill(status=409, json=refusal))
    row.get_by_role("button", name="Cancel").click()
    expect(row.get_by_role("alert")).to_have_text("The job is COMPLETED; only a running job can be cancelled.")
    screen.shot("2-refused")
    page.unroute("**/jobs/*/cancel")

    # When Cancel is pressed
    row.get_by_role("button", name="Cancel").click()

    # Then the job is CANCELLED, its rows accounted for, and its results downloadable
    expect(_state(row)).to_have_text("Cancelled", timeout=JOB_TIMEOUT_MS)
    expect(row.get_by_role("button", name="Cancel")).to_have_count(0)
    expect(row.get_by_role("link", name="Download results")).to_be_visible(timeout=JOB_TIMEOUT_MS)
    expect(row.locator(".counts")).to_contain_text("cancelled")
    expect(row.get_by_role("alert")).to_have_count(0)
    screen.shot("3-cancelled")
    with page.expect_download() as download:
        row.get_by_role("link", name="Download results").click()
    with Path(download.value.path()).open(newline="", encoding="utf-8") as handle:
        lines = list(csv.reader(handle))[1:]
    # Every row once, in order; those not looked up before the cancel are marked so.
    assert [line[0] for line in lines] == [str(n) for n in range(1, 401)]
    assert any(line[7:9] == ["False", "cancelled"] for line in lines)


def test_a_file_dropped_on_the_page_is_uploaded(service: Service, screen: Screen):
    page = screen.page
    screen.open(service.page_url)
    name = _unique("dropped")
    # When a file is dragged from the desktop and dropped on the upload box
    page.evaluate(
        """([name, text]) => {
            const data = new DataTransfer();
            data.items.add(new File([text], name, { type: "text/csv" }));
            const zone = document.getElementById("drop-zone");
            for (const type of ["dragenter", "dragover", "drop"]) {
                zone.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
            }
        }""",
        [name, f"{HEADER}\n{SEED_ROW}\n"],
    )
    expect(page.locator("#drop-help")).to_have_text(f"Ready to upload {name}.")
    screen.shot("1-dropped")
    page.get_by_role("button", name="Upload").click()

    # Then it becomes a job like a picked file
    expect(_state(_row(page, name))).to_have_text("Completed", timeout=JOB_TIMEOUT_MS)


def test_the_jobs_table_pages_through_older_jobs(service: Service, screen: Screen):
    # Given more jobs than one page shows (files dropped straight into the inbox)
    inbox = service.serve.data_dir / "inbox"
    tag = uuid.uuid4().hex[:6]
    for n in range(12):
        (inbox / f"paged-{tag}-{n:02d}.csv").write_text(f"{HEADER}\n{SEED_ROW}\n", encoding="utf-8")

    def jobs_made() -> int:
        listed = httpx.get(f"{service.page_url}jobs", params={"limit": 100}, timeout=10).json()["jobs"]
        return sum(job["filename"].startswith(f"paged-{tag}-") for job in listed)

    wait_until(lambda: jobs_made() == 12, 90, "the inbox's files to become jobs")
    page = screen.page
    screen.open(service.page_url)
    rows = page.locator("#jobs-body tr")

    # When the table shows the first page, the newest ten jobs
    expect(rows).to_have_count(10)
    expect(rows.filter(has_text=f"paged-{tag}-")).to_have_count(10)  # the newest
    newer, older = page.get_by_role("button", name="Newer jobs"), page.get_by_role("button", name="Older jobs")
    expect(newer).to_be_disabled()
    expect(older).to_be_enabled(timeout=JOB_TIMEOUT_MS)
    first_page = rows.locator(".filename").all_inner_texts()
    screen.shot("1-first-page")

    # Then Older jobs shows the next ones, none of the first page's, and Newer jobs goes back
    older.click()
    expect(page.locator("#page-number")).to_have_text("Page 2")
    expect(newer).to_be_enabled()
    second_page = rows.locator(".filename").all_inner_texts()
    assert second_page and not set(second_page) & set(first_page)
    screen.shot("2-second-page")
    newer.click()
    expect(page.locator("#page-number")).to_have_text("Page 1")


def test_rows_failed_during_an_outage_are_retried_from_the_page(service: Service, screen: Screen):
    page = screen.page
    screen.open(service.page_url)
    # Given a job whose lookups all failed while the claims API was down
    service.claims_api_down(600)
    try:
        row = _upload(page, _csv_file(screen.folder, _unique("outage"), _claims(3)))
        expect(_state(row)).to_have_text("Completed", timeout=JOB_TIMEOUT_MS)
        expect(row.locator(".counts")).to_have_text(ALL_FAILED)
        screen.shot("1-failed-rows")
        with page.expect_download() as download:
            row.get_by_role("link", name="Download errors").click()
        errors = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
        assert len(errors) == 4 and all(",False," in line for line in errors[1:]), errors
    finally:
        service.claims_api_down(0)

    # When the API is back and Retry failed rows is pressed (again, while the client's
    # circuit breaker still holds lookups back after the outage)
    retry = row.get_by_role("button", name="Retry failed rows")
    counts = row.locator(".counts")
    for _ in range(10):
        before = counts.inner_text()
        retry.click()
        # The retry uncounts the failed rows at once; they are counted again as they end.
        expect(counts).not_to_have_text(before, timeout=JOB_TIMEOUT_MS)
        expect(row.get_by_role("progressbar")).to_have_attribute("aria-valuetext", "3 of 3 rows", timeout=JOB_TIMEOUT_MS)
        expect(_state(row)).to_have_text("Completed", timeout=JOB_TIMEOUT_MS)
        if counts.inner_text().startswith("3 succeeded"):
            break

    # Then every row has succeeded and there is nothing left to retry
    expect(row.locator(".counts")).to_have_text("3 succeeded, 0 not found, 0 invalid, 0 failed")
    expect(retry).to_have_count(0)
    expect(row.get_by_role("link", name="Download errors")).to_have_count(0)
    screen.shot("2-retried")


def test_an_api_error_is_one_sentence_next_to_the_upload(service: Service, screen: Screen):
    page = screen.page
    screen.open(service.page_url)
    # When a file whose name the API refuses is uploaded
    refused = _csv_file(screen.folder, "réclamations.csv", [SEED_ROW])
    page.get_by_label("CSV file").set_input_files(refused)
    page.get_by_role("button", name="Upload").click()

    # Then one sentence says why, beside the upload form, as an alert
    error = page.locator("#upload-form").get_by_role("alert")
    expect(error).to_have_text(
        "The request is not valid: a file name holds ASCII letters, digits, spaces and . _ - ( ) , + = @ & # ' only,"
        " and starts with a letter, a digit or '_'."
    )
    assert "{" not in error.inner_text()
    expect(_row(page, refused.name)).to_have_count(0)
    screen.shot("1-error")


def test_a_file_is_uploaded_and_its_results_downloaded_with_the_keyboard_alone(service: Service, screen: Screen):
    page = screen.page
    screen.open(service.page_url)
    seed = _csv_file(screen.folder, _unique("keyboard"), [SEED_ROW])

    def tab_to(description: str, is_target: str) -> None:
        for _ in range(60):
            page.keyboard.press("Tab")
            if page.evaluate(f"(() => {{ const e = document.activeElement; return Boolean({is_target}); }})()"):
                return
        raise AssertionError(f"Tab never reached {description}")

    # Playwright turns file-chooser interception on without waiting for the browser to
    # confirm it; listening from the start has it on before Space is pressed.
    page.on("filechooser", lambda _chooser: None)
    page.evaluate("1")  # a round trip to the browser after the subscription was sent

    # When the file input is reached with Tab and opened with Space
    tab_to("the file input", "e.id === 'csv-file'")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(seed)
    # And Upload is pressed with Enter
    tab_to("the Upload button", "e.id === 'upload-button'")
    page.keyboard.press("Enter")
    row = _row(page, seed.name)
    expect(_state(row)).to_have_text("Completed", timeout=JOB_TIMEOUT_MS)
    screen.shot("1-uploaded")

    # Then its results download from the keyboard too
    target = (
        "e.textContent === 'Download results' && "
        f"document.getElementById(e.getAttribute('aria-describedby')).textContent === {seed.name!r}"
    )
    tab_to("the job's Download results link", target)
    screen.shot("2-link-focused")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert Path(download.value.path()).read_text(encoding="utf-8").splitlines()[1].startswith(SEED_LINE)


def test_notification_settings_are_saved_and_tested_from_the_page(service: Service, screen: Screen, mail: SmtpReceiver):
    page = screen.page
    screen.open(service.page_url)
    with webhook_receiver() as receiver:
        # When a webhook URL and an e-mail address are saved
        page.get_by_label("Webhook URLs (one per line)").fill(receiver.url)
        page.get_by_label("Email addresses (one per line)").fill("billing@example.test")
        page.get_by_role("button", name="Save notification settings").click()

        # Then the page says so and shows the new webhook's signing secret, once
        status = page.locator("#notifications-status")
        expect(status).to_contain_text("Notification settings saved.")
        secret = status.locator(".secret")
        expect(secret).to_have_text(re.compile(r"^whsec_\S+$"))
        receiver.secret = secret.inner_text()
        screen.shot("1-saved")

        # When a test is sent, both channels get it, and the page tells how each went
        page.get_by_role("button", name="Send a test").click()
        expect(status).to_contain_text(f"webhook {receiver.url}: delivered")
        expect(status).to_contain_text("email billing@example.test: delivered")
        screen.shot("2-tested")
        assert [hook.json()["type"] for hook in receiver.verified()] == ["test"]  # signed with the shown secret
        assert any("billing@example.test" in str(message["To"]) for message in mail.messages)

        # And a reload shows the saved settings, without the secret
        screen.open(service.page_url)
        expect(page.get_by_label("Webhook URLs (one per line)")).to_have_value(receiver.url)
        expect(page.get_by_label("Email addresses (one per line)")).to_have_value("billing@example.test")
        expect(page.locator(".secret")).to_have_count(0)

    # And a URL the service refuses is one sentence next to the settings, nothing saved
    page.get_by_label("Webhook URLs (one per line)").fill("ftp://files.example/hooks")
    page.get_by_role("button", name="Save notification settings").click()
    error = page.locator("#notifications-error")
    expect(error).not_to_be_empty()
    assert "{" not in error.inner_text() and error.inner_text().endswith(".")
    screen.shot("3-refused")
    screen.open(service.page_url)
    expect(page.get_by_label("Webhook URLs (one per line)")).to_have_value(receiver.url)


def test_with_an_api_token_the_page_asks_for_it(token_service: Service, screen: Screen):
    page = screen.page
    screen.open(token_service.page_url)
    token = page.get_by_label("API token")
    expect(token).to_be_focused()
    expect(page.get_by_role("heading", name="Upload a file")).to_be_hidden()
    screen.shot("1-sign-in")

    # A wrong token is refused with a sentence
    token.fill("not-the-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#token-error")).to_have_text("The sign-in or API token is not valid (any more); sign in again.")
    screen.shot("2-wrong-token")

    # The right one opens the page, and signing out closes it
    token.fill(API_TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Upload a file")).to_be_visible()
    expect(page.locator("#no-jobs")).to_be_visible()
    screen.shot("3-signed-in")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("API token")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0


# -- AWS: Cognito's hosted sign-in, authorization code with PKCE ------------------------------------

APP = "https://claims.example"
HOSTED_SIGN_IN = "https://claimbatch-123456789012.auth.us-east-1.amazoncognito.com"
WEB_CLIENT = "web-client-id"


def _jwt(**claims: object) -> str:
    def part(value: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'kid': 'k'})}.{part(claims)}.c2lnbmF0dXJl"


class FakeCognito:
    """The hosted sign-in's endpoints, as the page meets them (authorize, token, logout)."""

    def __init__(self) -> None:
        self.authorize: list[dict[str, str]] = []
        self.token: list[dict[str, str]] = []
        self.logout: list[dict[str, str]] = []
        self.id_tokens: list[str] = []

    def _id_token(self) -> str:
        # The first lasts 70 s: the page refreshes it a minute early, 10 s after the sign-in.
        lifetime = 70 if not self.id_tokens else 3600
        self.id_tokens.append(_jwt(sub="u-1", email="alice@example.com", aud=WEB_CLIENT, exp=int(time.time()) + lifetime))
        return self.id_tokens[-1]

    def __call__(self, route: Route, request: Request) -> None:
        url = urlsplit(request.url)
        if url.path == "/oauth2/authorize":
            query = dict(parse_qsl(url.query))
            self.authorize.append(query)
            route.fulfill(status=302, headers={"Location": f"{query['redirect_uri']}?code=the-code&state={query['state']}"})
        elif url.path == "/oauth2/token":
            form = dict(parse_qsl(request.post_data or ""))
            self.token.append(form)
            answer = {"id_token": self._id_token(), "access_token": "a", "expires_in": 3600}
            if form["grant_type"] == "authorization_code":
                answer["refresh_token"] = "the-refresh-token"
            route.fulfill(status=200, json=answer, headers={"Access-Control-Allow-Origin": APP})
        else:
            self.logout.append(dict(parse_qsl(url.query)))
            route.fulfill(status=200, content_type="text/html", body="<p>Signed out</p>")


def test_in_aws_the_page_signs_in_with_the_hosted_sign_in_and_pkce(browser: Browser, tmp_path: Path):
    # Given the page as the Lambda function serves it, in front of a job API that checks the ID token
    resolver = APIGatewayHttpResolver()
    install_web_page(resolver, SignIn.cognito(HOSTED_SIGN_IN, WEB_CLIENT, ("https://bucket.s3.amazonaws.com",)))
    cognito = FakeCognito()
    api_calls: list[tuple[str, str | None]] = []

    def app(route: Route, request: Request) -> None:
        path = urlsplit(request.url).path
        if path == "/" or path.startswith("/web/"):
            event = http_api_event("GET", path, claims=None)
            event["headers"].pop("accept-encoding", None)
            answer = resolver.resolve(event, FakeLambdaContext())
            route.fulfill(status=answer["statusCode"], headers=answer["headers"], body=answer["body"])
            return
        api_calls.append((path, request.headers.get("authorization")))
        if path == "/jobs":
            route.fulfill(json={"jobs": [], "next": None})
        else:
            route.fulfill(status=404, json={"message": "no such route", "details": []})

    context = browser.new_context()
    context.route(f"{APP}/**", app)
    context.route(f"{HOSTED_SIGN_IN}/**", cognito)
    page = context.new_page()
    screen = Screen(page, tmp_path, [])
    try:
        screen.open(f"{APP}/")
        expect(page.get_by_role("button", name="Sign in")).to_be_focused()
        screen.shot("1-sign-in")

        # When the person signs in on the hosted page (which answers with a code at once here)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Upload a file")).to_be_visible()
        screen.shot("2-signed-in")

        # Then the page asked for a code with an S256 challenge, and redeemed it with the verifier
        (asked,) = cognito.authorize
        assert {k: asked[k] for k in ("response_type", "client_id", "redirect_uri", "scope", "code_challenge_method")} == {
            "response_type": "code",
            "client_id": WEB_CLIENT,
            "redirect_uri": f"{APP}/",
            "scope": "openid email",
            "code_challenge_method": "S256",
        }
        redeemed = cognito.token[0]
        assert redeemed["grant_type"] == "authorization_code" and redeemed["code"] == "the-code"
        assert redeemed["redirect_uri"] == f"{APP}/" and redeemed["client_id"] == WEB_CLIENT
        digest = hashlib.sha256(redeemed["code_verifier"].encode()).digest()
        assert base64.urlsafe_b64encode(digest).decode().rstrip("=") == asked["code_challenge"]
        # and the code is gone from the address bar; the API got the ID token
        assert page.url == f"{APP}/"
        assert ("/jobs", f"Bearer {cognito.id_tokens[0]}") in api_calls
        expect(page.locator("#signed-in-as")).to_have_text("Signed in as alice@example.com")

        # And the ID token is refreshed before it expires, and used after a reload of the tab
        for _ in range(300):  # route handlers run only while Playwright is waiting: not time.sleep
            if len(cognito.token) == 2:
                break
            page.wait_for_timeout(200)
        assert cognito.token[1] == {
            "grant_type": "refresh_token",
            "client_id": WEB_CLIENT,
            "refresh_token": "the-refresh-token",
        }
        page.reload()
        expect(page.get_by_role("heading", name="Upload a file")).to_be_visible()
        expect(page.locator("#no-jobs")).to_be_visible()
        assert [call for call in api_calls if call[0] == "/jobs"][-1] == ("/jobs", f"Bearer {cognito.id_tokens[1]}")

        # And signing out ends the Cognito session and forgets the tokens
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{HOSTED_SIGN_IN}/logout?**")
        assert cognito.logout == [{"client_id": WEB_CLIENT, "logout_uri": f"{APP}/"}]
        screen.open(f"{APP}/")
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    finally:
        context.close()
