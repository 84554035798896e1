"""Shared test helpers for the reader and writer tests: file fingerprints to prove inputs stay
unchanged, an fsync that fails as a disk or file system does, the first looks of io.isolate
counted."""

import hashlib
import os
from pathlib import Path


def fingerprint(path) -> tuple:
    """(mtime_ns, sha256) of a file, or of every file under a directory."""
    path = Path(path)
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    h = hashlib.sha256()
    mtimes = []
    for f in files:
        h.update(f.read_bytes())
        mtimes.append(f.stat().st_mtime_ns)
    return tuple(mtimes), h.hexdigest()


def optional_filter_h5(path, cube, chunk_rows: int, needed_at: int | None = None, code=32004):
    """An HDF5 file whose dataset "data" (`cube`, uint16) has an optional filter in its pipeline
    (LZ4, 32004, by default), written where that filter is missing: every chunk skips it (its
    filter mask says so). `needed_at`: the first row of a chunk then stored as the filter would
    leave it (mask 0, bytes only the filter decodes), as a writer does whose filter failed on
    some chunks only."""
    import h5py
    import numpy as np

    with h5py.File(path, "w") as f:
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_chunk((chunk_rows, *cube.shape[1:]))
        dcpl.set_filter(code, h5py.h5z.FLAG_OPTIONAL, ())
        space = h5py.h5s.create_simple(cube.shape)
        did = h5py.h5d.create(f.id, b"data", h5py.h5t.NATIVE_UINT16, space, dcpl)
        did.write(h5py.h5s.ALL, h5py.h5s.ALL, np.ascontiguousarray(cube, np.uint16))
        if needed_at is not None:
            f["data"].id.write_direct_chunk((needed_at, 0, 0), b"\x00" * 100, filter_mask=0)
    return path


def fsync_fails(monkeypatch, code: int, message: str):
    """os.fsync raises OSError(code, message) on every descriptor (EIO: a disk fault; EINVAL: a
    file system without fsync; EACCES: a refused flush): OSError picks the subclass, e.g.
    PermissionError for EACCES."""

    def fsync(fd):
        raise OSError(code, message)

    monkeypatch.setattr(os, "fsync", fsync)


def child_looks(monkeypatch, after=None) -> list:
    """Forgets the files looked at in this process, then records the name of every function
    io.isolate.call_in_child runs, as it is asked (the list returned). `after(calls)` runs once
    each has returned: a file replaced while its look ran."""
    from xrf_napari.io import hdf5_looked, isolate

    hdf5_looked.LOOKED.clear()
    calls = []
    real = isolate.call_in_child

    def counted(func, *args, **kwargs):
        calls.append(func.__name__)
        got = real(func, *args, **kwargs)
        if after is not None:
            after(calls)
        return got

    monkeypatch.setattr(isolate, "call_in_child", counted)
    return calls


def h5_read_raising(monkeypatch, path, exc: BaseException) -> None:
    """A small HDF5 cube written at `path` whose io.hdf5._read_open raises `exc` (an error made
    to look like h5py's: an errno, HDF5's driver report) from a frame in h5py's folder, as h5py's
    are: io.hdf5._structure_damaged words only those."""
    import h5py
    import numpy as np

    from xrf_napari.io import hdf5

    with h5py.File(path, "w") as f:
        f["counts"] = np.ones((4, 5, 64), "u2")
    where = {"EXC": exc}
    raiser = "def raising(*args, **kwargs):\n    raise EXC\n"
    exec(compile(raiser, h5py.__file__.replace("__init__.py", "_raising.py"), "exec"), where)
    monkeypatch.setattr(hdf5, "_read_open", where["raising"])
