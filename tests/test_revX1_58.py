"""Session 58, whole-diff review outside the docks and analysis: the keV axis is delivered to a
shown stack layer whole when a slider read the storage did not answer (088f95f5) raises."""

from __future__ import annotations

import errno
import json

import numpy as np
import pytest
from test_readers57 import CUBE
from test_readers58 import _Flaky

from xrf_napari.errors import CubeReadError
from xrf_napari.io import read_cube, read_failed


def test_a_slice_that_raises_while_the_kev_axis_is_set_leaves_the_axis_whole(tmp_path, monkeypatch):
    """_deliver_axis set the stack's scale, translate, units and labels one by one, each setter
    slicing the shown layer: since 088f95f5 a read the storage did not answer raises there, and
    4b8aabb7 caught it after _deliver_axis, so the layer kept a keV scale with channel labels and
    pixel units, the slider moved from channel 100 to the last one, and each later setter's slice
    counted as another failed try of the chunk. The axis is set whole, then sliced once."""
    import dask.array as da
    from napari.components import ViewerModel

    from xrf_napari import _reader

    monkeypatch.setattr(_reader, "_notify", lambda msg, level="error": None)
    path = tmp_path / "scan.npy"
    np.save(path, CUBE)
    path.with_suffix(".json").write_text(json.dumps({"offset": 0.5, "gain": 0.05}), "utf-8")
    cube = read_cube(path, auto_calibrate=False)
    flaky = _Flaky(cube.data, OSError(errno.ETIMEDOUT, "Connection timed out"), fails=0)
    face = _reader._Uncopied(flaky, cube)
    stack = da.from_array(
        face,
        chunks=(16, 16, 64),
        asarray=True,
        lock=False,
        fancy=False,
        name="revX1-58",
        meta=np.empty((0, 0, 0), cube.dtype),
    ).transpose(2, 0, 1)
    viewer = ViewerModel()
    monkeypatch.setattr(_reader, "_viewers", lambda: [viewer])
    layer = viewer.add_image(stack, metadata={})
    viewer.dims.set_point(0, 100)  # channel 100, as the slider showed before the calibration
    flaky.fails = 10**6  # the share stays away while the axis is delivered
    raised = 0
    try:
        _reader._deliver_axis(layer, cube)
    except CubeReadError:
        raised += 1
    assert tuple(layer.axis_labels) == ("energy", "y", "x"), layer.axis_labels
    assert str(layer.units[0]) == "kiloelectron_volt", layer.units
    assert layer.scale[0] == pytest.approx(0.05) and layer.translate[0] == pytest.approx(0.5)
    # the slider kept on channel 100: 0.5 + 100 x 0.05 keV
    assert viewer.dims.point[0] == pytest.approx(5.5), viewer.dims.point
    assert raised <= 1 and not read_failed(cube)  # one try of the chunk at most, not three
