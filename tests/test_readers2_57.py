"""Readers and the Cube, session 57 (second pass): pixel reads checked as passes are, a values
error of a file rewritten in place says it changed, one notice for a file opened twice, "row 0"
for one row, and the docks refusing a scan at once after the channel slider's notice."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from test_readers57 import CUBE

from xrf_napari.errors import CubeReadError, FileWarning
from xrf_napari.io import read_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _file_warnings(do) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        do()
    return [str(w.message) for w in caught if issubclass(w.category, FileWarning)]


def test_a_pixel_read_tells_a_replaced_file_and_refuses_a_shrunk_one_in_words(tmp_path):
    """analysis.spectra.pixel_spectrum (the Spectrum dock's pixel curve) read cube.data[y, x]
    straight: an export over the open file was never told there, and a file cut short gave
    numpy's bare "mmap length is greater than file size"-like refusal, no file named."""
    from xrf_napari.analysis.spectra import pixel_spectrum

    path = tmp_path / "scan.npy"
    np.save(path, CUBE)
    cube = read_cube(path, auto_calibrate=False)
    np.save(tmp_path / "new.npy", CUBE * 0 + 9)
    os.replace(tmp_path / "new.npy", path)
    said = _file_warnings(lambda: pixel_spectrum(cube, 3, 5))
    assert len(said) == 1 and said[0].startswith(f"{path}: the file was replaced"), said
    np.testing.assert_array_equal(pixel_spectrum(cube, 3, 5), CUBE[3, 5])  # the scan opened

    cut = tmp_path / "cut.npy"
    np.save(cut, CUBE)
    cube = read_cube(cut, auto_calibrate=False)
    os.truncate(cut, 1000)
    with pytest.raises(CubeReadError) as err:
        _file_warnings(lambda: pixel_spectrum(cube, 15, 15))
    msg = str(err.value)
    assert msg.startswith(f"{cut}: reading row 15 failed") and "shrank" in msg, msg


def test_a_pixel_read_names_a_bad_value_and_its_pixel(tmp_path):
    """A NaN outside the opening sample's rows plotted as a broken curve under the mouse; a
    pixel read refuses it as a pass does, naming the pixel and channel."""
    from xrf_napari.analysis.spectra import pixel_spectrum

    path = tmp_path / "nan.npy"
    data = CUBE.astype(np.float32)
    data[7, 9, 30] = np.nan
    np.save(path, data)
    cube = read_cube(path, auto_calibrate=False, check_counts=False)
    with pytest.raises(CubeReadError, match=r"NaN .*row 7; first at y=7, x=9, channel 30"):
        pixel_spectrum(cube, 7, 9)
    assert pixel_spectrum(cube, 7, 8).shape == (256,)


def test_bad_values_of_a_file_rewritten_in_place_say_the_file_changed(tmp_path):
    """read_rows used up the change notice on any CubeReadError: a file written over in place
    whose new bytes hold NaN gave a values error and no word that it was rewritten."""
    path = tmp_path / "scan.npy"
    np.save(path, CUBE.astype(np.float32))
    cube = read_cube(path, auto_calibrate=False)
    bad = CUBE.astype(np.float32)
    bad[2, 4, 8] = np.nan
    np.save(tmp_path / "bad.npy", bad)
    with open(path, "r+b") as fh:  # in place: the map sees the new bytes
        fh.write((tmp_path / "bad.npy").read_bytes())
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    caught = []

    def read():
        with pytest.raises(CubeReadError, match="NaN"):
            cube.read_rows(slice(0, 4))
        caught.append(True)

    said = _file_warnings(read)
    assert caught and len(said) == 1, said
    assert said[0].startswith(f"{path}: the file was modified"), said


def test_a_file_opened_twice_is_told_replaced_once(tmp_path):
    """Two layers of one file (two Cubes, two stamps) gave two warnings of one export over it."""
    path = tmp_path / "scan.npy"
    np.save(path, CUBE)
    cubes = [read_cube(path, auto_calibrate=False) for _ in range(2)]
    np.save(tmp_path / "new.npy", CUBE * 0 + 9)
    os.replace(tmp_path / "new.npy", path)
    said = _file_warnings(lambda: [c.read_rows(slice(0, 2)) for c in cubes])
    assert len(said) == 1 and "was replaced" in said[0], said
    # the file opened again now is another file: its own replacement is told
    again = read_cube(path, auto_calibrate=False)
    os.replace(path, tmp_path / "moved.npy")
    assert "is gone" in " ".join(_file_warnings(lambda: again.read_rows(slice(0, 1))))


def test_a_one_row_read_is_named_row_not_rows_0_0(tmp_path):
    """errors._rows_text wrote "reading rows 0-0 failed" for a one-row read."""
    from xrf_napari.errors import read_error

    path = tmp_path / "x.npy"
    one = read_error(ValueError("boom"), None, (slice(0, 1), slice(None)), path)
    assert "reading row 0 failed (ValueError: boom)" in str(one), one
    more = read_error(ValueError("boom"), None, (slice(8, 12), slice(None)), path)
    assert "reading rows 8-11 failed" in str(more), more


def test_the_docks_refuse_at_once_after_the_sliders_notice_on_a_calibrated_scan(
    make_napari_viewer, tmp_path, qtbot
):
    """A calibrated scan cut short while open, the channel slider stepped onto channels not
    read: its one notice marked the scan failed, but Elemental maps kept Run on until clicked
    (the click then refused). Run goes off at once, the line saying why, as for a failed pass;
    the Spectrum dock, which had surveyed it, is not said "Not surveyed"."""
    pytest.importorskip("napari")
    from _napari_helpers import caught_notifications, open_cube
    from test_readers57 import _calibrated_npy

    from xrf_napari.io import read_failed
    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    path = _calibrated_npy(tmp_path)
    viewer = make_napari_viewer()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        open_cube(viewer, path)
    maps, spectrum = ElementMapsWidget(viewer), SpectrumWidget(viewer)
    viewer.window.add_dock_widget(maps)
    viewer.window.add_dock_widget(spectrum)
    cube = maps.current_cube()
    qtbot.waitUntil(
        lambda: maps.job.run_button.isEnabled() and not maps.job.is_running, timeout=9000
    )
    stack = viewer.layers["scan"]
    os.truncate(path, 1000)
    with caught_notifications():
        assert not np.asarray(stack.data[200]).any()  # the slider's chunk: zeros, told once
    assert read_failed(cube)
    qtbot.waitUntil(lambda: not maps.job.run_button.isEnabled(), timeout=5000)
    line = maps.job.status.text()
    assert line == maps.scan_refusal(cube) and "reading the file failed" in line, line
    # the Spectrum dock surveyed the scan before: it does not say "Not surveyed"
    assert spectrum.job.status.text().startswith("Scan surveyed"), spectrum.job.status.text()
