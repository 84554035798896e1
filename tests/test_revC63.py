"""Session 63's review of the command lines' commits (cli63): a --dataset the file lacks."""

import numpy as np
import pytest


def test_a_dataset_the_file_lacks_is_told_with_the_cubes_it_holds(tmp_path):
    """`xrf-napari info scan.h5 --dataset nope` said "no dataset 'nope' in the file" and no more:
    which paths the file holds was for h5ls to tell. It now names the datasets discovery would
    take for a cube (3-D with a spectral axis, 4-D of detector elements), by path and shape, and
    where there are none says so with the datasets it holds."""
    import h5py

    from xrf_napari.io import CubeReadError, read_cube

    scan, none = tmp_path / "scan.h5", tmp_path / "none.h5"
    with h5py.File(scan, "w") as f:
        f["counts"] = np.zeros((4, 5, 64), np.uint16)
        f["detectors/raw"] = np.zeros((4, 5, 2, 64), np.uint16)
        f["energy"] = np.linspace(0, 20, 64)
    with h5py.File(none, "w") as f:
        f["energy"] = np.linspace(0, 20, 64)
    with pytest.raises(CubeReadError) as err:
        read_cube(scan, dataset="nope")
    said = str(err.value)
    assert said.endswith(
        "no dataset 'nope' in the file; its datacubes: /counts (4, 5, 64), "
        "/detectors/raw (4, 5, 2, 64)"
    ), said
    with pytest.raises(CubeReadError) as err:
        read_cube(none, dataset="/counts")
    assert str(err.value).endswith("it holds no datacube (datasets: energy (64,) float64)"), err
