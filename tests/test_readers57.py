"""Session 57, readers: a memory-mapped scan cut short under napari's channel slider, a scan file
replaced on disk while open, an .npy's claim by its header, memory maps released behind a
channel-first view, and a damaged compressed HDF5 chunk told in words."""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np
import pytest

from xrf_napari.errors import CubeReadError, FileWarning
from xrf_napari.io import read_cube

#: A 16 x 16 px scan of 256 channels: 8 slider chunks of 32 channels.
CUBE = (np.arange(16 * 16 * 256) % 7 + 1).astype(np.uint16).reshape(16, 16, 256)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_an_npy_cut_short_is_claimed_by_its_header_and_told(tmp_path):
    """The claim check memory-mapped the .npy to read its ndim: a 3-D scan cut short of its
    declared data failed the map and was left to napari's reader ("Failed to read all data for
    array"); read by its header it is claimed and read_cube says how far it is short."""
    from xrf_napari.io.registry import claims

    path = tmp_path / "cut.npy"
    np.save(path, CUBE)
    os.truncate(path, 3000)
    assert claims(path)
    np.save(tmp_path / "flat.npy", CUBE[0])
    assert not claims(tmp_path / "flat.npy")
    with pytest.raises(CubeReadError, match="it is cut short"):
        read_cube(path)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
def test_a_channel_first_npy_releases_its_mapped_pages(tmp_path):
    """release_mapped_pages did nothing behind a ChannelFirstView (channel-first .npy, TIFF
    page stack, ripple image layout): the opening sample touched every page of a channel-first
    file and the process kept them all (18 MiB resident for an 18 MiB file, after a pass too).
    The map underneath is released now."""
    import json

    path = tmp_path / "cf.npy"
    np.save(path, np.ones((256, 64, 256), np.uint16))  # (C, H, W): 8 MiB
    (tmp_path / "cf.json").write_text(json.dumps({"channel_axis": "first"}), encoding="utf-8")

    def resident():
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    before = resident()
    cube = read_cube(path, auto_calibrate=False)
    assert type(cube.data).__name__ == "ChannelFirstView"
    cube.sum_spectrum(block_bytes=2**20)
    assert resident() - before < 3 * 2**20, (resident() - before) / 2**20


def test_a_damaged_compressed_hdf5_chunk_names_the_dataset_in_words(tmp_path):
    """A damaged gzip chunk read "could not be read as hdf5 (OSError: Can't synchronously read
    data (filter returned failure during read))" on opening, and "reading rows ... failed
    (OSError: ...)" in a pass: neither said which dataset nor what it means."""
    import h5py

    path = tmp_path / "damaged.h5"
    with h5py.File(path, "w") as f:
        d = f.create_dataset("xrf/counts", data=CUBE, chunks=(4, 16, 256), compression="gzip")
        f["xrf/energy"] = 0.02 * np.arange(256) + 0.01
        info = d.id.get_chunk_info(2)
    with open(path, "r+b") as fh:
        fh.seek(info.byte_offset + 10)
        fh.write(bytes(b ^ 0x5A for b in fh.read(info.size - 14)))
    for opened in (False, True):
        with pytest.raises(CubeReadError) as err:
            cube = read_cube(path, auto_calibrate=False, check_counts=opened)
            cube.sum_spectrum()
        msg = str(err.value)
        assert msg.startswith(f"{path}: reading row"), msg  # "row 8" where one row is read
        assert "compressed chunk of dataset '/xrf/counts' (gzip)" in msg, msg
        assert "damaged" in msg and "copy the file again" in msg, msg


def test_a_scan_replaced_by_rename_while_open_is_told_once(tmp_path):
    """An export over the open scan (a temp file renamed over it) was not noticed: the map
    reads the old inode, so napari and the docks showed the old scan while the file was the
    new one, without a word. A pass now says it once (a FileWarning naming the file), and
    the data read stays the scan opened."""
    path = tmp_path / "scan.npy"
    np.save(path, CUBE)
    cube = read_cube(path, auto_calibrate=False)
    np.save(tmp_path / "new.npy", CUBE * 0 + 9)
    os.replace(tmp_path / "new.npy", path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = cube.sum_spectrum(block_bytes=2**14)
        cube.sum_spectrum(block_bytes=2**14)
    said = [str(w.message) for w in caught if issubclass(w.category, FileWarning)]
    assert len(said) == 1 and said[0].startswith(f"{path}: the file was replaced"), said
    assert "open the file again" in said[0]
    assert first.sum() == CUBE.sum()  # the scan opened, as before


def test_a_ripple_raw_modified_in_place_names_the_raw(tmp_path):
    """The .rpl header is the scan's path; its counts live in the .raw: a .raw written over in
    place (same inode, new time) is named, once."""
    from test_io_ripple import write_ripple

    rpl = write_ripple(tmp_path, CUBE)
    raw = rpl.with_suffix(".raw")
    cube = read_cube(rpl, auto_calibrate=False)
    st = os.stat(raw)
    os.utime(raw, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cube.read_rows(slice(0, 2))
        cube.read_rows(slice(2, 4))
    said = [str(w.message) for w in caught if issubclass(w.category, FileWarning)]
    assert len(said) == 1 and said[0].startswith(f"{raw}: the file was modified"), said


def _layers_told(monkeypatch, path):
    """read_layers(path) without Qt (its sum computed where it is): the cube layer's data, the
    messages its layers would notify in napari, and its Cube."""
    from xrf_napari import _reader, io

    monkeypatch.setattr(io, "_review_file_calibration", lambda cube, *_a, **_k: cube)  # 1 s cold
    told = []
    monkeypatch.setattr(_reader, "_notify", lambda msg, level="error": told.append((level, msg)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layers = _reader.read_layers(str(path))
    return layers[0][0], told, layers[0][1]["metadata"]["xrf_cube"]


def _calibrated_npy(folder):
    """CUBE as folder/scan.npy with a sidecar calibration (no automatic one fitted: 1 s)."""
    path = folder / "scan.npy"
    np.save(path, CUBE)
    path.with_suffix(".json").write_text('{"offset": 0.01, "gain": 0.02}', encoding="utf-8")
    return path


def test_slider_chunks_of_a_file_cut_short_read_as_zeros_told_once(tmp_path, monkeypatch):
    """napari's slicer read the cube layer's dask chunks straight from the map: a file cut short
    while open raised at each slider step onto channels not cached (5 steps, 5 error
    notifications). Now the first refused chunk is told (the file, "shrank", reopen), each
    reads as zeros, and the scan is marked failed for the docks (io.read_failed)."""
    from xrf_napari.io import read_failed

    path = _calibrated_npy(tmp_path)
    stack, told, cube = _layers_told(monkeypatch, path)
    os.truncate(path, 1000)
    shown = [np.asarray(stack[c]) for c in (40, 100, 160, 220)]
    assert all(im.shape == (16, 16) and not im.any() for im in shown)
    errors = [m for level, m in told if level == "error"]
    assert len(errors) == 1, told
    assert str(path) in errors[0] and "shrank since it was opened" in errors[0], errors[0]
    assert "open it again" in errors[0] and "zeros" in errors[0], errors[0]
    assert read_failed(cube)


def test_slider_chunks_of_a_replaced_file_tell_it_once(tmp_path, monkeypatch):
    """The cube layer's next chunks read after an export over the file say it once, as a
    napari warning naming the file."""
    path = _calibrated_npy(tmp_path)
    stack, told, _ = _layers_told(monkeypatch, path)
    np.save(tmp_path / "new.npy", CUBE * 0 + 9)
    os.replace(tmp_path / "new.npy", path)
    for c in (40, 100, 160):
        np.asarray(stack[c])
    assert [lv for lv, m in told if "was replaced" in m and str(path) in m] == ["warning"], told


def test_the_channel_slider_over_a_file_cut_short_gives_one_notification(
    make_napari_viewer, tmp_path
):
    """In napari: five slider steps over a .npy cut short while open gave five error
    notifications (the slicer raised each time). One now, the viewer alive, zeros shown."""
    from _napari_helpers import caught_notifications

    path = tmp_path / "scan.npy"
    np.save(path, CUBE)
    viewer = make_napari_viewer()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        viewer.open(path, plugin="xrf-napari")
    layer = viewer.layers["scan"]
    layer.visible = True
    os.truncate(path, 1000)
    with caught_notifications() as seen:
        for step in (40, 100, 160, 220, 250):
            viewer.dims.set_current_step(0, step)
    errors = [str(n.message) for n in seen if "shrank" in str(n.message)]
    assert len(errors) == 1 and str(path) in errors[0], [str(n.message) for n in seen]
    assert not np.asarray(layer._slice.image.raw).any()
