"""Does the plugin say when it does not know (session 46)? A copper tube's own lines named copper
pigments in the ambiguity note, and a scan whose file names no tube was called like the training
data without a word on what the check cannot see."""

import numpy as np
import pytest
from _napari_helpers import tiny_weights
from _spectra import CANONICAL_CAL, element_spectrum_lines, line_spectrum

from xrf_napari.analysis.ambiguity import ambiguity_report
from xrf_napari.analysis.line_features import FEATURE_ELEMENTS
from xrf_napari.cube import cube_from_array

torch = pytest.importorskip("torch")


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _features(*sets, value=0.6):
    """(1, len(sets), n) features: pixel i shows the elements of sets[i]."""
    f = np.zeros((1, len(sets), len(FEATURE_ELEMENTS)), dtype=np.float32)
    for i, present in enumerate(sets):
        for e in present:
            f[0, i, FEATURE_ELEMENTS.index(e)] = value
    return f


def test_a_copper_tubes_lines_name_no_copper_pigment():
    """Under a Cu tube every pixel shows Cu lines, scattered from the tube: a chalk ground (Ca)
    read "Ca+Cu", named Egyptian blue, and orpiment (As) "As+Cu", named emerald green (generated
    Cu-tube paintings: up to 44 % of the pixels without copper paint named a copper pigment). With
    the anode given, Cu is read as unknown: named only where the answer is the same either way."""
    f = _features({"Ca", "Cu"}, {"As", "Cu"}, {"Co", "Cu"}, {"Pb", "Cu"})
    before = ambiguity_report(f, FEATURE_ELEMENTS)
    assert before.ambiguous.tolist() == [[False, False, False, True]]  # what the lines alone say
    rep = ambiguity_report(f, FEATURE_ELEMENTS, anode="Cu")
    assert rep.ambiguous.tolist() == [[True, True, False, True]]  # cobalt stays cobalt
    labels = {s.label(): s for s in rep.signatures}
    assert set(labels) == {"Ca", "As", "Co", "Pb"}  # no pixel is said to show copper
    assert "Orpiment" in labels["As"].candidates and "Emerald green" in labels["As"].candidates
    assert "Azurite" in labels["Pb"].candidates  # copper under lead white cannot be ruled out
    msg = rep.message(names=None)
    assert "Cu is not read: the X-ray tube's anode is Cu" in msg, msg
    # another anode (Rh: no line feature) changes nothing
    rh = ambiguity_report(f, FEATURE_ELEMENTS, anode="Rh")
    assert rh.ambiguous.tolist() == before.ambiguous.tolist() and "not read" not in rh.message()


def test_recolour_passes_the_files_anode_to_the_ambiguity_note(tmp_path):
    """recolour() of a scan from a Cu tube (the file's profile): orpiment and a chalk ground with
    the tube's Cu lines in every pixel are not named emerald green or Egyptian blue."""
    from xrf_napari.analysis.recolour import recolour

    rng = np.random.default_rng(0)
    tube = element_spectrum_lines("Cu", 1200.0)  # the copper anode's lines, scattered
    spectra = [
        line_spectrum(element_spectrum_lines("As", 2500.0) + tube, background=(2.0, -0.05)),
        line_spectrum(element_spectrum_lines("Ca", 2500.0) + tube, background=(2.0, -0.05)),
    ]
    mean = np.stack(spectra)[np.repeat([0, 1], 8)][:, None].repeat(16, axis=1)
    counts = rng.poisson(np.clip(mean, 0, None)).astype(np.uint16)
    dve, uvit = tiny_weights(tmp_path)
    cube = cube_from_array(counts, CANONICAL_CAL, profile={"anode": "Cu", "fwhm_mn_ev": 140.0})
    result = recolour(cube, weights=str(uvit), embedder_weights=str(dve), device="cpu")
    amb = result.ambiguity
    assert amb.ambiguous.all(), amb.message(names=None)
    assert "Cu is not read" in amb.message()


@pytest.fixture(scope="module")
def panel():
    from xrf_napari import read_cube
    from xrf_napari._sample_data import sample_path

    cube = read_cube(sample_path("panel"))
    return np.asarray(cube.data[()]), cube.calibration


def test_a_scan_whose_file_names_no_tube_is_not_called_like_the_training_data_unqualified(panel):
    """The score does not see a new tube or detector (Mo and Ag cubes stripped of their metadata
    scored 0.01-0.62, training instruments -0.04-0.75), yet such a scan got the plain "Like the
    training data (...)." Now
    the line says what the file does not name, and what to do if it is outside training."""
    from xrf_napari.analysis.ood import check_scan

    data, cal = panel
    report = check_scan(cube_from_array(data, cal))
    text = report.message()
    assert not report.warn, text
    assert "as far as the spectra show" in text, text
    # its Rh tube shows through its scattered lines (session 47: tube_guess)
    assert "does not name its detector resolution" in text, text
    assert "looks like Rh (from its scattered lines" in text and "extra caution" in text, text
    named = check_scan(cube_from_array(data, cal, profile={"anode": "Rh", "fwhm_mn_ev": 140.0}))
    assert named.message().endswith("counts per pixel).")  # nothing left unsaid
    half = check_scan(cube_from_array(data, cal, profile={"anode": "Rh"})).message()
    assert "does not name its detector resolution" in half and "tube is not" not in half, half


def _select(widget, layer) -> None:
    """Choose the scan of `layer` (its sum image or its stack) in the dock's Datacube list."""
    from xrf_napari.widgets._layers import layer_cube

    combo = widget.cube_combo
    for i in range(combo.count()):
        combo.setCurrentIndex(i)
        if layer_cube(combo.current_layer()) is layer_cube(layer):
            return
    raise AssertionError(f"{layer.name} is not in the Datacube list")


def test_the_docks_training_data_note_follows_the_scan_and_stays_in_view_at_1080p(
    make_napari_viewer, tmp_path, qtbot, panel
):
    """A guard. A scan whose file names no tube (the longer quiet note) and one from a Ag tube
    (the warning), both recoloured, with the five docks at 1920 x 1080: each scan chosen shows
    its own note, in view with the ambiguity note; a scan not yet run shows none."""
    from _dock_layout import five_docks, front, hidden_part, settle
    from _napari_helpers import open_cube, wait_idle

    from xrf_napari.io.project_h5 import write_cube

    counts, cal = panel[0][::2, ::2], panel[1]  # spectra like the training data's, 48 x 64 px
    bare = write_cube(tmp_path / "bare.h5", counts, cal)
    silver = write_cube(tmp_path / "silver.h5", counts, cal, metadata={"profile": {"anode": "Ag"}})
    viewer = make_napari_viewer(show=True)
    docks = five_docks(viewer, bare, qtbot)
    dock, recolour = docks["Recolour"]
    front(dock)
    recolour.weights_edit.setText(str(tiny_weights(tmp_path)[1]))
    recolour.embedder_edit.setText("")  # the shipped DVE: the check's score is its own
    recolour.device.setCurrentText("cpu")
    bare_layer = recolour.cube_combo.current_layer()
    silver_layer = open_cube(viewer, silver)[0]
    unrun_layer = open_cube(viewer, write_cube(tmp_path / "unrun.h5", counts, cal))[0]
    notes = {}
    for layer in (bare_layer, silver_layer):
        _select(recolour, layer)
        assert recolour.run() is not None
        wait_idle(qtbot, recolour.job, 60000)
        assert recolour.job.last_error is None, recolour.job.last_error
        settle()
        notes[layer.name] = recolour.ood_label.text()
        for note in (recolour.ood_label, recolour.ambiguity_label):
            assert hidden_part(note, dock) == "", note.text()[:60]
    assert "as far as the spectra show" in notes[bare_layer.name]
    assert notes[silver_layer.name].startswith("\u26a0") and "anode Ag" in notes[silver_layer.name]
    for layer in (bare_layer, silver_layer):
        _select(recolour, layer)
        settle()
        assert recolour.ood_label.text() == notes[layer.name]
        assert hidden_part(recolour.ood_label, dock) == ""
    _select(recolour, unrun_layer)
    settle()
    assert recolour.ood_label.text() == "" and not recolour.ood_label.isVisible()
