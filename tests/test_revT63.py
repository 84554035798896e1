"""Session 63, reviewer revT63: tube63's and docks63's commits (b692dfd0, 803de676, 7f987b4d,
19009849)."""

import numpy as np


def _rh_scan(tmp_path):
    """A Rh tube's scan with no calibration and no tube named (as test_tube63's), read."""
    from test_pigment_fit import RECIPES, _cube

    from xrf_napari.io import read_cube
    from xrf_napari.physics.instrument import InstrumentProfile

    prof = InstrumentProfile(anode="Rh", kv=45.0, fwhm_mn_ev=150.0, counts_per_pixel=3000.0)
    made, _ = _cube(RECIPES[:3], size=24, seed=1, profile=prof)
    path = tmp_path / "rh.npy"
    np.save(path, np.asarray(made.data))
    return read_cube(path)


def test_a_tube_read_off_the_scatter_is_not_called_unknown_beside_it(tmp_path):
    """Since b692dfd0 quicklook's instrument line says "Rh tube (the file names none: read from
    the scan's scattered tube lines)" of a Rh tube's scan, and on the next line of the same run
    the suggestion's note said "Rh not suggested: its peaks may be only the X-ray tube's lines,
    scattered by the object, as the tube's anode is unknown" (the docks' Suggested line alike,
    beside the Spectrum dock's "read from" tip). Fails on the parent: that note."""
    from xrf_napari.analysis.peaks import suggest_for_cube
    from xrf_napari.cli.quicklook_cmd import instrument_said

    cube = _rh_scan(tmp_path)
    found = suggest_for_cube(cube)
    assert found.tube == ("Rh",) and "Rh" not in found
    said = instrument_said(cube)
    note = found.tube_note("with --anode")
    assert said.startswith("Rh tube (the file names none: read from the scan's scattered tube")
    assert "unknown" not in note, note
    assert note.startswith("Rh not suggested: its peaks are taken for the X-ray tube's lines")
    assert note.endswith(
        "the tube, Rh, was read from them (name the tube with --anode if it is another)"
    ), note


def test_a_guard_an_unknown_tube_is_still_said_unknown():
    """A guard: where no calibration read the tube (a canonical axis, nothing named), the note
    says the anode is unknown, as before (test_docks46)."""
    from xrf_napari.analysis.peaks import Suggestions

    found = Suggestions(["Pb"])
    found.tube = ("Rh",)
    assert "as the tube's anode is unknown (name the tube with --anode to tell)" in (
        found.tube_note("with --anode")
    )


def test_the_spectrum_dock_gives_the_range_info_gives(make_napari_viewer, tmp_path, capsys):
    """The Spectrum dock's calibration line formatted the range itself, 2 decimals and an en
    dash: "-0.96\u2013-0.90 keV" where `info` and the refusals say "-0.956 to -0.896 keV"
    (energy.energy_range_text, 803de676). Fails on the parent: the dash."""
    from _napari_helpers import open_cube

    from xrf_napari.cli.main import main
    from xrf_napari.widgets.spectrum import SpectrumWidget

    path = tmp_path / "neg.npy"
    np.save(path, np.ones((2, 2, 16), dtype=np.float32))
    (tmp_path / "neg.json").write_text('{"offset": -0.956, "gain": 0.004}')
    assert main(["info", str(path)]) == 0
    said = "-0.956 to -0.896 keV"
    assert f"(source: file); {said}" in capsys.readouterr().out
    viewer = make_napari_viewer()
    open_cube(viewer, path)
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    line = dock.calibration_label.text()
    assert f"16 channels, {said} (calibration: file)" in line, line
