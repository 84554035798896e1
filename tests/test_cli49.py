"""Session 49: the commands' outputs on other disks and behind links, the trainer's --resume
file, and odd arguments as a user gives them."""

from __future__ import annotations

import shutil
from collections import namedtuple
from pathlib import Path

import pytest
from _napari_helpers import write_painted_cube
from test_writer47 import _cube_layer

from xrf_napari import fileutil
from xrf_napari.cli.main import main

h5py = pytest.importorskip("h5py")

_Usage = namedtuple("usage", "total used free")


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


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


@pytest.mark.parametrize(("typed", "written"), [("x.h5.", "x.h5"), ("x.HDF5..", "x.HDF5")])
def test_the_writer_takes_a_suffix_followed_by_dots_as_that_suffix(tmp_path, typed, written):
    """A Save dialog's "x.h5." was written as "x.h5.h5" (the dot dropped, then ".h5" added to
    a name that had it)."""
    from xrf_napari._writer import write_cube_layer

    assert write_cube_layer(str(tmp_path / typed), *_cube_layer()) == [str(tmp_path / written)]
    assert [p.name for p in tmp_path.iterdir()] == [written]


@pytest.mark.parametrize("typed", ["...", ".h5", "."])
def test_the_writer_refuses_a_name_of_dots_or_the_suffix_alone(tmp_path, typed):
    """A name "..." was written as "....h5", ".h5" as the hidden ".h5.h5", and "folder/." as
    "folder.h5" beside the folder: none names a file."""
    from xrf_napari._writer import CubeSaveError, write_cube_layer

    with pytest.raises(CubeSaveError, match=f"'{typed}' has no file name before the suffix"):
        write_cube_layer(str(tmp_path / "d") + "/" + typed, *_cube_layer())
    assert not list(tmp_path.iterdir())


def test_a_script_save_of_a_suffix_followed_by_a_dot_is_that_file(make_napari_viewer, tmp_path):
    """napari.save_layers("scan.h5.") (npe2 adds ".h5": "scan.h5..h5") wrote "scan.h5.h5"."""
    import napari
    from napari.layers import Image

    make_napari_viewer()  # registers the plugin's writer
    data, meta = _cube_layer()
    layer = Image(data, name="scan", metadata=meta["metadata"])
    saved = napari.save_layers(str(tmp_path / "scan.h5."), [layer], plugin="xrf-napari")
    assert saved == [str(tmp_path / "scan.h5")]


@pytest.mark.parametrize("prog", ["xrf-napari", "xrf-napari-train"])
def test_version_is_said(prog, capsys):
    """`xrf-napari --version` said "the following arguments are required: COMMAND" (exit 2),
    as if the option were taken and only the command missing."""
    from xrf_napari import __version__
    from xrf_napari.cli import train

    with pytest.raises(SystemExit) as exc:
        (main if prog == "xrf-napari" else train.main)(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == f"{prog} {__version__}\n"


@pytest.mark.parametrize("command", ["info", "quicklook", "embed", "recolour", "pigments"])
def test_an_empty_dataset_is_refused(painted, tmp_path, command, capsys):
    """`--dataset "$DS"` with DS unset read the dataset discovery found without a word (info
    printed the scan, embed wrote its regions), where an empty --device or --output is refused
    as an unset variable."""
    name = {"info": None, "recolour": "out.png"}.get(command, "out")
    out = ["-o", str(tmp_path / name)] if name else []
    with pytest.raises(SystemExit) as exc:
        main([command, str(painted), "--dataset", "", *out, "--no-progress"])
    assert exc.value.code == 2
    assert "argument --dataset: is empty (an unset variable?)" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("under", ["gone/x.png", "gone/a/x.png"], ids=["parent", "grandparent"])
def test_an_output_below_a_dangling_link_names_the_link(
    painted, tmp_path, monkeypatch, capsys, under
):
    """An output whose folder is a symbolic link to a folder that does not exist was refused as
    "gone is not a folder", though `ls` shows it as one and the fix is to make its folder."""
    monkeypatch.chdir(tmp_path)
    Path("gone").symlink_to(tmp_path / "nowhere")
    assert main(["recolour", str(painted), "-o", under, "--no-progress"]) == 2
    err = capsys.readouterr().err
    said = (
        f"cannot write {under}: gone is a symbolic link to {tmp_path / 'nowhere'}, which does not"
    )
    assert said in err, err


@pytest.mark.parametrize("command", ["quicklook", "embed", "pigments"])
def test_an_output_of_a_dash_is_refused(painted, tmp_path, monkeypatch, command, capsys):
    """`-o -` (standard output, as many tools read it) made a folder named "-" (quicklook,
    pigments) or embed's files "-latent.h5", ... in the working folder, which a shell then reads
    as options; ./- still names such a folder."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main([command, str(painted), "-o", "-", "--no-progress"])
    assert exc.value.code == 2
    assert "argument --output: '-' (standard output) cannot take" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
