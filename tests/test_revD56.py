"""Review of session 56's dock commits: Recolour's layers counted as they are added (as Embed &
cluster's), and the line of a dock whose own survey of a closed scan stopped over a scan another
dock had surveyed."""

from __future__ import annotations

import pytest
from _napari_helpers import (
    open_cube,
    run_seeing_layers_arrive,
    survey_held_for,
    wait_idle,
    write_painted_cube,
)

from xrf_napari.widgets._layers import layer_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_recolour_counts_its_layers_as_they_are_added_then_says_done(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Recolour's colours layer and its outline came under "Done." (Run and Cancel off: the job
    seemed over while napari still added them); the line now says "Adding 2 layers... (k of 2)"
    as each arrives, the bar at k, as Embed & cluster's does, and "Done." once both are in."""
    from test_docks51 import _stand_in_recolour

    import xrf_napari.widgets.recolour as module

    monkeypatch.setattr(module, "_recolour_job", _stand_in_recolour)  # every pixel ambiguous
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    dock = module.RecolourWidget(viewer)
    viewer.window.add_dock_widget(dock)
    dock.outline_box.setChecked(True)
    job = dock.job
    seen = run_seeing_layers_arrive(viewer, qtbot, dock)  # (line, bar, Cancel on) a layer
    assert job.last_error is None, job.last_error
    assert seen == [(f"Adding 2 layers\u2026 ({k} of 2)", k, False) for k in (0, 1)]
    assert job.status.text() == "Done."
    assert job.progress.value() == job.progress.maximum() == 2


def test_a_docks_stopped_survey_leaves_the_scan_shown_saying_it_was_surveyed(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Elemental maps surveyed scan b itself; b was closed, and the dock went on to scan a, which
    the Spectrum dock had already surveyed: the line said "Stopping..." then nothing at all,
    where a scan it surveys itself says "Scan surveyed: 5 elements suggested." It says so."""
    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    with survey_held_for(monkeypatch, "b"):
        viewer = make_napari_viewer()
        a_layer = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))[0]
        open_cube(viewer, write_painted_cube(tmp_path / "b.h5", seed=1))
        maps = ElementMapsWidget(viewer)  # on b, the scan chosen: its own survey, held
        viewer.window.add_dock_widget(maps)
        spectrum = SpectrumWidget(viewer)
        viewer.window.add_dock_widget(spectrum)
        spectrum.cube_combo.setCurrentIndex(spectrum.cube_combo.findText(a_layer.name))
        wait_idle(qtbot, spectrum.job)
        said = spectrum.job.status.text()
        assert said.startswith("Scan surveyed:"), said
        b_cube = maps.current_cube()
        assert b_cube.path.stem == "b" and maps.job.is_running
        for ly in [ly for ly in viewer.layers if layer_cube(ly) is b_cube]:
            viewer.layers.remove(ly)
        wait_idle(qtbot, maps.job, 10000)
    assert maps.current_cube() is layer_cube(a_layer)
    assert maps.job.status.text() == said
