"""Embed & cluster's "Area per region", session 53: a re-run's landing recounts nothing for the
result it replaces; a stroke of a label over 0..65535 is not counted, as a full recount says."""

from __future__ import annotations

import numpy as np
import pytest
from _napari_helpers import H, W, stand_in_embed_dock, two_band_cluster_job, wait_idle


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def int32_clusters_dock(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    """(Embed & cluster dock, its clusters layer) once a run landed and a script made the layer
    int32 (the same regions): a script's layer may hold labels outside 0..65535."""
    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    layer = embed.labels_layer
    layer.data = np.asarray(layer.data).astype(np.int32)
    return embed, layer


def test_a_rerun_landing_on_the_clusters_layer_recounts_nothing(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Other regions put in the clusters layer by a re-run fired the kept result's edit slot,
    which recounted the whole layer in the GUI thread (and said "as edited on the layer" of the
    old result) for counts the new result then dropped."""
    import xrf_napari.widgets.embed as module

    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    calls = []
    real = module.region_counts

    def spy(labels):
        calls.append(embed.summary.text())
        return real(labels)

    def flipped(*args, **kwargs):  # regions 1 and 2 swapped: other labels than the kept ones
        out = yield from two_band_cluster_job(*args, **kwargs)
        out[2].labels = np.where(out[2].labels == 1, 2, 1).astype(out[2].labels.dtype)
        return out

    monkeypatch.setattr(module, "region_counts", spy)
    monkeypatch.setattr(module, "_embed_cluster_job", flipped)
    # a new region 3 over a quarter, counted from its box: "as edited" before the re-run
    embed.labels_layer.data_setitem(np.nonzero(np.ones((H // 4, W), bool)), 3)
    assert "as edited on the layer" in embed.summary.text()
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    assert embed.job.last_error is None, embed.job.last_error
    assert calls == [], calls
    said = embed.summary.text()
    assert said.startswith("2 regions (device cpu).\nArea per region: 1: 50%, 2: 50%"), said


def test_a_stroke_of_a_label_over_65535_is_not_counted(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """A script's int32 clusters layer painted with a label over 65535: the stroke's count made
    bincounts as long as the label (400 MB each for 5e7, in the GUI thread) and gave areas, where a
    full recount of the layer says they are not counted."""
    from xrf_napari.widgets._layers import OUTSIDE_REGIONS, counts_after, outside_regions

    item = [(np.nonzero(np.ones((2, 2), bool)), np.array([1, 1, 2, 2], np.int32), 70000)]
    before = np.array([0, 2, 2], np.int64)
    after = counts_after(before, item)  # not counted, as a recount: 4 pixels outside 0..65535,
    assert outside_regions(after) == 4 and after.size == OUTSIDE_REGIONS + 1  # in one bin
    undone = counts_after(after, item, undone=True)  # counted again from the stroke (docks54)
    assert not outside_regions(undone) and list(np.trim_zeros(undone, "b")) == [0, 2, 2]

    embed, layer = int32_clusters_dock(make_napari_viewer, qtbot, tmp_path, monkeypatch)
    layer.data_setitem(np.nonzero(np.ones((2, 2), bool)), 70000)
    said = embed.summary.text()
    assert "not counted: labels outside 0..65535" in said, said
