"""The synthesized template's resources made real on moto, from the template's own properties.

Queues with their attributes and redrive policies, the job table with its keys,
indexes and time to live, the ingest bucket with its versioning, encryption and
notification configuration, the stack's KMS key; then each function's
environment with every reference resolved, its Handler string, and the event
source mappings (queue, batch size, partial-failure reporting) that feed it.
Nothing here repeats a name, a key or a size of the stack: all of it is read
from the template, so a change to the stack is a change to what the tests run.

Call with moto active (mock_aws, in this process).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3

ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"
PSEUDO_PARAMETERS = {
    "AWS::AccountId": ACCOUNT,
    "AWS::Region": REGION,
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}

# What this harness makes on moto; references to anything else get stand-ins.
MADE_HERE = frozenset({"AWS::KMS::Key", "AWS::SQS::Queue", "AWS::DynamoDB::Table", "AWS::S3::Bucket"})


@dataclass(frozen=True)
class Function:
    logical_id: str
    handler: str  # module.attribute, as Lambda resolves it from the bundle root
    environment: dict[str, str]
    timeout_s: int
    tracing: str  # TracingConfig.Mode: "Active" or "PassThrough"


@dataclass(frozen=True)
class EventSource:
    """An SQS event source mapping: Lambda polls the queue and invokes the function."""

    queue_logical_id: str
    queue_url: str
    queue_arn: str
    function_logical_id: str
    batch_size: int
    reports_item_failures: bool
    max_concurrency: int | None


class TemplateResources:
    def __init__(self, document: dict[str, Any], parameters: dict[str, str]) -> None:
        self._document = document
        self.resources: dict[str, dict[str, Any]] = document["Resources"]
        declared = document.get("Parameters", {})
        self.parameters = {name: spec["Default"] for name, spec in declared.items() if "Default" in spec}
        self.parameters.update(parameters)
        self._attributes: dict[str, dict[str, str]] = {}  # logical id → {"Ref": ..., "Arn": ...}

    # -- references -----------------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((function, argument),) = value.items()
            if function == "Ref":
                return self._ref(argument)
            if function == "Fn::GetAtt":
                logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return self._attribute(logical_id, attribute)
            if function == "Fn::Join":
                separator, parts = argument
                return separator.join(str(self.resolve(part)) for part in parts)
        return {key: self.resolve(item) for key, item in value.items()}

    def _ref(self, name: str) -> str:
        if name in self.parameters:
            return self.parameters[name]
        if name in PSEUDO_PARAMETERS:
            return PSEUDO_PARAMETERS[name]
        return self._attribute(name, "Ref")

    def _attribute(self, logical_id: str, attribute: str) -> str:
        if logical_id in self._attributes or self.resources[logical_id]["Type"] in MADE_HERE:
            return self._attributes[logical_id][attribute]  # KeyError: not made yet
        # A resource moto does not run here (an HTTP API, a user pool...): a stand-in of its shape.
        if attribute == "ApiEndpoint":
            return f"https://{logical_id.lower()}.execute-api.{REGION}.amazonaws.com"
        if attribute == "Arn":
            service = self.resources[logical_id]["Type"].split("::")[1].lower()
            return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{logical_id}"
        return f"{logical_id}-{attribute}".lower()

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {name: res for name, res in self.resources.items() if res["Type"] == resource_type}

    def physical(self, logical_id: str) -> dict[str, str]:
        return self._attributes[logical_id]

    # -- creating ---------------------------------------------------------------------

    def create(self) -> TemplateResources:
        """The key, the queues, the table and the buckets, in an order that satisfies their references."""
        self.create_keys()
        self.create_queues()
        self.create_tables()
        self.create_buckets()
        return self

    def create_keys(self) -> None:
        kms = boto3.client("kms", region_name=REGION)
        for logical_id in self.of_type("AWS::KMS::Key"):
            metadata = kms.create_key(Description=logical_id)["KeyMetadata"]
            self._attributes[logical_id] = {"Ref": metadata["KeyId"], "Arn": metadata["Arn"]}

    def create_queues(self) -> None:
        sqs = boto3.client("sqs", region_name=REGION)
        pending = dict(self.of_type("AWS::SQS::Queue"))
        while pending:
            ready = [name for name, res in pending.items() if self._dependencies_met(res["Properties"])]
            assert ready, f"queues refer to each other in a cycle: {sorted(pending)}"
            for logical_id in ready:
                properties = self.resolve(pending.pop(logical_id)["Properties"])
                attributes = {
                    name: json.dumps(value) if isinstance(value, dict) else str(value)
                    for name, value in properties.items()
                    if name not in ("QueueName", "Tags")
                }
                url = sqs.create_queue(QueueName=properties.get("QueueName", logical_id), Attributes=attributes)[
                    "QueueUrl"
                ]
                arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
                self._attributes[logical_id] = {"Ref": url, "Arn": arn, "QueueName": arn.rsplit(":", 1)[1]}

    def _dependencies_met(self, properties: Any) -> bool:
        try:
            self.resolve(properties)
        except KeyError:
            return False
        return True

    def create_tables(self) -> None:
        ddb = boto3.client("dynamodb", region_name=REGION)
        for logical_id, resource in self.of_type("AWS::DynamoDB::Table").items():
            properties = resource["Properties"]
            name = self.resolve(properties.get("TableName", logical_id))
            ddb.create_table(
                TableName=name,
                KeySchema=properties["KeySchema"],
                AttributeDefinitions=properties["AttributeDefinitions"],
                GlobalSecondaryIndexes=properties.get("GlobalSecondaryIndexes", []),
                BillingMode=properties["BillingMode"],
            )
            ttl = properties.get("TimeToLiveSpecification")
            if ttl:
                ddb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
            arn = ddb.describe_table(TableName=name)["Table"]["TableArn"]
            self._attributes[logical_id] = {"Ref": name, "Arn": arn}

    def create_buckets(self) -> None:
        s3 = boto3.client("s3", region_name=REGION)
        for logical_id, resource in self.of_type("AWS::S3::Bucket").items():
            properties = resource["Properties"]
            name = self.resolve(properties.get("BucketName", logical_id.lower()))
            s3.create_bucket(Bucket=name)
            self._attributes[logical_id] = {"Ref": name, "Arn": f"arn:aws:s3:::{name}"}
            if "VersioningConfiguration" in properties:
                s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=properties["VersioningConfiguration"])
            if "BucketEncryption" in properties:
                rules = [
                    {
                        "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
                        "BucketKeyEnabled": rule.get("BucketKeyEnabled", False),
                    }
                    for rule in self.resolve(properties["BucketEncryption"]["ServerSideEncryptionConfiguration"])
                ]
                s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
            if "NotificationConfiguration" in properties:
                s3.put_bucket_notification_configuration(
                    Bucket=name,
                    NotificationConfiguration=self.notification_configuration(properties["NotificationConfiguration"]),
                )

    def notification_configuration(self, template_value: dict[str, Any]) -> dict[str, Any]:
        """CloudFormation's shape of a bucket's notification configuration, in the S3 API's shape."""
        unsupported = set(template_value) - {"QueueConfigurations"}
        assert not unsupported, f"notification targets this harness does not make: {unsupported}"
        return {
            "QueueConfigurations": [
                {
                    "QueueArn": self.resolve(entry["Queue"]),
                    "Events": [entry["Event"]],
                    **(
                        {"Filter": {"Key": {"FilterRules": entry["Filter"]["S3Key"]["Rules"]}}}
                        if "Filter" in entry
                        else {}
                    ),
                }
                for entry in template_value["QueueConfigurations"]
            ]
        }

    # -- functions ------------------------------------------------------------------

    def function(self, logical_id: str) -> Function:
        properties = self.resources[logical_id]["Properties"]
        variables = self.resolve(properties.get("Environment", {}).get("Variables", {}))
        assert all(isinstance(value, str) for value in variables.values()), f"{logical_id}: unresolved variable"
        return Function(
            logical_id=logical_id,
            handler=properties["Handler"],
            environment=variables,
            timeout_s=int(properties.get("Timeout", 3)),
            tracing=properties.get("TracingConfig", {}).get("Mode", "PassThrough"),
        )

    def function_by_handler(self, handler: str) -> Function:
        (logical_id,) = [
            logical_id
            for logical_id, resource in self.of_type("AWS::Lambda::Function").items()
            if resource["Properties"]["Handler"] == handler
        ]
        return self.function(logical_id)

    def event_sources(self) -> list[EventSource]:
        """The SQS event source mappings."""
        sources = []
        for resource in self.of_type("AWS::Lambda::EventSourceMapping").values():
            properties = resource["Properties"]
            queue_logical_id = properties["EventSourceArn"]["Fn::GetAtt"][0]
            if self.resources[queue_logical_id]["Type"] != "AWS::SQS::Queue":
                continue  # a DynamoDB stream: not an SQS event source
            sources.append(
                EventSource(
                    queue_logical_id=queue_logical_id,
                    queue_url=self._attributes[queue_logical_id]["Ref"],
                    queue_arn=self._attributes[queue_logical_id]["Arn"],
                    function_logical_id=properties["FunctionName"]["Ref"],
                    batch_size=int(properties.get("BatchSize", 10)),
                    reports_item_failures="ReportBatchItemFailures" in properties.get("FunctionResponseTypes", []),
                    max_concurrency=properties.get("ScalingConfig", {}).get("MaximumConcurrency"),
                )
            )
        return sources
