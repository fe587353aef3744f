"""The claims API simulator in a process of its own, as a remote payer would be:
its CPU is not the pipeline's. Prints its base URL on the first line of stdout.

    python -m bench.simulator_process [--latency-ms 200] [--rate-limit 100]
"""

from __future__ import annotations

import argparse
import sys

from claimbatch.simulator.server import serve_forever
from claimbatch.simulator.settings import SimulatorSettings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--rate-limit", type=float, default=None)
    args = parser.parse_args()
    settings = SimulatorSettings(port=0, latency_ms=args.latency_ms, rate_limit=args.rate_limit)

    def ready(base_url: str) -> None:
        print(base_url, flush=True)

    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    serve_forever(settings, on_ready=ready)


if __name__ == "__main__":
    main()
