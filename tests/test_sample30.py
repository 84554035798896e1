"""The opening sample (errors.check_counts_sample, whose sum spectrum judges a file's calibration)
and the cube layer's contrast sample spread their columns over the whole width of a wide scan:
they read to a byte bound, and once were only the leftmost columns of each row (frame, bare
ground)."""

import numpy as np
import pytest

from xrf_napari import _reader as reader
from xrf_napari.cube import Cube
from xrf_napari.energy import Calibration
from xrf_napari.errors import SAMPLE_BYTES, CubeReadError, check_counts_sample


class _Recorder:
    """(H, W, C) array face that records the (y, x) cells and the bytes each read returns."""

    def __init__(self, array, chunks=None):
        self._a, self.shape, self.dtype, self.ndim = array, array.shape, array.dtype, 3
        if chunks is not None:
            self.chunks = chunks
        self.bytes, self.cells = 0, []

    def __getitem__(self, key):
        out = np.asarray(self._a[key])
        self.bytes += out.nbytes
        ys, xs = (range(*k.indices(n)) for k, n in zip(key[:2], self.shape[:2]))
        self.cells.extend((y, x) for y in ys for x in xs)
        return out


def _wide_cube(w=600, c=4096, h=12):
    """uint8 cube over the default bound (12 rows of 600 x 4096 = 28 MiB): its left 60 % is
    empty (frame), its right 40 % holds a peak at channel 640 and another at 2000."""
    counts = np.zeros((h, w, c), dtype=np.uint8)
    right = int(0.6 * w)
    counts[:, right:, 640] = 50
    counts[:, right:, 2000] = 20
    return counts, right


def test_a_wide_scan_sample_sees_the_peaks_right_of_its_frame():
    counts, right = _wide_cube()
    assert counts.nbytes > SAMPLE_BYTES  # the bound applies: the sample is part of each row
    total, peak = check_counts_sample(counts, "wide.raw")
    assert total[640] > 0 and total[2000] > 0, "the sample sees only the empty left edge"
    assert peak[640] == 50 and peak[2000] == 20
    # about the right part's share of the sampled columns, not a stray column or two
    sampled_px = total[640] / 50 / len(counts)
    assert sampled_px >= 0.25 * SAMPLE_BYTES // (12 * counts.shape[2])


@pytest.mark.parametrize(
    ("shape", "dtype", "chunks", "limit"),
    [
        ((12, 600, 4096), np.uint8, None, SAMPLE_BYTES),
        ((30, 1000, 512), np.uint16, None, 2**20),
        ((30, 1000, 512), np.uint16, (4, 16, 512), 2**20),
        ((9, 7, 5), np.float32, None, 64),  # a pixel row is over the bound: one pixel a row
        ((5, 40, 300), np.float64, (1, 16, 300), 12 * 300 * 8 * 10),  # chunks over the budget
    ],
)
def test_the_sample_never_reads_past_its_byte_bound(shape, dtype, chunks, limit):
    counts = np.ones(shape, dtype=dtype)
    data = _Recorder(counts, chunks)
    check_counts_sample(data, "cube.h5", max_bytes=limit)
    pixel = shape[2] * np.dtype(dtype).itemsize
    assert 0 < data.bytes <= max(limit, 12 * pixel)
    assert len(set(data.cells)) == len(data.cells)  # no cell read twice


def test_a_nan_in_a_right_hand_block_names_its_true_column():
    counts = np.ones((24, 400, 64), dtype=np.float32)
    counts[0, 352, 7] = np.nan  # row 0 is sampled; column 352 only by a block spread right
    with pytest.raises(CubeReadError, match=r"row 0; first at y=0, x=352, channel 7\)"):
        check_counts_sample(counts, "cube.npy", max_bytes=12 * 64 * 4 * 40)
    counts[0, 352, 7] = -3.0
    with pytest.raises(CubeReadError, match=r"negative values \(row 0; first at y=0, x=352, "):
        check_counts_sample(counts, "cube.npy", max_bytes=12 * 64 * 4 * 40)


@pytest.mark.parametrize("chunks", [None, (1, 16, 4096)])
def test_the_contrast_sample_is_read_inside_what_the_check_read(chunks):
    """The reader's sample comes from the check's rows and column blocks (the page cache), is
    the counts of those cells, and spreads over the width too."""
    counts = np.random.default_rng(30).integers(0, 9, size=(40, 600, 4096), dtype=np.uint8)
    checked = _Recorder(counts, chunks)
    check_counts_sample(checked, "wide.raw")
    data = _Recorder(counts, chunks)
    cube = Cube(data, Calibration(0.0, 0.01, source="user"))
    sample = reader._read_sample(cube)
    assert set(data.cells) <= set(checked.cells)
    expected = np.stack(
        [
            np.stack([counts[y, x] for y, x in data.cells if y == row])
            for row in sorted({y for y, _ in data.cells})
        ]
    )
    np.testing.assert_array_equal(sample, expected)
    xs = [x for _, x in data.cells]
    assert max(xs) - min(xs) > counts.shape[1] // 2, "the contrast sample is the left edge"
    # the synchronous open takes the same sample from its sum pass
    _, from_pass = reader._sum_and_sample(Cube(counts, Calibration(0.0, 0.01, source="user")))
    if chunks is None:
        np.testing.assert_array_equal(from_pass, sample)


@pytest.mark.parametrize("shift", [1.0, 0.0], ids=["1 keV high", "true"])
def test_a_wrong_calibration_of_a_wide_scan_painted_right_of_its_frame_is_caught(tmp_path, shift):
    """End to end: 12 rows of the painting sample on the right quarter of a 2048 px wide scan
    (25 MiB: the sample is part of each row), empty frame left. Before, the sample's left 1365
    columns were all frame and the file's calibration, 1 keV off, was kept silently."""
    import json
    import warnings

    from xrf_napari._sample_data import sample_path
    from xrf_napari.io import read_cube

    src = read_cube(sample_path("painting"), auto_calibrate=False)
    true = src.calibration
    rows = np.asarray(src.data[:])[np.linspace(0, src.shape[0] - 1, 12).astype(int)]
    counts = np.zeros((12, 2048, src.n_channels), dtype=src.dtype)
    counts[:, 1536:] = np.tile(rows, (1, 4, 1))
    path = tmp_path / "wide.npy"
    np.save(path, counts)
    path.with_suffix(".json").write_text(
        json.dumps({"offset": true.offset + shift, "gain": true.gain}), encoding="utf-8"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cube = read_cube(path)
    contradicted = [w for w in caught if "contradicts the spectrum's peaks" in str(w.message)]
    if shift:
        assert contradicted, "the file's calibration was judged on the empty frame only"
        assert cube.calibration.source == "auto"
        assert abs(cube.calibration.offset - true.offset) < 0.1
    else:
        assert not contradicted and cube.calibration.source == "file"
