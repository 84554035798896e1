"""Session 56, command lines (cli2_56): one value typed two ways under two spellings of one
option, a new --out folder named with a trailing separator, and a config number too large for
a float, each refused or said as the user typed it."""

from __future__ import annotations

import os

import pytest
from test_cli55 import _refusal

from xrf_napari.cli import CommandParser
from xrf_napari.cli import main as cli_main


def test_one_value_typed_two_ways_under_two_spellings_is_taken():
    """`pigments s.h5 -k 3 --clusters 03` was refused as "-k 3 and --clusters 03: the same option
    (--clusters), given two different values": the values were compared as typed, not as the
    option reads them (3 both). Fails on the parent: SystemExit 2."""
    p = CommandParser(prog="t")
    p.add_argument("-n", "--num", type=int)
    p.add_argument("-x", "--scale", type=float)
    args = p.parse_args(["-n", "3", "--num", "03", "-x", "0.5", "--scale=.50"])
    assert (args.num, args.scale) == (3, 0.5)


def test_different_values_read_under_two_spellings_are_still_refused(capsys):
    """A guard: values the option reads differently (3 and 4) are refused, naming both."""
    err = _refusal(
        cli_main.main, ["pigments", "s.h5", "-o", "out", "-k", "03", "--clusters", "4"], capsys
    )
    assert err.endswith(
        "error: -k 03 and --clusters 4: the same option (--clusters), given two different "
        "values; give one"
    ), err


def test_a_new_folder_named_with_a_trailing_separator_is_taken(tmp_path):
    """`generate --out set.h5/` was refused as "names a file (.h5)", although the separator
    asks for a folder; `--out set.h5` still is. Fails on the parent: ValueError."""
    from xrf_napari.fileutil import check_not_a_file_name

    assert check_not_a_file_name(f"{tmp_path / 'set.h5'}{os.sep}", "generate") is None
    with pytest.raises(ValueError, match=r"names a file \(\.h5\)"):
        check_not_a_file_name(str(tmp_path / "set.h5"), "generate")


@pytest.mark.parametrize(
    "text, said",
    [
        ('{"lr": 1e400}', "lr: 1e400 is out of range: it must be above 0"),
        ('{"steps": -1E999}', "steps must be a whole number, not -1E999 (too large for a number"),
    ],
)
def test_a_config_number_too_large_for_a_float_is_said_as_written(text, said, tmp_path):
    """A config file's "lr": 1e400 was refused as "lr: inf is out of range", a value the file
    does not hold (json reads it as inf): said as written now. Fails on the parent: "inf"."""
    from xrf_napari.models.dve import DEFAULT_CONFIG
    from xrf_napari.training.common import check_config, read_config
    from xrf_napari.training.train_embedder import DEFAULT_TRAIN_CONFIG, config_ranges

    path = tmp_path / "c.json"
    path.write_text(text, encoding="utf-8")
    defaults = {k: v for k, v in DEFAULT_TRAIN_CONFIG.items() if k != "model"}
    with pytest.raises(ValueError) as exc:
        check_config(read_config(path), defaults, DEFAULT_CONFIG, path, (), config_ranges())
    assert str(exc.value).startswith(f"--config {path}: {said}"), exc.value
