"""Session 54, readers: a calibration set aside is told in one wording, its unit word as the file
writes it, in every format; a ripple header shown as the file's; one storage bound."""

import json
import warnings

import numpy as np
import pytest
from test_io52 import _amptek, _spe
from test_ripple53 import _ripple

from xrf_napari.io import read_cube, read_spectrum


def _told(read, path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = read(path)
    return out, [str(w.message) for w in caught]


def _cube(path):
    return read_cube(path, auto_calibrate=False)


def _h5(tmp_path, word):
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "a.h5"
    with h5py.File(path, "w") as f:
        d = f.create_dataset("data", data=np.ones((3, 2, 64), "u2"))
        d.attrs.update({"offset": 0.0, "gain": 10.0, "energy_units": word})
    return path, "'energy_units'", "offset/gain attributes of '/data' set aside"


def _zarr(tmp_path, word):
    zarr = pytest.importorskip("zarr")
    path = tmp_path / "a.zarr"
    arr = zarr.open_array(str(path), mode="w", shape=(3, 2, 64), chunks=(3, 2, 64), dtype="u2")
    arr[:] = 1
    arr.attrs.update({"offset": 0.0, "gain": 10.0, "energy_units": word})
    return path, "'energy_units'", "offset/gain attributes of zarr array '/' set aside"


def _sidecar(tmp_path, word):
    path = tmp_path / "a.npy"
    np.save(path, np.ones((3, 2, 64), "u2"))
    side = {"offset": 0.0, "gain": 10.0, "energy_units": word}
    (tmp_path / "a.json").write_text(json.dumps(side), encoding="utf-8")
    return tmp_path / "a.json", "'energy_units'", "the sidecar's calibration set aside"


def _rpl(tmp_path, word):
    path = _ripple(tmp_path, f"depth-origin\t0\ndepth-scale\t10\ndepth-units\t{word}\n")
    return path, "'depth-units'", "the header's calibration set aside"


def _mca_cal(tmp_path, word):
    path = _spe(tmp_path / "s.spe", f"$MCA_CAL:\n2\n0 10 {word}\n")
    return path, "$MCA_CAL: values", "its $MCA_CAL: line set aside"


def _label(tmp_path, word):
    path = _amptek(tmp_path / "a.mca", f"LABEL - {word}\n100 1000\n300 3000\n")
    return path, "<<CALIBRATION>> points", "its <<CALIBRATION>> points set aside"


FORMATS = {
    "hdf5": (_h5, _cube),
    "zarr": (_zarr, _cube),
    "sidecar": (_sidecar, _cube),
    "ripple": (_rpl, _cube),
    "spe": (_mca_cal, read_spectrum),
    "amptek": (_label, read_spectrum),
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_unit_word_is_read_in_any_case_and_told_as_the_file_writes_it(tmp_path, fmt):
    """HDF5, zarr and sidecar calibrations lower-cased an unknown unit word before naming it
    ("unknown energy units 'kv'" for a file writing 'KV'), where a ripple header, an SPE
    $MCA_CAL: line and an Amptek LABEL named it as written: every format names it as written,
    and reads 'EV' and 'KeV' as eV and keV."""
    make, read = FORMATS[fmt]
    for word, gain in (("EV", 0.01), ("eV", 0.01), ("KeV", 10.0)):
        (tmp_path / word).mkdir()
        where = make(tmp_path / word, word)[0]
        path = where.with_suffix(".npy") if fmt == "sidecar" else where
        out, told = _told(read, path)
        if gain < 1:  # 10 keV/channel is implausible: dropped by read_cube, so not compared
            assert out.calibration.source == "file" and out.calibration.gain == pytest.approx(gain)
            assert told == []
    (tmp_path / "u").mkdir()
    where, place, aside = make(tmp_path / "u", "KV")
    path = where.with_suffix(".npy") if fmt == "sidecar" else where
    out, told = _told(read, path)
    assert out.calibration.source == "none"
    assert told == [f"{where}: unknown energy units 'KV' in {place} (expected eV or keV); {aside}"]


@pytest.mark.parametrize("points", ["", "100 1000\n"])
def test_an_amptek_label_naming_no_energy_is_told_with_too_few_points(tmp_path, points):
    """A LABEL neither eV nor keV was told only where the block held two points or more; with
    fewer the spectrum opened uncalibrated without a word. It is told in the same words."""
    path = _amptek(tmp_path / "a.mca", f"LABEL - Channel\n{points}")
    spectrum, told = _told(read_spectrum, path)
    assert spectrum.calibration.source == "none"
    assert told == [
        f"{path}: unknown energy units 'Channel' in <<CALIBRATION>> points (expected eV or keV); "
        "its <<CALIBRATION>> points set aside"
    ]
    keV = _amptek(tmp_path / "b.mca", f"LABEL - keV\n{points}")  # an energy unit: told too
    told = _told(read_spectrum, keV)[1]  # (test_revI54: its points are too few)
    assert len(told) == 1 and "a calibration needs points at 2 channels or more" in told[0]


@pytest.mark.parametrize(
    "lines, note",
    [
        (
            "depth-scale\t0.01\ndepth-units\tmm\n",
            "unknown energy units 'mm' in 'depth-units' (expected eV or keV); the header's "
            "calibration set aside",
        ),
        (
            "depth-scale\tnan\n",
            "calibration key 'depth-scale' is not a finite number: 'nan'; the header's "
            "calibration set aside",
        ),
        (
            "depth-scale\t-0.01\ndepth-units\tkeV\n",
            "the header's energy gain key 'depth-scale': gain -0.01 is not positive: the energy "
            "must rise with the channel; calibration ignored",
        ),
    ],
)
def test_a_ripple_header_is_shown_as_the_file_writes_it(tmp_path, lines, note):
    """metadata["header"] carried the reader's internal '_calibration_note' beside the file's
    keys, a key no header holds; the note stays in metadata["calibration_note"], as every
    reader keeps it, and the warning says the same."""
    path = _ripple(tmp_path, lines)
    cube, told = _told(_cube, path)
    written = [ln.split("\t")[0] for ln in path.read_text(encoding="utf-8").splitlines()]
    assert list(cube.metadata["header"]) == written
    assert cube.metadata["calibration_note"] == f"{path}: {note}"
    assert told == [f"{path}: {note}"]


def test_a_small_zarr_store_is_judged_by_the_one_storage_bound(tmp_path, monkeypatch):
    """The zarr reader kept its own copy of limits.STORAGE_CHECK_BYTES, so the bound it applied
    was not the one require_stored judges by: with the bound lowered in limits, a store declaring
    800 KiB over no chunk at all still opened, as zeros. One bound now: it is refused."""
    zarr = pytest.importorskip("zarr")
    from xrf_napari.io import CubeReadError, limits

    empty = tmp_path / "empty.zarr"  # declared, never written
    zarr.open_array(str(empty), mode="w", shape=(40, 40, 256), chunks=(8, 8, 256), dtype="u2")
    assert _cube(empty).shape == (40, 40, 256)  # under the bound: not judged
    monkeypatch.setattr(limits, "STORAGE_CHECK_BYTES", 0)
    with pytest.raises(
        CubeReadError, match=r"declares 0\.000763 GiB but the store holds only \d+ bytes"
    ):
        _cube(empty)


def test_a_ripple_byte_order_note_is_kept_beside_the_header(tmp_path):
    """'byte-order dont-care' over 2-byte data put the reader's '_byte_order_note' among the
    header's keys in metadata["header"]; it is metadata["byte_order_note"], as raw_size_note."""
    from test_reader_audit24 import RPL

    path = tmp_path / "be.rpl"
    path.write_text(RPL.format(w=2, h=3, c=64, order="dont-care"), encoding="utf-8")
    np.ones((3, 2, 64), ">u2").tofile(tmp_path / "be.raw")
    cube, told = _told(_cube, path)
    assert "_byte_order_note" not in cube.metadata["header"]
    assert list(cube.metadata["header"])[-1] == "record-by"
    assert cube.metadata["byte_order_note"].startswith("byte-order dont-care with multi-byte")
    assert "look big-endian" in cube.metadata["byte_order_note"]
    assert told == [f"{tmp_path / 'be.raw'}: {cube.metadata['byte_order_note']}"]


def test_a_sidecar_calibration_without_a_unit_is_told_once(tmp_path):
    """An array's sidecar was read twice a scan (its calibration by _cube, its channel_axis by
    channel_order through read_sidecar), so a calibration naming no unit was warned twice."""
    path = tmp_path / "a.npy"
    np.save(path, np.ones((3, 2, 64), "u2"))
    side = tmp_path / "a.json"
    side.write_text(json.dumps({"offset": -50, "gain": 10}), encoding="utf-8")
    cube, told = _told(_cube, path)
    assert cube.calibration.gain == pytest.approx(0.01)
    assert len(told) == 1 and told[0].startswith(f"{side}: its offset/gain name no energy unit")
