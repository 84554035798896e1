"""Session 56 review of the command lines (revC56): what the commits of the session left, each
refused or said in words where it went on unsaid or with a traceback."""

from __future__ import annotations

import argparse

import pytest
from test_cli55 import _refusal

from xrf_napari.cli import CommandParser
from xrf_napari.cli import main as cli_main
from xrf_napari.cli import train as cli_train


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


@pytest.mark.parametrize(
    "script, argv, option, kind",
    [
        ("ari_ceilings", ["--data", "{missing}"], "--data", "folder"),
        ("ari_pooling", ["{missing}"], "data", "folder"),
        ("colour_ceiling", ["--train", "{missing}", "--test", "{here}"], "--train", "folder"),
        ("pigment_usage", ["{missing}"], "train_dir", "folder"),
        ("pigment_usage", ["--draw", "{missing}"], "--draw", "folder"),
        ("eval_suggestions", ["{missing}"], "cubes", "file"),
    ],
)
def test_scripts_refuse_a_missing_folder_or_file_in_one_line(
    script, argv, option, kind, tmp_path, capsys
):
    """scripts/ari_ceilings.py, ari_pooling.py, colour_ceiling.py, pigment_usage.py and
    eval_suggestions.py given a missing folder or file printed a traceback (ValueError "dataset
    folder ... does not exist", FileNotFoundError of its manifest.json, CubeReadError), after
    loading the embedder: refused at parsing (argtypes.existing), naming the option. Fails on the
    parent: no SystemExit 2."""
    from _bench_scripts import CHECKOUT, load_module

    mod = load_module(CHECKOUT / "scripts" / f"{script}.py", f"_revC56_{script}")
    missing = tmp_path / "nosuch"
    err = _refusal(mod.main, [a.format(missing=missing, here=tmp_path) for a in argv], capsys)
    assert err.endswith(f"error: argument {option}: {missing}: no such {kind}"), err


def test_existing_names_a_file_given_for_a_folder_and_takes_what_is_there(tmp_path):
    """A guard of argtypes.existing: the value as typed where it is there; a file given for a
    folder (or the other way) named so."""
    from xrf_napari.argtypes import existing

    (tmp_path / "a.h5").write_bytes(b"x")
    assert existing("folder")(str(tmp_path)) == str(tmp_path)
    assert existing("file")(str(tmp_path / "a.h5")) == str(tmp_path / "a.h5")
    with pytest.raises(argparse.ArgumentTypeError, match="is a file, not a folder"):
        existing("folder")(str(tmp_path / "a.h5"))
    with pytest.raises(argparse.ArgumentTypeError, match="is a folder, not a file"):
        existing("file")(str(tmp_path))


def test_an_empty_zarr_folder_is_said_in_words(tmp_path, capsys):
    """`xrf-napari info empty.zarr` (an empty folder) said "unreadable zarr store
    (GroupNotFoundError: No group found in store StorePath(LocalStore, 'file://...') at path
    '')", zarr's words; a folder holding something else but no zarr metadata alike. Fails on the
    parent: zarr's words."""
    from xrf_napari.io import CubeReadError, read_cube

    empty = tmp_path / "empty.zarr"
    empty.mkdir()
    assert cli_main.main(["info", str(empty)]) == 2
    err = capsys.readouterr().err
    assert f"error: {empty}: an empty folder, not a zarr store" in err, err
    assert "GroupNotFoundError" not in err and "StorePath" not in err, err
    (empty / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(CubeReadError, match="not a zarr store: its folder holds no zarr.json"):
        read_cube(empty)


@pytest.mark.parametrize("trainer", ["embedder", "recolouriser"])
def test_the_trainers_threads_are_bounded(trainer, capsys):
    """`xrf-napari-train embedder --threads 100000` went to torch.set_num_threads (an OpenMP
    pool of that many threads), and above 2**31 - 1 failed "Overflow when unpacking long",
    naming no option: refused at parsing. Fails on the parent: no SystemExit at parsing."""
    argv = [trainer, "--data", "d", "--out", "o", "--threads", str(2**31)]
    err = _refusal(cli_train.main, argv, capsys)
    assert err.endswith(
        f"argument --threads: {2**31} is out of range: a number of threads must be between 1 "
        "and 1024"
    ), err
