"""Outputs that are symbolic links, where embed's free-space check and save_checkpoint's
leftover removal look (session 48 review of 5bcbb9d): at the file the link leads to, where
atomic_path writes, not at the link's folder."""

import shutil
from collections import namedtuple
from pathlib import Path

import pytest

from xrf_napari import fileutil

#: Above any pid Linux gives (pid_max is at most 2**22): a writer that is gone.
GONE_PID = 2**22 + 1

_Usage = namedtuple("usage", "total used free")


def test_embed_refuses_an_output_linked_onto_a_full_disk(tmp_path, monkeypatch):
    """latent.h5 a link into `full` (its disk faked full), the other outputs beside it on a
    roomy disk: the check asked only the link's folder and let the run go on to meet the full
    disk."""
    from xrf_napari.cli.embed_cmd import check_output_room, output_paths

    full, out = tmp_path / "full", tmp_path / "out"
    full.mkdir()
    out.mkdir()
    paths = output_paths(out)
    paths["latent.h5"].symlink_to(full / "latent.h5")

    def free(p):
        return 1000 if Path(p).resolve() == full.resolve() else 2**40

    monkeypatch.setattr(shutil, "disk_usage", lambda p: _Usage(2**40, 0, free(p)))
    with pytest.raises(fileutil.NoRoomError, match=f"not enough free space in {full}"):
        check_output_room(paths, dict.fromkeys(paths, 10_000))
    plain = output_paths(tmp_path / "plain")
    check_output_room(plain, dict.fromkeys(plain, 10_000))  # a roomy disk passes


def test_save_checkpoint_removes_a_dead_writers_leftover_beside_the_linked_file(tmp_path):
    """checkpoint.pt a link into `real`: a killed save wrote its temporary there (atomic_path
    writes through the link); the next save looked beside the link and left it behind."""
    pytest.importorskip("torch")
    from xrf_napari.training.common import load_checkpoint, save_checkpoint

    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "run" / "checkpoint.pt"
    link.parent.mkdir()
    link.symlink_to(real / "ck.pt")
    left = real / (fileutil.temp_prefix("ck.pt", pid=GONE_PID) + "x1.pt")
    left.write_bytes(b"half")
    save_checkpoint(link, model={}, optimizer={}, step=3)
    assert not left.exists()
    assert link.is_symlink() and load_checkpoint(real / "ck.pt")["step"] == 3
    assert sorted(p.name for p in real.iterdir()) == ["ck.pt"]
