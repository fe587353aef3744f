"""The job API: one Powertools resolver, served by API Gateway (HTTP API)
in AWS and by the local API server of `claimbatch serve`."""
