"""The one Lambda function factory of the stack.

Every function gets: the shared code asset, arm64 + Python 3.13, explicit
timeout and memory, active X-Ray tracing, its own KMS-encrypted log group with
retention, environment variables encrypted with the stack key, and its own role
whose permissions sit in one customer-managed policy. The role is handed to the
function as immutable, so no CDK helper can widen it behind our back: every
permission is a statement written in this package, listed in that one policy.

A function is triggered either by SQS (`consume`: an event source mapping with
partial batch responses) or by a schedule (`run_on_schedule`: an EventBridge
rule, allowed to invoke this function only, through its resource policy).
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constructs.encryption_key import EncryptionKey, encrypted_log_group, log_group_prefix
from infra.constructs.queues import MonitoredQueue, QueueSource
from infra.settings import RUNTIME, SERVICE_NAME, FunctionSettings, Settings

# X-Ray has no resource-level permissions: these two actions only work on "*".
XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")


def powertools_environment(settings: Settings) -> dict[str, str]:
    return {
        "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
        "POWERTOOLS_METRICS_NAMESPACE": SERVICE_NAME,
        "POWERTOOLS_LOG_LEVEL": settings.log_level,
        # Traces must not carry patient data: no handler responses or exception
        # texts (row errors quote the offending value) as trace metadata.
        "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
        "POWERTOOLS_TRACER_CAPTURE_ERROR": "false",
    }


class PipelineFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: Settings,
        function: FunctionSettings,
        code: lambda_.Code,
        key: EncryptionKey,
        environment: Mapping[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        self.settings = function
        self.event_sources: list[lambda_.EventSourceMapping] = []
        self.schedule: events.Rule | None = None
        self.log_group = encrypted_log_group(
            self, "Logs", name=f"{log_group_prefix(settings)}lambda/{function.name.lower()}", settings=settings, key=key
        )
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            description=f"claimbatch {function.name}: exactly what the function touches",
            statements=[
                iam.PolicyStatement(
                    sid="WriteOwnLogGroup", actions=list(LOG_ACTIONS), resources=[self.log_group.log_group_arn]
                ),
                iam.PolicyStatement(sid="SendTraces", actions=list(XRAY_ACTIONS), resources=["*"]),
                key.use_statement(),
            ],
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"claimbatch {function.name} Lambda function",
            managed_policies=[self.policy],
        )
        self.function = lambda_.Function(
            self,
            "Function",
            description=function.description,
            code=code,
            handler=function.handler,
            runtime=RUNTIME,
            architecture=settings.lambda_architecture,
            timeout=function.timeout,
            memory_size=function.memory_mb,
            role=self.role.without_policy_updates(),
            log_group=self.log_group,
            tracing=lambda_.Tracing.ACTIVE,
            environment={**powertools_environment(settings), **environment},
            environment_encryption=key.key,
            recursive_loop=lambda_.RecursiveLoop.ALLOW
            if function.allow_recursive_loop
            else lambda_.RecursiveLoop.TERMINATE,
        )

    def allow(self, *statements: iam.PolicyStatement) -> None:
        self.policy.add_statements(*statements)

    def consume(self, source: MonitoredQueue | QueueSource) -> lambda_.EventSourceMapping:
        """The function's SQS event source, with partial batch responses."""
        if isinstance(source, MonitoredQueue):
            source = source.source
        if self.settings.batch_size is None or self.settings.max_concurrency is None:
            raise ValueError(f"{self.settings.name}: an SQS consumer needs a batch size and a MaximumConcurrency")
        self.allow(source.consume_statement())
        mapping = self.function.add_event_source_mapping(
            f"From{source.name}",
            event_source_arn=source.queue.queue_arn,
            batch_size=self.settings.batch_size,
            max_concurrency=self.settings.max_concurrency,
            report_batch_item_failures=True,
        )
        self.event_sources.append(mapping)
        return mapping

    def run_on_schedule(self) -> events.Rule:
        """An EventBridge rule invokes the function every `settings.schedule` (asynchronously).

        A tick that EventBridge could not hand to Lambda within one period is
        dropped: the next tick does the same work.
        """
        period = self.settings.schedule
        if period is None:
            raise ValueError(f"{self.settings.name}: a scheduled function needs a schedule")
        if self.schedule is not None:
            raise ValueError(f"{self.settings.name}: already scheduled")
        self.schedule = events.Rule(
            self,
            "Schedule",
            description=f"claimbatch {self.settings.name}: every {period.to_human_string()}",
            schedule=events.Schedule.rate(period),
            targets=[events_targets.LambdaFunction(self.function, max_event_age=period)],
        )
        return self.schedule
