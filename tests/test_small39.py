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


def test_every_fwhm_the_maps_box_allows_is_taken_by_the_maps(make_napari_viewer, tmp_path):
    """The box went 0-1000 eV: 1-19 eV were refused only once Make maps ran ("detector FWHM
    must be 20-1000 eV"), and 20-39 eV on this scan of 50 eV channels ("the Fe K\u03b1 window is
    narrower than a channel"). Now 100-1000 eV; its lowest setting reads "from the file" and is
    0 to the dock (the map code is given None)."""
    from xrf_napari.analysis.maps import plan_for_cube
    from xrf_napari.detector import cube_fwhm_mn_ev
    from xrf_napari.io import read_cube
    from xrf_napari.widgets.maps import ElementMapsWidget

    widget = ElementMapsWidget(make_napari_viewer())
    box = widget.fwhm_spin
    cube = read_cube(write_painted_cube(tmp_path / "painted.h5"))
    taken = []
    for typed in range(int(box.minimum()), int(box.maximum()) + 1):
        box.setValue(typed)
        value = box.value()
        if value:
            assert cube_fwhm_mn_ev(cube, value) == value
            taken.append(value)
    assert min(taken) == 100 and max(taken) == 1000
    elements = ["Ca", "Fe", "Cu", "Zn", "Pb", "Hg", "Sn", "Ti"]
    for value in sorted({*taken[::50], taken[-1]}):
        for background in (True, False):
            plan_for_cube(cube, elements, fwhm_ev=value, background=background)
    for below in (0, 1, 19, 50):  # nothing under the lowest width but "from the file"
        box.setValue(below)
        assert box.value() in (0, 100)
    box.setValue(0)
    assert box.value() == 0 and box.text() == box.specialValueText()
    assert "100-1000 eV" in box.toolTip()
