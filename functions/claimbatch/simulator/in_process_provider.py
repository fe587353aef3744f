"""The simulator's claims as a ClaimStatusProvider without HTTP: the same
deterministic answers, read and chosen by the same code as the real client's,
at the speed of a function call. For benchmarks of everything but the wire."""

from __future__ import annotations

from collections.abc import Sequence

from claimbatch.claims.claim_choice import outcome_of
from claimbatch.claims.optum_schema import InquiryResponse, inquiry_body
from claimbatch.claims.provider import ProviderStats
from claimbatch.domain.claim_answer import LookupOutcome
from claimbatch.domain.claim_row import ClaimQuery
from claimbatch.simulator.claims_data import InvalidSearchInput, search_claims


class InProcessSimulatedProvider:
    def __init__(self, payer_id: str = "87726") -> None:
        self.stats = ProviderStats()
        self._payer_id = payer_id

    async def lookup(self, query: ClaimQuery) -> LookupOutcome:
        return self._answer(query)

    async def lookup_many(self, queries: Sequence[ClaimQuery]) -> list[LookupOutcome]:
        # Nothing here waits: one loop, not a task per claim.
        return [self._answer(query) for query in queries]

    def _answer(self, query: ClaimQuery) -> LookupOutcome:
        self.stats.requests += 1
        search_input = inquiry_body(query, self._payer_id)["variables"]["searchClaimInput"]  # type: ignore[index]
        try:
            payload = search_claims(search_input)
        except InvalidSearchInput as error:
            return LookupOutcome.failed(error.description, retryable=False)
        claims = InquiryResponse.model_validate({"data": {"searchClaim": payload}}).data.search_claim.claims  # type: ignore[union-attr]
        return outcome_of(claims or [], query, attempts=1)

    async def aclose(self) -> None:
        pass
