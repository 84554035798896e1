"""Pigment hypotheses per region: known recipes rank first, hidden partners are named, bad input
gives clear messages."""

import numpy as np
import pytest

pytest.importorskip("xraylib")

from xrf_napari.analysis import pigment_fit as pf
from xrf_napari.cube import cube_from_array
from xrf_napari.energy import Calibration, canonical_energy
from xrf_napari.physics.instrument import InstrumentProfile
from xrf_napari.synth.dataset import synthesize
from xrf_napari.synth.recipes import Recipe

CANON = Calibration.canonical()
PROFILE = InstrumentProfile(anode="Rh", kv=40.0, fwhm_mn_ev=150.0, counts_per_pixel=2000.0)
RECIPES = [  # a stripe each, so every region has a large interior
    (["Vermilion", "Lead white"], [0.4, 0.6]),
    (["Lead white", "Red lake"], [0.6, 0.4]),
    (["Emerald green", "Zinc white"], [0.5, 0.5]),  # no lead: rules out a lead priming
    (["Yellow ochre"], [1.0]),
]


def _cube(recipes, size=48, seed=5, profile=PROFILE, single_pixel=False):
    rng = np.random.default_rng(seed)
    labels = (
        np.repeat(np.arange(len(recipes)), size // len(recipes))[None, :]
        .repeat(size, 0)
        .astype(np.int32)
    )
    recs = [Recipe(p, f, [0, 0, 0], [0, 0, 0], 0.0) for p, f in recipes]
    syn = synthesize(
        np.zeros((size, size, 3), np.uint8), rng, profile, labels=labels, recipes=recs, blur_px=1.0
    )
    meta = dict(syn.metadata, name="test-scan")
    lab = labels + 1
    if single_pixel:
        lab[5, 5] = len(recipes) + 1
    return cube_from_array(syn.counts, CANON, **meta), lab


@pytest.fixture(scope="module")
def report():
    cube, labels = _cube(RECIPES, single_pixel=True)
    return pf.fit_regions(cube, labels)


def test_known_recipe_ranks_first(report):
    by_label = {r.label: r for r in report.regions}
    best = by_label[1].best
    assert set(best.pigments) == {"Vermilion", "Lead white"}
    assert {"Hg", "S", "Pb"} <= set(best.elements)
    assert best.probability > 0.5 and best.probability == max(
        c.probability for c in by_label[1].candidates
    )
    # the fitted model explains the region: chi2 per channel far below that of "no pigment"
    none = [c for c in by_label[1].candidates if not c.pigments]
    assert not none or none[0].chi2 > 10 * best.chi2
    # emerald and Scheele's green (both Cu + As) are twins: the linear mix cannot weigh the Zn
    # matrix's absorption of As K lines, so either may lead
    assert set(by_label[3].best.pigments) in (
        {"Emerald green", "Zinc white"},
        {"Scheele's green", "Zinc white"},
    )
    assert by_label[4].best.pigments[0] in ("Yellow ochre", "Red ochre", "Prussian blue")
    assert not any("priming" in g for g in report.ground)  # region 3 has no lead
    # candidates carry a Kubelka-Munk colour: vermilion + lead white is reddish
    r, g, b = best.rgb
    assert r > g and r > b


def test_lead_only_region_names_lead_white_and_hidden_partners(report):
    res = {r.label: r for r in report.regions}[2]
    assert "Lead white" in res.best.pigments
    assert any("Lead white" in c.pigments for c in res.candidates[:3])
    hidden = {h.pigment: h for h in res.hidden}
    assert {"Carbon black", "Indigo", "Madder lake"} <= set(hidden)
    # a pigment of the best candidate is not also "possibly hidden" (audit 28, finding 5)
    assert ("Red lake" in hidden) != ("Red lake" in res.best.pigments)
    # each partner's colour is the best candidate mixed with it: carbon black darkens it, and
    # mixed with red lake lead white turns pink
    best = np.array(res.best.rgb)
    assert np.array(hidden["Carbon black"].rgb).sum() < best.sum() - 0.1
    lw = np.array(
        pf.component_library(PROFILE)
        .pigments[pf.component_library(PROFILE).index("Lead white")]
        .rgb
    )
    pink = np.array(hidden["Red lake"].rgb) if "Red lake" not in res.best.pigments else best
    assert pink[0] - pink[1] > lw[0] - lw[1] + 0.1


def test_one_pixel_region_gets_a_message(report):
    res = {r.label: r for r in report.regions}[5]
    assert res.n_pixels == 1 and not res.candidates
    assert "1 pixel" in res.message and "too few" in res.message


def test_pure_scatter_region_says_no_pigment_lines():
    lib = pf.component_library(PROFILE)
    scat = lib.scatter.sum(axis=0)
    rng = np.random.default_rng(0)
    counts = rng.poisson(scat / scat.sum() * 1500.0, size=(16, 16, scat.size)).astype(np.uint16)
    cube = cube_from_array(counts, CANON, profile=PROFILE.to_dict())
    rep = pf.fit_regions(cube, np.ones((16, 16), np.int32))
    res = rep.regions[0]
    assert res.best.pigments == []
    assert "no pigment lines" in res.message
    assert {h.pigment for h in res.hidden} >= {"Carbon black", "Indigo"}


def test_a_spectrum_the_forward_model_cannot_make_is_flagged(report):
    """Two lone sharp lines (no K-beta, no L family: what no paint layer under a tube gives) leave
    half the counts unexplained whatever the candidate: the region says its candidates are
    unreliable. The paint regions of the same scan stay far below the flag."""
    e = canonical_energy()
    shape = np.exp(-0.5 * ((e - 4.5) / 0.07) ** 2) + np.exp(-0.5 * ((e - 11.0) / 0.07) ** 2)
    counts = np.random.default_rng(0).poisson(shape / shape.sum() * 2000, (6, 6, e.size))
    cube = cube_from_array(counts.astype(np.uint16), CANON, profile=PROFILE.to_dict())
    res = pf.fit_regions(cube, np.ones((6, 6), np.int32)).regions[0]
    share = pf.unexplained_share(res.spectrum * res.n_pixels, res.best.model)
    assert share > pf.MISFIT_WARN and "unreliable" in res.message
    assert f"{100 * share:.0f} % of the counts unexplained" in res.message
    for r in report.regions:
        if r.best is not None:
            assert pf.unexplained_share(r.spectrum * r.n_pixels, r.best.model) < 0.1
            assert "unreliable" not in r.message
    y = np.array([10.0, 30.0, 60.0])
    assert pf.unexplained_share(y, y) == 0 and pf.unexplained_share(y, y[::-1]) == 0.5
    assert pf.unexplained_share(y, None) is None


def test_unknown_anode_and_missing_metadata():
    counts = np.ones((4, 4, 512), np.uint16)
    with pytest.raises(pf.PigmentFitError, match="unknown X-ray tube anode 'Xx'.*Rh"):
        pf.fit_regions(
            cube_from_array(counts, CANON, profile={"anode": "Xx"}), np.ones((4, 4), int)
        )
    prof, notes = pf.instrument_for(cube_from_array(counts, CANON))
    assert prof.anode == "Rh" and any("anode not in the metadata" in n for n in notes)
    prof, _ = pf.instrument_for(cube_from_array(counts, CANON, tube={"anode": "mo", "kv": 35}))
    assert prof.anode == "Mo" and prof.kv == 35.0
    for given in ({"kv": 0}, {"fwhm_mn_ev": 0}):  # a given 0 is refused, not read as "absent"
        with pytest.raises(pf.PigmentFitError, match="implausible instrument"):
            pf.instrument_for(cube_from_array(counts, CANON), **given)


def test_optic_and_gas_come_from_the_header_or_the_user():
    """A header's optic ("Lens") and gas reach the profile; the user's word overrides both (a
    Bruker .rpl export says neither); a name the physics does not know is refused."""
    from xrf_napari.physics.instrument import M6_OPTIC_CUTOFF_KEV

    counts = np.ones((4, 4, 512), np.uint16)
    bare = cube_from_array(counts, CANON)
    prof, notes = pf.instrument_for(bare)
    assert (prof.optic, prof.atmosphere) == ("collimator", "air") and "collimator" in notes[0]
    prof, notes = pf.instrument_for(bare, optic="lens", atmosphere="helium")
    assert (prof.optic, prof.atmosphere) == ("polycapillary", "helium")
    assert prof.optic_cutoff_kev == M6_OPTIC_CUTOFF_KEV
    assert "lens (given)" in notes[0] and "in helium (given)" in notes[0]
    m6 = cube_from_array(counts, CANON, optic="Lens", atmosphere="Helium")
    prof, notes = pf.instrument_for(m6)
    assert (prof.optic, prof.atmosphere) == ("polycapillary", "helium")
    assert "named in the file" in notes[0] and "from the file" in notes[0]
    prof, _ = pf.instrument_for(m6, optic="collimator", atmosphere="air")
    assert (prof.optic, prof.atmosphere) == ("collimator", "air")
    for bad in ({"optic": "mirror"}, {"atmosphere": "argon"}):
        with pytest.raises(pf.PigmentFitError, match="unknown"):
            pf.instrument_for(bare, **bad)


def test_bad_labels_and_uncalibrated_cube():
    counts = np.ones((4, 4, 512), np.uint16)
    with pytest.raises(pf.PigmentFitError, match="does not match the scan"):
        pf.fit_regions(cube_from_array(counts, CANON), np.ones((3, 4), int))
    with pytest.raises(pf.PigmentFitError, match="no energy calibration"):
        pf.fit_regions(cube_from_array(counts), np.ones((4, 4), int))


def test_a_label_map_without_a_region_is_refused():
    """Every pixel 0 (an empty Labels layer, a mask): refused with a message, where it used to
    give an empty report without a word."""
    counts = np.ones((4, 4, 512), np.uint16)
    with pytest.raises(pf.PigmentFitError, match="no region: every pixel is 0"):
        pf.fit_regions(cube_from_array(counts, CANON), np.zeros((4, 4), np.int32))


def test_twins_and_visibility():
    lib = pf.component_library(PROFILE)
    i = lib.index
    assert i("Red lead") in lib.twins(i("Lead white"))
    assert i("Malachite") in lib.twins(i("Azurite"))
    assert i("Naples yellow") not in lib.twins(i("Lead-tin yellow I"))  # Sb vs Sn
    assert not lib.visible[i("Carbon black")] and not lib.visible[i("Indigo")]
    assert lib.visible[i("Vermilion")] and lib.visible[i("Lead white")]
    assert pf.visible_pigments(["Red lake", "Lead white"], PROFILE) == {"Lead white"}


def test_anode_and_resolution_estimated_when_the_file_lacks_them():
    mo = InstrumentProfile(anode="Mo", kv=45.0, fwhm_mn_ev=170.0, counts_per_pixel=2000.0)
    cube, labels = _cube(RECIPES[:3], size=36, seed=4, profile=mo)
    # no metadata at all, and an energy axis the reader calibrated itself, assuming Rh
    auto = {"residual_ev_rms": 12.3, "matched": ["Rh Lb (anode) ch 190.4"], "anode": "Rh"}
    cal = Calibration(CANON.offset, CANON.gain, CANON.quadratic, source="auto")
    bare = cube_from_array(np.asarray(cube.data), cal, auto_calibration=auto)
    # each stage reports progress (the dock's bar and Cancel act at these yields): the pass over
    # the file, then one step per instrument tried (the 4 resolutions: the anode is the one the
    # scan's scatter lines show, tube_guess.scan_anode, as every dock reads it), the ground, the
    # regions
    steps, gen = [], pf.iter_fit_regions(bare, labels, stages=True)
    while True:
        try:
            steps.append(next(gen))
        except StopIteration as stop:
            rep = stop.value
            break
    names = [s for s in steps if isinstance(s, str)]
    assert [n.split()[0] for n in names] == ["Reading", "Estimating", "Choosing", "Fitting"]
    at = [steps.index(n) for n in names]
    assert (36, 36) in steps[at[0] : at[1]]  # the rows read
    assert steps[at[1] + 1 : at[2]] == [(k, 4) for k in range(5)]
    assert steps[-1] == (3, 3)
    assert rep.profile.anode == "Mo"
    assert abs(rep.profile.fwhm_mn_ev - 170.0) <= 20.0
    assert any("estimated from the spectra" in n for n in rep.notes)
    assert not any(n.startswith("anode not in the metadata: Rh assumed") for n in rep.notes)
    best = {r.label: r.best for r in rep.regions}
    assert "Vermilion" in best[1].pigments
    # the report says the energy axis is the reader's automatic calibration, which anode that
    # assumed, and that the fit's estimate contradicts it
    assert (
        "energy calibration: automatic (the file has none), assuming the Rh anode's lines among "
        "its peaks (the file names none: Rh by default; --anode for another tube), residual 12 "
        "eV rms"
    ) in rep.notes
    assert any(
        n.startswith("contradiction: the fit's anode is Mo but the automatic energy calibration")
        for n in rep.notes
    )
    from dataclasses import replace

    same = pf.calibration_notes(bare, replace(rep.profile, anode="Rh"))
    assert len(same) == 1 and "automatic" in same[0]  # no contradiction when they agree
    assert pf.calibration_notes(cube, rep.profile) == []  # the file's own calibration


MO = InstrumentProfile(anode="Mo", kv=40.0, fwhm_mn_ev=170.0, counts_per_pixel=1500.0)


def _stripes(recipes, widths, seed, size=48, blur=2.0):
    """Vertical stripes of the given widths; seeds 4 and 5 draw a chalk ground (no priming)."""
    rng = np.random.default_rng(seed)
    col = np.repeat(np.arange(len(widths)), widths)[:size]
    labels = np.repeat(col[None, :], size, 0).astype(np.int32)
    recs = [Recipe(p, f, [0, 0, 0], [0, 0, 0], 0.0) for p, f in recipes]
    syn = synthesize(
        np.zeros((size, size, 3), np.uint8), rng, MO, labels=labels, recipes=recs, blur_px=blur
    )
    assert not any("priming" in g["name"] for g in syn.metadata["ground"])
    return cube_from_array(syn.counts, CANON, **dict(syn.metadata, name="stripes")), labels + 1


@pytest.mark.parametrize("seed", [4, 5])
def test_two_pigments_and_lead_white_between_neighbours_rank_first(seed):
    """A narrow stripe of vermilion + smalt + lead white between zinc white + ochre and titanium
    white + Prussian blue, with soft (2 px) boundaries: the neighbours' zinc, iron and titanium
    bleed into its mean spectrum. Without the neighbour column they came back as zinc or titanium
    white admixtures (seed 4) or Naples yellow in the ochre stripe (seed 5)."""
    recipes = [
        (["Vermilion", "Smalt", "Lead white"], [0.3, 0.2, 0.5]),
        (["Zinc white", "Yellow ochre"], [0.7, 0.3]),
        (["Vermilion", "Smalt", "Lead white"], [0.3, 0.2, 0.5]),
        (["Titanium white", "Prussian blue"], [0.6, 0.4]),
    ]
    cube, labels = _stripes(recipes, [14, 10, 10, 14], seed)
    rep = pf.fit_regions(cube, labels)
    for res, (names, _) in zip(rep.regions, recipes):
        assert set(res.best.pigments) == set(names), (res.label, res.best.label)


def test_zinc_white_paint_needs_no_spurious_pigment():
    """90 % zinc white: its K edge (9.66 keV) cuts the scattered continuum, which the light and
    lead paints' scatter cannot follow; the misfit used to be taken by a little raw umber."""
    recipes = [
        (["Green earth", "Zinc white"], [0.2, 0.8]),
        (["Vermilion", "Lead white"], [0.4, 0.6]),
    ]
    cube, labels = _stripes(recipes, [24, 24], seed=4)
    rep = pf.fit_regions(cube, labels)
    assert set(rep.regions[0].best.pigments) == {"Green earth", "Zinc white"}
    lib = pf.component_library(MO)
    zn = lib.own_scatter[lib.index("Zinc white")]
    e = canonical_energy()
    below, above = zn[(e > 8.9) & (e < 9.5)].mean(), zn[(e > 9.8) & (e < 10.4)].mean()
    assert above < below  # the edge is in zinc white's own scatter column


def test_weak_pigments_with_lines_are_twins_of_their_visible_kin():
    lib = pf.component_library(PROFILE)
    i = lib.index
    assert not lib.visible[i("Van Dyke brown")]  # hidden, yet its iron shows at high fractions
    assert i("Van Dyke brown") in lib.twins(i("Yellow ochre"))
    assert i("Red lake") in lib.twins(i("Madder lake"))
    assert i("Carbon black") not in lib.twins(i("Indigo"))  # no lines at all: not twins
    # whole candidates that show the same elements compete as twins
    key = pf._xray_key
    assert key(lib, (i("Chrome yellow"),)) == key(lib, (i("Viridian"), i("Lead white")))
    assert key(lib, (i("Vermilion"),)) != key(lib, (i("Cadmium red"),))


def test_hidden_pigments_whose_lines_are_shown_are_enumerated():
    """The screening gives iron to whichever pigment takes it best (green earth beside smalt's
    potassium); Van Dyke brown, hidden and showing the same iron, must still be tried: a smalt
    darkened with it was reported as smalt + green earth."""
    lib = pf.component_library(MO)
    i = lib.index
    within = pf._within_shown(lib, [i("Smalt"), i("Green earth")])
    assert i("Van Dyke brown") in within
    assert not any(lib.visible[j] for j in within)  # visible kin stay with the screening
    assert i("Red lake") not in within  # K but no Ca shown
    assert i("Red lake") in pf._within_shown(lib, [i("Smalt"), i("Yellow lake")])
    assert pf._within_shown(lib, []) == []
    # with a photograph's prior, visible kin are tried too (its colour sorts them out)
    wide = pf._within_shown(lib, [i("Smalt"), i("Green earth")], visible_too=True)
    assert set(within) < set(wide) and i("Yellow ochre") in wide and i("Azurite") not in wide
    recipes = [(["Smalt", "Van Dyke brown"], [0.6, 0.4]), (["Vermilion", "Lead white"], [0.4, 0.6])]
    cube, labels = _stripes(recipes, [24, 24], seed=5)
    res = pf.fit_regions(cube, labels).regions[0]
    assert {p for p in res.best.pigments if lib.visible[i(p)]} == {"Smalt"}, res.best.label
    assert any("Van Dyke brown" in c.pigments for c in res.candidates[:2])


def test_a_photograph_suggests_the_hidden_partner_its_colour_needs():
    """Lead white alone is white; a photograph showing that region pink asks for a red lake,
    which X-rays cannot see: it is suggested, in about the share that gives that pink."""
    from xrf_napari.physics.colour import km_mix
    from xrf_napari.physics.pigments import get_pigment

    lib = pf.component_library(MO)
    white = get_pigment("Lead white").rgb
    best = pf.Candidate(["Lead white"], [1.0], ["Pb"], [], tuple(white), 1.0, 0.0, 0.0)
    plain = pf.hidden_partners(lib, best)
    assert not any(h.suggested for h in plain)
    assert {h.fraction for h in plain} == {pf.HIDDEN_FRACTION}
    pink = km_mix(np.array([white, get_pigment("Red lake").rgb]), np.array([[0.7, 0.3]]))[0]
    first, *rest = pf.hidden_partners(lib, best, pink)
    assert first.suggested and first.pigment in ("Red lake", "Madder lake")
    assert 0.15 <= first.fraction <= 0.45 and not any(h.suggested for h in rest)
    assert not any(h.suggested for h in pf.hidden_partners(lib, best, white))  # white is white
    assert not any(h.suggested for h in pf.hidden_partners(lib, None, pink))  # nothing to anchor


def test_the_suggested_partner_is_an_option_to_paint_with():
    """The suggestion becomes a paint option after the candidates: the best candidate's
    pigments and X-ray fit with the partner mixed in at its share, in that mixture's colour
    (closer to the photograph than the best candidate alone); without a suggestion, none."""
    from skimage.color import deltaE_ciede2000, rgb2lab

    from xrf_napari.physics.colour import km_mix
    from xrf_napari.physics.pigments import get_pigment

    lib = pf.component_library(MO)
    white = get_pigment("Lead white").rgb
    best = pf.Candidate(["Lead white"], [1.0], ["Pb"], [], tuple(white), 0.8, 12.0, -3.0)
    pink = km_mix(np.array([white, get_pigment("Red lake").rgb]), np.array([[0.7, 0.3]]))[0]
    region = pf.RegionResult(
        1, 100, 1e5, np.zeros(512), [best], pf.hidden_partners(lib, best, pink)
    )
    mix = region.suggested
    assert region.options == [best, mix]
    partner = region.hidden[0]
    assert mix.pigments == ["Lead white", partner.pigment] and mix.suggested_partner
    np.testing.assert_allclose(mix.fractions, [1 - partner.fraction, partner.fraction])
    assert (mix.probability, mix.chi2, mix.elements) == (0.8, 12.0, ["Pb"])
    assert f"{partner.pigment} hidden" in mix.label

    def de(rgb):
        return float(deltaE_ciede2000(rgb2lab(np.array(rgb)), rgb2lab(pink)))

    assert de(mix.rgb) < de(best.rgb) - pf.SUGGEST_MARGIN
    plain = pf.RegionResult(1, 100, 1e5, np.zeros(512), [best], pf.hidden_partners(lib, best))
    assert plain.suggested is None and plain.options == [best]
    # an empty best candidate (no visible pigment): the partner alone, e.g. indigo
    bare = pf.Candidate([], [], [], [], (0.9, 0.9, 0.85), 1.0, 5.0, 0.0)
    blue = get_pigment("Indigo").rgb
    alone = pf.RegionResult(2, 100, 1e5, np.zeros(512), [bare], pf.hidden_partners(lib, bare, blue))
    assert alone.suggested.pigments == ["Indigo"] and alone.suggested.fractions == [1.0]
    assert alone.suggested.label == "Indigo (hidden)"


def test_a_photograph_settles_what_the_lines_leave_close():
    """A trace of ochre in lead white at 30 counts per pixel: its iron is at the noise, and the
    spectrum alone says lead white. A photograph (the surface's own colour) may settle what the
    lines leave close, across element hypotheses; a recolouring's colour (source "model") only
    orders X-ray twins, so the same cream from it changes nothing."""
    from xrf_napari.physics.colour import km_mix
    from xrf_napari.physics.pigments import get_pigment

    low = InstrumentProfile(anode="Rh", kv=40.0, fwhm_mn_ev=145.0, counts_per_pixel=30.0)
    recipe = (["Lead white", "Yellow ochre"], [0.98, 0.02])
    cube, labels = _cube([recipe, (["Zinc white"], [1.0])], size=30, seed=1, profile=low)
    cream = km_mix(np.array([get_pigment(n).rgb for n in recipe[0]]), np.array([recipe[1]]))[0]
    priors = {1: tuple(cream), 2: get_pigment("Zinc white").rgb}

    def top(**kw):
        return pf.fit_regions(cube, labels, **kw).regions[0].best.pigments

    assert "Yellow ochre" not in top()
    assert top(colour_priors=priors) == top()
    assert set(top(colour_priors=priors, colour_source="photograph")) == set(recipe[0])
    with pytest.raises(ValueError, match="colour_source"):
        top(colour_priors=priors, colour_source="camera")


@pytest.mark.parametrize("seed", [2, 6])
def test_lead_white_over_a_lead_priming_is_lead_white(seed):
    """Lead white paint over a lead-white priming (the seeds draw a priming): the continuum
    scattered back through two lead layers has its own shape, and without a scatter column for
    it the fit took red lead's thick layer to bend the spectrum there and named red lead."""
    cube, labels = _cube([(["Lead white"], [1.0]), (["Zinc white"], [1.0])], size=30, seed=seed)
    assert cube.metadata["ground"][0]["name"] == "lead white priming"
    rep = pf.fit_regions(cube, labels)
    assert "lead white priming (lead in every region)" in rep.ground
    assert rep.regions[0].best.pigments == ["Lead white"]


@pytest.mark.parametrize("seed", [2, 6])
def test_a_twin_the_spectrum_rules_out_is_not_lifted_to_the_top(seed):
    """Viridian + lead white over a lead priming: chrome yellow shows the same Pb and Cr, but its
    fixed Pb:Cr cannot make this much lead (chi2 about 2,900 against 500). Twins used to be lifted
    to within TWIN_CAP of the best whatever their own fit, and the base rates then put chrome
    yellow first; a twin further than TWIN_LIFT_MAX below keeps its own score."""
    cube, labels = _cube(
        [(["Viridian", "Lead white"], [0.5, 0.5]), (["Zinc white"], [1.0])], size=30, seed=seed
    )
    assert cube.metadata["ground"][0]["name"] == "lead white priming"
    cands = pf.fit_regions(cube, labels).regions[0].candidates
    assert "Viridian" in cands[0].pigments and "Chrome yellow" not in cands[0].pigments
    assert cands[0].chi2 < 1.2 * min(c.chi2 for c in cands)
    yellow = [c for c in cands if c.pigments == ["Chrome yellow"]]
    assert not yellow or yellow[0].probability < 0.01


@pytest.mark.parametrize(
    "paint, seed",
    [(["Vermilion"], 2), (["Vermilion", "Lead white"], 2), (["Vermilion", "Lead white"], 6)],
)
def test_vermilion_over_a_lead_priming_shows_no_arsenic(paint, seed):
    """Mercury's L3 edge lies between lead's L-alpha and L-beta, so a lead-white priming under
    vermilion loses L-beta; without the priming seen through the candidate's own paint the extra
    L-alpha went to arsenic's K-alpha and every one of these read as vermilion + realgar."""
    recipe = (paint, [1.0 / len(paint)] * len(paint))
    cube, labels = _cube([recipe, (["Zinc white"], [1.0])], size=30, seed=seed)
    assert cube.metadata["ground"][0]["name"] == "lead white priming"
    best = pf.fit_regions(cube, labels).regions[0].best
    assert "Vermilion" in best.pigments
    assert "As" not in best.elements, best.pigments


@pytest.mark.parametrize(
    "recipe, seed",
    [
        ((["Orpiment", "Indigo", "Zinc white"], [0.3, 0.15, 0.55]), 2),
        ((["Orpiment", "Indigo", "Zinc white"], [0.3, 0.15, 0.55]), 5),
        ((["Yellow ochre", "Indigo", "Lead white"], [0.3, 0.15, 0.55]), 2),
    ],
)
def test_a_photograph_showing_a_hidden_pigment_still_names_the_visible_ones(recipe, seed):
    """A photograph shows hidden pigments too: orpiment + zinc white darkened green by indigo was
    read as realgar + zinc white (its X-ray twin, nearer that green alone), yellow ochre + lead
    white as red ochre + Prussian blue. Each candidate's colour may borrow a hidden partner (at
    the suggestion's margin): the visible pigments are named and indigo suggested."""
    from xrf_napari.physics.colour import km_mix
    from xrf_napari.physics.pigments import get_pigment

    names, fractions = recipe
    cube, labels = _cube([recipe, (["Titanium white"], [1.0])], size=30, seed=seed)
    photo = km_mix(np.array([get_pigment(n).rgb for n in names]), np.array([fractions]))[0]
    priors = {1: tuple(photo), 2: get_pigment("Titanium white").rgb}
    region = pf.fit_regions(cube, labels, colour_priors=priors, colour_source="photograph")
    best = region.regions[0]
    assert set(best.best.pigments) == set(names) - {"Indigo"}
    assert [h.pigment for h in best.hidden if h.suggested] == ["Indigo"]


def test_only_a_photograph_suggests_a_hidden_partner():
    """A titanium-white region that the colour prior shows pink: a photograph's pink suggests a
    red lake beside the white, in about the share that gives that pink; the same pink from a
    recolouring suggests nothing and leaves the partners as without a prior (its suggestions were
    mostly wrong on held-out cubes)."""
    from xrf_napari.physics.colour import km_mix
    from xrf_napari.physics.pigments import get_pigment

    scan = [(["Titanium white"], [1.0]), (["Zinc white"], [1.0])]
    cube, labels = _cube(scan, size=30, seed=2)
    names = ["Titanium white", "Red lake"]
    pink = km_mix(np.array([get_pigment(n).rgb for n in names]), np.array([[0.7, 0.3]]))[0]
    priors = {1: tuple(pink), 2: get_pigment("Zinc white").rgb}

    def fit(**kw):
        return pf.fit_regions(cube, labels, **kw).regions[0]

    photo = fit(colour_priors=priors, colour_source="photograph")
    assert photo.best.pigments == ["Titanium white"]
    assert photo.hidden[0].suggested and photo.hidden[0].pigment in ("Red lake", "Madder lake")
    assert fit(colour_priors=priors).hidden == fit().hidden
    assert not any(h.suggested for h in fit().hidden)


def test_a_photograph_colour_alone_makes_no_candidate():
    """Lead white over a lead priming, pink in the photograph: the pigments the photograph adds to
    the search (vermilion for pink) may join pigments the lines show, not stand alone. Alone, a
    vermilion with no Hg line soaked up a little model error and the pink lifted it to first."""
    from xrf_napari.physics.colour import km_mix
    from xrf_napari.physics.pigments import get_pigment

    cube, labels = _cube([(["Lead white"], [1.0]), (["Zinc white"], [1.0])], size=30, seed=2)
    names = ["Lead white", "Red lake"]
    pink = km_mix(np.array([get_pigment(n).rgb for n in names]), np.array([[0.7, 0.3]]))[0]
    priors = {1: tuple(pink), 2: get_pigment("Zinc white").rgb}
    region = pf.fit_regions(cube, labels, colour_priors=priors, colour_source="photograph")
    region = region.regions[0]
    assert not any("Vermilion" in c.pigments for c in region.candidates)
    assert {"Lead white", "Red lead"} & set(region.best.pigments)


def test_a_photograph_brings_weak_lined_pigments_of_its_colour_into_the_search(monkeypatch):
    """Yellow lake (weld on chalk and alumina: only potassium and calcium lines) in titanium white
    at 30 counts per pixel: its lines are too weak to enter the screening's shortlist, so no
    candidate holds it. A photograph's yellow adds the visible pigments whose tints pass nearest
    it to the search, and the spectrum then keeps the lake; without that step (KIN_N = 0) the
    same photograph cannot help."""
    from xrf_napari.physics.colour import km_mix
    from xrf_napari.physics.pigments import get_pigment

    low = InstrumentProfile(anode="Rh", kv=40.0, fwhm_mn_ev=145.0, counts_per_pixel=30.0)
    recipe = (["Titanium white", "Yellow lake"], [0.7, 0.3])
    cube, labels = _cube([recipe, (["Zinc white"], [1.0])], size=30, seed=1, profile=low)
    yellow = km_mix(np.array([get_pigment(n).rgb for n in recipe[0]]), np.array([recipe[1]]))[0]
    priors = {1: tuple(yellow), 2: get_pigment("Zinc white").rgb}

    def top():
        rep = pf.fit_regions(cube, labels, colour_priors=priors, colour_source="photograph")
        return set(rep.regions[0].best.pigments)

    assert top() == set(recipe[0])
    monkeypatch.setattr(pf, "KIN_N", 0)
    assert top() == {"Titanium white"}


def test_neighbour_leak_weights_by_shared_boundary():
    labels = np.array([[1, 1, 2, 2, 2], [1, 1, 2, 2, 2], [1, 1, 3, 3, 3]])
    spectra = np.eye(3, 8) * np.array([[1.0], [2.0], [4.0]])  # one line per region
    leak = pf.neighbour_leak(labels, np.array([1, 2, 3]), spectra)
    # region 1 touches 2 over two rows and 3 over one: its own column is region 2's spectrum
    # (normalised), the rest share one column
    assert leak[0].shape == (2, 8)
    np.testing.assert_allclose(leak[0][0], np.eye(8)[1])
    np.testing.assert_allclose(leak[0][1], np.eye(8)[2])
    # region 3 touches 2 along three columns and 1 at one pixel
    np.testing.assert_allclose(leak[2], np.eye(8)[[1, 0]])
    assert len(pf.neighbour_leak(np.ones((3, 3), int), np.array([1]), spectra[:1])[0]) == 0


def test_base_rates_order_x_ray_twins_only():
    """Chrome yellow (Pb + Cr) shows the same lines as red lead + viridian or chrome yellow with a
    little viridian; X-rays alone preferred such a pair, the pigments' base rates (package
    data/pigment_usage.json) put the single common paint first. They only reorder candidates
    that show the same elements: the scores, and the elements shown at each rank, stay those of
    the physics alone. (Until session 60 the scan, both paints holding lead, was read as having
    a lead priming, and physics alone preferred red lead + viridian.)"""
    lp = pf.usage_log_prior(("Lead white", "Red lead", "No such pigment"))
    assert lp[0] > lp[1] > lp[2] > -np.inf
    recipes = [(["Chrome yellow"], [1.0]), (["Cobalt blue", "Lead white"], [0.3, 0.7])]
    cube, labels = _stripes(recipes, [24, 24], seed=4)
    with_rates = pf.fit_regions(cube, labels, top_n=8)
    physics = pf.fit_regions(cube, labels, top_n=8, usage_prior=False)
    assert physics.ground == with_rates.ground == ["gypsum or chalk ground"]  # no priming
    assert with_rates.regions[0].best.pigments == ["Chrome yellow"]
    assert "Viridian" in physics.regions[0].best.pigments
    assert set(with_rates.regions[1].best.pigments) == {"Cobalt blue", "Lead white"}
    from xrf_napari.elements import atomic_number

    def shown(rep):  # what X-rays see of each candidate: its elements from potassium up
        return [{e for e in c.elements if atomic_number(e) >= 19} for c in rep.candidates]

    for a, b in zip(with_rates.regions, physics.regions):
        assert [c.log_score for c in a.candidates] == [c.log_score for c in b.candidates]
        assert shown(a) == shown(b)


def test_a_region_without_pigment_lines_shows_its_ground():
    """Bare gypsum and bare chalk (seed 4: a chalk ground, no priming): no pigment candidate, and
    its colour is the ground the lines show (S + Ca: gypsum; Ca alone: chalk), not a mid grey."""
    from xrf_napari.physics.pigments import get_pigment

    recipes = [(["Gypsum"], [1.0]), (["Chalk"], [1.0]), (["Vermilion"], [1.0])]
    cube, labels = _stripes(recipes, [16, 16, 16], seed=4)
    gypsum, chalk, vermilion = pf.fit_regions(cube, labels).regions
    assert gypsum.best.pigments == [] and chalk.best.pigments == []
    assert np.allclose(gypsum.best.rgb, get_pigment("Gypsum").rgb, atol=1e-6)
    assert np.allclose(chalk.best.rgb, get_pigment("Chalk").rgb, atol=1e-6)
    assert vermilion.best.pigments == ["Vermilion"]


@pytest.fixture(scope="module")
def error_sources():
    """scripts/pigment_error_sources.py, and RECIPES' regions as it sees them."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    import pigment_error_sources

    cube, labels = _cube(RECIPES)
    recipes = [{"pigments": p} for p, _ in RECIPES]
    return pigment_error_sources, pigment_error_sources.regions_of(cube, labels, recipes)


def test_error_sources_sort_a_miss_into_its_cause(error_sources):
    """scripts/pigment_error_sources.py: the same region, told four different truths."""
    es, (lib, ground, energy, regions) = error_sources
    classify = es.classify
    lab, y, leak, truth, _ = regions[0]  # vermilion + lead white
    assert lab == 1 and {lib.pigments[i].name for i in truth} == {"Vermilion", "Lead white"}

    def told(*names):
        return classify(lib, ground, energy, y, leak, tuple(sorted(lib.index(n) for n in names)))

    assert told("Vermilion", "Lead white")["class"] == "right"
    assert told("Vermilion", "Red lead")["class"] == "twin"  # red lead: lead white's X-ray twin
    alone = told("Vermilion")  # enumerated, and the lead makes the true fit better: a score miss
    assert alone["class"] == "score" and alone["gap"] > 0 and alone["rank"] > 1
    absent = told("Vermilion", "Lead white", "Cobalt blue")  # no Co in the spectrum
    assert absent == {"class": "not a candidate", "why": "a pigment's share under MIN_SHARE"}


def test_a_hidden_black_sets_the_colour_ceiling_of_an_x_ray_identification(error_sources):
    """pigment_error_sources --colour: the same vermilion + lead white spectrum, named right, is
    near its colour when nothing else is in the paint and far from it when 10 % carbon black
    (no lines) darkens it; the summary splits the two."""
    es, (lib, ground, energy, regions) = error_sources
    lab, y, leak, truth, recipe = regions[0]
    ix = [lib.index(n) for n in ("Vermilion", "Lead white", "Carbon black")]
    seen = pf._colour(lib, ix[:2], RECIPES[0][1])
    darkened = pf._colour(lib, ix, [0.36, 0.54, 0.1])
    plain = es.colour_when_named(lib, ground, energy, y, leak, truth, recipe, seen)
    dark = es.colour_when_named(lib, ground, energy, y, leak, truth, recipe, darkened)
    assert plain["de_named"] < 5.0 < 10.0 < dark["de_named"]
    text = es.colour_summary([dict(plain, hides=False), dict(dark, hides=True)])
    hidden_line = next(ln for ln in text.splitlines() if "cannot rank" in ln)
    assert f"{dark['de_named']:.1f} / {dark['de_named']:.1f} (n 1)" in hidden_line


def test_region_ids_of_any_size_are_fitted_under_their_own_numbers():
    """A 16-bit label image may number a region 65535 (another segmenter, a painted Labels
    layer): the contact table of `neighbour_leak` was indexed by label value and asked for
    32 GiB. Every per-region table is now as long as there are regions, and the results keep
    the map's own ids, in the same order and with the same candidates as ids 1, 2."""
    from xrf_napari.analysis.pigment_report import paint_regions

    cube, labels = _cube([(["Vermilion"], [1.0]), (["Zinc white"], [1.0])], size=24, seed=1)
    plain = pf.fit_regions(cube, labels)
    for big in (65535, 2_000_000_000):
        relabelled = np.where(labels == 2, big, labels).astype(np.int64)
        rep = pf.fit_regions(cube, relabelled)
        assert [r.label for r in rep.regions] == [1, big]
        assert [r.best.pigments for r in rep.regions] == [r.best.pigments for r in plain.regions]
        painted = paint_regions(rep, relabelled)
        np.testing.assert_allclose(painted[relabelled == big][0], rep.regions[1].best.rgb)
    spectra = np.eye(2, 8)
    leak = pf.neighbour_leak(np.array([[3, 65535]]), np.array([3, 65535]), spectra)
    np.testing.assert_allclose(leak[0], spectra[[1]])
    np.testing.assert_allclose(leak[1], spectra[[0]])


def test_a_region_counts_all_its_pixels_and_its_interior_apart(report):
    """A region's mean spectrum comes from its interior (away from the neighbours' paint); its
    size is still all its pixels, as the label map has them: the report showed the interior
    alone as "px" (the sample's region 1: 137 of its 1,094 pixels)."""
    from xrf_napari.analysis.pigment_report import pixels_text

    _, labels = _cube(RECIPES, single_pixel=True)
    full = np.bincount(labels.ravel())
    by_label = {r.label: r for r in report.regions}
    for lab, r in by_label.items():
        assert r.area == r.region_pixels == full[lab]
    first = by_label[1]
    assert 0 < first.n_pixels < first.area  # a 12-pixel stripe: eroded
    assert pixels_text(first) == f"{first.area} px, spectrum from {first.n_pixels} interior px"
    assert pixels_text(by_label[5]) == "1 px"  # too small to erode: used whole


def _with_gold(cube, mask, share=0.08, seed=0):
    """The cube with gold's L lines (a gilding: Au is in no paint of the database) added to the
    pixels of `mask`, `share` of their counts."""
    from xrf_napari.detector import detector_fwhm_kev

    e = canonical_energy()

    def line(mu, amp):
        s = detector_fwhm_kev(mu, 145.0) / 2.3548
        return amp * np.exp(-0.5 * ((e - mu) / s) ** 2)

    au = line(9.713, 1.0) + line(11.442, 0.75) + line(13.38, 0.1)
    counts = np.asarray(cube.data).astype(np.float64)
    per_px = counts[mask].sum(axis=1).mean()
    rng = np.random.default_rng(seed)
    counts[mask] += rng.poisson(au / au.sum() * share * per_px, size=(mask.sum(), e.size))
    return cube_from_array(counts.astype(np.uint16), CANON, **cube.metadata)


def test_unexplained_lines_are_named_with_their_main_line():
    """Gold over lead white: its L-alpha (9.71 keV) was named "W Lb", though W's L-beta cannot
    show without its L-alpha (8.40 keV), absent. A line that is not its series' main line is a
    name only where that main line shows (explained, or left in the residual), and the element
    naming more of the residual's peaks wins; a peak no line may name is said to be unidentified."""
    cube, labels = _cube([(["Lead white"], [1.0]), (["Zinc white"], [1.0])], size=24, seed=1)
    gilded = _with_gold(cube, labels == 1)
    best = pf.fit_regions(gilded, labels).regions[0].best
    assert best.pigments == ["Lead white"]
    names = [n.rsplit(" ", 2)[0] for n in best.unexplained]
    assert names[:2] == ["Au La", "Au Lb"], best.unexplained
    assert not any(n.startswith("W ") for n in names)
    # the rule alone, on a flat background: W's L-beta and Ni's K-beta without their alphas are
    # no names; beside its main line, a K-beta is one
    e = canonical_energy()
    flat = np.full(e.size, 400.0)

    def named(*peaks, explained=frozenset()):
        y = flat + sum(a * np.exp(-0.5 * ((e - mu) / 0.07) ** 2) for mu, a in peaks)
        out = pf._unexplained(y, flat, pf._weights(y), e, PROFILE, explained)
        return [n.rsplit(" ", 2)[0] for n in out]  # without the energy

    assert named((8.28, 600.0)) == ["unidentified peak at"]  # Ni Kb, no Ni Ka (7.48 keV)
    # nickel the candidate holds: its own K-beta fitted short, said to be its misfit (session 63)
    assert named((8.28, 600.0), explained=frozenset({"Ni"})) == ["Ni Kb misfit"]
    assert named((7.48, 3000.0), (8.28, 500.0)) == ["Ni Ka", "Ni Kb"]


def test_the_grounds_own_lines_are_not_unexplained():
    """Pure lead white over a gypsum ground (0.3 % strontium sulfate): under a lead paint thicker
    than the fit's fixed covers, the ground's Sr:Ca is not reproduced and its Sr K-alpha was
    listed as an unexplained line, a hint of a missing pigment (strontium yellow?). The scan's
    ground explains its own elements' lines."""
    from _pigment_scans import CANON as canon
    from _pigment_scans import stripe_scan

    recipes = [(["Vermilion"], [1.0]), (["Lead white"], [1.0]), (["Emerald green"], [1.0])]
    syn, labels = stripe_scan(recipes, 36, seed=1)
    assert syn.metadata["ground"][0]["name"] == "gypsum ground"
    cube = cube_from_array(syn.counts, canon, **dict(syn.metadata, name="s"))
    white = pf.fit_regions(cube, labels + 1).regions[1]
    assert white.best.pigments == ["Lead white"]
    for c in white.candidates:
        assert not any(n.startswith(("Sr ", "Ca ", "S ")) for n in c.unexplained), c.unexplained
    # the rule alone: a lone Sr K-alpha is unexplained unless the ground holds strontium
    e = canonical_energy()
    flat = np.full(e.size, 400.0)
    y = flat + 800.0 * np.exp(-0.5 * ((e - 14.16) / 0.08) ** 2)
    w = pf._weights(y)
    assert pf._unexplained(y, flat, w, e, PROFILE)[0].startswith("Sr Ka")
    gypsum = pf.ground_elements()[0]
    assert gypsum == {"Ca", "S", "Sr"}
    assert pf._unexplained(y, flat, w, e, PROFILE, frozenset(), gypsum) == []
