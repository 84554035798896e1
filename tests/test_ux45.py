"""Spectrum and Pigments docks, small things a walkthrough found (session 45): Find regions off
without a photograph, the Log scale box over an all-zero scan, the name of a job stopped by its
scan's closing, and where a re-opened spectrum export's calibration came from."""

import threading

import numpy as np
import pytest
from _napari_helpers import (
    held_job,
    open_cube,
    painted_counts,
    stopped_by_closing_its_scan,
    wait_idle,
    write_painted_cube,
)
from _spectra import CANONICAL_CAL

from xrf_napari.energy import Calibration
from xrf_napari.io.project_h5 import write_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_find_regions_is_off_until_a_photograph_is_chosen(make_napari_viewer, tmp_path):
    """Find regions stayed on with no Photograph chosen, and a click only refused ("choose a
    Photograph of the scanned area first"). Now it is off, its tooltip first saying why, on
    once a photograph is chosen, off again when none is."""
    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    dock = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    button = dock.regions_button
    assert dock.photo_combo.current_layer() is None
    assert not button.isEnabled()
    assert button.toolTip().startswith("Off until a Photograph of the scanned area is chosen")
    viewer.add_image(np.zeros((24, 20, 3), np.float32), rgb=True, name="photo")
    dock.photo_combo.set_layer(viewer.layers["photo"])
    assert button.isEnabled()
    assert not button.toolTip().startswith("Off until a Photograph")
    dock.photo_combo.set_layer(None)
    assert not button.isEnabled() and "Photograph" in button.toolTip()
    assert dock.find_regions() is None  # a script's call is still refused, saying why


def _scan(path, counts):
    write_cube(path, counts, CANONICAL_CAL, metadata={"name": path.stem})
    return path


def test_log_scale_box_says_an_all_zero_scan_is_shown_linear(make_napari_viewer, qtbot, tmp_path):
    """On a scan whose every count is zero the axis is linear (no log axis without a count above
    zero), and the Log scale box stayed ticked, nothing saying why. Now it is unticked and off
    there, its tooltip saying why; the user's choice comes back on a scan with counts, and one
    made there (unticked) is kept when the zero scan is left and chosen again."""
    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.spectrum import LOG_NEEDS_COUNTS, SpectrumWidget

    viewer = make_napari_viewer()
    zero = open_cube(viewer, _scan(tmp_path / "zero.h5", np.zeros((4, 5, 64), np.uint16)))[-1]
    counts = np.random.default_rng(0).poisson(5.0, (4, 5, 64)).astype(np.uint16)
    full = open_cube(viewer, _scan(tmp_path / "full.h5", counts))[-1]
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    box = dock.log_check

    def show(layer):
        dock.cube_combo.set_layer(layer)
        wait_idle(qtbot, dock.job)
        qtbot.waitUntil(lambda: "mean" in dock.curves, timeout=10000)

    show(zero)
    assert not dock.curves["mean"][1].any()
    assert not box.isChecked() and not box.isEnabled()
    assert box.toolTip() == LOG_NEEDS_COUNTS and "shown linear" in box.toolTip()
    assert not dock._plot_spec().log
    show(full)
    assert layer_cube(full) is dock.current_cube()
    assert box.isChecked() and box.isEnabled() and box.toolTip() == ""
    assert dock._plot_spec().log
    box.setChecked(False)  # the user's choice, on the scan with counts
    show(zero)
    assert not box.isChecked() and not box.isEnabled()
    show(full)
    assert not box.isChecked() and box.isEnabled() and not dock._plot_spec().log
    box.setChecked(True)
    show(zero)
    show(full)
    assert box.isChecked() and dock._plot_spec().log


@pytest.mark.parametrize("dock_kind", ["spectrum", "pigments"])
def test_a_step_stopped_by_its_scan_closing_is_named_in_the_notification(
    make_napari_viewer, qtbot, tmp_path, monkeypatch, dock_kind
):
    """A region spectrum whose scan was closed was announced as "Mean spectrum: Stopped: the
    scan a.h5 was closed." (the dock's Run button), and Pigments' Find regions so as "Find
    pigments: ...". Now the notification names the job stopped."""
    import xrf_napari.widgets.pigments as pigments_mod
    import xrf_napari.widgets.spectrum as spectrum_mod

    viewer = make_napari_viewer()
    gate = threading.Event()
    if dock_kind == "spectrum":
        counts = np.random.default_rng(0).poisson(5.0, (4, 5, 64)).astype(np.uint16)
        open_cube(viewer, _scan(tmp_path / "a.h5", counts))
        dock = spectrum_mod.SpectrumWidget(viewer)
        viewer.window.add_dock_widget(dock)
        wait_idle(qtbot, dock.job)  # the survey
        viewer.add_shapes([np.array([[0, 0], [0, 2], [2, 2], [2, 0]])], name="box")
        dock.region_combo.set_layer(viewer.layers["box"])
        monkeypatch.setattr(spectrum_mod, "_region_job", held_job(gate))
        start, expected = dock.region_spectrum, "Region spectrum"
    else:
        open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
        dock = pigments_mod.PigmentsWidget(viewer)
        viewer.window.add_dock_widget(dock)
        viewer.add_image(np.zeros((24, 20, 3), np.float32) + 0.5, rgb=True, name="photo")
        dock.photo_combo.set_layer(viewer.layers["photo"])
        monkeypatch.setattr(pigments_mod, "_regions_job", held_job(gate))
        start, expected = dock.find_regions, "Find regions"
    cube = dock.current_cube()
    try:
        assert start() is not None
        stopped = stopped_by_closing_its_scan(viewer, qtbot, dock, cube)
    finally:
        gate.set()
    assert stopped == [f"{expected}: Stopped: the scan a.h5 was closed."], stopped


def test_a_reopened_export_of_an_automatic_calibration_says_so(make_napari_viewer, qtbot, tmp_path):
    """A spectrum CSV exported from a scan whose calibration xrf-napari had fitted ("auto")
    opened again with the calibration "file", as if the scan's file had given it. Now the
    export's header names it as the dock's label does ("auto, assuming a Rh tube"), the reader
    reads it back (metadata "exported_calibration" and a calibration note), and the dock's
    label says "file, exported from an automatic calibration assuming a Rh tube"; exported and
    opened once more, it still says so."""
    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.spectrum import SpectrumWidget

    counts, _ = painted_counts()
    path = tmp_path / "auto.h5"
    auto = {"anode": "Rh", "matched": ["Fe K\u03b1 ch 107.5"], "residual_ev_rms": 4.6}
    write_cube(
        path,
        counts[:4, :5],
        Calibration(1.03, 0.05, source="auto"),
        metadata={"name": "auto", "auto_calibration": auto},
    )
    viewer = make_napari_viewer()
    open_cube(viewer, path)
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)
    assert "calibration: auto, assuming a Rh tube" in dock.calibration_label.text()
    out = tmp_path / "spectra.csv"
    dock.export_csv(out)
    line = next(ln for ln in out.read_text(encoding="utf-8").splitlines() if "gain" in ln)
    assert line.endswith("keV/channel (auto, assuming a Rh tube)"), line
    again = layer_cube(viewer.open(str(out), plugin="xrf-napari")[-1])
    assert again.calibration.source == "file"  # the energy column is the file's
    assert again.metadata["exported_calibration"] == "auto, assuming a Rh tube"
    assert "automatic" in again.metadata["calibration_note"]
    dock.cube_combo.set_layer(viewer.layers[-1])
    assert dock.current_cube() is again
    words = "calibration: file, exported from an automatic calibration assuming a Rh tube"
    assert words in dock.calibration_label.text(), dock.calibration_label.text()
    assert "fitted by xrf-napari" in dock.calibration_label.toolTip()
    wait_idle(qtbot, dock.job)
    qtbot.waitUntil(lambda: "mean" in dock.curves, timeout=10000)
    twice = tmp_path / "twice.csv"
    dock.export_csv(twice)
    from xrf_napari.io.spectra import read_csv

    assert read_csv(twice).metadata["exported_calibration"] == "auto, assuming a Rh tube"


def test_the_reader_leaves_other_csv_calibrations_as_the_files(tmp_path):
    """Only an xrf-napari export's calibration line names an automatic calibration: a file's own
    comment saying "(auto)" elsewhere, and an export of a file calibration, stay "file" with
    no note."""
    from xrf_napari.io.spectra import read_csv

    rows = "\n".join(f"{1 + 0.01 * i:.3f},{i % 7}" for i in range(64))
    cases = {
        "other.csv": "# my notes: calibration offset 1 keV, gain 0.01 keV/channel (auto)\n",
        "file.csv": "# xrf-napari spectra, mean counts per pixel\n"
        "# cube: a; calibration offset 1 keV, gain 0.01 keV/channel (file)\n",
    }
    for name, head in cases.items():
        (tmp_path / name).write_text(head + "energy_keV,mean\n" + rows + "\n", encoding="utf-8")
        spec = read_csv(tmp_path / name)
        assert spec.calibration.source == "file"
        assert "exported_calibration" not in spec.metadata
        assert "calibration_note" not in spec.metadata
    old = "# xrf-napari spectra, mean counts per pixel\n# cube: a; calibration offset 1 keV, "
    old += "gain 0.01 keV/channel (auto)\n"  # an export made before the anode was named
    (tmp_path / "old.csv").write_text(old + "energy_keV,mean\n" + rows + "\n", encoding="utf-8")
    assert read_csv(tmp_path / "old.csv").metadata["exported_calibration"] == "auto"
