"""A scan's survey whose dock was closed while it ran, after the scan's Instrument row changed.

The change marked the running survey as suggested for an instrument changed since (SURVEYS
stale); closing its dock dropped the survey but not the mark, so the next survey of the scan,
run for the instrument now set, was suggested once more when it ended (1-3 s on a large scan,
the dock's ticks that were the suggestion set again) though nothing had changed.
"""

import pytest

pytest.importorskip("napari")


class _Scan:
    """What _SurveyHub.start reads of a cube (a weak reference, a name, a path)."""

    name = "scan"
    path = None


def _panel(monkeypatch, results: list):
    """A JobPanel whose start records the survey's on_result instead of running it."""
    from xrf_napari.widgets._jobs import JobPanel

    panel = JobPanel("Run")

    def start(*_args, on_result=None, **_kwargs):
        results.append(on_result)
        return object()

    monkeypatch.setattr(panel, "start", start)
    return panel


def test_a_survey_abandoned_after_an_instrument_change_leaves_no_resuggestion(qtbot, monkeypatch):
    from xrf_napari.widgets._common import _Survey, _SurveyHub

    hub, scan, results, changed = _SurveyHub(), _Scan(), [], []
    hub.instrument_changed.connect(changed.append)
    closed = _panel(monkeypatch, results)
    assert hub.start(scan, closed, "Reading the cube\u2026")
    hub.set_instrument(scan, {"kv": 40.0})  # while the survey runs
    assert changed == [scan]
    hub.abandon(closed)  # its dock was closed mid-survey
    assert not hub.is_running(scan)

    other = _panel(monkeypatch, results)  # another dock showing the scan surveys it again
    assert hub.start(scan, other, "Reading the cube\u2026")
    survey = _Survey(([1.0], ["Pb", "Zn"]))
    survey.instrument = {"kv": 40.0}  # suggested for the instrument set
    results[-1](survey)
    other.finished.emit()
    assert hub.get(scan) is not None and list(hub.get(scan)[1]) == ["Pb", "Zn"]
    assert changed == [scan]  # not told to suggest again
    assert hub.previous(scan) == []


def test_a_survey_ended_after_an_instrument_change_is_still_suggested_again(qtbot, monkeypatch):
    """What the mark is for: a survey that ends after the instrument changed while it ran is
    suggested again for the new one (its result dropped, the docks told)."""
    from xrf_napari.widgets._common import _Survey, _SurveyHub

    hub, scan, results, changed = _SurveyHub(), _Scan(), [], []
    hub.instrument_changed.connect(changed.append)
    panel = _panel(monkeypatch, results)
    assert hub.start(scan, panel, "Reading the cube\u2026")
    hub.set_instrument(scan, {"kv": 40.0})
    survey = _Survey(([1.0], ["Pb", "Rh"]))
    survey.instrument = {}  # suggested for the file's
    results[-1](survey)
    panel.finished.emit()
    assert hub.get(scan) is None and hub.previous(scan) == ["Pb", "Rh"]
    assert changed == [scan, scan]
