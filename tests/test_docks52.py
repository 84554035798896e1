"""The docks, session 52: Embed & cluster's cluster curves follow a stroke on the clusters layer;
a stroke or a refresh of a large regions layer is not answered by comparing the whole layer
(Spectrum's region curve, Pigments' fit); Spectrum's Region list falls back to the newest region
and keeps each scan's; a result layer deleted as its run lands is let go (Recolour, Embed)."""

from __future__ import annotations

import numpy as np
import pytest
from _napari_helpers import H, W, open_cube, wait_idle, write_painted_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _stand_in_fit(cube, labels, **_):
    """iter_fit_regions without a fit: each region one candidate."""
    from xrf_napari.analysis.pigment_fit import Candidate, PigmentReport, RegionResult
    from xrf_napari.physics.instrument import InstrumentProfile

    yield 0, 1
    regions = []
    for k in np.unique(labels[labels > 0]):
        region = RegionResult(int(k), 10, 9.0, np.ones(cube.shape[2]), region_pixels=10)
        region.candidates = [
            Candidate(["Vermilion"], [1.0], ["Hg"], [], (0.8, 0.1, 0.1), 1.0, 1.0, 0.0)
        ]
        regions.append(region)
    return PigmentReport(regions, InstrumentProfile(), [], [], cube.energy)


def _embed_run_beside_spectrum(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    """A viewer with a scan, Embed & cluster (its stand-in job) run once, and a Spectrum dock
    that received its cluster curves: (viewer, embed, spectrum)."""
    from _napari_helpers import stand_in_embed_dock

    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)
    spectrum = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(spectrum)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    # its survey of the scan: a stroke's sentence waits for a job of the dock's own to end
    wait_idle(qtbot, spectrum.job)
    return viewer, embed, spectrum


def test_cluster_curves_follow_a_stroke_on_the_clusters(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Embed & cluster's per-cluster curves stayed on the Spectrum plot (and in its CSV) after
    the user painted on the clusters layer, as the means of regions that no longer were: the
    curves of the clusters a stroke changed go, with a sentence; undone, they come back."""
    _, embed, spectrum = _embed_run_beside_spectrum(
        make_napari_viewer, qtbot, tmp_path, monkeypatch
    )
    assert {"cluster 1", "cluster 2"} <= set(spectrum.curves)
    layer = embed.labels_layer
    layer.brush_size = 1
    layer.refresh()  # no edit: the curves stay
    assert {"cluster 1", "cluster 2"} <= set(spectrum.curves)
    layer.paint((1, 1), 2, refresh=True)  # a pixel of cluster 1 painted as cluster 2
    assert "cluster 1" not in spectrum.curves and "cluster 2" not in spectrum.curves
    assert "clusters 1, 2 were taken off" in spectrum.job.status.text()
    layer.undo()
    assert {"cluster 1", "cluster 2"} <= set(spectrum.curves)


def test_a_rerun_with_other_regions_says_nothing_was_painted(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Embed & cluster run again with other regions: c2350aa's sentence "their regions were
    painted on" came on the Spectrum status line, as the run wrote its regions into the
    clusters layer; the new run's curves are plotted without it."""
    from _napari_helpers import two_band_cluster_job

    import xrf_napari.widgets.embed as module
    from xrf_napari.analysis.embed import ClusterResult

    def other_regions(cube, *args, **kwargs):
        value = yield from two_band_cluster_job(cube, *args, **kwargs)
        labels = np.array(value[2].labels)
        labels[:4] = 2
        return (*value[:2], ClusterResult(labels, 2, value[2].centers, None), *value[3:])

    _, embed, spectrum = _embed_run_beside_spectrum(
        make_napari_viewer, qtbot, tmp_path, monkeypatch
    )
    monkeypatch.setattr(module, "_embed_cluster_job", other_regions)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    assert embed.job.last_error is None, embed.job.last_error
    assert {"cluster 1", "cluster 2"} <= set(spectrum.curves)
    assert "painted on" not in spectrum.job.status.text()


def test_a_stroke_elsewhere_or_a_refresh_compares_no_region(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Each stroke end on a region layer (and each move of the brush, where napari refreshes a
    large layer) made the Spectrum dock rasterise its region again and compare it (190 ms at
    4000 x 4000 px) and Pigments compare the whole layer with its fit (50 ms): a refresh compares
    nothing, a stroke on other labels than the region's leaves the curve without a compare, a
    stroke on the fitted labels makes the fit stale without one; an undo still compares."""
    import xrf_napari.widgets.spectrum as spectrum_mod
    from xrf_napari.analysis import pigment_fit
    from xrf_napari.widgets.pigments import PigmentsWidget

    monkeypatch.setattr(pigment_fit, "iter_fit_regions", _stand_in_fit)
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    labels = np.repeat(np.arange(1, 5), H // 4)[:, None].repeat(W, axis=1).astype(np.int32)
    region = viewer.add_labels(labels, name="drawn")
    region.brush_size = 1
    spectrum = spectrum_mod.SpectrumWidget(viewer)
    pigments = PigmentsWidget(viewer)
    for dock in (spectrum, pigments):
        viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, spectrum.job)  # its survey of the scan
    spectrum.region_combo.set_layer(region)
    region.selected_label = 1
    assert spectrum.region_spectrum() is not None
    wait_idle(qtbot, spectrum.job)
    pigments.labels_combo.set_layer(region)
    assert pigments.run() is not None
    wait_idle(qtbot, pigments.job)
    assert pigments.job.last_error is None, pigments.job.last_error
    fit = pigments.result
    assert fit is not None and not fit.stale and "region" in spectrum.curves

    masks, compares = [], []
    region_mask = spectrum_mod.region_mask
    monkeypatch.setattr(
        spectrum_mod, "region_mask", lambda *a, **k: masks.append(1) or region_mask(*a, **k)
    )
    array_equal = np.array_equal
    monkeypatch.setattr(
        np,
        "array_equal",
        lambda a, *r, **k: (
            (compares.append(1) if a is fit.labels else None) or array_equal(a, *r, **k)
        ),
    )
    region.refresh()  # napari's refresh: nothing changed
    region.paint((H - 1, 0), 3, refresh=True)  # label 4 painted 3: not the curve's region
    assert (masks, compares) == ([], []) and "region" in spectrum.curves and fit.stale
    region.undo()  # Pigments compares (the fit's labels are back); Spectrum needs not
    assert compares and not fit.stale
    assert masks == [] and "region" in spectrum.curves


def test_region_list_falls_back_to_the_newest_region_and_keeps_each_scans(
    make_napari_viewer, tmp_path
):
    """Spectrum's Region list chose the first region when the chosen one was deleted (three
    drawn, the third deleted: the first), and a scan shown again got the region chosen on the
    other scan: the newest region shown is chosen, and each scan's choice comes back with it."""
    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    scan_a = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))[0]
    dock = SpectrumWidget(viewer)
    combo = dock.region_combo
    first, second, third = (
        viewer.add_labels(np.ones((H, W), np.int32), name=n) for n in ("r1", "r2", "r3")
    )
    hidden = viewer.add_labels(np.ones((H, W), np.int32), name="hidden", visible=False)
    combo.set_layer(third)
    viewer.layers.selection.active = scan_a
    viewer.layers.remove(third)
    assert combo.current_layer() is second  # the newest shown: not the hidden one
    viewer.layers.remove(hidden)
    combo.set_layer(first)
    scan_b = open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))[0]
    assert dock.current_cube() is layer_cube(scan_b)  # the scan just opened
    combo.set_layer(second)  # scan b's region
    dock.cube_combo.set_layer(scan_a)
    assert combo.current_layer() is first
    dock.cube_combo.set_layer(scan_b)
    assert combo.current_layer() is second


def _deleted_as_it_lands(monkeypatch, module, viewer, prefix: str, adds="upsert_layer") -> None:
    """The user deletes the layer named `prefix...` that the next run's delivery adds or updates
    (through `module.adds`), before the delivery's next step (a turn of the event loop later)."""
    from qtpy.QtCore import QTimer

    def delete(layer):
        if layer in viewer.layers:
            viewer.layers.remove(layer)

    def add(viewer_, name, *args, **kwargs):
        value = added(viewer_, name, *args, **kwargs)
        if name.startswith(prefix) and not done:
            done.append(name)
            layer = value[0] if isinstance(value, tuple) else value
            QTimer.singleShot(0, lambda: delete(layer))
        return value

    done: list = []
    added = getattr(module, adds)
    monkeypatch.setattr(module, adds, add)


def test_colours_deleted_as_a_rerun_lands_are_let_go(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """A re-run's colours layer deleted while its delivery landed (the outline step after it):
    the dock kept that run's whole result (colours, latent, outline mask: 400 MB at 4000 x
    4000 px) until the scan was closed or recoloured again, as 90b5eed let go of a finished
    result's, and the outline the delivery added after it stayed over nothing: the result is
    let go, the outline removed, and Save is off."""
    from test_docks51 import _stand_in_recolour

    import xrf_napari.widgets.recolour as module

    monkeypatch.setattr(module, "_recolour_job", _stand_in_recolour)
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    dock = module.RecolourWidget(viewer)
    viewer.window.add_dock_widget(dock)
    dock.outline_box.setChecked(True)  # a step after the colours: the outline
    assert dock.run() is not None
    wait_idle(qtbot, dock.job)
    _deleted_as_it_lands(monkeypatch, module, viewer, "recoloured")
    assert dock.run() is not None
    wait_idle(qtbot, dock.job)
    assert dock.job.last_error is None, dock.job.last_error
    assert dock.result_layer is None and dock.result is not None
    assert dock.result.rgb is None and dock.result.latent is None
    assert dock.result.ambiguity is None
    assert not [ly.name for ly in viewer.layers if ly.name.startswith("ambiguous")]
    assert not dock.save_button.isEnabled() and dock.result_deleted()


def test_clusters_deleted_as_a_rerun_lands(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    """As Recolour's: a re-run's clusters layer deleted as its delivery landed (its last step)
    failed the delivery, handing the deleted layer's colours to the Spectrum curves; the run's
    regions are let go (Save off), and no curve is plotted for them."""
    import xrf_napari.widgets.embed as module

    viewer, embed, spectrum = _embed_run_beside_spectrum(
        make_napari_viewer, qtbot, tmp_path, monkeypatch
    )
    _deleted_as_it_lands(monkeypatch, module, viewer, "clusters", adds="replace_regions")
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    assert embed.job.last_error is None, embed.job.last_error
    assert embed.result is not None and embed.result[2].labels is None
    assert not embed.save_button.isEnabled() and embed.result_deleted()
    assert not [n for n in spectrum.curves if n.startswith("cluster")]
