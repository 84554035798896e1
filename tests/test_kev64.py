"""Issue #17 item 6, the slider's keV: napari 0.9's slider prints the channel step ("137 | 511"),
so the canvas says the energy of the channel the viewer is on, for the scan being browsed."""

from __future__ import annotations

import numpy as np
import pytest

from xrf_napari.cube import cube_from_array
from xrf_napari.energy import Calibration

pytest.importorskip("napari")

from _napari_helpers import add_cube  # noqa: E402


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    return make_reused_napari_viewer


def _cube(name: str, calibration: Calibration, channels: int = 64):
    counts = np.random.default_rng(0).poisson(3.0, (6, 5, channels)).astype(np.float32)
    return cube_from_array(counts, calibration, name=name)


def _overlay(viewer):
    from xrf_napari._energy_readout import OVERLAY_KEY

    return viewer.canvas.overlays.get(OVERLAY_KEY)


def test_the_energy_of_a_channel_is_the_scans_calibration_or_the_channel_alone():
    from xrf_napari.energy import channel_energy_text

    linear = _cube("a", Calibration(-0.96, 0.05, 0.0, "file"))
    curved = _cube("b", Calibration(0.1, 0.02, 1e-4, "file"))
    none = _cube("c", Calibration.uncalibrated())
    assert channel_energy_text(linear, 37) == f"{linear.energy[37]:.3f} keV (channel 37)"
    assert channel_energy_text(linear, 37) == "0.890 keV (channel 37)"
    assert channel_energy_text(curved, 40) == f"{curved.energy[40]:.3f} keV (channel 40)"
    assert channel_energy_text(none, 37) == "channel 37"


def test_the_canvas_text_follows_the_slider(make_napari_viewer):
    viewer = make_napari_viewer()
    viewer.canvas.overlays.text.text = "my own note"
    cube = _cube("aps", Calibration(1.0, 0.05, 0.0, "file"))
    add_cube(viewer, cube)
    overlay = _overlay(viewer)
    assert overlay is not None and overlay.visible
    for channel in (0, 17, 63):
        viewer.dims.set_current_step(0, channel)
        assert overlay.text == f"aps: {cube.energy[channel]:.3f} keV (channel {channel})"
    assert viewer.canvas.overlays.text.text == "my own note"  # the user's overlay is left alone
    overlay.visible = False  # hidden by the user: it stays hidden as the slider moves
    viewer.dims.set_current_step(0, 5)
    assert not overlay.visible
    viewer.canvas.overlays.text.text = ""


def test_two_scans_and_removal(make_napari_viewer):
    viewer = make_napari_viewer()
    a = _cube("a", Calibration(1.0, 0.05, 0.0, "file"))
    b = _cube("b", Calibration.uncalibrated(), channels=40)
    add_cube(viewer, a)
    viewer.dims.set_current_step(0, 20)
    add_cube(viewer, b)  # warns: keV and channel axes on one slider
    overlay = _overlay(viewer)
    viewer.layers.selection.active = viewer.layers["a sum"]
    channel = int(np.round(viewer.layers["a"].world_to_data(viewer.dims.point)[0]))
    assert overlay.text == f"a: {a.energy[channel]:.3f} keV (channel {channel})"
    viewer.layers.selection.active = viewer.layers["b"]
    viewer.dims.set_point(0, 10.0)  # b's channel 10; a's 180, beyond its 64 channels
    assert overlay.visible and overlay.text == "b: channel 10"
    viewer.layers.selection.active = viewer.layers["a"]
    assert not overlay.visible
    viewer.dims.set_point(0, 2.0)  # a's channel 20
    assert overlay.visible and overlay.text == f"a: {a.energy[20]:.3f} keV (channel 20)"
    viewer.add_points(np.zeros((1, 2)), name="marks")  # no energy axis: the topmost cube
    assert viewer.layers.selection.active.name == "marks"
    assert overlay.text == "b: channel 2"
    viewer.layers.remove("b")
    viewer.layers.selection.active = viewer.layers["marks"]
    assert overlay.visible and overlay.text.startswith("a: ")
    viewer.layers.remove("a")
    assert _overlay(viewer) is None  # no cube left: overlay and callbacks gone
    viewer.layers.clear()
