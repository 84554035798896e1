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
