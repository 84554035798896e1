"""Stale or untrue words in the Spectrum and Pigments docks (session 54, gui54): the instrument
stage named what it does not estimate, the survey named a renamed layer by the scan's own name, a
tube given to read_cube was called the default, and `napari FILE` showed a reader's warning in
the terminal only."""

from __future__ import annotations

import numpy as np
import pytest
from _napari_helpers import add_cube, caught_notifications, cu_tube_scan, open_cube, wait_idle
from test_docks40b import _off_grid_scan
from test_tube48 import _native


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_the_stage_line_names_only_the_resolution_it_estimates(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """A file naming its Cu tube but no detector resolution: Pigments said "Estimating the tube
    anode and detector resolution from the spectra..." while it tried only resolutions."""
    from xrf_napari.analysis import pigment_fit
    from xrf_napari.widgets.pigments import PigmentsWidget

    def tried(profile, **kw):  # the first instrument tried ends the run: said before it
        raise RuntimeError(f"stand-in: tried {profile.anode} at {profile.fwhm_mn_ev} eV")

    monkeypatch.setattr(pigment_fit, "component_library", tried)
    viewer = make_napari_viewer()
    open_cube(viewer, cu_tube_scan(tmp_path / "cu.h5", anode="Cu", h=8, w=4))
    viewer.add_labels(np.repeat(np.arange(1, 5), 2)[:, None].repeat(4, 1), name="regions")
    dock = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    dock.use_uvit.setChecked(False)
    said = []
    shown = dock.job.status.setText
    dock.job.status.setText = lambda text: said.append(text) or shown(text)
    assert dock.run() is not None
    wait_idle(qtbot, dock.job)
    assert "stand-in: tried Cu at" in said[-1], said  # the resolution tried, the anode named
    assert [s for s in said if s.startswith("Estimating")] == [
        "Estimating the detector resolution from the spectra\u2026"
    ], said


def test_the_survey_line_names_the_scan_as_the_layer_list_does(make_napari_viewer, qtbot, tmp_path):
    """A scan whose axis holds no line, its layer renamed: the Spectrum survey said "Scan
    surveyed: no element suggested: neg: ..." of a layer the list calls "my scan"."""
    from xrf_napari.widgets._common import SURVEYS
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    layers = open_cube(viewer, _off_grid_scan(tmp_path / "neg.rpl", shape=(4, 4)))
    stack = next(ly for ly in layers if ly.ndim == 3)
    stack.name = "my scan"
    spectrum = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(spectrum)
    spectrum.cube_combo.set_layer(stack)
    qtbot.waitUntil(lambda: SURVEYS.get(spectrum.current_cube()) is not None, timeout=30000)
    wait_idle(qtbot, spectrum.job)
    line = spectrum.job.status.text()
    assert line.startswith("Scan surveyed: no element suggested: my scan: its energy axis"), line


@pytest.fixture(scope="module")
def rh_counts():
    return _native("Rh", 40.0)


def test_a_tube_given_to_read_cube_is_not_called_the_default(
    make_napari_viewer, tmp_path, rh_counts
):
    """read_cube(path, anode="Rh") of a file naming no tube: the Spectrum dock's calibration tip
    and the Pigments calibration note said "the file names none: Rh by default", though Rh was
    given (`info --anode Rh` said so)."""
    from xrf_napari.analysis.pigment_fit import calibration_notes
    from xrf_napari.io import read_cube
    from xrf_napari.physics.instrument import InstrumentProfile
    from xrf_napari.widgets.spectrum import SpectrumWidget

    path = tmp_path / "rh.npy"
    np.save(path, rh_counts)
    viewer = make_napari_viewer()
    spectrum = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(spectrum)
    tips = {}
    for given in ("Rh", None):
        cube = read_cube(path, anode=given)
        assert cube.calibration.source == "auto"
        viewer.layers.clear()
        add_cube(viewer, cube)
        spectrum.cube_combo.set_layer(viewer.layers[0])
        note = calibration_notes(cube, InstrumentProfile(anode="Rh"))[0]
        tips[given] = (spectrum.calibration_label.toolTip(), note)
    spectrum_tip, fit_note = tips["Rh"]  # the dock's tip in napari's words (3f7bd172)
    assert "given when the scan was read" in spectrum_tip and "by default" not in spectrum_tip
    assert "given with --anode" in fit_note and "by default" not in fit_note
    for said in tips[None]:  # no tube named: read off its Rh scatter lines (session 63)
        assert "the file names none: read from the scan's scattered tube lines" in said


def test_napari_file_shows_a_readers_warning_as_a_notification(make_napari_viewer, real_data):
    """`napari spacekeys_variant.rpl` opens the file (QtViewer._qt_open) before napari.run hooks
    warnings into notifications: "the 180 trailing bytes are ignored; the file's size fits depth
    16" reached the terminal only. Inside napari's loop (its hook set) it is told once."""
    from napari.utils.notifications import notification_manager

    path = str(real_data / "spacekeys_variant.rpl")
    viewer = make_napari_viewer()
    with pytest.warns(UserWarning, match="trailing bytes"), caught_notifications() as seen:
        viewer.window._qt_viewer._qt_open([path], stack=False, plugin="xrf-napari")
    told = [n.message for n in seen if "180 trailing bytes are ignored" in n.message]
    assert len(told) == 1, [n.message for n in seen]
    assert [ly.name for ly in viewer.layers] == ["spacekeys_variant", "spacekeys_variant sum"]
    viewer.layers.clear()
    with caught_notifications() as seen, notification_manager:  # napari's hook: not told twice
        viewer.window._qt_viewer._qt_open([path], stack=False, plugin="xrf-napari")
    assert len([n for n in seen if "180 trailing bytes are ignored" in n.message]) <= 1
    assert len(viewer.layers) == 2
