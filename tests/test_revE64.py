"""Review of the canvas keV readout (0b40474f, _energy_readout): the viewer a script opens a
scan into, an overlay the user took out."""

from __future__ import annotations

import numpy as np
import pytest

from xrf_napari.cube import cube_from_array
from xrf_napari.energy import Calibration

pytest.importorskip("napari")

from _napari_helpers import add_cube  # noqa: E402

from xrf_napari._energy_readout import OVERLAY_KEY  # noqa: E402


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    return make_reused_napari_viewer


def _cube(name: str = "aps"):
    counts = np.random.default_rng(0).poisson(3.0, (6, 5, 64)).astype(np.float32)
    return cube_from_array(counts, Calibration(1.0, 0.05, 0.0, "file"), name=name)


def _readout_callbacks(viewer) -> int:
    """The readout's callbacks still on the viewer's dims and layer-list events."""
    emitters = (viewer.dims.events.point, viewer.layers.events.removed)
    return sum("watch_energy" in _name(cb) for em in emitters for cb in em.callbacks)


def _name(callback) -> str:
    return getattr(callback, "__qualname__", "")


def test_a_scan_opened_into_a_viewer_not_the_current_one_gets_the_readout(
    make_napari_viewer, qtbot
):
    """A script's first.open() while a second viewer, made last, is napari's current one (the
    reader's layers added here as viewer.open adds them): the readout went to the current
    viewer (and left it at the next turn), the scan's viewer had none."""
    first = make_napari_viewer()
    second = make_napari_viewer(show=False)  # made last: napari's current viewer
    cube = _cube()
    add_cube(first, cube)
    first.dims.set_current_step(0, 17)
    overlay = first.canvas.overlays.get(OVERLAY_KEY)
    assert overlay is not None and overlay.visible
    assert overlay.text == f"aps: {cube.energy[17]:.3f} keV (channel 17)"
    qtbot.waitUntil(lambda: OVERLAY_KEY not in second.canvas.overlays, timeout=2000)
    assert _readout_callbacks(second) == 0  # no cube came to it: nothing left there


def test_an_overlay_the_user_took_out_leaves_no_callback_behind(make_napari_viewer):
    """`del viewer.canvas.overlays["xrf_energy"]` (a console user's way to be rid of it): the
    readout's callbacks stayed on the viewer once every cube was closed, a set more with each
    scan opened after."""
    viewer = make_napari_viewer()
    before = _readout_callbacks(viewer)
    add_cube(viewer, _cube())
    del viewer.canvas.overlays[OVERLAY_KEY]
    viewer.layers.clear()
    assert _readout_callbacks(viewer) == before
    add_cube(viewer, _cube("again"))  # a new readout, as for any scan opened
    assert viewer.canvas.overlays[OVERLAY_KEY].text.startswith("again: ")
    viewer.layers.clear()
    assert _readout_callbacks(viewer) == before and OVERLAY_KEY not in viewer.canvas.overlays
