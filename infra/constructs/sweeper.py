"""The sweeper, on a schedule: no job stays unfinished.

A job without progress for `stall_after_s` is split again (its chunks already
counted are dropped by the workers), or asked again for its summary; after
`max_redrives` re-drives it is completed with its missing rows failed. The
function finds the unfinished jobs in the job table's `active-jobs` index.

It is invoked by an EventBridge rule, asynchronously: nothing waits for it, so
an alarm on its Errors metric says when sweeps keep failing.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.constructs.signals import signals_environment
from infra.constructs.stage_kit import StageKit
from infra.settings import ACTIVE_JOBS_INDEX

TABLE_ACTIONS = (
    "dynamodb:GetItem",  # each active job, read consistently
    "dynamodb:UpdateItem",  # re-open its split, or force its aggregation
)

# One failed sweep is three errors (Lambda retries an asynchronous invocation
# twice); so is a failure in each of three consecutive sweeps.
FAILING_ERRORS = 3
FAILING_WINDOW = Duration.minutes(15)


class Sweeper(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, kit: StageKit, alarm_topic: sns.ITopic) -> None:
        super().__init__(scope, construct_id)
        self.handler = kit.function(self, kit.settings.sweeper, signals_environment(kit))
        self.schedule = self.handler.run_on_schedule()
        self.handler.allow(
            kit.table.query_index_statement(ACTIVE_JOBS_INDEX),
            kit.table.access_statement(*TABLE_ACTIONS),
            kit.split_queue.send_statement(),  # split a stalled job again
            kit.aggregate_queue.send_statement(),  # ask again for a summary, or force one
        )
        self.alarm = cloudwatch.Alarm(
            self,
            "FailingAlarm",
            alarm_description=(
                f"The claimbatch sweeper failed {FAILING_ERRORS} or more times in "
                f"{FAILING_WINDOW.to_human_string()}: stalled jobs are not being re-driven. "
                "Read the sweeper's log group."
            ),
            metric=self.handler.function.metric_errors(period=FAILING_WINDOW, statistic=cloudwatch.Stats.SUM),
            threshold=FAILING_ERRORS,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.alarm.add_alarm_action(cloudwatch_actions.SnsAction(alarm_topic))
