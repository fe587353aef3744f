"""The notification pieces of the synthesized stack: the event bus fed by the job
table's stream, the notify queue and its notifier, who may send what, and SES only
as the identity named by the context."""

from __future__ import annotations

from typing import Any

from claimbatch.adapters.aws.eventbridge_job_events import SOURCE
from claimbatch.logic.delivery_policy import RetrySchedule

from infra.app import build_app
from tests.infrastructure.conftest import Synthesized
from tests.infrastructure.test_security import _grants, _policy_of


def _function(synthesized: Synthesized, handler: Any) -> dict[str, Any]:
    return synthesized.resources[synthesized.logical_id(handler.function)]["Properties"]


def _arn(synthesized: Synthesized, construct: Any) -> str:
    return f"<{synthesized.logical_id(construct)}.Arn>"


def test_the_job_table_streams_both_images_to_the_job_events_function_job_items_only(synthesized: Synthesized):
    stack = synthesized.stack
    table = synthesized.resources[synthesized.logical_id(stack.jobs.table)]["Properties"]
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    synthesized.template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "FunctionName": {"Ref": synthesized.logical_id(stack.notifications.job_events.function)},
            "EventSourceArn": {"Fn::GetAtt": [synthesized.logical_id(stack.jobs.table), "StreamArn"]},
            "StartingPosition": "LATEST",
            "BisectBatchOnFunctionError": True,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "FilterCriteria": {"Filters": [{"Pattern": '{"dynamodb":{"Keys":{"sk":{"S":["JOB"]}}}}'}]},
            "DestinationConfig": {
                "OnFailure": {
                    "Destination": {
                        "Fn::GetAtt": [synthesized.logical_id(stack.notifications.stream_failures), "Arn"]
                    }
                }
            },
        },
    )


def test_the_job_events_function_only_reads_the_stream_and_puts_on_the_stacks_bus(synthesized: Synthesized):
    notifications = synthesized.stack.notifications
    granted = _grants(_policy_of(synthesized, notifications.job_events))
    bus = synthesized.resources[synthesized.logical_id(notifications.bus)]["Properties"]

    assert bus["Name"] == "claimbatch-jobs"
    assert granted["events:PutEvents"] == {_arn(synthesized, notifications.bus)}
    assert not [a for a in granted if a.startswith(("s3:", "ses:", "sqs:Rec", "dynamodb:GetItem", "dynamodb:Put"))]
    env = _function(synthesized, notifications.job_events)["Environment"]["Variables"]
    assert env["EVENT_BUS_NAME"] == {"Ref": synthesized.logical_id(notifications.bus)}
    assert SOURCE == "claimbatch"


def test_the_notify_queue_keeps_messages_past_the_whole_retry_schedule_and_dead_letters_with_an_alarm(
    synthesized: Synthesized,
):
    notifications = synthesized.stack.notifications
    queue = synthesized.resources[synthesized.logical_id(notifications.queue.queue)]["Properties"]
    schedule = RetrySchedule()

    assert queue["MessageRetentionPeriod"] > sum(d.total_seconds() for d in schedule.delays)
    assert schedule.longest.total_seconds() <= 12 * 3600  # each wait is one visibility timeout
    assert queue["RedrivePolicy"]["maxReceiveCount"] >= schedule.max_attempts * 20  # 20 channels, each its attempts
    dead_letters = synthesized.logical_id(notifications.queue.dead_letters)
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": [dead_letters, "Arn"]}
    synthesized.template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": [dead_letters, "QueueName"]}}]},
    )


def test_the_notifier_reads_channels_records_deliveries_and_defers_its_own_message(synthesized: Synthesized):
    stack = synthesized.stack
    notifications = stack.notifications
    granted = _grants(_policy_of(synthesized, notifications.notifier))
    table = _arn(synthesized, stack.jobs.table)

    assert granted["dynamodb:GetItem"] == granted["dynamodb:PutItem"] == {table}
    assert "dynamodb:Query" not in granted and "dynamodb:UpdateItem" not in granted
    assert granted["sqs:ChangeMessageVisibility"] == {_arn(synthesized, notifications.queue.queue)}
    assert "sqs:SendMessage" not in granted
    assert not [action for action in granted if action.startswith(("s3:", "ses:", "events:"))]  # no email by default
    env = _function(synthesized, notifications.notifier)["Environment"]["Variables"]
    assert env["NOTIFY_QUEUE_URL"] == {"Ref": synthesized.logical_id(notifications.queue.queue)}
    assert env["JOB_API_URL"] == {"Fn::GetAtt": [synthesized.logical_id(stack.job_api.api), "ApiEndpoint"]}
    assert "NOTIFY_EMAIL_SENDER" not in env


def test_the_aggregator_hands_job_ends_to_the_notify_queue(synthesized: Synthesized):
    stack = synthesized.stack
    env = _function(synthesized, stack.aggregator.handler)["Environment"]["Variables"]
    assert env["NOTIFY_QUEUE_URL"] == {"Ref": synthesized.logical_id(stack.notifications.queue.queue)}


def test_with_a_sender_in_the_context_email_goes_only_as_that_identity(tmp_path):
    app, stack = build_app(
        context={
            "skip_dependency_install": "true",
            "notify_email_from": "claimbatch@billing.example",
            "notify_email_identity": "billing.example",
        },
        outdir=str(tmp_path),
    )
    document = app.synth().get_stack_by_name(stack.stack_name).template
    resources = document["Resources"]
    logical = {
        name: stack.resolve(stack.get_logical_id(handler.policy.node.default_child))
        for name, handler in (("notifier", stack.notifications.notifier), ("api", stack.job_api.handler))
    }
    for name, policy_id in logical.items():
        statements = resources[policy_id]["Properties"]["PolicyDocument"]["Statement"]
        [ses] = [s for s in statements if s.get("Sid") == "SendEmailAsTheIdentity"]
        assert ses["Action"] == "ses:SendEmail", name
        assert ses["Resource"]["Fn::Join"][1][-1] == ":identity/billing.example", name
    for handler in (stack.notifications.notifier, stack.job_api.handler):
        function = resources[stack.resolve(stack.get_logical_id(handler.function.node.default_child))]
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["NOTIFY_EMAIL_SENDER"] == "claimbatch@billing.example"
