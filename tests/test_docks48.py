"""Results that read the scan's tube, session 48: Elemental maps' notes (the tube's scattered
lines are fitted beside the lines they overlap) stayed as made for the tube at Make maps after
another tube was chosen, where Recolour's notes and Embed & cluster's line give way to a line
saying so; and the training-data report (OODReport) did not say which tube it was made for."""

from __future__ import annotations

import pytest
from _napari_helpers import open_cube, wait_idle, write_painted_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


#: Elemental maps' line once the painted scan's Rh tube (its file's) was changed to W.
MAPS_STALE = (
    "\u26a0 These maps were made for a Rh tube; the scan's tube is now a W tube. Make maps "
    "again to separate the lines from this tube's scattered lines (and for their notes)."
)


def _maps_dock(viewer, qtbot, tmp_path):
    """Elemental maps on the painted scan (its file names an Rh tube), surveyed."""
    from xrf_napari.widgets.maps import ElementMapsWidget

    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    dock = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)
    return dock


def _make_maps(dock, qtbot, symbols=("Pb", "Fe", "Hg", "Cu")):
    dock.set_checked_elements(list(symbols))
    assert dock.run() is not None
    wait_idle(qtbot, dock.job)
    assert dock.job.last_error is None, dock.job.last_error


def test_maps_notes_give_way_when_another_tube_is_chosen(make_napari_viewer, qtbot, tmp_path):
    """Maps made under the file's Rh tube, then W chosen in the Instrument row: the notes under
    the table stayed those of the Rh run (the maps fitted Rh's lines beside the elements', not
    W's), and nothing said the maps were of another tube. The notes give way to a line saying
    so, the composite row keeps its choices, the file's tube brings the notes back, and Make
    maps again gives the W tube's notes."""
    viewer = make_napari_viewer()
    dock = _maps_dock(viewer, qtbot, tmp_path)
    _make_maps(dock, qtbot)
    notes = dock.notes_label.text()
    dock.rgb_combos[0].setCurrentText("Cu")
    chosen = [c.currentText() for c in dock.rgb_combos]
    dock.instrument_row.anode_combo.setCurrentText("W")
    assert dock.notes_label.text() == MAPS_STALE
    assert dock.notes_label.isVisibleTo(dock)
    assert [c.currentText() for c in dock.rgb_combos] == chosen
    dock.instrument_row.anode_combo.setCurrentIndex(0)  # the file's again: the notes hold
    assert dock.notes_label.text() == notes
    dock.instrument_row.anode_combo.setCurrentText("W")
    wait_idle(qtbot, dock.job)  # the survey suggested again for W
    _make_maps(dock, qtbot)
    assert "made for" not in dock.notes_label.text()
    assert "W" in dock.notes_label.text(), dock.notes_label.text()  # W's L lines near Cu's


def test_maps_made_while_the_tube_changed_say_so(make_napari_viewer, qtbot, tmp_path):
    """W chosen (in another dock's row) while Make maps ran: the maps, made for the Rh tube
    read at Make maps, came with Rh's notes under a W tube; the line says they were made for
    Rh. The scan chosen again later still says it."""
    from xrf_napari.widgets._common import SURVEYS

    viewer = make_napari_viewer()
    dock = _maps_dock(viewer, qtbot, tmp_path)
    cube, shown = dock.current_cube(), dock.current_layer()
    dock.set_checked_elements(["Pb", "Fe", "Hg", "Cu"])
    assert dock.run() is not None
    SURVEYS.set_instrument(cube, {"anode": "W"})
    wait_idle(qtbot, dock.job)
    qtbot.waitUntil(lambda: SURVEYS.get(cube) is not None and not dock.job.is_running)
    assert dock.job.last_error is None, dock.job.last_error
    assert dock.notes_label.text() == MAPS_STALE
    other = open_cube(viewer, write_painted_cube(tmp_path / "other.h5", seed=1))
    dock.cube_combo.set_layer(other[-1])
    assert dock.current_cube() is not cube
    assert dock.notes_label.text() != MAPS_STALE
    dock.cube_combo.set_layer(shown)
    assert dock.current_cube() is cube
    assert dock.notes_label.text() == MAPS_STALE


def test_the_training_data_report_names_the_tube_it_was_made_for(tmp_path):
    """OODReport said nothing of the tube its line assumed where that tube was one of the
    trained ones ("Like the training data ..."), so a result kept with it could not tell which
    tube that was: it carries the anode now, the one given over the file's (None: neither)."""
    from _napari_helpers import cu_tube_scan, tiny_weights

    from xrf_napari.analysis.ood import check_scan
    from xrf_napari.io import read_cube

    dve, _ = tiny_weights(tmp_path)
    unnamed = read_cube(cu_tube_scan(tmp_path / "none.h5"))
    named = read_cube(cu_tube_scan(tmp_path / "cu.h5", anode="Cu"))
    assert check_scan(unnamed, dve, n=64).anode is None
    assert check_scan(unnamed, dve, n=64, anode="Mo").anode == "Mo"
    assert check_scan(named, dve, n=64).anode == "Cu"
    assert check_scan(named, dve, n=64, anode="W").anode == "W"


def test_a_pigments_fit_goes_stale_when_the_tube_changes_elsewhere(
    make_napari_viewer, qtbot, tmp_path
):
    """A guard of Pigments on the docks' one mechanism (CubeDock.made_for, follow_instrument):
    a tube chosen for the fitted scan while the dock showed another scan (in Recolour's Tube
    box), or chosen while the fit ran, leaves the line saying the fit is of another
    instrument; the file's tube again takes the note away."""
    from _napari_helpers import cluster_with_tiny_dve, tiny_recolour_dock

    from xrf_napari.widgets._common import SURVEYS
    from xrf_napari.widgets.pigments import PigmentsWidget

    note = "The Instrument row changed since this fit: press Find pigments again. "
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    embed = cluster_with_tiny_dve(viewer, qtbot, tmp_path, k=2)
    cube, first = embed.current_cube(), embed.current_layer()
    pigments = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(pigments)
    assert pigments.run() is not None
    wait_idle(qtbot, pigments.job, timeout=60000)
    assert pigments.job.last_error is None, pigments.job.status.text()
    info = pigments.info.text()
    assert not info.startswith(note), info
    second = open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))[-1]
    pigments.cube_combo.set_layer(second)
    recolour = tiny_recolour_dock(viewer, tmp_path)
    recolour.cube_combo.set_layer(first)
    recolour.instrument_row.anode_combo.setCurrentText("W")
    assert SURVEYS.instrument(cube) == {"anode": "W"}
    pigments.cube_combo.set_layer(first)
    assert pigments.info.text() == note + info
    recolour.instrument_row.anode_combo.setCurrentIndex(0)
    assert pigments.info.text() == info
    assert pigments.run() is not None  # W chosen while it fits: its line says so once shown
    recolour.instrument_row.anode_combo.setCurrentText("W")
    wait_idle(qtbot, pigments.job, timeout=60000)
    assert pigments.info.text().startswith(note), pigments.info.text()


def test_the_composite_row_comes_back_with_its_scan(make_napari_viewer, qtbot, tmp_path):
    """Red, green and blue chosen for a scan's maps were lost once another scan was looked at:
    back on the scan, the row offered the first three maps again (its ticks and FWHM come back,
    and Add composite then made a composite the user had not chosen). They come back with it;
    a choice whose map was deleted meanwhile takes a map not chosen, and Make maps again
    offers the first three, as always."""
    viewer = make_napari_viewer()
    dock = _maps_dock(viewer, qtbot, tmp_path)
    first = dock.current_layer()
    _make_maps(dock, qtbot)
    default = [c.currentText() for c in dock.rgb_combos]
    mine = ["Cu", "(none)", "Pb"]
    assert mine != default
    for combo, symbol in zip(dock.rgb_combos, mine):
        combo.setCurrentText(symbol)
    other = open_cube(viewer, write_painted_cube(tmp_path / "other.h5", seed=1))[-1]
    dock.cube_combo.set_layer(other)
    wait_idle(qtbot, dock.job)
    assert [c.currentText() for c in dock.rgb_combos] == ["", "", ""]  # no maps there
    dock.cube_combo.set_layer(first)
    assert [c.currentText() for c in dock.rgb_combos] == mine
    dock.cube_combo.set_layer(other)
    viewer.layers.remove(next(ly for ly in viewer.layers if ly.name.startswith("Cu ")))
    dock.cube_combo.set_layer(first)
    chosen = [c.currentText() for c in dock.rgb_combos]
    assert chosen[1:] == mine[1:] and chosen[0] not in ("Cu", "Pb", "(none)"), chosen
    _make_maps(dock, qtbot)
    assert [c.currentText() for c in dock.rgb_combos] == default


def test_recolours_outline_goes_with_its_colours(make_napari_viewer, qtbot, tmp_path):
    """The colours deleted (of the scan shown, or of another), their "ambiguous colour" outline
    stayed beside the scan over nothing, its box ticked and off, so nothing in the dock took it
    away. It goes with them, and the box is unticked."""
    from _napari_helpers import tiny_recolour_dock

    def outlines():
        return [ly.name for ly in viewer.layers if ly.name.startswith("ambiguous colour")]

    def recolour_with_outline(scan):
        dock.cube_combo.set_layer(scan)
        dock.outline_box.setChecked(True)  # (no colours of the scan yet: read at Run)
        assert dock.run() is not None
        wait_idle(qtbot, dock.job, timeout=120000)
        assert dock.job.last_error is None, dock.job.last_error
        assert outlines()
        return dock.result_layer

    viewer = make_napari_viewer()
    first = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))[-1]
    second = open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))[-1]
    dock = tiny_recolour_dock(viewer, tmp_path)
    viewer.layers.remove(recolour_with_outline(first))  # the scan shown
    assert not outlines() and not dock.outline_box.isChecked()
    colours = recolour_with_outline(second)
    dock.cube_combo.set_layer(first)
    viewer.layers.remove(colours)  # another scan's
    assert not outlines()
    dock.cube_combo.set_layer(second)
    assert not dock.outline_box.isChecked()
