"""Session 44 reader leftovers (io44b): a ripple pair or an array's JSON sidecar reached through a
symbolic link to one file of it, spectrum CSVs with every value quoted (as spreadsheets export
them), and a .tif that is no TIFF told what it is."""

import csv
import os
import re

import h5py
import numpy as np
import pytest

from xrf_napari.energy import Calibration
from xrf_napari.io import CubeReadError, read_cube, read_spectrum, ripple

needs_symlinks = pytest.mark.skipif(
    not hasattr(os, "symlink") or os.name == "nt", reason="symbolic links"
)

CAL = Calibration(-0.5, 0.01, 0.0)


def _pair(folder, name="export"):
    """A calibrated ripple pair (4 x 5 pixels of 64 channels) in `folder`; its counts."""
    folder.mkdir(parents=True, exist_ok=True)
    counts = (np.arange(4 * 5 * 64) % 23).astype(np.uint16).reshape(4, 5, 64)
    return ripple.write(folder / f"{name}.rpl", counts, calibration=CAL), counts


def _open(path):
    return read_cube(path, auto_calibrate=False)


# -- 1. a pair reached through a link to one of its files -----------------------------------------
@needs_symlinks
@pytest.mark.parametrize("link_name", ["export.rpl", "mine.rpl"])
def test_a_linked_rpl_finds_its_raw_beside_the_linked_file(tmp_path, link_name):
    # Before: the .raw was looked for beside the link only: 'the data file export.raw is missing
    # beside the header', though the pair lay together in the folder the link points into.
    rpl, counts = _pair(tmp_path / "exports")
    link = tmp_path / "project" / link_name
    link.parent.mkdir()
    link.symlink_to(rpl)
    cube = _open(link)
    np.testing.assert_array_equal(np.asarray(cube.data), counts)
    assert cube.calibration.gain == pytest.approx(0.01)
    assert os.path.realpath(cube.metadata["data_file"]) == str(rpl.with_suffix(".raw"))


@needs_symlinks
def test_a_linked_raw_finds_its_rpl_beside_the_linked_file(tmp_path):
    # Before: 'no ripple header export.rpl beside this .raw file'.
    rpl, counts = _pair(tmp_path / "exports")
    link = tmp_path / "project" / "scan.raw"
    link.parent.mkdir()
    link.symlink_to(rpl.with_suffix(".raw"))
    np.testing.assert_array_equal(np.asarray(_open(link).data), counts)


@needs_symlinks
def test_a_raw_beside_the_link_comes_first(tmp_path):
    """Guard (passes before and after): a user who linked both files, or put another .raw beside
    the link, gets the one beside the link."""
    rpl, counts = _pair(tmp_path / "exports")
    _other, other_counts = _pair(tmp_path / "project", "spare")
    (tmp_path / "project" / "spare.rpl").unlink()
    link = tmp_path / "project" / "spare.rpl"
    link.symlink_to(rpl)
    cube = _open(link)
    np.testing.assert_array_equal(np.asarray(cube.data), other_counts)
    assert cube.metadata["data_file"] == str(tmp_path / "project" / "spare.raw")


@needs_symlinks
def test_a_missing_raw_of_a_linked_rpl_names_both_places(tmp_path):
    rpl, _ = _pair(tmp_path / "exports")
    rpl.with_suffix(".raw").unlink()
    link = tmp_path / "project" / "mine.rpl"
    link.parent.mkdir()
    link.symlink_to(rpl)
    with pytest.raises(CubeReadError) as info:
        _open(link)
    msg = str(info.value)
    assert "is missing" in msg
    assert str(tmp_path / "project" / "mine.raw") in msg
    assert str(rpl.with_suffix(".raw")) in msg
    # and an orphan .raw reached through a link names both places for its header
    _pair(tmp_path / "other")
    (tmp_path / "other" / "export.rpl").unlink()
    raw_link = tmp_path / "project" / "orphan.raw"
    raw_link.symlink_to(tmp_path / "other" / "export.raw")
    with pytest.raises(CubeReadError) as info:
        _open(raw_link)
    msg = str(info.value)
    assert "no ripple header" in msg
    assert str(tmp_path / "project" / "orphan.rpl") in msg
    assert str(tmp_path / "other" / "export.rpl") in msg


def test_a_missing_raw_without_a_link_keeps_its_message(tmp_path):
    """Guard (passes before and after): no link, one place, the message as it was."""
    rpl, _ = _pair(tmp_path)
    rpl.with_suffix(".raw").unlink()
    with pytest.raises(
        CubeReadError, match=r"the data file export\.raw is missing beside the header \(expected"
    ):
        _open(rpl)


@needs_symlinks
def test_a_linked_npy_finds_its_sidecar_beside_the_linked_file(tmp_path):
    # Before: the sidecar was looked for beside the link only: the scan opened uncalibrated.
    data = tmp_path / "data"
    data.mkdir()
    np.save(data / "scan.npy", (np.arange(4 * 5 * 64) % 9).astype(np.uint16).reshape(4, 5, 64))
    (data / "scan.json").write_text('{"offset": -0.5, "gain": 0.01}', encoding="utf-8")
    link = tmp_path / "view.npy"
    link.symlink_to(data / "scan.npy")
    cube = _open(link)
    assert cube.calibration.source == "file"
    assert cube.calibration.gain == pytest.approx(0.01)


@needs_symlinks
def test_a_linked_virtual_dataset_finds_its_source_beside_the_linked_file(tmp_path):
    # Before: check_dataset looked for the source of a virtual dataset beside the link only and
    # refused 'its source file src.h5 is missing (HDF5 would silently read zeros)', though HDF5
    # reads the source lying beside the linked file.
    data = tmp_path / "data"
    data.mkdir()
    counts = (np.arange(4 * 4 * 64) % 7 + 1).astype(np.uint16).reshape(4, 4, 64)
    with h5py.File(data / "src.h5", "w") as f:
        f["d"] = counts
    layout = h5py.VirtualLayout(counts.shape, counts.dtype)
    layout[:] = h5py.VirtualSource("src.h5", "d", counts.shape)
    with h5py.File(data / "scan.h5", "w") as f:
        f.create_virtual_dataset("counts", layout)
    link = tmp_path / "scan.h5"
    link.symlink_to(data / "scan.h5")
    with h5py.File(link, "r") as f:
        if not np.array_equal(f["counts"][0, 0], counts[0, 0]):
            pytest.skip("this HDF5 does not look beside a linked file's target")
    np.testing.assert_array_equal(np.asarray(_open(link).data), counts)


# -- 2. every value quoted ----------------------------------------------------------------------
def _all_quoted(path, rows, delimiter=","):
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=delimiter, quoting=csv.QUOTE_ALL).writerows(rows)
    return path


ENERGY = np.round(-0.5 + 0.01 * np.arange(200), 4)
COUNTS = np.arange(200) % 17


def test_a_csv_with_every_value_quoted_reads(tmp_path):
    # Before: each quoted line was taken for a header: 'a spectrum CSV needs one column (counts)
    # or two (energy, counts)'.
    rows = [("Energy (keV)", "Counts")] + [(f"{e:.2f}", str(c)) for e, c in zip(ENERGY, COUNTS)]
    path = _all_quoted(tmp_path / "quoted.csv", rows)
    assert path.read_text(encoding="utf-8").splitlines()[1] == '"-0.50","0"'
    spec = read_spectrum(path)
    np.testing.assert_array_equal(spec.counts, COUNTS)
    assert spec.calibration.gain == pytest.approx(0.01)
    assert "decimal_mark" not in spec.metadata
    # headerless, and one quoted column of counts
    headerless = _all_quoted(tmp_path / "bare.csv", rows[1:])
    np.testing.assert_array_equal(read_spectrum(headerless).counts, COUNTS)
    one = _all_quoted(tmp_path / "one.csv", [(str(c),) for c in COUNTS])
    np.testing.assert_array_equal(read_spectrum(one).counts, COUNTS)


def test_quoted_decimal_commas_read_as_decimals(tmp_path):
    # A European-locale spreadsheet quoting every value: ',' separated (the decimal commas are
    # why it quotes) and ';' separated.
    rows = [(f"{e:.2f}".replace(".", ","), str(c)) for e, c in zip(ENERGY, COUNTS)]
    for delimiter in (",", ";"):
        path = _all_quoted(
            tmp_path / f"eu{ord(delimiter)}.csv", [("Energy", "Counts")] + rows, delimiter
        )
        spec = read_spectrum(path)
        np.testing.assert_array_equal(spec.counts, COUNTS, err_msg=delimiter)
        assert spec.calibration.gain == pytest.approx(0.01), delimiter
        assert spec.calibration.offset == pytest.approx(-0.5), delimiter
        assert spec.metadata["decimal_mark"] == ","
    # one column of quoted decimal-comma counts, and quotes only where a comma is (csv's minimal
    # quoting): '"0,50",7'
    one = _all_quoted(tmp_path / "one.csv", [("12,5",), ("3,25",), ("0,5",), ("7",)])
    np.testing.assert_allclose(read_spectrum(one).counts, [12.5, 3.25, 0.5, 7])
    minimal = tmp_path / "minimal.csv"
    with open(minimal, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    assert minimal.read_text(encoding="utf-8").splitlines()[0] == '"-0,50",0'
    assert read_spectrum(minimal).calibration.gain == pytest.approx(0.01)


def test_quoted_numbers_that_read_two_ways_are_refused_saying_so(tmp_path):
    thousands = _all_quoted(
        tmp_path / "thousands.csv", [("1,500", "3"), ("2,000", "4"), ("2,500", "5")]
    )
    with pytest.raises(CubeReadError, match=r"quoted.*'1,500'.*1\.500.*1500.*save the file"):
        read_spectrum(thousands)
    formatted = _all_quoted(tmp_path / "formatted.csv", [("0.5", "1,234.5"), ("1.5", "12")])
    with pytest.raises(CubeReadError, match=r"quoted value '1,234\.5'.*plain numbers"):
        read_spectrum(formatted)


def test_unquoted_and_header_quoted_csvs_read_as_before(tmp_path):
    """Guard (passes before and after): a quoted header over plain values, a points table and a
    decimal-comma ';' table without quotes."""
    path = tmp_path / "plain.csv"
    path.write_text('"Energy";"Counts"\n0,010;12,0\n0,020;13,5\n0,030;9\n', encoding="utf-8")
    spec = read_spectrum(path)
    np.testing.assert_allclose(spec.counts, [12.0, 13.5, 9.0])
    assert spec.metadata["decimal_mark"] == ","
    points = tmp_path / "points.csv"
    points.write_text('"index","axis-0","axis-1"\n"0","1.5","2.5"\n', encoding="utf-8")
    with pytest.raises(CubeReadError, match=r"a napari points table .*napari's own reader"):
        read_spectrum(points)


# -- 3. a .tif that is no TIFF ------------------------------------------------------------------
def test_a_tif_that_is_no_tiff_is_told_what_it_is(tmp_path):
    # Before: 'not a TIFF file (no II/MM byte-order mark)' whatever the file was.
    with h5py.File(tmp_path / "scan.h5", "w") as f:
        f["counts"] = np.zeros((4, 4, 64), np.uint16)
    (tmp_path / "hdf5.tif").write_bytes((tmp_path / "scan.h5").read_bytes())
    np.save(tmp_path / "a.npy", np.zeros((4, 4, 64), np.uint16))
    (tmp_path / "npy.tif").write_bytes((tmp_path / "a.npy").read_bytes())
    (tmp_path / "text.tiff").write_text("energy,counts\n1,2\n", encoding="utf-8")
    (tmp_path / "junk.tif").write_bytes(b"\x00\x01\x02\x03\xff" * 40)
    expected = {
        "hdf5.tif": "not a TIFF file (it is an HDF5 file: rename it .h5)",
        "npy.tif": "not a TIFF file (it is a NumPy .npy array: rename it .npy)",
        "text.tiff": "not a TIFF file (it is a text file)",
        "junk.tif": "not a TIFF file (it does not start with a TIFF's II/MM byte-order mark)",
    }
    for name, words in expected.items():
        with pytest.raises(CubeReadError, match=re.escape(words)):
            _open(tmp_path / name)
