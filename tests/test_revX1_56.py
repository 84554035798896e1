"""Session 56 cross-area review: the memory-map guard (io.mapped, d554204d) beside the rest."""

import numpy as np

from xrf_napari.io import read_cube


def test_what_numpy_computes_from_a_guarded_map_is_a_plain_array_or_number(tmp_path):
    """np.memmap gives plain arrays and numbers from its ufuncs and reductions, but leaves a
    subclass's results its class: since d554204d np.sum(cube.data) of an .npy was a 0-d
    GuardedMap (unhashable, repr "GuardedMap(25)") and cube.data + 1 an np.memmap with no map
    behind it. They are an ndarray and a numpy scalar again; indexing still gives guarded views
    of the map. Fails on the parent: a GuardedMap where numpy gives a number."""
    from xrf_napari.io.mapped import GuardedMap

    values = (np.arange(4 * 5 * 64) % 7).astype(np.uint16).reshape(4, 5, 64)
    np.save(tmp_path / "scan.npy", values)
    data = read_cube(tmp_path / "scan.npy", auto_calibrate=False).data
    assert isinstance(data, GuardedMap)
    total, top = np.sum(data), data.max()
    assert type(total) is np.uint64 and total == values.sum()
    assert type(top) is np.uint16 and {top: 1} == {6: 1}
    for made in (data + 1, data.sum(axis=2), data == 1, data[0, 0] * 2):
        assert type(made) is np.ndarray, type(made)
    row = data[1]  # a view of the map: still guarded
    assert isinstance(row, GuardedMap) and row._guard is not None
    np.testing.assert_array_equal(row, values[1])
