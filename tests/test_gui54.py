"""Stale or untrue words in the Spectrum and Pigments docks (session 54, gui54): the instrument
stage named what it does not estimate, the survey named a renamed layer by the scan's own name, a
tube given to read_cube was called the default, and `napari FILE` showed a reader's warning in
the terminal only."""

from __future__ import annotations

import numpy as np
from _napari_helpers import cu_tube_scan, open_cube, wait_idle
from test_docks40b import _off_grid_scan


def test_the_stage_line_names_only_the_resolution_it_estimates(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """A file naming its Cu tube but no detector resolution: Pigments said "Estimating the tube
    anode and detector resolution from the spectra..." while it tried only resolutions."""
    from xrf_napari.analysis import pigment_fit
    from xrf_napari.widgets.pigments import PigmentsWidget

    def tried(profile):  # the first instrument tried ends the run: the line was said before it
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
