"""`.bcf` decoding runs in a child process: a crash of the compiled decoder is a CubeReadError,
never a dead napari (issue 16). The wrapper is tested with functions that crash on purpose, so the
test needs no rosettasciio."""

import importlib.util
import os
import time

import numpy as np
import pytest

from xrf_napari.io import CubeReadError, read_cube
from xrf_napari.io.bruker import call_in_child


def _segfault():
    import ctypes

    ctypes.string_at(0)  # reads address 0: SIGSEGV


def _abort():
    os.abort()


def _raise():
    raise ValueError("bad block")


def _refuse(path):
    raise CubeReadError(path, "the hypermap is too large")


def _sleep():
    time.sleep(60)


def _ok(n):
    return np.arange(n), {"format": "x"}


@pytest.mark.parametrize("func, signal_name", [(_segfault, "SIGSEGV"), (_abort, "SIGABRT")])
def test_a_crashing_decoder_is_a_clear_error(tmp_path, func, signal_name):
    path = tmp_path / "x.bcf"
    with pytest.raises(
        CubeReadError, match=f"x.bcf: decoding crashed \\(killed by signal {signal_name}"
    ):
        call_in_child(func, (), path, "decoding", timeout=60)


def test_errors_timeouts_and_results_cross_the_process_boundary(tmp_path):
    path = tmp_path / "x.bcf"
    with pytest.raises(CubeReadError, match="decoding failed \\(ValueError: bad block\\)"):
        call_in_child(_raise, (), path, "decoding", timeout=60)
    with pytest.raises(CubeReadError, match="x.bcf: the hypermap is too large") as err:
        call_in_child(_refuse, (str(path),), path, "decoding", timeout=60)
    assert err.value.problem == "the hypermap is too large"
    t0 = time.monotonic()
    with pytest.raises(CubeReadError, match="did not finish within 0\\.5 s"):
        call_in_child(_sleep, (), path, "decoding", timeout=0.5)  # the child sleeps 60 s
    assert time.monotonic() - t0 < 20
    arr, meta = call_in_child(_ok, (5,), path, "decoding", timeout=60)
    np.testing.assert_array_equal(arr, np.arange(5))
    assert meta == {"format": "x"}


@pytest.mark.skipif(importlib.util.find_spec("rsciio") is not None, reason="rosettasciio installed")
def test_bcf_without_rosettasciio_says_what_to_install(tmp_path):
    p = tmp_path / "map.bcf"
    p.write_bytes(b"AAMVHFSS" + b"\0" * 100)
    with pytest.raises(CubeReadError, match="map.bcf: reading .bcf needs the optional GPL package"):
        read_cube(p)


@pytest.mark.skipif(
    importlib.util.find_spec("rsciio") is None, reason="needs rosettasciio (bcf extra)"
)
def test_real_bcf_decoded_in_a_child(real_data):
    cube = read_cube(real_data / "16x16_12bit_packed_8bit.bcf", auto_calibrate=False)
    assert cube.shape[:2] == (16, 16) and cube.calibration.source == "file"
    assert np.asarray(cube.data).sum() > 0
