"""Review of session 55's changes outside analysis/ and widgets/ (helper revX1)."""

from __future__ import annotations


def test_the_programs_in_benchmarks_subfolders_read_options_as_the_commands_do():
    """5db29e40/591b224c made every scripts/*.py and benchmarks/*.py build the commands'
    CommandParser (options given in full), and docs/changes.md says so of "the scripts/ and
    benchmarks/ programs"; benchmarks/weights/paper_style/bayes_ari.py and
    paper_style_lines/tiling.py still built argparse's own, so `bayes_ari.py --dat DIR` ran as
    --data and `--he` printed the help. Fails on the parent: those two files."""
    from _bench_scripts import BENCH, CHECKOUT

    files = sorted((CHECKOUT / "scripts").rglob("*.py")) + sorted(BENCH.rglob("*.py"))
    plain = [
        str(p.relative_to(p.parents[2]))
        for p in files
        if "argparse.ArgumentParser(" in p.read_text(encoding="utf-8")
    ]
    assert plain == []
