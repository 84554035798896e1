import numpy as np
import pytest

from xrf_napari.cube import Cube, cube_from_array
from xrf_napari.energy import Calibration, canonical_edges, rebin_matrix


def test_calibration_roundtrip_quadratic():
    cal = Calibration(-0.9555, 0.009999, 1e-7)
    ch = np.array([0.0, 100.5, 4095.0])
    np.testing.assert_allclose(
        cal.channel(cal.energy(4096)[[0, 100, 4095]]), [0, 100, 4095], atol=1e-6
    )
    assert cal.channel(cal.offset + cal.gain * 100.5 + cal.quadratic * 100.5**2) == pytest.approx(
        ch[1]
    )


def test_calibration_rejects_bad_gain():
    with pytest.raises(ValueError, match="gain"):
        Calibration(0.0, 0.0)


def test_rebin_conserves_counts_inside_range():
    src = Calibration(0.0, 0.01).edges(4096)  # 0..40.96 keV
    m = rebin_matrix(src, canonical_edges())
    counts = np.random.default_rng(0).poisson(5, size=(10, 4096)).astype(np.float32)
    out = counts @ m.toarray()
    e = Calibration(0.0, 0.01).energy(4096)
    inside = (e > canonical_edges()[0] + 0.01) & (e < canonical_edges()[-1] - 0.01)
    # every channel fully inside the canonical range lands entirely in it
    assert out.sum() >= counts[:, inside].sum() - 1e-3
    assert out.sum() <= counts.sum()


def test_blocks_and_reductions_match_numpy():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 50, size=(37, 11, 64)).astype(np.uint16)
    cube = cube_from_array(a, Calibration(0.0, 0.5))
    tiny = 11 * 64 * 4 * 3  # three rows per block
    np.testing.assert_allclose(cube.sum_spectrum(tiny), a.sum(axis=(0, 1)))
    np.testing.assert_allclose(cube.sum_image(tiny), a.sum(axis=2))
    np.testing.assert_allclose(cube.max_spectrum(tiny), a.max(axis=(0, 1)))
    maps = cube.window_maps([(1.0, 3.0), (10.0, 12.25)], tiny)
    e = cube.energy
    np.testing.assert_allclose(maps[0], a[..., (e >= 1) & (e < 3)].sum(-1))
    np.testing.assert_allclose(maps[1], a[..., (e >= 10) & (e < 12.25)].sum(-1))


def test_cube_rejects_2d():
    with pytest.raises(ValueError, match="3-D"):
        Cube(np.zeros((4, 4)), Calibration(0, 1))


def test_rebinner_equals_sparse_product():
    from xrf_napari.energy import Rebinner, to_canonical_matrix

    rng = np.random.default_rng(3)
    for cal, n in ((Calibration(-0.9555, 0.009999), 4096), (Calibration(0.02, 0.04, 1e-6), 1024)):
        m = to_canonical_matrix(cal, n)
        counts = rng.poisson(2.0, size=(3, 5, n))
        ref = (counts.reshape(-1, n).astype(np.float64) @ m.toarray()).reshape(3, 5, -1)
        # tile-wise casts from every dtype a reader hands over, big-endian files included
        for dtype in (np.uint8, np.uint16, ">u2", np.int32, np.uint32, ">i4", np.float32, ">f8"):
            fast = Rebinner(m, group=128)(counts.astype(dtype))
            assert fast.dtype == np.float32
            np.testing.assert_allclose(fast, ref, rtol=1e-5, atol=1e-3, err_msg=str(dtype))


def test_rebin_puts_a_line_in_its_bin_and_splits_a_straddling_channel_by_overlap():
    from xrf_napari.energy import Rebinner, to_canonical_matrix

    cal, n = Calibration(0.02, 0.04), 1024  # channel 160 spans 6.40-6.44 keV, 161 spans 6.44-6.48
    counts = np.zeros((2, n), dtype=np.float32)
    counts[0, 160] = 1000.0
    counts[1, 161] = 1000.0
    edges = canonical_edges()
    k = int(np.argmin(np.abs(edges - 6.40)))  # canonical bin 6.40-6.45 keV
    assert edges[k] == pytest.approx(6.40) and edges[k + 1] == pytest.approx(6.45)
    expected = np.zeros((2, len(edges) - 1))
    expected[0, k] = 1000.0  # wholly inside one bin
    expected[1, k], expected[1, k + 1] = 250.0, 750.0  # 0.01 keV of 0.04 below 6.45, 0.03 above
    m = to_canonical_matrix(cal, n)
    np.testing.assert_allclose(counts @ m.toarray(), expected, atol=1e-3)
    np.testing.assert_allclose(Rebinner(m, group=128)(counts), expected, atol=1e-2)


def test_cube_is_hashable_and_compares_by_identity():
    a = np.zeros((2, 3, 8), dtype=np.uint16)
    one, two = cube_from_array(a, Calibration(0, 1)), cube_from_array(a, Calibration(0, 1))
    assert one == one and one != two  # same data, different cubes (no element-wise array compare)
    cache = {one: "first", two: "second"}
    assert cache[one] == "first" and cache[two] == "second"
    assert one.with_calibration(Calibration(0, 2)) not in cache
