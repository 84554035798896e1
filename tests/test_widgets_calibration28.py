"""The Spectrum panel names the tube an automatic calibration assumed (walk audit 27, finding 6):
fitted from the wrong anode's scatter every energy is off, and "(calibration: auto)" alone gave
no hint of the assumption. Its tooltip gives the fitted terms and the matched peaks."""

import numpy as np
import pytest
from _napari_helpers import open_cube, painted_counts, wait_idle

from xrf_napari.widgets._layers import layer_cube
from xrf_napari.widgets.spectrum import SpectrumWidget


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_an_auto_calibrated_scan_names_its_assumed_tube(make_napari_viewer, tmp_path, qtbot):
    counts, _ = painted_counts()
    path = tmp_path / "nocal.npy"  # no sidecar: the reader calibrates it from its peaks
    np.save(path, counts)
    viewer = make_napari_viewer()
    layers = open_cube(viewer, path)
    cube = layer_cube(layers[0])
    spectrum = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(spectrum)
    wait_idle(qtbot, spectrum.job)
    text = spectrum.calibration_label.text()
    tip = spectrum.calibration_label.toolTip()
    # its Rh scatter lines read (b692dfd0), as the label says since tubeB63
    assert "(calibration: auto, for a Rh tube read from its scatter lines)" in text, text
    assert "Rh" in tip and "matched:" in tip and "--anode" in tip, tip
    assert cube.calibration.source == "auto"
    assert f"{cube.calibration.gain:.6g} \u00d7 channel keV" in tip


def test_a_file_calibration_says_file_and_gives_its_terms(make_napari_viewer, tmp_path, qtbot):
    from _napari_helpers import write_painted_cube

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "cal.h5"))
    spectrum = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(spectrum)
    wait_idle(qtbot, spectrum.job)
    assert spectrum.calibration_label.text().endswith("(calibration: file)")
    assert "\u00d7 channel keV (file)" in spectrum.calibration_label.toolTip()
