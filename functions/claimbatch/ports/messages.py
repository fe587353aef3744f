"""Models of what travels between the pipeline's stages (queue messages).

Declared once; the AWS and embedded runtimes carry the same shapes.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from claimbatch.domain.claim_row import ClaimQuery, ValidRow


class QueuedRow(BaseModel):
    """One valid row inside a chunk message. PHI: the queue is encrypted."""

    model_config = ConfigDict(frozen=True)

    row: int
    claim_number: str = Field(alias="c")
    first_name: str = Field(alias="f")
    last_name: str = Field(alias="l")
    date_of_birth: date = Field(alias="d")
    subscriber_id: str = Field(alias="s")

    @classmethod
    def of(cls, valid: ValidRow) -> QueuedRow:
        q = valid.query
        return cls(
            row=valid.row,
            c=q.claim_number,
            f=q.first_name,
            l=q.last_name,
            d=q.date_of_birth,
            s=q.subscriber_id,
        )

    def query(self) -> ClaimQuery:
        return ClaimQuery(
            claim_number=self.claim_number,
            first_name=self.first_name,
            last_name=self.last_name,
            date_of_birth=self.date_of_birth,
            subscriber_id=self.subscriber_id,
        )

    def __repr__(self) -> str:
        return f"QueuedRow(row={self.row}, <redacted>)"


class RowChunk(BaseModel):
    """The valid rows of one chunk of the input file.

    Chunk `chunk` covers input rows chunk*size+1 .. (chunk+1)*size; its id is
    deterministic, so a chunk sent twice (splitter re-run, SQS redelivery) is
    still counted once.
    """

    job_id: str
    chunk: int
    rows: list[QueuedRow]

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True)


class SplitContinuation(BaseModel):
    """Asks the splitter to go on with a job from its saved cursor."""

    kind: str = "continue_split"
    job_id: str


class AggregationRequest(BaseModel):
    """Asks the aggregator to write a job's results (or a failed job's summary)."""

    job_id: str
