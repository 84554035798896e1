"""The docks, session 49 (third pass): the lines describing a result go with its layer, as its
notes do (CubeDock.result_deleted). Embed & cluster's summary ("2 regions, silhouette ...,
device cpu") and Recolour's "Device used: cpu" stayed once the clusters or colours layer was
deleted."""

from __future__ import annotations

import numpy as np
import pytest
from _napari_helpers import (
    cluster_with_tiny_dve,
    cu_tube_scan,
    open_cube,
    tiny_recolour_dock,
    wait_idle,
    write_painted_cube,
)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _shown(label) -> str:
    return label.text() if label.isVisibleTo(label.parentWidget()) else ""


def _delete_an_unrelated_layer(viewer) -> None:
    viewer.layers.remove(viewer.add_points(np.zeros((1, 2)), name="unrelated"))


def test_embed_summary_goes_with_the_clusters_layer(make_napari_viewer, qtbot, tmp_path):
    """The summary of regions deleted stayed on the dock: it goes with the clusters layer (an
    unrelated layer's removal keeps it), and stays gone on coming back to the scan."""
    viewer = make_napari_viewer()
    (_, a_sum) = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    (_, b_sum) = open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))
    embed = cluster_with_tiny_dve(viewer, qtbot, tmp_path, k=2, layer=a_sum)
    said = _shown(embed.summary)
    assert "2 regions" in said and "device cpu" in said, said
    _delete_an_unrelated_layer(viewer)
    assert _shown(embed.summary) == said
    viewer.layers.remove(embed.labels_layer)
    assert _shown(embed.summary) == "", embed.summary.text()
    embed.cube_combo.set_layer(b_sum)
    embed.cube_combo.set_layer(a_sum)
    assert _shown(embed.summary) == "", embed.summary.text()


def test_recolour_device_line_goes_with_the_colours_layer(make_napari_viewer, qtbot, tmp_path):
    """Recolour's "Device used: cpu" stayed under colours deleted: it is back to a blank
    dock's, as before a run (an unrelated layer's removal keeps it)."""
    viewer = make_napari_viewer()
    open_cube(viewer, cu_tube_scan(tmp_path / "cu.h5"))
    dock = tiny_recolour_dock(viewer, tmp_path)
    blank = dock.device_label.text()
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, timeout=120000)
    assert dock.job.last_error is None, dock.job.last_error
    assert _shown(dock.device_label) == "Device used: cpu"
    _delete_an_unrelated_layer(viewer)
    assert _shown(dock.device_label) == "Device used: cpu"
    viewer.layers.remove(dock.result_layer)
    assert dock.device_label.text() == blank == "Device used: \u2014"
