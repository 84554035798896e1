"""Session 68, reviewer revK68 of Calibrate from two peaks... (the Spectrum dock, helper calui68):
what a conservator recalibrating a scan met that the feature's own tests did not try."""

import pytest
from _napari_helpers import (
    calibration_refused_while_a_job_runs,
    open_cube,
    write_painted_cube,
)

pytest.importorskip("xraylib")


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_a_panels_job_on_the_scan_is_not_stopped_by_calibrating_it(
    make_napari_viewer, qtbot, tmp_path
):
    """Make maps, Find pigments or an embedding running on a scan when its two peaks were
    applied was stopped, "Stopped: the scan a.h5 was closed.", its work lost, the scan still
    open. Now the calibration is refused, in the dialog's words, while the job runs, and taken
    once it ended. Fails on the parent: the job was stopped and the scan recalibrated."""
    from xrf_napari.widgets.embed import EmbedClusterWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    spectrum, embed = SpectrumWidget(viewer), EmbedClusterWidget(viewer)
    cube = calibration_refused_while_a_job_runs(qtbot, viewer, spectrum, embed)
    assert "calibrated from two peaks" in spectrum.calibrate_from_peaks(
        100, "Ca Ka", 300, "Pb La", cube=cube
    )
    assert embed.current_cube().calibration.source == "user"


def test_a_line_or_energy_is_read_as_other_programs_and_keyboards_write_it():
    """A conservator copying a peak's name from a spectroscopy table or another program typed
    "Fe K-alpha", "Fe Kalpha", "Fe Ka1", "Pb La1", "Mn Kß" (a German keyboard's beta), or an
    energy with a decimal comma, "6,40": each was refused as "neither a line nor an energy".
    Now each reads as the family ("Fe Ka") or the keV number; a thousands comma in eV is still
    refused. Fails on the parent: those spellings were refused."""
    from xrf_napari.io.user_calibration import peak_energy

    fe, pb_la, mn_kb = peak_energy("Fe Ka"), peak_energy("Pb La"), peak_energy("Mn Kb")
    for text in ("Fe K-alpha", "Fe Kalpha", "fe k alpha", "Fe Ka1", "Fe K\u03b11"):
        assert peak_energy(text) == fe, text
    assert peak_energy("Pb La1") == peak_energy("Pb L-alpha") == pb_la
    assert peak_energy("Mn K\u00df") == mn_kb
    assert peak_energy("6,40")[0] == peak_energy("6,4 keV")[0] == 6.4
    for text in ("6,400 eV", "Fe Kab"):
        with pytest.raises(ValueError, match="neither a line nor an energy"):
            peak_energy(text)


def test_the_commands_advice_names_the_dialog_that_writes_the_sidecar():
    """A command's refusal of an uncalibrated scan said to write a JSON sidecar's offset and
    gain, reckoned by hand, and did not name the napari dialog that writes it from two peaks.
    Fails on the parent: no word of it."""
    from types import SimpleNamespace

    from xrf_napari.cli._args import how_to_calibrate

    for no_auto in (False, True):
        said = how_to_calibrate(SimpleNamespace(no_auto_calibration=no_auto))
        assert said.startswith('give the file one (a JSON sidecar beside it, {"offset"'), said
        assert "Spectrum panel writes from two peaks you know (Calibrate from two peaks...)" in said


def test_a_closed_calibration_dialog_is_not_kept(make_napari_viewer, qtbot, tmp_path):
    """Each press of Calibrate from two peaks... made a dialog that stayed, hidden, a child of
    the Spectrum dock once cancelled or applied, holding the Cube it was opened for (a scan
    replaced by its calibration, its sum image and spectra too). Now a closed dialog is
    deleted. Fails on the parent: the cancelled dialog was still there."""
    from xrf_napari.widgets._calibrate import TwoPeakDialog
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    spectrum = SpectrumWidget(viewer)
    spectrum.calibrate_button.click()
    (dialog,) = spectrum.findChildren(TwoPeakDialog)
    dialog.reject()  # Cancel
    qtbot.waitUntil(lambda: not spectrum.findChildren(TwoPeakDialog), timeout=2000)


def test_a_read_refused_as_the_stack_is_sliced_leaves_the_calibration_whole(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """The shown stack is sliced again under its new axis; a read the storage refused there
    (a network drive's timeout: the reader's face raises it in words) came out of OK as the
    dialog's error while the stack had the new calibration and the sum layer the old one: the
    docks stayed on the old axis, and OK again recalibrated the sum layer alone. Now the read is
    told and every layer holds the calibrated scan. Fails on the parent: the error was raised."""
    from napari.layers import Image

    from xrf_napari.errors import CubeReadError
    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    spectrum = SpectrumWidget(viewer)
    cube = spectrum.current_cube()

    def refused(layer, *args, **kwargs):
        raise CubeReadError(tmp_path / "a.h5", "the storage did not answer")

    told = []
    next(ly for ly in viewer.layers if ly.ndim == 3).visible = True  # read off the slider
    monkeypatch.setattr(Image, "set_view_slice", refused)  # the slice of a shown layer
    monkeypatch.setattr("napari.utils.notifications.show_error", told.append)
    spectrum.calibrate_from_peaks(100, "Ca Ka", 300, "Pb La", cube=cube)
    new = spectrum.current_cube()
    assert new.calibration.source == "user"
    assert {layer_cube(ly) for ly in viewer.layers} == {new}
    assert told and "the storage did not answer" in told[0]


def test_the_save_boxs_tooltip_names_the_file_as_spelt_and_a_new_h5(make_napari_viewer, tmp_path):
    """A project .h5 keeps its calibration inside: the dialog's Save box is off, its tooltip
    saying where the calibration goes. It began "A.h5: ..." for a.h5 (the first letter put up),
    and said to save the scan "as an xrf-napari project .h5", which for a.h5 itself the writer
    refuses ("it would be overwritten"). Now it names a.h5 and a new name. Fails on the parent:
    "A.h5", no new name."""
    from xrf_napari.widgets._calibrate import TwoPeakDialog
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))
    spectrum = SpectrumWidget(viewer)
    spectrum.calibrate_button.click()
    (dialog,) = spectrum.findChildren(TwoPeakDialog)
    tip = dialog.save_check.toolTip()
    dialog.reject()
    assert not dialog.save_check.isEnabled()
    assert tip.startswith("a.h5: its format keeps the calibration inside the file"), tip
    assert "project .h5 under a new name (File > Save Selected Layers...;" in tip


def test_a_chunk_refused_after_the_calibration_marks_the_calibrated_scan(
    make_napari_viewer, tmp_path
):
    """The stack layer's lazy reader kept the Cube it was opened with: a chunk the file refused
    after the user's calibration marked that Cube, in no layer now, and the docks, on the
    calibrated one, kept Run on over the zeros read (the automatic calibration hands its Cube
    to the reader). Now the reader marks the calibrated Cube. Fails on the parent: the
    calibrated scan was not marked."""
    import json

    import numpy as np
    from _napari_helpers import painted_counts

    from xrf_napari._reader import _Uncopied
    from xrf_napari.io import read_failed
    from xrf_napari.widgets.spectrum import SpectrumWidget

    path = tmp_path / "scan.npy"
    np.save(path, painted_counts()[0])
    (tmp_path / "scan.json").write_text(json.dumps({"offset": 0.0, "gain": 0.02}))
    viewer = make_napari_viewer()
    open_cube(viewer, path)
    spectrum = SpectrumWidget(viewer)
    old = spectrum.current_cube()
    spectrum.calibrate_from_peaks(100, "Ca Ka", 300, "Pb La", cube=old)
    new = spectrum.current_cube()
    assert new is not old and not read_failed(new)

    class Refused:  # the file's bytes gone from under the map (a disk unplugged)
        shape, dtype = old.data.shape, old.data.dtype

        def __getitem__(self, key):
            raise ValueError("the file cannot be read there")

    stack = next(ly for ly in viewer.layers if ly.ndim == 3)
    (face,) = {id(v): v for v in stack.data.dask.values() if isinstance(v, _Uncopied)}.values()
    face._data = Refused()
    face[(slice(0, 2), slice(0, 2), slice(0, 8))]  # a chunk napari slices: zeros, told
    assert read_failed(new)
