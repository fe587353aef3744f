"""The README is shared: `make bench` rewrites its Benchmarks section and nothing else."""

from __future__ import annotations

from pathlib import Path

from bench.report import machine, results_markdown, update_readme, verdicts


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


def test_results_show_where_the_time_goes_and_what_changed_even_when_every_target_is_met(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "2026-01-01-first.md").write_text("# First round\n\ntext\n")
    (notes / "2026-02-01-second.md").write_text("# Second round\n\ntext\n")
    profile = {"command": "python -m bench.split_throughput", "samples": 1000, "parts": [("reading", 0.6), ("packing", 0.4)],
               "top_own": [("f (x.py)", 0.3)]}
    results = {
        "split_ratio_vs_csv_reader": 0.3, "pipeline_rows_per_s": 20_000.0, "embedded_peak_rss_mb": 100.0,
        "http_rows_per_s": 800.0, "api_budget_utilization": 0.99, "api_429_share": 0.0,
        "api_budget_utilization_slow": 0.93, "api_429_share_slow": 0.0, "small_job_latency_s": 0.2,
        "aws_cost_per_million_rows_usd": 0.25,
    }

    text = results_markdown(results, {}, machine(), {"split": profile, "pipeline": profile}, notes_dir=notes)

    where = text.index("## Where the time goes")
    assert text.index("| reading | 60.0% |", where) < text.index("Every target is met.")
    assert "(no profile recorded in this run" in text[where:]  # the HTTP one is missing
    assert text.index("[Second round](notes/2026-02-01-second.md)") < text.index("[First round](notes/2026-01-01-first.md)")
