"""Make maps' landing (session 54): on the panel sample the line read "Done." with Run off for
8.8 s under Xvfb while napari added the 13 maps one event-loop step at a time (about 0.5 s of the
GUI thread each), and Cancel was off meanwhile. The line now counts the maps being added, Cancel
stops between two of them (those added stay, named on the line), and "Done"'s place is taken by
"13 map(s) added" once they are all in."""

import numpy as np
import pytest
from _napari_helpers import (
    close_scan_when_layer_arrives,
    open_cube,
    stand_in_maps_job,
    wait_idle,
    write_painted_cube,
)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


SYMBOLS = ["Fe", "Cu", "Pb", "Hg", "Ca"]


def _ramps(h, w, symbols):
    return {s: np.full((h, w), i + 1.0, np.float32) for i, s in enumerate(symbols)}


@pytest.fixture
def maps_dock(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    """(viewer, dock, cube, seen): the painted cube and an Elemental maps dock whose Make maps
    runs a stand-in job of SYMBOLS' maps; `seen` gets (status line, Cancel on, bar value) each
    time a map layer is inserted, and `on_insert` hooks (called with the count) run then."""
    import xrf_napari.widgets.maps as maps_mod
    from xrf_napari.widgets._layers import layer_cube

    made = stand_in_maps_job(_ramps)
    asked = {}  # what the dock passed the job: the elements to map, those counted present

    def job(cube, symbols, fwhm, background, present, *args, **kwargs):
        asked.update(symbols=list(symbols), present=set(present))
        return made(cube, symbols, fwhm, background, present, *args, **kwargs)

    monkeypatch.setattr(maps_mod, "_maps_job", job)
    monkeypatch.setattr(maps_mod.ElementMapsWidget, "defer_until_surveyed", lambda *a: False)
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    cube = layer_cube(viewer.layers[0])
    dock = maps_mod.ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job, 30000)  # the scan's survey, if any
    dock.set_checked_elements(SYMBOLS)
    seen, hooks = [], []

    def inserted(event):
        if "xrf_element" in event.value.metadata:
            job = dock.job
            seen.append((job.status.text(), job.cancel_button.isEnabled(), job.progress.value()))
            for hook in hooks:
                hook(len(seen))

    viewer.layers.events.inserted.connect(inserted)
    dock.asked = asked
    yield viewer, dock, cube, seen, hooks
    viewer.layers.events.inserted.disconnect(inserted)  # a viewer may serve the next test


def test_an_element_ticked_but_not_seen_is_not_counted_present(maps_dock, qtbot):
    """434496eb: the dock passed its job every ticked element as present, so one ticked only to
    check for it (Cd, Sn on the APS scan) joined the other maps' fits (APS Ca -61 %); the job
    now gets the scan's seen elements only, and judges the others itself (plan_for_cube)."""
    _, dock, _, _, _ = maps_dock
    dock.set_checked_elements([*SYMBOLS, "Sn"])  # no tin in the painted scan
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, 10000)
    assert dock.job.last_error is None, dock.job.last_error
    assert "Sn" in dock.asked["symbols"] and "Sn" not in dock.seen()
    assert dock.asked["present"] == set(dock.seen())


def _maps_in(viewer):
    return [ly for ly in viewer.layers if "xrf_element" in ly.metadata]


def test_the_line_counts_the_maps_while_they_are_added(maps_dock, qtbot):
    """Each map arrived under "Done." with Cancel off; now under "Adding 5 maps... (k of 5)",
    the bar at k, Cancel on, and the line says the maps are added once the last one is in.
    Past the first three the maps come hidden."""
    viewer, dock, _, seen, _ = maps_dock
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, 10000)
    assert dock.job.last_error is None, dock.job.last_error
    assert seen == [(f"Adding 5 maps\u2026 ({k} of 5)", True, k) for k in range(5)]
    assert dock.job.status.text() == "5 map(s) added (net line counts per pixel)."
    assert dock.job.progress.value() == dock.job.progress.maximum() == 5
    assert [ly.visible for ly in _maps_in(viewer)] == [True, True, True, False, False]
    assert not dock.job.cancel_button.isEnabled() and dock.job.run_button.isEnabled()


def test_cancel_while_the_maps_are_added_keeps_those_added_and_says_so(maps_dock, qtbot, tmp_path):
    """Cancel between two maps (it was off, and a script's cancel() changed nothing: all five
    came under "5 map(s) added"): the two added stay, the line names them, and Save maps and
    the composite row have those two."""
    viewer, dock, _, _, hooks = maps_dock
    hooks.append(lambda n: n == 2 and dock.job.cancel())
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, 10000)
    assert dock.job.last_error is None, dock.job.last_error
    added = [ly.metadata["xrf_element"] for ly in _maps_in(viewer)]
    assert len(added) == 2
    assert dock.job.status.text() == (
        f"Cancelled: 2 of 5 maps added ({', '.join(added)}); Make maps again for the others."
    )
    assert list(dock.live_maps()) == added
    assert [p.symbol for p in dock.map_plans] == added
    assert dock.save_button.isEnabled() and dock.job.run_button.isEnabled()
    names = [p.name for p in dock.map_files(tmp_path)]
    assert len(names) == 3 and names[-1].endswith("_maps.csv")
    # Make maps again: all five, the line as after any run
    hooks.clear()
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, 10000)
    assert dock.job.status.text() == "5 map(s) added (net line counts per pixel)."
    assert len(_maps_in(viewer)) == 5


def test_closing_the_scan_while_the_maps_are_added_says_so(maps_dock, qtbot, monkeypatch):
    """The scan closed after its second map came: no more maps, and the line says the result was
    dropped, not "Adding 5 maps..." for good; Run is on again."""
    import xrf_napari.widgets.maps as maps_mod

    viewer, dock, cube, seen, _ = maps_dock
    close_scan_when_layer_arrives(monkeypatch, maps_mod, viewer, cube, "Fe")
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, 10000)
    assert dock.job.last_error is None, dock.job.last_error
    assert dock.job.status.text() == (
        "The scan a.h5 was closed; its result was dropped and the 2 maps added before it "
        f"closed ({', '.join(ly.metadata['xrf_element'] for ly in _maps_in(viewer))}) stay in "
        "the viewer."
    )
    assert len(seen) == 2  # Pb's map (the strongest first), then Fe's, and none after
    assert dock.job.run_button.isEnabled() or dock.job.refusal
