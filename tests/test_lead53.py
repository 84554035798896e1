"""Session 53, lead: what the readers' review (revI53) found."""

import pytest


def test_a_ripple_calibration_that_is_no_number_is_set_aside_and_the_scan_opens(tmp_path):
    """`depth-scale abc` refused the whole scan ("is not a finite number"), where a units key
    naming no energy unit (91b9730) and an HDF5, zarr or sidecar offset or gain that is no number
    are set aside and the scan opens uncalibrated."""
    from test_ripple53 import _read, _ripple

    for lines, key, word in (
        ("depth-scale\tabc\ndepth-units\tkeV\n", "depth-scale", "'abc'"),
        ("depth-origin\tnan\nDepth-Scale\t0.01\ndepth-units\tkeV\n", "depth-origin", "'nan'"),
    ):
        path = _ripple(tmp_path, lines)
        cube, told = _read(path)
        note = (
            f"calibration key '{key}' is not a finite number: {word}; "
            "the header's calibration set aside"
        )
        assert told == [f"{path}: {note}"]
        assert cube.shape == (3, 2, 64) and cube.calibration.source == "none"
        assert cube.metadata["calibration_note"] == f"{path}: {note}"


def test_a_zarr_store_declaring_more_than_it_holds_is_refused_without_zarr3s_local_store(
    tmp_path, monkeypatch
):
    """03fdaca counted a folder store's bytes through zarr.storage.LocalStore, which zarr 2
    (pyproject allows >= 2.16) lacks: the ImportError was taken for "a store that cannot tell",
    and a store declaring 400 x 400 x 256 that holds no chunk opened instead of being refused."""
    zarr = pytest.importorskip("zarr")
    from xrf_napari.io import CubeReadError, read_cube

    empty = tmp_path / "empty.zarr"
    zarr.open_array(str(empty), mode="w", shape=(400, 400, 256), chunks=(8, 8, 256), dtype="u2")
    monkeypatch.delattr(zarr.storage, "LocalStore")  # as under zarr 2
    with pytest.raises(CubeReadError, match="stores only"):
        read_cube(empty)
