"""Readers' leftovers (session 45): HDF5 side datasets in external raw files, virtual datasets
reached through an external link, UTF-16 and empty-row CSV spectra, photograph TIFFs, and the
TIFF reader's opens of its file."""

import os

import h5py
import numpy as np
import pytest

from xrf_napari.fileutil import OutputError, check_outputs, input_files
from xrf_napari.io import CubeReadError, read_cube

CUBE = (np.arange(4 * 5 * 64) % 11).astype(np.uint16).reshape(4, 5, 64)
ENERGY = np.linspace(0.5, 20.0, 64)
LIVE = np.full((4, 5), 0.5)


def _external_side_scan(folder, cut_energy: int | None = None):
    """scan.h5 whose cube, energy vector and live times each lie in a raw file beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    CUBE.tofile(folder / "cube.raw")
    (folder / "energy.raw").write_bytes(ENERGY.tobytes()[:cut_energy])
    LIVE.tofile(folder / "live.raw")
    here = os.getcwd()
    os.chdir(folder)
    try:
        with h5py.File("scan.h5", "w") as f:
            for name, arr, raw in (
                ("data", CUBE, "cube.raw"),
                ("energy", ENERGY, "energy.raw"),
                ("live_time", LIVE, "live.raw"),
            ):
                f.create_dataset(
                    name, shape=arr.shape, dtype=arr.dtype, external=[(raw, 0, arr.nbytes)]
                )
    finally:
        os.chdir(here)
    return folder / "scan.h5"


def test_external_side_datasets_read_from_another_working_directory(tmp_path, monkeypatch):
    # Before: the cube's raw file was found beside the .h5, but the energy vector's and the live
    # times' were looked for in the working directory: 'could not be read as hdf5 (OSError: ...
    # unable to open external raw data file)'.
    path = _external_side_scan(tmp_path / "scans")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    cube = read_cube(path, auto_calibrate=False)
    assert cube.calibration.source == "file"
    np.testing.assert_allclose(cube.calibration.energy(64), ENERGY, rtol=1e-9)
    np.testing.assert_array_equal(np.asarray(cube.live_time), LIVE)
    np.testing.assert_array_equal(np.asarray(cube.data[...]), CUBE)


def test_a_truncated_external_energy_vector_is_named(tmp_path, monkeypatch):
    path = _external_side_scan(tmp_path / "scans", cut_energy=100)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CubeReadError, match=r"energy\.raw is truncated") as info:
        read_cube(path, auto_calibrate=False)
    assert "'/energy'" in str(info.value) and "has 100 bytes" in str(info.value)


def test_external_raw_files_are_inputs_never_overwritten(tmp_path):
    # Before: input_files(scan.h5) was [scan.h5]: an output saved as cube.raw destroyed the scan.
    path = _external_side_scan(tmp_path / "scans")
    found = set(input_files(path))
    assert {path.parent / n for n in ("cube.raw", "energy.raw", "live.raw")} <= found
    with pytest.raises(OutputError, match="cube.raw"):
        check_outputs(files=[path.parent / "cube.raw"], inputs=[path])
    check_outputs(files=[tmp_path / "out.png"], inputs=[path])  # others still pass


def _vds_behind_external_link(root, with_source=True):
    """main.h5 whose /entry/ext is an external link to sub/vds.h5:/raw/vds, a virtual dataset
    over sub/frames.h5:/d (named relatively: beside vds.h5, where HDF5 looks)."""
    sub = root / "sub"
    sub.mkdir(parents=True)
    if with_source:
        with h5py.File(sub / "frames.h5", "w") as f:
            f["d"] = CUBE
    layout = h5py.VirtualLayout(CUBE.shape, CUBE.dtype)
    layout[:] = h5py.VirtualSource("frames.h5", "d", CUBE.shape)
    with h5py.File(sub / "vds.h5", "w") as f:
        f.create_virtual_dataset("raw/vds", layout)
    with h5py.File(root / "main.h5", "w") as f:
        f["entry/ext"] = h5py.ExternalLink("sub/vds.h5", "/raw/vds")
    return root / "main.h5"


def test_a_virtual_dataset_behind_an_external_link_reads_its_source(tmp_path):
    # Before: its source was looked for beside main.h5, not beside vds.h5 (where HDF5 reads it),
    # and the valid file was refused: "dataset '/raw/vds' is virtual and its source file
    # frames.h5 is missing".
    path = _vds_behind_external_link(tmp_path)
    cube = read_cube(path, dataset="entry/ext", auto_calibrate=False)
    np.testing.assert_array_equal(np.asarray(cube.data[...]), CUBE)


def test_an_external_link_reads_the_linked_dataset_not_one_of_the_same_path(tmp_path):
    # Before: the reader re-opened the dataset by its path in the linked file (/raw/cube) in the
    # file opened, and showed main.h5's own /raw/cube (all ones) as the scan.
    (tmp_path / "sub").mkdir()
    with h5py.File(tmp_path / "sub" / "other.h5", "w") as f:
        f["raw/cube"] = CUBE
    with h5py.File(tmp_path / "main.h5", "w") as f:
        f["entry/ext"] = h5py.ExternalLink("sub/other.h5", "/raw/cube")
        f["raw/cube"] = np.ones_like(CUBE)
    cube = read_cube(tmp_path / "main.h5", dataset="entry/ext", auto_calibrate=False)
    np.testing.assert_array_equal(np.asarray(cube.data[...]), CUBE)


def test_a_missing_virtual_source_behind_a_link_names_both(tmp_path):
    # Before: "dataset '/raw/vds' is virtual and its source file frames.h5 is missing": neither
    # the path opened nor where the source was looked for.
    path = _vds_behind_external_link(tmp_path, with_source=False)
    with pytest.raises(CubeReadError) as info:
        read_cube(path, dataset="entry/ext", auto_calibrate=False)
    msg = str(info.value)
    assert "'entry/ext'" in msg and "'/raw/vds'" in msg and "vds.h5" in msg
    assert str(tmp_path / "sub" / "frames.h5") in msg


# -- text spectra -----------------------------------------------------------------------------
TABLE = "Energy\tCounts\r\n" + "".join(f"{0.01 * i:.2f}\t{i % 7}\r\n" for i in range(1, 80))


@pytest.mark.parametrize(
    "raw",
    [
        TABLE.encode("utf-16"),  # Excel's "Unicode Text": a BOM, then little-endian
        b"\xfe\xff" + TABLE.encode("utf-16-be"),
        TABLE.encode("utf-16-le"),  # no BOM: known by the NUL beside each character
    ],
    ids=["utf16-bom", "utf16-be-bom", "utf16-le-no-bom"],
)
def test_a_utf16_csv_spectrum_reads(tmp_path, raw):
    # Before: decoded as UTF-8, every character had a NUL beside it: 'a spectrum CSV needs one
    # column (counts) or two (energy, counts) on every line'.
    from xrf_napari.io import read_spectrum

    path = tmp_path / "spectrum.csv"
    path.write_bytes(raw)
    spec = read_spectrum(path)
    np.testing.assert_array_equal(spec.counts, [i % 7 for i in range(1, 80)])
    assert spec.calibration.gain == pytest.approx(0.01)


def test_a_utf16_spe_spectrum_reads(tmp_path):
    # Before: refused as 'not an ASCII SPE spectrum (no $DATA: section)' (the NUL bytes).
    from xrf_napari.io.spectra import read_spe

    path = tmp_path / "s.spe"
    path.write_bytes("$SPEC_ID:\r\nx\r\n$DATA:\r\n0 3\r\n4\r\n5\r\n6\r\n7\r\n".encode("utf-16"))
    np.testing.assert_array_equal(read_spe(path).counts, [4, 5, 6, 7])


@pytest.mark.parametrize("empty", ['""', '"",""', ",", ";"])
def test_a_quoted_empty_row_in_a_csv_is_an_empty_line(tmp_path, empty):
    # Before: '""' on its own line (a spreadsheet's empty row) was read as a row of no values,
    # and the file refused: 'needs one column (counts) or two (energy, counts) on every line'.
    from xrf_napari.io import read_spectrum

    path = tmp_path / "s.csv"
    path.write_text(f'energy,counts\n0.1,5\n{empty}\n"0.2","6"\n0.3,7\n', encoding="utf-8")
    spec = read_spectrum(path)
    np.testing.assert_array_equal(spec.counts, [5, 6, 7])
    assert spec.calibration.gain == pytest.approx(0.1)


# -- TIFF -------------------------------------------------------------------------------------
def _photos(folder):
    import tifffile

    rgb = (np.arange(20 * 30 * 3) % 251).astype(np.uint8).reshape(20, 30, 3)
    tifffile.imwrite(folder / "rgb.tif", rgb, photometric="rgb")
    rgba = np.dstack([rgb, rgb[..., :1]])
    tifffile.imwrite(folder / "rgba.tif", rgba, photometric="rgb", extrasamples=["unassalpha"])
    planar = np.moveaxis(rgb, 2, 0)
    tifffile.imwrite(folder / "planar.tif", planar, photometric="rgb", planarconfig="separate")
    return [folder / n for n in ("rgb.tif", "rgba.tif", "planar.tif")]


def test_a_photograph_tiff_is_left_to_napari_and_named_as_one(tmp_path):
    # Before: read_cube said 'the TIFF holds a 3-D image (20, 30, 3) (axes YXS), not a spectral
    # stack', and for one stored plane by plane 'the TIFF holds 3 images of 20 x 30 (uint8),
    # such as element maps'. napari's claim was already declined (napari's reader opens it).
    from xrf_napari._reader import napari_get_reader
    from xrf_napari.io import can_read

    for path in _photos(tmp_path):
        assert not can_read(path) and napari_get_reader(str(path)) is None
        with pytest.raises(CubeReadError, match="looks like a photograph") as info:
            read_cube(path)
        msg = str(info.value)
        assert path.name in msg and "20 x 30" in msg and "napari's own reader" in msg
        assert ("RGBA" if path.stem == "rgba" else "RGB colour image") in msg


@pytest.mark.parametrize("compression", [None, "zlib"])
def test_read_tiff_opens_its_file_once(tmp_path, monkeypatch, compression):
    # Before: seven opens (eight compressed): not_tiff, check_tiff_pages, tifffile, then
    # tiff_cube_layout's check_tiff_pages and tifffile, then tifffile.memmap's tifffile and
    # np.memmap. The cube read is the same (memmap, or compressed decoded: readers60).
    import builtins

    import tifffile

    from xrf_napari.io.arrays import read_tiff

    path = tmp_path / "stack.tif"
    tifffile.imwrite(path, np.moveaxis(CUBE, 2, 0), compression=compression)
    opened = []
    real_open = builtins.open

    def counting_open(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and os.fspath(file) == os.fspath(path):
            opened.append(file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting_open)
    cube = read_tiff(path)
    np.testing.assert_array_equal(np.asarray(cube.data[...]), CUBE)
    monkeypatch.undo()
    assert len(opened) == 1
    assert cube.metadata["tiff_access"] == ("memmap" if compression is None else "decoded")
