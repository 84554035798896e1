"""Session 63, helper smallA63: small reader fixes."""

import numpy as np
import pytest

from xrf_napari.io import CubeReadError, read_cube


def test_an_npy_with_a_damaged_header_length_is_not_called_truncated(tmp_path):
    """An .npy whose header-length field read 0xffff but whose header and data are all there
    was refused 'the file is truncated ... within its .npy header of 65545 bytes'."""
    whole = tmp_path / "whole.npy"
    np.save(whole, np.zeros((4, 5, 300), np.uint16))
    data = whole.read_bytes()
    path = tmp_path / "scan.npy"
    path.write_bytes(data[:8] + b"\xff\xff" + data[10:])
    with pytest.raises(CubeReadError, match="scan.npy: its .npy header's length field") as e:
        read_cube(path)
    said = str(e.value)
    header_end = data.index(b"\n") + 1
    assert "truncated" not in said
    assert f"declares a header of {10 + 0xFFFF:,} bytes" in said
    assert f"a whole header ends at byte {header_end}" in said


def test_an_npy_cut_within_its_header_is_still_truncated(tmp_path):
    """A guard: a cut one byte short of the header's newline is still truncated."""
    whole = tmp_path / "whole.npy"
    np.save(whole, np.zeros((4, 5, 300), np.uint16))
    data = whole.read_bytes()
    path = tmp_path / "scan.npy"
    path.write_bytes(data[: data.index(b"\n")])
    with pytest.raises(CubeReadError, match="the file is truncated"):
        read_cube(path)


def test_a_time_budget_refused_says_seconds(tmp_path, capsys):
    """`xrf-napari-train recolouriser --time-budget 0` was told "it must be above 0", of what
    only --help said; a config file's "time_budget" is checked by the same type."""
    import argparse

    from xrf_napari.cli.train import main
    from xrf_napari.training.train_recolouriser import config_ranges

    argv = ["recolouriser", "--data", str(tmp_path / "absent"), "--out", str(tmp_path / "o")]
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--time-budget", "0"])
    err = capsys.readouterr().err.strip()
    assert exc.value.code == 2
    assert err.endswith("--time-budget: 0 is out of range: it must be above 0 s"), err
    with pytest.raises(
        argparse.ArgumentTypeError, match="-5 is out of range: it must be above 0 s$"
    ):
        config_ranges()["time_budget"]("-5")
