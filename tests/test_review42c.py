"""Review of the session-42 dock changes (saves off during a re-run, "Stopped: the scan ... was
closed", the clusters layer's colour table): what a conservator would hit around them."""

import threading

import pytest
from _napari_helpers import (
    caught_notifications,
    held_job,
    open_cube,
    wait_idle,
    write_painted_cube,
)


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_closing_several_scans_at_once_says_a_stopped_job_once(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Closing a job's scan stops the job, which ends at its next step: every layer removed
    before it had ended (the other scans' layers deleted with it, as Delete on a selection of
    layers does) stopped it again and popped up "Embed & cluster: Stopped:
    the scan b.h5 was closed." once more, one toast per layer. One job, one notification."""
    import xrf_napari.widgets.embed as embed_mod
    from xrf_napari.widgets._layers import layer_cube

    viewer = make_napari_viewer()
    for name, seed in (("a", 0), ("b", 1)):
        open_cube(viewer, write_painted_cube(tmp_path / f"{name}.h5", seed=seed))
    dock = embed_mod.EmbedClusterWidget(viewer)  # its job is faked: no weights needed
    viewer.window.add_dock_widget(dock)
    b_layer = next(ly for ly in dock.cube_combo._layers if layer_cube(ly).path.stem == "b")
    dock.cube_combo.set_layer(b_layer)
    b_cube = layer_cube(b_layer)
    gate = threading.Event()
    monkeypatch.setattr(embed_mod, "_embed_cluster_job", held_job(gate))
    try:
        assert dock.run() is not None
        qtbot.waitUntil(lambda: dock.job.worker.began.is_set(), timeout=5000)
        doomed = [ly for ly in viewer.layers if layer_cube(ly) is b_cube]
        doomed += [ly for ly in viewer.layers if ly not in doomed]  # every scan closed
        with caught_notifications() as seen:
            for ly in doomed:  # in one go, as the layer list's Delete does
                viewer.layers.remove(ly)
            wait_idle(qtbot, dock.job, 5000)
            qtbot.wait(20)
    finally:
        gate.set()
    stopped = [str(n.message) for n in seen if "Stopped" in str(n.message)]
    assert stopped == ["Embed & cluster: Stopped: the scan b.h5 was closed."], stopped
    assert dock.job.status.text() == "Stopped: the scan b.h5 was closed."
