"""Docks' results against the scan's instrument and layers, session 48 (b): choosing the tube
the file names read as a change of Pigments' fit; regions painted beyond K saved as PNG."""

from __future__ import annotations

import pytest
from _napari_helpers import wait_idle


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


CHANGED = "The Instrument row changed since this fit"


def test_choosing_the_files_own_tube_is_no_change_of_the_fit(make_napari_viewer, qtbot, tmp_path):
    """The painted scan names an Rh tube; its fit said "The Instrument row changed since this
    fit" once "Rh" was chosen in the row (the raw choice compared, {} then {"anode": "Rh"}),
    though the fit would be the same. The instrument the fit reads is compared now: Rh says
    nothing, W does, and so does a kV other than the file's."""
    from _napari_helpers import pigments_dock_on_painted_regions

    viewer = make_napari_viewer()
    dock, regions = pigments_dock_on_painted_regions(viewer, tmp_path)
    dock.labels_combo.set_layer(regions)
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, timeout=60000)
    assert dock.job.last_error is None, dock.job.status.text()
    info = dock.info.text()
    assert CHANGED not in info, info
    row = dock.instrument_row
    row.anode_combo.setCurrentText("Rh")
    assert dock.info.text() == info
    row.anode_combo.setCurrentText("W")
    assert dock.info.text().startswith(CHANGED), dock.info.text()
    row.anode_combo.setCurrentText("Rh")
    assert dock.info.text() == info
    row.kv_spin.setValue(30)
    assert dock.info.text().startswith(CHANGED), dock.info.text()


def test_regions_painted_beyond_k_save_as_png(make_napari_viewer, qtbot, tmp_path):
    """A guard: labels painted on the clusters layer above the run's K (70, and 65535, the
    largest a PNG's colour table holds) were said to raise IndexError in the PNG's colour table
    (label_colours(k)[labels]); the edited k is the largest label, so the PNG is written, each
    painted label in its own colour."""
    import numpy as np
    from _napari_helpers import clustered_painted_scan
    from imageio.v3 import imread

    from xrf_napari.analysis.embed import colour_table

    viewer = make_napari_viewer()
    embed, _, layer = clustered_painted_scan(viewer, qtbot, tmp_path)
    data = np.array(layer.data)
    data[0, :3] = 70
    data[1, :3] = 65535
    layer.data = data
    png, _ = embed.save(tmp_path / "out" / "clusters.png")
    image = imread(png)
    assert (image[0, 0] == colour_table()[70]).all()
    assert (image[1, 0] == colour_table()[65535]).all()


def _spectrum_on_painted(viewer, qtbot, tmp_path):
    """The painted scan opened, a Spectrum dock on it, its mean surveyed."""
    from _napari_helpers import open_cube, write_painted_cube

    from xrf_napari.widgets.spectrum import SpectrumWidget

    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)
    return dock


def _csv_columns(dock, path) -> str:
    """The exported CSV's header row (its column names)."""
    dock.export_csv(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(ln for ln in lines if not ln.startswith("#"))


def test_a_deleted_region_takes_its_curve_away(make_napari_viewer, qtbot, tmp_path):
    """The "region" curve of a Labels layer stayed on the plot, and in the exported CSV, after
    the layer was deleted, as if of a region still there; it goes with its layer, and one of
    a layer deleted while the region was averaged is not added."""
    import numpy as np

    viewer = make_napari_viewer()
    dock = _spectrum_on_painted(viewer, qtbot, tmp_path)
    cube = dock.current_cube()
    region = viewer.add_labels(np.ones(cube.shape[:2], np.int32), name="region")
    dock.region_combo.set_layer(region)
    assert dock.region_spectrum() is not None
    wait_idle(qtbot, dock.job)
    assert "region" in dock.curves
    assert "region" in _csv_columns(dock, tmp_path / "with.csv")
    viewer.layers.remove(region)
    assert "region" not in dock.curves
    assert "region" not in _csv_columns(dock, tmp_path / "without.csv")
    again = viewer.add_labels(np.ones(cube.shape[:2], np.int32), name="again")
    dock.region_combo.set_layer(again)
    assert dock.region_spectrum() is not None
    viewer.layers.remove(again)
    wait_idle(qtbot, dock.job)
    assert "region" not in dock.curves


def test_deleted_clusters_take_their_curves_away(make_napari_viewer, qtbot, tmp_path):
    """The "cluster i" means Embed & cluster sent stayed on the Spectrum plot after the clusters
    layer was deleted, of the scan shown or of another; they go with it."""
    from _napari_helpers import cluster_with_tiny_dve, open_cube, write_painted_cube

    viewer = make_napari_viewer()
    dock = _spectrum_on_painted(viewer, qtbot, tmp_path)
    embed = cluster_with_tiny_dve(viewer, qtbot, tmp_path, k=2)
    cube = embed.current_cube()
    clusters = embed._clusters_layer(cube, embed.result)
    assert {"cluster 1", "cluster 2"} <= set(dock.curves)
    viewer.layers.remove(clusters)
    assert not [n for n in dock.curves if n.startswith("cluster")], list(dock.curves)
    first = dock.current_layer()
    second = open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))[-1]
    embed.cube_combo.set_layer(first)
    dock.cube_combo.set_layer(second)
    wait_idle(qtbot, dock.job)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    clusters = embed._clusters_layer(cube, embed.result)
    assert not [n for n in dock.curves if n.startswith("cluster")]  # the other scan's
    viewer.layers.remove(clusters)
    dock.cube_combo.set_layer(first)
    assert not [n for n in dock.curves if n.startswith("cluster")], list(dock.curves)


def test_cancel_after_the_last_step_adds_nothing(make_napari_viewer, qtbot, tmp_path):
    """Cancel pressed once a fast Make maps job had ended in its thread but before its result
    reached the dock (queued behind the click) still added every map, and the line said
    "Done."; nothing of the cancelled job lands now, and the line says "Cancelled."."""
    import time

    from _napari_helpers import open_cube, write_painted_cube

    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    dock = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)
    before = len(viewer.layers)
    dock.set_checked_elements(["Pb", "Fe"])
    worker = dock.run()
    assert worker is not None
    deadline = time.monotonic() + 60
    # the GUI thread sleeps: the job's result and end stay queued for it
    while not (worker.began.is_set() and not worker._running) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert worker.began.is_set() and not worker._running
    dock.job.cancel()
    wait_idle(qtbot, dock.job)
    qtbot.wait(200)  # any delivery step left
    assert len(viewer.layers) == before, [ly.name for ly in viewer.layers]
    assert dock.job.status.text() == "Cancelled."
    assert not dock.live_maps()


def test_recolours_provenance_names_the_tube_its_notes_assumed(tmp_path):
    """The provenance saved with Recolour's colours named the scan, weights and device but not
    the tube its training-data note assumed (a Cu tube given, or the file's): it has "anode"
    now, the given over the file's, None where neither names one."""
    from _napari_helpers import cu_tube_scan, tiny_weights

    from xrf_napari.analysis.recolour import recolour
    from xrf_napari.io import read_cube

    dve, uvit = tiny_weights(tmp_path)
    kw = {"weights": uvit, "embedder_weights": dve, "device": "cpu"}
    unnamed = read_cube(cu_tube_scan(tmp_path / "none.h5"))
    named = read_cube(cu_tube_scan(tmp_path / "cu.h5", anode="Cu"))
    assert recolour(unnamed, **kw).provenance["anode"] is None
    assert recolour(unnamed, anode="Mo", **kw).provenance["anode"] == "Mo"
    assert recolour(named, **kw).provenance["anode"] == "Cu"
