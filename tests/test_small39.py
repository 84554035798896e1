"""Session 39 small faults: a job stopped because its scan was closed says so (not "Cancelled."),
the Elemental maps FWHM box offers only widths the maps take, and an --output of the wrong kind
(a folder for `recolour`'s one image, a file name for the commands that write a folder) is
refused with what to give instead."""

from __future__ import annotations

from _napari_helpers import open_cube, wait_idle, write_painted_cube


def _slow_maps_dock(viewer, monkeypatch):
    from test_widgets_close_cube import _maps

    widget, prepare = _maps(viewer, None, monkeypatch)
    viewer.window.add_dock_widget(widget)
    return widget, prepare


def test_a_job_stopped_by_closing_its_scan_says_so_and_cancel_still_says_cancelled(
    make_napari_viewer, tmp_path, qtbot, monkeypatch
):
    """Deleting the scan while Make maps ran left "Cancelled." in the status line: the user had
    cancelled nothing. Their own Cancel still reads "Cancelled."."""
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    widget, prepare = _slow_maps_dock(viewer, monkeypatch)
    wait_idle(qtbot, widget.job)  # the element survey
    prepare()
    assert widget.run() is not None
    qtbot.waitUntil(lambda: widget.job.progress.value() > 0, timeout=5000)
    for layer in [ly for ly in viewer.layers if "xrf_cube" in ly.metadata]:
        viewer.layers.remove(layer)
    wait_idle(qtbot, widget.job, timeout=30000)
    assert widget.job.last_error is None
    assert widget.job.status.text() == "Stopped: the scan painted.h5 was closed."
    assert widget.job.progress.value() == 0

    open_cube(viewer, write_painted_cube(tmp_path / "other.h5", seed=1))
    wait_idle(qtbot, widget.job)
    prepare()
    assert widget.run() is not None
    qtbot.waitUntil(lambda: widget.job.progress.value() > 0, timeout=5000)
    widget.job.cancel_button.click()
    wait_idle(qtbot, widget.job, timeout=30000)
    assert widget.job.status.text() == "Cancelled."
