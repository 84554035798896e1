import numpy as np
import pytest
from _io_helpers import fingerprint

from xrf_napari.io import CubeReadError, can_read, read_cube
from xrf_napari.io.ripple import parse_header


def write_ripple(
    tmp_path,
    arr,
    *,
    name="scan",
    record_by="vector",
    dtype=None,
    byte_order="little-endian",
    extra="",
    sep="\t",
    crlf=False,
    length_key="data-length",
    drop_raw_bytes=0,
):
    """A ripple pair from an (H, W, C) array, laid out as record_by says."""
    dtype = np.dtype(dtype or arr.dtype)
    kind = {"u": "unsigned", "i": "signed", "f": "float"}[dtype.kind]
    order = ">" if byte_order == "big-endian" else "<"
    data = arr if record_by != "image" else np.moveaxis(arr, -1, 0)
    raw = (
        np.ascontiguousarray(data)
        .astype(dtype.newbyteorder(order) if dtype.itemsize > 1 else dtype)
        .tobytes()
    )
    h, w, c = arr.shape
    lines = [
        "key\tvalue",
        f"width{sep}{w}",
        f"height{sep}{h}",
        f"depth{sep}{c}",
        f"offset{sep}0",
        f"{length_key}{sep}{dtype.itemsize}",
        f"data-type{sep}{kind}",
        f"byte-order{sep}{byte_order}",
        f"record-by{sep}{record_by}",
    ] + [ln for ln in extra.splitlines() if ln]
    nl = "\r\n" if crlf else "\n"
    (tmp_path / f"{name}.rpl").write_text(nl.join(lines) + nl, newline="")
    (tmp_path / f"{name}.raw").write_bytes(
        raw[: len(raw) - drop_raw_bytes] if drop_raw_bytes else raw
    )
    return tmp_path / f"{name}.rpl"


@pytest.fixture
def cube_u16():
    return np.random.default_rng(0).integers(0, 500, size=(5, 4, 64)).astype(np.uint16)


@pytest.mark.parametrize("dtype", ["u1", "u2", "u4", "i2", "i4", "f4", "f8"])
@pytest.mark.parametrize("byte_order", ["little-endian", "big-endian"])
def test_roundtrip_dtypes_and_byte_orders(tmp_path, dtype, byte_order):
    arr = np.random.default_rng(1).integers(0, 120, size=(3, 5, 16)).astype(dtype)
    rpl = write_ripple(
        tmp_path, arr, byte_order=byte_order if np.dtype(dtype).itemsize > 1 else "dont-care"
    )
    cube = read_cube(rpl, auto_calibrate=False)
    assert cube.shape == (3, 5, 16)
    assert (
        cube.dtype.kind == np.dtype(dtype).kind and cube.dtype.itemsize == np.dtype(dtype).itemsize
    )
    np.testing.assert_array_equal(np.asarray(cube.data), arr)
    assert isinstance(cube.data, np.memmap) and not cube.data.flags.writeable
    single = np.dtype(dtype).itemsize == 1
    assert cube.metadata["byte_order"] == ("not applicable" if single else byte_order)


def test_released_pages_read_back_the_file(tmp_path, cube_u16):
    """Opening and every pass hand the memory-mapped pages they read back to the OS
    (`release_mapped_pages`, to keep resident memory near one block); the values must not change:
    on a writable private mapping MADV_DONTNEED would have zeroed them."""
    from xrf_napari.cube import release_mapped_pages

    cube = read_cube(write_ripple(tmp_path, cube_u16), auto_calibrate=False)
    for _ in range(2):
        np.testing.assert_array_equal(np.asarray(cube.data), cube_u16)
        blocks = [block for _, block in cube.iter_blocks(block_bytes=1)]
        np.testing.assert_array_equal(np.concatenate(blocks), cube_u16)
        release_mapped_pages(cube.data)


def test_big_endian_counts_go_through_the_canonical_passes(tmp_path):
    """Embedding, recolouring, pigments and the OOD check re-bin through torch, which reads native
    byte order only: a big-endian .raw was opened and then refused by every one of them."""
    from xrf_napari.energy import Calibration

    arr = np.random.default_rng(4).poisson(3.0, size=(6, 5, 1024)).astype(np.uint16)
    cal = Calibration(0.0, 0.02)
    little = read_cube(write_ripple(tmp_path, arr, name="le"), calibration=cal)
    big = read_cube(
        write_ripple(tmp_path, arr, name="be", byte_order="big-endian"), calibration=cal
    )
    assert not big.dtype.isnative
    np.testing.assert_array_equal(big.to_canonical(), little.to_canonical())


def test_a_pass_keeps_the_changes_of_a_copy_on_write_map(tmp_path):
    """A script may wrap its own writable memory map (np.memmap mode "c": changes in memory only);
    releasing its pages after each block brought the file's values back mid-pass."""
    from xrf_napari.cube import cube_from_array

    path = tmp_path / "cube.bin"
    np.memmap(path, dtype=np.uint16, mode="w+", shape=(40, 30, 64))[:] = 1
    mm = np.memmap(path, dtype=np.uint16, mode="c", shape=(40, 30, 64))
    mm[:] = 7
    cube = cube_from_array(mm)
    np.testing.assert_array_equal(cube.sum_spectrum(block_bytes=30 * 64 * 4), 7 * 40 * 30)
    assert (np.asarray(mm) == 7).all()


def test_record_by_image_is_exposed_as_hwc(tmp_path, cube_u16):
    rpl = write_ripple(tmp_path, cube_u16, record_by="image")
    cube = read_cube(rpl, auto_calibrate=False)
    assert cube.shape == cube_u16.shape
    np.testing.assert_array_equal(cube.data[1:3], cube_u16[1:3])
    np.testing.assert_array_equal(cube.data[2, 1, 5:9], cube_u16[2, 1, 5:9])
    np.testing.assert_allclose(cube.sum_spectrum(), cube_u16.sum(axis=(0, 1)))


def test_record_by_dont_care_only_for_depth_one(tmp_path):
    arr = np.arange(12, dtype=np.uint8).reshape(3, 4, 1)
    cube = read_cube(write_ripple(tmp_path, arr, record_by="dont-care"), auto_calibrate=False)
    np.testing.assert_array_equal(np.asarray(cube.data), arr)
    arr2 = np.zeros((2, 2, 3), np.uint8)
    with pytest.raises(CubeReadError, match="dont-care"):
        read_cube(write_ripple(tmp_path, arr2, name="b", record_by="dont-care"))


@pytest.mark.parametrize(
    "extra, offset, gain",
    [
        ("depth-origin\t-0.95\ndepth-scale\t0.01\ndepth-units\tkeV", -0.95, 0.01),
        ("depth-origin\t-950\ndepth-scale\t10\ndepth-units\teV", -0.95, 0.01),
        # a unit-less offset shares the gain's unit (eV here), as rosettasciio reads ripple
        ("ev-per-chan\t20\ndepth-origin\t-30", -0.030, 0.02),  # issue 16: was read as -30 keV
        ("ev-per-chan\t20\ndepth-origin\t-0.5", -0.0005, 0.02),
        ("depth-scale\t0.01\ndepth-origin\t-0.95", -0.95, 0.01),  # keV gain, keV offset, no units
        ("depth-scale\t20\ndepth-origin\t-950", -0.95, 0.02),  # eV gain (>= 1), eV offset, no units
        ("ev-per-chan\t20\ndepth-origin\t-0.5\ndepth-units\tkeV", -0.5, 0.02),  # units key names it
        ("kev-per-chan\t0.02\nev-offset\t-40", -0.04, 0.02),  # each key its own unit
        (
            "depthscaleorigin      -0.956\ndepthscaleincrement    0.010002\ndepthscaleunits       "
            "keV",
            -0.956,
            0.010002,
        ),
        (
            "depthscaleorigin      -956\ndepthscaleincrement    10.002\ndepthscaleunits       eV",
            -0.956,
            0.010002,
        ),
        ("Depth-Scale   10\nDEPTH-ORIGIN  0", 0.0, 0.01),  # no units: 10 can only be eV/channel
    ],
)
def test_calibration_key_spellings(tmp_path, cube_u16, extra, offset, gain):
    cube = read_cube(write_ripple(tmp_path, cube_u16, extra=extra, sep="   "), auto_calibrate=False)
    assert cube.calibration.source == "file"
    assert cube.calibration.offset == pytest.approx(offset)
    assert cube.calibration.gain == pytest.approx(gain)
    assert cube.metadata["calibration_source"] == "file"


def test_crlf_spaces_and_key_case(tmp_path, cube_u16):
    rpl = write_ripple(tmp_path, cube_u16, sep="      ", crlf=True, length_key="data-Length")
    hdr = parse_header(rpl)
    assert (hdr.width, hdr.height, hdr.depth, hdr.dtype) == (4, 5, 64, np.dtype("<u2"))
    np.testing.assert_array_equal(np.asarray(read_cube(rpl, auto_calibrate=False).data), cube_u16)


def test_raw_given_instead_of_rpl(tmp_path, cube_u16):
    rpl = write_ripple(tmp_path, cube_u16)
    cube = read_cube(rpl.with_suffix(".raw"), auto_calibrate=False)
    assert cube.shape == cube_u16.shape and cube.path == rpl
    lonely = tmp_path / "lonely.raw"
    lonely.write_bytes(b"\0" * 10)
    assert can_read(lonely)  # claimed by suffix: napari shows the clear error below
    with pytest.raises(CubeReadError, match="lonely.rpl"):
        read_cube(lonely)


def test_truncated_raw_says_how_much_is_missing(tmp_path, cube_u16):
    rpl = write_ripple(tmp_path, cube_u16, drop_raw_bytes=100)
    with pytest.raises(CubeReadError) as err:
        read_cube(rpl)
    msg = str(err.value)
    assert "scan.raw" in msg and "truncated" in msg and "100 bytes missing" in msg


def test_header_size_mismatch_suggests_data_length(tmp_path):
    arr = np.zeros((2, 3, 8), np.uint16)
    rpl = write_ripple(tmp_path, arr)
    rpl.write_text(rpl.read_text().replace("data-length\t2", "data-length\t1"))
    with pytest.raises(CubeReadError, match="data-length 2 instead of 1"):
        read_cube(rpl)


def test_unknown_dtype_and_missing_key(tmp_path, cube_u16):
    rpl = write_ripple(tmp_path, cube_u16)
    rpl.write_text(rpl.read_text().replace("unsigned", "complex"))
    with pytest.raises(CubeReadError, match="unknown ripple data type"):
        read_cube(rpl)
    rpl.write_text("width\t4\nheight\t5\n")
    with pytest.raises(CubeReadError, match="'depth'"):
        read_cube(rpl)


def test_negative_and_nan_counts_are_refused(tmp_path):
    arr = np.ones((4, 4, 8), np.float32)
    arr[2, 1, 3] = np.nan
    with pytest.raises(CubeReadError, match="NaN"):
        read_cube(write_ripple(tmp_path, arr, name="nan"))
    arr = np.ones((4, 4, 8), np.int16)
    arr[3, 0, 0] = -5
    with pytest.raises(CubeReadError, match="negative"):
        read_cube(write_ripple(tmp_path, arr, name="neg"))
    # 1e308 is finite but overflowed every normalising sum: the embedding became NaN and
    # recolour failed with "latent image contains NaN" (found by benchmarks/fuzz_readers.py)
    arr = np.ones((4, 4, 8), np.float64)
    arr[1, 2, 5] = 1e308
    with pytest.raises(
        CubeReadError, match=r"counts reach 1e\+308 \(row 1; first at y=1, x=2, channel 5\)"
    ):
        read_cube(write_ripple(tmp_path, arr, name="huge"))


def test_input_files_unchanged(tmp_path, cube_u16):
    rpl = write_ripple(tmp_path, cube_u16)
    before = fingerprint(rpl), fingerprint(rpl.with_suffix(".raw"))
    cube = read_cube(rpl)
    cube.sum_spectrum(), cube.window_maps([(1, 2)])
    assert (fingerprint(rpl), fingerprint(rpl.with_suffix(".raw"))) == before


# -- real files ---------------------------------------------------------------------------------
def test_real_spacekeys_variant(real_data):
    path = real_data / "spacekeys_variant.rpl"
    before = fingerprint(path), fingerprint(path.with_suffix(".raw"))
    with pytest.warns(UserWarning, match="trailing bytes"):  # the real .raw has 180 bytes too many
        cube = read_cube(path)
    assert cube.shape == (3, 3, 6) and cube.dtype == np.dtype("<u2")
    assert cube.calibration.source == "file"
    assert cube.calibration.offset == pytest.approx(
        -0.956
    ) and cube.calibration.gain == pytest.approx(0.010002)
    raw = np.fromfile(path.with_suffix(".raw"), dtype="<u2", count=54).reshape(3, 3, 6)
    np.testing.assert_array_equal(np.asarray(cube.data), raw)
    assert (fingerprint(path), fingerprint(path.with_suffix(".raw"))) == before


def test_real_m6_header_parses_without_calibration(real_data):
    hdr = parse_header(real_data / "ng_m6_R117_header_only.rpl")
    assert (hdr.height, hdr.width, hdr.depth) == (302, 414, 4096)
    assert hdr.dtype == np.dtype("u1") and hdr.record_by == "vector"
    assert hdr.calibration is None
    assert hdr.data_bytes == 414 * 302 * 4096


def test_real_m6_missing_raw_is_a_clear_error(real_data):
    with pytest.raises(CubeReadError) as err:
        read_cube(real_data / "ng_m6_R117_header_only.rpl")
    assert "ng_m6_R117_header_only.raw is missing" in str(err.value)
    assert "512114688" in str(err.value)


def test_m6_shaped_raw_is_memmapped_and_uncalibrated(tmp_path, real_data):
    """The real header + a sparse .raw of the right size: opens lazily, no calibration in header."""
    import shutil

    rpl = tmp_path / "m6.rpl"
    shutil.copy(real_data / "ng_m6_R117_header_only.rpl", rpl)
    with open(tmp_path / "m6.raw", "wb") as fh:  # sparse file: no disk used
        fh.truncate(414 * 302 * 4096)
    cube = read_cube(rpl, auto_calibrate=False)
    assert cube.shape == (302, 414, 4096) and cube.dtype == np.uint8
    assert cube.calibration.source == "none" and isinstance(cube.data, np.memmap)


def test_trailing_bytes_are_ignored_with_a_warning(tmp_path, cube_u16):
    rpl = write_ripple(tmp_path, cube_u16)
    with open(rpl.with_suffix(".raw"), "ab") as fh:
        fh.write(b"\1\2\3")
    with pytest.warns(UserWarning, match="3 trailing bytes"):
        cube = read_cube(rpl, auto_calibrate=False)
    np.testing.assert_array_equal(np.asarray(cube.data), cube_u16)
    assert "trailing" in cube.metadata["raw_size_note"]
    # the command line says it in one line, without Python's echo of the warning's source line
    import subprocess
    import sys

    run = subprocess.run(
        [sys.executable, "-m", "xrf_napari.cli.main", "info", str(rpl), "--no-auto-calibration"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr.startswith("xrf-napari info: warning: ") and "3 trailing bytes" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_the_writer_takes_numpy_calibration_terms(tmp_path, cube_u16):
    """Calibrations parsed from coefficients hold NumPy floats, whose repr (np.float64(0.01))
    the writer used to put in the header, which its own reader then refused."""
    from xrf_napari.energy import Calibration
    from xrf_napari.io.ripple import write

    cal = Calibration(np.float64(-0.9555), np.float32(0.009999))
    rpl = write(tmp_path / "scan.rpl", cube_u16, cal)
    assert "np.float" not in rpl.read_text()
    read = read_cube(rpl, auto_calibrate=False).calibration
    assert (read.offset, read.gain) == pytest.approx((-0.9555, 0.009999))
