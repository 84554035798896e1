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
