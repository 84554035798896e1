"""Outputs audit 26, the reading side: files the project writes reopen (project HDF5 counts a reader
would refuse are refused when written, its energy says keV), embed's labels.h5 / latent.h5 open in
napari, and a save dialog's name without a suffix gets the chosen filter's."""

import numpy as np
import pytest

h5py = pytest.importorskip("h5py")

from xrf_napari.energy import Calibration  # noqa: E402
from xrf_napari.io import read_cube  # noqa: E402
from xrf_napari.io.project_h5 import write_cube  # noqa: E402

CAL = Calibration(1.025, 0.05)


@pytest.mark.parametrize(
    ("counts", "words"),
    [
        (np.where(np.arange(4 * 4 * 64).reshape(4, 4, 64) == 5, np.nan, 1.0), "NaN or infinite"),
        (np.full((4, 4, 64), np.inf, np.float32), "NaN or infinite"),
        (np.ones((4, 4, 64), np.float32) - 2, "negative values"),
        (np.ones((4, 4, 64), np.int16) * -3, "negative values"),
        (np.full((4, 4, 64), "7"), "not integer or float counts"),
        (np.ones((4, 64)), "must be 3-D"),
    ],
)
def test_write_cube_refuses_counts_read_cube_refuses(tmp_path, counts, words):
    """Finding 13: counts with a NaN or a negative value were written without complaint, and the
    saved result then failed to reopen. Now they are refused in the reader's words, naming the
    file, before a temporary exists; an earlier file of that name is untouched."""
    target = tmp_path / "saved.h5"
    write_cube(target, np.ones((4, 4, 64), np.uint16), CAL)
    before = target.read_bytes()
    with pytest.raises(ValueError, match=words) as err:
        write_cube(target, counts, CAL)
    assert str(target) in str(err.value) and "not written" in str(err.value)
    assert [p.name for p in tmp_path.iterdir()] == ["saved.h5"]  # no temporary left
    assert target.read_bytes() == before
    read_cube(target)  # still the earlier, readable file


def test_project_h5_says_its_energy_is_in_kev(tmp_path):
    """Finding 12: /energy and the /counts calibration attributes had no unit (other tools had
    to guess); the project's reader and the generic HDF5 reader still agree on the calibration."""
    path = write_cube(tmp_path / "cube.h5", np.ones((3, 3, 128), np.uint16), CAL)
    with h5py.File(path, "r") as f:
        assert f["energy"].attrs["units"] == "keV"
        assert f["counts"].attrs["energy_units"] == "keV"
    for cube in (
        read_cube(path, auto_calibrate=False),
        read_cube(path, dataset="counts", auto_calibrate=False),
    ):
        assert (cube.calibration.offset, cube.calibration.gain) == pytest.approx((1.025, 0.05))


def test_a_name_typed_without_a_suffix_gets_the_chosen_filters(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Finding 14: Qt's save dialog returns a typed name bare; Spectrum › Export CSV wrote a
    suffix-less file napari did not reopen (Recolour refused it, Embed switched to .png). Every
    dock's dialog (ask_save_path) now adds the chosen filter's suffix, and asks before replacing a
    file of the completed name, which the dialog never named."""
    from _napari_helpers import open_cube, scripted_questions, wait_idle, write_painted_cube
    from qtpy.QtWidgets import QFileDialog, QMessageBox

    from xrf_napari._reader import napari_get_reader
    from xrf_napari.widgets._common import ask_save_path
    from xrf_napari.widgets.spectrum import SpectrumWidget

    def dialog_returns(typed, chosen):
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (typed, chosen))

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "scan.h5"))
    spectrum = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(spectrum)
    wait_idle(qtbot, spectrum.job)
    dialog_returns(str(tmp_path / "spectra"), "CSV (*.csv)")
    spectrum._export_clicked()
    assert not (tmp_path / "spectra").exists()
    assert napari_get_reader(str(tmp_path / "spectra.csv")) is not None  # reopens as a spectrum

    asked, answer = scripted_questions(monkeypatch)
    images = "PNG (*.png);;TIFF (*.tif *.tiff)"
    for typed, chosen, expected in (
        ("clusters", "TIFF (*.tif *.tiff)", "clusters.tif"),
        ("clusters", "", "clusters.png"),  # no filter reported: the first one
        ("clusters.tiff", "PNG (*.png)", "clusters.tiff"),  # a suffix typed is kept
    ):
        dialog_returns(str(tmp_path / typed), chosen)
        assert ask_save_path(None, "Save", images) == str(tmp_path / expected)
    dialog_returns("", "")  # cancelled
    assert ask_save_path(None, "Save", images) == ""
    assert not asked
    dialog_returns(str(tmp_path / "spectra"), "CSV (*.csv)")  # spectra.csv exists now
    answer(QMessageBox.No)
    assert ask_save_path(None, "Export", "CSV (*.csv)") == ""
    assert "spectra.csv" in asked[-1]
    answer(QMessageBox.Yes)
    assert ask_save_path(None, "Export", "CSV (*.csv)") == str(tmp_path / "spectra.csv")
