"""Session 48: the CLIs' dashed words, quicklook's removal of an earlier run's maps, pigments'
--labels HDF5 file, and the cube writer's name ending in a dot, as a user meets them."""

from __future__ import annotations

import numpy as np
import pytest
from _napari_helpers import write_painted_cube

h5py = pytest.importorskip("h5py")


@pytest.fixture(scope="module")
def painted(tmp_path_factory):
    return write_painted_cube(tmp_path_factory.mktemp("cli48") / "painted.h5")


def test_a_script_save_of_a_name_ending_in_a_dot_is_that_name_h5(make_napari_viewer, tmp_path):
    """napari.save_layers("scan.", ...) wrote "scan..h5" (npe2 adds ".h5" to the name as given),
    where the Save dialog's "scan." is "scan.h5"; an existing scan.h5 is not replaced unasked."""
    import napari
    from napari.layers import Image

    from xrf_napari._writer import CubeSaveError
    from xrf_napari.cube import Cube
    from xrf_napari.energy import Calibration

    make_napari_viewer()  # registers the plugin's writer
    counts = np.ones((3, 4, 16), np.float32)
    cube = Cube(counts, Calibration(0.0, 0.1))
    layer = Image(np.moveaxis(counts, -1, 0), name="scan", metadata={"xrf_cube": cube})
    saved = napari.save_layers(str(tmp_path / "scan."), [layer], plugin="xrf-napari")
    assert saved == [str(tmp_path / "scan.h5")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scan.h5"]
    with pytest.raises(CubeSaveError, match="already exists and was given as 'scan.'"):
        napari.save_layers(str(tmp_path / "scan."), [layer], plugin="xrf-napari")
