"""The scan's chosen instrument in the maps, and a lens chosen for a file that names its own.

1. The maps count the tube's anode as present (its scattered lines sit in every spectrum, so an
   element's window beside them is moved: Zn Kalpha beside W Lalpha). That anode came from the
   file only: a tube chosen in the Instrument row (or quicklook's --anode) for a file naming none
   reached the suggested elements but not the maps. analysis.maps.plan_for_cube now takes the
   user's anode over the file's, and both the Elemental maps dock and quicklook pass it.
2. `--optic lens` (the rows' "polycapillary lens") on a file whose profile names a lens with its
   own cut-off (the panel sample's 20 keV) replaced that cut-off with the M6's 14 keV; choosing
   the lens the file already names now keeps its cut-off.
"""

import numpy as np
import pytest
from _napari_helpers import open_cube, painted_counts, wait_idle

from xrf_napari.io import read_cube
from xrf_napari.io.project_h5 import write_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


@pytest.fixture
def no_anode_cube(tmp_path):
    """The painted test cube, its profile naming no tube."""
    from _napari_helpers import CANONICAL_CAL

    counts, _labels = painted_counts(0, None)
    path = tmp_path / "no_tube.h5"
    write_cube(path, counts, CANONICAL_CAL, metadata={"profile": {"fwhm_mn_ev": 140.0}})
    return path


def _zn_note(plans) -> str:
    return next(p.note for p in plans if p.symbol == "Zn")


def test_plan_for_cube_takes_the_given_anode_over_the_files(no_anode_cube):
    from xrf_napari.analysis.maps import plan_for_cube

    cube = read_cube(no_anode_cube)
    assert "W L" not in _zn_note(plan_for_cube(cube, ["Zn"], present=["Zn"])[0])
    assert "W L\u03b1" in _zn_note(plan_for_cube(cube, ["Zn"], present=["Zn"], anode="W")[0])
    with pytest.raises(ValueError, match="given tube anode 'Xx'"):
        plan_for_cube(cube, ["Zn"], anode="Xx")


def test_quicklook_maps_use_its_anode(no_anode_cube):
    from xrf_napari.cli.quicklook_cmd import choose_maps

    cube = read_cube(no_anode_cube)
    _s, _sug, plans, _maps = choose_maps(cube, elements=["Zn"])
    assert "W L" not in _zn_note(plans)
    _s, _sug, plans, maps = choose_maps(cube, elements=["Zn"], anode="W")
    assert "W L\u03b1" in _zn_note(plans) and maps["Zn"].shape == cube.shape[:2]


def test_maps_dock_plans_with_the_rows_anode(make_napari_viewer, no_anode_cube, qtbot):
    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, no_anode_cube)
    dock = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, dock.job)

    def plans():
        dock.set_checked_elements(["Zn"])
        assert dock.run() is not None
        wait_idle(qtbot, dock.job)
        assert dock.job.last_error is None
        return dock.map_plans

    before = _zn_note(plans())  # "tube: file's": the file names none
    assert "W L" not in before
    dock.instrument_row.anode_combo.setCurrentText("W")
    qtbot.waitUntil(lambda: dock.instrument_row.choice().get("anode") == "W", timeout=5000)
    wait_idle(qtbot, dock.job)  # the suggestion made again for W
    assert "W L\u03b1" in _zn_note(plans())
    dock.instrument_row.anode_combo.setCurrentIndex(0)  # the file's again
    wait_idle(qtbot, dock.job)
    assert _zn_note(plans()) == before


LENS_20 = {"profile": {"anode": "Rh", "optic": "polycapillary", "optic_cutoff_kev": 20.0}}


def test_lens_chosen_for_a_files_lens_keeps_its_cutoff():
    from xrf_napari.physics.instrument import M6_OPTIC_CUTOFF_KEV, excitation_from_metadata

    assert excitation_from_metadata(LENS_20)["optic_cutoff_kev"] == 20.0
    assert excitation_from_metadata(LENS_20, "lens")["optic_cutoff_kev"] == 20.0
    assert excitation_from_metadata(LENS_20, "collimator")["optic_cutoff_kev"] is None
    collimator = {"profile": {"anode": "Rh", "optic": "collimator", "optic_cutoff_kev": 20.0}}
    for meta in (None, {}, collimator, {"optic": "Lens"}):  # a lens the file does not name
        cut = excitation_from_metadata(meta, "lens")["optic_cutoff_kev"]
        assert cut == M6_OPTIC_CUTOFF_KEV, meta


def test_panel_sample_fitted_with_lens_keeps_20_kev():
    """The bundled panel sample's profile names a lens passing half at 20 keV: the pigment fit
    told --optic lens (pigments, the Pigments dock's row) keeps it."""
    from types import SimpleNamespace

    from xrf_napari._sample_data import SAMPLE_DIR, SAMPLES
    from xrf_napari.analysis.pigment_fit import instrument_for

    panel = read_cube(SAMPLE_DIR / SAMPLES["panel"])
    for cube in (SimpleNamespace(metadata=LENS_20), panel):
        profile, _ = instrument_for(cube, optic="lens")
        assert profile.optic == "polycapillary" and profile.optic_cutoff_kev == 20.0
        assert np.isclose(instrument_for(cube)[0].optic_cutoff_kev, 20.0)
