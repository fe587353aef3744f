"""Names, prefixes, limits and contracts of the AWS stack that are not settings:
fixed by AWS, by the code the stack runs, or by the bucket layout."""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_

SERVICE_NAME = "claimbatch"
STACK_ID = "ClaimBatch"

INBOX_PREFIX = "inbox/"  # the only prefix whose new objects start a job
RESULTS_PREFIX = "results/"  # where the aggregator writes; never triggers the splitter

PYTHON_VERSION = "3.13"
RUNTIME = lambda_.Runtime.PYTHON_3_13

# pip --platform tags per Lambda architecture. Lambda's python3.13 runs on
# Amazon Linux 2023 (glibc 2.34), so manylinux_2_28 wheels load as well.
PIP_PLATFORMS: dict[str, tuple[str, ...]] = {
    "arm64": ("manylinux2014_aarch64", "manylinux_2_28_aarch64"),
    "x86_64": ("manylinux2014_x86_64", "manylinux_2_28_x86_64"),
}
ARCHITECTURES: dict[str, lambda_.Architecture] = {
    "arm64": lambda_.Architecture.ARM_64,
    "x86_64": lambda_.Architecture.X86_64,
}

# Runtime dependencies that only the command line imports: left out of the Lambda bundle.
CLI_ONLY_DEPENDENCIES = frozenset({"typer", "rich", "starlette", "uvicorn", "asyncssh", "graphql-core"})

# Lambda's ceiling for an SQS event source's MaximumConcurrency is 1000, its floor 2.
MIN_EVENT_SOURCE_CONCURRENCY = 2
MAX_EVENT_SOURCE_CONCURRENCY = 1000

# A queue's visibility timeout is at least this many times its consumer's timeout
# (AWS guidance for SQS event sources: retries of a throttled batch stay invisible).
VISIBILITY_TIMEOUT_FACTOR = 6
MAX_FUNCTION_TIMEOUT_S = 900  # Lambda's ceiling
MAX_VISIBILITY_TIMEOUT_S = 43_200  # SQS's ceiling: a deferred chunk waits at most this long
# Receives the dead-letter function has of a dead-lettered rows message before it
# goes on to the final dead-letter queue (see Settings.rows_queue).
DEAD_LETTER_RECEIVES = 5

# The job table's two sparse global secondary indexes (their keys and projections
# are in infra/constructs/job_table.py; the contract is
# claimbatch.adapters.aws.dynamodb_job_store). The sweeper queries the first; the
# second is the job API's (a tenant's jobs, newest first).
ACTIVE_JOBS_INDEX = "active-jobs"
TENANT_JOBS_INDEX = "tenant-jobs"
JOB_TABLE_INDEXES = (ACTIVE_JOBS_INDEX, TENANT_JOBS_INDEX)


# The job API's routes: exactly those of claimbatch.api.routes (Powertools' <job_id>
# is API Gateway's {job_id}). Every one of them sits behind the JWT authorizer.
JOB_API_ROUTES: tuple[tuple[str, str], ...] = (
    ("POST", "/jobs"),
    ("GET", "/jobs"),
    ("GET", "/jobs/{job_id}"),
    ("GET", "/jobs/{job_id}/results"),
    ("GET", "/jobs/{job_id}/errors"),
    ("POST", "/jobs/{job_id}/retry"),
    ("POST", "/jobs/{job_id}/cancel"),
    ("GET", "/notifications"),
    ("PUT", "/notifications"),
    ("POST", "/notifications/test"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
)
# The web page (claimbatch.web.page): public, as the page holds no data and signs in itself.
WEB_PAGE_ROUTES: tuple[tuple[str, str], ...] = (
    ("GET", "/"),
    ("GET", "/web/{name}"),
)
# The claim the job API reads the tenant from (claimbatch.api.identity.TENANT_CLAIM):
# the user pool's custom attribute "tenant", which Cognito puts into ID tokens.
TENANT_ATTRIBUTE = "tenant"
# API Gateway gives an integration at most 29 s (CDK's and HTTP API's limit); the function ends first, so a
# slow request is answered by our handler's error, not by a gateway timeout.
API_INTEGRATION_TIMEOUT_S = 29
