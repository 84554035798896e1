"""Elemental maps on a scan whose energy axis holds no element line (a negative calibration, as
a real .rpl opened at -0.96 to -0.91 keV): refused once, as it is chosen, Make maps off; the
Spectrum panel's survey line says why nothing is suggested; Select suggested off while there is
nothing to select."""

from __future__ import annotations

import pytest
from _napari_helpers import open_cube, wait_idle, write_painted_cube
from test_docks40b import _off_grid_scan


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_no_lines_refusal_follows_the_lines_on_the_axis(tmp_path):
    """energy.no_lines_refusal: below 1 keV (off the models' grid) some lines (Fe
    L-alpha) still lie on the axis; below 0 keV none does."""
    import numpy as np

    from xrf_napari.cube import cube_from_array
    from xrf_napari.energy import Calibration, no_lines_refusal

    counts = np.ones((2, 2, 16), dtype=np.float32)
    low = cube_from_array(counts, Calibration(offset=0.6, gain=0.01))
    assert no_lines_refusal(low) == ""
    neg = cube_from_array(counts, Calibration(offset=-0.956, gain=0.003))
    why = no_lines_refusal(neg, "scan")
    assert why.startswith("scan: its energy axis runs from -0.956 to"), why
    assert "no element the maps offer has a line" in why and "check the calibration" in why


def test_maps_refuses_a_scan_without_lines_as_it_is_chosen(make_napari_viewer, qtbot, tmp_path):
    """Make maps stayed on for the scan, and a click failed element by element ("no line of Fe
    between -0.96 and -0.80 keV"); Select suggested stayed on with nothing suggested."""
    from xrf_napari.widgets._layers import cube_display_name
    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer = make_napari_viewer()
    maps = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(maps)
    assert not maps.suggest_button.isEnabled()  # no scan: nothing to select
    off = open_cube(viewer, _off_grid_scan(tmp_path / "neg.rpl"))[-1]
    maps.cube_combo.set_layer(off)
    line = maps.job.status.text()
    shown = cube_display_name(viewer, off)
    assert line.startswith(f"Elemental maps: {shown}: its energy axis runs from -0.9"), line
    assert "no element the maps offer has a line" in line
    assert not maps.job.run_button.isEnabled()
    assert maps.job.run_button.toolTip() == line
    assert not maps.suggest_button.isEnabled()
    qtbot.wait(200)
    assert maps.job.status.text() == line  # no survey's line over it
    maps.set_checked_elements(["Fe"])
    assert maps.run() is None and maps.job.status.text() == line  # said once, not per element


def test_spectrum_survey_says_why_nothing_is_suggested(make_napari_viewer, qtbot, tmp_path):
    """The Spectrum panel said only "Scan surveyed: 0 elements suggested." of the scan."""
    from xrf_napari.widgets._common import SURVEYS
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    off = open_cube(viewer, _off_grid_scan(tmp_path / "neg.rpl", shape=(4, 4)))[-1]
    spectrum = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(spectrum)
    spectrum.cube_combo.set_layer(off)
    qtbot.waitUntil(lambda: SURVEYS.get(spectrum.current_cube()) is not None, timeout=30000)
    wait_idle(qtbot, spectrum.job)
    line = spectrum.job.status.text()
    assert line.startswith("Scan surveyed: no element suggested: neg: its energy axis"), line


def test_select_suggested_follows_the_suggestions(make_napari_viewer, qtbot, tmp_path):
    """Select suggested is on once the scan's elements are suggested, off again with the scan
    closed (it stayed on, and did nothing)."""
    from xrf_napari.widgets._common import SURVEYS
    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer = make_napari_viewer()
    layer = open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))[-1]
    maps = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(maps)
    maps.cube_combo.set_layer(layer)
    qtbot.waitUntil(lambda: SURVEYS.get(maps.current_cube()) is not None, timeout=30000)
    assert maps.suggested() and maps.suggest_button.isEnabled()
    viewer.layers.clear()
    qtbot.waitUntil(lambda: maps.current_cube() is None, timeout=5000)
    assert not maps.suggest_button.isEnabled()
