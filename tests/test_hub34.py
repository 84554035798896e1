"""The element survey's hub at the interpreter's exit, and scans whose file could not be read."""

import pytest

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
