"""Session 57, revX1: review of the session's io, cli, training and scripts/ commits."""

import argparse

import pytest


def test_read_config_names_a_file_holding_only_a_non_finite_constant(tmp_path):
    """1a468959: a config file holding only NaN said "--config c.json:  is NaN: ..." (no key,
    two spaces); it is no object of settings, and says so."""
    from xrf_napari.training.common import read_config

    for text in ("NaN", "-Infinity"):
        path = tmp_path / "c.json"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ValueError) as err:
            read_config(path)
        said = str(err.value)
        assert said == f"--config {path}: must be a JSON object of settings, not {text}", said
    path.write_text('{"model": {"hidden": [1, NaN]}}', encoding="utf-8")  # a key: named
    with pytest.raises(ValueError, match=r"c\.json: model\.hidden\[1\] is NaN: "):
        read_config(path)


def test_argtypes_refuse_an_empty_path_as_the_commands_do():
    """42dd73e0 / 827c273b: `--json "$OUT"` with OUT unset said "cannot write .: it exists and is
    not a regular file", and an empty folder or file ": no such folder"; the commands say "is
    empty (an unset variable?)" (cli._dispatch), and so do the scripts' argtypes now."""
    from xrf_napari.argtypes import cube_set, existing, output_file

    for parse, what in (
        (output_file, "the output"),
        (existing("folder"), "the folder"),
        (existing("file or folder"), "the file or folder"),
        (cube_set, "the folder"),
    ):
        with pytest.raises(argparse.ArgumentTypeError) as err:
            parse("")
        assert str(err.value) == f"is empty (an unset variable?); name {what}", str(err.value)
