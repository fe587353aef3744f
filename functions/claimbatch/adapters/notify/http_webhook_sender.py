"""Standard Webhooks over HTTP: the body signed with the endpoint's secret
(`webhook-id`, `webhook-timestamp`, `webhook-signature`), POSTed to the address
the host resolved to right now, once that address passed the rules of
domain/webhook_address_rules.py.

The request goes to the checked address itself (the name stays in the Host
header and in TLS's server name, so certificates are still checked against it):
a second lookup between the check and the connection could answer differently.
Redirects are not followed; proxies from the environment are not used.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from datetime import datetime

import httpx
from standardwebhooks.webhooks import Webhook

from claimbatch.adapters.notify.address_resolver import Resolver, resolve_host
from claimbatch.domain.job import utc_now
from claimbatch.domain.notification_messages import Notification
from claimbatch.domain.webhook_address_rules import (
    WebhookTarget,
    WebhookUrlRefused,
    check_addresses,
    literal_address,
    parse_webhook_url,
)
from claimbatch.ports.notifications import SendFailure, SendReport

USER_AGENT = "claimbatch-webhooks/1"
DEFAULT_TIMEOUT_S = 10.0


class HttpWebhookSender:
    def __init__(
        self,
        *,
        local: bool,
        resolve: Resolver = resolve_host,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        clock: Callable[[], datetime] = utc_now,
        verify: ssl.SSLContext | bool = True,  # tests: a context trusting their own authority
    ) -> None:
        self._local = local
        self._resolve = resolve
        self._clock = clock
        self._client = httpx.Client(timeout=timeout_s, follow_redirects=False, trust_env=False, verify=verify)

    def close(self) -> None:
        self._client.close()

    def check_url(self, url: str) -> None:
        """WebhookUrlRefused when the URL may not receive webhooks (as it resolves now)."""
        target = parse_webhook_url(url, local=self._local)
        try:
            addresses = self._addresses(target)
        except OSError:
            raise WebhookUrlRefused("the webhook host does not resolve to any address") from None
        check_addresses(target, addresses, local=self._local)

    def send(self, url: str, secret: str, notification: Notification) -> SendReport:
        try:
            target = parse_webhook_url(url, local=self._local)
            addresses = self._addresses(target)
            check_addresses(target, addresses, local=self._local)
        except WebhookUrlRefused as refused:
            return SendReport(failure=SendFailure.REFUSED_ADDRESS, detail=refused.message)
        except OSError:
            return SendReport(failure=SendFailure.CONNECTION, detail="the webhook host does not resolve")
        return self._post(url, target, addresses[0], secret, notification)

    def _addresses(self, target: WebhookTarget) -> list[str]:
        literal = literal_address(target.host)
        return [str(literal)] if literal is not None else self._resolve(target.host, target.port)

    def _post(
        self, url: str, target: WebhookTarget, address: str, secret: str, notification: Notification
    ) -> SendReport:
        original = httpx.URL(url)
        body = notification.webhook_body()
        now = self._clock()
        headers = {
            "Host": original.netloc.decode("ascii"),
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "webhook-id": notification.message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(secret).sign(notification.message_id, now, body),
        }
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        try:
            with self._client.stream(
                "POST", original.copy_with(host=address), content=body.encode(), headers=headers, extensions=extensions
            ) as response:
                return SendReport(status=response.status_code, detail=f"answered {response.status_code}")
        except httpx.TimeoutException:
            return SendReport(failure=SendFailure.TIMEOUT, detail="the webhook endpoint did not answer in time")
        except httpx.HTTPError as error:
            detail = f"cannot reach the webhook endpoint ({type(error).__name__})"
            return SendReport(failure=SendFailure.CONNECTION, detail=detail)
