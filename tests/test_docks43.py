"""The docks as a conservator uses them (session 43): painted corrections and a re-run of Embed &
cluster (no freeze, no silent overwrite, nothing left of a dropped run), saves refused after
their Replace? question when a run started meanwhile, Pigments' candidate boxes during a re-fit."""

import threading
from pathlib import Path

import numpy as np
import pytest
from _napari_helpers import (
    close_scan_when_layer_arrives,
    clustered_painted_scan,
    held_job,
    next_run_gives_another_latent,
    open_cube,
    pigments_dock_on_painted_regions,
    rerun_embed,
    wait_idle,
    write_painted_cube,
)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _rerun(embed, qtbot):
    rerun_embed(embed, qtbot)
    assert embed.job.last_error is None, embed.job.last_error


def _kept_copies(viewer):
    return [ly for ly in viewer.layers if "(your edits)" in ly.name]


def test_painted_regions_are_told_from_the_runs_by_one_digest_per_run_and_check(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Before a re-run replaced the clusters layer, a hash of its labels was computed in the GUI
    thread through a bytes copy (0.2-0.6 s of frozen viewer at 4000 x 4000 px); session 43 kept
    the run's array instead, session 44 a digest read in place (labels_digest, 70-140 ms
    there): one of the run's labels, one of the layer's at the check, nothing more per run,
    both computed in the run's worker thread since (RegionsCheck), none in the GUI thread.
    Every way of changing the labels is still seen: the fill tool, a write into the array in
    place (no napari event says so; the brush: test_docks42b); a stroke undone leaves nothing
    to keep."""
    from xrf_napari.widgets import _layers

    viewer = make_napari_viewer()
    embed, _cube, clusters = clustered_painted_scan(viewer, qtbot, tmp_path)
    hashed_here, hashed_there = [], []
    real = _layers.labels_digest

    def watched(labels):
        gui = threading.current_thread() is threading.main_thread()
        (hashed_here if gui else hashed_there).append(labels.shape)
        return real(labels)

    monkeypatch.setattr(_layers, "labels_digest", watched)

    def filled(layer):
        layer.fill((0, 0), 9, refresh=True)

    def in_place(layer):
        layer.data[2, 2] = 6  # no napari event says so
        layer.refresh()

    for edit in (filled, in_place):
        before = _kept_copies(viewer)
        edit(clusters)
        painted = np.array(clusters.data, copy=True)
        _rerun(embed, qtbot)
        new = [ly for ly in _kept_copies(viewer) if ly not in before]
        assert len(new) == 1, (edit.__name__, [ly.name for ly in viewer.layers])
        np.testing.assert_array_equal(new[0].data, painted)
        assert "(your edits)" in embed.job.status.text()

    clusters.paint((3, 4), 7, refresh=True)
    clusters.undo()  # nothing painted, after all
    count = len(viewer.layers)
    _rerun(embed, qtbot)
    assert len(viewer.layers) == count and embed.job.status.text() == "Done."
    assert hashed_here == []
    assert hashed_there == [clusters.data.shape] * 2 * 3  # three re-runs


def test_a_clusters_layer_that_does_not_say_what_its_run_made_is_kept(
    make_napari_viewer, qtbot, tmp_path
):
    """A clusters layer without the record of its run's labels (metadata xrf_run_labels taken
    off, by a script say) was overwritten by the next run without a copy: nothing could tell
    whether it had been painted on. It is kept as "(your edits)" now, and the line says why."""
    from xrf_napari.widgets._layers import RUN_LABELS_KEY

    viewer = make_napari_viewer()
    embed, _cube, clusters = clustered_painted_scan(viewer, qtbot, tmp_path)
    clusters.metadata = {k: v for k, v in clusters.metadata.items() if k != RUN_LABELS_KEY}
    before = np.array(clusters.data, copy=True)
    embed.k_spin.setValue(3)
    _rerun(embed, qtbot)
    copies = _kept_copies(viewer)
    assert len(copies) == 1, [ly.name for ly in viewer.layers]
    np.testing.assert_array_equal(copies[0].data, before)
    assert "no longer records which run made its regions" in embed.job.status.text()
    assert RUN_LABELS_KEY in clusters.metadata  # the new run's layer says it again


def test_a_result_dropped_after_its_clusters_step_leaves_the_layers_as_they_were(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """The scan closed after Embed & cluster replaced its clusters layer (one layer per turn of
    the event loop) dropped the result but left the new latent and clusters layers, the painted
    regions overwritten (and their copy beside them). Now both layers are as before the run,
    the painted regions in the clusters layer itself, and no copy is left."""
    import xrf_napari.widgets.embed as embed_mod

    viewer = make_napari_viewer()
    embed, cube, clusters = clustered_painted_scan(viewer, qtbot, tmp_path)
    latent = embed.latent_layer
    clusters.paint((3, 4), 7, refresh=True)
    painted = np.array(clusters.data, copy=True)
    old_rgb, old_meta = np.array(latent.data, copy=True), dict(clusters.metadata)
    close_scan_when_layer_arrives(monkeypatch, embed_mod, viewer, cube, "clusters")
    next_run_gives_another_latent(monkeypatch, embed_mod)
    names = [ly.name for ly in viewer.layers]
    embed.k_spin.setValue(3)
    assert embed.run() is not None
    wait_idle(qtbot, embed.job)
    assert embed.job.status.text() == (
        "The scan a.h5 was closed; its result was dropped and the latent RGB and clusters "
        "layers were put back as they were before this run."
    )
    assert [ly.name for ly in viewer.layers] == [
        n for n in names if n in {latent.name, clusters.name}
    ]
    assert latent in viewer.layers and clusters in viewer.layers
    np.testing.assert_array_equal(latent.data, old_rgb)
    np.testing.assert_array_equal(clusters.data, painted)
    assert clusters.metadata.keys() == old_meta.keys()
    assert all(clusters.metadata[k] is v for k, v in old_meta.items())


@pytest.mark.parametrize("which", ["maps", "pigments"])
def test_a_save_is_refused_when_a_run_started_while_replace_was_asked(
    make_napari_viewer, qtbot, tmp_path, monkeypatch, which
):
    """Maps' Save maps and Pigments' Export checked that no run was computing the scan's new
    result before their "Replace?" question, not after: a run started while it was open (a
    Run waiting for the calibration) and the save wrote the result about to be replaced. Now
    refused after the question too, saying why."""
    import xrf_napari.widgets.maps as maps_mod
    import xrf_napari.widgets.pigments as pigments_mod

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    module = maps_mod if which == "maps" else pigments_mod
    dock = (maps_mod.ElementMapsWidget if which == "maps" else pigments_mod.PigmentsWidget)(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)  # Maps surveys the scan first
    written = []
    if which == "maps":
        monkeypatch.setattr(dock, "map_files", lambda folder: [])
        monkeypatch.setattr(
            dock, "save", lambda f: written.append(f) or [Path(f, "a.tif"), Path(f, "a.csv")]
        )
        click = dock._save_clicked
    else:
        monkeypatch.setattr(dock, "_check_export", lambda folder: None)
        monkeypatch.setattr(dock, "export", lambda f: written.append(f) or {"report.html": f})
        click = dock._export_clicked
    gate = threading.Event()

    def asked(*_args):  # the question is open: the scan's run starts
        assert dock.start_job(held_job(gate), cube=dock.current_cube(), on_result=lambda v: v)
        return True

    monkeypatch.setattr(module, "ask_folder", lambda *a: str(tmp_path))
    monkeypatch.setattr(module, "confirm_replace", asked)
    try:
        click()
        assert not written
        assert "being computed" in dock.job.status.text()
    finally:
        dock.job.cancel()
        gate.set()
    wait_idle(qtbot, dock.job, 5000)


def test_pigments_candidate_boxes_are_off_while_the_scan_is_fitted_again(
    make_napari_viewer, qtbot, tmp_path
):
    """The candidate box of each region stayed enabled while Find pigments fitted the scan
    again: a candidate chosen then repainted the old fit's layer, which the new fit replaced.
    Off as Export is (also in a table made again meanwhile), on again once the job stops."""
    pytest.importorskip("xraylib")
    dock, regions = pigments_dock_on_painted_regions(make_napari_viewer(), tmp_path)
    dock.labels_combo.set_layer(regions)
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, 60000)
    assert dock.job.last_error is None, dock.job.last_error
    boxes = [dock.table.cellWidget(r, 1) for r in range(dock.table.rowCount())]
    assert boxes and all(b.isEnabled() for b in boxes)
    choice = dock.chosen(0)
    gate = threading.Event()
    try:
        assert dock.start_job(held_job(gate), cube=dock.current_cube(), on_result=lambda v: v)
        assert not any(b.isEnabled() for b in boxes)
        assert dock.chosen(0) == choice  # the choice shown is still the fit's
        dock.show_result(dock.result)  # the table made again (another scan and back)
        assert not any(
            dock.table.cellWidget(r, 1).isEnabled() for r in range(dock.table.rowCount())
        )
    finally:
        dock.job.cancel()
        gate.set()
    wait_idle(qtbot, dock.job, 5000)
    assert all(dock.table.cellWidget(r, 1).isEnabled() for r in range(dock.table.rowCount()))
