"""Session 65 (lateC65): one wording for a compressed part whose decompression failed, and one
parser of the system error in HDF5's driver report."""

import zlib

import numpy as np
import pytest

from xrf_napari._reader import _own_tiff_fault
from xrf_napari.errors import CubeReadError, explain_read_error
from xrf_napari.io import read_cube

#: What every reader now says after the codec's own words.
SO = "), so the file is corrupt (a copy, transfer or disk altered its bytes); "


def test_a_failed_decompression_is_said_in_one_wording_by_every_reader(tmp_path):
    """An HDF5 or zarr chunk, a zarr energy array and a TIFF xrf-napari wrote each had their own
    sentence ("... there is damaged: its decompression failed (...), so the file is corrupt or
    truncated there (...): other rows may read", "a compressed chunk of it is damaged (its
    decompression failed: ...); copy the store again", "its compressed image data is damaged:
    its decompression failed (...), so the file is corrupt (...)"); now one, each with its
    part, its file and its own next step."""
    import zarr

    path = tmp_path / "scan.zarr"
    z = zarr.open_group(str(path), mode="w")
    z.create_array("counts", data=np.ones((4, 5, 64), np.uint16))
    z.create_array("energy", data=np.linspace(0.0, 20.0, 64))
    chunk = path / "energy" / "c" / "0"
    chunk.write_bytes(chunk.read_bytes()[: chunk.stat().st_size // 2])
    with pytest.raises(CubeReadError) as err:
        read_cube(path)
    energy = str(err.value)
    hdf5 = explain_read_error(OSError("Can't synchronously read data (filter returned failure)"))
    own = _own_tiff_fault(zlib.error("Error -3 while decompressing data: incorrect data check"))
    said = {
        "a compressed chunk of it is damaged: its decompression failed (": energy,
        "a compressed chunk of the scan dataset there is damaged: its decompression failed "
        "(HDF5 said: ": hdf5,
        "its compressed image data is damaged: its decompression failed (Error -3": own,
    }
    for part, text in said.items():
        assert part in text and SO in text, text
    assert energy.startswith(f"{path}: zarr array 'energy' (its energy axis) cannot be read: ")
    assert energy.endswith(SO + "copy the store again from its source")
    assert hdf5.endswith(
        SO + "other rows may read, but not the whole scan: copy the file again from the "
        "instrument or a backup"
    )
    assert own.endswith(SO + "save it again from xrf-napari")
