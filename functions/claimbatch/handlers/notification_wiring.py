"""Composition root of the notification pieces in Lambda: the notifier function,
the job-events function, the aggregator's hand-off and the job API's
/notifications routes, wired to AWS adapters from the environment."""

from __future__ import annotations


from claimbatch.adapters.aws.boto_clients import aws_client
from claimbatch.adapters.aws.dynamodb_notification_store import DynamoNotificationStore
from claimbatch.adapters.aws.eventbridge_job_events import EventBridgeJobEvents
from claimbatch.adapters.aws.ses_email_sender import SesEmailSender
from claimbatch.adapters.aws.sqs_job_end_outbox import SqsJobEndOutbox
from claimbatch.adapters.aws.sqs_queues import SqsDeferral
from claimbatch.adapters.notify.http_webhook_sender import HttpWebhookSender
from claimbatch.api.notification_deps import NotificationApiDeps
from claimbatch.handlers import env_vars
from claimbatch.handlers.per_environment import once_per_environment
from claimbatch.logic.deliver_notification import DeliveryContext, Senders
from claimbatch.logic.notify_job_end import NotifierDeps



def aws_senders(email_sender: str | None) -> Senders:
    """Webhooks by the AWS address rules (https, public addresses); email through SES when configured."""
    email = SesEmailSender(aws_client("sesv2"), email_sender) if email_sender else None
    return Senders(webhooks=HttpWebhookSender(local=False), email=email)


@once_per_environment
def notification_store(table_name: str) -> DynamoNotificationStore:
    return DynamoNotificationStore(table_name, aws_client("dynamodb"))


@once_per_environment
def notifier_deps() -> NotifierDeps:
    env = env_vars.notifier_env()
    store = notification_store(env.table_name)
    context = DeliveryContext(senders=aws_senders(env.email_sender), api_base_url=env.job_api_url)
    return NotifierDeps(settings=store, records=store, context=context)


@once_per_environment
def notify_deferral() -> SqsDeferral:
    """How the notifier has a message come back when its next channel is due."""
    return SqsDeferral(aws_client("sqs"), env_vars.notifier_env().notify_queue_url)


@once_per_environment
def job_end_outbox() -> SqsJobEndOutbox | None:
    queue_url = env_vars.job_end_outbox_env().notify_queue_url
    return SqsJobEndOutbox(aws_client("sqs"), queue_url) if queue_url else None


@once_per_environment
def job_event_bus() -> EventBridgeJobEvents:
    return EventBridgeJobEvents(aws_client("events"), env_vars.job_events_env().event_bus_name)


def notification_api_deps(table_name: str) -> NotificationApiDeps:
    senders = aws_senders(env_vars.email_sender_env().email_sender)
    return NotificationApiDeps(settings=notification_store(table_name), senders=senders)
