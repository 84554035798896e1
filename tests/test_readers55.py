"""Session 55, readers: a .h5 saved from a scan keeps the source file's layout keys (a ripple
header's record_by / byte_order / data_file, an array's channel axis) with the source's notes,
not as its own."""

import sys
import warnings

import numpy as np
import pytest
from test_io_ripple import write_ripple

from xrf_napari.io import read_cube
from xrf_napari.io.ripple import parse_header


def _saved(cube, out):
    """`cube` saved as napari's Save Selected Layers saves its layer, read back."""
    from xrf_napari._writer import write_cube_layer

    layer = np.moveaxis(np.asarray(cube.data), -1, 0), {"name": "s", "metadata": {"xrf_cube": cube}}
    (path,) = write_cube_layer(str(out), *layer)
    return read_cube(path, auto_calibrate=False)


def _ripple(tmp_path, counts):
    extra = "depth-origin\t0.1\ndepth-scale\t0.01\ndepth-units\tkeV"
    return write_ripple(tmp_path, counts, record_by="image", byte_order="big-endian", extra=extra)


def _channels_first(tmp_path, counts):
    path = tmp_path / "cf.npy"
    np.save(path, np.moveaxis(counts, -1, 0))  # 256 x 4 x 3: read as 4 x 3 pixels
    return path


@pytest.mark.parametrize(
    "make, layout",
    [
        (_ripple, {"record_by": "image", "byte_order": "big-endian", "data_file": "scan.raw"}),
        (_channels_first, {"channel_axis": "first", "channel_axis_from": "shape"}),
    ],
)
def test_a_saved_scan_keeps_its_sources_layout_with_the_sources_notes(tmp_path, make, layout):
    """A .h5 saved from a ripple scan had the header's record_by ("image"), byte_order
    ("big-endian") and data_file (the .raw) at the top of its metadata, and one saved from a
    channels-first .npy its channel_axis "first": said of the saved file, whose /counts are
    (H, W, C), little or big-endian as stored, with no .raw. They go under source_notes, with
    the source's name; the saved file reads back as the same cube and calibration."""
    counts = np.random.default_rng(55).integers(0, 300, size=(4, 3, 256)).astype(np.uint16)
    path = make(tmp_path, counts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the .npy's channel-axis note
        cube = read_cube(path, auto_calibrate=False)
    saved = _saved(cube, tmp_path / "saved.h5")
    assert not [k for k in saved.metadata if k in (*layout, "header")]
    notes = saved.metadata["source_notes"]
    assert notes["file"] == str(path)
    if "data_file" in layout:
        layout["data_file"] = str(tmp_path / layout["data_file"])
    assert {k: notes[k] for k in layout} == layout
    np.testing.assert_array_equal(np.asarray(saved.data), counts)
    assert saved.calibration == cube.calibration


# Each reads the file and gives the line of its call (as sys._getframe() reads it on that line).
def _by_read_cube(path):
    return read_cube(path, auto_calibrate=False), sys._getframe().f_lineno


def _by_cli(path):
    from xrf_napari.cli.main import main

    return main(["info", str(path), "--no-auto-calibration"]), sys._getframe().f_lineno


def _by_parse_header(path):
    return parse_header(path), sys._getframe().f_lineno


@pytest.mark.parametrize("read", [_by_read_cube, _by_cli, _by_parse_header])
def test_a_ripple_files_warnings_point_at_the_call_that_read_it(tmp_path, read, capsys):
    """The ripple reader's warnings (a header's calibration set aside, a .raw's trailing bytes)
    were said with a fixed stacklevel: read_cube, the CLI and napari's reader saw them at
    ripple.read's line inside the package, and a call of ripple.parse_header one frame above
    its caller. They now point at the first frame outside the package, whatever the depth."""
    counts = np.ones((3, 2, 16), np.uint16)
    rpl = write_ripple(tmp_path, counts, extra="depth-scale\t0.01\ndepth-units\tmm")
    with open(rpl.with_suffix(".raw"), "ab") as fh:
        fh.write(b"\1\2\3")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, line = read(rpl)
    said = [w for w in caught if "set aside" in str(w.message) or "trailing" in str(w.message)]
    assert len(said) == (1 if read is _by_parse_header else 2)
    assert {(w.filename, w.lineno) for w in said} == {(__file__, line)}


def test_the_automatic_calibration_of_a_first_open_needs_no_scipy_signal(tmp_path, monkeypatch):
    """The first open of a scan without a calibration imported scipy.signal for find_peaks and
    peak_widths: 1.7 s of the 4.6 s open (python -X importtime: it imports scipy.stats;
    benchmarks/bench_peakfind.py). The automatic calibration now reads without it (an import
    of scipy.signal fails here), as before."""
    from _synth_spectra import synthetic_cube
    from test_autocal import channel_error

    from xrf_napari.energy import Calibration

    path = tmp_path / "scan.npy"
    np.save(path, synthetic_cube(-0.4, 0.015, 2048, seed=4))
    monkeypatch.setitem(sys.modules, "scipy.signal", None)  # `import scipy.signal` fails
    cube = read_cube(path, anode="Rh")
    assert cube.calibration.source == "auto"
    assert channel_error(Calibration(-0.4, 0.015), cube.calibration, 2048) < 1.0


def _spectra(rng):
    """Samples scipy's peak finder meets: smoothed Poisson spectra, integers with plateaus at
    the ends and inside, noise, rounded noise (ties at different distances)."""
    from scipy.ndimage import gaussian_filter1d

    for t in range(160):
        n = int(rng.integers(3, 200))
        yield [
            rng.integers(0, 4, n).astype(float),
            gaussian_filter1d(rng.poisson(20, n).astype(float), 1.0),
            rng.normal(size=n),
            np.round(rng.normal(size=n), 1),
        ][t % 4]


def test_the_numpy_peak_finder_gives_scipy_signals_results_to_the_bit():
    """analysis.peakfind (find_peaks with prominence and width, widths at any index, as
    autocal calls them) against scipy.signal.find_peaks / peak_widths / peak_prominences."""
    from scipy import signal

    from xrf_napari.analysis import peakfind

    rng = np.random.default_rng(55)
    for x in _spectra(rng):
        idx, props = signal.find_peaks(x, prominence=1e-9, width=1.0)
        got, mine = peakfind.find_peaks(x, prominence=1e-9, width=1.0)
        np.testing.assert_array_equal(got, idx)
        for key in ("prominences", "widths"):
            np.testing.assert_array_equal(mine[key], props[key])
        np.testing.assert_array_equal(peakfind.local_maxima(x), signal.find_peaks(x)[0])
        anywhere = rng.integers(0, x.size, 4)  # peak_energy's index may be on a plateau
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scipy's "some peaks have a prominence of 0"
            want = signal.peak_widths(x, anywhere, rel_height=0.5)[0]
            bases = signal.peak_prominences(x, anywhere)
        np.testing.assert_array_equal(peakfind.widths(x, anywhere, 0.5), want)
        for a, b in zip(peakfind.prominences(x, anywhere), bases):
            np.testing.assert_array_equal(a, b)
