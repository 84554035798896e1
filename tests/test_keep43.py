"""Pigments' Find regions from lines + photograph run again over regions the user painted on
(session 43): the "regions (lines + photograph)" layer was replaced, the painted regions (which
Find pigments fits as they are on the layer) gone without a copy, and Ctrl+Z cannot bring them
back (fae0319 empties its undo history). Now they are kept in a hidden "(your edits)" layer, as
Embed & cluster keeps its painted clusters (one shared keep_painted: test_docks43, test_docks42b,
test_review43b drive Embed & cluster's side)."""

import numpy as np
import pytest
from _napari_helpers import (
    found_regions,
    open_cube,
    pigments_dock_with_photo,
    write_painted_cube,
)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _pigments(viewer, tmp_path):
    """A Pigments dock on a small painted scan with a two-colour photograph, K = 2."""
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    return pigments_dock_with_photo(viewer)


def _kept_copies(viewer):
    return [ly for ly in viewer.layers if "(your edits)" in ly.name]


def test_regions_painted_on_survive_finding_regions_again_as_a_hidden_copy(
    make_napari_viewer, qtbot, tmp_path
):
    """A region painted (a 7 in a block of pixels) then Find regions again: the 7s were
    overwritten. Now a hidden "<regions> (your edits)" layer above it holds the painted labels,
    the status line says so, the regions layer holds the new run's and stays the Regions to
    fit, and the painted layer is not the one selected."""
    viewer = make_napari_viewer()
    widget = _pigments(viewer, tmp_path)
    layer = found_regions(widget, qtbot)
    assert layer.name.startswith("regions (lines + photograph)")
    found = np.array(layer.data, copy=True)
    layer.paint((3, 4), 7, refresh=True)
    layer.data[20:, 15:] = 5  # written in place: no napari event says so
    painted = np.array(layer.data, copy=True)
    assert not np.array_equal(painted, found)

    assert found_regions(widget, qtbot) is layer
    (kept,) = _kept_copies(viewer)
    assert kept.name == f"{layer.name} (your edits)"
    np.testing.assert_array_equal(kept.data, painted)
    assert not kept.visible
    assert viewer.layers.index(kept) == viewer.layers.index(layer) + 1
    np.testing.assert_array_equal(layer.data, found)  # the same scan and photograph: same regions
    assert kept not in viewer.layers.selection
    status = widget.job.status.text()
    assert "then Find pigments." in status and f"\u201c{kept.name}\u201d" in status
    assert widget.labels_combo.current_layer() is layer

    # the painted copy is offered as the scan's regions, and is what a fit of it reads
    widget.labels_combo.refresh()
    widget.labels_combo.set_layer(kept)
    assert widget.labels_combo.current_layer() is kept


def test_finding_regions_again_on_an_unpainted_layer_makes_no_copy(
    make_napari_viewer, qtbot, tmp_path
):
    """No stroke (or one undone), no copy and no word of one; painting edits the layer, never
    the record of the run's labels the next run compares it with (their digest, session 44)."""
    from xrf_napari.widgets._layers import RUN_LABELS_KEY, labels_digest

    viewer = make_napari_viewer()
    widget = _pigments(viewer, tmp_path)
    layer = found_regions(widget, qtbot)
    record = layer.metadata[RUN_LABELS_KEY]
    assert record == labels_digest(layer.data)
    count = len(viewer.layers)
    assert found_regions(widget, qtbot) is layer
    assert len(viewer.layers) == count and not _kept_copies(viewer)
    assert "your edits" not in widget.job.status.text()

    record = layer.metadata[RUN_LABELS_KEY]
    layer.paint((3, 4), 7, refresh=True)
    assert layer.metadata[RUN_LABELS_KEY] == record != labels_digest(layer.data)
    layer.undo()  # nothing painted, after all
    assert found_regions(widget, qtbot) is layer
    assert len(viewer.layers) == count and not _kept_copies(viewer)
