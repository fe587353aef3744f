"""Where jobs, their counters and their rows' results live (DynamoDB, SQLite).

The store has one port per role, each in its own module; a store implements
them all, and a use case can ask for only the roles it uses:

    job_lifecycle.py   JobLifecycle    jobs by id and their guarded state moves
    split_progress.py  SplitProgress   the split lease and cursor
    chunk_ledger.py    ChunkLedger     chunks counted exactly once, with their results
    row_results.py     RowResults      the rows' results, stored per chunk
    job_listing.py     JobListing      unfinished jobs, a tenant's jobs, the job of an object
    uploads.py         UploadStore     the job API's uploads
"""

from __future__ import annotations

from typing import Protocol

from claimbatch.ports.chunk_ledger import ChunkId, ChunkLedger
from claimbatch.ports.job_lifecycle import JobLifecycle
from claimbatch.ports.job_listing import JobListing, JobPage
from claimbatch.ports.row_results import RowResults
from claimbatch.ports.split_progress import SplitProgress

__all__ = ["ChunkId", "ChunkLedger", "JobLifecycle", "JobListing", "JobPage", "JobStore", "RowResults", "SplitProgress"]


class JobStore(JobLifecycle, SplitProgress, ChunkLedger, RowResults, JobListing, Protocol):
    """Every role but the uploads': what the pipeline's stages are given."""
