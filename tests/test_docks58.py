"""Session 58's dock fixes: a first run's torch import and model load read a stop, a survey is
handed over only to a dock still open, a sentence held for a busy Spectrum dock stays with its
scan, one refusal told per reason, and Make maps pressed while its survey was being cancelled."""

from __future__ import annotations

import sys
import threading
import types

import pytest
from _napari_helpers import open_cube, survey_held_for, wait_idle, write_painted_cube

pytest.importorskip("napari")


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _torch_pending(monkeypatch) -> threading.Event:
    """torch's import (the dock jobs' import_torch_steps) still running until the Event is set."""
    from xrf_napari.widgets import _jobs

    if "torch" not in sys.modules:  # its real first import (2-5 s) is no part of the tests
        monkeypatch.setitem(sys.modules, "torch", types.ModuleType("torch"))
    pending = threading.Event()
    monkeypatch.setattr(_jobs, "_importing_torch", lambda: pending, raising=False)
    return pending


def test_a_first_recolour_stops_while_torch_is_imported(monkeypatch):
    """Recolour's first step imported torch in the job's thread, which read no stop until the
    import was over: Cancel 0.9 s after a first Run ended the job 4.3 s later (two busy
    cores). The import now runs on a thread of its own, the job stepping meanwhile: stopped
    there, it loads no model."""
    import xrf_napari.analysis.recolour as recolour_mod
    from xrf_napari.widgets.recolour import iter_dock_recolour

    _torch_pending(monkeypatch)
    loaded = []
    monkeypatch.setattr(recolour_mod, "load_recolouriser", lambda *a: loaded.append(a))
    steps = iter_dock_recolour(None, weights="u", embedder_weights="e", device="cpu")
    assert [next(steps), next(steps)] == [None, None]  # the import still running
    steps.close()  # superqt's stop at that step
    assert loaded == []


def test_embed_can_stop_between_its_model_load_and_its_check_of_the_scan(monkeypatch):
    """Embed & cluster's first step imported torch, loaded the embedder and checked the scan
    against its training data with no point to stop at: Cancel 1.7 s after a first Run ended
    the job 6.2 s later, 0.3 s after a later Run 0.55 s later. Each is a step of its own."""
    import xrf_napari.analysis.embed as embed_mod
    import xrf_napari.analysis.ood as ood_mod
    from xrf_napari.widgets.embed import _embed_cluster_job

    pending = _torch_pending(monkeypatch)
    done = []
    monkeypatch.setattr(
        embed_mod,
        "load_embedder",
        lambda *a: done.append("load") or types.SimpleNamespace(device="cpu"),
    )
    monkeypatch.setattr(ood_mod, "check_scan", lambda *a, **k: done.append("check"))
    steps = _embed_cluster_job(None, "w", "cpu", None)
    assert isinstance(next(steps), str)  # its stage's name
    assert next(steps) is None and done == []  # torch still being imported
    pending.set()
    assert next(steps) is None and done == ["load"]  # stopped here, the scan is not checked
    steps.close()
    assert done == ["load"]


def test_a_survey_is_handed_only_to_a_dock_still_open_after_the_turn(qtbot, monkeypatch):
    """Docks closed in one go (Spectrum, then Elemental maps): the survey Spectrum's dock ran
    was handed at once to Elemental maps, which started it only to stop it as it closed. It is
    handed over at the event loop's next turn, to the docks open then."""
    from qtpy.QtCore import QCoreApplication
    from test_survey44 import _panel, _Scan

    from xrf_napari.widgets._common import _SurveyHub

    hub, scan, results = _SurveyHub(), _Scan(), []
    closing, still_open = [], []

    def closing_dock(cube):
        closing.append(cube)

    hub.orphaned.connect(closing_dock)
    hub.orphaned.connect(still_open.append)
    closed = _panel(monkeypatch, results)
    assert hub.start(scan, closed, "Reading the cube\u2026")
    hub.abandon(closed)
    hub.orphaned.disconnect(closing_dock)  # the next dock closed in the same turn
    assert closing == [] and still_open == []
    QCoreApplication.processEvents()
    assert closing == [] and still_open == [scan]


def test_a_sentence_held_for_a_busy_spectrum_dock_stays_with_its_scan(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """A stroke on the clusters took curves off the Spectrum plot while the Spectrum dock ran a
    job; its sentence ("The curves of clusters 1, 2 were taken off the plot ...") waited for the
    job's end, and was dropped where the dock showed another scan then: back on the painted
    scan, nothing said where its curves had gone. It is that scan's line now."""
    from test_docks52 import _embed_run_beside_spectrum
    from test_docks57 import _hold_spectrum_dock

    from xrf_napari.widgets._layers import layer_cube

    viewer, embed, spectrum = _embed_run_beside_spectrum(
        make_napari_viewer, qtbot, tmp_path, monkeypatch
    )
    painted = spectrum.current_layer()
    gate = threading.Event()
    try:
        _hold_spectrum_dock(spectrum, gate)
        embed.labels_layer.brush_size = 1
        embed.labels_layer.paint((1, 1), 2, refresh=True)  # a pixel of cluster 1 made cluster 2
        assert "cluster 1" not in spectrum.curves
        other = open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))[-1]
        spectrum.cube_combo.set_layer(other)  # (opened, it is shown already)
        assert spectrum.current_cube() is not layer_cube(painted)
    finally:
        gate.set()
        wait_idle(qtbot, spectrum.job)
    wait_idle(qtbot, spectrum.job)  # the other scan's survey
    spectrum.cube_combo.set_layer(painted)
    said = spectrum.job.status.text()
    assert "The curves of clusters 1, 2 were taken off the plot" in said, said


def test_a_refusal_after_a_wait_is_told_once_per_reason():
    """Run pressed in several docks while a scan's calibration was fitted: the first dock's
    refusal as the wait ended was a notification, the others' only their lines (session 57),
    whatever their reason: one of a dock's own was not told. One notification per reason; the
    scan's own failure (no calibration), worded by each dock its own way, still once."""
    import numpy as np

    from xrf_napari.cube import cube_from_array
    from xrf_napari.energy import Calibration
    from xrf_napari.widgets._common import _told_after_wait

    data = np.ones((2, 3, 8), np.uint16)
    calibrated = cube_from_array(data, Calibration.canonical())
    assert not _told_after_wait(calibrated, "Elemental maps: s: where no element has a line")
    assert not _told_after_wait(calibrated, "Recolour: s: wholly off the models' energy grid")
    assert _told_after_wait(calibrated, "Embed & cluster: s: wholly off the models' energy grid")
    bare = cube_from_array(data)  # no calibration
    assert not _told_after_wait(bare, "Elemental maps: s: no energy calibration, ... found")
    assert _told_after_wait(bare, "Recolour: s: no energy calibration, ... read by the models")


def test_make_maps_waits_for_a_cancelled_survey_or_for_the_suggestions_to_tick(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Two presses of Make maps before a survey's end, in one dock (its set-up shared).
    Pressed as a scan opened, before its survey ticked the suggested elements: an error pop-up
    "tick at least one element to map" while the line said the elements were being found. It
    waits for the survey and maps what it suggests.
    Pressed while the dock's own survey said "Cancelling...": it ended "Make maps was not
    started: the element survey stopped or failed; press it again", the press lost. The line
    says it waits for the cancelled survey; then the scan is surveyed again and the maps are
    made."""
    import numpy as np
    from _napari_helpers import caught_notifications, stand_in_maps_job

    import xrf_napari.widgets.maps as maps_mod

    monkeypatch.setattr(
        maps_mod, "_maps_job", stand_in_maps_job(lambda h, w, s: {x: np.ones((h, w)) for x in s})
    )
    viewer = make_napari_viewer()
    maps = maps_mod.ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(maps)
    with survey_held_for(monkeypatch, "a") as gate, caught_notifications() as seen:
        open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
        qtbot.waitUntil(lambda: maps.job.is_running, timeout=10000)
        assert maps.checked_elements() == []
        assert maps.run() is None
        assert [n.message for n in seen if n.severity == "error"] == []  # waits
        gate.set()
        qtbot.waitUntil(lambda: bool(maps.map_layers), timeout=20000)
        wait_idle(qtbot, maps.job)
    assert [n.message for n in seen if n.severity == "error"] == []
    assert maps.checked_elements() and sorted(maps.map_layers) == sorted(maps.checked_elements())

    def fe_maps():
        return sum(ly.name.startswith("Fe") for ly in viewer.layers)

    fe_of_a = fe_maps()
    with survey_held_for(monkeypatch, "b") as gate:
        open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))
        qtbot.waitUntil(lambda: maps.job.is_running, timeout=10000)
        maps.set_checked_elements(["Fe"])
        maps.job.cancel_button.click()
        assert maps.job.status.text() == "Cancelling\u2026"
        assert maps.run() is None  # waits
        assert "Waiting for the cancelled element survey" in maps.job.status.text()
        gate.set()
        qtbot.waitUntil(lambda: fe_maps() > fe_of_a, timeout=20000)  # b's
    wait_idle(qtbot, maps.job)
    assert "was not started" not in maps.job.status.text(), maps.job.status.text()
