"""The Embed & cluster dock, session 54: a re-run's landing takes the old cluster curves off with
the old regions; a stroke on a clusters layer holding labels outside 0..65535 is counted from the
stroke, and the areas come back once they are painted over; a Save whose labels were taken as it
was pressed says that what was painted since is not in the files, and the summary and curves
follow the layer, not the labels saved."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from _napari_helpers import H, W, stand_in_embed_dock, two_band_cluster_job, wait_idle
from test_docks52 import _embed_run_beside_spectrum
from test_recount53 import int32_clusters_dock
from test_saves50b import _held


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


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

    embed, layer = int32_clusters_dock(make_napari_viewer, qtbot, tmp_path, monkeypatch)
    corner = np.nonzero(np.eye(4, dtype=bool))

    def no_recount(labels):
        raise AssertionError("a stroke recounted the whole layer")

    monkeypatch.setattr(module, "region_counts", no_recount)
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


def _save_painted_while_held(embed, qtbot, monkeypatch, out, gated, edit_first: bool):
    """Press Save labels & spectra to `out` (the dialog answered), paint a stroke (region 4 on
    three columns) while the save's job is held at `gated`'s gate, then let it end. Returns the
    layer's labels as Save was pressed."""
    import xrf_napari.widgets.embed as module

    layer = embed.labels_layer
    if edit_first:
        layer.data_setitem(np.nonzero(np.ones((2, W), bool)), 3)  # painted before Save
    at_press = np.array(layer.data)
    monkeypatch.setattr(module, "ask_save_path", lambda *a, **k: str(out))
    threads, gate = gated
    try:
        embed._save_clicked()
        qtbot.waitUntil(lambda: bool(threads), timeout=10000)
        layer.data_setitem(np.nonzero(np.ones((H, 3), bool)), 4)  # a stroke while it runs
    finally:
        gate.set()
    wait_idle(qtbot, embed.job)
    assert embed.job.last_error is None, embed.job.last_error
    return at_press


def test_a_save_says_what_was_painted_while_it_ran_is_not_in_the_files(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Save takes the clusters layer's labels as it is pressed; a stroke made while its job ran
    was missing from the files under a plain "Saved the edited regions: ...", and the edited
    regions kept as the result (their counts, their curves) described the labels saved, not
    the layer: the summary gave 3 regions where the layer showed 4, and the curves of the
    regions the stroke changed stayed, also after the next stroke. The files still hold the
    labels of the press; the line says the strokes since are not in them, and the summary and
    curves follow the layer. Save of the run's own regions says so too."""
    import tifffile

    import xrf_napari.analysis.embed as core
    import xrf_napari.analysis.export as export_mod
    import xrf_napari.widgets.embed as module

    _, embed, spectrum = _embed_run_beside_spectrum(
        make_napari_viewer, qtbot, tmp_path, monkeypatch
    )
    layer = embed.labels_layer
    gated = threads, gate = [], threading.Event()  # the edited regions' spectra, held
    real_spectra = core.iter_cluster_spectra

    def held_spectra(*args, **kwargs):  # a generator: its body runs in the job's worker
        threads.append(threading.current_thread())
        assert gate.wait(30)
        return (yield from real_spectra(*args, **kwargs))

    monkeypatch.setattr(core, "iter_cluster_spectra", held_spectra)
    out = tmp_path / "edited.tif"
    at_press = _save_painted_while_held(embed, qtbot, monkeypatch, out, gated, edit_first=True)
    np.testing.assert_array_equal(tifffile.imread(out), at_press)  # the labels of the press
    said = embed.job.status.text()
    assert said.startswith("Saved the edited regions: edited.tif and edited_spectra.csv."), said
    assert "as they were when Save was pressed" in said and "\u201cclusters [a]\u201d" in said
    recounted = np.bincount(np.asarray(layer.data).ravel())
    assert embed.summary.text() == module._summary(embed.result, recounted)
    assert "4 regions, as edited on the layer" in embed.summary.text()
    assert not _cluster_curves(spectrum)  # the stroke changed regions 1, 2 and 3
    layer.data_setitem((np.array([H - 1]), np.array([W - 1])), 4)  # counted from there on
    recounted = np.bincount(np.asarray(layer.data).ravel())
    assert embed.summary.text() == module._summary(embed.result, recounted)

    # regions saved as they are (written in a job): the same words
    layer.data = np.array(embed.result[2].labels)  # no edit since: Save writes the result as is
    gated = [], threading.Event()
    monkeypatch.setattr(export_mod, "save_label_image", _held(export_mod.save_label_image, *gated))
    out = tmp_path / "run.tif"
    at_press = _save_painted_while_held(embed, qtbot, monkeypatch, out, gated, edit_first=False)
    np.testing.assert_array_equal(tifffile.imread(out), at_press)
    said = embed.job.status.text()
    assert said.startswith("Saved run.tif and run_spectra.csv."), said
    assert "as they were when Save was pressed" in said, said


def test_a_region_of_a_few_painted_pixels_is_under_1_percent_not_0(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """A region painted on one pixel of the 480 read "3: 0%" in Area per region, as if it had
    none (the share of the scan in no region already said "under 1%")."""
    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    embed.labels_layer.data_setitem((np.array([0]), np.array([0])), 3)
    said = embed.summary.text()
    assert "Area per region: 1: 50%, 2: 50%, 3: under 1%" in said, said
