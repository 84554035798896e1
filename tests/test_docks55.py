"""Docks, session 55: what a dock's status line and bar say while a job's layers are added
(Embed & cluster's "Done." stood over its two layers' adding), once its scan is closed during
the adding or during a step with no point to stop at, and once another dock's survey of the scan
ends (an idle line was kept only if it began with "Done"); a bool labels array's regions are
counted (they were "labels outside 0..65535")."""

from __future__ import annotations

import numpy as np
import pytest
from _napari_helpers import (
    close_scan_when_layer_arrives,
    run_seeing_layers_arrive,
    stand_in_embed_dock,
    wait_idle,
)
from test_gui2_54 import maps_dock  # noqa: F401 (a fixture)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_embed_counts_its_layers_as_they_are_added_then_says_done(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """The latent RGB and clusters layers came under "Done." (2.4-2.9 s on a first run under
    Xvfb); the line now says "Adding 2 layers... (k of 2)" as each arrives, the bar at k, and
    "Done." once the last one is in, the bar full. No Cancel: a latent RGB alone is no result."""
    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)
    job = embed.job
    seen = run_seeing_layers_arrive(viewer, qtbot, embed)  # (line, bar, Cancel on) a layer
    assert job.last_error is None, job.last_error
    assert seen == [(f"Adding 2 layers\u2026 ({k} of 2)", k, False) for k in (0, 1)]
    assert job.status.text() == "Done."
    assert job.progress.value() == job.progress.maximum() == 2


def test_closing_the_scan_while_maps_are_added_empties_the_bar(
    maps_dock,  # noqa: F811
    qtbot,
    monkeypatch,
):
    """The scan closed after its second map came: the line said the result was dropped, but
    the bar stayed at 2 of 5 for good, as if the adding had paused there; it is now empty, as
    for any job stopped by its scan's closing."""
    import xrf_napari.widgets.maps as maps_mod

    viewer, dock, cube, seen, _ = maps_dock
    close_scan_when_layer_arrives(monkeypatch, maps_mod, viewer, cube, "Fe")
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, 10000)
    assert dock.job.last_error is None, dock.job.last_error
    assert len(seen) == 2
    assert dock.job.status.text().startswith("The scan a.h5 was closed; its result was dropped")
    assert (dock.job.progress.value(), dock.job.progress.maximum()) == (0, 5)


def test_a_survey_ending_keeps_make_maps_own_line(maps_dock, qtbot):  # noqa: F811
    """A survey of the scan ending (another dock's, after a change of its Tube) cleared the
    line of an idle dock unless it began with "Done": Make maps' "5 map(s) added ..." went,
    leaving nothing under the maps. The line of the survey's own wait is what it replaces."""
    from xrf_napari.widgets._common import SURVEYED_ELSEWHERE, SURVEYS

    _, dock, cube, _, _ = maps_dock
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, 10000)
    said = "5 map(s) added (net line counts per pixel)."
    assert dock.job.status.text() == said
    SURVEYS.ready.emit(cube)
    assert dock.job.status.text() == said
    dock._say_of_survey(SURVEYED_ELSEWHERE)  # as request_survey does while another dock surveys
    SURVEYS.ready.emit(cube)
    assert dock.job.status.text().startswith("Scan surveyed: ")  # how it ended (session 57)


def test_bool_labels_are_regions_0_and_1_not_labels_outside_the_range():
    """A bool labels array (a mask) was counted as labels outside 0..65535, all of it: Embed &
    cluster's summary said "not counted: labels outside 0..65535" instead of the areas."""
    from types import SimpleNamespace

    from xrf_napari.widgets._layers import counts_after, region_counts, regions_array
    from xrf_napari.widgets.embed import _summary

    mask = np.zeros((4, 5), bool)
    mask[:1] = True
    counts = region_counts(mask)
    assert counts.tolist() == [15, 5]
    assert regions_array(mask).dtype == np.uint16
    stroke = [((np.array([3]), np.array([0])), np.array([False]), np.array([True]))]
    assert counts_after(counts, stroke).tolist() == [14, 6]
    clusters = SimpleNamespace(labels=mask.astype(np.uint16), silhouette=None, k=1)
    result = ("a.h5", None, clusters, None, np.array([5]), "cpu", "", False, None, None)
    summary = _summary(result, painted=counts)
    assert summary.startswith("1 region, as edited") and "75% of the scan is in no" in summary


def test_a_job_stopped_in_a_step_without_a_yield_says_stopping_until_it_ends(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """The scan closed during a step that has no point to stop at (a first Recolour's torch
    import and model load, about 3 s): the line said "Stopped: the scan a.h5 was closed." at
    once, with Run off until the step ended. It says "Stopping..." until then, the reason
    once the job is over."""
    import threading

    import xrf_napari.widgets.embed as embed_mod
    from xrf_napari.widgets._layers import layer_cube

    viewer = make_napari_viewer()
    embed = stand_in_embed_dock(viewer, tmp_path, monkeypatch)
    gate = threading.Event()

    def loading(*_args, **_kwargs):  # one step, held until the gate opens
        gate.wait(5)
        yield "Embedding\u2026"

    monkeypatch.setattr(embed_mod, "_embed_cluster_job", loading)
    cube = layer_cube(viewer.layers[0])
    try:
        assert embed.run() is not None
        qtbot.waitUntil(embed.job.worker.began.is_set, timeout=5000)
        for ly in [ly for ly in viewer.layers if layer_cube(ly) is cube]:
            viewer.layers.remove(ly)
        assert embed.job.is_running
        assert embed.job.status.text() == "Stopping\u2026"
    finally:
        gate.set()
    wait_idle(qtbot, embed.job, 5000)
    assert embed.job.status.text() == "Stopped: the scan a.h5 was closed."
    assert embed.job.progress.value() == 0
