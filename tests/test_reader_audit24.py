"""Reader bugs found by the session-24 fuzz audit (F1-F13): each test failed before its fix."""

import h5py
import numpy as np
import pytest

from xrf_napari.io import CubeReadError, read_cube, read_spectrum

COUNTS = np.random.default_rng(24).poisson(40, size=256) + 1


# -- F1: a `nan` count line in a one-column .mca ---------------------------------------------
@pytest.mark.parametrize("bad", ["nan", "NaN", "inf", "Infinity"])
def test_mca_nan_count_line_is_refused_not_dropped(tmp_path, bad):
    # Before: the line was skipped as text, so every later channel moved down by one, silently.
    lines = [str(v) for v in COUNTS]
    lines[100] = bad
    path = tmp_path / "nan.mca"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(CubeReadError, match=r"nan\.mca: counts contain NaN or infinite"):
        read_spectrum(path)


# -- F2, F8: a UTF-8 byte-order mark before a text spectrum --------------------------------------
BOM = "\ufeff"


def test_csv_with_bom_keeps_its_first_count(tmp_path):
    # Before: "\ufeff53" did not parse, so the first count was taken as a header and dropped.
    one = tmp_path / "one.csv"
    one.write_bytes((BOM + "\n".join(map(str, COUNTS)) + "\n").encode())
    two = tmp_path / "two.csv"
    two.write_bytes((BOM + "".join(f"{i},{v}\n" for i, v in enumerate(COUNTS))).encode())
    for path in (one, two):
        np.testing.assert_array_equal(read_spectrum(path).counts, COUNTS)


def test_csv_with_bom_and_energy_header_is_calibrated(tmp_path):
    path = tmp_path / "hdr.csv"
    rows = "".join(f"{-0.1 + 0.1 * i:.4f},{v},{v}\n" for i, v in enumerate(COUNTS))
    path.write_bytes((BOM + "energy_keV,mean,pixel\n" + rows).encode())
    spec = read_spectrum(path)
    np.testing.assert_array_equal(spec.counts, COUNTS)
    assert spec.calibration.gain == pytest.approx(0.1)


def test_mca_with_bom_is_read_with_its_calibration(tmp_path):
    # Before: "unexpected line in .mca: '\ufeff#@CALIB -0.1 0.1 0'".
    path = tmp_path / "bom.mca"
    text = "#@CALIB -0.1 0.1 0\r\n" + "\r\n".join(map(str, COUNTS)) + "\r\n"
    path.write_bytes((BOM + text).encode())
    spec = read_spectrum(path)
    np.testing.assert_array_equal(spec.counts, COUNTS)
    assert (spec.calibration.offset, spec.calibration.gain) == pytest.approx((-0.1, 0.1))


def test_spe_with_bom_reads_its_first_section(tmp_path):
    path = tmp_path / "bom.spe"
    text = f"$DATA:\n0 {len(COUNTS) - 1}\n" + "\n".join(map(str, COUNTS)) + "\n"
    path.write_bytes((BOM + text).encode())
    np.testing.assert_array_equal(read_spectrum(path).counts, COUNTS)


# -- F3: HDF5 offset/gain attributes with a bytes `units` ---------------------------------------
@pytest.mark.parametrize(
    "units", [np.bytes_(b"eV"), np.array([b"eV"]), np.array(["eV"], dtype=h5py.string_dtype())]
)
def test_hdf5_units_attribute_stored_as_bytes_is_understood(tmp_path, units):
    # Before: "unknown energy units "b'ev'"" refused the whole file.
    path = tmp_path / "units.h5"
    with h5py.File(path, "w") as f:
        ds = f.create_dataset("d", data=np.ones((6, 5, 256), np.uint16))
        ds.attrs.update({"offset": -100.0, "gain": 100.0, "units": units})
    cal = read_cube(path, auto_calibrate=False).calibration
    assert (cal.offset, cal.gain, cal.source) == pytest.approx((-0.1, 0.1, "file"))
