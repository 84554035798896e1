"""Lead's fixes of session 50."""

import numpy as np
import pytest

from xrf_napari.io import read_cube


@pytest.mark.parametrize("extra", [1, 5])
def test_a_zarr_energy_array_of_edges_gives_the_channel_centres(tmp_path, extra):
    """A zarr energy array of C + 1 values holds the channels' edges (as formats.md says of every
    energy vector): the calibration is their midpoints. The reader kept only the first C values,
    so the edges were read as centres, half a channel (5 eV) low. C + 5 values are centres with a
    few more, truncated as before."""
    import zarr

    n = 64
    g = zarr.open_group(str(tmp_path / "s.zarr"), mode="w")
    a = g.create_array("counts", shape=(4, 4, n), chunks=(4, 4, n), dtype="u2")
    a[:] = 1
    e = g.create_array("energy", shape=(n + extra,), chunks=(n + extra,), dtype="f8")
    e[:] = 1.0 + 0.01 * np.arange(n + extra)
    cal = read_cube(tmp_path / "s.zarr", auto_calibrate=False).calibration
    assert cal.source == "file"
    want = 1.005 if extra == 1 else 1.0
    assert cal.offset == pytest.approx(want, abs=1e-9) and cal.gain == pytest.approx(0.01)
