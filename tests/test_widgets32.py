"""Widget fixes of session 32: the Elemental maps dock's composite controls (R, G, B and Add RGB
composite) stay in view at 1920 x 1080 before and after a run (a left-open item since session 27:
they sat below the fold of the docked tab, under the element table and a run's notes)."""

from _dock_layout import five_docks, front, hidden_part, settle
from _napari_helpers import wait_idle, write_painted_cube


def test_the_maps_composite_controls_stay_in_view_at_1080p(make_napari_viewer, tmp_path, qtbot):
    viewer = make_napari_viewer(show=True)
    docks = five_docks(viewer, write_painted_cube(tmp_path / "painted.h5"), qtbot)
    dock, maps = docks["Elemental maps"]
    front(dock)
    controls = (*maps.rgb_combos, maps.rgb_button, maps.job.run_button, maps.save_button)
    for w in controls:
        assert hidden_part(w, dock) == "", ("before a run", type(w).__name__, hidden_part(w, dock))
    maps.select_suggested()
    assert len(maps.checked_elements()) >= 3, maps.checked_elements()
    assert maps.run() is not None
    wait_idle(qtbot, maps.job, 60000)
    assert maps.job.last_error is None, maps.job.last_error
    settle()
    assert maps.rgb_button.isEnabled() and maps.rgb_combos[0].count() >= 3
    for w in controls:
        assert hidden_part(w, dock) == "", ("after a run", type(w).__name__, hidden_part(w, dock))
    # the table still shows six element rows without scrolling the dock
    row = maps.table.verticalHeader().defaultSectionSize()
    assert maps.table.height() >= 6 * row
