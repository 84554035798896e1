"""The cube writer and label-image saves (session 47): the writer tells a clash with the cube's
source from the error's fields, not its words."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from xrf_napari import fileutil
from xrf_napari._writer import CubeSaveError, write_cube_layer
from xrf_napari.cube import Cube
from xrf_napari.energy import Calibration


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


SOURCE_NOTE = "(a cube is saved to a new file; its source file is never replaced)"


def _cube_layer():
    counts = np.ones((3, 4, 16), np.float32)
    cube = Cube(counts, Calibration(0.0, 0.1))
    return np.moveaxis(counts, -1, 0), {"name": "scan", "metadata": {"xrf_cube": cube}}


def test_a_clash_with_an_input_carries_that_input(tmp_path):
    scan = tmp_path / "scan.h5"
    scan.write_bytes(b"a scan")
    with pytest.raises(fileutil.OutputError) as clash:
        fileutil.check_outputs(files=[scan], inputs=[scan])
    assert clash.value.clash == scan
    assert pickle.loads(pickle.dumps(clash.value)).clash == scan  # a child process's error
    (tmp_path / "notafolder").write_bytes(b"")
    with pytest.raises(fileutil.OutputError, match="is not a folder") as other:
        fileutil.check_outputs(files=[tmp_path / "notafolder" / "out.h5"], inputs=[scan])
    assert other.value.clash is None


def test_the_writer_tells_a_clash_by_its_fields_not_its_words(tmp_path, monkeypatch):
    data, meta = _cube_layer()
    out = tmp_path / "scan.h5"

    def reworded(files=(), inputs=(), **_):
        raise fileutil.OutputError("the scan would be lost", clash=Path(files[0]))

    monkeypatch.setattr(fileutil, "check_outputs", reworded)
    with pytest.raises(CubeSaveError) as info:
        write_cube_layer(str(out), data, meta)
    assert str(info.value) == f"layer 'scan' not saved: the scan would be lost {SOURCE_NOTE}"

    def unwritable(files=(), inputs=(), **_):  # worded as a clash once was, but is none
        raise fileutil.OutputError(f"output {files[0]} cannot be written: the disk is full")

    monkeypatch.setattr(fileutil, "check_outputs", unwritable)
    with pytest.raises(CubeSaveError) as info:
        write_cube_layer(str(out), data, meta)
    assert str(info.value) == (
        f"layer 'scan' not saved: output {out} cannot be written: the disk is full"
    )


def _cube_image_layer():
    from napari.layers import Image

    data, meta = _cube_layer()
    return Image(data, name=meta["name"], metadata=meta["metadata"])


def test_a_scripts_bare_name_does_not_replace_the_file_napari_completes(
    make_napari_viewer, tmp_path
):
    """napari.save_layers("c", ...) reaches the writer as "c.h5" (npe2 adds the suffix): an
    existing c.h5 was replaced though the script never named it. (The viewer registers the
    plugin's writer.)"""
    import napari

    make_napari_viewer()
    earlier = tmp_path / "c.h5"
    earlier.write_bytes(b"an earlier save")
    layer = _cube_image_layer()
    with pytest.raises(CubeSaveError) as info:
        napari.save_layers(str(tmp_path / "c"), [layer], plugin="xrf-napari")
    assert str(info.value) == (
        f"layer 'scan' not saved: {earlier} already exists and was given as 'c', without its "
        "suffix (napari added '.h5'); give 'c.h5' in full to replace it, or choose another name"
    )
    assert earlier.read_bytes() == b"an earlier save"
    # named in full it is replaced; a bare name that is new is written under the completed one
    assert napari.save_layers(str(earlier), [layer], plugin="xrf-napari") == [str(earlier)]
    assert earlier.read_bytes() != b"an earlier save"
    new = tmp_path / "d.h5"
    assert napari.save_layers(str(tmp_path / "d"), [layer], plugin="xrf-napari") == [str(new)]
    assert new.exists()


def test_the_save_dialogs_bare_name_does_not_replace_the_completed_file(
    make_napari_viewer, tmp_path, monkeypatch
):
    """A guard: File > Save Selected Layers hands our writer the name as typed ("c", the
    dialog's file type choosing the writer), which the writer completes and refuses to replace;
    "c.h5" typed in full (the dialog asked about it) is replaced."""
    from qtpy.QtWidgets import QFileDialog

    viewer = make_napari_viewer()
    viewer.add_layer(_cube_image_layer())
    earlier = tmp_path / "c.h5"
    earlier.write_bytes(b"an earlier save")
    typed = []

    def dialog(*_, filter="", **__):
        (ours,) = [f for f in filter.split(";;") if "datacube (HDF5)" in f]
        return typed[-1], ours

    monkeypatch.setattr(QFileDialog, "getSaveFileName", dialog)
    typed.append(str(tmp_path / "c"))
    with pytest.raises(CubeSaveError, match="the Save dialog asked about 'c' only"):
        viewer.window._qt_viewer._save_layers_dialog(selected=True)
    assert earlier.read_bytes() == b"an earlier save"
    typed.append(str(earlier))
    viewer.window._qt_viewer._save_layers_dialog(selected=True)
    assert earlier.read_bytes() != b"an earlier save"


@pytest.mark.parametrize("suffix", [".tif", ".png"])
def test_a_label_image_is_written_as_before(tmp_path, suffix):
    """A guard for the clean-up that made save_label_image's TIFF go through write_image: the
    TIFF is the same bytes as its own writer made (uint32, zlib, no tifffile shape record), the
    PNG the same 16-bit values."""
    import tifffile
    from PIL import Image

    from xrf_napari import __version__
    from xrf_napari.analysis.export import save_label_image

    labels = np.zeros((40, 30), np.int64)
    labels[5:20, 3:9], labels[22:, 10:] = 1, 300
    out = save_label_image(tmp_path / f"regions{suffix}", labels)
    assert out == tmp_path / f"regions{suffix}"
    if suffix == ".png":
        back = np.asarray(Image.open(out))
        assert back.dtype == np.uint16 and np.array_equal(back, labels)
        return
    tifffile.imwrite(
        tmp_path / "before.tif",
        labels.astype(np.uint32),
        photometric="minisblack",
        compression="zlib",
        software=f"xrf-napari {__version__}",
        metadata=None,
    )
    assert out.read_bytes() == (tmp_path / "before.tif").read_bytes()
