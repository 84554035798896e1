"""Session 58 review of the readers' changes: a read error the storage keeps giving (a local
disk's bad sector: EIO at every try) no longer raises at every step of the channel slider, and
an HDF5 scan of thousands of virtual source files opens and reads without a quadratic stamp or a
stat of every source per chunk."""

from __future__ import annotations

import errno

import numpy as np
import pytest
from test_readers57 import CUBE
from test_readers58 import _Flaky

from xrf_napari.errors import CubeReadError
from xrf_napari.io import read_cube, read_failed


def test_a_chunk_the_storage_never_answers_is_taken_as_failed_after_a_few_steps(
    tmp_path, monkeypatch
):
    """088f95f5 raised every EIO as "step the slider to read it again": a bad sector answers EIO
    at every read, so every step raised an error notification, forever (20 steps, 20 here). The
    same chunk failing PASSING_TRIES times in a row is now told once as a failed read, zeros
    shown; a timeout that passes is still read at the next step."""
    from xrf_napari import _reader

    told = []
    monkeypatch.setattr(_reader, "_notify", lambda msg, level="error": told.append(msg))
    path = tmp_path / "scan.npy"
    np.save(path, CUBE)
    cube = read_cube(path, auto_calibrate=False)
    key = (slice(0, 16), slice(0, 16), slice(0, 32))
    eio = OSError(errno.EIO, "Input/output error")
    tries = getattr(_reader, "PASSING_TRIES", 3)

    passing = _reader._Uncopied(_Flaky(cube.data, eio, fails=tries - 1), cube)
    for _ in range(tries - 1):
        with pytest.raises(CubeReadError):
            passing[key]
    assert np.array_equal(np.asarray(passing[key]), CUBE[key]) and not read_failed(cube)

    face = _reader._Uncopied(_Flaky(cube.data, eio, fails=10**6), cube)
    raised = 0
    for _ in range(20):  # twenty steps of the slider over the same chunk
        try:
            block = np.asarray(face[key])
        except CubeReadError:
            raised += 1
    assert raised == tries - 1, raised
    assert not block.any() and read_failed(cube)
    assert len(told) == 1 and f"failed {tries} times in a row" in told[0], told
    assert told[0].startswith(str(path)), told
    other = (slice(16, 32), slice(0, 16), slice(0, 32))  # the scan told failed: no more raises
    assert not np.asarray(face[other]).any() and len(told) == 1


def test_a_stamp_of_many_files_is_made_and_looked_at_in_linear_time(tmp_path, monkeypatch):
    """fc7b8bf4 stamped an HDF5 scan's virtual sources with a quadratic check of doubles (2,000
    sources: 71 s to open the scan), and FileStamp.changed stat'ed every source at each slider
    chunk and block (47 ms each here). The stamp is made in linear time, and one look stats at
    most LOOKED_PER_CALL of them besides the file opened; a source replaced is still told."""
    import pathlib

    from xrf_napari.io import mapped

    n = 300
    files = []
    for i in range(n):
        p = tmp_path / f"row{i:04d}.h5"
        p.write_bytes(b"x")
        files.append(p)
    made = []

    def counted(*args):
        made.append(args)
        return pathlib.Path(*args)

    monkeypatch.setattr(mapped, "Path", counted)
    stamp = mapped.FileStamp.of(files[0], None, *files[1:], files[5])
    assert len(made) < 10 * n, len(made)  # the quadratic check made n * n / 2 of them
    monkeypatch.undo()
    assert len(stamp._files) == n

    looked = []
    real = mapped._identity
    monkeypatch.setattr(mapped, "_identity", lambda st: looked.append(st) or real(st))
    assert stamp.changed() is None
    assert len(looked) == 1 + mapped.LOOKED_PER_CALL, len(looked)  # had been n
    files[-1].write_bytes(b"new bytes")  # the last source written over
    said = [stamp.changed() for _ in range(-(-n // mapped.LOOKED_PER_CALL) + 1)]
    news = [s for s in said if s]
    assert len(news) == 1 and news[0].startswith(str(files[-1])), said
