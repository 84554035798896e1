"""Dock findings of session 46, each as a painting conservator meets it: a usual tube anode's
element (Rh) suggested as the object's when the file names no tube; a spot scan's refusal in
Embed & cluster and Recolour said only once Run was pressed; a single pixel "pooled" with
itself; the Pigments report export free to overwrite the photograph it was made with."""

from __future__ import annotations

import numpy as np
import pytest
from _napari_helpers import open_cube, painted_counts, scripted_questions, wait_idle
from _spectra import CANONICAL_CAL, element_spectrum_lines, line_spectrum


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _lead_white_under(tube: str, h: int = 8, w: int = 8, seed: int = 0) -> np.ndarray:
    """(h, w, 512) counts: lead white with chalk, and the tube's lines scattered by it."""
    lines = [
        *element_spectrum_lines("Pb", 3000.0),
        *element_spectrum_lines("Ca", 300.0),
        *element_spectrum_lines(tube, 400.0),
    ]
    mean = np.clip(line_spectrum(lines, background=(2.0, -0.05)), 0, None)
    rng = np.random.default_rng(seed)
    return rng.poisson(np.broadcast_to(mean, (h, w, mean.size))).astype(np.uint16)


def _write(path, counts, anode: str | None):
    from xrf_napari.io.project_h5 import write_cube

    profile = {"fwhm_mn_ev": 140.0, **({"anode": anode} if anode else {})}
    write_cube(path, counts, CANONICAL_CAL, metadata={"profile": profile, "name": path.stem})
    return path


# -- 1. a usual anode's element, the tube unknown ----------------------------------------------
@pytest.mark.parametrize("tube", ["Rh", "Mo", "Ag", "W"])
def test_a_usual_anodes_element_is_not_suggested_when_the_tube_is_unknown(tube):
    """With no anode known, the tube's scattered lines were suggested as the object's element
    ("Rh" read as a pigment's). Now left out of the list, named in `tube` with the sentence
    saying why, and still counted by the maps' overlaps (`seen`); with the tube named, as before
    (its own lines ignored, nothing said)."""
    from xrf_napari.analysis.peaks import suggest_for_cube
    from xrf_napari.cube import Cube

    counts = _lead_white_under(tube)
    unknown = suggest_for_cube(Cube(data=counts, calibration=CANONICAL_CAL, metadata={}))
    assert tube not in unknown and {"Pb", "Ca"} <= set(unknown), list(unknown)
    assert unknown.tube == (tube,) and tube in unknown.seen
    note = unknown.tube_note("with --anode")
    assert note.startswith(f"{tube} not suggested: its peaks may be only the X-ray tube's lines")
    assert note.endswith("(name the tube with --anode to tell)")
    known = suggest_for_cube(
        Cube(data=counts, calibration=CANONICAL_CAL, metadata={"profile": {"anode": tube}})
    )
    assert tube not in known and known.tube == () and known.tube_note("x") == ""
    given = suggest_for_cube(Cube(data=counts, calibration=CANONICAL_CAL, metadata={}), anode=tube)
    assert tube not in given and given.tube == ()


def test_the_docks_leave_the_tube_unticked_and_say_why_until_it_is_named(
    make_napari_viewer, qtbot, tmp_path
):
    """Spectrum and Elemental maps listed and ticked Rh on a scan whose file names no tube, so
    Make maps drew an "Rh" map as if of a pigment. Now the Suggested line names Rh apart and
    why, the ticks leave it out, and choosing the tube (Rh) takes the sentence away."""
    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    layers = open_cube(viewer, _write(tmp_path / "noanode.h5", _lead_white_under("Rh"), None))
    scan = next(ly for ly in layers if ly.ndim == 2)
    spectrum, maps = SpectrumWidget(viewer), ElementMapsWidget(viewer)
    for dock in (spectrum, maps):
        viewer.window.add_dock_widget(dock)
        dock.cube_combo.set_layer(scan)
    wait_idle(qtbot, spectrum.job)
    qtbot.waitUntil(lambda: "Pb" in maps.suggested_label.text(), timeout=30000)
    for dock in (spectrum, maps):
        text = dock.suggested_label.text()
        first, _, rest = text.partition("<br>")
        assert first.startswith("Suggested: Pb") and "Rh" not in first, text
        assert rest.startswith("Rh not suggested: its peaks may be only the X-ray tube") and (
            "name the tube in the \u2018tube: file&#x27;s\u2019 box to tell" in rest
        ), text
    assert "Pb" in maps.checked_elements() and "Rh" not in maps.checked_elements()

    spectrum.instrument_row.anode_combo.setCurrentText("Rh")  # the user names the tube
    qtbot.waitUntil(lambda: "Pb" in maps.suggested_label.text(), timeout=30000)
    wait_idle(qtbot, spectrum.job)
    wait_idle(qtbot, maps.job)
    for dock in (spectrum, maps):
        assert "Rh" not in dock.suggested_label.text(), dock.suggested_label.text()


def test_quicklook_says_why_the_tube_is_not_suggested_nor_mapped(tmp_path, capsys):
    """quicklook, the same path: Rh was suggested and mapped (a map "Rh_Ka") on a scan naming
    no tube. Now a note says why it is left out, and the plot's title too; no Rh map."""
    from xrf_napari.cli.main import main

    path = _write(tmp_path / "noanode.h5", _lead_white_under("Rh"), None)
    assert main(["quicklook", str(path), "-o", str(tmp_path / "ql"), "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "note: " in err and "Rh not suggested: its peaks may be only the X-ray tube" in err
    assert "(name the tube with --anode to tell)" in err
    assert not list((tmp_path / "ql").glob("*_Rh_*"))
    assert list((tmp_path / "ql").glob("*_Pb_*"))


# -- 2. a spot scan's refusal, said as it is chosen --------------------------------------------
def test_embed_and_recolour_say_a_spot_scans_refusal_as_it_is_chosen(make_napari_viewer, tmp_path):
    """A single spectrum was refused by Embed & cluster and Recolour only once Run was pressed,
    while a scan off the models' grid said its refusal as soon as it was chosen. Now both say
    it at once; Run repeats it, in the same words."""
    from xrf_napari.widgets.embed import EmbedClusterWidget
    from xrf_napari.widgets.recolour import RecolourWidget

    viewer = make_napari_viewer()
    counts, _ = painted_counts()
    spot_layers = open_cube(viewer, _write(tmp_path / "spot.h5", counts[:1, :1], "Rh"))
    spot = next(ly for ly in spot_layers if ly.ndim == 2)
    for dock, said in (
        (
            EmbedClusterWidget(viewer),
            "Embed & cluster: spot is a single spectrum (1 x 1 px): too few to find regions",
        ),
        (RecolourWidget(viewer), "Recolour: spot is a single spectrum (1 x 1 px): there is no"),
    ):
        viewer.window.add_dock_widget(dock)
        dock.cube_combo.set_layer(spot)
        shown = dock.job.status.text()
        assert shown.startswith(said), shown
        assert dock.run() is None and dock.job.status.text() == shown


# -- 3. a single pixel is not pooled -------------------------------------------------------------
def test_a_single_low_count_pixel_is_not_pooled_with_itself():
    """decide said "a single pixel, nothing to pool it with" yet returned pool=True, so the
    clustering path summed the pixel's own spectrum nine times (pool3 repeats the edges) and
    called the result pooled. Now pool is False (the note still says why); a line still pools."""
    from xrf_napari.analysis import pooling
    from xrf_napari.cube import cube_from_array

    counts = np.zeros((1, 1, 512), np.uint16)
    counts[..., 200] = 40
    pool, note = pooling.decide(cube_from_array(counts, CANONICAL_CAL))
    assert not pool and note == "40 counts per pixel: a single pixel, nothing to pool it with"
    out, pooled = pooling.pool_for_clustering(counts)
    assert not pooled and out.sum() == 40
    line = np.repeat(counts, 5, axis=1)
    assert pooling.decide(cube_from_array(line, CANONICAL_CAL)).pool


# -- 4. the pigments report export keeps the photograph ------------------------------------------
def test_the_report_export_refuses_to_overwrite_the_photograph(
    make_napari_viewer, qtbot, tmp_path, monkeypatch
):
    """Export into the folder holding the photograph named as a report file (regions.png, say)
    asked only "Replace?", and Yes overwrote the photograph; the scan's and the regions' files
    were refused. Now the photograph's is too, before any question, and it is left intact."""
    import imageio.v3 as iio
    from _napari_helpers import write_painted_cube

    from xrf_napari.widgets import pigments as pig_mod
    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "scan.h5"))
    folder = tmp_path / "report"
    folder.mkdir()
    photo_path = folder / "regions.png"
    photo = np.zeros((48, 40, 3), np.uint8)  # napari reads a side under 30 px as no RGB
    photo[:24], photo[24:] = (230, 230, 215), (180, 30, 30)
    iio.imwrite(photo_path, photo)
    before = photo_path.read_bytes()
    (photo_layer,) = viewer.open(str(photo_path), plugin="napari")
    dock = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    dock.device.setCurrentText("cpu")
    dock.use_uvit.setChecked(False)
    dock.photo_combo.set_layer(photo_layer)
    assert dock.photo_combo.current_layer() is photo_layer, (photo_layer, photo_layer.rgb)
    dock.k_spin.setValue(2)
    assert dock.find_regions() is not None
    wait_idle(qtbot, dock.job, 60000)
    assert dock.job.last_error is None, dock.job.status.text()
    assert dock.run() is not None
    wait_idle(qtbot, dock.job, 60000)
    assert dock.job.last_error is None and dock.result is not None, dock.job.status.text()
    asked, answer = scripted_questions(monkeypatch)
    from qtpy.QtWidgets import QMessageBox

    answer(QMessageBox.StandardButton.Yes)
    monkeypatch.setattr(pig_mod, "ask_folder", lambda *a: str(folder))
    for chosen in (photo_layer, None):  # the fit's photograph, still chosen or not
        dock.photo_combo.set_layer(chosen)
        dock._export_clicked()
        said = dock.job.status.text()
        assert said.startswith("Export: output ") and "would be overwritten" in said, said
        assert str(photo_path) in said and not asked
        assert photo_path.read_bytes() == before
        assert not (folder / "report.html").exists()
