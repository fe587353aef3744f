"""The SSRF guard's rules: which URLs and resolved addresses may receive webhooks."""

from __future__ import annotations

import pytest

from claimbatch.domain.webhook_address_rules import WebhookUrlRefused, check_addresses, parse_webhook_url


def allowed(url: str, addresses: list[str], *, local: bool) -> bool:
    try:
        check_addresses(parse_webhook_url(url, local=local), addresses, local=local)
    except WebhookUrlRefused:
        return False
    return True


@pytest.mark.parametrize("local", [True, False])
@pytest.mark.parametrize(
    ("url", "addresses"),
    [
        ("http://169.254.169.254/latest/meta-data/", ["169.254.169.254"]),
        ("https://169.254.169.254/", ["169.254.169.254"]),
        ("http://10.0.0.1/", ["10.0.0.1"]),
        ("https://10.0.0.1/", ["10.0.0.1"]),
        ("https://hooks.example.com/", ["192.168.1.20"]),  # a name resolving to a private address
        ("https://hooks.example.com/", ["93.184.216.34", "172.16.0.5"]),  # one private answer among public ones
        ("https://hooks.example.com/", ["::ffff:10.1.2.3"]),  # IPv4-mapped private
        ("https://hooks.example.com/", ["fd00:ec2::254"]),  # the IPv6 metadata address
        ("https://hooks.example.com/", ["fe80::1"]),
        ("https://hooks.example.com/", ["100.64.0.1"]),  # carrier-grade NAT
        ("https://hooks.example.com/", ["0.0.0.0"]),
        ("https://hooks.example.com/", []),
    ],
)
def test_private_link_local_and_metadata_addresses_are_refused_everywhere(url: str, addresses: list[str], local: bool):
    assert not allowed(url, addresses, local=local)


def test_aws_allows_https_to_public_addresses_only():
    assert allowed("https://hooks.example.com/x", ["93.184.216.34"], local=False)
    assert not allowed("http://hooks.example.com/x", ["93.184.216.34"], local=False)
    assert not allowed("https://127.0.0.1/", ["127.0.0.1"], local=False)
    assert not allowed("https://localhost/", ["::1"], local=False)


def test_locally_http_goes_to_loopback_only():
    assert allowed("http://127.0.0.1:8080/hooks", ["127.0.0.1"], local=True)
    assert allowed("http://localhost/hooks", ["::1", "127.0.0.1"], local=True)
    assert allowed("https://hooks.example.com/", ["93.184.216.34"], local=True)
    assert not allowed("http://hooks.example.com/", ["93.184.216.34"], local=True)


@pytest.mark.parametrize(
    ("url", "sentence"),
    [
        ("ftp://example.com/", "https://"),
        ("https:///nohost", "names no host"),
        ("https://user:pw@example.com/", "user name or password"),
        ("https://example.com:99999/", "not a valid URL"),
        ("https://example.com/" + "a" * 3000, "at most"),
    ],
)
def test_malformed_urls_get_one_sentence(url: str, sentence: str):
    with pytest.raises(WebhookUrlRefused) as refused:
        parse_webhook_url(url, local=False)
    assert sentence in refused.value.message
