"""AWS list prices (us-east-1) and the arithmetic that turns counted requests into dollars.

The prices are the public on-demand list prices for us-east-1 as the author knew
them (AWS pricing pages, 2025); they were written down, not fetched, on the date
below. Free tiers are ignored (a steady workload outgrows them). Check them
against https://aws.amazon.com/pricing/ before relying on a figure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

PRICES_REGION = "us-east-1"
PRICES_AS_OF = "2025 list prices, as known to the author (not fetched live)"
PRICES_WRITTEN = "2026-11-29"


@dataclass(frozen=True)
class Price:
    usd: float  # per `per` units
    per: int
    unit: str

    @property
    def each(self) -> float:
        return self.usd / self.per

    def describe(self) -> str:
        per = f"{self.per:,}" if self.per != 1 else "1"
        return f"${self.usd:g} per {per} {self.unit}"


PRICES: dict[str, Price] = {
    "lambda_gb_s_arm64": Price(0.0000133334, 1, "GB-second (Lambda, arm64)"),
    "lambda_request": Price(0.20, 1_000_000, "Lambda requests"),
    "sqs_request": Price(0.40, 1_000_000, "SQS standard requests (each 64 KB chunk of payload is one)"),
    "dynamodb_wru": Price(0.625, 1_000_000, "DynamoDB on-demand write request units"),
    "dynamodb_rru": Price(0.125, 1_000_000, "DynamoDB on-demand read request units"),
    "s3_put_class": Price(0.005, 1_000, "S3 Standard PUT, COPY, POST, LIST requests"),
    "s3_get_class": Price(0.0004, 1_000, "S3 Standard GET and all other requests"),
    "kms_request": Price(0.03, 10_000, "KMS requests"),
    "secrets_api_call": Price(0.05, 10_000, "Secrets Manager API calls"),
    "logs_ingested_gb": Price(0.50, 1, "GB of CloudWatch Logs ingested (standard class)"),
    "xray_trace": Price(5.00, 1_000_000, "X-Ray traces recorded"),
    "sfn_transition": Price(0.025, 1_000, "Step Functions standard state transitions"),
    "s3_batch_job": Price(0.25, 1, "S3 Batch Operations job"),
    "s3_batch_task": Price(1.00, 1_000_000, "S3 Batch Operations tasks (objects processed)"),
}

LAMBDA_FULL_VCPU_MB = 1769  # Lambda gives one full vCPU at this memory size, a share of one below it
LAMBDA_BILLING_GRANULARITY_S = 0.001

# S3 request classes; requests not named here (DeleteObject, AbortMultipartUpload) are free.
S3_PUT_CLASS = frozenset(
    {
        "PutObject",
        "CopyObject",
        "CreateMultipartUpload",
        "UploadPart",
        "UploadPartCopy",
        "CompleteMultipartUpload",
        "ListObjects",
        "ListObjectsV2",
        "ListObjectVersions",
        "ListMultipartUploads",
        "ListParts",
        "PostObject",
    }
)
S3_FREE = frozenset({"DeleteObject", "DeleteObjects", "AbortMultipartUpload"})


def s3_request_class(operation: str) -> str:
    if operation in S3_FREE:
        return "free"
    return "s3_put_class" if operation in S3_PUT_CLASS else "s3_get_class"


def gb_seconds(duration_s: float, memory_mb: int) -> float:
    """What one invocation is billed: its duration rounded up to the millisecond, times its memory in GB."""
    billed = math.ceil(round(duration_s / LAMBDA_BILLING_GRANULARITY_S, 6)) * LAMBDA_BILLING_GRANULARITY_S
    return billed * memory_mb / 1024


def cpu_slowdown(memory_mb: int) -> float:
    """How much longer CPU-bound work takes in Lambda at this memory size than on one full core."""
    return max(1.0, LAMBDA_FULL_VCPU_MB / memory_mb)


@dataclass(frozen=True)
class CostLine:
    item: str
    quantity: float
    price: str  # key of PRICES

    @property
    def usd(self) -> float:
        return self.quantity * PRICES[self.price].each


@dataclass
class CostSheet:
    """Priced quantities; `scaled(f)` extrapolates every quantity by f."""

    lines: list[CostLine] = field(default_factory=list)

    def add(self, item: str, quantity: float, price: str) -> None:
        if quantity:
            self.lines.append(CostLine(item, quantity, price))

    @property
    def usd(self) -> float:
        return sum(line.usd for line in self.lines)

    def scaled(self, factor: float) -> CostSheet:
        return CostSheet([CostLine(line.item, line.quantity * factor, line.price) for line in self.lines])

    def by_service(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for line in self.lines:
            service = line.item.split(":", 1)[0]
            totals[service] = totals.get(service, 0.0) + line.usd
        return totals

    def as_json(self) -> list[dict[str, object]]:
        return [
            {"item": line.item, "quantity": line.quantity, "price": PRICES[line.price].describe(), "usd": line.usd}
            for line in self.lines
        ]


def price_requests(
    requests: Mapping[str, int],
    *,
    sqs_billed_requests: int,
    dynamodb_wru: float,
    dynamodb_rru: float,
) -> CostSheet:
    """SQS, DynamoDB, S3, Secrets Manager and KMS, from counted requests ("service:Operation" → n)."""
    sheet = CostSheet()
    sheet.add("SQS: requests (64 KB chunks)", sqs_billed_requests, "sqs_request")
    sheet.add("DynamoDB: write request units", dynamodb_wru, "dynamodb_wru")
    sheet.add("DynamoDB: read request units", dynamodb_rru, "dynamodb_rru")
    s3 = {"s3_put_class": 0, "s3_get_class": 0}
    for key, count in requests.items():
        service, operation = key.split(":", 1)
        if service == "s3" and (kind := s3_request_class(operation)) != "free":
            s3[kind] += count
    sheet.add("S3: PUT-class requests", s3["s3_put_class"], "s3_put_class")
    sheet.add("S3: GET-class requests", s3["s3_get_class"], "s3_get_class")
    secrets = sum(count for key, count in requests.items() if key.startswith("secretsmanager:"))
    sheet.add("Secrets Manager: API calls", secrets, "secrets_api_call")
    kms = sum(count for key, count in requests.items() if key.startswith("kms:"))
    sheet.add("KMS: requests (made by our code)", kms, "kms_request")
    return sheet


def price_lambda(function: str, invocations: int, gb_s: float) -> CostSheet:
    sheet = CostSheet()
    sheet.add(f"Lambda: {function} requests", invocations, "lambda_request")
    sheet.add(f"Lambda: {function} GB-seconds", gb_s, "lambda_gb_s_arm64")
    return sheet


def per_row_lambda(rows: int, lookup_s: float, memory_mb: int, function: str) -> CostSheet:
    """One Lambda invocation per row, each `lookup_s` long (the API's latency)."""
    return price_lambda(function, rows, rows * gb_seconds(lookup_s, memory_mb))


def s3_batch_operations(rows: int, lookup_s: float, memory_mb: int) -> CostSheet:
    """S3 Batch Operations invoking a Lambda function once per row (one task per row)."""
    sheet = CostSheet()
    sheet.add("S3 Batch Operations: jobs", 1, "s3_batch_job")
    sheet.add("S3 Batch Operations: tasks", rows, "s3_batch_task")
    sheet.lines += per_row_lambda(rows, lookup_s, memory_mb, "per-row lookup").lines
    return sheet


def step_functions_distributed_map(
    rows: int, lookup_s: float, memory_mb: int, transitions_per_row: int, parent_transitions: int
) -> CostSheet:
    """Distributed Map with a standard child workflow per row that invokes a Lambda function."""
    sheet = CostSheet()
    sheet.add("Step Functions: state transitions", rows * transitions_per_row + parent_transitions, "sfn_transition")
    sheet.lines += per_row_lambda(rows, lookup_s, memory_mb, "per-row lookup").lines
    return sheet
