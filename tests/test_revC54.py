"""Session 54 review of the commands' options (393fa921 and after): a word after `--`, the end of
options, is an input whatever its first letter, and is refused as one."""

from __future__ import annotations

import pytest

from xrf_napari.cli import main as cli_main


def _last_error(argv, capsys) -> str:
    with pytest.raises(SystemExit) as exc:
        cli_main.main(argv)
    assert exc.value.code == 2
    return capsys.readouterr().err.splitlines()[-1]


@pytest.mark.parametrize(
    "argv, stray",
    [
        (["info", "a.h5", "--", "-b.h5"], "-b.h5"),
        (["info", "--", "-a.h5", "--b.h5"], "--b.h5"),
        (["embed", "s.h5", "-o", "out", "--", "-x.h5"], "-x.h5"),
    ],
)
def test_a_word_after_the_end_of_options_is_refused_as_a_second_input(argv, stray, capsys):
    """393fa921 refused a left-over word beginning with '-' as an option typed in part, even after
    `--`: `info a.h5 -- -b.h5` said "unrecognized option '-b.h5' (options are given in full ...)",
    and `embed s.h5 -o out -- -x.h5` named `--` itself as the option. Each is a second input, and
    is said so. Fails on the parent: "unrecognized option"."""
    err = _last_error(argv, capsys)
    command = argv[0]
    assert err == (
        f"xrf-napari {command}: error: unrecognized arguments: {stray} (a second input? "
        f"xrf-napari {command} reads one: run it once for each)"
    ), err


def test_an_unknown_option_before_the_end_of_options_is_still_named(capsys):
    """A guard: the same word before `--` is an option, refused naming those it may mean."""
    err = _last_error(["embed", "s.h5", "-o", "out", "-clusters", "3", "--", "x"], capsys)
    assert "unrecognized option '-clusters': did you mean --clusters/-k?" in err, err


@pytest.mark.parametrize(
    "option, value, said",
    [
        ("--size", "8", "8 is out of range: a side in pixels must be at least 16"),
        ("--swatch-fraction", "2", "2 is out of range: it must be at least 0 and at most 1"),
        ("--bare-ground", "nan", "nan is not a number: it must be at least 0 and at most 1"),
        ("--character", "-0.5", "-0.5 is out of range: it must be at least 0"),
    ],
)
def test_generate_refuses_a_value_out_of_range_as_it_parses(option, value, said, capsys):
    """generate refused --size 8, --swatch-fraction 2, --bare-ground nan and --character -0.5 in
    run(), in words of its own ("--size 8: must be at least 16 (pixels a side)"), where --workers
    0 and --n-cubes 0 are argparse's refusals; --seed 99999999999 was taken (the trainers' --seed
    stops at 2**32 - 1). Each is now refused by argparse, naming the option. Fails on the parent:
    each value parsed. (--seed's bound is run()'s since session 55, which knows --out: a set
    made with a larger seed before resumes with it; test_cli55.)"""
    from test_cliopts54 import _parser

    parser = _parser("xrf-napari-train", "generate")
    with pytest.raises(SystemExit):
        parser.parse_args(["--out", "o", "--n-cubes", "1", option, value])
    assert f"error: argument {option}: {said}" in capsys.readouterr().err
    args = ["--out", "o", "--n-cubes", "1", "--size", "16", "--seed", str(2**32 - 1)]
    args += ["--swatch-fraction", "1", "--bare-ground", "0", "--character", "0.3"]
    ns = parser.parse_args(args)  # a guard: the bounds themselves are taken
    assert (ns.size, ns.seed, ns.swatch_fraction, ns.character) == (16, 2**32 - 1, 1.0, 0.3)


@pytest.mark.parametrize("help_option", ["--help", "-h"])
def test_the_help_asked_for_beside_an_unknown_option_is_shown(help_option, capsys):
    """393fa921's check of unknown options ran before argparse, which shows the help at --help
    whatever else the line holds: `quicklook s.h5 --outp x --help` (checking the option's name)
    was refused, "unrecognized option '--outp' ... xrf-napari quicklook --help lists them".
    Fails on the parent: that refusal, exit 2."""
    with pytest.raises(SystemExit) as exc:
        cli_main.main(["quicklook", "s.h5", "--outp", "x", help_option])
    assert exc.value.code == 0
    assert "usage: xrf-napari quicklook" in capsys.readouterr().out
