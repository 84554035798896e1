"""The Spectrum and Elemental maps docks show the suggestions' calibration warning
(peaks.Suggestions.warning) under "Suggested: ...", as quicklook prints it: a list of elements
from a shifted energy axis looks as trustworthy as any other."""

import pytest
from _napari_helpers import open_cube, painted_counts, wait_idle

from xrf_napari.energy import Calibration
from xrf_napari.io.project_h5 import write_cube
from xrf_napari.widgets.maps import ElementMapsWidget
from xrf_napari.widgets.spectrum import SpectrumWidget


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _painted(path, offset_shift_kev: float):
    counts, _ = painted_counts()
    meta = {"profile": {"anode": "Rh", "fwhm_mn_ev": 140.0}, "name": path.stem}
    write_cube(path, counts, Calibration(1.025 + offset_shift_kev, 0.05), metadata=meta)
    return path


def test_both_docks_warn_on_a_shifted_axis_and_not_on_the_true_one(
    make_napari_viewer, qtbot, tmp_path
):
    viewer = make_napari_viewer()
    true = open_cube(viewer, _painted(tmp_path / "true.h5", 0.0))
    shifted = open_cube(viewer, _painted(tmp_path / "shifted.h5", 0.07))  # 0.4 FWHM off
    spectrum, maps = SpectrumWidget(viewer), ElementMapsWidget(viewer)
    for dock in (spectrum, maps):
        viewer.window.add_dock_widget(dock)
    sum_layer = {id(ls): next(ly for ly in ls if ly.ndim == 2) for ls in (true, shifted)}

    spectrum.cube_combo.set_layer(sum_layer[id(shifted)])
    maps.cube_combo.set_layer(sum_layer[id(shifted)])
    wait_idle(qtbot, spectrum.job)
    qtbot.waitUntil(lambda: "Pb" in maps.suggested_label.text(), timeout=30000)
    for dock in (spectrum, maps):
        text = dock.suggested_label.text()
        assert text.startswith("Suggested: Pb") and "\u26a0" in text, text
        assert "energy calibration looks off" in text and "color:" in text  # shown, in orange

    spectrum.cube_combo.set_layer(sum_layer[id(true)])
    maps.cube_combo.set_layer(sum_layer[id(true)])
    wait_idle(qtbot, spectrum.job)
    qtbot.waitUntil(lambda: "Pb" in maps.suggested_label.text(), timeout=30000)
    for dock in (spectrum, maps):
        assert "\u26a0" not in dock.suggested_label.text()
        assert "Pb" in dock.suggested_label.text()
