"""Elemental maps' notes follow the whole Instrument row, session 48: the maps' overlaps count the
elements suggested for the tube, kV, optic and gas, but only a change of tube said the maps were
made for another instrument; after 30 kV or a lens was chosen their notes stayed without a word."""

from __future__ import annotations

import pytest
from _napari_helpers import open_cube, wait_idle, write_painted_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _maps_made(viewer, qtbot, tmp_path):
    """Elemental maps of the painted scan (its file names an Rh tube, no kV, optic nor gas)."""
    from xrf_napari.widgets.maps import ElementMapsWidget

    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    dock = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)
    dock.set_checked_elements(["Pb", "Fe", "Hg", "Cu"])
    assert dock.run() is not None
    wait_idle(qtbot, dock.job)
    assert dock.job.last_error is None, dock.job.last_error
    return dock


def test_maps_notes_give_way_when_the_kv_or_optic_changes(make_napari_viewer, qtbot, tmp_path):
    """30 kV, then a lens, chosen after Make maps: a line names what changed in place of the
    notes; the file's entries again bring the notes back. Choosing what the file means (air,
    its Rh tube) says nothing: the maps would be the same."""
    viewer = make_napari_viewer()
    dock = _maps_made(viewer, qtbot, tmp_path)
    row = dock.instrument_row
    notes = dock.notes_label.text()
    row.kv_spin.setValue(30.0)
    assert dock.notes_label.text() == (
        "\u26a0 These maps were made for an unknown kV; the scan's Instrument row now says 30 kV. "
        "Make maps again for the elements suggested for it (and for their notes)."
    )
    assert dock.notes_label.isVisibleTo(dock)
    row.optic_combo.setCurrentText("polycapillary lens")
    assert dock.notes_label.text() == (
        "\u26a0 These maps were made for an unknown kV, a collimator; the scan's Instrument row "
        "now says 30 kV, a polycapillary lens. A polycapillary lens passes half the tube's "
        "photons at 14 keV and few above: cadmium, tin and antimony, whose K lines need 27-31 "
        "keV, are then judged by their L lines (where the tube and its kV are known). Make maps "
        "again for the elements suggested for it (and for their notes)."
    )
    row.kv_spin.setValue(row.kv_spin.minimum())  # the file's entries again
    row.optic_combo.setCurrentIndex(0)
    assert dock.notes_label.text() == notes
    row.gas_combo.setCurrentText("air")
    row.anode_combo.setCurrentText("Rh")
    assert dock.notes_label.text() == notes
    row.gas_combo.setCurrentText("helium")
    assert "made for air; the scan's Instrument row now says helium." in dock.notes_label.text()
