"""Session 57 review of the readers' commits: the files a scan is watched by (FileStamp) are its
own, the channel slider's refused chunk marks the Cube the docks show, also once a large scan's
automatic calibration has replaced it, a chunk napari's cache keeps does not keep the closed scan,
and a TIFF whose codec is missing is not called corrupt."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

from xrf_napari.errors import FileWarning
from xrf_napari.io import read_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_a_saved_scans_old_data_file_is_not_watched_as_its_own(tmp_path):
    """911a082f stamped metadata["data_file"] of any format as a ripple header's .raw: a project
    .h5 saved from a ripple scan before 79272fd0 keeps that scan's .raw under the key. The .raw
    deleted while the .h5 was open was told as "<raw>: the file is gone ... the scan as it was
    then" of a scan that reads nothing of it; a .raw no longer there (moved, deleted after the
    save) left the .h5 unwatched: an export over it said nothing."""
    from _spectra import CANONICAL_CAL

    from xrf_napari.io.project_h5 import write_cube

    counts = np.ones((4, 4, 64), np.uint16)
    old_raw = tmp_path / "scan.raw"
    old_raw.write_bytes(b"\0" * 16)
    saved = write_cube(
        tmp_path / "saved.h5", counts, CANONICAL_CAL, metadata={"data_file": str(old_raw)}
    )
    gone = write_cube(tmp_path / "gone.h5", counts, CANONICAL_CAL, metadata={"data_file": "x.raw"})
    cubes = [read_cube(p, auto_calibrate=False) for p in (saved, gone)]
    old_raw.unlink()
    write_cube(tmp_path / "new.h5", counts + 1, CANONICAL_CAL)
    os.replace(tmp_path / "new.h5", gone)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for cube in cubes:
            cube.sum_spectrum()
    said = [str(w.message) for w in caught if issubclass(w.category, FileWarning)]
    assert len(said) == 1 and said[0].startswith(f"{gone}: the file was replaced"), said


def test_a_refused_slider_chunk_marks_the_calibrated_scan_the_docks_show(
    make_napari_viewer, tmp_path, qtbot, monkeypatch
):
    """66d1613d: a chunk the file refuses marks the scan failed (io.read_failed), so the docks
    refuse it instead of reading the broken file again. The mark went to the Cube the layer was
    made with: a large uncalibrated scan's calibration pass replaces it in the layers, so after
    that the docks' Cube was not marked, Run stayed on, and Make maps read the file again for a
    second error notification of the same shrink."""
    pytest.importorskip("napari")
    from _napari_helpers import caught_notifications, painted_counts
    from test_opencal32 import PENDING_KEY, _layers, _write_ripple

    from xrf_napari import _reader
    from xrf_napari.io import read_failed
    from xrf_napari.widgets._layers import layer_cube

    monkeypatch.setattr(_reader, "ASYNC_SUM_BYTES", 0)  # its calibration left to the pass
    rpl = _write_ripple(tmp_path, "painted", painted_counts()[0])
    viewer = make_napari_viewer()
    with caught_notifications() as seen:
        viewer.open(rpl, plugin="xrf-napari")
        stack, _ = _layers(viewer)
        qtbot.waitUntil(lambda: PENDING_KEY not in stack.metadata, timeout=20000)
        cube = layer_cube(stack)
        assert cube.calibration.source == "auto"
        os.truncate(rpl[: -len(".rpl")] + ".raw", 1000)
        assert not np.asarray(stack.data[300]).any()  # zeros where the file is refused
    assert read_failed(cube)
    assert [str(n.message).count("shrank") for n in seen if n.severity == "error"] == [1]


def test_a_tiff_needing_imagecodecs_is_not_called_corrupt_on_opening(tmp_path):
    """1f2adc6f read the opening sample through read_block, whose generic failure says "the file
    may be corrupt or truncated": a sound TIFF compressed with JPEG (or ZSTD, LERC...), which
    tifffile decodes only with imagecodecs, opened as "reading rows 0-0 failed (ValueError:
    <COMPRESSION.JPEG: 7> requires the 'imagecodecs' package); the file may be corrupt or
    truncated" (before it: "could not be read as tiff (ValueError: ...)")."""
    import struct

    import tifffile

    from xrf_napari.errors import CubeReadError

    try:
        import imagecodecs  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("imagecodecs installed: the JPEG tag then decodes the zlib bytes as JPEG")
    path = tmp_path / "stack.tif"
    tifffile.imwrite(path, np.ones((256, 8, 8), np.uint16), compression="zlib")
    raw = bytearray(path.read_bytes())
    with tifffile.TiffFile(path) as tif:
        entries = [page.tags[259].offset for page in tif.pages]
    for entry in entries:  # classic TIFF: the Compression tag's value, 8 -> 7 (JPEG)
        struct.pack_into("<H", raw, entry + 8, 7)
    path.write_bytes(bytes(raw))
    with pytest.raises(CubeReadError) as caught:
        read_cube(path, auto_calibrate=False)
    msg = str(caught.value)
    assert "corrupt" not in msg and "not damaged" in msg and "imagecodecs" in msg, msg


def test_a_chunk_napari_keeps_does_not_keep_its_scan_alive(tmp_path, monkeypatch):
    """66d1613d hands the cube layer's chunks out as ZeroFilledMap views holding the layer's
    face, and through it the Cube: napari's dask cache (shared by every layer, emptied by size
    alone) keeps such chunks after the scan is closed, and with them its Cube (its sum image,
    the docks' results of it). The face is held weakly."""
    import gc
    import weakref

    from test_readers57 import _calibrated_npy, _layers_told

    stack, _, cube = _layers_told(monkeypatch, _calibrated_npy(tmp_path))
    kept = stack[40].compute()  # as napari's cache keeps a slice
    closed = weakref.ref(cube)
    del stack, cube
    gc.collect()
    assert closed() is None
    assert np.asarray(kept).shape == (16, 16) and np.asarray(kept).any()
