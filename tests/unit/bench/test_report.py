"""The README is shared: `make bench` rewrites its Benchmarks section and nothing else."""

from __future__ import annotations

from pathlib import Path

from bench.report import update_readme, verdicts


def test_only_the_benchmarks_section_is_replaced(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# claimbatch\n\nintro\n\n## Benchmarks\n\nold table\n\n### detail\n\nold\n\n## Logging\n\nkept\n")

    update_readme(readme, "## Benchmarks\n\nnew table\n")

    assert readme.read_text() == "# claimbatch\n\nintro\n\n## Benchmarks\n\nnew table\n\n## Logging\n\nkept\n"


def test_a_missing_section_is_appended(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# claimbatch\n\n## Logging\n\nkept\n")

    update_readme(readme, "## Benchmarks\n\ntable\n")

    assert readme.read_text() == "# claimbatch\n\n## Logging\n\nkept\n\n## Benchmarks\n\ntable\n"


def test_targets_are_judged_and_a_missing_figure_is_not_met() -> None:
    results = {
        "split_ratio_vs_csv_reader": 0.25,
        "pipeline_rows_per_s": 11_999.0,
        "embedded_peak_rss_mb": 150.1,
        "http_rows_per_s": 10.0,
        "api_budget_utilization": 0.95,
        "api_429_share": 0.01,
        "api_budget_utilization_slow": 0.89,
        "api_429_share_slow": 0.0,
        "small_job_latency_s": None,
        "aws_cost_per_million_rows_usd": 0.5,
    }
    assert verdicts(results) == {
        "split_ratio_vs_csv_reader": True,
        "pipeline_rows_per_s": False,
        "embedded_peak_rss_mb": False,
        "http_rows_per_s": None,
        "api_budget_utilization": True,
        "api_429_share": True,
        "api_budget_utilization_slow": False,
        "api_429_share_slow": True,
        "small_job_latency_s": False,
        "aws_cost_per_million_rows_usd": True,
    }
