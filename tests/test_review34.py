"""Session 34's review of session 33 (audit34): what its changes broke or left."""

import numpy as np
import pytest
from _synth_spectra import synthetic_cube

from xrf_napari.analysis.peaks import find_spectrum_peaks, suggest_elements


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


@pytest.mark.parametrize("fwhm", [np.array(140.0), np.float64(140.0), 140])
def test_a_detector_width_given_as_a_numpy_number_suggests_as_a_float_does(fwhm):
    """b4de9f2's caches took the width as their key: np.array(140.0) raised 'unhashable type'."""
    e = 0.02 * np.arange(1024)
    s = synthetic_cube(0.0, 0.02, 1024, shape=(1, 1))[0, 0]
    want = suggest_elements(e, s, fwhm_mn_ev=140.0)
    got = suggest_elements(e, s, fwhm_mn_ev=fwhm)
    assert list(want) and list(got) == list(want)
    assert find_spectrum_peaks(e, s, fwhm_mn_ev=fwhm) == find_spectrum_peaks(e, s, fwhm_mn_ev=140.0)


def test_an_action_waiting_for_the_calibration_says_why_it_did_not_start_when_left(
    make_napari_viewer, tmp_path, qtbot, monkeypatch, gated_pass
):
    """Choosing another scan while Recolour waited dropped it with a blank status line: back on
    the scan, nothing said that the press was thrown away."""
    from _napari_helpers import OTHER_PIGMENTS, open_cube, write_painted_cube
    from test_calarrive33 import WAITING, _recorded
    from test_opencal32 import PENDING_KEY, _dock_then_uncalibrated, _layers

    import xrf_napari.widgets.recolour as recolour

    ran = _recorded(monkeypatch, recolour, "_recolour_job")
    viewer, dock, _ = _dock_then_uncalibrated(
        make_napari_viewer, tmp_path, monkeypatch, recolour.RecolourWidget
    )
    total = _layers(viewer)[1]
    assert dock.run() is None and WAITING in dock.job.status.text()
    open_cube(viewer, write_painted_cube(tmp_path / "other.h5", pigments=OTHER_PIGMENTS))
    assert dock.current_cube() is not None and dock.current_cube().name.startswith("other")
    dock.cube_combo.set_layer(total)
    text = dock.job.status.text()
    assert text.startswith("Recolouring was not started: another scan was chosen"), text
    assert not dock.job.cancel_button.isEnabled()
    gated_pass.set()
    qtbot.waitUntil(lambda: PENDING_KEY not in total.metadata, timeout=10000)
    qtbot.wait(200)
    assert ran == [] and not dock.job.is_running


def test_make_maps_waits_for_the_calibration_and_keeps_the_users_ticks(
    make_napari_viewer, tmp_path, qtbot, monkeypatch, gated_pass
):
    """Pressed while the scan's calibration was fitted, Make maps refused with an error pop-up
    that the elements were "still being found", and the elements the user had ticked were
    replaced by the suggestions when the calibrated scan arrived."""
    from _napari_helpers import caught_notifications, wait_idle
    from test_calarrive33 import WAITING
    from test_opencal32 import PENDING_KEY, _dock_then_uncalibrated

    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer, dock, stack = _dock_then_uncalibrated(
        make_napari_viewer, tmp_path, monkeypatch, ElementMapsWidget
    )
    dock.set_checked_elements(["Cu", "Zn"])
    with caught_notifications() as seen:
        assert dock.run() is None
        assert WAITING in dock.job.status.text() and "Make maps" in dock.job.status.text()
        gated_pass.set()
        qtbot.waitUntil(lambda: PENDING_KEY not in stack.metadata, timeout=10000)
        qtbot.waitUntil(lambda: bool(dock.map_layers), timeout=30000)
        wait_idle(qtbot, dock.job)
    assert [n.message for n in seen if n.severity == "error"] == []
    assert dock.current_cube() is layer_cube(stack)
    assert layer_cube(stack).calibration.source == "auto"
    assert sorted(dock.checked_elements()) == ["Cu", "Zn"]
    assert sorted(p.symbol for p in dock.map_plans) == ["Cu", "Zn"]


def test_an_action_waiting_for_a_pass_that_failed_reading_the_file_is_not_started(
    make_napari_viewer, tmp_path, qtbot, monkeypatch, gated_pass
):
    """It ran once the pass failed, and read the broken file again for the same error."""
    from _napari_helpers import caught_notifications
    from test_calarrive33 import _recorded
    from test_hub34 import _nan_past_the_opening_sample
    from test_opencal32 import PENDING_KEY, _dock_then_uncalibrated

    import xrf_napari.widgets.recolour as recolour

    ran = _recorded(monkeypatch, recolour, "_recolour_job")
    path = _nan_past_the_opening_sample(tmp_path)
    with caught_notifications() as seen:
        viewer, dock, stack = _dock_then_uncalibrated(
            make_napari_viewer, tmp_path, monkeypatch, recolour.RecolourWidget, path
        )
        assert dock.run() is None
        gated_pass.set()
        qtbot.waitUntil(lambda: PENDING_KEY not in stack.metadata, timeout=10000)
        qtbot.wait(300)
    assert ran == [] and not dock.job.is_running
    text = dock.job.status.text()
    assert text == "Recolouring was not started: reading the file failed (see the message).", text
    assert len([n for n in seen if "nanny.rpl" in n.message]) == 1


def test_make_maps_waiting_for_a_survey_that_fails_in_its_panel_says_why(
    make_napari_viewer, tmp_path, qtbot, monkeypatch, gated_pass
):
    """Make maps waited for the calibration; the calibrated scan's survey then failed in the
    Maps panel, and its line kept promising 'Make maps starts once they are shown' (audit35)."""
    from _napari_helpers import caught_notifications, wait_idle
    from test_opencal32 import PENDING_KEY, _dock_then_uncalibrated

    import xrf_napari.widgets.maps as maps_mod
    from xrf_napari.analysis import spectra

    made = []
    monkeypatch.setattr(maps_mod, "_maps_job", lambda *a, **k: made.append(a) or iter(()))
    viewer, dock, stack = _dock_then_uncalibrated(
        make_napari_viewer, tmp_path, monkeypatch, maps_mod.ElementMapsWidget
    )
    dock.set_checked_elements(["Fe"])

    def broken_survey(*args, **kwargs):
        raise OSError("disk gone")
        yield  # a generator, as the survey is

    with caught_notifications():
        assert dock.run() is None
        monkeypatch.setattr(spectra, "iter_survey", broken_survey)
        gated_pass.set()
        qtbot.waitUntil(lambda: PENDING_KEY not in stack.metadata, timeout=10000)
        qtbot.waitUntil(lambda: dock._deferred is None, timeout=10000)
        wait_idle(qtbot, dock.job)
    text = dock.job.status.text()
    assert "disk gone" in text and "starts once" not in text, text
    assert made == [] and not dock.job.cancel_button.isEnabled()


def test_a_saved_scan_does_not_keep_this_sessions_read_failure(tmp_path):
    """d2d2185's mark of a failed read is of this session's pass over that file: written with
    the scan, it would leave a sound copy 'Not surveyed' each time it opened."""
    from _napari_helpers import write_painted_cube

    from xrf_napari._writer import _file_metadata
    from xrf_napari.io import read_cube, read_failed, tell_read_failure

    cube = read_cube(write_painted_cube(tmp_path / "scan.h5"))
    assert tell_read_failure(cube, OSError("block 3 unreadable"))
    assert not tell_read_failure(cube, OSError("block 3 unreadable"))  # told once
    assert read_failed(cube) and "block 3" in str(cube.metadata)
    assert "block 3" not in str(_file_metadata(cube))
