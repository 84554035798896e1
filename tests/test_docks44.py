"""Regions the user painted, as Embed & cluster and Pigments replace them with a new run's
(session 44): what the layer records of its run, and fits of painted regions kept aside."""

import gc
import weakref

import numpy as np
import pytest


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


class _Cube:  # what replace_regions needs of a scan: a weak reference
    pass


def _items(value) -> list:
    """A metadata value, a tuple's items one by one (RESULT_KEY's is a tuple)."""
    return list(value) if isinstance(value, tuple) else [value]


def _kept_copies(viewer):
    return [ly for ly in viewer.layers if "(your edits)" in ly.name]


def test_the_record_of_a_runs_regions_keeps_no_copy_of_them_and_still_tells_painting(
    make_napari_viewer,
):
    """The regions layer's metadata held the run's labels array itself (to compare the layer
    with before the next run): 64 MB at 4000 x 4000 px alive as long as the layer, also once
    the scan was closed. Now it holds a digest: nothing keeps the run's array, and a re-run
    still tells painted labels (kept in "(your edits)") from unpainted ones (no copy)."""
    from xrf_napari.widgets._layers import RUN_LABELS_KEY, replace_regions

    viewer = make_napari_viewer()
    cube = _Cube()
    run = np.repeat(np.arange(1, 5, dtype=np.int32), 15)[:, None].repeat(50, axis=1)
    layer, kept, line = replace_regions(viewer, "regions [a]", run, cube=cube)
    assert kept is None and line == ""
    found = np.array(layer.data, copy=True)
    values = [v for value in layer.metadata.values() for v in _items(value)]
    assert not [v for v in values if isinstance(v, np.ndarray) and v.size >= run.size]
    assert isinstance(layer.metadata[RUN_LABELS_KEY], bytes)
    gone = weakref.ref(run)
    del run
    gc.collect()
    assert gone() is None  # the run's array: nothing holds it now

    # not painted: no copy
    again, kept, line = replace_regions(viewer, "regions [a]", found.copy(), cube=cube)
    assert again is layer and kept is None and line == "" and not _kept_copies(viewer)
    # a stroke undone: nothing painted after all
    layer.paint((3, 4), 7, refresh=True)
    layer.undo()
    assert replace_regions(viewer, "regions [a]", found.copy(), cube=cube)[1] is None
    # written in place (no napari event says so): kept
    layer.data[40, 30] = 9
    painted = np.array(layer.data, copy=True)
    new = np.where(found == 1, 2, found).astype(np.int32)
    assert replace_regions(viewer, "regions [a]", new, cube=cube)[0] is layer
    (copy,) = _kept_copies(viewer)
    np.testing.assert_array_equal(copy.data, painted)
    np.testing.assert_array_equal(layer.data, new)
    # the fill tool, on the new regions: kept too
    layer.fill((0, 0), 4, refresh=True)
    filled = np.array(layer.data, copy=True)
    replace_regions(viewer, "regions [a]", found.copy(), cube=cube)
    (second,) = [ly for ly in _kept_copies(viewer) if ly is not copy]
    np.testing.assert_array_equal(second.data, filled)
    # as the user guide says: napari numbers the next copy, the newest just above the layer
    assert second.name == f"{copy.name} [1]"
    assert viewer.layers.index(second) == viewer.layers.index(layer) + 1


def test_a_fit_of_painted_regions_follows_them_into_the_copy_a_new_run_keeps(
    make_napari_viewer, qtbot, tmp_path
):
    """Regions painted, fitted by Find pigments, then Find regions again: the painted regions
    went to the hidden "(your edits)" copy, but the fit stayed on the regions layer, now holding
    the new run's regions: its rows stopped selecting and the info line said "press Find
    pigments again", which fitted the new regions, not the painted ones. Now the fit follows the
    copy (same pixels, same numbers): a row click selects its region there (the copy shown while
    it does, hidden again after), the info line names the copy; Export's page names it too.
    Deleting the copy takes the fit back to the regions layer (stale there until it holds the
    fitted regions again)."""
    from _napari_helpers import open_cube, pigments_dock_with_photo, wait_idle, write_painted_cube

    pytest.importorskip("xraylib")
    from xrf_napari.widgets.pigments import STALE_NOTE

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    dock = pigments_dock_with_photo(viewer)
    dock.device.setCurrentText("cpu")

    def finished(worker):
        assert worker is not None
        wait_idle(qtbot, dock.job, 60000)
        assert dock.job.last_error is None, dock.job.last_error

    finished(dock.find_regions())
    layer = dock.labels_combo.current_layer()
    layer.data[:4, :] = 7  # a region painted (written in place: no napari event)
    layer.refresh()
    painted = np.array(layer.data, copy=True)
    finished(dock.run())
    fit = dock.result
    assert fit.labels_layer is layer and not fit.stale
    regions = [r.label for r in fit.report.regions]
    assert 7 in regions

    dock.k_spin.setValue(3)
    finished(dock.find_regions())
    (copy,) = _kept_copies(viewer)
    np.testing.assert_array_equal(copy.data, painted)
    assert not np.array_equal(layer.data, painted)
    assert dock.result is fit and fit.labels_layer is copy and not fit.stale
    info = dock.info.text()
    assert not info.startswith(STALE_NOTE) and f"\u201c{copy.name}\u201d" in info
    assert not copy.visible
    row = regions.index(7)
    layer.selected_label = copy.selected_label = 0
    dock.table.setCurrentCell(row, 0)  # a click on the row
    assert copy.selected_label == 7 and copy.show_selected_label and copy.visible
    assert layer.selected_label == 0
    dock.table.clearSelection()  # no row selected: the copy as it was
    assert not copy.visible and not copy.show_selected_label
    assert f"'{copy.name}'" in dock._origin(fit)

    copy.visible = True  # shown to paint on: the fit's regions changed
    copy.paint((20, 10), 9, refresh=True)
    assert fit.stale and dock.info.text().startswith(STALE_NOTE)
    copy.undo()
    assert not fit.stale
    viewer.layers.remove(copy)
    assert fit.labels_layer is layer and fit.stale
    assert dock.info.text().startswith(STALE_NOTE)
    # the copy removed and the painted regions put back, as an Embed & cluster run dropped
    # after its clusters step does: the fit is current on the layer again
    layer.data = painted.copy()
    assert fit.labels_layer is layer and not fit.stale
    dock.table.setCurrentCell(row, 0)
    assert layer.selected_label == 7
