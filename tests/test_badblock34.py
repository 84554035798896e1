"""A large calibrated scan with a bad block past the opening check: its sum pass and the docks'
element survey both read the file and meet it; the user is told once, the docks say the scan was
not surveyed, and no dock reads the broken file again."""

import threading

import pytest


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


pytest.importorskip("napari")

NOT_SURVEYED = "Not surveyed: reading the file failed"


def _calibrated_nan(folder, nan: bool = True) -> str:
    """test_hub34's scan calibrated as the painted scan was made (50 eV channels from 1.025 keV:
    the opening check keeps it)."""
    from test_hub34 import _nan_past_the_opening_sample

    return _nan_past_the_opening_sample(folder, nan, "ev-per-chan 50\ndepth-origin 1025\n")


def _open_large(make_napari_viewer, tmp_path, monkeypatch, dock_classes, nan: bool = True):
    """(viewer, docks, sum layer): the docks open, then the scan opened as a large one."""
    from _napari_helpers import open_cube

    from xrf_napari import _reader as reader

    monkeypatch.setattr(reader, "ASYNC_SUM_BYTES", 0)
    viewer = make_napari_viewer()
    docks = [cls(viewer) for cls in dock_classes]
    for dock in docks:
        viewer.window.add_dock_widget(dock)
    open_cube(viewer, _calibrated_nan(tmp_path, nan))
    total = next(ly for ly in viewer.layers if ly.metadata.get("kind") == "sum")
    return viewer, docks, total


def _settle(qtbot, total, docks):
    from _napari_helpers import wait_idle

    from xrf_napari._reader import PENDING_KEY

    qtbot.waitUntil(lambda: PENDING_KEY not in total.metadata, timeout=10000)
    for dock in docks:
        wait_idle(qtbot, dock.job)
    qtbot.wait(100)


def _told_once(seen) -> None:
    (note,) = seen
    assert "nanny.rpl" in note.message and "NaN" in note.message


def test_the_survey_and_the_sum_pass_meeting_the_bad_block_tell_it_once(
    make_napari_viewer, tmp_path, qtbot, monkeypatch
):
    """Spectrum and Maps open: the survey and the sum pass each told the same error (2
    notifications), and Maps said 'switch cubes or press the button to run it again'."""
    from _napari_helpers import caught_notifications

    from xrf_napari.io import read_failed
    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    with caught_notifications() as seen:
        _, docks, total = _open_large(
            make_napari_viewer, tmp_path, monkeypatch, (SpectrumWidget, ElementMapsWidget)
        )
        _settle(qtbot, total, docks)
    _told_once(seen)
    assert read_failed(layer_cube(total))
    spectrum, maps = docks
    # the survey that met the block first says why; one that met it after the pass, not surveyed
    assert "nanny.rpl" in spectrum.job.status.text() or NOT_SURVEYED in spectrum.job.status.text()
    # Maps says why Make maps is off (read_failure_refusal), as when the scan is chosen after
    assert maps.job.status.text() == maps.scan_refusal(layer_cube(total)), maps.job.status.text()
    assert "nanny.rpl" in maps.job.status.text() and not maps.job.run_button.isEnabled()


def test_a_survey_meeting_the_bad_block_after_the_sum_pass_is_quiet(
    make_napari_viewer, tmp_path, qtbot, monkeypatch
):
    """The sum pass failed first, the survey (reading the file at the same time) after it: the
    survey's error was a second notification of the same bad block."""
    from _napari_helpers import caught_notifications

    from xrf_napari.analysis import spectra
    from xrf_napari.widgets.spectrum import SpectrumWidget

    told, real = threading.Event(), spectra.iter_survey

    def after_the_pass(*args, **kwargs):
        assert told.wait(20)
        return (yield from real(*args, **kwargs))

    monkeypatch.setattr(spectra, "iter_survey", after_the_pass)
    with caught_notifications() as seen:
        _, docks, total = _open_large(make_napari_viewer, tmp_path, monkeypatch, (SpectrumWidget,))
        qtbot.waitUntil(lambda: len(seen) == 1, timeout=10000)  # the sum pass's
        told.set()
        _settle(qtbot, total, docks)
    _told_once(seen)
    assert "sum image not computed" in seen[0].message
    assert NOT_SURVEYED in docks[0].job.status.text()


def test_a_dock_opened_after_the_pass_failed_does_not_read_the_file_again(
    make_napari_viewer, tmp_path, qtbot, monkeypatch
):
    from _napari_helpers import caught_notifications
    from test_hub34 import _surveys_recorded

    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    surveyed = _surveys_recorded(monkeypatch)
    with caught_notifications() as seen:
        viewer, _, total = _open_large(make_napari_viewer, tmp_path, monkeypatch, ())
        _settle(qtbot, total, [])
        docks = [SpectrumWidget(viewer), ElementMapsWidget(viewer)]
        for dock in docks:
            viewer.window.add_dock_widget(dock)
        _settle(qtbot, total, docks)
        docks[1].set_checked_elements(["Fe"])
        qtbot.wait(100)
    assert surveyed == []
    _told_once(seen)
    assert NOT_SURVEYED in docks[0].job.status.text()
    # Make maps is off on the broken scan (read_failure_refusal, readfail56): no survey, no read
    assert "reading the file failed" in docks[1].job.status.text()
    assert not docks[1].job.run_button.isEnabled()


def test_a_pass_stopped_or_failing_otherwise_does_not_mark_the_scan(
    make_napari_viewer, tmp_path, qtbot, monkeypatch
):
    """Only a pass that met a bad block marks its scan unreadable: one stopped because its sum
    layer was closed (the scan still open), or failing for another reason, leaves it surveyed."""
    from _napari_helpers import caught_notifications, gated_method
    from test_hub34 import _surveys_recorded

    from xrf_napari.cube import Cube
    from xrf_napari.io import read_failed
    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.spectrum import SpectrumWidget

    surveyed = _surveys_recorded(monkeypatch)
    with gated_method(monkeypatch, Cube, "sum_image") as gate:
        viewer, _, total = _open_large(make_napari_viewer, tmp_path, monkeypatch, (), nan=False)
        cube = layer_cube(total)
        qtbot.waitUntil(lambda: bool(gate.calls), timeout=10000)
        viewer.layers.remove(total)  # the pass stops at its next block
        gate.set()
    real = Cube.sum_image

    def no_memory(self, *args, **kwargs):
        raise MemoryError("no room for the sum")

    monkeypatch.setattr(Cube, "sum_image", no_memory)
    with caught_notifications() as seen:
        _, _, other = _open_large(make_napari_viewer, tmp_path, monkeypatch, (), nan=False)
        _settle(qtbot, other, [])
    monkeypatch.setattr(Cube, "sum_image", real)
    (note,) = seen
    assert "MemoryError" in note.message
    failed_otherwise = layer_cube(other)
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    _settle(qtbot, other, [dock])
    assert not read_failed(cube) and not read_failed(failed_otherwise)
    assert surveyed[-1] is dock.current_cube()
    assert NOT_SURVEYED not in dock.job.status.text()
