"""Outputs audit 26, the reading side: files the project writes reopen (project HDF5 counts a reader
would refuse are refused when written, its energy says keV), embed's labels.h5 / latent.h5 open in
napari, and a save dialog's name without a suffix gets the chosen filter's."""

import numpy as np
import pytest


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


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
    from xrf_napari.widgets._dialogs import ask_save_path
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
    wait_idle(qtbot, spectrum.job)  # written in the dock's job (ed1c800)
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


@pytest.fixture(scope="module")
def embed_outputs(tmp_path_factory):
    """A real `xrf-napari embed` run on a 72 x 8 toy scan with tiny models: (scan, out folder).
    72 rows: the (72, 8, 3) latent then also looks like a channel-first cube of 72 channels."""
    pytest.importorskip("torch")
    from _cli_models import save_tiny_models, write_toy_scan

    from xrf_napari.cli.main import main

    d = tmp_path_factory.mktemp("embed26")
    scan = write_toy_scan(d / "scan.h5", 72, 8, 3)[0]
    save_tiny_models(d)
    args = ["embed", str(scan), "-o", str(d / "out"), "-k", "3", "--no-progress"]
    assert main([*args, "--weights", str(d / "dve.safetensors"), "--device", "cpu"]) == 0
    return scan, d / "out"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("labels.h5", ["region map", "xrf-napari embed", "3 regions of", "pigments", "--labels"]),
        ("latent.h5", ["latent image", "xrf-napari embed", "not a scan", "open the scan"]),
    ],
)
def test_read_cube_says_what_an_embed_output_is(embed_outputs, name, words):
    """Finding 5: read_cube said "no datacube found" of labels.h5 (and took a latent of 64 rows
    or more for a cube of 64+ channels); now it says what the file is and where it serves."""
    from xrf_napari.io import CubeReadError

    path = embed_outputs[1] / name
    with pytest.raises(CubeReadError) as err:
        read_cube(path)
    assert str(path) in str(err.value)
    for word in words:
        assert word in str(err.value)


def test_embed_outputs_open_in_napari(embed_outputs, make_napari_viewer):
    """Finding 5: napari claimed labels.h5 / latent.h5 by their suffix and then failed. Now the
    regions open as a Labels layer the Pigments dock takes for the scan, and the latent as the
    RGB image latent.png shows."""
    from _napari_helpers import open_cube
    from PIL import Image

    from xrf_napari.widgets.pigments import PigmentsWidget

    scan, out = embed_outputs
    viewer = make_napari_viewer()
    open_cube(viewer, scan)
    (labels,) = open_cube(viewer, out / "labels.h5")
    with h5py.File(out / "labels.h5", "r") as f:
        np.testing.assert_array_equal(labels.data, f["labels"][()])
    assert labels.__class__.__name__ == "Labels" and labels.name == "labels"
    assert labels.metadata["k"] == 3 and labels.metadata["source"] == str(scan)
    (latent,) = open_cube(viewer, out / "latent.h5")
    assert latent.__class__.__name__ == "Image" and latent.rgb and latent.name == "latent"
    np.testing.assert_array_equal(latent.data, np.asarray(Image.open(out / "latent.png")))
    pigments = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(pigments)
    assert pigments.labels_combo.current_layer() is labels
    assert pigments.labels_combo._fits(labels)  # of the scan's size: Fit takes it
