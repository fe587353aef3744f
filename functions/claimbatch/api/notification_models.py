"""Bodies of the job API's notification routes (request, answers), declared once."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from claimbatch.domain.notification_settings import MAX_EMAILS, MAX_WEBHOOKS
from claimbatch.domain.webhook_address_rules import MAX_URL_LENGTH

# One address, no display name: what a mail service takes as a recipient. ASCII only, spelled
# out, so the pattern means the same to every regex dialect (Python's \s is not JSON Schema's).
EmailAddress = Annotated[
    str, Field(max_length=254, pattern=r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
]


class WebhookRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=MAX_URL_LENGTH, description="Where to POST (https://)")


class NotificationsRequest(BaseModel):
    """Replaces the tenant's channels. A URL already set keeps its secret."""

    model_config = ConfigDict(extra="forbid")

    webhooks: list[WebhookRequest] = Field(default_factory=list, max_length=MAX_WEBHOOKS)
    emails: list[EmailAddress] = Field(default_factory=list, max_length=MAX_EMAILS)


class WebhookView(BaseModel):
    url: str
    secret: str | None = Field(
        default=None, description="whsec_…: shown once, in the answer to the PUT that added this URL"
    )


class NotificationsView(BaseModel):
    webhooks: list[WebhookView]
    emails: list[str]


class ChannelTestResult(BaseModel):
    channel: str = Field(description="`webhook <url>` or `email <address>`")
    delivered: bool
    detail: str = Field(description="What the endpoint or mail service answered, in one sentence")


class NotificationTestView(BaseModel):
    message_id: str = Field(description="The webhook-id of the test message")
    results: list[ChannelTestResult]
