"""Review of session 43's Embed & cluster re-run (review43b): napari's undo on the clusters layer
once a re-run replaced its regions, or once a dropped result put the painted ones back."""

import numpy as np
import pytest
from _napari_helpers import (
    close_scan_when_layer_arrives,
    clustered_painted_scan,
    rerun_embed,
)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_undo_after_a_rerun_leaves_the_new_regions_as_the_run_made_them(
    make_napari_viewer, qtbot, tmp_path
):
    """napari keeps a Labels layer's undo history when its data is replaced: after a re-run
    over painted regions (kept as "(your edits)"), Ctrl+Z on the clusters layer wrote the old
    stroke's pixels into the new run's regions, which then read as painted (Save wrote them as
    edited regions, the next run kept them as "(your edits)"). Now undo leaves them alone."""
    viewer = make_napari_viewer()
    embed, _cube, clusters = clustered_painted_scan(viewer, qtbot, tmp_path)
    clusters.paint((3, 4), 7, refresh=True)
    embed.k_spin.setValue(3)
    rerun_embed(embed, qtbot)
    assert embed.job.last_error is None, embed.job.last_error
    assert "(your edits)" in embed.job.status.text()
    new = np.array(clusters.data, copy=True)
    clusters.undo()
    np.testing.assert_array_equal(clusters.data, new)
    assert embed.edited_labels() is None


def test_undo_after_a_dropped_result_put_the_painted_regions_back(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """A result dropped after its clusters step puts the painted regions back (test_docks43):
    their strokes stay undoable, as before the run."""
    import xrf_napari.widgets.embed as embed_mod

    viewer = make_napari_viewer()
    embed, cube, clusters = clustered_painted_scan(viewer, qtbot, tmp_path)
    run = np.array(clusters.data, copy=True)
    clusters.paint((3, 4), 7, refresh=True)
    painted = np.array(clusters.data, copy=True)
    close_scan_when_layer_arrives(monkeypatch, embed_mod, viewer, cube, "clusters")
    embed.k_spin.setValue(3)
    rerun_embed(embed, qtbot)
    assert "dropped" in embed.job.status.text()
    np.testing.assert_array_equal(clusters.data, painted)
    clusters.undo()
    np.testing.assert_array_equal(clusters.data, run)
