"""Review of session 40's readers (io40) and headless commands (cli40): what the review found
wrong in them, one test per fix."""

from __future__ import annotations

import numpy as np
import pytest

from xrf_napari.io import CubeReadError, read_cube, read_spectrum


def _csv(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- CSV: one column of decimal-comma values that never rise and fall by a tenth ------------------
@pytest.mark.parametrize("kind", ["below_one", "falling_tail"])
def test_a_one_column_decimal_comma_csv_of_small_or_falling_values_reads(tmp_path, kind):
    """e02138e read '12,5' a line as one column of counts only when the whole parts both rose and
    fell at a tenth of the lines: normalised values below 1 ('0,507', whole parts all 0) and
    counts falling along a tail were still split into energy, counts and refused as 'energy axis
    must be finite and strictly increasing', the message the fix meant to retire. Neither first
    column is an axis (one that does not rise at nearly every line cannot be): one column."""
    rng = np.random.default_rng(40)
    if kind == "below_one":
        want = np.round(rng.random(200) * 0.99, 3)
    else:
        want = np.round(1000 * np.exp(-np.arange(300) / 40) + 0.37, 2)
    lines = [f"{v:.3f}".replace(".", ",") for v in want]
    sp = read_spectrum(_csv(tmp_path / f"{kind}.csv", lines))
    np.testing.assert_allclose(sp.counts, want)
    assert sp.metadata["decimal_mark"] == "," and sp.calibration.source == "none"


def test_a_channel_axis_with_one_glitch_is_still_refused_as_an_axis(tmp_path):
    """A channel,counts table whose channel column repeats once rises at nearly every line: it
    is a (broken) axis, refused as one, not read as a column of decimals (guard)."""
    counts = np.random.default_rng(1).integers(1, 99, 200)
    lines = [f"{i if i != 50 else 49},{c}" for i, c in enumerate(counts)]
    with pytest.raises(CubeReadError, match="strictly increasing"):
        read_spectrum(_csv(tmp_path / "glitch.csv", lines))


# -- HDF5: a live time in nanoseconds -------------------------------------------------------------
def test_a_live_time_in_nanoseconds_is_converted_not_called_no_time(tmp_path):
    """21a6087 converted a live time's `units` of ms or us to seconds, and set aside any other
    unit with the warning "has units 'ns', not a time (s, ms, us)": nanoseconds are a time. Now
    converted like the others (and 'usec', as 'msec' was)."""
    import warnings

    import h5py

    cube = np.random.default_rng(4).poisson(3, (6, 7, 128)).astype(np.uint16)
    for unit, scale in (("ns", 1e9), ("usec", 1e6)):
        path = tmp_path / f"{unit}.h5"
        with h5py.File(path, "w") as f:
            f["data"] = cube
            f["live_time"] = np.full((6, 7), 0.25 * scale)
            f["live_time"].attrs["units"] = unit
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no "not a time" warning
            got = read_cube(path, auto_calibrate=False)
        assert np.allclose(np.asarray(got.live_time), 0.25), unit
        assert "live_time_note" not in got.metadata, unit  # kept, not set aside


# -- TIFF: the size of the images named in the refusal of a short samples TIFF --------------------
def test_a_samples_tiff_as_tall_as_its_sample_count_names_its_image_size(tmp_path):
    """A TIFF of 20 samples per pixel over a 20 x 15 image was refused as '20 images of 15 x 20':
    the image size was guessed by dropping the stored axis equal to 20, the first here."""
    import tifffile

    maps = np.random.default_rng(2).random((20, 15, 20)).astype(np.float32)  # (H, W, samples)
    path = tmp_path / "maps.tif"
    tifffile.imwrite(path, maps, photometric="minisblack", planarconfig="contig")
    # since session 41 a samples TIFF (H, W, C) of few channels opens, as a .npy does
    # (tests/test_io41.py); its (H, W) is read from the (H, W, C) reading all the same
    assert read_cube(path, auto_calibrate=False).shape == (20, 15, 20)


# -- one test of what a misnamed file is, for .npy and .h5 ----------------------------------------
def test_a_tiff_named_npy_is_told_to_be_a_tiff_as_one_named_h5_is(tmp_path):
    """21ea001 gave the HDF5 reader its own test of what a misnamed file starts as (TIFF among
    them) beside arrays.not_npy's, which knew no TIFF: a TIFF named .npy said only 'it does not
    start with NumPy's \\x93NUMPY'. One test (limits.file_kind) now serves both."""
    import tifffile

    image = np.zeros((8, 9), np.uint16)
    for suffix in (".npy", ".h5"):
        path = tmp_path / f"scan{suffix}"
        tifffile.imwrite(path, image)
        with pytest.raises(CubeReadError, match=r"it is a TIFF image: rename it \.tif"):
            read_cube(path, auto_calibrate=False)


# -- HDF5: a file the system will not let us read is not "not an HDF5 file" -----------------------
def test_an_hdf5_file_that_cannot_be_opened_for_reading_is_not_called_not_hdf5(
    tmp_path, monkeypatch
):
    """21ea001's wording of a file HDF5 cannot open tested its signature, and a file the system
    refuses to read (no permission, a network share gone) failed that test: 'not an HDF5 file:
    it cannot be read (Permission denied)', though it may be a sound scan. Now 'the file cannot
    be read (Permission denied): check its permissions ...'. (Simulated: tests run as root.)"""
    import builtins

    import h5py

    path = tmp_path / "scan.h5"
    with h5py.File(path, "w") as f:
        f["data"] = np.ones((4, 4, 128), np.uint16)
    real_open = builtins.open

    def refusing_open(file, *a, **k):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *a, **k)

    def refusing_h5(name, *a, **k):
        raise OSError(
            f"Unable to synchronously open file (unable to open file: name = '{name}', "
            "errno = 13, error message = 'Permission denied', flags = 0, o_flags = 0)"
        )

    monkeypatch.setattr(builtins, "open", refusing_open)
    monkeypatch.setattr(h5py, "File", refusing_h5)
    with pytest.raises(CubeReadError) as err:
        read_cube(path, auto_calibrate=False)
    msg = str(err.value)
    assert "not an HDF5 file" not in msg and "damaged" not in msg, msg
    assert "cannot be read (Permission denied): check its permissions" in msg, msg
