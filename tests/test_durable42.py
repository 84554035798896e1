"""Durability and consistency of outputs (session 42): fsync before rename, evaluate's set of
outputs, per-leg runtime records, the CLI's final flush, integer tensors in weights, the
paper-style spectra cache."""

import os
import stat
from pathlib import Path

import pytest

from xrf_napari import fileutil


def _record_fsync_and_replace(monkeypatch):
    """Record os.fsync (what the descriptor is: inode, folder or not) and os.replace in order."""
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        st = os.fstat(fd)
        events.append(("fsync", st.st_ino, stat.S_ISDIR(st.st_mode)))
        return real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", os.stat(src).st_ino, Path(dst)))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    return events


def test_atomic_path_fsyncs_the_temporary_before_the_rename(tmp_path, monkeypatch):
    events = _record_fsync_and_replace(monkeypatch)
    target = tmp_path / "out.txt"
    with fileutil.atomic_path(target) as tmp:
        tmp.write_text("result", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "result"
    renames = [i for i, e in enumerate(events) if e[0] == "replace" and e[2] == target]
    assert len(renames) == 1
    ino = events[renames[0]][1]
    before = [e for e in events[: renames[0]] if e[0] == "fsync" and e[1] == ino]
    assert before, f"the temporary was not fsynced before its rename: {events}"
    if os.name == "posix":  # the folder's entry after the rename (best effort)
        assert any(e[0] == "fsync" and e[2] for e in events[renames[0] :]), events


def test_atomic_set_fsyncs_each_temporary_before_the_renames(tmp_path, monkeypatch):
    events = _record_fsync_and_replace(monkeypatch)
    with fileutil.atomic_set():
        for name in ("a.json", "b.md"):
            with fileutil.atomic_path(tmp_path / name) as tmp:
                tmp.write_text(name, encoding="utf-8")
    first = min(i for i, e in enumerate(events) if e[0] == "replace")
    synced = {e[1] for e in events[:first] if e[0] == "fsync" and not e[2]}
    renamed = {e[1] for e in events if e[0] == "replace"}
    assert len(renamed) == 2 and renamed <= synced, events
    if os.name == "posix":
        last = max(i for i, e in enumerate(events) if e[0] == "replace")
        assert any(e[0] == "fsync" and e[2] for e in events[last:]), events


def test_fsync_error_of_a_real_disk_fault_names_the_file(tmp_path, monkeypatch):
    import errno

    def fsync(fd):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", fsync)
    target = tmp_path / "out.txt"
    with pytest.raises(OSError, match="cannot write .*out.txt: Input/output error"):
        with fileutil.atomic_path(target) as tmp:
            tmp.write_text("x", encoding="utf-8")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []  # the temporary is removed


def test_file_system_without_fsync_still_writes(tmp_path, monkeypatch):
    import errno

    def fsync(fd):
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(os, "fsync", fsync)
    target = tmp_path / "out.txt"
    with fileutil.atomic_path(target) as tmp:
        tmp.write_text("x", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "x"
