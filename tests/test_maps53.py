"""Elemental maps fit an element where the scan's spectrum puts it (analysis.maps.line_shifts).

A real Bruker M6 spectrum put Ca K-alpha and K-beta 6 eV above their table energies (its zero
peak, Ar and K where the file's calibration says): K K-alpha, fitted beside Ca, read -1 445 counts
for a clear K peak, its K-beta on the Ca flank taking the misfit.
"""

import numpy as np
import pytest

from xrf_napari.analysis import maps as M
from xrf_napari.cli.quicklook_cmd import choose_maps
from xrf_napari.cube import cube_from_array
from xrf_napari.energy import Calibration

CAL = Calibration(-0.96, 0.01, source="file")
N_CH = 1024
FWHM = 140.0
K_AREA = 1400.0


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def _ca_k_cube(ca_shift_ev: float):
    """1 x 1 scan: chalk-like Ca (4e5 counts in its K lines) `ca_shift_ev` above its table
    energies, K K lines of K_AREA counts (K-alpha) where the tables put them, 20 counts/channel."""
    edges = CAL.edges(N_CH)
    region = (float(edges[0]), float(edges[-1]))
    ca = M.line_template("Ca", edges - ca_shift_ev / 1e3, FWHM, region)
    k = M.line_template("K", edges, FWHM, region, reference_family="Ka")
    spectrum = 4e5 * ca + K_AREA * k + 20.0
    return cube_from_array(spectrum[None, None, :].astype(np.float32), CAL, fwhm_mn_ev=FWHM)


def _k_and_notes(cube):
    _, _, plans, maps = choose_maps(cube, elements=["K", "Ca"])
    return float(maps["K"].sum()), {p.symbol: p.note for p in plans}


def test_k_beside_ca_shifted_6ev_is_fitted_where_ca_sits():
    """Quicklook's (and the dock's) maps of K beside a Ca displaced by +6 eV: the parent read K
    far below its 1 400 counts (negative); Ca's template now sits where the spectrum puts it."""
    k, notes = _k_and_notes(_ca_k_cube(6.0))
    assert k == pytest.approx(K_AREA, rel=0.1)
    assert "Ca K lines fitted +6." in notes["K"]


def test_unshifted_cube_and_forward_model_move_nothing():
    """A guard: no element of an unshifted scan, nor of a forward-model chalk at 165 eV (its
    detector tail reads Ca 1.9 eV low), is moved; the weights are those planned without it."""
    from xrf_napari.physics.instrument import InstrumentProfile
    from xrf_napari.physics.layers import ground_layer, paint_layer
    from xrf_napari.physics.pigments import get_pigment
    from xrf_napari.physics.spectrum import SpectrumModel

    cube = _ca_k_cube(0.0)
    spectrum = cube.data[0, 0].astype(np.float64)
    plain = M.plan_for_cube(cube, ["K", "Ca"], present=["K", "Ca"])
    read = M.plan_for_cube(cube, ["K", "Ca"], present=["K", "Ca"], spectrum=spectrum)
    np.testing.assert_array_equal(plain[1], read[1])
    assert [p.note for p in plain[0]] == [p.note for p in read[0]]

    model = SpectrumModel(InstrumentProfile(fwhm_mn_ev=165.0))
    det = model.detect(
        model.fine([paint_layer([(get_pigment("Smalt"), 1.0)], 20.0), ground_layer("chalk")])
    )
    det = det * 1e6 / det.sum()
    edges = model.profile.calibration.edges(len(det))
    assert M.line_shifts(det, edges, 165.0, {"Ca", "K", "Co", "Rh"}) == {}


def test_real_m6_spx_k_is_positive(real_data):
    """The real M6 .spx: K K-alpha net positive (about the 1 400 counts of its peak), the file's
    calibration kept (the axis is not moved), the note naming Ca's shift."""
    from xrf_napari.io import read_cube

    cube = read_cube(real_data / "bruker_m6_jetstream_file_example.spx")
    assert cube.calibration.offset == pytest.approx(-0.95550444)
    k, notes = _k_and_notes(cube)
    assert 900 < k < 1900
    assert "Ca K lines fitted +6." in notes["K"]


def test_dock_fits_the_real_m6_k_with_its_survey(real_data, make_napari_viewer, qtbot):
    """The Elemental maps dock passes its survey's sum spectrum: K of the real M6 .spx positive
    (the parent's dock read -1 445), the K map's note naming Ca's shift."""
    from _napari_helpers import open_cube, wait_idle

    from xrf_napari.widgets.maps import ElementMapsWidget

    viewer = make_napari_viewer()
    open_cube(viewer, real_data / "bruker_m6_jetstream_file_example.spx")
    widget = ElementMapsWidget(viewer)
    viewer.window.add_dock_widget(widget)
    wait_idle(qtbot, widget.job)  # the survey and its suggestion
    widget.set_checked_elements(["K", "Ca"])
    widget.run()
    wait_idle(qtbot, widget.job)
    assert widget.job.last_error is None
    assert 900 < float(widget.map_layers["K"].data.sum()) < 1900
    assert "Ca K lines fitted +6." in widget.notes_label.text()
