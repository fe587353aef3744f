"""JobStore on SQLite (WAL): the embedded runtime's DynamoDB.

Same semantics as the DynamoDB store: conditional state moves, results
idempotent per row, counters added once per chunk id. One connection guarded
by a lock, so the splitter thread and the worker pool can share it.
"""

from __future__ import annotations

from claimbatch.adapters.embedded.sqlite_chunk_ledger import SqliteChunkLedger
from claimbatch.adapters.embedded.sqlite_job_lifecycle import SqliteJobLifecycle
from claimbatch.adapters.embedded.sqlite_job_listing import SqliteJobListing
from claimbatch.adapters.embedded.sqlite_row_results import SqliteRowResults
from claimbatch.adapters.embedded.sqlite_split_progress import SqliteSplitProgress
from claimbatch.adapters.embedded.sqlite_uploads import SqliteUploads


class SqliteJobStore(
    SqliteJobLifecycle, SqliteSplitProgress, SqliteChunkLedger, SqliteRowResults, SqliteJobListing, SqliteUploads
):
    """Every role of the job store (ports/job_store.py) and the uploads, in one
    database file: `SqliteJobStore(data_dir / "claimbatch.db")`."""
