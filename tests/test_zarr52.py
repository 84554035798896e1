"""Session 52, opening a zarr store: the opening check's read gives the cube layer's contrast
sample too, so no chunk is decoded twice; the sample's pixels are those the reader read before."""

import numpy as np
import pytest

zarr = pytest.importorskip("zarr")


def _counted_store(tmp_path, monkeypatch, shape=(96, 64, 16), chunks=(8, 8, 16), fill=None):
    """A zarr store of random counts (or `fill`) and the list its chunk reads are appended to."""
    from zarr.storage import LocalStore

    path = tmp_path / "s.zarr"
    arr = zarr.open_array(str(path), mode="w", shape=shape, chunks=chunks, dtype="u2")
    arr[:] = np.random.default_rng(52).poisson(3, shape) if fill is None else fill
    read, real = [], LocalStore.get

    async def counted(self, key, *args, **kwargs):
        if "/c/" in key or key.startswith("c/"):
            read.append(key)
        return await real(self, key, *args, **kwargs)

    monkeypatch.setattr(LocalStore, "get", counted)
    return path, read


def test_opening_a_zarr_store_decodes_each_sampled_chunk_once(tmp_path, monkeypatch):
    """A viewer open (the sum left to a worker): the calibration check and the contrast sample
    each read the same sampled rows, every chunk twice (a 300 x 300 x 256 store in (8, 8, 128)
    chunks: 768 reads for 384 chunks, 0.2-0.4 s more on napari's GUI thread)."""
    from xrf_napari import _reader
    from xrf_napari.io import arrays, read_cube

    monkeypatch.setattr(arrays, "ZARR_SAMPLE_CHUNKS", 24)  # the cap bites on a tiny store
    monkeypatch.setattr(_reader, "_can_defer", lambda: True)
    monkeypatch.setattr(_reader, "ASYNC_SUM_BYTES", 0)
    monkeypatch.setattr(_reader, "_start_sum", lambda *args, **kwargs: None)
    path, read = _counted_store(tmp_path, monkeypatch)
    cube = read_cube(path, auto_calibrate=False)
    expected = _reader._read_sample(cube)
    read.clear()
    layers = _reader.read_layers(str(path))  # read_cube keeps the sample only when asked
    assert 0 < len(read) == len(set(read)) <= 24, (len(read), len(set(read)))
    limits, _ = _reader._channel_limits(cube, expected)
    assert layers[0][1]["contrast_limits"] == limits
    assert layers[1][1]["metadata"]["xrf_cube"].opening_sample is None  # not held by the layer


def test_kept_sample_holds_rows_outside_their_chunk_rows_band(tmp_path, monkeypatch):
    """Sampled rows 4 to a 32-row chunk row and a check of 768 pixels: its bands, 16 rows each,
    miss half the rows (17, 25, ...); the kept contrast sample is still exactly the rows and
    column blocks sample_layout names."""
    from xrf_napari.errors import sample_counts, sample_layout

    path, _ = _counted_store(tmp_path, monkeypatch, chunks=(32, 8, 16))
    arr = zarr.open_array(str(path), mode="r")
    data = arr[:]
    keep = 12 * 16 * 16 * 2  # bytes: 16 columns of each row
    whole_rows = 12 * 64 * 16 * 2
    total, peak, kept = sample_counts(arr, path, whole_rows, max_chunks=24, keep_bytes=keep)
    rows, blocks = sample_layout(arr, keep, max_chunks=24)
    want = np.stack([np.concatenate([data[y, x0:x1] for x0, x1 in blocks]) for y in rows])
    np.testing.assert_array_equal(kept, want)
    assert kept.dtype == data.dtype and total.sum() > 0 and peak.max() > 0
