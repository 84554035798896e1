"""Reader bugs found by the session-24 fuzz audit (F1-F13): each test failed before its fix."""

import warnings

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


# -- F4: HDF5 energy vector of bin edges beside a channel-first cube -----------------------------
def test_hdf5_energy_edges_decide_the_channel_axis(tmp_path):
    # Before: (C, H, W) = (200, 10, 70) was read as 70 channels (the edges matched no axis
    # length) and calibrated from the first 70 of the 201 edges.
    cube = np.random.default_rng(4).integers(0, 30, size=(10, 70, 200)).astype(np.uint16)
    path = tmp_path / "edges.h5"
    with h5py.File(path, "w") as f:
        f["d"] = np.ascontiguousarray(np.moveaxis(cube, -1, 0))
        f["energy"] = -0.15 + 0.1 * np.arange(201)
    read = read_cube(path, auto_calibrate=False)
    assert read.shape == (10, 70, 200) and read.metadata["channel_axis_from"] == "energy vector"
    np.testing.assert_array_equal(np.asarray(read.data[...]), cube)
    cal = read.calibration
    assert (cal.offset, cal.gain) == pytest.approx((-0.1, 0.1))


def test_hdf5_energy_vector_longer_than_the_channels_is_not_truncated(tmp_path):
    # Before: the first 256 of 300 values became the calibration, though the vector belongs to
    # no axis of the cube.
    path = tmp_path / "long.h5"
    with h5py.File(path, "w") as f:
        f["d"] = np.ones((6, 5, 256), np.uint16)
        f["energy"] = 1.0 + 0.05 * np.arange(300)
    with pytest.warns(UserWarning, match=r"long\.h5: energy vector '/energy' has 300 values"):
        cal = read_cube(path, auto_calibrate=False).calibration
    assert cal.source == "none"


# -- F5: a ripple .raw whose size fits another depth ---------------------------------------------
RPL = (
    "width\t{w}\nheight\t{h}\ndepth\t{c}\noffset\t0\ndata-length\t2\ndata-type\tunsigned\n"
    "byte-order\t{order}\nrecord-by\tvector\n"
)


def test_ripple_trailing_bytes_warning_names_the_depth_the_size_fits(tmp_path):
    # Before: only "the 60 trailing bytes are ignored", though every pixel is read shifted.
    (tmp_path / "d.rpl").write_text(RPL.format(w=5, h=6, c=255, order="little-endian"))
    np.ones((6, 5, 256), "<u2").tofile(tmp_path / "d.raw")
    with pytest.warns(UserWarning, match=r"fits depth 256: check the header's depth$"):
        cube = read_cube(tmp_path / "d.rpl", auto_calibrate=False)
    assert cube.shape == (6, 5, 255) and "fits depth 256" in cube.metadata["raw_size_note"]


def test_ripple_truncated_raw_error_names_the_depth_the_size_fits(tmp_path):
    (tmp_path / "t.rpl").write_text(RPL.format(w=5, h=6, c=257, order="little-endian"))
    np.ones((6, 5, 256), "<u2").tofile(tmp_path / "t.raw")
    with pytest.raises(CubeReadError, match=r"truncated .*; or the file's size fits depth 256"):
        read_cube(tmp_path / "t.rpl")


def test_real_spacekeys_variant_stays_readable_and_names_depth_16(real_data):
    # Header 3 x 3 x 6 u2 over 288 bytes: exactly depth 16 (or height 8). Still read as the
    # header says (the values are random), with the hint in the warning and the note.
    with pytest.warns(UserWarning, match=r"180 trailing bytes .*fits depth 16 \(or height 8\)"):
        cube = read_cube(real_data / "spacekeys_variant.rpl")
    assert cube.shape == (3, 3, 6) and "fits depth 16" in cube.metadata["raw_size_note"]


# -- F6: a ripple header with a byte-order mark ---------------------------------------------------
@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be"])
def test_ripple_header_with_a_bom_is_read(tmp_path, encoding):
    # Before: "ripple header lacks the required key 'width'" (the BOM was part of the key).
    text = RPL.format(w=5, h=6, c=256, order="little-endian")
    bom = b"\xfe\xff" if encoding == "utf-16-be" else b""
    (tmp_path / "b.rpl").write_bytes(bom + text.encode(encoding))
    arr = np.arange(6 * 5 * 256, dtype="<u2").reshape(6, 5, 256) % 300
    arr.tofile(tmp_path / "b.raw")
    cube = read_cube(tmp_path / "b.rpl", auto_calibrate=False)
    np.testing.assert_array_equal(np.asarray(cube.data), arr)


# -- F7: ripple 'byte-order dont-care' over 2-byte data --------------------------------------------
def test_ripple_dont_care_byte_order_over_two_byte_data_warns(tmp_path):
    # Before: big-endian counts were read as little-endian (max 65284 for 7554) with no warning.
    arr = (np.arange(6 * 5 * 256).reshape(6, 5, 256) % 7554).astype(">u2")
    (tmp_path / "be.rpl").write_text(RPL.format(w=5, h=6, c=256, order="dont-care"))
    arr.tofile(tmp_path / "be.raw")
    with pytest.warns(UserWarning, match=r"be\.raw: byte-order dont-care .* look big-endian"):
        cube = read_cube(tmp_path / "be.rpl", auto_calibrate=False)
    assert "big-endian" in cube.metadata["byte_order_note"]
    arr.astype("<u2").tofile(tmp_path / "be.raw")  # little-endian: warned, no big-endian hint
    with pytest.warns(UserWarning, match=r"dont-care with multi-byte data") as seen:
        read_cube(tmp_path / "be.rpl", auto_calibrate=False)
    assert not any("look big-endian" in str(w.message) for w in seen)


# -- F9: an HDF5 group named `calibration` ---------------------------------------------------------
def test_hdf5_calibration_group_is_not_taken_for_pymca_coefficients(tmp_path):
    # Before: "could not be read as hdf5 (AttributeError: 'Group' object has no attribute 'size')".
    path = tmp_path / "group.h5"
    with h5py.File(path, "w") as f:
        f["d"] = np.ones((6, 5, 256), np.uint16)
        f.create_group("calibration").attrs["note"] = "detector settings"
        f["energy"] = -0.1 + 0.1 * np.arange(256)
    cube = read_cube(path, auto_calibrate=False)
    assert cube.shape == (6, 5, 256)
    assert (cube.calibration.offset, cube.calibration.gain) == pytest.approx((-0.1, 0.1))


# -- F10: Crono indices at or beyond the number of spectra --------------------------------------
def test_crono_one_based_indices_are_reported(tmp_path):
    # Before: every pixel showed the next one's spectrum and the last read as zeros, silently.
    path = tmp_path / "crono.h5"
    with h5py.File(path, "w") as f:
        f["XRF/Spectra"] = np.ones((30, 128), np.uint16)
        f["XRF/SpectraSelectedIndex"] = (np.arange(30) + 1).reshape(6, 5, 1)
    with pytest.warns(UserWarning, match=r"crono\.h5: 1 of 30 pixels .* as if 1-based"):
        cube = read_cube(path, auto_calibrate=False)
    assert "1-based" in cube.metadata["index_note"]
    assert np.asarray(cube.data[5, 4]).sum() == 0


# -- F11: EMSA keywords with a unit suffix ---------------------------------------------------------
def test_emsa_keywords_with_unit_suffix_are_read(tmp_path):
    # Before: '#BEAMKV   -kV: 45' was stored under the key 'BEAMKV   -KV' and never read.
    path = tmp_path / "suffix.msa"
    head = (
        "#FORMAT      : EMSA/MAS Spectral Data File\n#NPOINTS     : 256\n#NCOLUMNS    : 1\n"
        "#XUNITS      : eV\n#XPERCHAN    : 100\n#OFFSET      : -100\n#DATATYPE    : Y\n"
        "#BEAMKV   -kV: 45.0\n#LIVETIME  -s: 60.0\n#REALTIME  -s: 61.5\n#SPECTRUM    :\n"
    )
    path.write_text(head + "\n".join(map(str, COUNTS)) + "\n#ENDOFDATA   :\n")
    spec = read_spectrum(path)
    assert (spec.metadata["kV"], spec.metadata["live_time_s"]) == (45.0, 60.0)
    assert spec.metadata["real_time_s"] == 61.5
    assert spec.calibration.gain == pytest.approx(0.1)


# -- F12: float16 counts ---------------------------------------------------------------------------
def test_float16_counts_raise_no_overflow_warning(tmp_path):
    # Before: comparing a float16 maximum with 2**53 cast 2**53 to float16 ("overflow encountered
    # in cast"), a CubeReadError under -W error::RuntimeWarning.
    arr = np.random.default_rng(12).poisson(30, size=(6, 5, 256)).astype(np.float16)
    np.save(tmp_path / "half.npy", arr)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        cube = read_cube(tmp_path / "half.npy", auto_calibrate=False)
    np.testing.assert_array_equal(np.asarray(cube.data), arr)


# -- F13: a ripple header with a non-positive gain ------------------------------------------------
@pytest.mark.parametrize("gain", ["-0.01", "0"])
def test_ripple_non_positive_gain_is_dropped_not_refused(tmp_path, gain):
    # Before: "invalid energy calibration in header: calibration gain must be positive" refused
    # the file, while a gain of 100 keV/ch was only dropped with a warning.
    text = RPL.format(w=5, h=6, c=256, order="little-endian")
    (tmp_path / "g.rpl").write_text(
        text + f"depth-origin\t0\ndepth-scale\t{gain}\ndepth-units\tkeV\n"
    )
    np.ones((6, 5, 256), "<u2").tofile(tmp_path / "g.raw")
    with pytest.warns(UserWarning, match=r"g\.rpl: the header's energy gain .* not positive"):
        cube = read_cube(tmp_path / "g.rpl", auto_calibrate=False)
    assert cube.calibration.source == "none" and "not positive" in cube.metadata["calibration_note"]
