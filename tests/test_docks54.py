"""The Embed & cluster dock, session 54: a re-run's landing takes the old cluster curves off with
the old regions; a stroke on a clusters layer holding labels outside 0..65535 is counted from the
stroke, and the areas come back once they are painted over."""

from __future__ import annotations

import numpy as np
from _napari_helpers import H, W, stand_in_embed_dock, two_band_cluster_job, wait_idle
from test_docks52 import _embed_run_beside_spectrum


def _cluster_curves(spectrum) -> dict:
    """The Spectrum dock's cluster curves: {name: the curve's first count}."""
    return {n: float(c[1][0]) for n, c in spectrum.curves.items() if n.startswith("cluster ")}


def test_a_reruns_landing_takes_the_old_cluster_curves_off_with_its_regions(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """The landing of a re-run's regions on the clusters layer left the old result's curves on
    the Spectrum plot one step of the event loop (since ed033bf8 skipped the edit slot there):
    the layer showed the new regions beside the old regions' means, in the new regions'
    colours. They go as the new regions land; the new curves follow."""
    import xrf_napari.widgets.embed as module

    _, embed, spectrum = _embed_run_beside_spectrum(
        make_napari_viewer, qtbot, tmp_path, monkeypatch
    )
    assert _cluster_curves(spectrum) == {"cluster 1": 1.0, "cluster 2": 1.0}

    def three_regions(*args, **kwargs):  # other regions, other spectra (twos)
        out = yield from two_band_cluster_job(*args, **kwargs)
        labels = np.array(out[2].labels)
        labels[:, : W // 2] = 3
        out[2].labels = labels
        spectra = np.full((3, out[3].shape[1]), 2.0, np.float32)
        return (*out[:3], spectra, np.bincount(labels.ravel())[1:], *out[5:])

    steps = []  # (labels in the layer, cluster curves) as each step of the delivery ends
    real = module.EmbedClusterWidget._add_results

    def stepped(self, *args):
        gen = real(self, *args)
        while True:
            try:
                next(gen)
            except StopIteration as stop:
                return stop.value
            layer = self.labels_layer
            held = None if layer is None else set(np.unique(np.asarray(layer.data)).tolist())
            steps.append((held, _cluster_curves(spectrum)))
            try:
                yield
            except GeneratorExit:
                gen.close()
                raise

    monkeypatch.setattr(module, "_embed_cluster_job", three_regions)
    monkeypatch.setattr(module.EmbedClusterWidget, "_add_results", stepped)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    assert embed.job.last_error is None, embed.job.last_error
    landed = [curves for held, curves in steps if held == {1, 2, 3}]
    assert landed and all(1.0 not in curves.values() for curves in landed), steps
    assert _cluster_curves(spectrum) == {"cluster 1": 2.0, "cluster 2": 2.0, "cluster 3": 2.0}
    assert "painted on" not in spectrum.job.status.text()


def test_strokes_on_labels_outside_0_65535_are_counted_from_the_stroke(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """A script's int32 clusters layer holding a label over 65535 (or below 0): every stroke
    recounted the whole layer in the GUI thread (25 ms at 4000 x 4000 px, 0.45 ms at 1000 x
    1000), from napari's paint event, which comes before the stroke is written: painted over,
    the labels stayed "not counted". The strokes are counted from their pixels, labels outside
    0..65535 in a bin of their own, and the areas come back as a recount gives them."""
    import xrf_napari.widgets.embed as module

    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    layer = embed.labels_layer
    layer.data = np.asarray(layer.data).astype(np.int32)  # a script's: the same regions, int32
    corner = np.nonzero(np.eye(4, dtype=bool))

    def no_recount(labels):
        raise AssertionError("a stroke recounted the whole layer")

    monkeypatch.setattr(module, "_label_counts", no_recount)
    for outside in (70000, -3):
        layer.data_setitem(corner, outside)
        said = embed.summary.text()
        assert "not counted: labels outside 0..65535" in said, said
        layer.brush_size = 3  # a brush stroke elsewhere: still not counted, and no recount
        layer.paint((H // 2, W // 2), 5, refresh=True)
        assert "not counted" in embed.summary.text()
        layer.data_setitem(corner, 1)  # the last of them painted over: counted again
        recounted = np.bincount(np.asarray(layer.data).ravel())
        assert embed.summary.text() == module._summary(embed.result, recounted)
        assert "3 regions, as edited on the layer" in embed.summary.text()
    layer.undo()  # the 70000s... the -3s back, from the stroke undone
    assert "not counted" in embed.summary.text()
    layer.redo()
    recounted = np.bincount(np.asarray(layer.data).ravel())
    assert embed.summary.text() == module._summary(embed.result, recounted)
