"""One instrument per scan in the Spectrum, Elemental maps and Pigments docks.

The Pigments dock had Tube and Optic, gas rows of its own, not linked to the Instrument row that
Spectrum and Elemental maps share (widgets._instrument, SURVEYS.set_instrument): a conservator who
told Spectrum "polycapillary lens, Rh 50 kV" for an M6 .rpl had to tell Pigments again, and the
two could disagree silently about the same scan (the suggestion made for the lens, the pigments
fitted under a collimator and the file's tube). Pigments now shows the same row: a choice made in
any dock shows in the others for that scan, is what the pigment fit uses, and re-suggests the
elements; another scan keeps its own. The detector's resolution stays Pigments' own, per scan.
"""

import pytest
from _napari_helpers import open_cube, wait_idle
from test_optic44 import _write, m6_counts  # noqa: F401 (a fixture)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


LENS_RH_50 = {"optic": "lens", "anode": "Rh", "kv": 50.0}


def _choose(row, optic=None, anode=None, kv=None) -> None:
    """Set optic, anode and kV as a user does, in a dock's Instrument row (Pigments' optic box
    said "lens" before, the shared row says "polycapillary lens": the entry holding the word)."""
    box = row.optic_combo
    if optic is not None:
        box.setCurrentIndex(next(i for i in range(1, box.count()) if optic in box.itemText(i)))
    if anode is not None:
        row.anode_combo.setCurrentText(anode)
    if kv is not None:
        row.kv_spin.setValue(kv)


def _dock(viewer, cls, layer):
    dock = cls(viewer)
    viewer.window.add_dock_widget(dock)
    dock.cube_combo.set_layer(layer)
    return dock


@pytest.fixture
def two_scans(make_napari_viewer, tmp_path, m6_counts):  # noqa: F811
    """Two spot scans whose files name nothing of their instrument (as an M6 .rpl export), and
    the viewer with the Pigments dock on the first."""
    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    first = open_cube(viewer, _write(tmp_path / "a.h5", m6_counts, {"name": "a"}))[-1]
    second = open_cube(viewer, _write(tmp_path / "b.h5", m6_counts, {"name": "b"}))[-1]
    return viewer, first, second, _dock(viewer, PigmentsWidget, first)


def test_a_choice_made_in_spectrum_shows_in_pigments_and_is_what_its_fit_uses(
    two_scans, qtbot, monkeypatch
):
    """Lens, Rh and 50 kV told in Spectrum: Pigments' boxes show them at once for the same scan,
    and Find pigments fits with them (and with Pigments' own Detector); Pigments read the file's
    (a collimator, its anode estimated, 50 kV assumed) unless told again."""
    from xrf_napari.analysis.pigment_fit import instrument_for
    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer, first, _second, pigments = two_scans
    spectrum = _dock(viewer, SpectrumWidget, first)
    assert pigments.instrument() == {}
    _choose(spectrum.instrument_row, optic="lens", anode="Rh", kv=40)
    assert pigments.instrument() == dict(LENS_RH_50, kv=40.0)  # shown at once, not on a switch
    row = pigments.instrument_row
    assert row.anode_combo.currentText() == "Rh" and row.kv_spin.value() == 40
    assert "lens" in row.optic_combo.currentText()
    spectrum.instrument_row.kv_spin.setValue(50)
    pigments.fwhm_spin.setValue(160)  # the detector stays Pigments' own
    started = []
    monkeypatch.setattr(pigments, "start_job", lambda *a, **kw: started.append(a) or object())
    assert pigments.run() is not None
    (args,) = started
    used = args[8]  # _pigments_job's instrument
    assert used == dict(LENS_RH_50, fwhm_mn_ev=160.0)
    profile, _notes = instrument_for(layer_cube(first), **used)
    assert (profile.anode, profile.kv, profile.optic) == ("Rh", 50.0, "polycapillary")
    wait_idle(qtbot, spectrum.job)


def test_a_choice_made_in_pigments_resuggests_in_spectrum_and_maps(two_scans, qtbot):
    """The lens, Rh and 50 kV told in Pigments: Spectrum and Elemental maps show them for the
    scan and suggest cadmium, judged by its L lines under the lens (the file names no optic)."""
    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer, first, _second, pigments = two_scans
    spectrum = _dock(viewer, SpectrumWidget, first)
    maps = _dock(viewer, ElementMapsWidget, first)
    qtbot.waitUntil(lambda: "Pb" in maps.suggested_label.text(), timeout=30000)
    assert "Cd" not in maps.suggested_label.text()
    _choose(pigments.instrument_row, optic="lens", anode="Rh", kv=50)
    for dock in (spectrum, maps):
        assert dock.instrument_row.choice() == LENS_RH_50
    qtbot.waitUntil(lambda: "Cd" in maps.suggested_label.text(), timeout=15000)
    qtbot.waitUntil(lambda: "Cd" in spectrum.suggested_label.text(), timeout=15000)
    wait_idle(qtbot, spectrum.job)
    wait_idle(qtbot, maps.job)


def test_another_scan_keeps_its_own_choice_in_every_dock(two_scans, qtbot, monkeypatch):
    """A choice made for one scan is not another's: the second scan shows the file's in both
    docks, its own choice (made in Spectrum) shows in Pigments, and each comes back with its scan,
    as does Pigments' Detector. A closed Pigments dock is no longer told of changes."""
    from xrf_napari.widgets._common import SURVEYS
    from xrf_napari.widgets.pigments import PigmentsWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer, first, second, pigments = two_scans
    spectrum = _dock(viewer, SpectrumWidget, first)
    _choose(pigments.instrument_row, optic="lens", anode="Rh", kv=50)
    pigments.fwhm_spin.setValue(160)
    for dock in (spectrum, pigments):
        dock.cube_combo.set_layer(second)
    assert pigments.instrument() == {} and spectrum.instrument_row.choice() == {}
    kv_box = pigments.instrument_row.kv_spin
    assert kv_box.value() == kv_box.minimum()  # "kV: file's (unknown)"
    _choose(spectrum.instrument_row, kv=40)
    assert pigments.instrument() == {"kv": 40.0}
    pigments.cube_combo.set_layer(first)
    assert pigments.instrument() == dict(LENS_RH_50, fwhm_mn_ev=160.0)
    assert spectrum.instrument_row.choice() == {"kv": 40.0}  # Spectrum still shows the second
    spectrum.cube_combo.set_layer(first)
    assert spectrum.instrument_row.choice() == LENS_RH_50
    pigments.cube_combo.set_layer(second)
    assert pigments.instrument() == {"kv": 40.0}
    # a closed Pigments dock follows no more: its handler is disconnected from the hub (CubeDock's
    # handler calls the dock's follow_instrument, which records who was told)
    told = []
    base = PigmentsWidget.follow_instrument

    def record(self, cube):
        told.append(self)
        base(self, cube)

    monkeypatch.setattr(PigmentsWidget, "follow_instrument", record)
    _choose(spectrum.instrument_row, kv=45)
    assert pigments in told  # open, it is told (of another scan's change too)
    told.clear()
    receivers = SURVEYS.receivers(SURVEYS.instrument_changed)
    viewer.window.remove_dock_widget(pigments)
    assert SURVEYS.receivers(SURVEYS.instrument_changed) == receivers - 1
    _choose(spectrum.instrument_row, kv=48)
    assert pigments not in told
    wait_idle(qtbot, spectrum.job)
