"""Session 61, the commands' end when a read of the scan runs out of memory."""

from __future__ import annotations

import numpy as np

_NUMPY_SAYS = (
    "Unable to allocate 1.50 GiB for an array with shape (40, 30, 512) and data type uint16"
)


class _NoRoom:
    """A scan's data whose every read runs out of memory, as numpy says it."""

    def __init__(self, data):
        self.shape, self.dtype, self.ndim = data.shape, data.dtype, data.ndim

    def __getitem__(self, key):
        raise MemoryError(_NUMPY_SAYS)


def test_a_pass_out_of_memory_is_exit_1_naming_the_file_and_the_outputs(
    tmp_path, monkeypatch, capsys
):
    """Since ac64a343 a read that ran out of memory is a CubeReadError naming the file and the
    size; a command's pass over the scan then ended "error: <file>: reading rows ... needs ...",
    exit 2 (bad input), no word on the outputs, where it had been "out of memory ...; no output
    was left half-written", exit 1. Both now: the file, the size, exit 1 and the outputs."""
    import xrf_napari.io as xio
    from xrf_napari.cli.main import main

    read = xio.read_cube

    def starved(*args, **kwargs):
        cube = read(*args, **kwargs)
        cube.data = _NoRoom(cube.data)
        return cube

    monkeypatch.setattr(xio, "read_cube", starved)
    scan, out = tmp_path / "scan.npy", tmp_path / "maps"
    np.save(scan, np.random.default_rng(0).poisson(5, (6, 5, 64)).astype(np.uint16))
    code = main(["quicklook", str(scan), "--output", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert f"quicklook: error: out of memory: {scan}: reading rows 0-5 needs 1.50 GiB" in err, err
    assert "(an array of (40, 30, 512))" in err and "close other scans or programs" in err, err
    assert err.rstrip().endswith(
        "; no output was left half-written (each file is written whole or not at all)"
    ), err
    assert not out.exists()


def test_a_read_out_of_memory_is_still_a_cube_read_error():
    """The napari reader and the docks catch CubeReadError: a read out of memory still is one,
    its message unchanged, and it still crosses a process boundary (pickled) as itself."""
    import pickle

    from xrf_napari.errors import CubeReadError, out_of_memory

    exc = out_of_memory("scan.h5", MemoryError(_NUMPY_SAYS), key=(slice(8, 12),))
    assert isinstance(exc, CubeReadError) and not isinstance(exc, MemoryError)
    assert str(exc).startswith("scan.h5: reading rows 8-11 needs 1.50 GiB"), exc
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is type(exc) and str(back) == str(exc)


def test_a_pass_out_of_memory_does_not_mark_the_scan_failed(tmp_path):
    """Since ac64a343 a sum pass or a dock's survey that ran out of memory marked the scan
    read_failed (as a broken block does): every dock refused it, "reading the file failed",
    and a second pass was not told, though the message says to free memory and try again."""
    from xrf_napari._reader import _first_to_fail
    from xrf_napari.errors import out_of_memory
    from xrf_napari.io import read_cube, read_failed

    scan = tmp_path / "scan.npy"
    np.save(scan, np.ones((3, 2, 16), np.uint16))
    cube = read_cube(scan, auto_calibrate=False)
    exc = out_of_memory(scan, MemoryError(_NUMPY_SAYS), key=(slice(0, 3),))
    assert _first_to_fail(cube, exc) and _first_to_fail(cube, exc)  # told each time
    assert not read_failed(cube)
