"""The Instrument row (widgets._instrument, SURVEYS.set_instrument) walked through as a
conservator would (session 44): the Pigments fit's line above the table named the tube and kV it
used, not the optic nor the gas the row sets, and said nothing once the row changed after the
fit, so a table fitted under the file's lens read as the scan's after "collimator" was chosen."""

import pytest
from _napari_helpers import wait_idle
from test_optic44 import _write, m6_counts  # noqa: F401 (a fixture)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


INSTRUMENT_NOTE = "The Instrument row changed since this fit: press Find pigments again."
DETECTOR_NOTE = "The Detector FWHM changed since this fit: press Find pigments again."
BOTH_NOTE = "The Instrument row and the Detector FWHM changed since this fit: press Find"


def _choose(row, optic=1, anode="Rh", kv=50):
    row.optic_combo.setCurrentIndex(optic)
    row.anode_combo.setCurrentText(anode)
    row.kv_spin.setValue(kv)


def test_a_fit_says_its_optic_and_gas_and_when_the_instrument_row_changed_since(
    make_napari_viewer,
    tmp_path,
    qtbot,
    m6_counts,  # noqa: F811
):
    """The Pigments line named the fit's tube and kV only: a fit made under the file's lens read
    the same after "collimator" was chosen, and nothing said the table was not of the row's
    instrument. Now it names the optic and gas, and says when the row changed since the fit
    (in this dock or another); back to what the fit used, the note goes. The Detector FWHM
    changed after the fit said nothing (session 45): now it is said too, alone or with the row."""
    from _napari_helpers import open_cube

    from xrf_napari.widgets.pigments import PigmentsWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    first = open_cube(viewer, _write(tmp_path / "a.h5", m6_counts, {"name": "a"}))[-1]
    second = open_cube(viewer, _write(tmp_path / "b.h5", m6_counts, {"name": "b"}))[-1]
    pigments, spectrum = PigmentsWidget(viewer), SpectrumWidget(viewer)
    for dock in (pigments, spectrum):
        viewer.window.add_dock_widget(dock)
        dock.cube_combo.set_layer(first)
    pigments.use_uvit.setChecked(False)
    _choose(pigments.instrument_row, optic=1, anode="Rh", kv=50)  # polycapillary lens
    pigments.instrument_row.gas_combo.setCurrentText("helium")
    assert pigments.run() is not None
    wait_idle(qtbot, pigments.job, timeout=60000)
    assert pigments.job.last_error is None, pigments.job.status.text()
    info = pigments.info.text()
    assert info.startswith("Rh 50 kV, polycapillary lens, in helium, FWHM"), info
    spectrum.instrument_row.optic_combo.setCurrentIndex(2)  # collimator, told in Spectrum
    assert pigments.info.text() == f"{INSTRUMENT_NOTE} {info}"
    pigments.cube_combo.set_layer(second)  # another scan: its own (no fit, no note)
    assert INSTRUMENT_NOTE not in pigments.info.text()
    pigments.cube_combo.set_layer(first)
    assert pigments.info.text().startswith(INSTRUMENT_NOTE)
    pigments.instrument_row.optic_combo.setCurrentIndex(1)  # back to what the fit used
    assert pigments.info.text() == info
    pigments.fwhm_spin.setValue(180)  # the fit took the file's resolution
    assert pigments.info.text() == f"{DETECTOR_NOTE} {info}"
    spectrum.instrument_row.optic_combo.setCurrentIndex(2)
    assert pigments.info.text().startswith(BOTH_NOTE)
    pigments.cube_combo.set_layer(second)  # its own Detector: no fit, no note
    assert "changed since" not in pigments.info.text()
    pigments.cube_combo.set_layer(first)  # its Detector (180) comes back, and the note
    assert pigments.info.text().startswith(BOTH_NOTE)
    pigments.instrument_row.optic_combo.setCurrentIndex(1)
    assert pigments.info.text() == f"{DETECTOR_NOTE} {info}"
    pigments.fwhm_spin.setValue(pigments.fwhm_spin.minimum())  # the file's again
    assert pigments.info.text() == info
    wait_idle(qtbot, spectrum.job)


def test_the_last_instruments_suggestion_is_not_shown_once_the_row_changed(
    make_napari_viewer,
    tmp_path,
    qtbot,
    m6_counts,  # noqa: F811
):
    """Spectrum and Elemental maps kept showing "Suggested: ..." made for the instrument before
    while the scan was suggested again for the new one, and for good once that was cancelled
    (the Instrument row said W, the line the file's Rh suggestion, the ticks cleared). Now the
    line says none until the new suggestion arrives; another scan's line is untouched."""
    from _napari_helpers import open_cube

    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    first = open_cube(viewer, _write(tmp_path / "a.h5", m6_counts, {"name": "a"}))[-1]
    second = open_cube(viewer, _write(tmp_path / "b.h5", m6_counts, {"name": "b"}))[-1]
    spectrum, maps = SpectrumWidget(viewer), ElementMapsWidget(viewer)
    other = ElementMapsWidget(viewer)  # showing the second scan
    for dock, layer in ((spectrum, first), (maps, first), (other, second)):
        viewer.window.add_dock_widget(dock)
        dock.cube_combo.set_layer(layer)
    for dock in (spectrum, maps, other):
        wait_idle(qtbot, dock.job)
        qtbot.waitUntil(lambda d=dock: "Pb" in d.suggested_label.text(), timeout=30000)
    before = other.suggested_label.text()
    spectrum.instrument_row.anode_combo.setCurrentText("W")
    running = next(d for d in (spectrum, maps) if d.job.is_running)
    for dock in (spectrum, maps):  # suggested again for W: not the file's suggestion meanwhile
        assert dock.suggested_label.text() == "Suggested: \u2014"
    assert other.suggested_label.text() == before
    running.job.cancel_button.click()
    wait_idle(qtbot, running.job)
    qtbot.wait(50)
    for dock in (spectrum, maps):
        assert dock.suggested_label.text() == "Suggested: \u2014"
    spectrum.instrument_row.anode_combo.setCurrentIndex(0)  # back to the file's: suggested
    for dock in (spectrum, maps):
        wait_idle(qtbot, dock.job)
        qtbot.waitUntil(lambda d=dock: "Pb" in d.suggested_label.text(), timeout=30000)


def test_a_choice_made_while_the_calibration_is_fitted_survives_its_dock_closing(
    make_napari_viewer, tmp_path, qtbot, monkeypatch, gated_pass
):
    """Lens, Rh, 50 kV set in Spectrum on a scan whose automatic calibration was still being
    fitted, the dock then closed: the calibrated Cube that replaced the scan's had no choice (a
    dock showing the scan carried it), so Pigments or Maps opened afterwards read the file's.
    The reader's delivery now carries it."""
    from test_opencal32 import PENDING_KEY, _dock_then_uncalibrated

    from xrf_napari.widgets._common import SURVEYS
    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer, dock, stack = _dock_then_uncalibrated(
        make_napari_viewer, tmp_path, monkeypatch, SpectrumWidget
    )
    old = layer_cube(stack)
    _choose(dock.instrument_row)
    lens_rh_50 = {"optic": "lens", "anode": "Rh", "kv": 50.0}
    assert SURVEYS.instrument(old) == lens_rh_50
    dock.dock_closed()
    gated_pass.set()
    qtbot.waitUntil(lambda: PENDING_KEY not in stack.metadata, timeout=10000)
    cube = layer_cube(stack)
    assert cube is not old and cube.calibration.source == "auto"
    assert SURVEYS.instrument(cube) == lens_rh_50
