"""Recolour widget in a real napari viewer: result beside / over the scan, device label, opacity,
save, corrupt weights and Cancel."""

import numpy as np
import pytest
from _napari_helpers import cube_stack_name, open_sample_or_painted, tiny_weights, wait_idle

from xrf_napari.widgets.recolour import RecolourWidget


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


@pytest.fixture
def docked(make_napari_viewer, tmp_path):
    viewer = make_napari_viewer()
    open_sample_or_painted(viewer, tmp_path, "panel")
    dve, uvit = tiny_weights(tmp_path)
    widget = RecolourWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.weights_edit.setText(str(uvit))
    widget.embedder_edit.setText(str(dve))
    return viewer, widget


def test_recolour_beside_then_over_and_save(docked, qtbot, tmp_path):
    viewer, widget = docked
    widget.device.setCurrentText("cpu")
    assert widget.run() is not None
    assert widget.run() is None
    wait_idle(qtbot, widget.job)
    assert widget.job.last_error is None, widget.job.last_error
    cube_layer = widget.cube_combo.current_layer()
    H, W = widget.cube_combo.current_cube().shape[:2]
    assert widget.cube_combo.currentText() == cube_stack_name(
        viewer
    )  # the cube's name, not "... sum"
    layer = viewer.layers[f"recoloured [{cube_stack_name(viewer)}]"]
    assert layer.rgb and layer.data.shape == (H, W, 3)
    assert 0.0 <= layer.data.min() and layer.data.max() <= 1.0
    assert widget.device_label.text() == "Device used: cpu"
    # beside the scan: same row, shifted right by the width plus a gap, same pixel size
    assert tuple(layer.scale) == tuple(cube_layer.scale[-2:])
    ty, tx = layer.translate
    assert (
        ty == cube_layer.translate[-2] and tx > cube_layer.translate[-1] + W * cube_layer.scale[-1]
    )
    # where the lines do not fix the colour: said in the dock; outlined on demand by a layer that
    # follows the colours it qualifies, and is gone when the box is unticked
    assert "colour" in widget.ambiguity_label.text()
    amb_name = f"ambiguous colour [{cube_stack_name(viewer)}]"
    assert widget.outline_box.isEnabled() and not widget.outline_box.isChecked()
    assert amb_name not in viewer.layers
    widget.outline_box.setChecked(True)
    amb = viewer.layers[amb_name]
    assert amb.visible and amb.data.shape == (H, W) and amb.data.max() == 1
    assert tuple(amb.translate) == tuple(layer.translate)
    widget.placement.setCurrentIndex(1)
    assert tuple(layer.translate) == tuple(cube_layer.translate[-2:])
    assert tuple(amb.translate) == tuple(layer.translate)
    widget.outline_box.setChecked(False)
    assert amb_name not in viewer.layers
    widget.outline_box.setChecked(True)  # and a new run with the box ticked outlines again
    widget.run()
    wait_idle(qtbot, widget.job)
    assert viewer.layers[amb_name].visible and widget.outline_box.isChecked()
    widget.opacity.setValue(40)
    assert layer.opacity == pytest.approx(0.4)
    # the slider follows the layer: an opacity set in napari's layer controls shows in the dock
    # and survives a re-run (the slider used to put its own value back)
    layer.opacity = 0.25
    assert widget.opacity.value() == 25
    widget.run()
    wait_idle(qtbot, widget.job)
    assert viewer.layers[f"recoloured [{cube_stack_name(viewer)}]"] is layer
    assert layer.opacity == pytest.approx(0.25) and widget.opacity.value() == 25

    out = widget.save(tmp_path / "colour.png")
    from PIL import Image

    saved = np.asarray(Image.open(out))
    assert saved.shape == layer.data.shape
    np.testing.assert_array_equal(saved, (np.clip(layer.data, 0, 1) * 255 + 0.5).astype(np.uint8))
    # renaming the cube layer renames its pick-list entry (the entry is the "sum" image's)
    viewer.layers[cube_stack_name(viewer)].name = "renamed scan"
    assert widget.cube_combo.currentText() == "renamed scan"


def test_average_flips_box_gives_the_cli_option(docked, qtbot, tmp_path):
    from xrf_napari.analysis.recolour import recolour

    viewer, widget = docked
    widget.device.setCurrentText("cpu")
    assert not widget.flips_box.isChecked()  # off by default: 8x the transformer's time
    widget.flips_box.setChecked(True)
    widget.run()
    wait_idle(qtbot, widget.job)
    assert widget.job.last_error is None, widget.job.last_error
    shown = viewer.layers[f"recoloured [{cube_stack_name(viewer)}]"].data
    kw = dict(
        weights=widget.weights_edit.text(),
        embedder_weights=widget.embedder_edit.text(),
        device="cpu",
    )
    cube = widget.cube_combo.current_cube()
    np.testing.assert_allclose(shown, recolour(cube, average_flips=True, **kw).rgb, atol=1e-5)
    assert np.abs(shown - recolour(cube, **kw).rgb).max() > 1e-3


def test_unavailable_device_and_corrupt_weights_reset(docked, qtbot, tmp_path):
    viewer, widget = docked
    import torch

    n_layers = len(viewer.layers)
    if not torch.cuda.is_available():
        widget.device.setCurrentText("cuda")
        widget.run()
        wait_idle(qtbot, widget.job)
        assert "cuda" in str(widget.job.last_error).lower()
        assert widget.job.run_button.isEnabled()
    widget.device.setCurrentText("cpu")
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a safetensors file at all")
    widget.weights_edit.setText(str(bad))
    widget.run()
    wait_idle(qtbot, widget.job)
    assert "bad.safetensors" in str(widget.job.last_error)
    assert widget.job.run_button.isEnabled() and not widget.job.cancel_button.isEnabled()
    assert len(viewer.layers) == n_layers and widget.result is None


def test_cancel(docked, qtbot, monkeypatch):
    viewer, widget = docked
    import xrf_napari.widgets.recolour as module

    def slow(*args):
        import time

        for i in range(300):
            time.sleep(0.01)
            yield i, 300
        raise AssertionError("should have been cancelled")

    monkeypatch.setattr(module, "_recolour_job", slow)
    widget.run()
    qtbot.waitUntil(lambda: widget.job.progress.value() > 5, timeout=5000)
    widget.job.cancel_button.click()
    wait_idle(qtbot, widget.job, timeout=5000)
    assert widget.job.status.text() == "Cancelled." and widget.result is None


def test_deleting_a_panel_stops_its_job_and_waits_for_the_thread(qtbot):
    """Closing a dock (or quitting napari) mid-job must not leave a thread that later signals into
    deleted Qt objects: that aborted the whole process at exit."""
    import time

    from qtpy.QtCore import QThreadPool

    from xrf_napari.widgets._jobs import JobPanel

    def slow_job():
        for i in range(200):
            time.sleep(0.02)
            yield i, 200
        return "never"

    panel = JobPanel("Run")
    worker = panel.start(slow_job, on_result=lambda value: None)
    qtbot.waitUntil(lambda: panel.progress.maximum() == 200, timeout=5000)  # the job is running
    t0 = time.perf_counter()
    panel.deleteLater()
    qtbot.waitUntil(lambda: worker.abort_requested, timeout=5000)
    assert QThreadPool.globalInstance().activeThreadCount() == 0  # joined before deletion returned
    assert time.perf_counter() - t0 < 3.0  # stopped at the next yield, not after all 200 steps
