"""What an SFTP client does to the bucket through AWS Transfer Family, through the Lambda
handlers on moto: an upload under a temporary name then a rename (a copy, then a delete of
the temporary object) is one job; an input deleted after it was announced still runs."""

from __future__ import annotations

import copy
import hashlib
from typing import Any
from urllib.parse import quote_plus

import boto3

from claimbatch.domain.job import JobState, SourceObject, job_id_for
from testkit.aws_pipeline import BUCKET, TABLE, recorded_event

HEADER = "claim_number,first_name,last_name,date_of_birth,subscriber_id\n"
SEED = b"ZE59426195,CHANTAL,KISA,05/10/1975,057896633\n"
SEED_LINE = "1,ZE59426195,Finalized,CHANTAL KISA,720.00,351.00,08/08/2025,True,"


def _copied(pipeline, source: str, key: str, event_name: str = "ObjectCreated:Copy") -> dict[str, Any]:
    """CopyObject, as Transfer Family renames, and the notification S3 sends for the new object."""
    answer = pipeline.s3.copy_object(Bucket=BUCKET, Key=key, CopySource={"Bucket": BUCKET, "Key": source})
    head = pipeline.s3.head_object(Bucket=BUCKET, Key=key)
    event = copy.deepcopy(recorded_event("s3_object_created.json"))
    record = event["Records"][0]
    record["eventName"] = event_name
    record["s3"]["bucket"]["name"] = BUCKET
    record["s3"]["object"].update(
        key=quote_plus(key, safe="/"),
        size=head["ContentLength"],
        eTag=head["ETag"].strip('"'),
        versionId=answer["VersionId"],
        sequencer=hashlib.md5(answer["VersionId"].encode()).hexdigest()[:18].upper(),
    )
    return event


def _jobs() -> list[dict[str, Any]]:
    items = boto3.client("dynamodb").scan(TableName=TABLE)["Items"]
    return [item for item in items if item["sk"]["S"] == "JOB"]


def test_an_upload_as_filepart_renamed_by_transfer_family_is_one_job(pipeline):
    # Given WinSCP's way: the file is written as .filepart (an object, announced), then renamed
    pipeline.notify(pipeline.put_object("inbox/acme/claims.csv.filepart", (HEADER + SEED.decode()).encode()))
    renamed = _copied(pipeline, "inbox/acme/claims.csv.filepart", "inbox/acme/claims.csv")
    pipeline.notify(renamed)
    pipeline.s3.delete_object(Bucket=BUCKET, Key="inbox/acme/claims.csv.filepart")

    # When the pipeline has handled every notification
    pipeline.run_until_idle()

    # Then the final name, and only it, was a job, for tenant acme, with results under results/acme/
    (job,) = _jobs()
    version = renamed["Records"][0]["s3"]["object"]["versionId"]
    job_id = job_id_for(SourceObject(bucket=BUCKET, key="inbox/acme/claims.csv", version=version))
    assert job["job_id"]["S"] == job_id
    done = pipeline.job(job_id)
    assert done.state is JobState.COMPLETED and done.tenant == "acme"
    assert done.results_key == "results/acme/claims.results.csv"
    assert pipeline.read("results/acme/claims.results.csv").decode().splitlines()[1].startswith(SEED_LINE)


def test_an_input_deleted_after_it_was_announced_still_runs_from_its_version(pipeline):
    # Given a file announced, then deleted over SFTP before the splitter got to it
    job_id = pipeline.drop("inbox/acme/gone.csv", (HEADER + SEED.decode()).encode())
    pipeline.s3.delete_object(Bucket=BUCKET, Key="inbox/acme/gone.csv")

    pipeline.run_until_idle()

    # Then its job read the version it was started for
    done = pipeline.job(job_id)
    assert done.state is JobState.COMPLETED and done.counts.succeeded == 1
