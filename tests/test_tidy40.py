"""Session 40 tidy-ups: HDF5 filter advice (io/limits.check_filters) and quicklook's exit status."""

from __future__ import annotations

import numpy as np
import pytest

from xrf_napari.errors import CubeReadError
from xrf_napari.io import read_cube


# -- check_filters: szip is HDF5's own filter, not one hdf5plugin supplies ----------------------
def test_a_missing_szip_filter_advises_an_h5py_with_szip_not_hdf5plugin(tmp_path, monkeypatch):
    """A real szip-compressed file (written here, where HDF5 has szip), read as on an h5py whose
    HDF5 lacks szip (filter_avail made to say filter 4 is unavailable; the decoder itself is not
    removed). It was told to `pip install hdf5plugin`, which provides no szip filter."""
    import h5py

    if not h5py.h5z.filter_avail(4):
        pytest.skip("this h5py cannot write szip")
    path = tmp_path / "szip.h5"
    cube = np.arange(4 * 4 * 64, dtype=np.uint16).reshape(4, 4, 64)
    with h5py.File(path, "w") as f:
        f.create_dataset("data", data=cube, compression="szip", chunks=(2, 2, 64))
    real = h5py.h5z.filter_avail
    monkeypatch.setattr(h5py.h5z, "filter_avail", lambda code: code != 4 and real(code))
    with pytest.raises(CubeReadError) as err:
        read_cube(path)
    msg = str(err.value)
    assert msg.startswith(str(path)) and "filter 4 (szip)" in msg, msg
    assert "conda-forge" in msg and "not a plugin" in msg, msg
    assert "pip install hdf5plugin" not in msg, msg
