"""The Spectrum and Pigments docks walked through as a conservator would (session 45): what the
exported spectra CSV says of its curves and of the scan's calibration."""

import numpy as np
import pytest
from _napari_helpers import open_cube, painted_counts, wait_idle

from xrf_napari.energy import Calibration
from xrf_napari.io.project_h5 import write_cube
from xrf_napari.widgets.spectrum import SpectrumWidget


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


@pytest.fixture
def spectrum(make_napari_viewer, tmp_path, qtbot):
    """A Spectrum dock on a small painted scan with a slightly curved calibration (one the
    automatic check accepts: its peaks sit on their lines)."""
    counts, _ = painted_counts()
    path = tmp_path / "curved.h5"
    write_cube(path, counts, Calibration(1.025, 0.05, 5e-8, source="file"), metadata={"name": "c"})
    viewer = make_napari_viewer()
    open_cube(viewer, path)
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job, 60000)
    assert dock.job.last_error is None, dock.job.status.text()
    return dock


def _read(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    comments = [ln for ln in lines if ln.startswith("#")]
    rows = [ln for ln in lines if not ln.startswith("#")]
    return comments, rows[0].split(","), np.loadtxt(rows[1:], delimiter=",", ndmin=2)


def test_the_csv_states_the_calibration_its_energy_column_was_made_with(spectrum, tmp_path):
    """A curved calibration's CSV said "calibration offset 1.025 keV, gain 0.05 keV/channel":
    a straight calibration, 13 eV off the energy column at its last channel. Now the quadratic
    term is stated, and the stated terms give the energy column back."""
    out = tmp_path / "spectra.csv"
    spectrum.export_csv(out)
    comments, header, table = _read(out)
    line = next(c for c in comments if "calibration" in c)
    assert "quadratic 5e-08 keV/channel^2" in line, line
    ch = np.arange(table.shape[0])
    assert header[0] == "energy_keV"
    np.testing.assert_allclose(table[:, 0], 1.025 + 0.05 * ch + 5e-8 * ch**2, atol=1e-8)


def test_the_csv_names_the_pixel_its_pixel_column_holds(spectrum, tmp_path):
    """The pixel under the mouse was exported as a column named "pixel": the legend said
    "pixel y=3, x=4", the file no longer told which pixel. Now the column says it (no comma in
    it), and the file still opens again as its first curve, the scan's mean."""
    from xrf_napari.widgets._layers import layer_cube

    assert spectrum.show_pixel(3, 4)
    out = tmp_path / "spectra.csv"
    spectrum.export_csv(out)
    _, header, table = _read(out)
    assert header == ["energy_keV", "mean", "pixel y=3 x=4"], header
    cube = layer_cube(spectrum.cube_combo.current_layer())
    np.testing.assert_allclose(table[:, 2], np.asarray(cube.data[3, 4], float), rtol=1e-6)
    again = layer_cube(spectrum.viewer.open(str(out), plugin="xrf-napari")[-1])
    np.testing.assert_allclose(np.asarray(again.data).ravel(), table[:, 1], rtol=1e-6)


def test_a_cancel_during_the_last_step_ends_in_cancelled_not_cancelling(qtbot):
    """Cancel pressed while a job ran its last step (the Spectrum dock's survey of a small scan,
    cancelled at once) left the status line at "Cancelling..." for good, Run enabled again
    beside it: superqt emits neither `aborted` (the generator ended first) nor `returned` (a quit
    was asked). Now the line says "Cancelled." and the result is not delivered."""
    import threading

    from xrf_napari.widgets._jobs import JobPanel

    inside, release, delivered = threading.Event(), threading.Event(), []

    def job():
        yield "Working on it\u2026"
        inside.set()  # the last step: it ends without another report
        release.wait(10)
        return 42

    panel = JobPanel("Run")
    qtbot.addWidget(panel)
    assert panel.start(job, on_result=delivered.append) is not None
    qtbot.waitUntil(inside.is_set, timeout=10000)
    panel.cancel()
    assert panel.status.text() == "Cancelling\u2026"
    release.set()
    wait_idle(qtbot, panel, timeout=10000)
    assert panel.status.text() == "Cancelled."
    assert delivered == [] and panel.run_button.isEnabled()
    assert not panel.cancel_button.isEnabled()


def test_a_stage_name_arriving_after_cancel_does_not_hide_it(qtbot):
    """A job's stage name (a yielded string) still queued for the GUI thread when Cancel was
    pressed replaced "Cancelling...", and the line then stayed at the stage's name for good, with
    Run enabled beside it (seen once in the full suite: 'Working on it...' instead of
    'Cancelled.'). The queued name now leaves "Cancelling..." alone, so the line ends at
    "Cancelled."."""
    import threading

    from xrf_napari.widgets._jobs import JobPanel

    inside, release, delivered = threading.Event(), threading.Event(), []

    def job():
        yield "Working on it\u2026"
        inside.set()
        release.wait(10)
        return 42

    panel = JobPanel("Run")
    qtbot.addWidget(panel)
    assert panel.start(job, on_result=delivered.append) is not None
    assert inside.wait(10)  # without processing events: the stage's name is still queued
    panel.cancel()
    assert panel.status.text() == "Cancelling\u2026"
    release.set()
    wait_idle(qtbot, panel, timeout=10000)
    assert panel.status.text() == "Cancelled."
    assert delivered == [] and panel.run_button.isEnabled()
