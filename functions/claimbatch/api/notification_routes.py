"""The job API's notification routes, on their own Router:

- GET /notifications: the caller's tenant's webhook URLs and email addresses;
- PUT /notifications: replace them; the answer shows each new webhook's secret, once;
- POST /notifications/test: a `test` message to every channel, answered per channel.

The tenant comes from the verified identity (the shared `Tenant` dependency) and the runtime's
dependencies from the resolver's context, both through `Depends`.

    include_notification_routes(app, NotificationApiDeps(...))
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Depends, Request
from aws_lambda_powertools.event_handler.api_gateway import Router

from claimbatch.api.errors import ApiProblem, Conflict
from claimbatch.api.notification_deps import NotificationApiDeps
from claimbatch.api.notification_models import (
    ChannelTestResult,
    NotificationsRequest,
    NotificationsView,
    NotificationTestView,
    WebhookView,
)
from claimbatch.api.request_context import Tenant, provide
from claimbatch.api.route_docs import AUTH_ERRORS, error_answer
from claimbatch.domain.notification_messages import channel_test_notification
from claimbatch.domain.notification_settings import MAX_EMAILS, MAX_WEBHOOKS, NotificationSettings, WebhookChannel
from claimbatch.domain.webhook_address_rules import WebhookUrlRefused
from claimbatch.logic.deliver_notification import attempt_delivery
from claimbatch.logic.delivery_policy import Verdict
from claimbatch.observability import logger

DEPS_KEY = "notification_deps"
SECURITY = [{"bearer": []}]
# Every channel at once: a test answers within one webhook timeout (10 s), inside the API's 29 s.
_TEST_SENDS_AT_ONCE = MAX_WEBHOOKS + MAX_EMAILS

router = Router()


def notification_deps(request: Request) -> NotificationApiDeps:
    return request.context[DEPS_KEY]


Deps = Annotated[NotificationApiDeps, Depends(notification_deps)]


def _view(settings: NotificationSettings, fresh: Sequence[WebhookChannel] = ()) -> NotificationsView:
    shown = {webhook.url: webhook.secret for webhook in fresh}
    return NotificationsView(
        webhooks=[WebhookView(url=webhook.url, secret=shown.get(webhook.url)) for webhook in settings.webhooks],
        emails=[email.address for email in settings.emails],
    )


@router.get(
    "/notifications",
    summary="The tenant's notification channels (webhook secrets are not shown again)",
    responses={200: {"description": "Webhook URLs and email addresses"}, **AUTH_ERRORS},
    security=SECURITY,
    tags=["notifications"],
)
def get_notifications(tenant: Tenant, deps: Deps) -> NotificationsView:
    return _view(deps.settings.get_notification_settings(tenant))


@router.put(
    "/notifications",
    summary="Set the tenant's webhooks and emails, told when a job ends",
    description="Replaces every channel. Each webhook URL added by this call gets a signing secret (whsec_…), "
    "shown in this answer only; a URL already set keeps its secret.",
    responses={
        200: {"description": "The channels now set"},
        **AUTH_ERRORS,
        400: error_answer("A URL or address is refused"),
        409: error_answer("Email addresses given, but no mail server is configured"),
    },
    security=SECURITY,
    tags=["notifications"],
)
def put_notifications(body: NotificationsRequest, tenant: Tenant, deps: Deps) -> NotificationsView:
    for number, webhook in enumerate(body.webhooks, start=1):
        try:
            deps.senders.webhooks.check_url(webhook.url)
        except WebhookUrlRefused as refused:
            raise ApiProblem(f"webhook {number}: {refused.message}") from None
    if body.emails and deps.senders.email is None:
        raise Conflict("this service has no mail server configured, so it cannot send email")
    current = deps.settings.get_notification_settings(tenant)
    settings, fresh = current.with_new([webhook.url for webhook in body.webhooks], list(body.emails))
    deps.settings.put_notification_settings(tenant, settings)
    counts = {"webhooks": len(settings.webhooks), "emails": len(settings.emails)}
    logger.info("notification settings changed", extra=counts)
    return _view(settings, fresh)


@router.post(
    "/notifications/test",
    summary="Send a `test` message to every channel of the tenant",
    responses={200: {"description": "What each channel answered"}, **AUTH_ERRORS, 409: error_answer("No channel is set")},
    security=SECURITY,
    tags=["notifications"],
)
def test_notifications(tenant: Tenant, deps: Deps) -> NotificationTestView:
    channels = deps.settings.get_notification_settings(tenant).channels
    if not channels:
        raise Conflict("no webhook or email is set up; PUT /notifications first")
    notification = channel_test_notification(tenant, deps.clock())
    with ThreadPoolExecutor(max_workers=min(len(channels), _TEST_SENDS_AT_ONCE)) as pool:
        judgements = list(pool.map(lambda channel: attempt_delivery(notification, channel, deps.senders), channels))
    results = [
        ChannelTestResult(
            channel=f"webhook {channel.url}" if isinstance(channel, WebhookChannel) else f"email {channel.address}",
            delivered=judgement.verdict is Verdict.DELIVERED,
            detail=judgement.reason,
        )
        for channel, judgement in zip(channels, judgements, strict=True)
    ]
    return NotificationTestView(message_id=notification.message_id, results=results)


def include_notification_routes(app: APIGatewayHttpResolver, deps: NotificationApiDeps) -> None:
    """Serve the routes above on `app`, with `deps` in every request's context."""
    provide(app, DEPS_KEY, deps)
    app.include_router(router)

