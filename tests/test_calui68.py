"""Session 68, helper calui68: calibrating a scan from two known peaks in napari (the Spectrum
dock's Calibrate from two peaks...), and the JSON sidecar that keeps it with the file. Every
refusal of the automatic calibration said "calibrate manually with two known peaks", and the
dock "No panel sets it": a conservator in napari had no way to."""

import json

import numpy as np
import pytest

pytest.importorskip("xraylib")


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _spectrum():
    """512 channels, peaks at channels 100 and 300 (Ca Ka and Pb La on a 34.3 eV/channel axis)."""
    ch = np.arange(512)
    return (
        5 + 400 * np.exp(-0.5 * ((ch - 100) / 3) ** 2) + 300 * np.exp(-0.5 * ((ch - 300) / 4) ** 2)
    )


def _scan(tmp_path, name="scan.npy"):
    """A 4 x 5 scan of _spectrum() in every pixel, without calibration."""
    path = tmp_path / name
    np.save(path, np.broadcast_to(_spectrum(), (4, 5, 512)).astype(np.float32))
    return path


def test_two_peaks_give_a_user_calibration_and_clear_refusals():
    """A line named as the markers name it (any case, Greek or Latin letter) or an energy in keV
    or eV; the calibration puts them at their channels; a pair no detector gives is refused
    saying why. Fails on the parent: io.user_calibration did not exist."""
    from xrf_napari.elements import element_line
    from xrf_napari.io.user_calibration import (
        calibration_from_peaks,
        peak_energy,
        strongest_peaks,
    )

    fe = element_line("Fe", "Ka").energy
    assert peak_energy("Fe Ka")[0] == peak_energy("fe k\u03b1")[0] == fe
    assert peak_energy("6.4")[0] == peak_energy("6400 eV")[0] == 6.4
    pb = element_line("Pb", "La").energy
    cal = calibration_from_peaks(100, peak_energy("Ca Ka")[0], 300, pb)
    assert cal.source == "user"
    assert cal.energy_at(300) == pytest.approx(pb)
    for args, words in [
        ((100, 3.69, 100, 10.55), "both peaks are at channel 100"),
        ((300, 3.69, 100, 10.55), "are the peaks swapped?"),
        ((100, 3.69, 101, 10.55), "no XRF detector has"),  # 6.86 keV a channel
        ((100, 6400.0, 300, 10.55), "write 6400 eV"),  # eV typed as keV
    ]:
        with pytest.raises(ValueError, match=words.replace("?", r"\?")):
            calibration_from_peaks(*args)
    assert strongest_peaks(20 * _spectrum()) == [100.0, 300.0]  # offered by the dialog
    for text, words in [
        ("Ca Ma", "Ca has no Ma line"),
        ("iron", "neither a line"),
        (" ", "^nothing is written for it"),
    ]:
        with pytest.raises(ValueError, match=words):
            peak_energy(text)


def test_the_sidecar_is_written_beside_the_scan_and_read_back(tmp_path):
    """write_sidecar writes the JSON the array readers read (the file opens calibrated, as the
    user calibrated it), never touching the scan; an existing sidecar is replaced only when
    told, its other keys (the tube) kept; a format whose calibration lives in the file is
    refused saying where it goes. Fails on the parent: no writer."""
    from xrf_napari.energy import Calibration
    from xrf_napari.io import read_cube
    from xrf_napari.io.user_calibration import SidecarExists, write_sidecar

    path = _scan(tmp_path)
    before = path.read_bytes()
    cal = Calibration(0.26, 0.0343, source="user")
    side = write_sidecar(path, cal, note="two peaks")
    assert side == tmp_path / "scan.json" and path.read_bytes() == before
    got = read_cube(path).calibration
    assert (got.offset, got.gain, got.source) == (
        pytest.approx(0.26),
        pytest.approx(0.0343),
        "file",
    )
    side.write_text(json.dumps({"offset": 0.0, "gain": 0.02, "anode": "Mo"}))
    with pytest.raises(SidecarExists, match="scan.json exists"):
        write_sidecar(path, cal)
    write_sidecar(path, cal, replace=True)
    kept = json.loads(side.read_text())
    assert kept["anode"] == "Mo" and kept["gain"] == pytest.approx(0.0343)
    with pytest.raises(ValueError, match="depth-origin"):
        write_sidecar(tmp_path / "scan.rpl", cal)
    for other in ("scan.h5", "spot.mca"):  # with a calibration inside, or without one
        with pytest.raises(ValueError, match="reads no sidecar: save the calibrated scan as an"):
            write_sidecar(tmp_path / other, cal)


def test_the_spectrum_dock_calibrates_a_scan_from_two_peaks(make_napari_viewer, qtbot, tmp_path):
    """An uncalibrated scan in napari: the Spectrum dock offers Calibrate from two peaks...,
    whose dialog lists the mean spectrum's peak channels; a wrong pair is said in the dialog,
    which stays open; two right peaks turn the stack's axis to keV, and the Elemental maps
    dock's Run, off for "no energy calibration", comes on; saved, the sidecar is beside the
    file. Fails on the parent: the dock had no such control ("No panel sets it")."""
    from _napari_helpers import add_cube
    from qtpy.QtWidgets import QLabel

    from xrf_napari.io import read_cube
    from xrf_napari.widgets._calibrate import TwoPeakDialog
    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    path = _scan(tmp_path)
    viewer = make_napari_viewer()
    add_cube(viewer, read_cube(path, auto_calibrate=False))
    spectrum, maps = SpectrumWidget(viewer), ElementMapsWidget(viewer)
    assert not spectrum.calibrate_button.isHidden()
    assert "Calibrate from two peaks" in spectrum.calibration_label.text()
    assert "no energy calibration" in maps.job.refusal
    qtbot.waitUntil(lambda: "mean" in spectrum.curves, timeout=10000)  # the survey's curve
    spectrum.calibrate_button.click()
    dialog = spectrum.findChild(TwoPeakDialog)
    assert "peaks at channels 100, 300" in dialog.findChild(QLabel).text()
    dialog.channels[0].setValue(300)
    dialog.lines[0].setText("Ca Ka")
    dialog.channels[1].setValue(100)
    dialog.lines[1].setText("Pb La")
    dialog.apply()  # swapped: said in the dialog, nothing changed
    assert "swapped" in dialog.error.text()
    assert spectrum.current_cube().calibration.source == "none"
    dialog.lines[1].setText("")  # a row left empty is named (it was "'' is neither a line ...")
    dialog.apply()
    assert dialog.error.text().startswith("Peak 2: nothing is written for it")
    dialog.lines[1].setText("Pb La")
    dialog.channels[0].setValue(100)
    dialog.channels[1].setValue(300)
    dialog.save_check.setChecked(True)
    dialog.apply()
    assert dialog.result() == TwoPeakDialog.Accepted
    cube = spectrum.current_cube()
    assert cube.calibration.source == "user"
    assert cube.calibration.energy_at(100) == pytest.approx(3.69, abs=0.01)
    stack = next(ly for ly in viewer.layers if ly.ndim == 3)
    assert stack.axis_labels[0] == "energy" and stack.metadata["xrf_cube"] is cube
    assert maps.current_cube() is cube and not maps.job.refusal
    assert "calibration: user" in spectrum.calibration_label.text()
    assert "from two peaks: channel 100 is Ca Ka" in spectrum.calibration_label.toolTip()
    dialog.apply()  # again, on the scan it was opened for, now replaced: said, not applied
    assert "press Calibrate from two peaks" in dialog.error.text()
    assert (tmp_path / "scan.json").is_file()
    dialog.close()
    dialog.deleteLater()
