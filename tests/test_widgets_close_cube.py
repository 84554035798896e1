"""Closing the datacube while a dock's job runs on it: the job ends cleanly (no error, no stuck
panel), the dock forgets the cube and refuses to run without one."""

import time

import pytest
from _napari_helpers import open_cube, tiny_weights, wait_idle, write_painted_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _slowed(real):
    def slow(*args, **kwargs):
        for i in range(100):
            time.sleep(0.01)
            yield i, 200
        return (yield from real(*args, **kwargs))

    return slow


def _maps(viewer, tmp_path, monkeypatch):
    import xrf_napari.widgets.maps as module

    widget = module.ElementMapsWidget(viewer)
    monkeypatch.setattr(module, "_maps_job", _slowed(module._maps_job))
    return widget, lambda: widget.set_checked_elements(["Fe", "Cu"])


def _embed(viewer, tmp_path, monkeypatch):
    import xrf_napari.widgets.embed as module

    widget = module.EmbedClusterWidget(viewer)
    monkeypatch.setattr(module, "_embed_cluster_job", _slowed(module._embed_cluster_job))

    def prepare():
        widget.weights_edit.setText(str(tiny_weights(tmp_path)[0]))
        widget.device.setCurrentText("cpu")
        widget.k_spin.setValue(3)

    return widget, prepare


@pytest.mark.parametrize(
    "make_dock, check_labels",
    [(_maps, False), (_embed, False), (_maps, True)],  # closing the cube cancels its job
    ids=["maps", "embed", "maps-labels"],
)
def test_a_job_outlives_its_cube_layer(
    make_napari_viewer, tmp_path, qtbot, monkeypatch, make_dock, check_labels
):
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    widget, prepare = make_dock(viewer, tmp_path, monkeypatch)
    viewer.window.add_dock_widget(widget)
    wait_idle(qtbot, widget.job)  # the maps dock's element suggestion
    prepare()
    assert widget.run() is not None
    qtbot.waitUntil(lambda: widget.job.progress.value() > 0, timeout=5000)
    for layer in [ly for ly in viewer.layers if "xrf_cube" in ly.metadata]:
        viewer.layers.remove(layer)
    wait_idle(qtbot, widget.job, timeout=30000)
    assert widget.job.last_error is None
    assert not widget.job.is_running and not widget.job.cancel_button.isEnabled()
    # no scan left: Run is off, saying to open one (not stuck off by the job)
    assert widget.job.run_button.toolTip().startswith("Open a datacube first")
    assert widget.cube_combo.current_layer() is None
    assert widget.run() is None  # nothing to run on now
    if check_labels:
        assert not [ly.name for ly in viewer.layers if ly.name.endswith(" sum]")]
