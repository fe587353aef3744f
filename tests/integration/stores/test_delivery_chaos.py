"""Property, on both job stores (DynamoDB on moto with the template's table, and
SQLite): whatever the input file and whatever the delivery chaos (duplicated,
reordered, transiently failing chunks), the results are a complete, ordered,
one-line-per-row image of the input, and every row is counted once."""

from __future__ import annotations

import asyncio
import csv
import random
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claimbatch.adapters.embedded.local_object_store import LOCAL_BUCKET, LocalObjectStore
from claimbatch.claims.provider import ProviderStats
from claimbatch.domain.claim_answer import LookupOutcome
from claimbatch.domain.claim_row import ClaimQuery
from claimbatch.domain.job import JobState
from claimbatch.logic.aggregate_results import AggregateDeps, aggregate_job
from claimbatch.logic.process_chunk import ChunkDeferred, WorkerDeps, process_chunk
from claimbatch.logic.split_file import SplitDeps, SplitSettings, split_job
from claimbatch.logic.start_job import start_job
from claimbatch.ports.object_events import ObjectCreated
from claimbatch.simulator.in_process_provider import InProcessSimulatedProvider
from tests.support.claims_data import member_line
from tests.support.recording_queues import RecordingQueues

HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id"


@dataclass
class FlakyProvider:
    """The simulator's answers, but each claim fails transiently its first `failures[claim]` times."""

    failures: dict[str, int]
    stats: ProviderStats = field(default_factory=ProviderStats)
    inner: InProcessSimulatedProvider = field(default_factory=InProcessSimulatedProvider)

    async def lookup(self, query: ClaimQuery) -> LookupOutcome:
        left = self.failures.get(query.claim_number, 0)
        if left:
            self.failures[query.claim_number] = left - 1
            return LookupOutcome.failed("claims API unavailable (HTTP 503)", retryable=True)
        return await self.inner.lookup(query)

    async def aclose(self) -> None:
        pass


row_kinds = st.sampled_from(["valid", "valid", "valid", "not_found", "bad_date", "bad_name", "ragged", "blank"])


@st.composite
def input_files(draw):
    kinds = draw(st.lists(row_kinds, min_size=0, max_size=60))
    lines, expected = [HEADER], []
    for n, kind in enumerate(kinds):
        claim = f"GEN{n:05d}"
        if kind == "blank":
            lines.append("   ")
            continue
        line = {
            "valid": member_line(claim),
            "not_found": f"NF{n:05d},ANA,LIMA,01/02/1975,{n}",
            "bad_date": f"{claim},ANA,LIMA,02/30/1975,{n}",
            "bad_name": f"{claim},AN*A,LIMA,01/02/1975,{n}",
            "ragged": f"{claim},ANA,LIMA",
        }[kind]
        lines.append(line)
        expected.append((line.split(",")[0], kind, n))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return ending.join(lines) + ending, expected


# make_store gives every example a fresh, empty store: a function-scoped fixture is safe here.
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    file=input_files(),
    rows_per_message=st.integers(min_value=1, max_value=7),
    seed=st.integers(min_value=0, max_value=10_000),
    duplicate_share=st.floats(min_value=0, max_value=0.5),
    failures=st.lists(st.integers(min_value=0, max_value=3), min_size=60, max_size=60),
)
def test_results_are_a_complete_ordered_image_of_the_input(
    make_store, file, rows_per_message, seed, duplicate_share, failures
):
    text, expected_claims = file
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        store = make_store()
        objects = LocalObjectStore(data)
        key = "inbox/prop.csv"
        objects.write_stream(LOCAL_BUCKET, key, [text.encode()], "text/csv")
        job = start_job(ObjectCreated(bucket=LOCAL_BUCKET, key=key, version="1", size=len(text)), store)
        recorder = RecordingQueues()
        split_job(
            job.job_id,
            SplitDeps(store, objects, recorder, recorder, SplitSettings(rows_per_message=rows_per_message)),
            remaining_s=lambda: 1e9,
        )

        # Chaos: duplicated and shuffled deliveries; transient failures per claim.
        rng = random.Random(seed)
        queue = [(chunk, 1) for chunk in recorder.chunks]
        queue += [(chunk, 1) for chunk in recorder.chunks if rng.random() < duplicate_share]
        rng.shuffle(queue)
        provider = FlakyProvider({f"GEN{n:05d}": count for n, count in enumerate(failures)})
        deps = WorkerDeps(store=store, provider=provider, signals=recorder, max_deliveries=3)
        while queue:
            chunk, delivery = queue.pop(rng.randrange(len(queue)))
            try:
                asyncio.run(process_chunk(chunk, delivery, deps))
            except ChunkDeferred:
                queue.append((chunk, delivery + 1))

        assert recorder.aggregations, "the job never reached AGGREGATING"
        aggregate_job(job.job_id, AggregateDeps(store, objects))
        finished = store.get_job(job.job_id)
        results = list(csv.reader(objects.path_of(finished.results_key).read_text().splitlines()))[1:]

    assert finished.state is JobState.COMPLETED
    assert [int(line[0]) for line in results] == list(range(1, len(expected_claims) + 1))
    assert [line[1] for line in results] == [claim for claim, _, _ in expected_claims]
    assert finished.counts.done == finished.counts.total == len(expected_claims)
    for line, (_, kind, n) in zip(results, expected_claims, strict=True):
        if kind == "valid" and failures[n] < deps.max_deliveries:
            assert line[7] == "True", "a transient failure within the delivery budget must end answered"
        elif kind == "not_found":
            assert (line[7], line[8]) == ("False", "Claim not found")
        elif kind != "valid":
            assert line[7] == "False" and line[8], "a row error names its problem"
