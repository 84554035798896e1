"""napari's undo on a Labels layer whose data a dock replaced (session 43): napari keeps the
layer's undo history when its data is set, so Ctrl+Z wrote the pixels of a stroke painted on the
old regions into the new ones. Embed & cluster's clusters layer: test_review43b."""

import numpy as np
import pytest
from _napari_helpers import (
    open_cube,
    pigments_dock_with_photo,
    wait_idle,
    write_painted_cube,
)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _two_strokes(layer):
    """Paint 7, then 8 over it: undoing the second writes 7s, a label no replacement holds."""
    layer.paint((3, 4), 7, refresh=True)
    layer.paint((3, 4), 8, refresh=True)


def _undo_and_redo_leave(layer, data):
    layer.undo()
    np.testing.assert_array_equal(layer.data, data)
    layer.redo()
    np.testing.assert_array_equal(layer.data, data)


def _scan(viewer, tmp_path):
    (stack,) = [
        ly for ly in open_cube(viewer, write_painted_cube(tmp_path / "a.h5")) if ly.ndim == 3
    ]
    from xrf_napari.widgets._layers import layer_cube

    return stack, layer_cube(stack)


def test_a_replaced_labels_layer_forgets_its_strokes_unless_asked_to_keep_them(
    make_napari_viewer,
):
    """upsert_layer, the way every dock replaces a result's data (Recolour's "ambiguous colour"
    outline too): the strokes painted before are not undone into the new data. keep_undo (Embed
    & cluster, whose dropped result puts the painted regions back) keeps them."""
    from xrf_napari.widgets._layers import upsert_layer

    class Cube:  # what upsert_layer needs of one: a weak reference
        pass

    viewer = make_napari_viewer()
    cube = Cube()
    layer = upsert_layer(viewer, "regions", np.ones((24, 20), np.int32), kind="labels", cube=cube)
    _two_strokes(layer)
    new = np.full((24, 20), 2, np.int32)
    assert upsert_layer(viewer, "regions", new.copy(), kind="labels", cube=cube) is layer
    _undo_and_redo_leave(layer, new)

    _two_strokes(layer)
    painted = np.array(layer.data, copy=True)
    upsert_layer(viewer, "regions", new.copy(), kind="labels", cube=cube, keep_undo=True)
    layer.data = painted  # put back, as Embed & cluster does with a dropped result
    layer.undo()
    assert (layer.data == 7).any()  # the second stroke undone


def test_undo_after_pigments_finds_regions_again_leaves_the_new_regions(
    make_napari_viewer, qtbot, tmp_path
):
    """Find regions (lines + photograph) again over painted regions: Ctrl+Z wrote the old
    strokes' pixels into the new regions (then fitted as regions of their own)."""
    viewer = make_napari_viewer()
    _scan(viewer, tmp_path)
    widget = pigments_dock_with_photo(viewer)

    def find():
        assert widget.find_regions() is not None
        wait_idle(qtbot, widget.job)
        assert widget.job.last_error is None, widget.job.last_error
        return widget.labels_combo.current_layer()

    layer = find()
    assert layer.name.startswith("regions (lines + photograph)")
    _two_strokes(layer)
    assert find() is layer
    new = np.array(layer.data, copy=True)
    assert not np.isin(new, (7, 8)).any()
    _undo_and_redo_leave(layer, new)


def test_undo_after_the_whole_scan_region_is_made_again_leaves_one_region(
    make_napari_viewer, tmp_path
):
    """A spot spectrum's "whole scan" layer made again (Find pigments on it with Regions that
    do not fit it): Ctrl+Z wrote a stroke painted on it before back into the one region."""
    from _pigment_scans import CANON, stripe_scan

    from xrf_napari.io.project_h5 import write_cube
    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.pigments import PigmentsWidget

    syn, _ = stripe_scan([(["Vermilion"], [1.0])], 4)
    viewer = make_napari_viewer()
    path = write_cube(
        tmp_path / "spot.h5", syn.counts[:1, :1], CANON, metadata=dict(syn.metadata, name="spot")
    )
    (stack,) = [ly for ly in open_cube(viewer, path) if ly.ndim == 3]
    widget = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    layer = widget._whole_scan_region(stack, layer_cube(stack))
    assert layer.name.startswith("whole scan [")
    layer.paint((0, 0), 7, refresh=True)
    layer.paint((0, 0), 8, refresh=True)
    assert widget._whole_scan_region(stack, layer_cube(stack)) is layer
    _undo_and_redo_leave(layer, np.ones((1, 1), np.int32))


def test_a_result_dropped_before_it_changed_a_layer_says_only_that(
    make_napari_viewer, qtbot, tmp_path
):
    """The scan closed before Embed & cluster's result began to arrive: nothing was put back,
    and the line does not say so (once it had begun: test_docks43, test_docks42b)."""
    from xrf_napari.widgets.embed import EmbedClusterWidget

    viewer = make_napari_viewer()
    _stack, cube = _scan(viewer, tmp_path)
    embed = EmbedClusterWidget(viewer)
    viewer.window.add_dock_widget(embed)
    names = [ly.name for ly in viewer.layers]

    def job():
        return None
        yield

    delivered = []
    assert embed.start_job(job, cube=cube, on_result=delivered.append) is not None
    embed._cube_is_open = lambda _cube: False  # closed as the job ended
    wait_idle(qtbot, embed.job)
    assert embed.job.status.text() == "The scan a.h5 was closed; its result was dropped."
    assert not delivered and [ly.name for ly in viewer.layers] == names
