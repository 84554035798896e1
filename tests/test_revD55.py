"""Docks, review of session 55's JobPanel changes: a script's cancel() during Embed & cluster's
adding (which has no Cancel) said "Cancelling..." as its second layer came, then "Done."; a cancel()
during "Stopping..." (its scan closed) said "Cancelling..."; the scan closed as Make maps added
its maps said "its result was dropped" over the maps it had added, which stay."""

from __future__ import annotations

import threading

import pytest
from _napari_helpers import close_scan_when_layer_arrives, wait_idle
from test_gui2_54 import _maps_in, maps_dock  # noqa: F401 (a fixture)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_a_scripts_cancel_during_an_adding_without_cancel_changes_nothing(qtbot):
    """Embed & cluster's adding cannot be cancelled (begin_adding(2, cancellable=False): a
    latent RGB alone is no result), but job.cancel() from a script put "Cancelling..." on the
    line while the clusters still came, then "Done.": it now changes nothing."""
    from xrf_napari.widgets._jobs import JobPanel

    panel, seen = JobPanel("Run"), []
    qtbot.addWidget(panel)

    def job():
        yield "Working\u2026"
        return 0

    def add(_value):  # as Embed & cluster's _add_results
        panel.begin_adding(2, cancellable=False)
        panel.added(1)
        yield
        panel.cancel()  # a script's, between the two layers
        seen.append((panel.status.text(), panel.adding_cancelled))
        panel.added(2)
        yield
        seen.append((panel.status.text(), panel.progress.value()))

    assert panel.start(job, on_result=add) is not None
    wait_idle(qtbot, panel, 5000)
    assert panel.last_error is None, panel.last_error
    assert seen == [
        ("Adding 2 layers\u2026 (1 of 2)", False),
        ("Adding 2 layers\u2026 (2 of 2)", 2),
    ]
    assert panel.progress.value() == panel.progress.maximum() == 2


def test_a_cancel_while_stopping_keeps_stopping(maps_dock, qtbot, monkeypatch):  # noqa: F811
    """The scan closed during a step with no point to stop at: "Stopping..." until the job
    ends, then the reason. A script's cancel() meanwhile replaced it with "Cancelling...", as
    if the user had cancelled a job already stopping."""
    import xrf_napari.widgets.maps as maps_mod

    viewer, dock, cube, _, _ = maps_dock
    gate = threading.Event()

    def held(*_args, **_kwargs):  # one step, held until the gate opens
        gate.wait(5)
        yield "Integrating line windows\u2026"

    monkeypatch.setattr(maps_mod, "_maps_job", held)
    try:
        assert dock.run() is not None
        qtbot.waitUntil(dock.job.worker.began.is_set, timeout=5000)
        viewer.layers.clear()  # the scan closed
        dock.job.cancel()
        assert dock.job.status.text() == "Stopping\u2026"
    finally:
        gate.set()
    wait_idle(qtbot, dock.job, 5000)
    assert dock.job.status.text() == "Stopped: the scan a.h5 was closed."


def test_closing_the_scan_after_the_first_map_names_the_map_that_stays(
    maps_dock,  # noqa: F811
    qtbot,
    monkeypatch,
):
    """The scan closed as Make maps added its maps: the line said "its result was dropped"
    while the maps added stayed in the viewer; it names them (here the first, Pb's)."""
    import xrf_napari.widgets.maps as maps_mod

    viewer, dock, cube, seen, _ = maps_dock
    close_scan_when_layer_arrives(monkeypatch, maps_mod, viewer, cube, "Pb")
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, 10000)
    assert dock.job.last_error is None, dock.job.last_error
    assert [ly.metadata["xrf_element"] for ly in _maps_in(viewer)] == ["Pb"]
    assert dock.job.status.text() == (
        "The scan a.h5 was closed; its result was dropped and the map added before it closed "
        "(Pb) stays in the viewer."
    )
    assert dock.job.progress.value() == 0
