"""Review of session 65's maps commits (bb3eb851, 89e51ab0): the Elemental maps dock fits a line
chosen in its Line column as plan_for_cube does, and Hg L-alpha beside tungstate in a paint."""

from types import SimpleNamespace

import numpy as np
import pytest
from _napari_helpers import open_cube, wait_idle, write_painted_cube
from test_maps61 import _forward

from xrf_napari.analysis import maps as M


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_the_maps_dock_fits_a_chosen_line_and_words_its_note(make_napari_viewer, tmp_path, qtbot):
    """A guard: the dock hands its Line column and Instrument row to plan_for_cube, so under a 12
    kV tube S K-alpha chosen beside Pb and Hg is fitted (a window until bb3eb851), and a Pb L line
    chosen proposes Pb M-alpha "fitted beside S" (it said "choose auto" there)."""
    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    widget = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    wait_idle(qtbot, widget.job)  # the automatic element suggestion
    widget.set_checked_elements(["S", "Hg", "Pb"])
    widget.instrument_row.kv_spin.setValue(12)
    widget.set_line("S", "Ka")
    widget.set_line("Pb", "Lb")
    widget.run()
    wait_idle(qtbot, widget.job)
    assert widget.job.last_error is None
    notes = widget.notes_label.text()
    assert "S: S K\u03b1 fitted together with" in notes
    assert "Pb M\u03b1 is excited: choose it (" in notes
    assert "which maps Pb by it fitted beside S" in notes and "choose auto" not in notes


def test_hg_l_alpha_beside_tungstate_white_is_fitted_where_w_is_counted():
    """A guard: 89e51ab0 measured W as the tube only. W in a paint (tungstate white, BaWO4) and
    counted present (mapped) under a 45 kV Rh tube: by the window (89e51ab0's parent) tungstate
    white read Hg +17.6 % of vermilion's, tungstate white with 10 % vermilion 1.78 of its Hg;
    fitted beside W +0.2 % and 1.00 (forward model, 150 eV; /work/runs65/revM65/wpaint.py)."""
    from xrf_napari.physics import pigments

    tungstate = SimpleNamespace(formula="BaWO4", density=6.35)
    real = pigments.get_pigment
    syms = ["Hg", "Pb", "Zn", "S", "Ba", "W"]

    def hg(mix):
        cube, y, truth = _forward(mix, kv=45.0, fwhm=150.0)
        plans, w = M.plan_for_cube(cube, syms, present={"Ca"}, spectrum=y, kv=45.0)
        assert plans[0].method == "fit" and "fitted together with W" in plans[0].note
        return float(y @ w[:, 0].astype(np.float64)), truth.get(("Hg", "La"), 0.0)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pigments, "get_pigment", lambda n: tungstate if n == "BaWO4" else real(n))
        white, _ = hg([("BaWO4", 1.0)])
        mixed, truth = hg([("BaWO4", 0.9), ("Vermilion", 0.1)])
    assert mixed / truth == pytest.approx(1.0, abs=0.03)  # 1.78 by the window
    assert abs(white) < 0.05 * truth  # 0.94 by the window (the mix holds 0.19 of vermilion's Hg)
