"""The claims API simulator: a real HTTP server implementing the payer's published
contract as strictly as its gateway, for demos, tests and benchmarks.

- settings.py     every knob (SimulatorSettings)
- claims_data.py  the deterministic claims by claim number, pure functions (search_claims)
- members.py      who each claim belongs to (derived from the claim number)
- claim_records.py, claim_statuses.py   the JSON of one claim, its possible statuses
- search_input.py searchClaimInput as the payer checks it
- search_claim_schema.py, graphql_request.py   the published schema; requests validated against it
- sample.py       CSV rows of existing claims with their members (`claimbatch simulator sample`)
- faults.py       fault prefixes and per-claim attempt counts
- limits.py       rate limit, outages, random errors, latency
- tokens.py       client credentials and access tokens
- stats.py        what was served, for GET /_stats
- app.py          the Starlette routes (token, control plane); inquiry.py the inquiry
- state.py, responses.py   what the routes share; the gateway's error answers
- server.py       uvicorn, in the foreground or in-process (start_simulator)

Nothing is imported here, so that the pure data can be used without loading the server.
"""
