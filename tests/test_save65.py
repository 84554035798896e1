"""What xrf-napari saves opens again as what it is (session 65): a TIFF the program wrote, read
by its own reader when *XRF recolouring* is chosen in napari's reader dialog (napari asks which
reader opens every .tif), comes back as an RGB image at any size, a Labels layer or an image."""

from __future__ import annotations

import json

import numpy as np
import tifffile

from xrf_napari._reader import napari_get_reader
from xrf_napari.analysis.export import save_label_image
from xrf_napari.analysis.recolour import save_rgb


def _layers(path):
    reader = napari_get_reader(str(path))
    assert reader is not None, f"xrf-napari's reader refused its own {path.name}"
    return reader(str(path))


def test_small_recoloured_tiff_opens_as_rgb(tmp_path):
    """A 20 x 23 px recoloured image (a small scan's): napari's reader shows it as a grey stack
    of 3-pixel strips (its RGB guess needs both sides over 30 px); xrf-napari's refused it."""
    rgb = np.random.default_rng(0).integers(0, 256, (20, 23, 3), dtype=np.uint8)
    path = save_rgb(tmp_path / "rec.tif", rgb, {"recolouriser": "uvit", "scan": "/x/scan.h5"})
    [(data, meta, kind)] = _layers(path)
    assert kind == "image" and meta["rgb"] is True and meta["name"] == "rec"
    np.testing.assert_array_equal(data, rgb)
    assert meta["metadata"]["made_by"] == "the SmallUViT's recoloured image of scan.h5"


def test_saved_label_tiff_opens_as_labels(tmp_path):
    """Save labels & spectra's TIFF (32-bit region numbers) comes back as a Labels layer, the
    Pigments panel's Regions, with the region numbers unchanged."""
    labels = np.arange(12 * 9, dtype=np.int64).reshape(12, 9) % 5
    path = save_label_image(tmp_path / "clusters.tif", labels)
    [(data, meta, kind)] = _layers(path)
    assert kind == "labels" and meta["name"] == "clusters"
    np.testing.assert_array_equal(data, labels)


def test_guard_other_tiffs_stay_napari_s(tmp_path):
    """A guard: a photograph's RGB TIFF or a grey image another program wrote is still left to
    napari's reader (no claim), as is a .tif that is no image."""
    photo = tmp_path / "photo.tif"
    tifffile.imwrite(photo, np.zeros((40, 50, 3), np.uint8), photometric="rgb", software="GIMP")
    grey = tmp_path / "grey.tif"
    tifffile.imwrite(grey, np.zeros((40, 50), np.uint32), description=json.dumps({"a": 1}))
    junk = tmp_path / "junk.tif"
    junk.write_bytes(b"")
    assert napari_get_reader(str(photo)) is None
    assert napari_get_reader(str(grey)) is None
    assert napari_get_reader(str(junk)) is not None  # an empty .tif: our error says so
