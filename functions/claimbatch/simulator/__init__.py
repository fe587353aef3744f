"""The claims API simulator: a real HTTP server implementing CLAIMS_API.md, for demos, tests and benchmarks.

- settings.py     every knob (SimulatorSettings)
- claims_data.py  the deterministic claims, pure functions (search_claims)
- faults.py       fault prefixes and per-claim attempt counts
- limits.py       rate limit, outages, random errors, latency
- tokens.py       client credentials and access tokens
- stats.py        what was served, for GET /_stats
- app.py          the Starlette routes
- server.py       uvicorn, in the foreground or in-process (start_simulator)

Nothing is imported here, so that the pure data can be used without loading the server.
"""
