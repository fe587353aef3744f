"""Reliability settings of the synthesized template: queues, event sources, functions, logs."""

from __future__ import annotations

import math
from typing import Any

import pytest

from infra.api_throttling import IN_FLIGHT_HEADROOM
from tests.infrastructure.conftest import Synthesized


def _ref(value: Any) -> str:
    """The logical id a Ref / Fn::GetAtt points at."""
    if "Ref" in value:
        return value["Ref"]
    return value["Fn::GetAtt"][0]


def _consumers(synthesized: Synthesized) -> dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    """queue logical id -> (queue, event source mapping, function) for every SQS trigger."""
    found = {}
    queues = synthesized.of_type("AWS::SQS::Queue")
    for mapping in synthesized.of_type("AWS::Lambda::EventSourceMapping").values():
        properties = mapping["Properties"]
        queue_id = _ref(properties["EventSourceArn"])
        if queue_id not in queues:  # the job table's stream
            continue
        function = synthesized.resources[_ref(properties["FunctionName"])]
        found[queue_id] = (synthesized.resources[queue_id], properties, function)
    return found


def _dead_letter_targets(synthesized: Synthesized) -> set[str]:
    return {
        _ref(q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"])
        for q in synthesized.of_type("AWS::SQS::Queue").values()
        if "RedrivePolicy" in q["Properties"]
    }


def _last_dead_letter_queues(synthesized: Synthesized) -> set[str]:
    """Dead-letter queues without a dead-letter queue of their own: where failures end."""
    queues = synthesized.of_type("AWS::SQS::Queue")
    return {name for name in _dead_letter_targets(synthesized) if "RedrivePolicy" not in queues[name]["Properties"]}


def test_every_work_queue_has_a_dead_letter_queue_after_at_least_five_receives(synthesized: Synthesized) -> None:
    queues = synthesized.of_type("AWS::SQS::Queue")
    work_queues = {name: q for name, q in queues.items() if "RedrivePolicy" in q["Properties"]}
    rows_dead_letters = synthesized.logical_id(synthesized.stack.rows_queue.dead_letters)

    # split, rows, aggregate, notify, and the rows queue's dead-letter queue, which has a consumer
    assert len(work_queues) == 5
    stream_failures = synthesized.logical_id(synthesized.stack.notifications.stream_failures)
    other_queues = set(queues) - set(work_queues) - {stream_failures}  # a stream mapping's on-failure destination
    assert other_queues == _last_dead_letter_queues(synthesized), "every other queue is a DLQ"
    assert _dead_letter_targets(synthesized) & set(work_queues) == {rows_dead_letters}
    for name, queue in work_queues.items():
        assert queue["Properties"]["RedrivePolicy"]["maxReceiveCount"] >= 5, name


def test_the_dead_letter_function_gets_five_receives_of_each_rows_dead_letter(synthesized: Synthesized) -> None:
    stack = synthesized.stack
    rows_queue = synthesized.resources[synthesized.logical_id(stack.rows_queue.queue)]["Properties"]
    dead_letters = synthesized.resources[synthesized.logical_id(stack.rows_queue.dead_letters)]["Properties"]
    assert stack.rows_queue.final_dead_letters is not None
    final_id = synthesized.logical_id(stack.rows_queue.final_dead_letters)

    assert _ref(rows_queue["RedrivePolicy"]["deadLetterTargetArn"]) == synthesized.logical_id(
        stack.rows_queue.dead_letters
    )
    assert _ref(dead_letters["RedrivePolicy"]["deadLetterTargetArn"]) == final_id
    # Counted on from the rows queue's limit: a dead-lettered message may bring its receive count along.
    receives = dead_letters["RedrivePolicy"]["maxReceiveCount"] - rows_queue["RedrivePolicy"]["maxReceiveCount"]
    assert receives >= 5
    # The final queue keeps what the function could not account for as long as SQS can.
    assert synthesized.resources[final_id]["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert dead_letters["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_the_rows_queue_gives_the_worker_its_row_retries_before_dead_lettering(synthesized: Synthesized) -> None:
    rows_queue = synthesized.resources[synthesized.logical_id(synthesized.stack.rows_queue.queue)]
    worker = synthesized.resources[synthesized.logical_id(synthesized.stack.workers.handler.function)]
    max_row_receives = int(worker["Properties"]["Environment"]["Variables"]["MAX_ROW_RECEIVES"])

    assert rows_queue["Properties"]["RedrivePolicy"]["maxReceiveCount"] > max_row_receives


def test_an_alarm_watches_the_depth_of_the_last_dead_letter_queue_of_every_chain_and_notifies_the_topic(
    synthesized: Synthesized,
) -> None:
    topic_id = synthesized.logical_id(synthesized.stack.alarms.topic)
    watched = set()
    queue_alarms = [
        alarm
        for alarm in synthesized.of_type("AWS::CloudWatch::Alarm").values()
        if alarm["Properties"]["Namespace"] == "AWS/SQS"
    ]
    for alarm in queue_alarms:
        properties = alarm["Properties"]
        assert properties["MetricName"] == "ApproximateNumberOfMessagesVisible"
        assert properties["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert properties["Threshold"] == 1
        assert [_ref(action) for action in properties["AlarmActions"]] == [topic_id]
        (dimension,) = properties["Dimensions"]
        watched.add(_ref(dimension["Value"]))

    # The rows queue's dead letters are consumed at once: what matters is what the
    # dead-letter function could not account for, in the final dead-letter queue.
    stream_failures = synthesized.logical_id(synthesized.stack.notifications.stream_failures)
    assert watched == _last_dead_letter_queues(synthesized) | {stream_failures}
    assert synthesized.logical_id(synthesized.stack.rows_queue.dead_letters) not in watched
    assert len(queue_alarms) == 5


def test_an_alarm_says_when_sweeps_keep_failing(synthesized: Synthesized) -> None:
    sweeper_id = synthesized.logical_id(synthesized.stack.sweeper.handler.function)
    topic_id = synthesized.logical_id(synthesized.stack.alarms.topic)
    (alarm,) = [
        alarm["Properties"]
        for alarm in synthesized.of_type("AWS::CloudWatch::Alarm").values()
        if alarm["Properties"]["Namespace"] == "AWS/Lambda"
    ]

    assert alarm["MetricName"] == "Errors"
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": sweeper_id}}]
    assert alarm["Statistic"] == "Sum"
    assert alarm["Threshold"] >= 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert [_ref(action) for action in alarm["AlarmActions"]] == [topic_id]


def test_visibility_timeouts_are_at_least_six_times_the_consumers_timeout(synthesized: Synthesized) -> None:
    consumers = _consumers(synthesized)

    assert len(consumers) == 5
    for queue_id, (queue, _, function) in consumers.items():
        assert queue["Properties"]["VisibilityTimeout"] >= 6 * function["Properties"]["Timeout"], queue_id


def test_event_sources_report_partial_batch_failures_with_explicit_batch_and_concurrency(
    synthesized: Synthesized,
) -> None:
    stack, settings = synthesized.stack, synthesized.settings
    expected = {
        synthesized.logical_id(stack.split_queue.queue): settings.splitter,
        synthesized.logical_id(stack.rows_queue.queue): settings.worker,
        synthesized.logical_id(stack.aggregate_queue.queue): settings.aggregator,
        synthesized.logical_id(stack.rows_queue.dead_letters): settings.dead_letters,
        synthesized.logical_id(stack.notifications.queue.queue): settings.notifier,
    }

    consumers = _consumers(synthesized)
    assert set(consumers) == set(expected)
    for queue_id, (_, mapping, function) in consumers.items():
        wanted = expected[queue_id]
        assert function["Properties"]["Handler"] == wanted.handler
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert mapping["BatchSize"] == wanted.batch_size
        assert mapping["ScalingConfig"] == {"MaximumConcurrency": wanted.max_concurrency}


def test_the_dead_letter_function_consumes_the_rows_dead_letters_ten_at_a_time(synthesized: Synthesized) -> None:
    stack = synthesized.stack
    synthesized.template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "FunctionName": {"Ref": synthesized.logical_id(stack.dead_letters.handler.function)},
            "EventSourceArn": {"Fn::GetAtt": [synthesized.logical_id(stack.rows_queue.dead_letters), "Arn"]},
            "BatchSize": 10,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
        },
    )
    function = synthesized.resources[synthesized.logical_id(stack.dead_letters.handler.function)]["Properties"]
    assert function["Handler"] == "claimbatch.handlers.dead_letters.handler"


def test_the_sweeper_runs_every_five_minutes_and_one_sweep_at_a_time(synthesized: Synthesized) -> None:
    stack = synthesized.stack
    sweeper_id = synthesized.logical_id(stack.sweeper.handler.function)
    (rule_id, rule), *others = synthesized.of_type("AWS::Events::Rule").items()
    sweeper = synthesized.resources[sweeper_id]["Properties"]

    assert others == []
    assert sweeper["Handler"] == "claimbatch.handlers.sweeper.handler"
    assert rule["Properties"]["ScheduleExpression"] == "rate(5 minutes)"
    assert rule["Properties"]["State"] == "ENABLED"
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"] == {"Fn::GetAtt": [sweeper_id, "Arn"]}
    # A tick not delivered within one period is superseded by the next.
    assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] == 300
    # One scheduled sweep ends before the next one starts.
    assert sweeper["Timeout"] < 300
    assert "SqsQueue" not in target and "Input" not in target
    # Only this rule may invoke the sweeper; no other function is invocable from outside
    # (but the job API's, from its own routes: test_job_api.py).
    (permission,) = [
        p
        for p in synthesized.of_type("AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] != "apigateway.amazonaws.com"
    ]
    assert permission["Properties"] == {
        "Action": "lambda:InvokeFunction",
        "FunctionName": {"Fn::GetAtt": [sweeper_id, "Arn"]},
        "Principal": "events.amazonaws.com",
        "SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]},
    }


def test_the_workers_together_keep_to_the_api_budget(synthesized: Synthesized) -> None:
    settings = synthesized.settings
    worker = synthesized.resources[synthesized.logical_id(synthesized.stack.workers.handler.function)]
    per_worker = float(worker["Properties"]["Environment"]["Variables"]["API_RPS_PER_WORKER"])

    assert per_worker * settings.worker.max_concurrency == pytest.approx(settings.api_budget_rps)


def test_the_workers_concurrency_is_the_one_derived_from_the_api_budget(synthesized: Synthesized) -> None:
    settings = synthesized.settings
    # Little's law with headroom for the long tail of answer times: lookups in flight the budget needs.
    in_flight = settings.api_budget_rps * settings.api_latency_s * IN_FLIGHT_HEADROOM
    budget_workers = max(2, math.ceil(in_flight / settings.lookup_concurrency))

    synthesized.template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "FunctionName": {"Ref": synthesized.logical_id(synthesized.stack.workers.handler.function)},
            "ScalingConfig": {"MaximumConcurrency": budget_workers},
        },
    )
    # Together the workers may hold every lookup the budget needs in flight, and keep to the budget.
    assert budget_workers * settings.worker_lookups >= in_flight
    assert budget_workers * settings.api_rps_per_worker == pytest.approx(settings.api_budget_rps)


def test_functions_have_explicit_timeout_memory_runtime_architecture_and_tracing(synthesized: Synthesized) -> None:
    settings = synthesized.settings
    for handler, wanted in (
        (synthesized.stack.splitter.handler, settings.splitter),
        (synthesized.stack.workers.handler, settings.worker),
        (synthesized.stack.aggregator.handler, settings.aggregator),
        (synthesized.stack.dead_letters.handler, settings.dead_letters),
        (synthesized.stack.sweeper.handler, settings.sweeper),
        (synthesized.stack.job_api.handler, settings.job_api),
    ):
        properties = synthesized.resources[synthesized.logical_id(handler.function)]["Properties"]
        assert properties["Timeout"] == wanted.timeout.to_seconds()
        assert properties["MemorySize"] == wanted.memory_mb
        assert properties["Runtime"] == "python3.13"
        assert properties["Architectures"] == ["arm64"]
        assert properties["TracingConfig"] == {"Mode": "Active"}
    assert settings.splitter.timeout.to_seconds() == 900
    assert settings.aggregator.timeout.to_seconds() == 900


def test_only_the_splitter_may_loop_through_its_own_queue(synthesized: Synthesized) -> None:
    loops = {
        properties["Properties"]["Handler"]: properties["Properties"]["RecursiveLoop"]
        for properties in synthesized.of_type("AWS::Lambda::Function").values()
    }

    assert loops == {
        "claimbatch.handlers.splitter.handler": "Allow",
        "claimbatch.handlers.worker.handler": "Terminate",
        "claimbatch.handlers.aggregator.handler": "Terminate",
        "claimbatch.handlers.dead_letters.handler": "Terminate",
        "claimbatch.handlers.sweeper.handler": "Terminate",
        "claimbatch.handlers.job_api.handler": "Terminate",
        "claimbatch.handlers.notifier.handler": "Terminate",
        "claimbatch.handlers.job_state_events.handler": "Terminate",
    }


def test_each_function_logs_to_its_own_encrypted_log_group_with_retention(synthesized: Synthesized) -> None:
    log_groups = synthesized.of_type("AWS::Logs::LogGroup")
    key_id = synthesized.logical_id(synthesized.stack.encryption.key)
    used = set()
    for function in synthesized.of_type("AWS::Lambda::Function").values():
        log_group_id = _ref(function["Properties"]["LoggingConfig"]["LogGroup"])
        used.add(log_group_id)
        properties = log_groups[log_group_id]["Properties"]
        assert properties["RetentionInDays"] == 365
        assert _ref(properties["KmsKeyId"]) == key_id
        assert properties["LogGroupName"].startswith("/claimbatch/lambda/")

    access_logs = synthesized.logical_id(synthesized.stack.job_api.access_logs)
    assert used == set(log_groups) - {access_logs}, "one log group per function, none unused"


def test_only_new_objects_under_inbox_are_announced_to_the_split_queue(synthesized: Synthesized) -> None:
    synthesized.template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "NotificationConfiguration": {
                "QueueConfigurations": [
                    {
                        "Event": "s3:ObjectCreated:*",
                        "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": "inbox/"}]}},
                        "Queue": {"Fn::GetAtt": [synthesized.logical_id(synthesized.stack.split_queue.queue), "Arn"]},
                    }
                ]
            }
        },
    )
    notifying = [
        bucket
        for bucket in synthesized.of_type("AWS::S3::Bucket").values()
        if "NotificationConfiguration" in bucket["Properties"]
    ]
    assert len(notifying) == 1
    configuration = notifying[0]["Properties"]["NotificationConfiguration"]
    assert set(configuration) == {"QueueConfigurations"}, "no Lambda or topic notifications besides"


def test_the_bucket_waits_for_the_queue_policy_that_lets_s3_deliver(synthesized: Synthesized) -> None:
    # S3 checks a notification's destination when the configuration is set.
    bucket = synthesized.resources[synthesized.logical_id(synthesized.stack.ingest.bucket)]
    (policy_id,) = bucket["DependsOn"]
    policy = synthesized.resources[policy_id]["Properties"]
    split_queue_id = synthesized.logical_id(synthesized.stack.split_queue.queue)
    (from_s3,) = [
        s for s in policy["PolicyDocument"]["Statement"] if s.get("Principal") == {"Service": "s3.amazonaws.com"}
    ]

    assert policy["Queues"] == [{"Ref": split_queue_id}]
    assert from_s3["Effect"] == "Allow"
    assert from_s3["Action"] == "sqs:SendMessage"
    assert from_s3["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    # The condition names this bucket by its (fixed) name: arn:<partition>:s3:::<bucket name>
    source_arn = from_s3["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Join"][1]
    bucket_name = bucket["Properties"]["BucketName"]["Fn::Join"][1]
    assert source_arn[:2] == ["arn:", {"Ref": "AWS::Partition"}]
    assert [source_arn[2].removeprefix(":s3:::"), *source_arn[3:]] == bucket_name


def test_no_custom_resource_or_helper_function_is_deployed(synthesized: Synthesized) -> None:
    types = {resource["Type"] for resource in synthesized.resources.values()}

    assert not [t for t in types if t.startswith("Custom::") or t == "AWS::CloudFormation::CustomResource"]
    assert len(synthesized.of_type("AWS::Lambda::Function")) == 8


def test_the_eight_functions_share_one_code_asset(synthesized: Synthesized) -> None:
    keys = {
        function["Properties"]["Code"]["S3Key"] for function in synthesized.of_type("AWS::Lambda::Function").values()
    }

    assert len(keys) == 1
