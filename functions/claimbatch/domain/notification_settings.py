"""A tenant's notification channels: webhook endpoints (each with its signing
secret) and email addresses."""

from __future__ import annotations

import base64
import hashlib
import secrets

from pydantic import BaseModel, ConfigDict, Field

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24  # Standard Webhooks: between 24 and 64 bytes
MAX_WEBHOOKS = 10
MAX_EMAILS = 10


def new_webhook_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def is_webhook_secret(value: str) -> bool:
    if not value.startswith(SECRET_PREFIX):
        return False
    try:
        decoded = base64.b64decode(value[len(SECRET_PREFIX) :], validate=True)
    except ValueError:
        return False
    return 24 <= len(decoded) <= 64


class WebhookChannel(BaseModel):
    model_config = ConfigDict(frozen=True)

    url: str
    secret: str

    @property
    def channel_id(self) -> str:
        """Names the endpoint in delivery records (the URL itself may carry a token)."""
        return "webhook:" + hashlib.sha256(self.url.encode()).hexdigest()[:16]


class EmailChannel(BaseModel):
    model_config = ConfigDict(frozen=True)

    address: str

    @property
    def channel_id(self) -> str:
        return "email:" + hashlib.sha256(self.address.lower().encode()).hexdigest()[:16]


Channel = WebhookChannel | EmailChannel


class NotificationSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    webhooks: list[WebhookChannel] = Field(default_factory=list)
    emails: list[EmailChannel] = Field(default_factory=list)

    @property
    def channels(self) -> list[Channel]:
        return [*self.webhooks, *self.emails]

    def channel(self, channel_id: str) -> Channel | None:
        return next((channel for channel in self.channels if channel.channel_id == channel_id), None)

    def with_new(self, urls: list[str], addresses: list[str]) -> tuple[NotificationSettings, list[WebhookChannel]]:
        """Settings naming exactly these URLs and addresses. A URL already set keeps its
        secret; the others get a new one (returned too, as they are shown once)."""
        known = {webhook.url: webhook for webhook in self.webhooks}
        wanted = list(dict.fromkeys(urls))
        fresh = [WebhookChannel(url=url, secret=new_webhook_secret()) for url in wanted if url not in known]
        by_url = {**known, **{webhook.url: webhook for webhook in fresh}}
        webhooks = [by_url[url] for url in wanted]
        emails = [EmailChannel(address=address) for address in dict.fromkeys(addresses)]
        return NotificationSettings(webhooks=webhooks, emails=emails), fresh
