"""Session 41, small fixes: export-set's free-space check as generate's (compressed .h5), and a
command whose standard output cannot be written saying so."""

import errno
import os
import sys

import numpy as np

from xrf_napari.cli.train import main as train_main


def _disk(monkeypatch, free):
    """shutil.disk_usage reporting `free` bytes (a function of nothing: the disk as it is now)."""
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(2**40, 0, free()))


def _set(out):
    argv = ["generate", "--out", str(out), "--n-cubes", "1", "--size", "32", "--workers", "1"]
    assert train_main([*argv, "--no-progress"]) == 0


def _export(data, out, fmt):
    argv = ["export-set", "--data", str(data), "--format", fmt, "--out", str(out)]
    return train_main([*argv, "--no-progress"])


# -- 1. export-set's free-space check: its .h5 counts as they compress ----------------------------
def test_export_set_asks_room_for_h5_cubes_as_they_compress(tmp_path, monkeypatch, capsys):
    """export-set --format h5 asked room for each cube's counts uncompressed (3-5 times the
    gzipped file) and refused disks with room for it, while generate measured the compression.
    It now uses generate's estimate (stored_counts_bytes, at export's gzip 1 without shuffle),
    which stays above the file written; a ripple export still asks for its .raw bytes whole."""
    import h5py

    from xrf_napari.fileutil import FREE_SPACE_MARGIN
    from xrf_napari.synth.dataset import stored_counts_bytes

    data = tmp_path / "set"
    _set(data)
    with h5py.File(data / "cube_00000.h5", "r") as f:
        counts = f["counts"][()]
    raw = counts.nbytes + 32 * 32 * 10  # counts (uint16), rgb, palette, labels
    _disk(monkeypatch, lambda: FREE_SPACE_MARGIN + raw * 2 // 3)
    out = tmp_path / "h5"
    assert _export(data, out, "h5") == 0, capsys.readouterr().err
    size = (out / "cube_00000.h5").stat().st_size
    assert size < stored_counts_bytes(counts, level=1, shuffle=False) < raw * 2 // 3
    # the estimate at export's settings, not generate's (gzip 4 with shuffle stays under it)
    assert stored_counts_bytes(counts) < stored_counts_bytes(counts, level=1, shuffle=False)

    # the .raw of a ripple export is not compressed: the same disk is refused, nothing written
    capsys.readouterr()
    assert _export(data, tmp_path / "rpl", "rpl") == 2
    assert "the export (rpl, 1 cube files)" in capsys.readouterr().err
    assert not (tmp_path / "rpl" / "cube_00000.raw").exists()

    # the measured check before the cube's write refuses a disk that cannot take it
    full = tmp_path / "full"
    _disk(
        monkeypatch,
        lambda: FREE_SPACE_MARGIN + (1000 if (full / "export.json").exists() else raw),
    )
    assert _export(data, full, "h5") == 2
    assert "cube_00000.h5 and its sidecar" in capsys.readouterr().err
    assert not (full / "cube_00000.h5").exists()


# -- 2. a standard output that cannot be written is named -----------------------------------------
class _FullStdout:
    """A standard output on a full disk (`> /dev/full`): every write fails with ENOSPC."""

    def write(self, text):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def flush(self):
        pass


def test_a_command_whose_standard_output_is_full_says_so(tmp_path, monkeypatch, capsys):
    """`xrf-napari info CUBE > /dev/full` exited 2 with "error: [Errno 28] No space left on
    device", which did not say what could not be written (the cube read? a file?). It now says
    the standard output, still exit 2; an OSError of a file keeps its own message."""
    from xrf_napari.cli.main import main
    from xrf_napari.energy import Calibration
    from xrf_napari.io.ripple import write

    cube = write(tmp_path / "c.rpl", np.ones((2, 2, 8), np.uint16), Calibration(0.0, 0.01, 0.0))
    full = _FullStdout()
    monkeypatch.setattr(sys, "stdout", full)
    assert main(["info", str(cube)]) == 2
    err = capsys.readouterr().err
    assert "xrf-napari info: error: cannot write to standard output: No space left on device" in err
    assert sys.stdout is full  # the command's own stdout given back
    assert main(["info", str(tmp_path / "gone.rpl")]) == 2  # not the standard output's fault
    assert "standard output" not in capsys.readouterr().err
