"""Session 48: the CLIs' dashed words, quicklook's removal of an earlier run's maps, pigments'
--labels HDF5 file, and the cube writer's name ending in a dot, as a user meets them."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
from _napari_helpers import write_painted_cube

from xrf_napari import fileutil
from xrf_napari.cli.main import main

h5py = pytest.importorskip("h5py")


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


@pytest.fixture(scope="module")
def painted(tmp_path_factory):
    return write_painted_cube(tmp_path_factory.mktemp("cli48") / "painted.h5")


def test_a_script_save_of_a_name_ending_in_a_dot_is_that_name_h5(make_napari_viewer, tmp_path):
    """napari.save_layers("scan.", ...) wrote "scan..h5" (npe2 adds ".h5" to the name as given),
    where the Save dialog's "scan." is "scan.h5"; an existing scan.h5 is not replaced unasked."""
    import napari
    from napari.layers import Image

    from xrf_napari._writer import CubeSaveError
    from xrf_napari.cube import Cube
    from xrf_napari.energy import Calibration

    make_napari_viewer()  # registers the plugin's writer
    counts = np.ones((3, 4, 16), np.float32)
    cube = Cube(counts, Calibration(0.0, 0.1))
    layer = Image(np.moveaxis(counts, -1, 0), name="scan", metadata={"xrf_cube": cube})
    saved = napari.save_layers(str(tmp_path / "scan."), [layer], plugin="xrf-napari")
    assert saved == [str(tmp_path / "scan.h5")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scan.h5"]
    with pytest.raises(CubeSaveError, match="already exists and was given as 'scan.'"):
        napari.save_layers(str(tmp_path / "scan."), [layer], plugin="xrf-napari")


def test_a_dashed_name_with_a_space_given_to_an_option_is_taken(tmp_path, monkeypatch, capsys):
    """`-o "-my new"` where that file exists was refused ("begins with '-' and is read as an
    option") though argparse takes it as the option's value, as the user named it (one that did
    not exist yet was taken): it is read as the output."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-my new").mkdir()
    assert main(["quicklook", "nosuch.h5", "-o", "-my new", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "begins with '-'" not in err and "nosuch.h5" in err, err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (
            ["embed", "scan.h5", "-o", "-k3"],
            "argument --output/-o: expected one argument, and the next word '-k3' is the option "
            "--clusters; to give the file '-k3', write ./-k3 or --output=-k3",
        ),
        (
            ["embed", "scan.h5", "--anode", "-k3"],
            "argument --anode: expected one argument, and the next word '-k3' is the option "
            "--clusters; to give '-k3' to --anode, write --anode=-k3",
        ),
    ],
)
def test_an_option_where_a_value_was_due_is_named(argv, said, capsys):
    """`embed scan.h5 -o -k3` (the output forgotten, -k3 being --clusters 3) said "'-k3' begins
    with '-' and is read as an option; to give the file ...", not that it is the command's own
    -k: the option it is read as is named."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"xrf-napari {argv[0]}: error: {said}"


def _quicklook_twice(painted, out, monkeypatch, capsys, replace=None):
    """quicklook Fe,Cu then Ca into `out`, `replace` patched into the second run."""
    ql = ["quicklook", str(painted), "-o", str(out), "--no-progress", "--elements"]
    assert main([*ql, "Fe,Cu"]) == 0
    capsys.readouterr()
    if replace is not None:
        monkeypatch.setattr(*replace)
    code = main([*ql, "Ca"])
    return code, capsys.readouterr().err


def test_quicklook_finishes_when_an_earlier_map_vanishes_meanwhile(
    painted, tmp_path, monkeypatch, capsys
):
    """An earlier run's map removed between quicklook's listing and its removal (by the user, by
    another run) ended the finished run in "error: [Errno 2] No such file or directory", exit 2:
    it was no one's to remove."""
    from xrf_napari.cli import quicklook_cmd

    out = tmp_path / "look"
    listed = quicklook_cmd.earlier_outputs

    def vanishing(folder, *a, **k):
        found = listed(folder, *a, **k)
        found[0].unlink()
        return found

    code, err = _quicklook_twice(
        painted, out, monkeypatch, capsys, (quicklook_cmd, "earlier_outputs", vanishing)
    )
    assert code == 0, err
    assert "removed 1 file(s) of an earlier quicklook of painted: painted_Fe_Ka.png\n" in err
    assert "painted_Cu_Ka.png" not in err  # gone before its turn: no one's
    assert not (out / "painted_Fe_Ka.png").exists() and not (out / "painted_Cu_Ka.png").exists()


def test_quicklook_warns_of_an_earlier_map_it_cannot_remove(painted, tmp_path, monkeypatch, capsys):
    """An earlier run's map the system would not let go (a sticky folder of another user, an
    immutable file) ended the run, its maps written, in "error: [Errno 13] Permission denied",
    exit 2; it is a warning naming the file now."""
    out = tmp_path / "look"
    unlink = Path.unlink

    def refused(self, *a, **k):
        if self.name == "painted_Cu_Ka.png":
            raise PermissionError(13, "Permission denied", str(self))
        return unlink(self, *a, **k)

    said = (  # a warning, which cli._dispatch prints "xrf-napari quicklook: warning: ..."
        "could not remove 1 file(s) an earlier quicklook of painted left beside this "
        "run's: painted_Cu_Ka.png (Permission denied); remove them by hand"
    )
    with pytest.warns(UserWarning, match=re.escape(said)):
        code, err = _quicklook_twice(painted, out, monkeypatch, capsys, (Path, "unlink", refused))
    assert code == 0, err
    assert "removed 1 file(s)" in err and "painted_Fe_Ka.png" in err
    assert (out / "painted_Ca_Ka.png").exists()


def test_an_output_removed_while_checked_is_no_error(tmp_path, monkeypatch):
    """check_outputs asked f.exists() and then stat'ed it: a file removed in between raised
    FileNotFoundError (the command's "error: [Errno 2] No such file or directory") for an output
    that was simply not there."""
    gone = tmp_path / "gone.png"
    exists = Path.exists
    monkeypatch.setattr(Path, "exists", lambda self: self == gone or exists(self))
    fileutil.check_outputs(files=[gone])


def _labels_file(path: Path, how: str) -> Path:
    if how == "text":
        path.write_text("region numbers\n", encoding="utf-8")
        return path
    with h5py.File(path, "w") as f:
        if how == "group":
            f.create_group("labels")
        elif how == "string":
            f["labels"] = "abc"
        elif how == "soft link":
            f["labels"] = h5py.SoftLink("/nowhere")
        elif how == "wide":
            f.create_dataset("labels", shape=(4, 5000), dtype=np.uint8)
    return path


@pytest.mark.parametrize(
    ("how", "said"),
    [
        (
            "text",
            "not an HDF5 file: it does not start with the HDF5 signature (\\x89HDF); it is a text "
            "file",
        ),
        ("group", "'labels' is a group, not a dataset of region numbers"),
        ("string", "expected a 2-D integer label map, got object () ('labels')"),
        ("soft link", "labels is a link to /nowhere, which does not exist"),
    ],
)
def test_a_labels_hdf5_file_that_holds_no_label_map_is_said_in_words(tmp_path, how, said):
    """pigments --labels l.h5 opened it with a bare h5py.File: a file that is no HDF5 was
    "cannot read a label map: Unable to synchronously open file (file signature not found)",
    and a `labels` group, string or soft link leading nowhere ended in a TypeError,
    AttributeError or KeyError traceback. Each is one line naming the file and its fault."""
    from xrf_napari.cli.pigments_cmd import read_labels

    path = _labels_file(tmp_path / "l.h5", how)
    with pytest.raises(ValueError) as exc:
        read_labels(path, (4, 5))
    assert str(exc.value) == f"--labels {path}: {said}"


def test_a_labels_dataset_of_another_shape_is_refused_before_it_is_read(tmp_path, monkeypatch):
    """A `labels` dataset of another size than the scan was read whole before its shape was
    checked: a 100000 x 100000 one ended in "out of memory (Unable to allocate 37.3 GiB ...)".
    It is refused from its shape, unread."""
    from xrf_napari.cli.pigments_cmd import read_labels

    path = _labels_file(tmp_path / "l.h5", "wide")

    def no_read(self, key):
        raise AssertionError("read")

    monkeypatch.setattr(h5py.Dataset, "__getitem__", no_read)
    with pytest.raises(ValueError) as exc:
        read_labels(path, (4, 5))
    assert str(exc.value) == f"--labels {path}: shape (4, 5000) does not match the scan (4, 5)"


@pytest.fixture(scope="module")
def one_cube_set(tmp_path_factory):
    """A generated set of one 16 px cube."""
    from xrf_napari.cli.train import main as train_main

    out = tmp_path_factory.mktemp("set48") / "set"
    argv = ["generate", "--out", str(out), "--n-cubes", "1", "--size", "16", "--workers", "1"]
    assert train_main([*argv, "--seed", "3", "--no-progress"]) == 0
    return out


@pytest.mark.parametrize("how", ["truncated", "no cube"])
def test_export_set_names_a_damaged_cube_of_the_set(one_cube_set, tmp_path, how, capsys):
    """export-set over a set whose cube file was cut short said "error: Unable to synchronously
    open file (truncated file: eof = ...)", naming no file, and over one whose cube is another
    HDF5 file (no /counts) ended in a KeyError traceback; each is one line naming the file, as
    the scan reader and the trainers say it."""
    import shutil

    from xrf_napari.cli.train import main as train_main

    data = tmp_path / "set"
    shutil.copytree(one_cube_set, data)
    cube = data / "cube_00000.h5"
    if how == "truncated":
        cube.write_bytes(cube.read_bytes()[:3000])
        said = f"{cube}: the HDF5 file is truncated: it has 3000 bytes of the "
    else:
        cube.unlink()
        with h5py.File(cube, "w") as f:
            f["labels"] = np.ones((16, 16), np.int32)
        said = (
            f"{cube} is not an xrf-napari project file (format 'xrf-napari/1', with /counts): "
            "give a folder that generate wrote"
        )
    argv = ["export-set", "--data", str(data), "--format", "h5", "--out", str(tmp_path / "x")]
    assert train_main([*argv, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"xrf-napari-train export-set: error: {said}"), err


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"\x89HDF\r\n\x1a\n", "is not a CSV text file (byte 0 is not UTF-8 text)"),
        (b"", "is empty"),
        (b"x\n1\n", "has none of the main table's columns"),
        (b"name,role\nChalk,ground\n", "has no column formula, density, elements, srgb_hex, L, "),
        (None, "holds no pigments: a header line alone"),
    ],
)
def test_a_pigment_table_that_is_none_is_said_in_words(tmp_path, content, said):
    """generate --pigment-table PATH: a binary file said only "'utf-8' codec can't decode byte
    0x89 in position 0" (no file named), one without the columns "wrong.csv: bad pigment row
    None: 'elements'", an empty one or a header alone "lacks: Azurite, Blanc fixe, ..." (every
    pigment of the main table). Each names the file and what is wrong."""
    from importlib import resources

    from xrf_napari.physics.pigments import use_table

    main_table = resources.files("xrf_napari").joinpath("data/pigments.csv").read_bytes()
    path = tmp_path / "table.csv"
    path.write_bytes(main_table.splitlines(keepends=True)[0] if content is None else content)
    with pytest.raises(ValueError) as exc, use_table(str(path)):
        pass
    assert str(exc.value).startswith(f"pigment table {path} {said}"), exc.value


def test_a_pigment_table_a_spreadsheet_saved_is_read(tmp_path):
    """A spreadsheet's "CSV UTF-8" starts with a byte-order mark: the main table saved so was
    refused, "bad pigment row None: 'name'" (its first column read as "\\ufeffname")."""
    from importlib import resources

    from xrf_napari.physics.pigments import load_pigments, use_table

    main_table = resources.files("xrf_napari").joinpath("data/pigments.csv").read_bytes()
    path = tmp_path / "table.csv"
    path.write_bytes(b"\xef\xbb\xbf" + main_table)
    with use_table(str(path)):
        assert [p.name for p in load_pigments()] == [p.name for p in load_pigments(None)]


def test_embeds_latent_given_as_labels_is_told_to_give_labels_h5(tmp_path):
    """pigments --labels scan_latent.h5 (embed's latent, beside its labels.h5) said only "no
    'labels' dataset in the file"; it now says what the file is and which file to give, and
    another HDF5 file without a label map what it holds."""
    from xrf_napari.cli.pigments_cmd import read_labels

    latent = tmp_path / "scan_latent.h5"
    with h5py.File(latent, "w") as f:
        f.attrs.update(source="scan.h5", weights="dve.safetensors")
        f["latent"] = np.zeros((4, 5, 3), np.float32)
    with pytest.raises(ValueError) as exc:
        read_labels(latent, (4, 5))
    assert str(exc.value) == (
        f"--labels {latent}: no 'labels' dataset in the file: it is the latent image "
        "`xrf-napari embed` wrote (3 embedding coordinates per pixel of scan.h5); give the "
        f"{tmp_path / 'scan_labels.h5'} written beside it"
    )
    other = _labels_file(tmp_path / "other.h5", "wide")
    with h5py.File(other, "a") as f:
        f.move("labels", "regions")
    with pytest.raises(ValueError) as exc:
        read_labels(other, (4, 5))
    said = "no 'labels' dataset in the file (it holds: regions)"
    assert str(exc.value) == f"--labels {other}: {said}"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_weights_option_given_a_pipe_or_device_says_so(tmp_path):
    """`embed --weights /dev/zero` (or a named pipe) said "no such weights file" of a file that
    is there; it says what it is, as --labels and --photo do."""
    from xrf_napari.models.weights import WeightsError, require_file

    pipe = tmp_path / "w.safetensors"
    os.mkfifo(pipe)
    with pytest.raises(WeightsError) as exc:
        require_file(pipe, "--weights")
    assert str(exc.value) == (
        f"--weights {pipe}: is not a regular file (a device or pipe), not a weights file "
        "(.safetensors)"
    )
    with pytest.raises(WeightsError) as exc:
        require_file(pipe)
    assert str(exc.value) == (
        f"weights file {pipe} is not a regular file (a device or pipe), not a .safetensors file"
    )
    with pytest.raises(WeightsError, match="no such weights file"):  # a missing one as before
        require_file(tmp_path / "gone.safetensors", "--weights")


@pytest.mark.parametrize(
    "reader",
    [
        "training.data:cube_source",
        "training.data:read_cube_arrays",
        "training.evaluate:_read_project",
        "training.train_recolouriser:_read_training_cube",
    ],
)
def test_the_trainers_say_a_cut_short_cube_in_words(one_cube_set, tmp_path, reader):
    """The trainers and evaluate said of a cube file cut short "cannot read the metadata of
    cube_00000.h5: Unable to synchronously open file (truncated file: eof = 3000,
    sblock->base_addr = 0, stored_eof = ...)" (h5py's words); each says it as the scan reader
    and export-set do: how many bytes it has of those its header declares."""
    import importlib

    module, name = reader.split(":")
    read = getattr(importlib.import_module(f"xrf_napari.{module}"), name)
    cube = tmp_path / "cube_00000.h5"
    cube.write_bytes((one_cube_set / cube.name).read_bytes()[:3000])
    with pytest.raises(ValueError) as exc:
        read(cube)
    assert str(exc.value).startswith(f"{cube}: the HDF5 file is truncated: it has 3000 bytes of")


def _name_max(folder) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        pytest.skip("this system does not say how long a name may be")


def test_an_output_name_too_long_is_said_with_its_length(tmp_path, monkeypatch, capsys):
    """An output name longer than the file system allows was "[Errno 36] File name too long:
    'xxxx...'" (the whole name, the limit unsaid), and embed's prefix that made too long a name
    only with its files' endings the same; both say the name's length and the limit now."""
    monkeypatch.chdir(tmp_path)
    limit = _name_max(tmp_path)
    long = "x" * (limit + 1)
    with pytest.raises(SystemExit) as exc:
        main(["quicklook", "scan.h5", "-o", long, "--no-progress"])
    assert exc.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"xrf-napari quicklook: error: argument --output: the name {'x' * 24}... is {limit + 1} "
        f"bytes, longer than the {limit} its file system allows; choose a shorter one"
    )
    made = tmp_path / ("y" * (limit - 4) + "_labels.h5")  # embed's prefix and a file's name
    with pytest.raises(fileutil.OutputError) as exc:
        fileutil.check_outputs(files=[made])
    assert str(exc.value) == (
        f"cannot write in {tmp_path}: the name {'y' * 24}... is {limit + 6} bytes, longer than "
        f"the {limit} its file system allows; choose a shorter name"
    )
