"""Session 53, readers: the contrast sample is kept only for the napari reader that uses it."""

import pytest

zarr = pytest.importorskip("zarr")


def test_read_cube_from_python_keeps_no_contrast_sample(tmp_path, monkeypatch):
    """A script's or the CLI's read_cube held the cube layer's contrast sample (up to 2 MiB) for
    the cube's life, though only napari's reader uses it."""
    from test_zarr52 import _counted_store

    from xrf_napari.io import read_cube

    path, _ = _counted_store(tmp_path, monkeypatch)
    assert read_cube(path, auto_calibrate=False).opening_sample is None
    kept = read_cube(path, auto_calibrate=False, keep_contrast_sample=True).opening_sample
    assert kept is not None and kept.shape[2] == 16


def test_opening_a_zarr_store_lists_none_of_its_chunks_for_the_storage_bound(tmp_path, monkeypatch):
    """zarr's nbytes_stored lists every chunk through its asynchronous store (a 200 x 200 store
    in (1, 1, 256) chunks: 3-7 s of its opening); the bound needs it only for a store declaring
    over STORAGE_CHECK_BYTES, and then only until enough bytes are found on disk."""
    from test_zarr52 import _counted_store

    from xrf_napari.io import CubeReadError, limits, read_cube

    calls, real = [], zarr.Array.nbytes_stored
    monkeypatch.setattr(zarr.Array, "nbytes_stored", lambda self: calls.append(1) or real(self))
    path, _ = _counted_store(tmp_path, monkeypatch)
    assert read_cube(path, auto_calibrate=False).shape == (96, 64, 16)
    assert calls == []  # 192 KiB declared: not judged
    monkeypatch.setattr(limits, "STORAGE_CHECK_BYTES", 0)  # judged as a large store is
    assert read_cube(path, auto_calibrate=False).shape == (96, 64, 16)
    empty = tmp_path / "empty.zarr"  # declared, never written: no chunk on disk
    zarr.open_array(str(empty), mode="w", shape=(400, 400, 256), chunks=(8, 8, 256), dtype="u2")
    with pytest.raises(CubeReadError, match="the store holds only"):
        read_cube(empty)
    assert calls == []


def test_a_zarr_store_holding_a_fifo_or_a_linked_folder_is_refused(tmp_path, monkeypatch):
    """A guard: check_tree takes the directory's word on each entry's type and stat()s only links
    and special files; a FIFO among the chunks, which would block the read, and a link to a
    folder are still refused, a linked chunk file is read."""
    import os

    from test_zarr52 import _counted_store

    from xrf_napari.io import CubeReadError, read_cube

    path, _ = _counted_store(tmp_path, monkeypatch, shape=(8, 8, 16), chunks=(4, 4, 16))
    chunk = path / "c" / "0" / "0" / "0"
    moved = tmp_path / "chunk"
    chunk.rename(moved)
    chunk.symlink_to(moved)
    assert read_cube(path, auto_calibrate=False).shape == (8, 8, 16)
    (path / "c" / "linked").symlink_to(tmp_path)
    with pytest.raises(CubeReadError, match="symbolic link to a directory"):
        read_cube(path)
    (path / "c" / "linked").unlink()
    os.mkfifo(path / "c" / "1" / "pipe")
    with pytest.raises(CubeReadError, match="FIFO"):
        read_cube(path)


def test_a_calibration_unit_neither_ev_nor_kev_is_told_in_one_wording(tmp_path):
    """Amptek's LABEL had its own words ("<<CALIBRATION>> points in 'channel', not eV or keV:
    ignored") and an SPE $MCA_CAL: unit named no place ("unknown energy units 'mm' (expected
    keV or eV)"): both say the word, where it stands, and what is set aside, as every reader."""
    import warnings

    from test_io52 import _amptek, _spe

    from xrf_napari.io import read_spectrum

    amptek = _amptek(tmp_path / "a.mca", "LABEL - Channel\n100 100\n300 300\n")
    spe = _spe(tmp_path / "s.spe", "$MCA_CAL:\n2\n-50 10 mm\n")
    for path, word, place, aside in (
        (amptek, "Channel", "<<CALIBRATION>> points", "its <<CALIBRATION>> points"),
        (spe, "mm", "$MCA_CAL: values", "its $MCA_CAL: line"),
    ):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert read_spectrum(path).calibration.source == "none"
        assert [str(w.message) for w in caught] == [
            f"{path}: unknown energy units {word!r} in {place} (expected eV or keV); "
            f"{aside} set aside"
        ]


def test_a_ripple_gain_not_positive_is_told_in_the_shared_words(tmp_path):
    """ripple._calibration worded a gain of 0 or less its own way ("'depth-scale' -0.01 is not
    positive: calibration ignored"); it says what io.calibration.not_positive says for
    attributes and coefficients, that the energy must rise with the channel."""
    import numpy as np
    from test_reader_audit24 import RPL

    from xrf_napari.io import read_cube

    text = RPL.format(w=2, h=3, c=64, order="little-endian")
    (tmp_path / "g.rpl").write_text(text + "depth-scale\t-0.01\ndepth-units\tkeV\n")
    np.ones((3, 2, 64), "<u2").tofile(tmp_path / "g.raw")
    with pytest.warns(UserWarning) as caught:
        cube = read_cube(tmp_path / "g.rpl", auto_calibrate=False)
    note = (
        "the header's energy gain key 'depth-scale': gain -0.01 is not positive: the energy "
        "must rise with the channel; calibration ignored"
    )
    assert [str(w.message) for w in caught] == [f"{tmp_path / 'g.rpl'}: {note}"]
    assert cube.metadata["calibration_note"] == f"{tmp_path / 'g.rpl'}: {note}"
