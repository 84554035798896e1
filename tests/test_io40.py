"""Session 40, readers: corrupt zarr chunk grids, TIFF stacks of element maps, HDF5 live times,
decimal-comma CSV spectra, and the wording of damaged HDF5 files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from xrf_napari.io import CubeReadError, read_cube, read_spectrum


# -- 1. zarr: a zero-length axis, a zero-length chunk ---------------------------------------------
def _zarr_meta(path, shape, chunks, fmt):
    path.mkdir()
    if fmt == 2:
        meta = {
            "zarr_format": 2,
            "shape": list(shape),
            "chunks": list(chunks),
            "dtype": "<u2",
            "compressor": None,
            "fill_value": 0,
            "filters": None,
            "order": "C",
        }
        (path / ".zarray").write_text(json.dumps(meta), encoding="utf-8")
    else:
        meta = {
            "zarr_format": 3,
            "node_type": "array",
            "shape": list(shape),
            "data_type": "uint16",
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": list(chunks)}},
            "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
            "fill_value": 0,
            "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}],
            "attributes": {},
        }
        (path / "zarr.json").write_text(json.dumps(meta), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", [2, 3])
@pytest.mark.parametrize("shape", [(0, 5, 100), (4, 4, 0)])
def test_a_zarr_array_with_an_empty_axis_is_refused_as_empty(tmp_path, fmt, shape):
    path = _zarr_meta(tmp_path / "e.zarr", shape, [max(1, s) for s in shape], fmt)
    with pytest.raises(CubeReadError, match=r"e\.zarr: .*has an empty axis"):
        read_cube(path, auto_calibrate=False)


@pytest.mark.parametrize("fmt", [2, 3])
@pytest.mark.parametrize("chunks", [(4, 4, 0), (0, 4, 100)])
def test_a_zarr_chunk_of_length_zero_is_refused_naming_the_metadata(tmp_path, fmt, chunks):
    """A store whose metadata declares a zero-length chunk over a non-empty axis opened, and its
    first read failed with 'could not be read as zarr (ZeroDivisionError: division by zero)'."""
    path = _zarr_meta(tmp_path / "z.zarr", (4, 4, 100), chunks, fmt)
    with pytest.raises(CubeReadError) as err:
        read_cube(path, auto_calibrate=False)
    msg = str(err.value)
    assert msg.startswith(str(path)) and "ZeroDivisionError" not in msg
    assert f"declares chunks {chunks}" in msg and "corrupt" in msg


def test_a_zarr_energy_vector_with_a_zero_chunk_is_refused_naming_it(tmp_path):
    import zarr

    g = zarr.open_group(tmp_path / "g.zarr", mode="w", zarr_format=2)
    g.create_array("counts", data=np.ones((4, 5, 100), np.uint16), chunks=(4, 5, 100))
    g.create_array("energy", data=np.linspace(0, 10, 100), chunks=(100,))
    zarray = tmp_path / "g.zarr" / "energy" / ".zarray"
    meta = json.loads(zarray.read_text(encoding="utf-8"))
    meta["chunks"] = [0]
    zarray.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(CubeReadError, match=r"zarr array 'energy' of shape \(100,\) declares"):
        read_cube(tmp_path / "g.zarr", auto_calibrate=False)


# -- 3. a TIFF stack of element maps --------------------------------------------------------------
MAPS = np.random.default_rng(40).random((20, 12, 15)).astype(np.float32) * 100


def _maps_tiff(path, how):
    import tifffile

    if how == "pages":  # one stack of 20 pages, as tifffile.imwrite(path, maps) writes it
        tifffile.imwrite(path, MAPS)
    elif how == "samples":  # one page of 20 samples per pixel
        tifffile.imwrite(
            path, np.moveaxis(MAPS, 0, -1), photometric="minisblack", planarconfig="contig"
        )
    else:  # 20 separate pages, written one map at a time
        with tifffile.TiffWriter(path) as tw:
            for m in MAPS:
                tw.write(m, contiguous=False)
    return path


@pytest.mark.parametrize("how", ["pages", "separate"])  # samples open as a cube (test_io41)
def test_a_tiff_of_element_maps_is_refused_as_an_image_stack(tmp_path, how):
    """20 element maps (PyMca's export) opened as a 12 x 15 cube of 20 'channels' with an
    automatic calibration that could only fail; maps written one page at a time were refused
    as 'a 2-D image (12, 15)'. Neither is a spectrum: refused, saying what the file holds, and
    left to napari's own TIFF reader (not claimed)."""
    from xrf_napari.io import can_read

    path = _maps_tiff(tmp_path / f"maps_{how}.tif", how)
    with pytest.raises(CubeReadError) as err:
        read_cube(path)
    msg = str(err.value)
    assert msg.startswith(str(path)) and "20" in msg and "12 x 15" in msg, msg
    assert "element maps" in msg and "at least 64" in msg, msg
    assert not can_read(path)


@pytest.mark.parametrize("pages", [64, 100])
def test_a_tiff_stack_of_64_pages_or_more_still_opens_as_a_cube(tmp_path, pages):
    import tifffile

    from xrf_napari.io import can_read

    stack = np.random.default_rng(pages).integers(0, 50, (pages, 6, 7)).astype(np.uint16)
    tifffile.imwrite(tmp_path / "s.tif", stack)
    cube = read_cube(tmp_path / "s.tif", auto_calibrate=False)
    assert cube.shape == (6, 7, pages) and can_read(tmp_path / "s.tif")
    np.testing.assert_array_equal(np.asarray(cube.data[2:3, 4:5]), stack[:, 2:3, 4:5].T)


def test_a_tifffile_hwc_cube_of_few_rows_still_opens_as_its_rows(tmp_path):
    """30 pages of 40 x 1024: the rows of a 30 x 40 x 1024 cube (tifffile's default order), not
    30 channels: the channel minimum is asked after that reading."""
    import tifffile

    from xrf_napari.io import can_read

    tifffile.imwrite(tmp_path / "rows.tif", np.zeros((30, 40, 1024), np.uint16))
    with pytest.warns(UserWarning, match="channel_axis"):
        assert read_cube(tmp_path / "rows.tif", auto_calibrate=False).shape == (30, 40, 1024)
    assert can_read(tmp_path / "rows.tif")


def test_a_sidecar_naming_the_channel_axis_still_opens_a_short_tiff_stack(tmp_path):
    """The user's word (a binned cube of 20 channels) is obeyed, as before."""
    path = _maps_tiff(tmp_path / "binned.tif", "pages")
    (tmp_path / "binned.json").write_text('{"channel_axis": "first"}', encoding="utf-8")
    assert read_cube(path, auto_calibrate=False).shape == (12, 15, 20)


# -- 4. HDF5 live times beside a cube --------------------------------------------------------------
def _h5_with_live(path, live, units=None, cube_shape=(6, 7, 128)):
    import h5py

    cube = np.random.default_rng(4).poisson(3, cube_shape).astype(np.uint16)
    with h5py.File(path, "w") as f:
        f["data"] = cube
        f["live_time"] = live
        if units is not None:
            f["live_time"].attrs["units"] = units
    return path


@pytest.mark.parametrize(
    ("bad", "said"), [(np.nan, "1 NaN or infinite"), (-0.5, "1 negative"), (0.0, "1 zero")]
)
@pytest.mark.parametrize("per_element", [False, True])
def test_a_live_time_with_nan_negative_or_zero_is_set_aside_with_a_warning(
    tmp_path, bad, said, per_element
):
    """Live times beside an HDF5 cube were kept whatever they held (NaN, -0.5 s, 0 s): in the
    cube's metadata and in a project save, for counts per second to come."""
    live = np.full((4, 6, 7) if per_element else (6, 7), 0.25)
    live[(0,) * live.ndim] = bad
    path = _h5_with_live(tmp_path / "lt.h5", live)
    with pytest.warns(UserWarning, match=rf"lt\.h5: live time '/live_time' holds {said}"):
        cube = read_cube(path, auto_calibrate=False)
    assert cube.live_time is None and cube.shape == (6, 7, 128)
    assert "set aside" in cube.metadata["live_time_note"]


def test_sound_live_times_are_kept_and_ms_are_converted_to_seconds(tmp_path):
    import warnings

    live = np.full((6, 7), 250.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cube = read_cube(_h5_with_live(tmp_path / "s.h5", live / 1000), auto_calibrate=False)
        assert np.allclose(np.asarray(cube.live_time), 0.25)
        assert "live_time_note" not in cube.metadata
        cube = read_cube(_h5_with_live(tmp_path / "ms.h5", live, "ms"), auto_calibrate=False)
    assert np.allclose(np.asarray(cube.live_time), 0.25)


def test_a_live_time_in_a_unit_of_no_time_is_set_aside(tmp_path):
    path = _h5_with_live(tmp_path / "u.h5", np.full((6, 7), 0.9), "counts")
    with pytest.warns(UserWarning, match="units 'counts', not a time"):
        assert read_cube(path, auto_calibrate=False).live_time is None


# -- 5. decimal commas in a one-column and a space-separated CSV spectrum --------------------------
VALUES = np.round(np.random.default_rng(5).random(300) * 100 + 1, 1)


def _dc(v) -> str:
    return f"{v:.1f}".replace(".", ",")


def _csv(tmp_path, name, lines, header=""):
    path = tmp_path / name
    path.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("whole", ["", "13"])  # Excel writes a whole value without ',0'
def test_a_one_column_csv_with_decimal_commas_reads_its_counts(tmp_path, whole):
    """'12,5' a line (a European-locale spreadsheet's single column) was split at its comma
    into energy, counts: refused as 'energy axis must be finite and strictly increasing', or,
    with whole values written '13', as 'needs one column or two'."""
    lines = [_dc(v) for v in VALUES]
    want = VALUES.copy()
    if whole:
        lines[1], want[1] = whole, float(whole)
    sp = read_spectrum(_csv(tmp_path, "one.csv", lines, "counts\n"))
    np.testing.assert_allclose(sp.counts, want)
    assert sp.calibration.source == "none" and sp.metadata["decimal_mark"] == ","


@pytest.mark.parametrize("header", ["", "energy counts\n"])
def test_a_space_separated_energy_counts_csv_with_decimal_commas_reads(tmp_path, header):
    """'0,010 12,5': split at every space and comma into four values, refused as 'needs one
    column or two'."""
    lines = [f"{0.01 * i + 0.5:.3f}".replace(".", ",") + f" {_dc(v)}" for i, v in enumerate(VALUES)]
    sp = read_spectrum(_csv(tmp_path, "sp.csv", lines, header))
    np.testing.assert_allclose(sp.counts, VALUES)
    assert sp.calibration.source == "file" and sp.calibration.gain == pytest.approx(0.01)
    assert sp.calibration.offset == pytest.approx(0.5)


def test_a_space_separated_csv_with_a_thousands_mark_is_refused_naming_the_line(tmp_path):
    lines = [f"{0.01 * i:.3f}".replace(".", ",") + " 12,5" for i in range(20)]
    lines[7] = "0,070 1.234,5"
    with pytest.raises(CubeReadError, match=r"t\.csv: .*spaces.*line 8 .*'1\.234,5'"):
        read_spectrum(_csv(tmp_path, "t.csv", lines))


def test_comma_tables_that_are_two_columns_stay_two_columns(tmp_path):
    """channel,counts and energy,counts of whole numbers ('0,12'): their first column rises at
    every line, so they are columns, not decimals; ', ' separated values too."""
    counts = (VALUES * 10).astype(int)
    sp = read_spectrum(_csv(tmp_path, "ch.csv", [f"{i},{c}" for i, c in enumerate(counts)]))
    np.testing.assert_array_equal(sp.counts, counts)
    sp = read_spectrum(
        _csv(tmp_path, "ev.csv", [f"{1000 + 10 * i},{c}" for i, c in enumerate(counts)])
    )
    np.testing.assert_array_equal(sp.counts, counts)
    assert sp.calibration.gain == pytest.approx(0.01) and "decimal_mark" not in sp.metadata
    sp = read_spectrum(
        _csv(tmp_path, "sp.csv", [f"{0.01 * i:.2f}, {c}" for i, c in enumerate(counts)])
    )
    np.testing.assert_array_equal(sp.counts, counts)


# -- 6. damaged HDF5 files: what is wrong, in a user's words ---------------------------------------
def _good_h5(path):
    import h5py

    cube = np.random.default_rng(6).poisson(5, (20, 30, 256)).astype(np.uint16)
    with h5py.File(path, "w") as f:
        f.create_dataset("data", data=cube, chunks=(4, 30, 256), compression="gzip")
    return path


def test_a_truncated_hdf5_says_it_is_truncated_and_by_how_much(tmp_path):
    """It read 'not a readable HDF5 file (Unable to synchronously open file (truncated file:
    eof = 45295, sblock->base_addr = 0, stored_eof = 90591))'."""
    raw = _good_h5(tmp_path / "good.h5").read_bytes()
    cut = tmp_path / "cut.h5"
    cut.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(CubeReadError) as err:
        read_cube(cut)
    msg = str(err.value)
    assert msg.startswith(str(cut)) and "sblock" not in msg, msg
    assert f"truncated: it has {len(raw) // 2} bytes of the {len(raw)}" in msg, msg


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (np.random.default_rng(1).bytes(5000), "match no format"),
        (b"energy,counts\n" * 40, "a text file"),
        (b"II*\x00" + bytes(600), "a TIFF image"),
    ],
)
def test_a_file_that_is_not_hdf5_says_so_and_what_it_looks_like(tmp_path, content, said):
    """It read 'not a readable HDF5 file (Unable to synchronously open file (file signature
    not found))'."""
    path = tmp_path / "x.h5"
    path.write_bytes(content)
    with pytest.raises(CubeReadError) as err:
        read_cube(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}: not an HDF5 file") and said in msg, msg
    assert "signature not found" not in msg


def test_a_damaged_hdf5_header_says_so(tmp_path):
    raw = bytearray(_good_h5(tmp_path / "good.h5").read_bytes())
    raw[8] = 77  # the superblock version
    path = tmp_path / "bad.h5"
    path.write_bytes(bytes(raw))
    with pytest.raises(CubeReadError, match=r"bad\.h5: a damaged HDF5 file: .*header"):
        read_cube(path)


def test_a_dataset_compressed_with_an_unavailable_filter_names_the_filter(tmp_path):
    """A Blosc-compressed cube (filter 32001, an HDF5 plugin) opened, and its first read failed
    with 'could not be read as hdf5 (OSError: Can't synchronously read data (can't open
    directory (/usr/local/lib/plugin)...))'. Made here by renumbering a gzip filter to 32001
    in the file's filter pipeline message (version 1: id, name length, flags, values, name)."""
    import h5py

    if h5py.h5z.filter_avail(32001):
        pytest.skip("a Blosc filter is installed here")
    raw = bytearray(_good_h5(tmp_path / "good.h5").read_bytes())
    at = raw.find(b"deflate\x00")
    assert at > 8 and raw[at - 8 : at - 6] == b"\x01\x00", "no v1 filter message found"
    raw[at - 8 : at - 6] = (32001).to_bytes(2, "little")
    path = tmp_path / "blosc.h5"
    path.write_bytes(bytes(raw))
    for dataset in (None, "data"):
        with pytest.raises(CubeReadError) as err:
            read_cube(path, dataset=dataset)
        msg = str(err.value)
        assert msg.startswith(str(path)) and "/usr/local" not in msg, msg
        assert "filter 32001 (Blosc)" in msg and "hdf5plugin" in msg, msg


def test_an_optional_filter_the_chunks_skipped_does_not_refuse_the_file(tmp_path):
    """An optional filter unavailable when the file was written leaves its chunks unfiltered
    (their filter mask says so): the file reads, as before."""
    import h5py
    from _io_helpers import optional_filter_h5

    if h5py.h5z.filter_avail(32004):
        pytest.skip("an LZ4 filter is installed here")
    cube = np.random.default_rng(7).poisson(5, (8, 9, 128)).astype(np.uint16)
    path = optional_filter_h5(tmp_path / "opt.h5", cube, 4)
    np.testing.assert_array_equal(np.asarray(read_cube(path, auto_calibrate=False).data[...]), cube)


# -- fuzz_readers --seed 401: a zarr.json shape of floats ---------------------------------------
@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (lambda m: m.update(shape=[1e12, 8, 10]), r"metadata zarr\.json is invalid: 'shape' is \["),
        (lambda m: m.pop("data_type"), "metadata zarr.json lacks the key 'data_type'"),
    ],
)
def test_invalid_zarr_metadata_is_named_without_a_python_exception(tmp_path, edit, said):
    """fuzz_readers (1500 cases, seed 401): 'unreadable zarr store (TypeError: Expected an
    iterable of integers. Got [1000000000000.0, 8, 10] instead.)', a bug's words."""
    import zarr

    path = tmp_path / "m.zarr"
    zarr.save(path, np.ones((8, 10, 128), np.uint16))
    meta = json.loads((path / "zarr.json").read_text(encoding="utf-8"))
    edit(meta)
    (path / "zarr.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(CubeReadError, match=rf"m\.zarr: unreadable zarr store: its {said}") as err:
        read_cube(path)
    assert "TypeError" not in str(err.value) and "KeyError" not in str(err.value)
