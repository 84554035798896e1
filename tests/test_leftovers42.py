"""Small faults found in session 42 (leftovers42): count words, report lines and labels the user
reads, a benchmark option the docs quote. Small synthetic inputs only."""

from __future__ import annotations

import pytest
from _bench_scripts import load_script


def test_bench_scale_help_shows_the_small_option_the_docs_quote(capsys):
    """docs/performance.md tells users to run `bench_scale.py --small --which c`, but --small was
    hidden from --help (argparse.SUPPRESS): it is listed there, with what it does."""
    bench = load_script("bench_scale")
    with pytest.raises(SystemExit) as done:
        bench.main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "--small" in out and "1/8" in out, out
