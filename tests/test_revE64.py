"""Review of the canvas keV readout (0b40474f, _energy_readout): the viewer a script opens a
scan into, an overlay the user took out, a calibration that arrives later, a closed viewer."""

from __future__ import annotations

import numpy as np
import pytest

from xrf_napari.cube import cube_from_array
from xrf_napari.energy import Calibration

pytest.importorskip("napari")

from _napari_helpers import add_cube, open_cube, painted_counts  # noqa: E402

import xrf_napari._reader as reader  # noqa: E402
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
    readout's callbacks stayed on the viewer once every cube was closed, for the viewer's life
    (one set: a readout made after cleans up after itself)."""
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


def test_the_readout_turns_to_kev_when_the_calibration_arrives(
    make_napari_viewer, tmp_path, qtbot, monkeypatch, gated_pass
):
    """A guard: a scan without a calibration opens at once on channels (its automatic
    calibration's pass in a worker); the layer's metadata event that delivers the calibrated
    Cube turns the canvas line from the channel alone to its keV. The axis is kept on channels
    here, as for a curved calibration, so that no slider event moves the line: the metadata
    event alone must."""
    from xrf_napari.layerkinds import YX_LABELS

    h, w, n = (counts := painted_counts()[0]).shape
    counts.astype("<u2").tofile(tmp_path / "painted.raw")
    (tmp_path / "painted.rpl").write_text(
        f"width {w}\nheight {h}\ndepth {n}\noffset 0\ndata-length 2\ndata-type unsigned\n"
        "byte-order little-endian\nrecord-by vector\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(reader, "ASYNC_SUM_BYTES", 0)  # this small cube counts as large
    monkeypatch.setattr(
        reader, "energy_axis", lambda cube: {"axis_labels": ("channel", *YX_LABELS)}
    )
    viewer = make_napari_viewer()
    open_cube(viewer, tmp_path / "painted.rpl")
    stack = next(ly for ly in viewer.layers if ly.ndim == 3)
    viewer.layers.selection.active = stack
    viewer.dims.set_current_step(0, 200)
    overlay = viewer.canvas.overlays[OVERLAY_KEY]
    assert overlay.text == "painted: channel 200"
    point = viewer.dims.point
    gated_pass.set()
    qtbot.waitUntil(lambda: reader.PENDING_KEY not in stack.metadata, timeout=10000)
    cube = stack.metadata["xrf_cube"]
    assert cube.calibration.source == "auto" and viewer.dims.point == point
    assert overlay.visible and overlay.text == (
        f"painted: {cube.energy[200]:.3f} keV (channel 200)"
    )


def test_a_closed_viewer_is_not_kept_by_the_scan_a_script_still_holds(make_napari_viewer):
    """A guard: closing a viewer takes the readout's callback off each cube layer's metadata
    event, so a layer a dock or script still holds keeps no closed viewer alive (the rest of
    the readout's callbacks are on the viewer's own events: a cycle gc frees)."""
    viewer = make_napari_viewer(show=False)
    add_cube(viewer, _cube())
    layer = viewer.layers["aps"]
    assert any("watch_energy" in _name(cb) for cb in layer.events.metadata.callbacks)
    viewer.close()
    assert not any("watch_energy" in _name(cb) for cb in layer.events.metadata.callbacks)
    assert layer.metadata["xrf_cube"].name == "aps"
