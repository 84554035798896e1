"""The docks driven as a conservator would, session 53: Spectrum's Region spectrum and Clear
extra curves are off while there is nothing for them to act on."""

from __future__ import annotations

import numpy as np
from _napari_helpers import H, W, open_cube, write_painted_cube


def test_spectrum_buttons_are_off_with_nothing_to_act_on(make_napari_viewer, tmp_path):
    """On a scan with no region drawn, Region spectrum was on (a click only refused: "choose a
    datacube and a Shapes or Labels region first"), and Clear extra curves was on over the
    scan's mean alone (a click did nothing): each is on only while it has something to act on,
    Region spectrum's tooltip saying how to get a region."""
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    dock = SpectrumWidget(viewer)
    assert not dock.region_button.isEnabled()
    assert "Labels layer" in dock.region_button.toolTip()
    region = viewer.add_labels(np.ones((H, W), np.int32), name="region")
    assert dock.region_combo.current_layer() is region
    assert dock.region_button.isEnabled()
    viewer.layers.remove(region)
    assert not dock.region_button.isEnabled()

    assert not dock.clear_button.isEnabled()
    energy = dock.current_cube().energy
    dock.replace_curves("cluster ", {"cluster 1": (energy, np.ones_like(energy), "#ff0000")})
    assert dock.clear_button.isEnabled()
    dock.clear_extra_curves()
    assert not dock.clear_button.isEnabled()

