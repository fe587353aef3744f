"""claimbatch: bulk insurance claim-status lookups.

Layers (see README "Architecture"):
- domain/    pure logic and models: input files, result rows, jobs. No I/O.
- claims/    the claims API provider port and its HTTP client.
- ports/     interfaces the pipeline needs from storage and queues.
- logic/     the use cases (split a file, process rows, aggregate results).
- adapters/  aws/ (S3, SQS, DynamoDB) and embedded/ (folders, SQLite) behind the ports.
- handlers/  thin AWS Lambda entry points.
- simulator/ a real HTTP server standing in for the payer API.
- cli/       the `claimbatch` command.
"""
