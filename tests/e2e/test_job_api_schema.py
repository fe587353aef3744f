"""schemathesis against the OpenAPI document the local API server serves: generated
requests, valid and not, never get a 5xx nor an answer the document does not describe."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.job_api_harness import ACME, embedded_job_api, submit, wait_for_state

SEED = b"claim_number,first_name,last_name,date_of_birth,subscriber_id\nZE59426195,CHANTAL,KISA,05/10/1975,057896633\n"
AUTH = {"Authorization": f"Bearer {ACME}"}
# No 5xx, and every answer as the document describes it (status, content type, headers, body),
# for requests the document allows and for those it rules out. Not the heuristics "positive data
# acceptance" (an unknown but well-formed `next` token is rightly refused) nor "negative data
# rejection" (unknown query parameters are ignored, as HTTP APIs do).
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_the_served_api_keeps_to_its_openapi_document(tmp_path, simulator, mode):
    with embedded_job_api(tmp_path / "data", simulator.base_url) as api:
        wait_for_state(api, submit(api, SEED))  # a job exists, so some generated ids may meet real routes
        schema = schemathesis.openapi.from_url(f"{api.base_url}/openapi.json")
        assert {"/jobs", "/jobs/{job_id}/retry"} <= set(schema.raw_schema["paths"])

        @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=schema.as_strategy(generation_mode=mode))
        def generated_requests_are_answered_as_documented(case: schemathesis.Case) -> None:
            case.call_and_validate(
                base_url=api.base_url, headers=AUTH, checks=CONFORMANCE, allow_redirects=False, timeout=10
            )

        generated_requests_are_answered_as_documented()
