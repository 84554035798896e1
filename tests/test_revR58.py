"""Session 58 review of the readers' changes: an HDF5 scan of thousands of virtual source files
opens and reads without a quadratic stamp or a stat of every source per chunk."""

from __future__ import annotations


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
