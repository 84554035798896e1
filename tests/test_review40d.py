"""Session 40 review (d): regressions found in today's commits, each test failing before its fix."""

from pathlib import Path

import numpy as np
import pytest

from xrf_napari.analysis.colour_prior import read_photo


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _rgb(h=24, w=18):
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_an_8_bit_colour_tiff_stored_as_grey_pages_reads_as_before(tmp_path):
    """tifffile writes an RGB array with photometric='minisblack' as one grey page a row (a
    'shaped' series of h pages of w x 3): read_photo read its series as the colour image until
    7cd6f8a sent every 8-bit TIFF to Pillow, which read the first page only and refused the photo
    as 'a grey image' of shape (w, 3). A TIFF whose first series spans pages stays tifffile's."""
    import tifffile

    rgb = _rgb()
    tifffile.imwrite(tmp_path / "rows.tif", rgb, photometric="minisblack")
    tifffile.imwrite(tmp_path / "plain.tif", rgb, photometric="rgb")
    got = read_photo(tmp_path / "rows.tif", rgb.shape[:2])
    np.testing.assert_array_equal(got, read_photo(tmp_path / "plain.tif", rgb.shape[:2]))
    np.testing.assert_allclose(got, rgb / 255.0, atol=1e-6)


def test_a_scan_in_a_read_only_folder_gets_its_name_suggested_elsewhere(tmp_path, monkeypatch):
    """465159b suggested '<scan>_recoloured.png' beside the scan even where that folder cannot be
    written (a read-only share): the dialog opened there and the save was refused after it. The
    named file is suggested in the current folder instead; a writable folder keeps it beside."""
    import os

    from xrf_napari.widgets._dialogs import suggested_path

    shared = tmp_path / "share"
    shared.mkdir()
    scan = shared / "NG6461.rpl"
    assert suggested_path(scan, "recoloured.png") == str(shared / "NG6461_recoloured.png")
    real = os.access
    monkeypatch.setattr(  # as root, a chmod would not make it read-only
        os, "access", lambda p, mode, **kw: False if Path(p) == shared else real(p, mode, **kw)
    )
    assert suggested_path(scan, "recoloured.png") == "NG6461_recoloured.png"


def test_the_writer_refuses_another_open_scans_file_by_any_path_and_only_it(
    make_napari_viewer, tmp_path, monkeypatch
):
    """04941ee's refusal (a save over the file of another open scan) compares files, not
    strings: a symlink to that file or a relative path naming it is refused too, and a save over
    an existing file that no open scan reads still replaces it (its test closed the scan first,
    so a refusal of every existing file would have passed it)."""
    import os

    from _napari_helpers import open_cube, painted_counts, write_painted_cube

    from xrf_napari._writer import CubeSaveError

    def save(layer, path):
        viewer.layers.selection = {layer}
        return viewer.layers.save(str(path), selected=True, plugin="xrf-napari")

    h5 = write_painted_cube(tmp_path / "painted.h5")
    np.save(tmp_path / "cube.npy", painted_counts(seed=1)[0])
    (tmp_path / "old.h5").write_bytes(b"an earlier save")
    os.symlink(h5, tmp_path / "link.h5")
    viewer = make_napari_viewer()
    open_cube(viewer, h5)
    cube = open_cube(viewer, tmp_path / "cube.npy")[0]
    monkeypatch.chdir(tmp_path)
    for same in (tmp_path / "link.h5", "painted.h5", tmp_path / "sub" / ".." / "painted.h5"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        with pytest.raises(CubeSaveError, match="is the file of the open scan 'painted'"):
            save(cube, same)
    assert save(cube, tmp_path / "old.h5") == [str(tmp_path / "old.h5")]
    assert (tmp_path / "old.h5").read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"


def test_a_broken_file_is_still_told_where_the_call_stack_cannot_be_read(tmp_path, monkeypatch):
    """3a7d974's check of napari's reader dialog reads the call stack (sys._getframe): where it
    cannot (an interpreter without it), the reader raised an AttributeError in place of the file's
    error and notified nothing. It must degrade to telling it (twice at worst), never to silence;
    and a function of that name in a module that is not napari's does not count."""
    import sys

    from xrf_napari import _reader
    from xrf_napari.io import CubeReadError

    told = []
    monkeypatch.setattr(_reader, "_notify", lambda message, level="error": told.append(message))
    bad = tmp_path / "broken.h5"
    bad.write_text("not an HDF5 file", encoding="utf-8")

    def open_with_dialog_choices():  # this module is "test_review40d", an "xrf_napari" alike
        return _reader.read_layers(str(bad))

    monkeypatch.setitem(open_with_dialog_choices.__globals__, "__name__", "xrf_napari.tests")
    with pytest.raises(CubeReadError):
        open_with_dialog_choices()
    assert len(told) == 1 and "broken.h5" in told[0]
    monkeypatch.delattr(sys, "_getframe")
    with pytest.raises(CubeReadError):
        _reader.read_layers(str(bad))
    assert len(told) == 2
