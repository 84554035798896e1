"""The docks, session 53: Embed & cluster's area per region follows the strokes on its clusters
layer."""

from __future__ import annotations

import numpy as np
from _napari_helpers import H, W, stand_in_embed_dock, wait_idle


def test_area_per_region_follows_the_strokes_on_the_clusters(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """The summary's "Area per region" kept describing the run's regions while the user painted
    others on the clusters layer, until Save: it follows each stroke (counted from its box, as
    the whole layer recounted gives), says the regions are as edited, and is the run's again
    once the strokes are undone. No Spectrum dock open: the cluster curves' slot returned before
    anything without one."""
    import xrf_napari.widgets.embed as module

    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    run_said = embed.summary.text()
    assert run_said.startswith("2 regions (device cpu).\nArea per region: 1: 50%, 2: 50%"), run_said
    layer = embed.labels_layer
    rows = H // 4  # a quarter of the scan, of region 1, made region 2 (napari's data_setitem)
    layer.data_setitem(np.nonzero(np.ones((rows, W), bool)), 2)
    said = embed.summary.text()
    assert said.startswith("2 regions, as edited on the layer"), said
    assert "Area per region: 1: 25%, 2: 75%" in said, said
    layer.brush_size = 5  # a brush stroke of a new region 3 over both
    layer.paint((H // 2, W // 2), 3, refresh=True)
    layer.paint((H // 2 + 2, W // 2), 0, refresh=True)  # and an erasure over it
    said = embed.summary.text()
    assert "3: " in said and "of the scan is in no region" in said, said
    recounted = np.bincount(np.asarray(layer.data).ravel())  # what the layer holds
    assert said == module._summary(embed.result, recounted)
    for _ in range(3):
        layer.undo()
    assert embed.summary.text() == run_said
