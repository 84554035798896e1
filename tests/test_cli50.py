"""Session 50: the commands as a conservator or a script writer types them."""

from __future__ import annotations

import pytest
from _napari_helpers import write_painted_cube

from xrf_napari.cli.main import main
from xrf_napari.cli.train import main as train_main

h5py = pytest.importorskip("h5py")


@pytest.fixture(scope="module")
def painted(tmp_path_factory):
    return str(write_painted_cube(tmp_path_factory.mktemp("cli50") / "painted.h5"))


@pytest.mark.parametrize(
    ("entry", "argv"),
    [(main, ["--foo"]), (main, ["--foo", "info"]), (train_main, ["--bar=1", "generate"])],
    ids=["alone", "before-info", "train"],
)
def test_an_unknown_option_before_the_command_is_named(capsys, entry, argv):
    """`xrf-napari --foo` said only "the following arguments are required: COMMAND" (--foo
    unnamed), and `--foo info` "unrecognized arguments: --foo", neither that a command's options
    follow the command."""
    with pytest.raises(SystemExit) as exc:
        entry(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    word = argv[0]
    assert f"unrecognized option '{word}' before the command: options follow it" in err, err
    assert "required: COMMAND" not in err


def test_a_double_dash_before_the_command_is_the_end_of_options(painted, capsys):
    """`xrf-napari -- info SCAN` (the end of options, as scripts write before arguments they
    do not control) gave the info parser the word "info" as its INPUT: "unrecognized arguments:
    SCAN"."""
    assert main(["--", "info", painted]) == 0
    assert "painted" in capsys.readouterr().out
