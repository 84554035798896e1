"""Counts of generated cubes: re-binning onto the canonical grid conserves every count and keeps
Poisson noise Poisson; high count levels are stored, not clipped (physics audit items 2 and 3)."""

import numpy as np
import pytest

from xrf_napari.energy import Calibration, canonical_edges, to_canonical_matrix
from xrf_napari.synth.cube import poisson_counts, rebin_counts

E_LO, E_HI = canonical_edges()[0], canonical_edges()[-1]  # 1.0 and 26.6 keV


def _cal(lo, hi, n):
    gain = (hi - lo) / n
    return Calibration(lo + gain / 2, gain, 0.0)


def test_rebinned_counts_keep_every_count_inside_the_canonical_range():
    # 700 channels of 36.57 eV from 1.0 to 26.6 keV: every channel inside, most straddle a bin edge
    cal = _cal(E_LO, E_HI, 700)
    m = to_canonical_matrix(cal, 700)
    native = np.random.default_rng(0).poisson(0.6, (20, 30, 700)).astype(np.uint16)
    canon = rebin_counts(native, m, np.random.default_rng(1))
    assert canon.shape == (20, 30, 512) and canon.dtype == np.uint16
    assert np.array_equal(canon.sum(axis=2), native.sum(axis=2, dtype=np.int64))  # per pixel
    # the split follows the overlap fractions: per-bin means as the fractional re-binning's
    expect = native.reshape(-1, 700).mean(0) @ m.toarray()
    got = canon.reshape(-1, 512).mean(0)
    assert np.abs(got - expect).sum() / expect.sum() < 0.02
    # deterministic for the generator's state, different for another
    assert np.array_equal(canon, rebin_counts(native, m, np.random.default_rng(1)))
    assert not np.array_equal(canon, rebin_counts(native, m, np.random.default_rng(2)))


@pytest.mark.parametrize(
    "lo, hi, n, rate",
    [
        (0.5, 38.5, 1024, 0.4),  # the paper-style grid: 37.1 eV channels, 1-2 bins each
        (0.62, 32.62, 400, 3.0),  # 80 eV channels: up to 3 bins each, many counts per channel
    ],
)
def test_rebinned_poisson_counts_stay_poisson_and_unbiased(lo, hi, n, rate):
    """Rounding the fractional shares (np.round(native @ M)) biased totals by -2 to +1 %."""
    cal = _cal(lo, hi, n)
    m = to_canonical_matrix(cal, n)
    rng = np.random.default_rng(3)
    lam = np.full(n, rate)
    native = rng.poisson(lam, (4000, 1, n)).astype(np.uint16)
    canon = rebin_counts(native, m, rng).reshape(-1, 512).astype(float)
    expect = lam @ m.toarray()  # expected counts per canonical bin
    assert canon.sum(1).mean() == pytest.approx(expect.sum(), rel=0.003)
    ratio = canon.var(0) / canon.mean(0)  # Poisson: variance = mean in every bin
    assert 0.9 < np.median(ratio) < 1.1 and ratio.min() > 0.8 and ratio.max() < 1.2
    # out of range (below 1 keV, above 26.6 keV) is dropped, the straddling channels in part
    edges = cal.edges(n)
    full = (edges[:-1] >= E_LO) & (edges[1:] <= E_HI)
    touch = (edges[1:] > E_LO) & (edges[:-1] < E_HI)
    nat = native.reshape(-1, n).astype(np.int64)
    tot = canon.sum(1)
    assert (nat[:, full].sum(1) <= tot).all() and (tot <= nat[:, touch].sum(1)).all()


def test_high_count_levels_are_stored_as_uint32_not_clipped():
    rng = np.random.default_rng(6)
    comp = np.zeros((1, 64), np.float32)
    comp[0, 10] = 1.0  # one line: every count in one channel
    weights = np.ones((4, 4, 1), np.float32)
    out = poisson_counts(weights, comp, 2.0e5, rng)
    assert out.dtype == np.uint32 and out.max() > 65535  # clipped at 65535 before
    assert out.sum(axis=2).mean() == pytest.approx(2.0e5, rel=0.01)
    low = poisson_counts(weights, comp, 1000.0, rng)
    assert low.dtype == np.uint16  # realistic levels keep the compact type
    with pytest.raises(ValueError, match="more than uint16"):
        poisson_counts(weights, comp, 2.0e5, rng, dtype=np.uint16)
    # re-binning widens as well
    m = to_canonical_matrix(_cal(5.0, 5.64, 64), 64)  # 10 eV channels: channel 10 in one bin
    canon = rebin_counts(out, m, rng)
    assert canon.dtype == np.uint32 and np.array_equal(canon.sum(2), out.sum(2, dtype=np.int64))


def test_uint32_cubes_write_and_read_back(tmp_path):
    from xrf_napari.io.project_h5 import write_cube
    from xrf_napari.training.data import read_cube_arrays

    counts = np.full((3, 4, 512), 70_000, np.uint32)
    path = write_cube(
        tmp_path / "c.h5",
        counts,
        Calibration(1.025, 0.05, 0.0),
        targets={"labels": np.zeros((3, 4), np.int32)},
    )
    back, labels, _ = read_cube_arrays(path)
    assert back.dtype == np.uint32 and int(back.max()) == 70_000


def test_the_training_pool_keeps_channels_above_32767_counts(tmp_path):
    """The embedder's pixel pool is int16 at usual count levels; a brighter channel widens it to
    int32 instead of clipping (or wrapping) that spectrum."""
    pytest.importorskip("torch")
    from xrf_napari.io.project_h5 import write_cube
    from xrf_napari.training.data import SpectraPool

    cal = Calibration(1.025, 0.05, 0.0)
    for i, peak in enumerate([1_000, 40_000]):
        counts = np.zeros((4, 4, 512), np.uint32)
        counts[..., 100] = peak
        write_cube(
            tmp_path / f"cube_{i:05d}.h5",
            counts,
            cal,
            targets={"labels": np.zeros((4, 4), np.int32)},
        )
    files = sorted(tmp_path.glob("*.h5"))
    pool = SpectraPool(files, 8, seed=0).load(progress=False)
    assert pool.counts[:8, 100].tolist() == [1_000] * 8
    assert pool.counts[8:, 100].tolist() == [40_000] * 8
    low = SpectraPool(files[:1], 8, seed=0).load(progress=False)
    assert str(low.counts.dtype) == "torch.int16"  # memory kept at usual count levels


def test_physics_native_cube_rebins_without_losing_or_inventing_counts():
    """--native: the canonical cube is the native draw re-binned (it was rounded: +0.9 %)."""
    pytest.importorskip("xraylib")
    from xrf_napari.physics.instrument import InstrumentProfile
    from xrf_napari.synth.dataset import synthesize
    from xrf_napari.synth.recipes import Recipe

    prof = InstrumentProfile(n_channels=2048, offset=0.0, gain=0.0198, counts_per_pixel=300.0)
    labels = np.zeros((12, 12), np.int32)
    labels[6:] = 1
    rgb = np.zeros((12, 12, 3), np.uint8)
    rgb[:6], rgb[6:] = (200, 40, 30), (230, 230, 220)
    recipes = [
        Recipe(["Vermilion"], [1.0], [0, 0, 0], [0, 0, 0], 0.0),
        Recipe(["Lead white"], [1.0], [0, 0, 0], [0, 0, 0], 0.0),
    ]
    cube = synthesize(
        rgb, np.random.default_rng(0), prof, labels=labels, recipes=recipes, native=True
    )
    edges = prof.calibration.edges(prof.n_channels)
    full = (edges[:-1] >= E_LO) & (edges[1:] <= E_HI)
    touch = (edges[1:] > E_LO) & (edges[:-1] < E_HI)
    nat = cube.native.astype(np.int64)
    tot = cube.counts.sum(axis=2, dtype=np.int64)
    assert (nat[..., full].sum(2) <= tot).all() and (tot <= nat[..., touch].sum(2)).all()
