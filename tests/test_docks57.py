"""Session 57's dock fixes: what each dock says of a scan's survey, whichever dock ran it, and of
a scan whose file a survey failed reading."""

from __future__ import annotations

import threading

import pytest
from _napari_helpers import open_cube, wait_idle, write_painted_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


pytest.importorskip("napari")


@pytest.fixture
def spectrum_and_maps(make_napari_viewer):
    """(viewer, Spectrum dock, Elemental maps dock), docked in that order, no scan open."""
    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    docks = [SpectrumWidget(viewer), ElementMapsWidget(viewer)]
    for dock in docks:
        viewer.window.add_dock_widget(dock)
    return viewer, *docks


def test_a_read_failure_met_by_a_survey_turns_run_off_in_every_dock_showing_the_scan(
    make_napari_viewer, tmp_path, qtbot, monkeypatch
):
    """A calibrated scan whose survey (Spectrum's) met a NaN block while the docks showed it,
    its sum pass not yet there: Elemental maps said "Not surveyed: ..." with Make maps on (a
    click dropped: "was not started"), Recolour kept Run on with a blank line (a click refused
    with a toast); both now say "<scan>: reading the file failed (see the message about
    nanny.rpl)", Run off, as when the scan is chosen after the failure."""
    from _napari_helpers import caught_notifications, gated_method
    from test_badblock34 import _open_large

    from xrf_napari.analysis import spectra
    from xrf_napari.cube import Cube
    from xrf_napari.io import read_failed
    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.recolour import RecolourWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    shown, real = threading.Event(), spectra.iter_survey

    def once_shown(*args, **kwargs):  # the survey reads the file once every dock shows the scan
        assert shown.wait(10)
        return (yield from real(*args, **kwargs))

    monkeypatch.setattr(spectra, "iter_survey", once_shown)
    classes = (SpectrumWidget, ElementMapsWidget, RecolourWidget)
    with gated_method(monkeypatch, Cube, "sum_image"), caught_notifications() as seen:
        _, docks, _ = _open_large(make_napari_viewer, tmp_path, monkeypatch, classes)
        spectrum, maps, recolour = docks
        cube = spectrum.current_cube()
        assert maps.job.run_button.isEnabled() and recolour.job.run_button.isEnabled()
        shown.set()
        qtbot.waitUntil(lambda: read_failed(cube) and not spectrum.job.is_running, timeout=10000)
    assert len(seen) == 1 and "nanny.rpl" in seen[0].message  # told once, by the survey
    assert "nanny.rpl" in spectrum.job.status.text()  # the survey's own failure
    for dock, name in ((maps, "Elemental maps"), (recolour, "Recolour")):
        assert dock.current_cube() is cube
        line = dock.job.status.text()
        assert line == dock.scan_refusal(cube) == dock.job.run_button.toolTip(), line
        assert line == f"{name}: nanny: reading the file failed (see the message about nanny.rpl)"
        assert not dock.job.run_button.isEnabled()


def test_a_dock_that_did_not_run_the_survey_says_how_it_ended(spectrum_and_maps, tmp_path, qtbot):
    """Spectrum surveyed the scan ("Scan surveyed: 5 elements suggested."); Elemental maps, which
    waited on it, and a Maps dock opened afterwards showed a blank line."""
    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer, spectrum, maps = spectrum_and_maps
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    wait_idle(qtbot, spectrum.job)
    wait_idle(qtbot, maps.job)
    said = spectrum.job.status.text()
    assert said.startswith("Scan surveyed: ") and said.endswith(" elements suggested."), said
    assert maps.job.status.text() == said
    later = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(later)
    assert not later.job.is_running and later.job.status.text() == said


def test_run_waiting_in_three_docks_for_a_calibration_that_fails_is_refused_in_one_note(
    make_napari_viewer, tmp_path, qtbot, monkeypatch, gated_pass
):
    """Make maps, Recolour and Embed & cluster pressed while a noise scan's calibration was
    fitted, the fit then refused: each dock's refusal came as an error notification (three,
    beside the reader's warning of the failure). The first dock's is enough; each line says its
    own refusal, Run off."""
    import numpy as np
    from _napari_helpers import caught_notifications
    from test_opencal32 import PENDING_KEY, _dock_then_uncalibrated, _write_ripple

    from xrf_napari.widgets.embed import EmbedClusterWidget
    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.recolour import RecolourWidget

    noise = _write_ripple(tmp_path, "noise", np.random.default_rng(0).poisson(3, (12, 10, 256)))
    with caught_notifications() as seen:
        viewer, maps, stack = _dock_then_uncalibrated(
            make_napari_viewer, tmp_path, monkeypatch, ElementMapsWidget, noise
        )
        docks = [maps, RecolourWidget(viewer), EmbedClusterWidget(viewer)]
        for dock in docks:
            viewer.window.add_dock_widget(dock)
            dock.job.run_button.click()
            assert dock.job.status.text().startswith("Waiting for the automatic energy")
        gated_pass.set()
        qtbot.waitUntil(lambda: PENDING_KEY not in stack.metadata, timeout=10000)
    cube = maps.current_cube()
    assert cube.metadata["auto_calibration"].startswith("failed")
    errors = [str(n.message) for n in seen if "noise.rpl" not in str(n.message)]
    assert errors == [maps.scan_refusal(cube)], errors
    for dock in docks:
        assert dock.job.status.text() == dock.scan_refusal(cube) != ""
        assert not dock.job.run_button.isEnabled()


def _hold_spectrum_dock(spectrum, gate) -> None:
    """The Spectrum dock runs a job of its own (held_job, its result dropped) until `gate` is
    set."""
    from _napari_helpers import held_job

    spectrum.start_job(
        held_job(gate),
        cube=spectrum.current_cube(),
        on_result=lambda _: None,
        keep=False,
        description="Held\u2026",
    )


def test_painting_the_clusters_leaves_the_spectrum_docks_running_job_its_line(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """A stroke on Embed & cluster's clusters layer while the Spectrum dock ran a job of its own:
    "The curves of clusters 1, 2 were taken off the plot ..." replaced that job's line (one
    dock writing in another's), and went as the job ended. The curves still go; the line stays
    the job's, the sentence follows its last words; undone, the curves and no sentence."""
    from test_docks52 import _embed_run_beside_spectrum

    _, embed, spectrum = _embed_run_beside_spectrum(
        make_napari_viewer, qtbot, tmp_path, monkeypatch
    )
    assert {"cluster 1", "cluster 2"} <= set(spectrum.curves)
    gate = threading.Event()
    try:
        _hold_spectrum_dock(spectrum, gate)
        line = spectrum.job.status.text()
        embed.labels_layer.brush_size = 1
        embed.labels_layer.paint((1, 1), 2, refresh=True)  # a pixel of cluster 1 made cluster 2
        assert "cluster 1" not in spectrum.curves and "cluster 2" not in spectrum.curves
        assert spectrum.job.is_running and spectrum.job.status.text() == line
    finally:
        gate.set()
        wait_idle(qtbot, spectrum.job)
    said = spectrum.job.status.text()
    assert said.startswith("Done. The curves of clusters 1, 2 were taken off the plot"), said
    embed.labels_layer.undo()
    assert {"cluster 1", "cluster 2"} <= set(spectrum.curves)
    assert spectrum.job.status.text() == "Done."


def test_a_sum_pass_failing_on_a_renamed_sum_layer_turns_run_off(
    make_napari_viewer, tmp_path, qtbot, monkeypatch
):
    """A calibrated scan's sum pass met a NaN block, its sum layer renamed by the user while the
    pass ran (so not renamed "... (failed)"): Recolour, the only dock, kept Run on with a blank
    line until the scan was chosen again."""
    from _napari_helpers import caught_notifications, gated_method
    from test_badblock34 import _open_large

    from xrf_napari._reader import PENDING_KEY
    from xrf_napari.cube import Cube
    from xrf_napari.widgets.recolour import RecolourWidget

    with gated_method(monkeypatch, Cube, "sum_image") as gate, caught_notifications():
        _, (recolour,), total = _open_large(
            make_napari_viewer, tmp_path, monkeypatch, (RecolourWidget,)
        )
        total.name = "mine"
        gate.set()
        qtbot.waitUntil(lambda: PENDING_KEY not in total.metadata, timeout=10000)
    cube = recolour.current_cube()
    line = recolour.job.status.text()
    assert line == "Recolour: nanny: reading the file failed (see the message about nanny.rpl)"
    assert line == recolour.scan_refusal(cube) and not recolour.job.run_button.isEnabled()
