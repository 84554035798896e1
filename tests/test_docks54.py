"""The Embed & cluster dock, session 54: a re-run's landing takes the old cluster curves off with
the old regions."""

from __future__ import annotations

import numpy as np
from _napari_helpers import W, two_band_cluster_job, wait_idle
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
