"""File > Save Selected Layers on a cube layer (audit F2): xrf-napari's npe2 writer saves it to the
project HDF5 in one pass of bounded blocks, calibration and metadata kept, atomically, never over
the cube's own file; other image layers and suffixes stay with napari's builtin writers."""

import hashlib
import json
import os
from pathlib import Path

import h5py
import numpy as np
import pytest
from _napari_helpers import open_cube, painted_counts, write_painted_cube
from _spectra import CANONICAL_CAL
from test_io_ripple import write_ripple

from xrf_napari.cube import Cube
from xrf_napari.energy import Calibration


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


RIPPLE_CAL = f"depth-origin\t{CANONICAL_CAL.offset}\ndepth-scale\t{CANONICAL_CAL.gain}\n"
RIPPLE_CAL += "depth-units\tkeV\n"


class Counting:
    """A cube's data seen through a counter of the bytes each read returns; `fail_at` makes
    that read (1-based) raise, as a vanished file or a corrupt chunk does."""

    def __init__(self, data, fail_at=None):
        self._d, self.shape, self.dtype, self.ndim = data, data.shape, data.dtype, data.ndim
        self.reads, self.fail_at = [], fail_at

    def __getitem__(self, key):
        if self.fail_at is not None and len(self.reads) + 1 == self.fail_at:
            raise OSError("Input/output error")
        out = np.asarray(self._d[key])
        self.reads.append(out.nbytes)
        return out

    def __getattr__(self, name):  # _mmap, flags: Cube's page release still sees the memmap
        return getattr(self._d, name)


def _ripple_cube(viewer, tmp_path):
    counts, _ = painted_counts()
    rpl = write_ripple(tmp_path, counts, name="scan", extra=RIPPLE_CAL)
    cube_layer, sum_layer = open_cube(viewer, rpl)
    return counts, cube_layer, sum_layer


def _our_writer():
    """xrf-napari's single-layer WriterContribution, as the Save dialog hands it to napari for
    its file type (the other, write_cubes, takes several cube layers at once; write_cube's
    Labels entry refuses a Labels layer)."""
    from npe2 import PluginManager

    writers = PluginManager.instance().get_manifest("xrf-napari").contributions.writers
    (writer,) = [
        w for w in writers if w.command == "xrf-napari.write_cube" and w.layer_types == ["image"]
    ]
    return writer


def _digest(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _temporaries(folder) -> list[str]:
    return [p for p in os.listdir(folder) if p.startswith(".")]


def test_save_selected_cube_layer_reopens_with_same_counts_and_calibration(
    make_napari_viewer, tmp_path
):
    viewer = make_napari_viewer()
    counts, cube_layer, _ = _ripple_cube(viewer, tmp_path)
    cube = cube_layer.metadata["xrf_cube"]
    assert cube.calibration == Calibration(CANONICAL_CAL.offset, CANONICAL_CAL.gain)
    viewer.layers.selection = {cube_layer}
    out = tmp_path / "saved" / "copy.h5"
    # what the menu does with a name ending in .h5: no plugin named, the writer found by suffix
    assert viewer.layers.save(str(out), selected=True) == [str(out)]
    assert _temporaries(out.parent) == []

    viewer.layers.clear()
    back_layer, back_sum = open_cube(viewer, out)
    back = back_layer.metadata["xrf_cube"]
    assert back.calibration == cube.calibration  # offset, gain, quadratic and source "file"
    assert back.dtype == counts.dtype
    np.testing.assert_array_equal(np.asarray(back.data[:]), counts)
    np.testing.assert_array_equal(back_layer.data.compute(), np.moveaxis(counts, -1, 0))
    np.testing.assert_allclose(back_sum.data, counts.sum(axis=2))
    # the slider reads in keV as before, and the file says where it came from
    np.testing.assert_allclose(back_layer.scale, cube_layer.scale)
    np.testing.assert_allclose(back_layer.translate, cube_layer.translate)
    assert back.metadata["saved_from"] == str(tmp_path / "scan.rpl")
    with h5py.File(out, "r") as f:  # a reopened file's values are checked again
        assert "values_checked" not in json.loads(f.attrs["metadata"])

    # naming the plugin (napari.save_layers(..., plugin="xrf-napari")) and no suffix: .h5 added
    viewer.layers.selection = {back_layer}
    again = viewer.layers.save(str(tmp_path / "again"), selected=True, plugin="xrf-napari")
    assert again == [str(tmp_path / "again.h5")]
    np.testing.assert_array_equal(open_cube(viewer, again[0])[0].data.compute(), back_layer.data)


def test_save_reads_the_cube_once_in_bounded_blocks(make_napari_viewer, tmp_path, monkeypatch):
    """napari's TIFF writer re-read the whole cube per channel through the dask layer; the writer
    reads the file once, block by block, and never through the layer's dask array."""
    import xrf_napari._reader as reader
    import xrf_napari.cube as cube_module

    viewer = make_napari_viewer()
    counts, cube_layer, _ = _ripple_cube(viewer, tmp_path)
    cube = cube_layer.metadata["xrf_cube"]
    cube.data = counting = Counting(cube.data)
    through_dask = []
    real = reader._Uncopied.__getitem__
    monkeypatch.setattr(
        reader._Uncopied, "__getitem__", lambda s, k: through_dask.append(k) or real(s, k)
    )
    bound = 4 * 20 * 512 * 4  # 4 rows of 20 x 512 channels, as Cube.rows_per_block counts them
    monkeypatch.setattr(cube_module, "DEFAULT_BLOCK_BYTES", bound)
    out = tmp_path / "copy.h5"
    viewer.layers.selection = {cube_layer}
    assert viewer.layers.save(str(out), selected=True) == [str(out)]
    assert through_dask == []
    assert sum(counting.reads) == counts.nbytes  # every byte once
    assert len(counting.reads) == 6 and max(counting.reads) <= bound  # 24 rows, 4 at a time
    viewer.layers.clear()
    reopened = open_cube(viewer, out)[0].data.compute()
    np.testing.assert_array_equal(reopened, np.moveaxis(counts, -1, 0))


def test_refuses_to_overwrite_the_cube_source(make_napari_viewer, tmp_path):
    viewer = make_napari_viewer()
    src = write_painted_cube(tmp_path / "panel.h5")
    before = _digest(src)
    cube_layer = open_cube(viewer, src)[0]
    viewer.layers.selection = {cube_layer}
    (tmp_path / "link.h5").symlink_to(src)
    for target in (src, tmp_path / "link.h5"):
        with pytest.raises(RuntimeError, match=r"not saved: .*panel.h5.*source file is never"):
            viewer.layers.save(str(target), selected=True)
    assert _digest(src) == before and _temporaries(tmp_path) == []
    # the ripple pair: its .raw is not an .h5 name: refused, never written as HDF5
    ripple_layer = _ripple_cube(viewer, tmp_path)[1]
    raw_before = _digest(tmp_path / "scan.raw")
    viewer.layers.selection = {ripple_layer}
    # the dialog with our file type chosen and "scan.raw" typed: napari calls our writer as is
    with pytest.raises(RuntimeError, match=r"scan.raw not written: .*\.h5"):
        viewer.layers.save(str(tmp_path / "scan.raw"), selected=True, _writer=_our_writer())
    assert _digest(tmp_path / "scan.raw") == raw_before


def test_other_image_layers_keep_napari_writers(make_napari_viewer, tmp_path):
    import tifffile
    from napari.plugins import _npe2

    viewer = make_napari_viewer()
    plain = viewer.add_image(np.arange(30, dtype=np.uint16).reshape(5, 6), name="plain")
    viewer.layers.selection = {plain}
    # .tif is napari's: the builtin writer saves it as before
    assert viewer.layers.save(str(tmp_path / "plain.tif"), selected=True) == [
        str(tmp_path / "plain.tif")
    ]
    np.testing.assert_array_equal(tifffile.imread(tmp_path / "plain.tif"), plain.data)
    # the Save dialog's default file type for a plain image stays napari's; ours is offered
    _, writers = _npe2.file_extensions_string_for_layers([plain])
    commands = [w.command for w in writers]
    assert commands[0] == "napari.write_image" and "xrf-napari.write_cube" in commands
    # .h5 is ours: a plain image or the cube's sum image is refused with what to do instead
    with pytest.raises(RuntimeError, match="'plain' is not an XRF datacube.*napari's writers"):
        viewer.layers.save(str(tmp_path / "plain.h5"), selected=True)
    _, cube_layer, sum_layer = _ripple_cube(viewer, tmp_path)
    viewer.layers.selection = {sum_layer}
    with pytest.raises(RuntimeError, match="'scan sum' is the sum image of the cube 'scan'"):
        viewer.layers.save(str(tmp_path / "sum.h5"), selected=True)
    assert not (tmp_path / "plain.h5").exists() and not (tmp_path / "sum.h5").exists()
    # the sum image still saves to .tif with napari's writer
    assert viewer.layers.save(str(tmp_path / "sum.tif"), selected=True) == [
        str(tmp_path / "sum.tif")
    ]


def test_failed_save_leaves_the_earlier_file_and_no_temporary(
    make_napari_viewer, tmp_path, monkeypatch
):
    """A read error halfway (the second block): the earlier file stays whole, no temporary."""
    import xrf_napari.cube as cube_module

    viewer = make_napari_viewer()
    _, cube_layer, _ = _ripple_cube(viewer, tmp_path)
    out = tmp_path / "copy.h5"
    out.write_bytes(b"an earlier save")
    cube = cube_layer.metadata["xrf_cube"]
    cube.data = Counting(cube.data, fail_at=2)
    monkeypatch.setattr(cube_module, "DEFAULT_BLOCK_BYTES", 4 * 20 * 512 * 4)
    viewer.layers.selection = {cube_layer}
    with pytest.raises(RuntimeError, match=r"scan.rpl.*reading rows 4-7 failed"):
        viewer.layers.save(str(out), selected=True)
    assert out.read_bytes() == b"an earlier save" and _temporaries(tmp_path) == []


def test_writer_keeps_quadratic_user_calibration_live_time_and_metadata(tmp_path):
    """The npe2 single-layer call (path, data, meta), as napari makes it."""
    from xrf_napari._writer import write_cube_layer
    from xrf_napari.io import read_cube

    counts = np.random.default_rng(3).poisson(4.0, (7, 5, 64)).astype(np.float32)
    cal = Calibration(0.9, 0.1, 1e-4, source="user")
    live = np.linspace(0.1, 0.5, 35, dtype=np.float32).reshape(7, 5)
    meta = {"profile": {"anode": "Rh"}, "values_checked": True, "handle": object()}
    cube = Cube(counts, cal, live_time=live, metadata=meta)
    layer_meta = {"name": "cube", "metadata": {"xrf_cube": cube}}
    out = write_cube_layer(str(tmp_path / "q.hdf5"), np.moveaxis(counts, -1, 0), layer_meta)
    assert out == [str(tmp_path / "q.hdf5")]
    back = read_cube(out[0])
    assert back.calibration == cal
    np.testing.assert_array_equal(np.asarray(back.data[:]), counts)
    np.testing.assert_array_equal(np.asarray(back.live_time), live)
    assert back.metadata["profile"] == {"anode": "Rh"}
    assert back.metadata["metadata_dropped"] == ["handle"]
    # data that is not the cube's (channels, y, x) layer is refused
    with pytest.raises(RuntimeError, match="not the \\(channels, y, x\\) layer"):
        write_cube_layer(str(tmp_path / "bad.h5"), counts, layer_meta)
