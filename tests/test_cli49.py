"""Session 49: the commands' outputs on other disks and behind links, the trainer's --resume
file, and odd arguments as a user gives them."""

from __future__ import annotations

import shutil
from collections import namedtuple
from pathlib import Path

import pytest
from _napari_helpers import write_painted_cube

from xrf_napari import fileutil
from xrf_napari.cli.main import main

h5py = pytest.importorskip("h5py")

_Usage = namedtuple("usage", "total used free")


@pytest.fixture(scope="module")
def painted(tmp_path_factory):
    return write_painted_cube(tmp_path_factory.mktemp("cli49") / "painted.h5")


def test_embed_asks_each_disk_only_for_the_outputs_it_receives(tmp_path, monkeypatch, capsys):
    """latent.h5 a link onto a roomy disk, the other outputs beside it on a disk with room for
    them but not for the latent too: each disk was asked for all five outputs' estimate (487,552
    bytes for the sample at K = 4), and the run was refused ("not enough free space in out for
    the outputs (latent.h5, ...)")."""
    from xrf_napari._sample_data import sample_path

    small, big = tmp_path / "out", tmp_path / "big"
    small.mkdir()
    big.mkdir()
    (small / "latent.h5").symlink_to(big / "latent.h5")
    room = 400_000  # above the 340,096 bytes of the outputs but latent.h5 (output_shares)

    def on(p) -> str:
        return "big" if Path(p).resolve().is_relative_to(big.resolve()) else "small"

    free = {"big": 2**40, "small": fileutil.FREE_SPACE_MARGIN + room}
    monkeypatch.setattr(shutil, "disk_usage", lambda p: _Usage(2**40, 0, free[on(p)]))
    monkeypatch.setattr(fileutil, "disk_id", on, raising=False)
    scan = str(sample_path("painting"))
    argv = ["embed", scan, "-o", str(small), "-k", "4", "--no-progress", "--device", "cpu"]
    assert main(argv) == 0, capsys.readouterr().err
    assert (big / "latent.h5").is_file() and (small / "labels.h5").is_file()
    free["small"] = fileutil.FREE_SPACE_MARGIN + room // 2  # what it receives does not fit
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"not enough free space in {small} for the outputs (latent.png, labels.h5" in err


@pytest.mark.parametrize("under", ["loop/x.png", "loop/a/x.png"], ids=["parent", "grandparent"])
def test_an_output_below_a_link_loop_names_the_loop(painted, tmp_path, monkeypatch, capsys, under):
    """An output whose folder is a symbolic link leading back to itself was refused as "loop is
    not a folder", which the user sees listed (ls) as a name like any folder."""
    monkeypatch.chdir(tmp_path)
    Path("loop").symlink_to("loop")
    assert main(["recolour", str(painted), "-o", under, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"cannot write {under}: loop is a loop of symbolic links" in err, err


def test_pick_device_refuses_an_empty_name():
    """pick_device("") ran on auto's choice without a word, where the commands refuse
    `--device ""` ("is empty (an unset variable?)"); None is still auto's."""
    pytest.importorskip("torch")
    from xrf_napari.device import pick_device

    with pytest.raises(ValueError, match=r"device '' is empty \(an unset variable\?\): use auto"):
        pick_device("")
    assert pick_device(None) == pick_device("auto")
