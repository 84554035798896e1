"""Review of session 42's commits (review42a): fixes to what the review found."""

import errno
import os

import pytest
from _io_helpers import fsync_fails

from xrf_napari import fileutil


def _fsync_refused_on_read_only_handles(monkeypatch, refuse_read_write=False):
    """os.open and os.fsync as on an SMB share (cifs), a Windows host's folder mounted in a VM, or
    Windows itself: fsync of a descriptor opened read-only fails with EACCES. With
    `refuse_read_write`, reopening a file for writing is refused too (a temporary made
    read-only).
    Returns the list of (writable, is a folder) of each fsync that succeeded."""
    import stat

    real_open, real_fsync = os.open, os.fsync
    writable, synced = {}, []

    def open_(path, flags, *a, **k):
        rw = bool(flags & (os.O_WRONLY | os.O_RDWR))
        if rw and refuse_read_write and not flags & os.O_CREAT:  # mkstemp's own is allowed
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        fd = real_open(path, flags, *a, **k)
        writable[fd] = rw
        return fd

    def fsync(fd):
        if not writable.get(fd, True):
            raise PermissionError(errno.EACCES, "Permission denied")
        real_fsync(fd)
        synced.append((writable.get(fd), stat.S_ISDIR(os.fstat(fd).st_mode)))

    monkeypatch.setattr(os, "open", open_)
    monkeypatch.setattr(os, "fsync", fsync)
    return synced


def test_outputs_are_written_where_fsync_needs_a_writable_handle(tmp_path, monkeypatch):
    """fsync_file reopened the temporary read-only (outside Windows): on a cifs-mounted share,
    whose server refuses to flush a read-only handle (EACCES), every output failed with
    "cannot write OUT: Permission denied" after the whole compute. It is flushed through a
    handle open for writing, so the data does reach the disk before the rename."""
    synced = _fsync_refused_on_read_only_handles(monkeypatch)
    target = tmp_path / "out.txt"
    with fileutil.atomic_path(target) as tmp:
        tmp.write_text("result", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "result"
    assert (True, False) in synced  # the temporary, flushed through a writable handle
    with fileutil.atomic_set():  # the members of a set alike
        for name in ("a.json", "b.md"):
            with fileutil.atomic_path(tmp_path / name) as tmp:
                tmp.write_text(name, encoding="utf-8")
    assert (tmp_path / "a.json").read_text(encoding="utf-8") == "a.json"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.md", "out.txt"]


def test_a_temporary_that_cannot_be_opened_for_writing_is_still_written(tmp_path, monkeypatch):
    """A temporary this process may only read is flushed read-only; where that is refused
    (EACCES) the write goes on: its data was written, nothing better can be done."""
    synced = _fsync_refused_on_read_only_handles(monkeypatch, refuse_read_write=True)
    target = tmp_path / "out.txt"
    with fileutil.atomic_path(target) as tmp:
        with open(tmp, "w", encoding="utf-8") as fh:  # the writer's own handle (not os.open)
            fh.write("result")
    assert target.read_text(encoding="utf-8") == "result"
    assert not any(not is_dir for _, is_dir in synced)  # no file was flushed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_a_real_fsync_error_still_fails_the_write(tmp_path, monkeypatch):
    """The read-only handle's refusal is ignored only there: EIO (or EACCES on a handle open
    for writing) still fails the write, naming the file, and leaves no temporary."""
    fsync_fails(monkeypatch, errno.EACCES, "Permission denied")
    target = tmp_path / "out.txt"
    with pytest.raises(OSError, match="cannot write .*out.txt: Permission denied"):
        with fileutil.atomic_path(target) as tmp:
            tmp.write_text("x", encoding="utf-8")
    assert list(tmp_path.iterdir()) == []
