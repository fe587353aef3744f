"""The simulator's claims as a ClaimStatusProvider without HTTP: the same
deterministic answers, mapped by the same code as the real client's, at the
speed of a function call. For benchmarks of everything but the wire."""

from __future__ import annotations

from claimbatch.claims.optum_schema import InquiryResponse, choose_claim, inquiry_body, to_claim_status
from claimbatch.claims.provider import ProviderStats
from claimbatch.domain.claim_answer import LookupOutcome
from claimbatch.domain.claim_row import ClaimQuery
from claimbatch.simulator.claims_data import InvalidSearchInput, search_claims


class InProcessSimulatedProvider:
    def __init__(self, payer_id: str = "87726") -> None:
        self.stats = ProviderStats()
        self._payer_id = payer_id

    async def lookup(self, query: ClaimQuery) -> LookupOutcome:
        self.stats.requests += 1
        search_input = inquiry_body(query, self._payer_id)["variables"]["searchClaimInput"]  # type: ignore[index]
        try:
            payload = search_claims(search_input)
        except InvalidSearchInput as error:
            return LookupOutcome.failed(error.description, retryable=False)
        claims = InquiryResponse.model_validate({"data": {"searchClaim": payload}}).data.search_claim.claims  # type: ignore[union-attr]
        if not claims:
            return LookupOutcome.not_found()
        return LookupOutcome.found(to_claim_status(choose_claim(claims, query)))

    async def aclose(self) -> None:
        pass
