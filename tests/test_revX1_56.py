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


def test_a_guarded_maps_results_are_plain_under_numpy_1s_call_too(tmp_path):
    """numpy 1 (pyproject: numpy>=1.26) calls __array_wrap__(arr, context), where numpy 2 adds
    return_scalar: the wrap of 693871f5 passed three arguments on to np.memmap's, which takes
    two there (every ufunc of the map a TypeError), and made no number of a 0-d result without
    return_scalar. Called as numpy 1 calls it, a 0-d result is its number, as np.memmap gives.
    Fails on the parent: a 0-d array."""
    np.save(tmp_path / "scan.npy", np.ones((2, 3, 64), np.uint16))
    data = read_cube(tmp_path / "scan.npy", auto_calibrate=False).data
    got = data.__array_wrap__(np.array(7, np.uint64), None)  # numpy 1's call: (arr, context)
    assert type(got) is np.uint64 and got == 7
    got = data.__array_wrap__(np.arange(3), None)
    assert type(got) is np.ndarray
