"""Session 65's docs check (docs65): a message that still said what the code no longer does."""

import numpy as np
import pytest


def test_a_recoloured_tiff_refused_as_a_scan_points_to_xrf_recolouring_in_napari(tmp_path):
    """`xrf-napari info rec.tif` said to open it "with napari's own reader (drop it on napari
    without choosing xrf-napari)", which shows an image 30 px or less on a side as a grey stack of
    3-pixel strips, while XRF recolouring chosen in napari's reader dialog opens the TIFFs
    xrf-napari wrote in colour at any size (aca525a5)."""
    from xrf_napari._reader import napari_get_reader
    from xrf_napari.analysis.recolour import save_rgb
    from xrf_napari.io import read_cube

    rgb = np.zeros((20, 23, 3), np.uint8)
    made = save_rgb(tmp_path / "rec.tif", rgb, {"scan": "/data/panel.h5", "recolouriser": "u"})
    with pytest.raises(Exception, match="the SmallUViT's recoloured image of panel.h5") as info:
        read_cube(made)
    assert "without choosing xrf-napari" not in str(info.value)
    assert "choose XRF recolouring" in str(info.value)
    reader = napari_get_reader(str(made))  # what the advice leads to: the image in colour
    ((data, meta, kind),) = reader(str(made))
    assert kind == "image" and meta["rgb"] and data.shape == (20, 23, 3)
