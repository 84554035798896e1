"""Session 56 review of the command lines (revC56): what the commits of the session left, each
refused or said in words where it went on unsaid or with a traceback."""

from __future__ import annotations

import pytest
from test_cli55 import _refusal

from xrf_napari.cli import CommandParser
from xrf_napari.cli import main as cli_main


@pytest.mark.parametrize(
    "typed, named",
    [
        (["-k", "2", "--clusters", "3"], "-k 2 and --clusters 3"),
        (["--clusters=3", "-k2"], "--clusters 3 and -k 2"),
    ],
)
def test_two_listed_spellings_of_one_option_with_different_values_are_refused(typed, named, capsys):
    """`pigments s.h5 -k 2 --clusters 3` ran with K = 3 (argparse keeps the last) without a word,
    where add_alias's spellings were refused so. Fails on the parent: no SystemExit."""
    err = _refusal(cli_main.main, ["pigments", "s.h5", "-o", "out", *typed], capsys)
    assert err.endswith(
        f"error: {named}: the same option (--clusters), given two different values; give one"
    ), err


def test_spellings_giving_one_value_each_or_none_are_not_refused():
    """A guard: the same value under both spellings, a flag's two spellings, and an appending
    option's values are each taken, as before."""
    p = CommandParser(prog="t")
    p.add_argument("-n", "--num", type=int)
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("-i", "--include", action="append")
    args = p.parse_args(["-n", "2", "--num", "2", "-v", "--verbose", "-i", "a", "--include", "b"])
    assert (args.num, args.verbose, args.include) == (2, True, ["a", "b"])
