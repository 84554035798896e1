"""Review 31 of session 30's change: the calibration warning's Compton bands, quicklook's colour
scale of an all-negative map, the automatic K's sorting, the fit note's wording."""

import numpy as np
import pytest
from test_peaks30 import SAMPLE_SCANNER, paint

from xrf_napari.analysis.peaks import suggest_elements

# --- 1: the Compton band came from every tube line, not only its K lines ----------------------


@pytest.mark.parametrize(
    ("pigment", "grid", "anode"),
    [
        ("Vermilion", {"ground": "gypsum"}, "Rh"),
        ("Vermilion", {"ground": "gypsum"}, None),
        ("Red lead", {"total": 1e6, **SAMPLE_SCANNER}, "Rh"),
    ],
    ids=["vermilion on gypsum, Rh", "vermilion on gypsum, no anode", "red lead, sample scanner"],
)
def test_true_axis_gives_no_calibration_warning(pigment, grid, anode):
    """'Compton bands' 2 keV below the tube's L lines (Rh L 0.7-2.7 keV, W L 6.4-11.5 keV with
    no anode named) left the explained S, Hg M and Pb M peaks out of the strong-peak count, so
    a few unexplained ones outnumbered them and a true axis was said to look off."""
    e, y, profile = paint([(pigment, 1.0)], seed=0, **grid)
    got = suggest_elements(e, y, anode=anode, fwhm_mn_ev=profile.fwhm_mn_ev)
    assert got.warning == "", (list(got), got.warning)


# --- 2: quicklook drew an absent element's all-negative map on a negative scale ---------------


def _zinc_white_scan(path):
    """A 4 x 5 scan of zinc white on chalk (forward model, 2e6 counts per pixel): Cu K-alpha's
    window sits on Zn K-alpha's low side, so its background-subtracted map is all negative."""
    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import write_cube

    e, y, profile = paint([("Zinc white", 1.0)], total=2e6, seed=None)
    counts = np.random.default_rng(0).poisson(np.broadcast_to(y, (4, 5, y.size)))
    cal = Calibration(float(e[0]), float(e[1] - e[0]))
    meta = {"anode": profile.anode, "fwhm_mn_ev": profile.fwhm_mn_ev}
    write_cube(path, counts.astype(np.uint32), cal, metadata=meta)
    return path


def test_quicklook_draws_an_all_negative_map_from_zero(tmp_path, monkeypatch):
    """vmax=None on a map with no positive pixel let matplotlib autoscale it to the data (-600 to
    0 'net line counts'), so the less negative pixels of an absent element showed as patches.
    The maps dock's rule (analysis.maps.display_top) draws it from 0 to 1: all the lowest colour."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.axes import Axes

    from xrf_napari.cli.main import main

    drawn = []
    imshow = Axes.imshow

    def spy(self, *args, **kw):
        drawn.append(imshow(self, *args, **kw))
        return drawn[-1]

    monkeypatch.setattr(Axes, "imshow", spy)
    scan = _zinc_white_scan(tmp_path / "zinc.h5")
    out = tmp_path / "out"
    assert main(["quicklook", str(scan), "-o", str(out), "--elements", "Cu", "--no-progress"]) == 0
    (im,) = drawn
    assert np.asarray(im.get_array()).max() < 0  # the case: no positive pixel
    assert (im.norm.vmin, im.norm.vmax) == (0.0, 1.0)
    assert len(np.unique(im.to_rgba(im.get_array()).reshape(-1, 4), axis=0)) == 1


# --- 3: automatic K sorted every point twice ---------------------------------------------------


def test_automatic_k_sorts_the_points_once(monkeypatch):
    """iter_cluster put the points in canonical_order, then iter_choose_k sorted the sorted array
    again (4.6 s more of 4 M points); the K is the one choose_k gives on the same points."""
    from xrf_napari.analysis import embed

    lat = np.random.default_rng(0).normal(size=(40, 50, 3)).astype(np.float32)
    lat[:20] += 3.0
    k, _ = embed.choose_k(lat.reshape(-1, 3), k_range=(2, 4))
    calls = []
    sort = embed.canonical_order
    monkeypatch.setattr(embed, "canonical_order", lambda p: calls.append(len(p)) or sort(p))
    got = embed.cluster(lat, k_range=(2, 4))
    assert calls == [lat.shape[0] * lat.shape[1]]
    assert got.k == k == 2


# --- 4: the fit note said "overlap it" of a line 1.6 FWHM away ---------------------------------


def test_fit_and_window_notes_name_a_neighbour_alike():
    """Hg L-alpha sits 1.6 FWHM from Au L-alpha: the fit note said '(Hg Lα overlap it)' while the
    window note of the same line says 'beside Hg Lα (1.6 FWHM)' (under 1 FWHM: 'overlaps')."""
    from xrf_napari.analysis.maps import plan_maps

    kw = {"present": ["Au", "Hg"], "fwhm_mn_ev": 145.0}
    (fit,) = plan_maps(["Au"], (0.0, 40.0), **kw)
    (window,) = plan_maps(["Au"], (0.0, 40.0), fit_groups={}, **kw)
    assert (fit.method, window.method) == ("fit", "window")
    assert "overlap" not in fit.note, fit.note
    assert "beside Hg L\u03b1 (1.6 FWHM)" in fit.note, fit.note
    assert "beside Hg L\u03b1 (1.6 FWHM)" in window.note, window.note


# --- 5: the recolour path scanned its model input for NaN twice --------------------------------


def test_recolour_checks_its_model_input_once(monkeypatch):
    """_iter_recolour checked the model input (naming the pixel's spectrum), then
    Recolouriser.iter_predict scanned the same array again."""
    pytest.importorskip("torch")
    from xrf_napari.analysis import recolour as module
    from xrf_napari.cube import cube_from_array
    from xrf_napari.energy import Calibration

    calls = []
    scan = module.first_nonfinite
    monkeypatch.setattr(module, "first_nonfinite", lambda img: calls.append(img.shape) or scan(img))
    data = np.random.default_rng(0).poisson(5.0, (12, 10, 512)).astype(np.float32)
    cube = cube_from_array(data, Calibration(0.0, 0.04, 0.0, source="file"), name="scan")
    assert module.recolour(cube, device="cpu").rgb.shape == (12, 10, 3)
    assert len(calls) == 1, calls
