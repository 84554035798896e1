"""The docks driven as a conservator would, session 53: Spectrum's Region spectrum and Clear
extra curves and Export CSV…, and every dock's Run with no scan open, are off while there is
nothing for them to act on."""

from __future__ import annotations

import numpy as np
import pytest
from _napari_helpers import H, W, open_cube, wait_idle, write_painted_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


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


def test_run_is_off_with_no_scan_open(make_napari_viewer, qtbot, tmp_path):
    """With no scan open, every dock's Run (Mean spectrum, Make maps, Embed & cluster,
    Recolour, Find pigments) was on, and a click only refused ("open a datacube first"): it is
    off, its tooltip saying to open one, on as a scan opens and off again once it is closed."""
    from xrf_napari.widgets.embed import EmbedClusterWidget
    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.pigments import PigmentsWidget
    from xrf_napari.widgets.recolour import RecolourWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    kinds = (SpectrumWidget, ElementMapsWidget, EmbedClusterWidget, RecolourWidget)
    docks = [kind(viewer) for kind in (*kinds, PigmentsWidget)]
    for dock in docks:
        assert not dock.job.run_button.isEnabled(), type(dock).__name__
        assert dock.job.run_button.toolTip().startswith("Open a datacube first")
    layers = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    for dock in docks[:4]:  # Pigments' Run then waits for regions (its own tooltip)
        wait_idle(qtbot, dock.job)  # the scan's survey
        assert dock.job.run_button.isEnabled(), type(dock).__name__
    for layer in layers:
        viewer.layers.remove(layer)
    for dock in docks:
        assert not dock.job.run_button.isEnabled(), type(dock).__name__


def test_spectrum_export_is_off_with_no_curve(make_napari_viewer, qtbot, tmp_path):
    """With no scan open the Spectrum dock's Export CSV… was on (a click only refused: "nothing
    to export yet: plot a spectrum first"): it is on once the scan's mean is plotted, and off
    again once the scan is closed."""
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    dock = SpectrumWidget(viewer)
    assert not dock.export_button.isEnabled()
    layers = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    wait_idle(qtbot, dock.job)  # the scan's survey plots its mean
    assert dock.curves and dock.export_button.isEnabled()
    for layer in layers:
        viewer.layers.remove(layer)
    assert not dock.export_button.isEnabled()
