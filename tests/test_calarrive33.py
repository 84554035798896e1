"""A dock action asked for while a large scan's automatic calibration is still being fitted
(session 32's background pass) waits for it and starts on the calibrated scan. Before, it ran on
channel numbers: Embed's job was silently cancelled when the calibration arrived (a blank status
line, no result), or, ended sooner, left regions Pigments then refused as another scan's; the
pigment fit failed with "no energy calibration"; a region spectrum came in channels and was
dropped. Closing the scan's datacube layer meanwhile keeps the scan (its sum layer)."""

import numpy as np
import pytest
from _napari_helpers import caught_notifications, tiny_weights, wait_idle
from test_opencal32 import PENDING_KEY, _dock_then_uncalibrated, _layers

from xrf_napari.widgets._layers import labels_for, layer_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


WAITING = "Waiting for the automatic energy calibration"
#: Longest wait (ms) for what must come (the calibration, a job's start and end): generous, as a
#: wait ends as soon as it comes. The pigment fit's test took 4 s alone, 36 s under `-n 2` at load
#: 10 (its 30 s wait_idle ran out) and 78 s at load 22.
COMES_MS = 180_000


def _recorded(monkeypatch, module, name: str) -> list:
    """module.name (a dock's job generator) records the calibration source of the cube it got."""
    real, seen = getattr(module, name), []

    def job(cube, *args, **kwargs):
        seen.append(cube.calibration.source)
        return (yield from real(cube, *args, **kwargs))

    monkeypatch.setattr(module, name, job)
    return seen


def _painted_regions() -> np.ndarray:
    return np.repeat(np.arange(1, 5, dtype=np.int32), 6)[:, None].repeat(20, axis=1)


@pytest.mark.parametrize("close_stack", [False, True])
def test_embed_asked_for_while_the_calibration_is_fitted_runs_on_the_calibrated_scan(
    make_napari_viewer, tmp_path, qtbot, monkeypatch, gated_pass, close_stack
):
    import xrf_napari.widgets.embed as embed

    ran = _recorded(monkeypatch, embed, "_embed_cluster_job")
    viewer, dock, stack = _dock_then_uncalibrated(
        make_napari_viewer, tmp_path, monkeypatch, embed.EmbedClusterWidget
    )
    dock.weights_edit.setText(str(tiny_weights(tmp_path)[0]))
    dock.device.setCurrentText("cpu")
    dock.k_spin.setValue(3)
    total = _layers(viewer)[1]
    with caught_notifications() as seen:
        assert dock.run() is None  # waits, rather than embedding channel numbers
        assert WAITING in dock.job.status.text() and "Embed & cluster" in dock.job.status.text()
        assert dock.job.cancel_button.isEnabled()
        if close_stack:  # the scan stays open through its sum layer
            viewer.layers.remove(stack)
        qtbot.wait(100)
        assert ran == [] and not dock.job.is_running
        gated_pass.set()
        qtbot.waitUntil(lambda: PENDING_KEY not in total.metadata, timeout=COMES_MS)
        qtbot.waitUntil(lambda: bool(ran), timeout=COMES_MS)
        wait_idle(qtbot, dock.job, timeout=COMES_MS)
    assert ran == ["auto"] and dock.job.last_error is None
    cube = layer_cube(total)
    assert cube.calibration.source == "auto" and dock.current_cube() is cube
    clusters = next(ly for ly in viewer.layers if ly.name.startswith("clusters"))
    assert labels_for(clusters, cube)  # Pigments takes these regions for this scan
    assert not dock.job.cancel_button.isEnabled()
    assert [n.message for n in seen if n.severity == "error"] == []


def test_a_pigment_fit_asked_for_while_waiting_is_made_once_the_calibration_arrives(
    make_napari_viewer, tmp_path, qtbot, monkeypatch, gated_pass
):
    import xrf_napari.widgets.pigments as pigments

    ran = _recorded(monkeypatch, pigments, "_pigments_job")
    viewer, dock, stack = _dock_then_uncalibrated(
        make_napari_viewer, tmp_path, monkeypatch, pigments.PigmentsWidget
    )
    regions = viewer.add_labels(_painted_regions(), name="drawn")
    dock.labels_combo.set_layer(regions)
    dock.use_uvit.setChecked(False)
    dock.fwhm_spin.setValue(140)  # the painted lines' resolution: no trials to estimate it
    assert dock.run() is None
    assert WAITING in dock.job.status.text()
    gated_pass.set()
    qtbot.waitUntil(lambda: bool(ran), timeout=COMES_MS)
    wait_idle(qtbot, dock.job, timeout=COMES_MS)
    assert ran == ["auto"] and dock.job.last_error is None  # not "no energy calibration"
    assert dock.result is not None and dock.current_cube() is layer_cube(stack)


def test_a_region_spectrum_asked_for_while_waiting_comes_in_kev(
    make_napari_viewer, tmp_path, qtbot, monkeypatch, gated_pass
):
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer, dock, stack = _dock_then_uncalibrated(
        make_napari_viewer, tmp_path, monkeypatch, SpectrumWidget
    )
    mask = np.zeros((24, 20), np.int32)
    mask[:6] = 1
    dock.region_combo.set_layer(viewer.add_labels(mask, name="drawn"))
    assert dock.region_spectrum() is None
    gated_pass.set()
    # the calibrated scan's survey runs first in the panel, then the region
    qtbot.waitUntil(lambda: "region" in dock.curves, timeout=COMES_MS)
    wait_idle(qtbot, dock.job, timeout=COMES_MS)
    cube = layer_cube(stack)
    assert cube.calibration.source == "auto" and dock._x_label.startswith("Energy")
    np.testing.assert_allclose(dock.curves["region"][0], cube.energy)


@pytest.mark.parametrize("how", ["cancel", "close the scan", "switch scans"])
def test_a_waiting_action_is_dropped_by_cancel_or_leaving_the_scan(
    make_napari_viewer, tmp_path, qtbot, monkeypatch, gated_pass, how
):
    from _napari_helpers import OTHER_PIGMENTS, open_cube, write_painted_cube

    import xrf_napari.widgets.recolour as recolour

    ran = _recorded(monkeypatch, recolour, "_recolour_job")
    viewer, dock, stack = _dock_then_uncalibrated(
        make_napari_viewer, tmp_path, monkeypatch, recolour.RecolourWidget
    )
    total = _layers(viewer)[1]
    assert dock.run() is None and WAITING in dock.job.status.text()
    if how == "cancel":
        dock.job.cancel_button.click()
        assert dock.job.status.text() == "Cancelled."
    elif how == "close the scan":
        viewer.layers.remove(total)
        viewer.layers.remove(stack)
    else:
        open_cube(viewer, write_painted_cube(tmp_path / "other.h5", pigments=OTHER_PIGMENTS))
        dock.cube_combo.set_layer(total)  # back: the action is not waiting any more
    assert WAITING not in dock.job.status.text()
    assert not dock.job.cancel_button.isEnabled()
    gated_pass.set()
    if how != "close the scan":
        qtbot.waitUntil(lambda: PENDING_KEY not in total.metadata, timeout=COMES_MS)
    qtbot.wait(200)
    assert ran == [] and not dock.job.is_running and dock.job.last_error is None
