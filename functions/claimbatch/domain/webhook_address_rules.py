"""Where a webhook may be sent (server-side request forgery guard).

A webhook URL is the tenant's, but the request leaves from inside our network, so
it must not reach what only we can reach: private networks, link-local addresses
(the cloud metadata service at 169.254.169.254 among them), or, in AWS, loopback.
The rules apply to the addresses a name resolves to at delivery time, so a name
that later points somewhere private is refused too.

- AWS (`local=False`): `https` only, to public addresses only.
- `claimbatch serve` / `run` (`local=True`): `https` to public addresses, or
  `http`/`https` to loopback (a receiver on the same machine).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048
# Addresses of instance metadata services, refused even where a rule above would let them by.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address) for address in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254")
)

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class WebhookUrlRefused(ValueError):
    """The URL may not receive webhooks; the message says why in one sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class WebhookTarget:
    scheme: str
    host: str  # without brackets for an IPv6 literal
    port: int


def parse_webhook_url(url: str, *, local: bool) -> WebhookTarget:
    """The URL's scheme, host and port, or WebhookUrlRefused (before any address is known)."""
    if len(url) > MAX_URL_LENGTH:
        raise WebhookUrlRefused(f"a webhook URL may be at most {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise WebhookUrlRefused("the webhook URL is not a valid URL") from None
    allowed = ("https", "http") if local else ("https",)
    if parts.scheme not in allowed:
        raise WebhookUrlRefused(
            "a webhook URL must start with https:// (or http:// to this machine)"
            if local
            else "a webhook URL must start with https://"
        )
    if not parts.hostname:
        raise WebhookUrlRefused("the webhook URL names no host")
    if parts.username is not None or parts.password is not None:
        raise WebhookUrlRefused("a webhook URL may not carry a user name or password")
    default_port = 443 if parts.scheme == "https" else 80
    return WebhookTarget(scheme=parts.scheme, host=parts.hostname, port=port or default_port)


def literal_address(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def check_addresses(target: WebhookTarget, addresses: list[str], *, local: bool) -> None:
    """WebhookUrlRefused unless every address the host resolved to may be reached."""
    if not addresses:
        raise WebhookUrlRefused("the webhook host does not resolve to any address")
    parsed = [_unmapped(ipaddress.ip_address(address)) for address in addresses]
    for address in parsed:
        _check_one(address, local=local)
    if target.scheme == "http" and not all(address.is_loopback for address in parsed):
        raise WebhookUrlRefused("an http:// webhook URL may only point at this machine; use https://")


def _unmapped(address: IpAddress) -> IpAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _check_one(address: IpAddress, *, local: bool) -> None:
    if address in METADATA_ADDRESSES or address.is_link_local:
        raise WebhookUrlRefused("a webhook URL may not point at a link-local or metadata address")
    if address.is_loopback:
        if local:
            return
        raise WebhookUrlRefused("a webhook URL may not point at a loopback address")
    if not address.is_global or address.is_multicast:
        raise WebhookUrlRefused("a webhook URL may not point at a private or reserved address")
