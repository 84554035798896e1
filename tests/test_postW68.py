"""Session 68, helper postW68: a reading of the session's diff by file group (the Spectrum dock's
Calibrate from two peaks..., the readers and writers, the save rules) as napari runs it."""

import warnings

import numpy as np
import pytest
from _napari_helpers import (
    calibration_refused_while_a_job_runs,
    open_cube,
    write_painted_cube,
)

pytest.importorskip("xraylib")


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_calibrating_refuses_a_job_of_a_dock_opened_from_the_plugins_menu(
    make_napari_viewer, qtbot, tmp_path
):
    """napari hands each plugin dock its own proxy of the viewer, so running_on's `dock.viewer
    is viewer` held only for docks made with the viewer itself (the tests'): from the Plugins
    menu, OK in Calibrate from two peaks still stopped Find regions running on the scan
    ("Stopped: the scan a.h5 was closed."). Fails on the parent: DID NOT RAISE."""
    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    _, spectrum = viewer.window.add_plugin_dock_widget("xrf-napari", "Spectrum")
    _, embed = viewer.window.add_plugin_dock_widget("xrf-napari", "Embed & cluster")
    assert spectrum.viewer is not embed.viewer  # napari's proxies: one per dock
    calibration_refused_while_a_job_runs(qtbot, viewer, spectrum, embed)


def test_calibrating_one_of_two_uncalibrated_scans_says_the_slider_mixes_kev_and_channels(
    make_napari_viewer, tmp_path
):
    """Of two scans on channel numbers, the one given two peaks turns to keV and napari's one
    slider mixes keV and channel numbers (0-511 in 14919 steps of 0.034): the reader warns of
    that as a scan opens, the calibration said nothing. Fails on the parent: no such warning."""
    from _napari_helpers import caught_notifications

    from xrf_napari.widgets.spectrum import SpectrumWidget

    ch = np.arange(512)
    spectrum = 5 + 400 * np.exp(-0.5 * ((ch - 100) / 3) ** 2) + 300 * np.exp(-0.5 * (ch - 300) ** 2)
    viewer = make_napari_viewer()
    for name in ("a.npy", "b.npy"):
        np.save(tmp_path / name, np.broadcast_to(spectrum, (2, 3, 512)).astype(np.float32))
        with warnings.catch_warnings():  # no automatic calibration from two peaks: told
            warnings.simplefilter("ignore")
            viewer.open(str(tmp_path / name), plugin="xrf-napari")
    dock = SpectrumWidget(viewer)
    cube = dock.current_cube()
    with caught_notifications() as seen:
        dock.calibrate_from_peaks(100, "Ca Ka", 300, "Pb La", cube=cube)
    said = [n.message for n in seen if "mixes keV" in n.message]
    assert len(said) == 1 and said[0].startswith(f"'{cube.name}' now has its energy axis in keV")
