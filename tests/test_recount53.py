"""Embed & cluster's "Area per region", session 53: a re-run's landing recounts nothing for the
result it replaces."""

from __future__ import annotations

import numpy as np
from _napari_helpers import H, W, stand_in_embed_dock, two_band_cluster_job, wait_idle


def test_a_rerun_landing_on_the_clusters_layer_recounts_nothing(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Other regions put in the clusters layer by a re-run fired the kept result's edit slot,
    which recounted the whole layer in the GUI thread (and said "as edited on the layer" of the
    old result) for counts the new result then dropped: also over a painted layer."""
    import xrf_napari.widgets.embed as module

    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    calls = []
    real = module._label_counts

    def spy(labels):
        calls.append(embed.summary.text())
        return real(labels)

    def flipped(*args, **kwargs):  # regions 1 and 2 swapped: other labels than the kept ones
        out = yield from two_band_cluster_job(*args, **kwargs)
        out[2].labels = np.where(out[2].labels == 1, 2, 1).astype(out[2].labels.dtype)
        return out

    monkeypatch.setattr(module, "_label_counts", spy)
    monkeypatch.setattr(module, "_embed_cluster_job", flipped)
    for painted in (False, True):
        if painted:  # a new region 3 over a quarter: counted from its box
            embed.labels_layer.data_setitem(np.nonzero(np.ones((H // 4, W), bool)), 3)
            assert "as edited on the layer" in embed.summary.text()
        assert embed.run() is not None
        wait_idle(qtbot, embed.job)
        assert embed.job.last_error is None, embed.job.last_error
        assert calls == [], calls
        said = embed.summary.text()
        assert said.startswith("2 regions (device cpu).\nArea per region: 1: 50%, 2: 50%"), said
