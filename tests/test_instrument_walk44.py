"""The Instrument row (widgets._instrument, SURVEYS.set_instrument) walked through as a
conservator would (session 44): the Pigments fit's line above the table named the tube and kV it
used, not the optic nor the gas the row sets, and said nothing once the row changed after the
fit, so a table fitted under the file's lens read as the scan's after "collimator" was chosen."""

from _napari_helpers import wait_idle
from test_optic44 import _write, m6_counts  # noqa: F401 (a fixture)

INSTRUMENT_NOTE = "The Instrument row changed since this fit: press Find pigments again."


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
    (in this dock or another); back to what the fit used, the note goes."""
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
    wait_idle(qtbot, spectrum.job)
