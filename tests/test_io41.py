"""Session 41, readers and writers: an HDF5 filter a late chunk needs, zarr metadata faults named,
and the writers' audit."""

from __future__ import annotations

import json

import numpy as np
import pytest
from _io_helpers import optional_filter_h5

from xrf_napari.io import CubeReadError, read_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


# -- 1. HDF5: a filter that only a later chunk needs -----------------------------------------------
def _late_filter_h5(path, chunks=10):
    """A dataset whose pipeline holds LZ4 (32004) as an optional filter: the chunks written here
    skipped it (their filter mask says so), the last one is stored as LZ4 would leave it (mask 0,
    bytes only LZ4 decodes), as a writer does whose filter failed on some chunks only."""
    cube = np.random.default_rng(7).poisson(5, (2 * chunks, 9, 128)).astype(np.uint16)
    return optional_filter_h5(path, cube, 2, needed_at=2 * chunks - 2)


def _no_lz4():
    import h5py

    if h5py.h5z.filter_avail(32004):
        pytest.skip("an LZ4 filter is installed here")


def test_a_filter_only_a_later_chunk_needs_is_refused_on_opening(tmp_path):
    """Only the first 8 chunks' filter masks were asked: a dataset whose 10th chunk needs LZ4
    opened, and its read failed deep in a job ('reading rows 18-19 failed (OSError: ... can't
    open directory (/usr/local/lib/plugin)...); the file may be corrupt or truncated')."""
    _no_lz4()
    path = _late_filter_h5(tmp_path / "late.h5")
    with pytest.raises(CubeReadError) as err:
        read_cube(path, auto_calibrate=False, check_counts=False)
    msg = str(err.value)
    assert msg.startswith(str(path)) and "filter 32004 (LZ4)" in msg and "hdf5plugin" in msg, msg


def test_chunks_that_all_skipped_the_filter_still_open(tmp_path):
    """Guard: the whole chunk index is asked, and a file none of whose chunks needs the missing
    optional filter (70 chunks, more than any sample) reads, as before."""
    _no_lz4()
    cube = np.random.default_rng(3).poisson(4, (70, 3, 64)).astype(np.uint16)
    path = optional_filter_h5(tmp_path / "skipped.h5", cube, 1)
    got = read_cube(path, auto_calibrate=False)
    np.testing.assert_array_equal(np.asarray(got.data[...]), cube)


def test_a_chunk_failing_for_its_filter_when_read_names_the_filter_not_corruption(
    tmp_path, monkeypatch
):
    """Where the chunks cannot all be asked on opening (an HDF5 without H5Dchunk_iter; simulated
    by switching the check off), the read of the chunk that needs the filter said 'the file may
    be corrupt or truncated'; it now names the missing filter and what to install."""
    from xrf_napari.io import limits

    _no_lz4()
    path = _late_filter_h5(tmp_path / "late.h5")
    monkeypatch.setattr(limits, "check_filters", lambda d, path: None)
    cube = read_cube(path, auto_calibrate=False, check_counts=False)
    with pytest.raises(CubeReadError) as err:
        cube.sum_spectrum()
    msg = str(err.value)
    assert msg.startswith(str(path)) and "reading rows" in msg, msg
    assert "corrupt" not in msg and "filter" in msg and "hdf5plugin" in msg, msg


# -- 2. zarr: what is wrong in which metadata document ---------------------------------------------
def _group(path, fmt, edit):
    import zarr

    g = zarr.open_group(path, mode="w", zarr_format=fmt)
    g.create_array("counts", data=np.ones((4, 5, 128), np.uint16), chunks=(4, 5, 128))
    doc = path / "counts" / (".zarray" if fmt == 2 else "zarr.json")
    meta = json.loads(doc.read_text(encoding="utf-8"))
    edit(meta)
    doc.write_text(json.dumps(meta), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", [2, 3])
@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (lambda m: m.pop("shape"), "lacks the key 'shape'"),
        (lambda m: m.update(shape=[4.5, 5, 128]), "is invalid: 'shape' is [4.5, 5, 128], not a"),
        (lambda m: m.update(shape="4,5,128"), "is invalid: 'shape' is a JSON string ('4,5,128')"),
        (lambda m: m.update(fill_value="none"), "'fill_value' is 'none', a JSON string, not a"),
    ],
)
def test_a_broken_member_of_a_zarr_group_is_named_with_its_fault(tmp_path, fmt, edit, said):
    """A group whose cube's metadata was broken read 'could not be read as zarr (TypeError:
    Expected an iterable of integers...)' or, where zarr skipped the member (a missing key),
    'no 3-D numeric array in the zarr store (arrays: none)'; the root's own faults read 'its
    metadata (zarr.json, .zarray or .zgroup) is invalid', naming neither file nor key."""
    path = _group(tmp_path / "g.zarr", fmt, edit)
    doc = "counts/.zarray" if fmt == 2 else "counts/zarr.json"
    with pytest.raises(CubeReadError) as err:
        read_cube(path, auto_calibrate=False)
    msg = str(err.value)
    assert msg.startswith(f"{path}: unreadable zarr store: its metadata {doc} "), msg
    assert said in msg, msg
    assert "Error" not in msg and "arrays: none" not in msg, msg


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (lambda m: m.update(data_type=5), "'data_type' is a JSON number (5), not a string"),
        (lambda m: m.update(order="C"), "it holds the key 'order', which a zarr v3 array's"),
        (lambda m: m.update(node_type="arrays"), "'node_type' is 'arrays', not 'array' or"),
    ],
)
def test_a_root_zarr_json_names_the_wrong_key_and_type(tmp_path, edit, said):
    import zarr

    path = tmp_path / "m.zarr"
    zarr.save(path, np.ones((8, 10, 128), np.uint16))
    meta = json.loads((path / "zarr.json").read_text(encoding="utf-8"))
    edit(meta)
    (path / "zarr.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(CubeReadError) as err:
        read_cube(path, auto_calibrate=False)
    assert f"unreadable zarr store: its metadata zarr.json is invalid: {said}" in str(err.value)


def test_a_zarr_store_without_a_cube_but_sound_metadata_still_lists_its_arrays(tmp_path):
    """Guard: the metadata walk finds nothing in sound documents (a NaN fill value, attributes,
    a nested group), and the refusal lists the arrays as before."""
    import zarr

    g = zarr.open_group(tmp_path / "s.zarr", mode="w", zarr_format=3)
    g.create_array("a", data=np.ones((4, 5), np.float32), fill_value=float("nan"))
    g.create_group("sub").create_array("b", data=np.ones(3))
    g.attrs["note"] = "x"
    with pytest.raises(CubeReadError, match=r"no 3-D numeric array .*arrays: "):
        read_cube(tmp_path / "s.zarr")


# -- 3. the docks' saves: never over the file of another open scan ---------------------------------
def _spectrum_csv(path):
    energy = np.round(1.0 + 0.02 * np.arange(256), 4)
    counts = np.random.default_rng(2).poisson(20, 256)
    lines = ["energy,counts"] + [f"{e},{c}" for e, c in zip(energy, counts)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_docks_save_over_the_file_of_another_open_scan_is_refused(
    make_napari_viewer, tmp_path, monkeypatch
):
    """Only the current scan's file was refused: with a spectrum (spot.csv) and a painted scan
    open, Spectrum > Export CSV… (and Recolour's, Embed's, Maps' and Pigments' saves) over
    spot.csv asked 'Replace?' and, on Yes, replaced the open scan's file, where napari's File >
    Save refuses it and the user guide says nothing writes into scan files."""
    from _napari_helpers import open_cube, write_painted_cube
    from qtpy.QtWidgets import QFileDialog, QMessageBox

    from xrf_napari.fileutil import OutputError
    from xrf_napari.widgets.spectrum import SpectrumWidget

    spot = _spectrum_csv(tmp_path / "spot.csv")
    before = spot.read_bytes()
    viewer = make_napari_viewer()
    open_cube(viewer, spot)
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    spectrum = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(spectrum)
    assert spectrum.current_cube().path.name == "painted.h5"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(spot), "CSV (*.csv)"))
    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.Yes)
    saved = []
    spectrum.save_with_dialog("Export spectra", "CSV (*.csv)", "spectra.csv", saved.append)
    assert saved == []  # refused before the question (the status line may be a job's now)
    with pytest.raises(OutputError, match="spot.csv"):
        spectrum.export_csv(spot)
    assert spot.read_bytes() == before
    # a file no open scan reads is still written
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a: (str(tmp_path / "out.csv"), "CSV (*.csv)")
    )
    spectrum.save_with_dialog("Export spectra", "CSV (*.csv)", "spectra.csv", saved.append)
    assert saved == [str(tmp_path / "out.csv")]


# -- 4. one rule for plain arrays of few channels
MAPS = np.random.default_rng(41).random((12, 15, 20)).astype(np.float32) * 100  # (H, W, 20 maps)


def test_a_samples_tiff_of_few_channels_opens_as_the_same_array_in_npy_does(tmp_path):
    """A TIFF of 20 samples per pixel (H, W, 20) was refused as 'not a spectral datacube' and
    left to napari's TIFF reader, which shows such an array sideways (15 x 20 images over a
    slider of 12 rows), while the same array as .npy, .npz or zarr opened as a 20-channel cube.
    Now the samples TIFF opens and is claimed as they are; a page stack of 20 maps (20, H, W),
    whose pages napari shows as the maps, stays refused and napari's."""
    import tifffile
    import zarr

    from xrf_napari.io import can_read

    tif = tmp_path / "maps.tif"
    tifffile.imwrite(tif, MAPS, photometric="minisblack", planarconfig="contig")
    np.save(tmp_path / "maps.npy", MAPS)
    np.savez(tmp_path / "maps.npz", counts=MAPS)
    zarr.save(str(tmp_path / "maps.zarr"), MAPS)
    for name in ("maps.tif", "maps.npy", "maps.npz", "maps.zarr"):
        cube = read_cube(tmp_path / name, auto_calibrate=False)
        assert cube.shape == (12, 15, 20), name
        np.testing.assert_array_equal(np.asarray(cube.data[3, 4]), MAPS[3, 4])
    assert can_read(tif)
    pages = tmp_path / "pages.tif"
    tifffile.imwrite(pages, np.moveaxis(MAPS, -1, 0))
    with pytest.raises(CubeReadError, match="20 images of 12 x 15"):
        read_cube(pages)
    assert not can_read(pages)


# -- 5. napari's File > Save Selected Layers with xrf-napari's writer
def _cube_layer(tmp_path):
    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import write_cube

    counts = np.random.default_rng(5).poisson(3, (3, 4, 64)).astype(np.uint16)
    src = write_cube(tmp_path / "src.h5", counts, Calibration(0.0, 0.02, 0.0, "file"))
    cube = read_cube(src, auto_calibrate=False)
    return counts, np.zeros((64, 3, 4)), {"name": "cube", "metadata": {"xrf_cube": cube}}


def test_the_writer_reads_a_name_ending_in_a_dot_as_the_docks_do(tmp_path):
    """'scan.' (typed with the datacube (HDF5) type) was saved as 'scan..h5'; the docks' save
    dialogs read 'name.' as 'name' (scan.csv)."""
    from xrf_napari._writer import write_cube_layer

    counts, data, meta = _cube_layer(tmp_path)
    assert write_cube_layer(str(tmp_path / "scan."), data, meta) == [str(tmp_path / "scan.h5")]
    got = read_cube(tmp_path / "scan.h5", auto_calibrate=False)
    np.testing.assert_array_equal(np.asarray(got.data[...]), counts)


@pytest.mark.parametrize("folder", ["shut", "inputs"])
def test_the_writers_refusal_of_an_unwritable_folder_says_nothing_of_the_source(
    tmp_path, monkeypatch, folder
):
    """A folder this process may not write was refused as '... folder X is not writable (a cube
    is saved to a new file; its source file is never replaced)', the source clause that belongs
    to saving over the scan's own file (kept there). Simulated: tests run as root. A folder
    named 'inputs' kept the clause until the review test_review41b (the refusal held 'input')."""
    import os

    from xrf_napari._writer import CubeSaveError, write_cube_layer

    _, data, meta = _cube_layer(tmp_path)
    shut = tmp_path / folder
    shut.mkdir()
    access = os.access
    monkeypatch.setattr(os, "access", lambda p, m, **k: os.fspath(p) != str(shut) and access(p, m))
    with pytest.raises(CubeSaveError) as err:
        write_cube_layer(str(shut / "x.h5"), data, meta)
    assert f"folder {shut} is not writable" in str(err.value)
    assert "source file" not in str(err.value)
    with pytest.raises(CubeSaveError, match="its source file is never replaced"):
        write_cube_layer(str(tmp_path / "src.h5"), data, meta)
    assert not list(shut.iterdir())


def zarr_with_an_unreadable_energy(path):
    """A 4 x 5 x 128 zarr store at `path` whose energy member's .zarray lacks "shape": zarr
    skips that member with a warning of its own."""
    import json

    import zarr

    g = zarr.open_group(path, mode="w", zarr_format=2)
    g.create_array("counts", data=np.ones((4, 5, 128), np.uint16))
    g.create_array("energy", data=np.linspace(1, 20, 128))
    doc = path / "energy" / ".zarray"
    meta = json.loads(doc.read_text(encoding="utf-8"))
    del meta["shape"]
    doc.write_text(json.dumps(meta), encoding="utf-8")
    return path


def test_an_energy_member_zarr_skips_is_warned_of_naming_its_fault(tmp_path):
    """zarr skips a member whose metadata lacks a key with its own 'Object at energy/.zarray is
    not recognized as a component of a Zarr hierarchy' (8900c15 silenced even that): the cube
    opened uncalibrated without a word on its energy vector."""
    path = zarr_with_an_unreadable_energy(tmp_path / "e.zarr")
    with pytest.warns(UserWarning, match=r"skipped: its metadata energy/\.zarray lacks the key"):
        cube = read_cube(path, auto_calibrate=False)
    assert cube.shape == (4, 5, 128)
