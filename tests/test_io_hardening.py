"""Bad files give a clear CubeReadError naming the file: special files, unbounded numbers, declared
shapes the file does not hold, corrupt stores, bad values found on the first full pass
(issue 16)."""

import json
import os
import signal
import zipfile

import h5py
import numpy as np
import pytest
from _io_helpers import fingerprint

from xrf_napari.energy import Calibration
from xrf_napari.io import CubeReadError, read_cube, read_spectrum
from xrf_napari.io.project_h5 import write_cube

RIPPLE = (
    "width\t{w}\nheight\t{h}\ndepth\t{d}\noffset\t0\ndata-length\t2\ndata-type\tunsigned\n"
    "byte-order\tlittle-endian\nrecord-by\tvector\n"
)


@pytest.fixture
def no_hang():
    """Fail (instead of blocking the suite) if a read blocks for more than 10 s."""

    def alarm(*_):
        raise TimeoutError("the read blocked")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def ripple(tmp_path, w="2", h="2", d="8", raw=True, name="s"):
    rpl = tmp_path / f"{name}.rpl"
    rpl.write_text(RIPPLE.format(w=w, h=h, d=d))
    if raw:
        rpl.with_suffix(".raw").write_bytes(np.ones((2, 2, 8), "<u2").tobytes())
    return rpl


# -- special files --------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".rpl", ".npy", ".npz", ".h5", ".tif", ".msa"])
def test_fifo_is_refused_without_opening(tmp_path, no_hang, suffix):
    fifo = tmp_path / f"pipe{suffix}"
    os.mkfifo(fifo)
    with pytest.raises(CubeReadError, match="FIFO"):
        read_cube(fifo)


def test_raw_that_is_a_fifo_and_header_linked_to_dev_zero(tmp_path, no_hang):
    rpl = ripple(tmp_path, raw=False)
    os.mkfifo(rpl.with_suffix(".raw"))
    with pytest.raises(CubeReadError, match="s.raw: is a FIFO"):
        read_cube(rpl)
    zero = tmp_path / "zero.rpl"
    zero.symlink_to("/dev/zero")
    with pytest.raises(CubeReadError, match="device"):
        read_cube(zero)


def test_symlink_loop_and_empty_files(tmp_path, no_hang):
    loop = tmp_path / "a.h5"
    loop.symlink_to(tmp_path / "b.h5")
    (tmp_path / "b.h5").symlink_to(loop)
    with pytest.raises(CubeReadError, match="a.h5"):
        read_cube(loop)
    for suffix in (".npy", ".npz", ".h5", ".rpl", ".msa"):
        empty = tmp_path / f"empty{suffix}"
        empty.write_bytes(b"")
        with pytest.raises(CubeReadError, match="empty"):
            read_cube(empty)


# -- parsed numbers -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "w, h, d, match",
    [
        ("0", "2", "8", "between 1"),
        ("inf", "2", "8", "integer"),
        ("2", "9" * 400, "8", "between 1"),  # an integer, too large (was "must be an integer")
        ("2", "2", "", "'depth'"),
        ("2", "nan", "8", "integer"),
        ("1e400", "2", "8", "integer"),
    ],
)
def test_ripple_dimensions_are_bounded(tmp_path, w, h, d, match):
    with pytest.raises(CubeReadError, match=match):
        read_cube(ripple(tmp_path, w, h, d))


def test_ripple_empty_values_and_bad_calibration(tmp_path):
    rpl = ripple(tmp_path)
    rpl.write_text(
        rpl.read_text().replace("byte-order\tlittle-endian", "byte-order") + "record-by\t\n"
    )
    assert read_cube(rpl, auto_calibrate=False).shape == (2, 2, 8)  # empty values fall to defaults
    rpl.write_text(rpl.read_text() + "depth-scale\tinf\n")
    with pytest.warns(UserWarning, match="'depth-scale' is not a finite number: 'inf'"):
        cube = read_cube(rpl, auto_calibrate=False)  # set aside, as every reader does (d4290e2)
    assert cube.shape == (2, 2, 8) and cube.calibration.source == "none"


@pytest.mark.parametrize("npoints", ["inf", "1e999", "9" * 40, "-3"])
def test_msa_npoints_is_bounded(tmp_path, npoints):
    p = tmp_path / "s.msa"
    p.write_text(
        f"#FORMAT : EMSA/MAS Spectral Data File\n#NPOINTS : {npoints}\n#DATATYPE : Y\n"
        "#XPERCHAN : 10\n#SPECTRUM :\n1, 2, 3, 4\n#ENDOFDATA :\n"
    )
    with pytest.raises(CubeReadError, match="NPOINTS"):
        read_spectrum(p)


def test_spx_huge_counts_and_entities(tmp_path):
    p = tmp_path / "s.spx"
    p.write_text("<TRTSpectrum><Channels>1," + "9" * 30 + ",3</Channels></TRTSpectrum>")
    with pytest.raises(CubeReadError, match="18 digits"):
        read_cube(p)
    p.write_text(
        '<!DOCTYPE x [<!ENTITY a "aaaa">]><TRTSpectrum><Channels>&a;</Channels></TRTSpectrum>'
    )
    with pytest.raises(CubeReadError, match="ENTITY"):
        read_spectrum(p)


@pytest.mark.parametrize("bad", [np.nan, 1.5])
def test_crono_float_indices(tmp_path, bad):
    p = tmp_path / "crono.h5"
    index = np.arange(4, dtype=np.float64).reshape(2, 2, 1)
    index[1, 1, 0] = bad
    with h5py.File(p, "w") as f:
        f["XRF/Spectra"] = np.ones((4, 128), np.uint16)
        f["XRF/SpectraSelectedIndex"] = index
    with pytest.raises(CubeReadError, match="non-integer"):
        read_cube(p)


# -- declared sizes vs what the file holds ---------------------------------------------------------
def test_unallocated_huge_hdf5_dataset_is_refused_fast(tmp_path, no_hang):
    p = tmp_path / "huge.h5"
    with h5py.File(p, "w") as f:
        f.create_dataset("data", shape=(100000, 100000, 4096), dtype="u2", chunks=(16, 16, 4096))
    assert p.stat().st_size < 10_000
    with pytest.raises(CubeReadError, match="declares"):
        read_cube(p)


def test_hdf5_virtual_dataset_with_missing_source(tmp_path):
    src = tmp_path / "src.h5"
    with h5py.File(src, "w") as f:
        f["d"] = np.ones((4, 4, 128), np.uint16)
    layout = h5py.VirtualLayout(shape=(4, 4, 128), dtype="u2")
    layout[:] = h5py.VirtualSource(str(src.name), "d", shape=(4, 4, 128))
    vds = tmp_path / "vds.h5"
    with h5py.File(vds, "w") as f:
        f.create_virtual_dataset("data", layout, fillvalue=0)
    cwd = os.getcwd()
    os.chdir(tmp_path)  # HDF5 resolves the relative source name from here too
    try:
        assert read_cube(vds, auto_calibrate=False).data[0, 0, 0] == 1
        src.unlink()
        with pytest.raises(CubeReadError, match="src.h5 is missing"):
            read_cube(vds)
    finally:
        os.chdir(cwd)


def test_zarr_declared_shape_and_huge_energy(tmp_path, no_hang):
    import zarr

    big = tmp_path / "big.zarr"
    zarr.create_array(
        store=str(big), shape=(100000, 100000, 4096), chunks=(64, 64, 4096), dtype="u2"
    )
    with pytest.raises(CubeReadError, match="declares"):
        read_cube(big)
    ok = tmp_path / "ok.zarr"
    g = zarr.open_group(str(ok), mode="w")
    g.create_array("counts", data=np.ones((4, 4, 128), np.uint16))
    e = g.create_array("energy", shape=(10**12,), chunks=(1000,), dtype="f8")
    e[:128] = np.linspace(1, 20, 128)
    cube = read_cube(ok, auto_calibrate=False)  # reads 128 energies, never the declared 1e12
    assert cube.calibration.gain == pytest.approx(19 / 127)


def test_npz_claiming_more_than_it_stores(tmp_path):
    p = tmp_path / "bomb.npz"
    header = {"descr": "<f8", "fortran_order": False, "shape": (1000, 1000, 600)}
    buf = np.lib.format.magic(1, 0)
    h = repr(header).encode()
    h += b" " * (63 - (len(buf) + 2 + len(h)) % 64) + b"\n"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("counts.npy", buf + len(h).to_bytes(2, "little") + h + b"\0" * 100)
    with pytest.raises(CubeReadError, match="bomb"):
        read_cube(p)


# -- types and values -----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["S4", "c8", "?"])
def test_project_layout_checks_counts_type(tmp_path, dtype):
    p = write_cube(tmp_path / "p.h5", np.ones((4, 4, 64), np.uint16), Calibration(0, 0.01))
    with h5py.File(p, "a") as f:
        attrs = dict(f["counts"].attrs)
        del f["counts"]
        d = f.create_dataset("counts", data=np.ones((4, 4, 64)).astype(dtype))
        d.attrs.update(attrs)
    with pytest.raises(CubeReadError, match="dtype"):
        read_cube(p)


def test_bad_values_beyond_the_sample_found_on_first_full_pass(tmp_path):
    arr = np.ones((64, 3, 16), np.float32)
    arr[37, 1, 5] = np.nan  # a row the opening sample does not read
    p = tmp_path / "nan.npy"
    np.save(p, arr)
    cube = read_cube(p, auto_calibrate=False)
    with pytest.raises(CubeReadError, match=r"nan.npy: counts contain NaN.*\(row 37;"):
        cube.sum_spectrum(block_bytes=3 * 16 * 4)
    arr[37, 1, 5] = -2
    np.save(p, arr)
    with pytest.raises(CubeReadError, match="negative"):
        read_cube(p, auto_calibrate=False).sum_image()


def test_corrupt_chunk_is_a_clear_error(tmp_path):
    p = write_cube(
        tmp_path / "c.h5",
        np.random.default_rng(0).integers(0, 50, (32, 32, 256)).astype(np.uint16),
        Calibration(0, 0.01),
    )
    with h5py.File(p, "r") as f:
        info = f["counts"].id.get_chunk_info(3)
    data = bytearray(p.read_bytes())
    data[info.byte_offset + 20 : info.byte_offset + 60] = b"\xff" * 40
    p.write_bytes(bytes(data))
    with pytest.raises(CubeReadError, match="c.h5"):
        cube = read_cube(p, auto_calibrate=False)
        cube.sum_spectrum()


@pytest.mark.parametrize("exc", [RuntimeError("blosc"), EOFError(), IndexError("x"), MemoryError()])
def test_any_reader_exception_becomes_cube_read_error(tmp_path, monkeypatch, exc):
    from xrf_napari.io import arrays

    p = tmp_path / "x.npy"
    np.save(p, np.ones((2, 2, 8), np.uint16))

    def broken(path, **_):
        raise exc

    monkeypatch.setattr(arrays, "read_npy", broken)
    with pytest.raises(CubeReadError, match="x.npy"):
        read_cube(p)


def test_inputs_are_not_modified(tmp_path):
    p = write_cube(tmp_path / "p.h5", np.ones((4, 4, 64), np.uint16), Calibration(0, 0.01))
    side = tmp_path / "a.npy"
    np.save(side, np.ones((3, 3, 32), np.float32))
    side.with_suffix(".json").write_text(json.dumps({"offset": 0, "gain": 0.01}))
    before = [fingerprint(x) for x in (p, side, side.with_suffix(".json"))]
    for x in (p, side):
        read_cube(x).sum_spectrum()
    assert [fingerprint(x) for x in (p, side, side.with_suffix(".json"))] == before


def test_tiff_page_chain_loop_is_refused_fast(tmp_path, no_hang):
    """A corrupt next-page offset pointing back made tifffile spin for minutes
    (found by fuzzing)."""
    import struct

    import tifffile

    p = tmp_path / "loop.tif"
    tifffile.imwrite(p, np.ones((70, 4, 4), np.uint16))
    data = bytearray(p.read_bytes())
    first = struct.unpack("<I", data[4:8])[0]
    offset = first
    while True:  # find the last page's next-offset field and point it at the first page
        count = struct.unpack("<H", data[offset : offset + 2])[0]
        at = offset + 2 + 12 * count
        nxt = struct.unpack("<I", data[at : at + 4])[0]
        if nxt == 0:
            data[at : at + 4] = struct.pack("<I", first)
            break
        offset = nxt
    p.write_bytes(bytes(data))
    with pytest.raises(CubeReadError, match="loop.tif: the TIFF's page chain loops back"):
        read_cube(p)
