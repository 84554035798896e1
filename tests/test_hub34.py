"""The element survey's hub at the interpreter's exit, and scans whose file could not be read."""

import pytest


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


pytest.importorskip("napari")


class _Scan:
    """What _SurveyHub.start reads of a cube (a weak reference, a name, a path)."""

    name = "scan"
    path = None


def test_a_survey_panel_destroyed_after_the_hub_does_not_raise(qtbot, monkeypatch):
    """At the interpreter's exit PyQt deletes the Qt objects in no set order: a dock's panel
    destroyed mid-survey after the hub told the deleted hub its survey failed, and the
    RuntimeError raised in that Qt slot aborted the process (SIGABRT in 17 of 30 script exits
    with the Spectrum dock surveying)."""
    sip = pytest.importorskip("qtpy.sip")
    from xrf_napari.widgets._common import _SurveyHub
    from xrf_napari.widgets._jobs import JobPanel

    hub, panel, scan = _SurveyHub(), JobPanel("Run"), _Scan()
    monkeypatch.setattr(panel, "start", lambda *args, **kwargs: object())  # a survey "runs"
    assert hub.start(scan, panel, "Reading the cube\u2026")
    assert hub.is_running(scan)
    sip.delete(hub)
    sip.delete(panel)  # its `destroyed` reaches the hub's `gone`, as at the exit
    assert sip.isdeleted(panel)


def _surveys_recorded(monkeypatch) -> list:
    """The cubes whose survey the docks start (SURVEYS.start), in order."""
    from xrf_napari.widgets import _common

    surveyed, real = [], _common.SURVEYS.start
    monkeypatch.setattr(
        _common.SURVEYS, "start", lambda cube, *a, **k: surveyed.append(cube) or real(cube, *a, **k)
    )
    return surveyed


def _nan_past_the_opening_sample(folder, nan: bool = True, calibration: str = "") -> str:
    """A float .rpl/.raw (uncalibrated unless `calibration` gives its header lines) with a NaN
    in a row the opening check does not read: it opens, and a pass over the whole file fails."""
    import numpy as np
    from _napari_helpers import painted_counts

    from xrf_napari.errors import sample_layout

    counts = painted_counts()[0].astype("<f4")
    rows = set(sample_layout(counts)[0])
    if nan:
        counts[next(y for y in range(counts.shape[0]) if y not in rows), 3, 10] = np.nan
    h, w, n = counts.shape
    counts.tofile(folder / "nanny.raw")
    rpl = folder / "nanny.rpl"
    rpl.write_text(
        f"width {w}\nheight {h}\ndepth {n}\noffset 0\ndata-length 4\ndata-type float\n"
        f"byte-order little-endian\nrecord-by vector\n{calibration}",
        encoding="utf-8",
    )
    return str(rpl)


def test_a_scan_whose_calibration_pass_failed_reading_it_is_not_surveyed(
    make_napari_viewer, tmp_path, qtbot, monkeypatch
):
    """The docks followed the scan once its pass failed and surveyed it: the broken file was read
    again and the same error told twice."""
    from _napari_helpers import caught_notifications, wait_idle
    from test_opencal32 import PENDING_KEY, _dock_then_uncalibrated

    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    surveyed = _surveys_recorded(monkeypatch)
    path = _nan_past_the_opening_sample(tmp_path)
    with caught_notifications() as seen:
        viewer, dock, stack = _dock_then_uncalibrated(
            make_napari_viewer, tmp_path, monkeypatch, SpectrumWidget, path
        )
        qtbot.waitUntil(lambda: PENDING_KEY not in stack.metadata, timeout=10000)
        maps = ElementMapsWidget(viewer)  # a dock opened afterwards does not survey it either
        viewer.window.add_dock_widget(maps)
        wait_idle(qtbot, dock.job)
        qtbot.wait(100)
    cube = layer_cube(stack)
    assert "reading the file failed" in cube.metadata["auto_calibration"]
    assert dock.current_cube() is cube and maps.current_cube() is cube
    assert surveyed == []
    (note,) = seen
    assert "nanny.rpl" in note.message and "NaN" in note.message
    assert "reading the file failed" in dock.job.status.text()
    assert "reading the file failed" in maps.job.status.text()


def test_a_refused_calibration_is_still_surveyed(make_napari_viewer, tmp_path, qtbot, monkeypatch):
    """A refused fit read the whole file: its scan is surveyed on channel numbers as before."""
    import numpy as np
    from _napari_helpers import wait_idle
    from test_opencal32 import PENDING_KEY, _dock_then_uncalibrated, _write_ripple

    from xrf_napari.widgets._common import SURVEYS
    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.spectrum import SpectrumWidget

    surveyed = _surveys_recorded(monkeypatch)
    noise = np.random.default_rng(0).poisson(3, size=(12, 10, 256))  # no peaks to fit
    path = _write_ripple(tmp_path, "noise", noise)
    _, dock, stack = _dock_then_uncalibrated(
        make_napari_viewer, tmp_path, monkeypatch, SpectrumWidget, path
    )
    qtbot.waitUntil(lambda: PENDING_KEY not in stack.metadata, timeout=10000)
    cube = layer_cube(stack)
    assert cube.metadata["auto_calibration"].startswith("failed:")
    wait_idle(qtbot, dock.job)
    assert surveyed == [cube]
    assert SURVEYS.get(cube) is not None and dock.job.last_error is None
