"""What opening a file reads: one pass over the counts for the sum image, even when the file needs
the automatic calibration (whose pass computes the per-pixel sums on the way), and nothing of the
cube layer until napari draws it."""

import numpy as np
import pytest
from _synth_spectra import synthetic_cube

import xrf_napari._reader as reader
from xrf_napari.cube import Cube


@pytest.fixture
def passes(monkeypatch):
    """Counts rows streamed by Cube.iter_blocks (in whole-cube passes) and cube-layer reads."""
    seen = {"rows": 0, "layer_reads": 0}
    stream = Cube.iter_blocks

    def counting(self, *args, **kwargs):
        for sl, block in stream(self, *args, **kwargs):
            seen["rows"] += block.shape[0]
            yield sl, block

    def layer_read(self, key):
        seen["layer_reads"] += 1
        return self._data[key]

    monkeypatch.setattr(Cube, "iter_blocks", counting)
    monkeypatch.setattr(reader._Uncopied, "__getitem__", layer_read)
    return seen


def test_an_uncalibrated_file_is_read_once_on_open(tmp_path, passes):
    counts = synthetic_cube(-0.3, 0.02, 1024, shape=(9, 7), seed=3)
    path = tmp_path / "scan.npy"
    np.save(path, counts)
    layers = reader.read_layers(str(path))
    cube = layers[0][1]["metadata"]["xrf_cube"]
    assert cube.calibration.source == "auto"  # the file carries none: auto-calibrated on open
    assert passes["rows"] == 9  # one pass: calibration spectra and sum image together
    assert passes["layer_reads"] == 0
    np.testing.assert_array_equal(layers[1][0], counts.sum(axis=2))
    assert cube.sum_image() is not cube.sum_image()  # callers get copies of the kept sums
    assert passes["rows"] == 9


def test_a_calibrated_file_is_read_once_on_open(tmp_path, passes):
    from _napari_helpers import painted_counts, write_painted_cube

    path = write_painted_cube(tmp_path / "painted.h5")
    layers = reader.read_layers(str(path))
    assert passes["rows"] == painted_counts()[0].shape[0]
    assert passes["layer_reads"] == 0
    np.testing.assert_array_equal(layers[1][0], painted_counts()[0].sum(axis=2))
