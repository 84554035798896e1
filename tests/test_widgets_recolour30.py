"""The Recolour dock recolours a line scan (1 x N px), as `xrf-napari recolour` does since 7fcf4d2;
only a single spectrum (1 x 1) has no image to recolour."""

import numpy as np
import pytest
from _napari_helpers import open_cube, painted_counts, tiny_recolour_dock, wait_idle
from _spectra import CANONICAL_CAL


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


@pytest.mark.parametrize("shape", [(1, 20), (24, 1)])
def test_a_line_scan_is_recoloured_in_the_dock(make_napari_viewer, qtbot, tmp_path, shape):
    from xrf_napari.io.project_h5 import write_cube

    counts, _ = painted_counts()
    line = counts[: shape[0], : shape[1]]  # the painted cube is 24 x 20 px
    path = write_cube(tmp_path / "line.h5", np.ascontiguousarray(line), CANONICAL_CAL)
    viewer = make_napari_viewer()
    open_cube(viewer, path)
    widget = tiny_recolour_dock(viewer, tmp_path)
    assert widget.run() is not None, widget.job.status.text()
    wait_idle(qtbot, widget.job)
    assert widget.job.last_error is None, widget.job.last_error
    layer = next(ly for ly in viewer.layers if ly.name.startswith("recoloured ["))
    assert layer.rgb and layer.data.shape == (*shape, 3)
    assert np.isfinite(layer.data).all() and 0.0 <= layer.data.min() <= layer.data.max() <= 1.0
