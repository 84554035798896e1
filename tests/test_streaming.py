"""Out-of-core contract: cube operations read every row of the file exactly once, in requests no
larger than their block size, so a cube larger than memory streams through bounded buffers."""

from __future__ import annotations

import numpy as np
import pytest

from xrf_napari.cube import Cube
from xrf_napari.energy import Calibration

H, W, C = 37, 10, 256
CAL = Calibration(-0.9555, 0.1, source="user")  # 256 channels up to 24.6 keV


class RowCountingArray:
    """A read-only (H, W, C) array that records every region read; converting it whole fails."""

    def __init__(self, array: np.ndarray):
        self._a = array
        self.shape = array.shape
        self.dtype = array.dtype
        self.ndim = array.ndim
        self.reads: list[tuple[int, int, int, int]] = []  # (row0, row1, channel0, channel1)

    def __getitem__(self, key):
        if not isinstance(key, tuple):
            key = (key,)
        key = key + (slice(None),) * (3 - len(key))
        if not all(isinstance(k, slice) for k in key):
            raise TypeError(f"only slices expected, got {key!r}")
        (r0, r1, rs), (c0, c1, cs) = key[0].indices(self.shape[0]), key[2].indices(self.shape[2])
        assert rs == 1 and cs == 1 and key[1].indices(self.shape[1]) == (0, self.shape[1], 1)
        if r1 > r0 and c1 > c0:
            self.reads.append((r0, r1, c0, c1))
        return self._a[key]

    def __array__(self, dtype=None, copy=None):
        raise AssertionError("the whole cube was converted to an array")

    def rows_read(self) -> np.ndarray:
        counts = np.zeros(self.shape[0], dtype=int)
        for r0, r1, _, _ in self.reads:
            counts[r0:r1] += 1
        return counts

    def largest_read_bytes(self, itemsize: int = 4) -> int:
        """Largest request, counted in the >= 4-byte type blocks are converted to."""
        return max(
            (r1 - r0) * self.shape[1] * (c1 - c0) * itemsize for r0, r1, c0, c1 in self.reads
        )


@pytest.fixture
def counting_cube():
    rng = np.random.default_rng(0)
    counts = rng.poisson(2.0, size=(H, W, C)).astype(np.uint16)
    data = RowCountingArray(counts)
    return Cube(data, CAL), counts


BLOCK = 4 * W * C * 4  # four rows per block as float32


def _check_once_bounded(data: RowCountingArray, block_bytes: int):
    assert data.reads, "nothing was read"
    np.testing.assert_array_equal(data.rows_read(), np.ones(H, dtype=int))
    assert data.largest_read_bytes() <= block_bytes
    assert len(data.reads) > 1  # really streamed, not one read of everything


def test_sum_spectrum_reads_each_row_once(counting_cube):
    cube, counts = counting_cube
    out = cube.sum_spectrum(block_bytes=BLOCK)
    np.testing.assert_array_equal(out, counts.sum(axis=(0, 1)))
    _check_once_bounded(cube.data, BLOCK)


def test_window_maps_read_each_row_once_and_only_the_window_channels(counting_cube):
    cube, counts = counting_cube
    windows = [(6.3, 6.5), (10.4, 10.7)]
    out = cube.window_maps(windows, block_bytes=BLOCK)
    e = cube.energy
    for k, (lo, hi) in enumerate(windows):
        np.testing.assert_array_equal(out[k], counts[..., (e >= lo) & (e < hi)].sum(-1))
    _check_once_bounded(cube.data, BLOCK)
    lo_ch = int(np.argmax(e >= 6.3))
    hi_ch = int(np.nonzero(e < 10.7)[0][-1]) + 1
    assert all(c0 == lo_ch and c1 == hi_ch for _, _, c0, c1 in cube.data.reads)


def test_element_maps_read_each_row_once(counting_cube):
    from xrf_napari.analysis.maps import element_maps, plan_for_cube

    cube, counts = counting_cube
    maps = element_maps(cube, ["Fe", "Cu", "Pb"], block_bytes=BLOCK, clip=False)
    _check_once_bounded(cube.data, BLOCK)
    _, w = plan_for_cube(cube, ["Fe", "Cu", "Pb"])
    expect = counts.reshape(-1, C).astype(np.float64) @ w
    for i, s in enumerate(["Fe", "Cu", "Pb"]):
        np.testing.assert_allclose(maps[s].ravel(), expect[:, i], rtol=1e-4, atol=1e-3)


def test_embed_reads_each_row_once_in_bounded_blocks(counting_cube):
    from xrf_napari.analysis.embed import embed, load_embedder

    cube, counts = counting_cube
    chunk = 64
    latent = embed(cube, device="cpu", chunk_pixels=chunk)
    # iter_embed's blocks: chunk_pixels spectra of max(C, 512) float32 values
    _check_once_bounded(cube.data, chunk * max(C, 512) * 4)
    emb = load_embedder(None, "cpu")
    direct = emb.encode(Cube(counts, CAL).to_canonical().reshape(-1, 512)).reshape(H, W, -1)
    np.testing.assert_allclose(latent, direct, rtol=1e-4, atol=1e-5)


def test_napari_reader_is_lazy_and_sums_in_one_pass(counting_cube):
    pytest.importorskip("dask")
    from xrf_napari._reader import cube_layers

    cube, counts = counting_cube
    layers = cube_layers(cube)
    stack, total = layers[0][0], layers[1][0]
    # building the layers read the cube once (the sum image), never the dask cube layer itself
    np.testing.assert_array_equal(cube.data.rows_read(), np.ones(H, dtype=int))
    np.testing.assert_array_equal(total, counts.sum(-1))
    assert stack.shape == (C, H, W)
    n_reads = len(cube.data.reads)
    np.testing.assert_array_equal(np.asarray(stack[100]), counts[..., 100])
    assert len(cube.data.reads) > n_reads  # a channel slice is read on demand


def test_hdf5_chunk_cache_holds_a_band_of_chunks(tmp_path):
    """Row blocks that cut through (16, 16, C) chunks must find the cut chunks still cached."""
    h5py = pytest.importorskip("h5py")
    from xrf_napari.io import read_cube
    from xrf_napari.io.lazy import row_band_bytes
    from xrf_napari.io.project_h5 import write_cube

    counts = np.zeros((20, 160, 2048), dtype=np.uint16)
    counts[3, 5, 100] = 7
    path = write_cube(
        tmp_path / "wide.h5", counts, Calibration(-0.9555, 0.02, source="file"), compression="lzf"
    )
    with h5py.File(path, "r") as f:
        default = f["counts"].id.get_access_plist().get_chunk_cache()[1]
    band = row_band_bytes(counts.shape, (16, 16, 2048), 2)
    assert band == 10 * 16 * 16 * 2048 * 2 > default  # the case the fix is for
    cube = read_cube(path)
    assert cube.data.id.get_access_plist().get_chunk_cache()[1] >= band
    assert cube.sum_spectrum(block_bytes=8 * 160 * 2048 * 4)[100] == 7


def test_napari_layer_of_a_memmap_reads_the_file_not_a_copy(tmp_path):
    """The cube layer must read the file on demand: dask.from_array calls .copy() on array-likes
    that have one, which for a memmapped .raw means the whole file in memory at open."""
    pytest.importorskip("dask")
    from xrf_napari._reader import cube_layers

    raw = tmp_path / "cube.raw"
    np.zeros((H, W, C), dtype=np.uint16).tofile(raw)
    cube = Cube(np.memmap(raw, dtype=np.uint16, mode="r", shape=(H, W, C)), CAL)
    stack = cube_layers(cube)[0][0]
    writer = np.memmap(raw, dtype=np.uint16, mode="r+", shape=(H, W, C))
    writer[:, :, 100] = 9  # the file changes after the layer was built
    writer.flush()
    del writer
    assert np.all(np.asarray(stack[100]) == 9)  # a copy taken at open would still read zeros
