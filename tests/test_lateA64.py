"""Post-stop review of session 64: the canvas keV readout follows a calibration delivered later
to a scan whose layers were open before the readout started (_energy_readout.watch_energy)."""

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


def _cube(name: str, calibration: Calibration):
    counts = np.random.default_rng(0).poisson(3.0, (6, 5, 64)).astype(np.float32)
    return cube_from_array(counts, calibration, name=name)


def test_a_late_calibration_with_the_sum_selected_reads_its_own_scan(make_napari_viewer):
    """A script's own scan (stack and sum, added without the reader) was open when a second
    scan, opened later, started the readout: only its stack was watched, so a calibration
    delivered to its layers (stack first, sum last, as the reader does) left the selected sum's
    readout on the other scan's stack ("b: ...") until the slider moved."""
    from xrf_napari._reader import energy_axis

    viewer = make_napari_viewer()
    a = _cube("a", Calibration(1.0, 0.05, 0.0, "file"))
    stack = viewer.add_image(
        a.data.transpose(2, 0, 1),
        name="a",
        visible=False,
        metadata={"xrf_cube": a},
        **energy_axis(a),
    )
    total = viewer.add_image(a.data.sum(-1), name="a sum", metadata={"xrf_cube": a})
    add_cube(viewer, _cube("b", Calibration(1.0, 0.05, 0.0, "file")))
    viewer.layers.selection.active = total
    viewer.dims.set_current_step(0, 17)
    overlay = viewer.canvas.overlays[OVERLAY_KEY]
    assert overlay.text == f"a: {a.energy[17]:.3f} keV (channel 17)"
    late = _cube("a", Calibration(1.5, 0.05, 0.0, "auto"))
    stack.metadata = {**stack.metadata, "xrf_cube": late}
    total.metadata = {**total.metadata, "xrf_cube": late}
    assert overlay.visible and overlay.text == f"a: {late.energy[17]:.3f} keV (channel 17)"
    viewer.layers.clear()
