"""JobStore on one DynamoDB table (design: docs/aws-design.md, "Table design").

  job item    pk=JOB#<job>              sk=JOB                 state, counters, cursor, lease
  chunk part  pk=JOB#<job>              sk=CHUNK#<chunk:09d>   the results of the rows a chunk looked up
                                        sk=CHUNK#<chunk:09d>i  the splitter's row errors of the same rows
              (results zlib-compressed, `counted` once the part is counted; dynamodb_chunk_items.py)

A query of the job's CHUNK# sort keys reads the results back in row order: the
chunk numbers are zero-padded, and a chunk's two parts sort next to each other.

Two sparse global secondary indexes hold job items only:
  active-jobs   active_pk="ACTIVE", active_sk=<created_at>#<job>   while the job is not terminal
  tenant-jobs   tenant_pk=<tenant>,  tenant_sk=<created_at>#<job>  every job, newest first per tenant
                (projection ALL: a listing page is one query)

The job API's uploads live beside them:
  upload      pk=UPLOAD#<upload>        sk=UPLOAD        tenant, key, filename, times, job (once found)
"""

from __future__ import annotations

from claimbatch.adapters.aws.dynamodb_chunk_ledger import DynamoChunkLedger
from claimbatch.adapters.aws.dynamodb_items import ACTIVE_INDEX, TENANT_INDEX, job_of_item
from claimbatch.adapters.aws.dynamodb_job_lifecycle import DynamoJobLifecycle
from claimbatch.adapters.aws.dynamodb_job_listing import DynamoJobListing
from claimbatch.adapters.aws.dynamodb_row_results import DynamoRowResults
from claimbatch.adapters.aws.dynamodb_split_progress import DynamoSplitProgress
from claimbatch.adapters.aws.dynamodb_uploads import DynamoUploads

__all__ = ["ACTIVE_INDEX", "TENANT_INDEX", "DynamoJobStore", "job_of_item"]


class DynamoJobStore(
    DynamoJobLifecycle, DynamoSplitProgress, DynamoChunkLedger, DynamoRowResults, DynamoJobListing, DynamoUploads
):
    """Every role of the job store (ports/job_store.py) and the uploads, on one table:
    `DynamoJobStore(table_name, dynamodb_client)`."""
