"""`make bench`: throughput, memory, API budget, latency and cost per million rows (see README "Benchmarks").

`python -m bench.run` runs every benchmark, each in its own subprocess, and writes
bench/results.json, bench/results.md and the README's "Benchmarks" section.
Generated inputs and scratch data folders go under bench/out/ (gitignored).
"""
