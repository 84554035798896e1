"""Elemental maps, session 61: line choices and scaling measured on forward-model spectra."""

import numpy as np
import pytest

from xrf_napari.analysis import maps as M
from xrf_napari.cube import cube_from_array


def _forward(mix, kv=50.0, fwhm=140.0, total=1e6, anode=None):
    """(cube of one pixel, its counts, truth: {(element, family): detected counts}) of a 20 um
    paint over a chalk ground under a Rh tube, or `anode`'s, which the cube's file then names
    (physics.spectrum, xraylib)."""
    from xrf_napari.elements import LINE_FAMILIES
    from xrf_napari.physics.instrument import InstrumentProfile
    from xrf_napari.physics.layers import ground_layer, paint_layer
    from xrf_napari.physics.pigments import get_pigment
    from xrf_napari.physics.spectrum import SpectrumModel
    from xrf_napari.physics.xsec import fine_energy

    model = SpectrumModel(InstrumentProfile(fwhm_mn_ev=fwhm, kv=kv, anode=anode or "Rh"))
    p = model.profile
    stack = [paint_layer([(get_pigment(n), v) for n, v in mix], 20.0), ground_layer("chalk")]
    fine, parts = model.fine(stack, parts=True)
    det = model.detect(fine)
    k = total / det.sum()
    lines = parts["lines"]
    area = np.interp(lines.energies, fine_energy(), model.eff) * lines.intensities * k
    fam = {t: f for f, (_, ts) in LINE_FAMILIES.items() for t in ts}
    truth = {}
    for el, t, a in zip(lines.elements, lines.lines, area):
        key = (el, fam.get(t, t[0]))
        truth[key] = truth.get(key, 0.0) + a
    profile = {"fwhm_mn_ev": fwhm, **({"anode": anode} if anode else {})}
    cube = cube_from_array(np.array([[det * k]], dtype=np.float32), p.calibration, profile=profile)
    return cube, det * k, truth


def test_strontium_beside_mercury_is_mapped_by_its_k_beta():
    """Sr K-alpha (14.10-14.17 keV) lies under Hg L-gamma2,3 (14.16, 14.26 keV): vermilion over
    a chalk ground read Sr 2.13 times its counts at 125 eV, -2.43 times at 165 eV (forward model),
    140 eV gave about 1.3. Where Hg is present, Sr is mapped by K-beta (15.84 keV)."""
    cube, y, truth = _forward([("Vermilion", 1.0)])
    plans, w = M.plan_for_cube(cube, ["Sr", "Hg"], present=["Ca", "S"], spectrum=y, kv=50.0)
    sr = plans[0]
    assert sr.line.family == "Kb" and "under Hg" in sr.note
    assert float(y @ w[:, 0]) / truth[("Sr", "Kb")] == pytest.approx(1.0, abs=0.03)
    # no mercury, or zirconium (K-alpha 15.77 keV on Sr K-beta): K-alpha as before
    (alone,) = M.plan_maps(["Sr"], (0.0, 41.0), present={"Ca"})
    (by_zr,) = M.plan_maps(["Sr"], (0.0, 41.0), present={"Hg", "Zr"})
    assert alone.line.family == by_zr.line.family == "Ka"


def test_line_features_keep_strontium_k_alpha():
    """The recolouriser's line features stay as its models were trained: Sr by K-alpha, though
    every feature element (Hg among them) counts as present there."""
    from xrf_napari.analysis.line_features import line_features
    from xrf_napari.energy import canonical_edges

    lf = line_features()
    col = lf.weights[:, lf.elements.index("Sr")].astype(np.float64)
    edges = canonical_edges()
    ka, kb = (M.element_line("Sr", f).energy for f in ("Ka", "Kb"))
    fwhm = float(M.detector_fwhm_kev(ka, M.DEFAULT_FWHM_MN_EV))
    assert col @ M.gaussian_channels(edges, ka, fwhm) == pytest.approx(1.0, abs=0.05)
    assert abs(col @ M.gaussian_channels(edges, kb, fwhm)) < 0.1


def test_no_module_imports_a_private_name_of_elements():
    """analysis.maps (_family_profile, _transitions, family_edge) and analysis.autocal imported
    elements._FAMILIES, a private name: it is public now (elements.LINE_FAMILIES), the weights
    unchanged (hashes of 60 weight matrices and autocal's peak energies equal)."""
    import re
    from pathlib import Path

    import xrf_napari

    imports = re.compile(r"from (?:\.+|xrf_napari\.)elements import \(?([\w\s,]+)")
    found = []
    for path in Path(xrf_napari.__file__).parent.rglob("*.py"):
        for names in imports.findall(path.read_text(encoding="utf-8")):
            found += [f"{path.name}: {n}" for n in re.split(r"[\s,]+", names) if n[:1] == "_"]
    assert not found


def test_l_escape_peaks_of_an_element_mapped_by_k_alpha_are_taken_out():
    """An element's escape peaks were taken out per count of its mapped line by xraylib's
    intensities at EXCITATION_KEV (20 keV), where Cd, Sn and Sb K lines (edges 26.7-30.5 keV) are
    not excited: mapped by K-alpha, their L escapes were left in. Lead-tin yellow II's Si
    K-alpha read 1.28 of its counts (Sn L-alpha's escape, 1.70 keV) at 165 eV, 50 kV; cadmium
    red's Se L-alpha 4.09 (Cd L-alpha's, 1.39 keV). Each shell's escapes now go by a map of that
    shell's line (the Sn, Cd L-alpha maps)."""
    cube, y, truth = _forward([("Lead-tin yellow II", 1.0)], fwhm=165.0)
    plans, w = M.plan_for_cube(cube, ["Sn", "Si", "Pb"], present=["Ca"], spectrum=y, kv=50.0)
    assert plans[0].line.family == "Ka"
    assert float(y @ w[:, 1]) / truth[("Si", "Ka")] == pytest.approx(1.0, abs=0.06)


@pytest.mark.parametrize(("symbol", "parent_read"), [("Se", 1.38), ("As", 1.38)])
def test_l_alpha_window_counts_the_l_beta1_inside_it(symbol, parent_read):
    """Se L-beta1 lies 40 eV above Se L-alpha (As 35 eV), inside its peak window: the window,
    scaled to L-alpha alone, read Se L-alpha 1.38 times its counts on an xraylib spectrum of
    pure Se (165 eV), cadmium red's 1.39-1.55 under a 12 kV tube (forward model, 125-165 eV).
    It is scaled to the element's own lines under its windows now (_own_lines): 1.05-1.14."""
    from _spectra import CANONICAL_CAL, template_spectrum

    y = template_spectrum(symbol, 1e5, fwhm_mn_ev=165.0, family="La") + 10.0
    cube = cube_from_array(y[None, None].astype(np.float32), CANONICAL_CAL)
    plans, w = M.plan_for_cube(cube, [symbol], fwhm_ev=165.0, lines={symbol: "La"})
    assert plans[0].method == "window"
    read = float(y @ w[:, 0].astype(np.float64)) / 1e5
    assert read == pytest.approx(1.0, abs=0.01), f"parent read {parent_read}"


def test_tin_l_alpha_window_in_lead_tin_yellow():
    """Sn L-alpha by its window (chosen in the Line column) beside a chalk ground (Ca counted)
    read lead-tin yellow I's 0.60 of its counts at 165 eV (0.88 at 125 eV; forward model, Rh
    tube at 50 kV): the Rh L lines' block leaves one side window, on Sn L-beta1 (3.66 keV).
    Counted with the element's own lines (_own_lines) it reads 0.95. Ca not counted: beside
    it, Sn L-alpha chosen is fitted since session 65 (0.96), and the same window without it."""
    cube, y, truth = _forward([("Lead-tin yellow I", 1.0)], fwhm=165.0, anode="Rh")
    plans, w = M.plan_for_cube(cube, ["Sn", "Pb"], spectrum=y, kv=50.0, lines={"Sn": "La"})
    assert plans[0].method == "window"
    assert float(y @ w[:, 0]) / truth[("Sn", "La")] == pytest.approx(0.97, abs=0.05)


def test_unexcited_k_alpha_map_names_the_line_the_tube_excites():
    """A Sn K-alpha map chosen under a 20 kV tube (K edge 29.2 keV) said it read no Sn K-alpha,
    not which line would, and its note ended in a stray "; " (_join of an empty note). It names
    Sn L-alpha now."""
    from xrf_napari.energy import Calibration

    cube = cube_from_array(np.ones((1, 1, 4096), np.float32), Calibration(offset=0.0, gain=0.01))
    plans, _ = M.plan_for_cube(cube, ["Sn", "Pb"], kv=20.0, lines={"Sn": "Ka"})
    note = plans[0].note
    assert note.startswith("Sn K\u03b1 cannot be excited here")
    assert note.endswith(
        "; Sn L\u03b1 is excited: choose it (the Elemental maps panel's Line column; quicklook "
        "has no choice of line)"
    )
    assert "; ;" not in note
