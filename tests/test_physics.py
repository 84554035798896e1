"""Physics checks of the forward model against xraylib and closed-form attenuation."""

import numpy as np
import pytest

xraylib = pytest.importorskip("xraylib")

from xrf_napari.physics import detector, xsec  # noqa: E402
from xrf_napari.physics.instrument import InstrumentProfile, random_profile  # noqa: E402
from xrf_napari.physics.layers import Layer, paint_layer, primary_fluorescence  # noqa: E402
from xrf_napari.physics.pigments import formula_composition, get_pigment, load_pigments  # noqa: E402
from xrf_napari.physics.realism import fit_peak  # noqa: E402
from xrf_napari.physics.spectrum import SpectrumModel  # noqa: E402
from xrf_napari.physics.tube import tube_spectrum  # noqa: E402


def mono(e_kev):
    """One photon per sr at a single fine-grid energy."""
    ex = np.zeros(xsec.N_FINE)
    i = int((e_kev - xsec.FINE_E_MIN) / xsec.FINE_STEP)
    ex[i] = 1.0
    return ex, xsec.fine_energy()[i]


def layer(comp, density=2.0, um=10.0, name="test"):
    tot = sum(comp.values())
    return Layer(name, tuple(sorted((k, v / tot) for k, v in comp.items())), density, um)


def test_pigment_database_is_complete_and_parseable():
    pigs = load_pigments()
    names = [p.name for p in pigs]
    assert len(pigs) >= 30 and len(set(names)) == len(names)
    for p in pigs:
        comp = p.composition()
        assert abs(sum(comp.values()) - 1) < 1e-9, p.name
        assert all(el in comp for el in p.elements), (
            p.name
        )  # characteristic elements are in the formula
        assert p.colour_source and p.start_year < p.end_year and 0.5 < p.density < 12
    assert get_pigment("vermilion").composition()["Hg"] == pytest.approx(0.862, abs=0.002)


def test_line_energies_and_relative_intensities_match_xraylib():
    ex, e0 = mono(20.0)
    thin = layer({"Fe": 0.5, "Sr": 0.5}, um=0.01)  # thin film: no matrix effects
    res = primary_fluorescence([thin], ex, 90.0, 60.0)
    for el, z in (("Fe", 26), ("Sr", 38)):
        got = {
            ln: (e, i)
            for e_, ln, e, i in zip(res.elements, res.lines, res.energies, res.intensities)
            if e_ == el
        }
        for ln in ("KL3", "KL2", "KM3"):
            code = getattr(xraylib, f"{ln}_LINE")
            assert got[ln][0] == pytest.approx(xraylib.LineEnergy(z, code), abs=1e-9)
        # ratios inside the K shell: production cross sections, and radiative rates for K-alpha2/1
        ratio = got["KM3"][1] / got["KL3"][1]
        want = xraylib.CS_FluorLine_Kissel_Cascade(
            z, xraylib.KM3_LINE, e0
        ) / xraylib.CS_FluorLine_Kissel_Cascade(z, xraylib.KL3_LINE, e0)
        assert ratio == pytest.approx(want, rel=1e-3)
        assert got["KL2"][1] / got["KL3"][1] == pytest.approx(
            xraylib.RadRate(z, xraylib.KL2_LINE) / xraylib.RadRate(z, xraylib.KL3_LINE), rel=1e-3
        )
        # absolute thin-film yield: w * sigma * rho*d / (4 pi sin a_in)
        expect = (
            0.5
            * xraylib.CS_FluorLine_Kissel_Cascade(z, xraylib.KL3_LINE, e0)
            * thin.areal_density
            / (4 * np.pi)
        )
        assert got["KL3"][1] == pytest.approx(expect, rel=2e-3)


def test_thicker_paint_attenuates_ground_lines_as_beer_lambert():
    ex, e0 = mono(12.0)
    verm = get_pigment("Vermilion")
    ground = layer({"Ca": 0.3, "S": 0.2, "O": 0.5}, density=2.3, um=300.0, name="ground")
    ca = []
    for t in (5.0, 10.0, 20.0, 40.0):
        paint = paint_layer([(verm, 1.0)], t, pvc=0.4)
        ca.append(primary_fluorescence([paint, ground], ex, 90.0, 60.0).total("Ca", "KL3"))
    assert all(a > b for a, b in zip(ca, ca[1:]))
    paint = paint_layer([(verm, 1.0)], 1.0, pvc=0.4)
    e_ca = xraylib.LineEnergy(20, xraylib.KL3_LINE)
    mu = sum(
        w
        * (
            xraylib.CS_Total(xraylib.SymbolToAtomicNumber(el), e0) / np.sin(np.radians(90))
            + xraylib.CS_Total(xraylib.SymbolToAtomicNumber(el), e_ca) / np.sin(np.radians(60))
        )
        for el, w in paint.composition
    )
    expect = np.exp(-mu * paint.density * 35e-4)  # 40 um vs 5 um
    assert ca[3] / ca[0] == pytest.approx(expect, rel=2e-3)
    assert ca[3] / ca[0] < 0.05


def test_heavier_matrix_absorbs_low_energy_lines_more():
    """Same S and Sr mass fractions in a 20 um light (organic) and heavy (Ba oxide) layer: per unit
    mass the heavy matrix loses far more of the 2.3 keV S line than of the 14.2 keV Sr line; and a
    heavy overlayer cuts the ground's Ca K-alpha more than a light one."""
    ex = np.array(tube_spectrum("Rh", 40.0))
    light = layer({"S": 0.02, "Sr": 0.02, "C": 0.7, "O": 0.26}, density=1.2, um=20)
    heavy = layer({"S": 0.02, "Sr": 0.02, "Ba": 0.7, "O": 0.26}, density=5.0, um=20)
    r_light = primary_fluorescence([light], ex)
    r_heavy = primary_fluorescence([heavy], ex)
    mass = heavy.areal_density / light.areal_density
    s_ratio = r_heavy.total("S", "K") / r_light.total("S", "K") / mass
    sr_ratio = r_heavy.total("Sr", "K") / r_light.total("Sr", "K") / mass
    assert s_ratio < 0.2 * sr_ratio and sr_ratio < 1.0
    ground = layer({"Ca": 0.3, "S": 0.2, "O": 0.5}, density=2.3, um=300.0)
    over_light = primary_fluorescence([layer({"C": 0.7, "O": 0.3}, 1.2, 20), ground], ex).total(
        "Ca", "KL"
    )
    over_heavy = primary_fluorescence([layer({"Ba": 0.7, "O": 0.3}, 4.0, 20), ground], ex).total(
        "Ca", "KL"
    )
    assert over_heavy < 0.2 * over_light


def test_tube_spectrum_continuum_ends_at_kv_and_shows_anode_lines():
    e = xsec.fine_energy()
    rh = np.asarray(tube_spectrum("Rh", 30.0))
    assert rh[e > 30.0].sum() == 0 and rh[(e > 10) & (e < 29)].min() > 0
    ka = xraylib.LineEnergy(45, xraylib.KL3_LINE)
    i = int(np.argmin(abs(e - ka)))
    assert rh[i - 1 : i + 2].sum() > 10 * rh[i - 20 : i - 10].mean()
    w = np.asarray(tube_spectrum("W", 30.0))  # no W K lines below 69.5 keV, but L lines
    la = xraylib.LineEnergy(74, xraylib.L3M5_LINE)
    j = int(np.argmin(abs(e - la)))
    assert w[j - 1 : j + 2].sum() > 5 * w[j - 20 : j - 10].mean()


@pytest.mark.parametrize("fwhm", [125.0, 160.0, 178.0])
def test_detector_fwhm_at_mn_ka_equals_profile(fwhm):
    fine = xsec.deposit([detector.MN_KA], [1e6])
    resp = detector.response_matrix(0.0, 0.005, 4096, fwhm)
    spec = resp(fine)
    e = 0.005 * np.arange(4096)
    centre, width, _ = fit_peak(e, spec, detector.MN_KA - 0.25, detector.MN_KA + 0.25)
    assert centre == pytest.approx(detector.MN_KA, abs=0.003)
    assert width * 1e3 == pytest.approx(fwhm, rel=0.02)
    # width grows with energy as the Fano term says
    assert (
        detector.fwhm_ev(15.0, fwhm) > detector.fwhm_ev(5.895, fwhm) > detector.fwhm_ev(2.0, fwhm)
    )


def test_escape_peak_sits_174_ev_below_strong_lines():
    e_line = 8.048  # Cu K-alpha
    fine = xsec.deposit([e_line], [1e6])
    resp = detector.response_matrix(0.0, 0.01, 2048, 140.0)
    spec = resp(fine)
    e = 0.01 * np.arange(2048)
    centre, _, area = fit_peak(e, spec, e_line - 1.74 - 0.3, e_line - 1.74 + 0.3)
    assert centre == pytest.approx(e_line - detector.SI_KA, abs=0.01)
    assert (
        5e-4 < area / 0.01 / 1e6 < 1e-2
    )  # escape fraction: ~0.2 % at Cu K-alpha (area in keV x counts/ch)
    assert detector.escape_probability(1.5)[0] == 0.0  # below the Si K edge nothing escapes


def test_spectrum_shows_paint_and_ground_lines_and_scatter():
    from xrf_napari.physics.layers import ground_layer, support_layer

    prof = InstrumentProfile(
        anode="Rh", kv=40.0, n_channels=2048, offset=0.0, gain=0.02, fwhm_mn_ev=140.0
    )
    model = SpectrumModel(prof)
    e = prof.energy

    def peaks(spec, lines):
        bg = np.median(spec[(e > 4.5) & (e < 8)])
        return [spec[int(np.argmin(abs(e - x)))] > 3 * bg for x in lines]

    ground = [ground_layer("gypsum", 200), support_layer()]
    lead = model.spectrum([paint_layer([(get_pigment("Lead white"), 1.0)], 10.0)] + ground)
    assert all(peaks(lead.native, (10.55, 12.61)))  # Pb L-alpha, L-beta
    lake = model.spectrum([paint_layer([(get_pigment("Red lake"), 1.0)], 10.0)] + ground)
    assert all(
        peaks(lake.native, (3.69, 14.16, 20.17))
    )  # Ca K-alpha and Sr K-alpha (ground), Rh Rayleigh
    ca = int(np.argmin(abs(e - 3.69)))
    assert (
        lake.native[ca] > 20 * lead.native[ca]
    )  # lead white hides the ground's Ca (what is left is background)
    assert lead.canonical.shape == (512,)
    inside = (e > 1.0) & (e < 26.6)  # canonical grid keeps the counts of the 1-26.6 keV range
    assert lead.canonical.sum() == pytest.approx(lead.native[inside].sum(), rel=0.01)


def test_random_profiles_keep_test_instruments_out_of_training():
    rng = np.random.default_rng(0)
    train = [random_profile(rng, "train") for _ in range(200)]
    test = [random_profile(rng, "test") for _ in range(50)]
    assert {p.anode for p in train} == {"Rh", "W", "Cu"} and {p.anode for p in test} == {"Mo"}
    assert max(p.fwhm_mn_ev for p in train) <= 165 <= min(p.fwhm_mn_ev for p in test)
    for p in train + test:
        assert 1024 <= p.n_channels <= 4096 and 100 <= p.counts_per_pixel <= 10000
        assert p.calibration.energy(p.n_channels)[-1] >= 26.6  # covers the canonical grid
        assert InstrumentProfile.from_dict(p.to_dict()) == p


def test_mixture_formula_weights():
    comp = dict(formula_composition("0.5*CaCO3 + 0.5*BaSO4"))
    ca = dict(formula_composition("CaCO3"))["Ca"]
    assert comp["Ca"] == pytest.approx(0.5 * ca)
    with pytest.raises(ValueError, match="cannot parse"):
        formula_composition("Xx2O")


@pytest.mark.parametrize("e_kev", [5.0, 6.403, 8.041])
def test_pileup_sum_peak_lands_at_twice_the_line_energy(e_kev):
    """Two photons of E pile up to 2E (the index shift used to be rounded: +10 eV)."""
    e = xsec.fine_energy()
    f = xsec.deposit([e_kev], [1.0])
    out = detector.pileup(f, 0.01)
    assert out.sum() == pytest.approx(1 - 0.01, rel=1e-9)  # two photons out, one in
    summed = out - (1 - 2 * 0.01) * f
    centroid = (summed * e).sum() / summed.sum()
    assert abs(centroid - 2 * e_kev) * 1e3 < 1.0  # eV
