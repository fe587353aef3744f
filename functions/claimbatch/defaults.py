"""The default of every setting, in one place.

The AWS stack (infra/settings.py), the Lambda functions' environment models
(claimbatch.handlers.env_vars) and the embedded runtime's settings all start
from these values, so that no copy of a default can drift from another. The stack
sets every variable a function reads (a test holds it to that), so in AWS a
function's own default is never what it runs with.

Plain values only: no imports, no side effects.
"""

from __future__ import annotations

# -- Splitting: rows per queue message (a chunk) and the limits of one input file.
ROWS_PER_MESSAGE = 100
MAX_ROWS_PER_FILE = 1_000_000
MAX_BYTES_PER_FILE = 1 << 30

# -- Lookups in the claims API.
CLAIMS_PAYER_ID = "87726"  # UnitedHealthcare
LOOKUP_CONCURRENCY = 16  # the most lookups in flight in one worker (one Lambda invocation, or the local pool)
CLAIMS_API_LATENCY_S = 1.5  # the payer's mean latency assumed until answers are measured
# A worker's in-client retries of one lookup stay short: past them the row's chunk
# goes back to the queue and waits there (see the redelivery settings below).
LOOKUP_MAX_ATTEMPTS = 3
LOOKUP_BASE_DELAY_S = 0.2
LOOKUP_MAX_ELAPSED_S = 20.0

# -- Redelivery of a chunk whose rows failed transiently (an outage, throttling):
# after its n-th delivery it waits a jittered base * 2**n seconds, at most the cap,
# until it has been delivered max_row_receives times or has waited row_patience_s
# since its first delivery; then its rows are written as failed and retryable.
REDELIVERY_BASE_S = 1.0
MAX_REDELIVERY_DELAY_S = 300.0
MAX_ROW_RECEIVES = 10
ROW_PATIENCE_S = 900
# Seconds a Lambda worker keeps, before its timeout, to store what it has and return.
WORKER_DEADLINE_MARGIN_S = 10.0
# The embedded runtime has no dead-letter queue and a person waiting at a terminal:
# shorter waits, more of them, within the same patience.
LOCAL_MAX_REDELIVERY_DELAY_S = 30.0
LOCAL_MAX_DELIVERIES = 200

# -- The sweeper: a job without progress for STALL_AFTER_S is split again, at most
# MAX_REDRIVES times, then completed with its missing rows failed and retryable.
STALL_AFTER_S = 1800
MAX_REDRIVES = 2
SWEEP_EVERY_MINUTES = 5  # the scheduled Lambda
LOCAL_SWEEP_EVERY_S = 60.0  # the embedded runtime's sweeper task

# -- The job API.
MAX_UPLOAD_BYTES = MAX_BYTES_PER_FILE
UPLOAD_URL_EXPIRES_S = 900
DOWNLOAD_URL_EXPIRES_S = 300
