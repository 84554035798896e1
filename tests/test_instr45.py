"""The Instrument row's kV box as a conservator types into it, a file opened twice while both
copies wait for their automatic calibration, and quicklook's one plan of its maps (session 45).

The kV box's minimum, one below the tube model's 5 kV, reads "kV: file's": "4" typed on the way
to "40", the box then left, chose the file's kV without a word, "1"-"3" went back to the value
before as silently, "70" lost its "0", and digits typed after "kV: file's" (where a click puts
the cursor) were refused one by one. quicklook planned its maps twice (plan_for_cube for the
report, again inside iter_element_maps). What is chosen on one copy of a file opened twice, both
waiting for their calibration, was suspected of landing on the other copy: it does not (checked
for either copy's calibration arriving first; kept as a guard)."""

import threading

import numpy as np
import pytest
from _napari_helpers import open_cube, write_painted_cube

import xrf_napari._reader as reader
from xrf_napari.widgets._layers import layer_cube

PENDING_KEY = "xrf_sum_pending"


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _finish(box, how: str) -> None:
    """End the editing as a user does: Enter, or leaving the box (Tab, a click elsewhere)."""
    from qtpy.QtCore import QEvent, Qt
    from qtpy.QtGui import QFocusEvent
    from qtpy.QtTest import QTest
    from qtpy.QtWidgets import QApplication

    if how == "enter":
        QTest.keyClick(box, Qt.Key.Key_Return)
    else:
        QApplication.sendEvent(
            box, QFocusEvent(QEvent.Type.FocusOut, Qt.FocusReason.TabFocusReason)
        )


def _type(box, text: str, *, replace: bool = True) -> None:
    from qtpy.QtTest import QTest

    box.setFocus()
    if replace:
        box.lineEdit().selectAll()
    else:  # where a click after "kV: file's" puts the cursor
        box.lineEdit().setCursorPosition(len(box.lineEdit().text()))
    QTest.keyClicks(box, text)


def test_a_kv_typed_counts_once_finished_and_one_out_of_range_is_refused_with_a_note(qtbot):
    from xrf_napari.widgets._instrument import InstrumentRow

    row = InstrumentRow()
    qtbot.addWidget(row)
    row.show()
    row.show_file({"name": "an .rpl export"})
    told = []
    row.changed.connect(told.append)
    box = row.kv_spin
    assert box.text() == "kV: file's (unknown)"

    _type(box, "45", replace=False)  # typed onto "kV: file's (unknown)": it was refused
    assert told == [] and box.text() == "45 kV"  # nothing taken while typing
    _finish(box, "enter")
    assert told == [{"kv": 45.0}] and row.choice() == {"kv": 45.0}
    assert not row.note.isVisible()

    for typed, how, side in (
        ("4", "enter", "below"),
        ("2", "leave", "below"),
        ("70", "enter", "above"),
    ):
        _type(box, typed)
        assert box.text() == f"{typed} kV"  # shown as typed ("70" lost its "0")
        _finish(box, how)
        assert row.choice() == {"kv": 45.0}, typed  # "4" chose the file's kV, "2" kept 45 silently
        assert told == [{"kv": 45.0}]
        assert row.note.isVisible() and row.note.text() == (
            f"{typed} kV is {side} the 5-60 kV the tube model takes: the kV box kept 45 kV."
        )

    _type(box, "40")  # "4" on the way to "40": one change, once finished
    _finish(box, "leave")
    assert told == [{"kv": 45.0}, {"kv": 40.0}] and not row.note.isVisible()
    _type(box, "4")
    _finish(box, "enter")
    assert row.note.isVisible()
    row.set_choice({})  # another scan shown: its own row, no note of this one's typing
    assert not row.note.isVisible() and box.text() == "kV: file's (unknown)"


def test_the_choices_of_a_file_opened_twice_stay_with_their_copy(
    make_napari_viewer, tmp_path, qtbot, monkeypatch
):
    """The same uncalibrated file opened twice, both copies waiting for their automatic
    calibration: the tube and Detector chosen on the first copy are its calibrated scan's,
    whichever copy's calibration arrives first; the second copy keeps the file's. (The docks
    carry what was chosen on a waiting scan to the calibrated one of the same file, found by its
    path: checked here that the other copy's arrival does not take it.)"""
    from test_opencal32 import _painted_uncalibrated

    from xrf_napari.cube import Cube
    from xrf_napari.widgets._common import SURVEYS
    from xrf_napari.widgets.pigments import FWHM_FROM_FILE, PigmentsWidget

    gates: dict[int, threading.Event] = {}
    real = Cube.sum_and_max_spectra

    def gated(self, *args, **kwargs):  # each copy's pass waits for its own gate
        gates.setdefault(id(self), threading.Event()).wait(10)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Cube, "sum_and_max_spectra", gated)
    monkeypatch.setattr(reader, "ASYNC_SUM_BYTES", 0)
    viewer = make_napari_viewer()
    path = _painted_uncalibrated(tmp_path)
    first, second = open_cube(viewer, path), open_cube(viewer, path)
    waiting = [layer_cube(first[-1]), layer_cube(second[-1])]
    assert waiting[0] is not waiting[1]
    pigments = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(pigments)
    pigments.cube_combo.set_layer(first[-1])
    try:
        pigments.fwhm_spin.setValue(160)
        pigments.instrument_row.anode_combo.setCurrentText("W")
        for layers, cube in ((second, waiting[1]), (first, waiting[0])):  # the other copy first
            gates.setdefault(id(cube), threading.Event()).set()
            qtbot.waitUntil(lambda ly=layers: PENDING_KEY not in ly[0].metadata, timeout=10000)
        ours, other = layer_cube(first[-1]), layer_cube(second[-1])
        assert ours.calibration.source == other.calibration.source == "auto"
        assert SURVEYS.instrument(ours) == {"anode": "W"} and SURVEYS.instrument(other) == {}
        assert pigments.current_cube() is ours and pigments.fwhm_spin.value() == 160
        pigments.cube_combo.set_layer(second[-1])
        assert pigments.fwhm_spin.value() == FWHM_FROM_FILE and pigments.instrument() == {}
    finally:  # no pass left waiting after a failure
        from superqt.utils._qthreading import WorkerBase

        for gate in gates.values():
            gate.set()
        WorkerBase.await_workers(msecs=10000)


@pytest.mark.parametrize("elements", [None, ["Fe", "Pb", "Fe"]])
def test_quicklook_plans_its_maps_once(tmp_path, monkeypatch, elements):
    """choose_maps made plan_for_cube's plans for its report and again, inside
    iter_element_maps, for the maps: now once, the same plans and maps."""
    import xrf_napari.analysis.maps as maps_module
    from xrf_napari.cli.quicklook_cmd import DEFAULT_MAX_ELEMENTS, choose_maps
    from xrf_napari.io import read_cube

    cube = read_cube(write_painted_cube(tmp_path / "painted.h5"))
    calls = []
    real = maps_module.plan_for_cube

    def counted(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(maps_module, "plan_for_cube", counted)
    _, suggested, plans, maps = choose_maps(cube, elements, anode="W")
    assert len(calls) == 1
    symbols = list(dict.fromkeys(elements or suggested[:DEFAULT_MAX_ELEMENTS]))
    present = sorted(set(suggested) | set(symbols))
    expected_plans, _ = real(cube, symbols, present=present, anode="W")
    assert plans == expected_plans and list(maps) == symbols
    expected = maps_module.element_maps(cube, symbols, present=present, anode="W")
    for sym in symbols:
        np.testing.assert_array_equal(maps[sym], expected[sym])
