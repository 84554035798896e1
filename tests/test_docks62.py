"""Session 62's dock fixes: the status line of a job on another scan follows that scan's rename."""

from __future__ import annotations

import pytest

pytest.importorskip("napari")


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _in_memory_scans(viewer, seeds):
    """Painted scans held in memory (as the reader lays them out), one per seed."""
    from _napari_helpers import CANONICAL_CAL, add_cube, painted_counts

    from xrf_napari.cube import cube_from_array

    cubes = []
    for seed in seeds:
        cube = cube_from_array(painted_counts(seed)[0], CANONICAL_CAL, name=f"scan{seed}")
        add_cube(viewer, cube)
        cubes.append(cube)
    return cubes


def _quick_survey(monkeypatch, suggested):
    """The docks' survey at once: the scan's mean, and `suggested`[scan name] as its elements."""
    import numpy as np

    import xrf_napari.widgets._common as common

    def survey(cube):
        yield 0, 1
        mean = np.asarray(cube.data, dtype=np.float64).mean(axis=(0, 1))
        out = common._Survey((mean, list(suggested[cube.name])))
        out.spectra, out.instrument = None, {}
        return out

    monkeypatch.setattr(common, "_survey_job", survey)


def test_a_job_on_another_scan_is_named_anew_when_its_layer_is_renamed(
    make_napari_viewer, qtbot, monkeypatch
):
    """Make maps running on scan0 while scan1 was shown: the line said "On scan0: Integrating
    line windows..."; scan0's datacube layer renamed "left wing" in the layer list, the line
    went on saying "On scan0", a name no layer had. It names the scan as renamed."""
    import threading

    import numpy as np
    from _napari_helpers import held_job, stand_in_maps_job, wait_idle
    from qtpy.QtWidgets import QLabel

    import xrf_napari.widgets.maps as maps_mod
    from xrf_napari.widgets._layers import layer_cube

    gate = threading.Event()
    ones = stand_in_maps_job(lambda h, w, symbols: {s: np.ones((h, w)) for s in symbols})
    monkeypatch.setattr(maps_mod, "_maps_job", held_job(gate, then=ones))
    _quick_survey(monkeypatch, {"scan0": ["Pb"], "scan1": ["Fe"]})
    viewer = make_napari_viewer()
    a, b = _in_memory_scans(viewer, (0, 1))
    dock = maps_mod.ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(dock)

    def layer_of(cube):
        return next(ly for ly in viewer.layers if layer_cube(ly) is cube and ly.ndim == 3)

    viewer.layers.selection.active = layer_of(a)
    wait_idle(qtbot, dock.job)
    try:
        assert dock.run() is not None
        viewer.layers.selection.active = layer_of(b)
        line = dock.job.status
        assert QLabel.text(line) == "On scan0: Integrating line windows\u2026"
        layer_of(a).name = "left wing"
        assert QLabel.text(line) == "On left wing: Integrating line windows\u2026"
        layer_of(b).name = "right wing"  # the shown scan's rename leaves the job's name
        assert QLabel.text(line) == "On left wing: Integrating line windows\u2026"
    finally:
        gate.set()
    wait_idle(qtbot, dock.job)
