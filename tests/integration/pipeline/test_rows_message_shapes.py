"""A rows message queued in an earlier shape (one object per row, or columns with
ISO dates) by the version before a deploy is processed by the new workers: no
message in flight is lost."""

from __future__ import annotations

import json

import pytest

from claimbatch.domain.job import JobState
from claimbatch.domain.value_rules import read_valid_birth

from tests.support.claims_data import member_line

HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id\n"


def _with_iso_dates(body: str) -> dict:
    columns = json.loads(body)
    columns["d"] = [read_valid_birth(born).isoformat() for born in columns.pop("b")]
    return columns


def _as_row_objects(body: str) -> str:
    columns = _with_iso_dates(body)
    keys = ("c", "f", "l", "d", "s")
    rows = [
        {"row": row, **{key: columns[key][index] for key in keys}} for index, row in enumerate(columns["rows"])
    ]
    return json.dumps({"job_id": columns["job_id"], "chunk": columns["chunk"], "rows": rows})


def _as_iso_columns(body: str) -> str:
    return json.dumps(_with_iso_dates(body))


@pytest.mark.parametrize("earlier_shape", [_as_row_objects, _as_iso_columns])
def test_rows_messages_in_an_earlier_shape_are_processed(pipeline, earlier_shape):
    # Given a file split into columnar messages, each put back on the queue in an earlier shape
    lines = [member_line(f"OLD{n:05d}") for n in range(1, 26)]
    lines[4] = "OLD00005,ANA,LIMA,13/45/1975,1"  # a row error, recorded by the splitter
    job_id = pipeline.drop("inbox/old-shape.csv", (HEADER + "\n".join(lines) + "\n").encode())
    while pipeline.step("split"):
        pass
    queued = []
    while messages := pipeline.receive("rows"):
        for message in messages:
            queued.append(json.loads(message["Body"]))
            pipeline.sqs.send_message(QueueUrl=pipeline.queues["rows"], MessageBody=earlier_shape(message["Body"]))
            pipeline.sqs.delete_message(QueueUrl=pipeline.queues["rows"], ReceiptHandle=message["ReceiptHandle"])
        if sum(len(body["rows"]) for body in queued) == 24:
            break
    assert sorted(row for body in queued for row in body["rows"]) == [n for n in range(1, 26) if n != 5]

    # When the workers take them
    pipeline.run_until_idle()

    # Then every row is looked up once and the job completes
    job = pipeline.job(job_id)
    assert job.state is JobState.COMPLETED and job.counts.done == 25 and job.counts.invalid == 1
    data = [line.split(",") for line in pipeline.results_text(job_id).splitlines()[1:]]
    assert [int(line[0]) for line in data] == list(range(1, 26))
