"""Which paints could each region be? Pigment hypotheses ranked by the forward model.

A conservator reads "Hg and S: vermilion; only Pb: lead white, or lead white with a lake X-rays
cannot see". This module does that for every region of a label map, from the physics rather than
from a fixed element list:

1. The instrument (anode, kV, geometry, resolution) comes from the file's metadata, or defaults
   with a note; the cube's own calibration maps its channels onto the canonical grid.
2. Once per instrument, the forward model (`physics.spectrum.SpectrumModel`) gives every database
   pigment's fluorescence spectrum (a thin and a thick pure layer: two columns, so self-absorption
   can bend line ratios), each ground layer's lines seen through three covers (a binder film, a
   heavy and a thick paint), and Rayleigh / Compton scatter of a light paint, a heavy paint and a
   heavy paint over a lead-white priming, of the anode's own lines alone and of the support under
   a thin ground: the component library (cached).
3. Each region's mean spectrum (one streaming pass over the cube for all regions; pixels away
   from the region's edge) is fitted by non-negative least squares on the components of each
   candidate paint (1-3 pigments, at most two colours plus a white or a black; each pigment also
   brings its own scatter shape, cut by its absorption edges) + gypsum and chalk (+ a lead-white
   priming when every region shows lead) + scatter + the region's own sum peaks + the spectra of
   its neighbours (paint mixes across boundaries; `neighbour_leak`).
   The weights are Poisson with a relative model-error floor (`MODEL_ERROR`), and chi2 is counted
   in units of the region's dispersion (quasi-likelihood): at thousands of counts per channel the
   forward model, not counting noise, limits the fit, and otherwise every small mismatch would look
   infinitely significant. The best few candidates are refitted with each pigment's lines computed
   inside the mixed layer (matrix absorption, which a linear mix of pure pigments misses), the
   ground seen through that paint where no priming lies between and, for paints with an
   absorption edge between lead's L lines, a priming seen through that paint.
   Score = -chi2 / (2 phi) - a penalty per pigment; a softmax over candidates gives relative
   probabilities (relative to the candidates considered, not absolute).
4. Pigments whose lines the model predicts to be too weak to matter under this instrument (carbon
   black, indigo, lakes on alumina, ultramarine in air) cannot be ranked by X-rays; each region
   names them as possible hidden partners with the Kubelka-Munk colour each would give.

Pigments with the same elements from K up (azurite / malachite / verdigris; lead white / red lead),
and more generally candidates whose pigments together show the same elements (chrome yellow /
viridian + lead white), give the same spectrum to within traces: X-rays may favour one by at most
TWIN_CAP (without a photograph, unless its chi-square is under 1 / TWIN_CHI2_RATIO of the
other's). Inside such a group the pigments' base rates (`USAGE_FILE`: lead white is more common
than red lead) and an optional colour prior (`colour_priors`: the SmallUViT's region colour, or a
registered photograph's) decide the order, and without a photograph a candidate holding another's
pigments and more (cadmium yellow + zinc white beside cadmium yellow) comes after it: the cap took
the extra pigment's PIGMENT_PENALTY away, a common pigment's base rate then outweighed the rest,
and a pure swatch was read as a mixture. The group keeps its scores and places. A photograph may
also move a group by how far its best colour is off (`COLOUR_TAUS`), so it settles what the lines
leave close. The base rates helped on pigment panels and a little on held-out paintings; the
SmallUViT prior did not help, a photograph did (docs/pigments_guide.md).
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from ..elements import AIR_ELEMENTS
from ..physics.detector import FWHM_GRID
from ..physics.instrument import (
    InstrumentProfile,
    check_excitation_choice,
    excitation_from_metadata,
    real_number,
)
from ..physics.pigments import Pigment, load_pigments

#: Relative model error added to the Poisson variance (see module docstring).
MODEL_ERROR = 0.03
#: Pigments whose model fluorescence (counts in 1-26.6 keV per unit volume) is below this fraction
#: of lead white's are "hidden": X-rays cannot rank them, they are named as possible partners. A
#: tenth: mixed with a white (most paints), such a pigment's lines fall to a few per cent of the
#: white's and below the forward model's accuracy
#: (Van Dyke brown's 5 % iron, lakes' alumina and sulfate).
HIDDEN_VISIBILITY = 0.1
#: Screening: a pigment enters the shortlist when dropping it would raise chi2 by more than this
#: (in units of the dispersion). 9 (3 sigma) rather than 25 keeps a 5-10 % admixture of a weak
#: pigment in regions of a few 10^4 counts (tuning cubes: top-1 49.7 -> 51.3 %).
SHORTLIST_DCHI2 = 9.0
MAX_SHORTLIST = 10
#: Log-likelihood cost of each pigment of a candidate: BIC for its three columns (thin, thick, own
#: scatter), 1.5 log(512). With 6.2 (two columns' worth) a high-count region took a few per cent of
#: a twin or of green earth to soak up model error (benchmark scan 6 / 10 -> 8 / 10 right; tuning
#: cubes top-1 51.3 -> 52.3 %); 25 traded top-3 for top-1 on the development cubes.
PIGMENT_PENALTY = 9.4
#: Extra cost of a second pigment from the same twin class (azurite + verdigris, lead white + red
#: lead): X-rays cannot show both, so the pair needs the evidence of one more pigment again; at high
#: counts a few per cent of a twin otherwise soaked up model error (a pure azurite read as azurite
#: + verdigris).
TWIN_PAIR_PENALTY = 9.4
#: How far below the priors of its group's paints made of some of its pigments a paint's prior
#: is set (`rank_region`, without a photograph): only an order, no weight.
NESTED_STEP = 1e-6
#: Fewer pixels or counts than this and a region's spectrum is not interpreted.
MIN_PIXELS = 4
#: Scans with fewer pixels (a spot spectrum, a few points) are fitted as one region when no regions
#: are given (CLI, dock): K-Means regions of so few spectra would split counting noise.
SPOT_PIXELS = 16
MIN_COUNTS = 500.0
#: Share of a region's counts its best candidate leaves unexplained (`unexplained_share`) above
#: which the candidates are flagged unreliable. Held-out synthetic regions stay under 0.10 (seed-202
#: cubes, median 0.02), under 0.16 with a silver anode and under 0.48 with the heldout2
#: instruments and the second pigment table (thick Be filter, other geometry: the model misses
#: their scatter); the real M6 spot 0.15. Spectra the forward model cannot make, a thin
#: multi-element standard under a monochromatic beam (PyMca's test spectrum) and a synchrotron map
#: (APS), give 0.90 and 0.92. (Half the absolute residual, used before, read 0.26 and 0.46.)
MISFIT_WARN = 0.6
#: Candidates per region whose line ratios are recomputed inside their own mixed layer.
REFINE_TOP = 6
#: A candidate whose fit gives one of its pigments less than this share is dropped (the candidate
#: without it says the same). Recipes go down to about 0.75 % (a quarter of 3 % colour in white);
#: 2 % (which would drop most admixtures bled in from neighbours) lost more true pigments than it
#: removed false ones on our development cubes.
MIN_SHARE = 0.005
#: Candidates reported per region.
TOP_N = 5
#: Region means use pixels at least this many steps from the region's boundary, where at least
#: MIN_INTERIOR pixels remain (fewer steps otherwise): boundary pixels mix their neighbours.
INTERIOR_PX = 3
MIN_INTERIOR = 40
#: Most log-odds X-rays alone may give one pigment over its twin (traces, matrix): small enough
#: that a colour prior can overturn it, since real pigments' traces vary from batch to batch.
TWIN_CAP = 3.0
#: Without a photograph, a twin whose chi-square is more than this many times the best twin's keeps
#: its own score: only base rates (or a recolouring's poor colour) would order the group, and they
#: must not overrule a clear spectrum (lead white + viridian over a lead priming, chi2 494, was
#: named chrome yellow, 2,940: its fixed Pb:Cr cannot make that lead). A ratio, not a score gap:
#: both the fit's own mismatch (a pure chrome yellow swatch fits 1.74 times worse than red lead +
#: viridian) and real differences grow with the counts. Tuning cubes (seed 101), top-1 / top-3:
#: unbounded 55.3 / 70.5 %, ratio 1.5: 57.3 / 72.8, 2: 57.3 / 72.5, 3: 57.3 / 71.5, 5: 56.3 /
#: 70.9. A photograph lifts every twin: batches' compositions differ from the table's (second-table
#: panels with a photograph lose top-3 regions under any bound).
TWIN_CHI2_RATIO = 2.0
#: Volume fraction a hidden partner takes in the colour shown for it (without a colour prior).
HIDDEN_FRACTION = 0.35
#: With a photograph: how many candidates (best physics scores first) may take a hidden partner's
#: colour in the ranking (`rank_region`); the rest lie far below.
PARTNER_RANK_TOP = 40
#: With a colour prior, a hidden partner is suggested when the top candidate mixed with it (in the
#: fraction that matches best) is this much closer (dE00) to the prior than the candidate alone:
#: a clearly visible difference, fixed before measuring.
SUGGEST_MARGIN = 5.0
#: Fractions tried when matching a hidden partner to the colour prior.
PARTNER_FRACTIONS = tuple(np.round(np.linspace(0.02, 0.9, 45), 3))
#: Colour prior strength by the colour's source, (within X-ray twins, across element hypotheses):
#: a candidate pays (its dE00 to the prior - the best dE00 of its group) / within, and its group
#: pays (the group's best dE00 - the best of all) / across (0: the spectrum alone decides between
#: element hypotheses). A recolouring's colours proved too far off to do more than order twins;
#: a photograph shows the surface itself, so it may also settle what X-rays leave close (traces,
#: an admixture at the noise): chosen on the tuning cubes (seed 101, docs/pigments_guide.md).
COLOUR_TAUS = {"model": (4.0, 0.0), "photograph": (1.0, 0.2)}
#: Base rates of the pigments (regions of synthetic training paintings holding each one, package
#: data written by scripts/pigment_usage.py): among candidates X-rays tie, the more common paint
#: leads (lead white before red lead, chrome yellow before viridian + red lead).
USAGE_FILE = "data/pigment_usage.json"
#: Neighbours whose mean spectrum gets a column of its own in a region's fit (the one sharing the
#: longest boundary); the others share one column (`neighbour_leak`). 0 and 3 did worse.
LEAK_NEIGHBOURS = 1
#: Most of a region's counts its neighbours' spectra may take in a fit (`_fit_leak`). Unbounded,
#: the neighbours' spectra (means over more pixels, so less noisy) explained a boundary class or a
#: patch of a neighbour's own paint outright: the region was called "no X-ray-visible pigment" or
#: lost its pigment (audit 28). Held-out seed-202 cubes, physics top-1 exact, true regions / K-Means
#: regions on the line shares (`eval_pigments.py --clusters lines`): unbounded 62.3 / 47.6 %,
#: 0.25: 62.7 / 46.8, 0.4: 62.7 / 48.1, 0.6: 62.7 / 48.5; at 0.6 a 4x4 patch of cadmium yellow +
#: lead white at 300 counts per pixel lost its cadmium yellow again. On true regions the bound
#: binds in about 3 of 284 (the best fits' leak: median 0.3 %, 99th percentile 35 %).
LEAK_MAX_SHARE = 0.4
#: A region is said to show its neighbours' spectrum when their spectra alone (and the ground,
#: scatter) fit it with at most this many times the best candidate's chi-square: a ratio, as for
#: twins (`TWIN_CHI2_RATIO`), since the forward model's own mismatch grows with the counts.
ALONE_CHI2_RATIO = 2.0

PAINT_ROLES = ("pigment", "white", "black")
GROUNDS = ("gypsum", "chalk")
#: Index of the lead-white priming among the library's ground layers (after gypsum and chalk).
PRIMING = 2
#: The database materials of the library's ground layers (gypsum, chalk, the lead-white priming):
#: lines of their elements are the scan's ground's, not unexplained.
GROUND_MATERIALS = ("Gypsum", "Chalk", "Lead white")


@lru_cache(maxsize=1)
def ground_elements() -> tuple[frozenset, ...]:
    """Characteristic elements of each ground layer (GROUND_MATERIALS, pigments.csv)."""
    from ..physics.pigments import get_pigment

    return tuple(frozenset(get_pigment(n).elements) for n in GROUND_MATERIALS)


class PigmentFitError(ValueError):
    """The scan cannot be interpreted (no calibration, unknown anode, labels of the wrong shape)."""


#: Why a label map without a region is refused (every pixel 0: an empty Labels layer, a mask).
EMPTY_LABELS = "the label map has no region: every pixel is 0 (not a region)"


# ---------------------------------------------------------------------------------------------
# instrument
# ---------------------------------------------------------------------------------------------
class AssumedNote(str):
    """An instrument note (`instrument_for`) on a value the file lacks and the fit assumed: the
    text as shown, and `assumed`, which value ("anode", "kv", "resolution"). The estimates that
    replace it (`_scan_anode`, `iter_estimate_missing`) are plain notes: `_missing` reads this
    field, not the note's wording (it told an assumed anode apart by the suffix " assumed")."""

    assumed: str

    def __new__(cls, text: str, assumed: str = ""):
        note = super().__new__(cls, text)
        note.assumed = assumed
        return note


def instrument_for(
    cube,
    anode: str | None = None,
    kv: float | None = None,
    fwhm_mn_ev: float | None = None,
    optic: str | None = None,
    atmosphere: str | None = None,
) -> tuple[InstrumentProfile, list[str]]:
    """The instrument profile for a cube, and notes on what was assumed.

    A full profile in the metadata (our generator's files) is used as it stands; otherwise the
    anode, kV, resolution, beam-path gas and excitation optic found in the metadata (or given)
    replace the defaults of `InstrumentProfile` (Rh, 50 kV, 142 eV, air, a collimator). Arguments
    override the metadata. optic: "collimator" or "lens" (a polycapillary, OPTICS). The optic, its
    cut-off and the gas are read by physics.instrument.excitation_from_metadata, as the element
    suggestion reads them (a profile's "polycapillary" without a cut-off, a profile without an
    anode: the two read one excitation). A partial profile (one without an anode) gives its
    geometry too; what it leaves out of the geometry, optic and gas is named in a note, as a file
    with no profile gets one.
    """
    from ..detector import (
        fwhm_from_metadata,
        kv_reading,
        kv_unnamed,
        named_anode,
        profile_from_metadata,
    )
    from ..physics.tube import ANODES

    try:
        check_excitation_choice(optic, atmosphere)
    except ValueError as exc:
        raise PigmentFitError(str(exc)) from None
    if anode is not None:  # a script's: --anode (cli._args.tube_anode) and the docks offer ANODES
        anode = str(anode).strip().capitalize()
        if anode not in ANODES:
            raise PigmentFitError(f"unknown anode {anode!r}: one of {', '.join(ANODES)}")
    meta = getattr(cube, "metadata", None) or {}
    notes: list[str] = []
    prof = profile_from_metadata(meta)  # as the element suggestion reads it (a repr too)
    if prof is not None:
        meta = dict(meta, profile=prof)
    base = _file_profile(cube, prof, kv, fwhm_mn_ev) if prof and "anode" in prof else None
    base = base or InstrumentProfile()
    in_file = prof is None  # a reader's header keys, not our generator's full profile
    geometry = ("incidence_deg", "takeoff_deg")
    geo = {k: (prof or {}).get(k) for k in geometry}
    geo_read = all(real_number(v) for v in geo.values()) and _accepted(base, geo)
    if geo_read and prof is not None and "anode" not in prof:  # a partial profile's: the scan's
        base = replace(base, **{k: float(v) for k, v in geo.items()})
    excitation = excitation_from_metadata(meta, optic, atmosphere)  # the suggestion's reading
    atm = excitation["atmosphere"]
    if atm:  # the gas matters for light elements (S, K, Ca; Al, Si in helium)
        base = replace(base, atmosphere=atm)
    cutoff = excitation["optic_cutoff_kev"]
    lens = cutoff is not None
    if lens:  # a polycapillary passes little above ~15 keV: the scatter and K-excitation
        base = replace(base, optic="polycapillary", optic_cutoff_kev=cutoff)
    elif optic == "collimator" or base.optic == "polycapillary":  # the profile's "no lens"
        base = replace(base, optic="collimator")
    if in_file:
        said = "given" if optic else "named in the file"
        notes.append(
            "no instrument profile in the file: "
            + (
                f"a polycapillary lens ({said}) passing half at "
                f"{cutoff:g} keV (as on a Bruker M6) and geometry 90/60 deg assumed, "
                if lens
                else "collimator geometry 90/60 deg assumed, "
            )
            + (f"in {atm} ({'given' if atmosphere else 'from the file'})" if atm else "in air")
        )
    else:
        notes += _partial_profile_notes(
            prof, base, geo, geo_read, optic_said=lens or optic is not None, gas_said=bool(atm)
        )
    a = anode or named_anode(meta)  # the file's, or the one given to read_cube
    if a is None:
        notes.append(AssumedNote(f"anode not in the metadata: {base.anode} assumed", "anode"))
        a = base.anode
    a = str(a).strip().capitalize()
    if a not in ANODES:  # the file's (a given one is checked above)
        raise PigmentFitError(
            f"unknown X-ray tube anode {a!r} (from the file metadata); the forward model knows "
            f"{', '.join(ANODES)}: give the tube's anode (--anode, or the panel's Instrument tube)"
        )
    kv_arg = kv
    if kv is None:
        kv, kv_note = kv_reading(meta)
        if kv is None and not (prof and "anode" in prof and "kv" in prof):  # base's 50 kV
            notes.append(AssumedNote(kv_unnamed(base.kv, KV_OPTIONS, kv_note), "kv"))
    fw = fwhm_mn_ev if fwhm_mn_ev is not None else fwhm_from_metadata(meta)
    if fw is None:
        notes.append(
            AssumedNote(
                f"detector resolution not in the metadata: {base.fwhm_mn_ev:g} eV at Mn K-alpha "
                "assumed",
                "resolution",
            )
        )
    kv_value = float(base.kv if kv is None else kv)
    fw_value = float(base.fwhm_mn_ev if fw is None else fw)
    try:
        return replace(
            base,  # a given 0 is refused by the profile, never read as "not given"
            anode=a,
            kv=kv_value,
            fwhm_mn_ev=fw_value,
        ), notes
    except ValueError as exc:
        # a value read from the file said nothing of where it came from nor how to override it
        from_file = [
            what
            for what, read, field in (
                (_GIVE["kv"], kv_arg is None, {"kv": kv_value}),
                (_GIVE["fwhm_mn_ev"], fwhm_mn_ev is None, {"fwhm_mn_ev": fw_value}),
            )
            if read and not _accepted(base, field)
        ]
        said = (
            f"; read from the file's metadata: set {' and '.join(from_file)} within the range"
            if from_file
            else ""
        )
        raise PigmentFitError(f"implausible instrument: {exc}{said}") from None


#: How to give the fit a tube voltage, on the command line and in the Pigments panel.
KV_OPTIONS = "--kv, or the panel's Instrument kV"
#: How to give what the fit reads of the file, where the file's own value is refused.
_GIVE = {
    "kv": f"the tube voltage ({KV_OPTIONS})",
    "fwhm_mn_ev": "the detector FWHM (--fwhm, or the panel's Detector)",
}


def _file_profile(cube, prof: dict, kv, fwhm_mn_ev) -> InstrumentProfile:
    """The full instrument profile a file records, the kV and FWHM given in place of its own
    where its own are refused: a profile recording 4 kV was refused as "tube voltage 4 kV
    outside 5-60 kV", naming neither the file nor how to override it, and `--kv 40` (or the
    panel's kV) did not help, as the file's value was checked before the given one replaced it.
    Refused, the words name what is still wrong once the given values replace the file's, and
    ask for a kV or FWHM only where giving it helps: a profile's implausible angle (or its
    pile-up, after --kv had replaced its 4 kV) was told as the file's kV with "give the tube
    voltage and detector FWHM", given or not."""
    given = {k: v for k, v in (("kv", kv), ("fwhm_mn_ev", fwhm_mn_ev)) if v is not None}
    tried = {**prof, **given}
    try:
        return InstrumentProfile.from_dict(tried)
    except (ValueError, TypeError) as exc:  # TypeError: a value no number ("kv": null)
        refused = exc
    from ..fileutil import printable

    where = printable(getattr(cube, "path", None) or cube.name)
    said = f"{where}: the instrument profile in its metadata is implausible"
    ref = InstrumentProfile()
    open_ = [k for k in _GIVE if k not in given]

    def accepted(values: dict) -> str | None:  # None, or why the profile is refused so
        try:
            InstrumentProfile.from_dict({**tried, **values})
        except (ValueError, TypeError) as exc:
            return str(exc)
        return None

    why = accepted({k: getattr(ref, k) for k in _GIVE})
    if why is not None:  # no kV or FWHM given cures it
        raise PigmentFitError(
            f"{said} ({why}), which no option replaces: --kv and --fwhm (the panel's Instrument "
            "kV and Detector) replace only its tube voltage and detector FWHM"
        ) from None
    why = accepted({k: getattr(ref, k) for k in open_})
    if why is not None:  # a value given is refused, as instrument_for refuses one
        raise PigmentFitError(f"implausible instrument: {why}") from None
    # those the profile is refused without (the other one taken as the model's default)
    needed = [
        k for k in open_ if accepted({o: getattr(ref, o) for o in open_ if o != k}) is not None
    ]
    raise PigmentFitError(
        f"{said} ({refused}): give {' and '.join(_GIVE[k] for k in needed or open_)}"
    ) from None


def _partial_profile_notes(
    prof: dict, base: InstrumentProfile, geo: dict, geo_read: bool, optic_said: bool, gas_said: bool
) -> list[str]:
    """The note naming what a partial profile (one without the geometry, the optic or the gas)
    leaves out and what `instrument_for` put in for it ([] when it lacks none of them).

    These defaults went in with no word, where a file with no profile at all gets its "no
    instrument profile in the file: ... assumed" note; the report and the dock show the note at
    the top. geo: the profile's incidence/takeoff values, geo_read: whether they were taken (real
    numbers the profile model accepts; base then holds them, else the defaults assumed);
    optic_said/gas_said: the optic or gas was given or read elsewhere, so none is assumed."""
    absent, assumed = [], []
    if not optic_said and "optic" not in prof:
        absent.append("optic")
        assumed.append("a collimator")
    if not geo_read:
        absent += [k for k, v in geo.items() if not real_number(v)] or ["valid " + " or ".join(geo)]
        assumed.append(f"geometry {base.incidence_deg:g}/{base.takeoff_deg:g} deg")
    if not gas_said and "atmosphere" not in prof:
        absent.append("atmosphere")
        assumed.append("air")
    if not absent:
        return []
    return [
        f"partial instrument profile in the file (no {', '.join(absent)}): "
        f"{', '.join(assumed[:-1]) + ' and ' if len(assumed) > 1 else ''}{assumed[-1]} assumed"
    ]


def _accepted(profile: InstrumentProfile, values: dict) -> bool:
    """The forward model takes these values in `profile` (InstrumentProfile's own checks)."""
    try:
        replace(profile, **values)
    except ValueError:
        return False
    return True


def _model_profile(profile: InstrumentProfile) -> InstrumentProfile:
    """The profile with the canonical grid as its channels (the fit works there), no pile-up, and
    no name nor count level: neither changes a column of the library (photons per photon), and
    as keys of the libraries' and the fine-grid spectra's caches they made one entry apiece for
    each scan of one instrument (each a whole library, about 1 s)."""
    from ..energy import CANONICAL_BIN_WIDTH, CANONICAL_N_CHANNELS, canonical_energy

    return replace(
        profile,
        n_channels=CANONICAL_N_CHANNELS,
        offset=float(canonical_energy()[0]),
        gain=CANONICAL_BIN_WIDTH,
        pileup=0.0,
        name="",
        counts_per_pixel=InstrumentProfile.counts_per_pixel,
    )


# ---------------------------------------------------------------------------------------------
# component library (once per instrument)
# ---------------------------------------------------------------------------------------------
@dataclass
class ComponentLibrary:
    profile: InstrumentProfile
    pigments: tuple[Pigment, ...]  # paint pigments (roles pigment, white, black)
    paint: np.ndarray  # (P, 2, 512): thin and thick pure-pigment layer fluorescence
    visibility: np.ndarray  # (P,) fluorescence relative to lead white
    twin_class: np.ndarray  # (P,) pigments with equal class share their elements from K up
    ground_names: tuple[str, ...]
    ground: np.ndarray  # (G, 3, 512) ground layers' fluorescence under three covers
    scatter: np.ndarray  # (S, 512) Rayleigh, Compton of a light, a heavy, a heavy over lead; the
    # support under a thin ground, the anode lines alone (_support_scatter, _tube_lines_scatter)
    thick_scatter: np.ndarray  # (2, 512) Rayleigh, Compton of a light paint over a thick ground:
    # shared only where the scan has no lead priming (`_base`)
    own_scatter: np.ndarray  # (P, 512) scatter through each pigment's thick layer (its edges)
    model: object = None  # the SpectrumModel (for mixture refinement)
    ground_layers: tuple = ()  # the layers behind `ground` (a priming seen through a candidate)
    bends_lead: np.ndarray = None  # (P,) an absorption edge between lead's L-alpha and L-beta
    thin_scatter: np.ndarray | None = None  # (P, 512) through a thin layer: Cr, Cu tubes only
    # (`_fine_own_scatter`)

    def own_scatter_of(self, idx) -> np.ndarray:
        """The own-scatter columns of pigments `idx`: each one's thick layer's, then (under a
        tube whose anode is a pigment's element) each one's thin layer's."""
        idx = list(idx)
        if self.thin_scatter is None:
            return self.own_scatter[idx]
        return np.vstack([self.own_scatter[idx], self.thin_scatter[idx]])

    @property
    def visible(self) -> np.ndarray:
        """Pigments X-rays rank; the others (weak lines or none) are possible hidden partners."""
        return self.visibility >= HIDDEN_VISIBILITY

    @property
    def fittable(self) -> np.ndarray:
        """Pigments with any line in the model (weak ones too: their lines may still be seen)."""
        return self.visibility > 1e-3

    def twins(self, i: int) -> list[int]:
        return [j for j in np.nonzero(self.twin_class == self.twin_class[i])[0] if j != i]

    def index(self, name: str) -> int:
        for i, p in enumerate(self.pigments):
            if p.name.lower() == name.lower():
                return i
        raise KeyError(name)


def component_library(profile: InstrumentProfile, trial: bool = False) -> ComponentLibrary:
    """Cached per instrument profile (about 1 s to build).

    One OpenMP thread: xraylib_np starts its thread team on every call, ~15 ms each on a busy
    2-core machine, and the library makes hundreds of small calls (10 s -> 1 s). Imported first:
    the limit applies to the OpenMP runtimes loaded when it is set.

    trial: a library for `iter_estimate_missing`'s fits, without `own_scatter` (None), which they
    do not use; the instrument kept is then built whole (its fine-grid spectra are cached)."""
    import xraylib_np  # noqa: F401

    from ._threads import one_thread

    with one_thread():
        return (_trial_library if trial else _library)(_model_profile(profile))


#: The thick ground of the scatter pair `_base` shares where the scan has no lead priming (um).
THICK_GROUND_UM = 400.0

#: The resolution every `_fine_spectra` key is given: the fine-grid spectra (photons reaching the
#: detector) do not depend on the detector's resolution, so the resolutions that
#: `iter_estimate_missing` tries for one tube share them.
_FINE_KEY_FWHM = 300.0

#: Thicknesses (um) of a pigment's thin and thick layers (pvc 0.4): its two paint columns (pure,
#: and a mixture's in the refinement), and its own scatter's thick and (Cr, Cu tubes) thin layer.
PAINT_UM = (5.0, 40.0)


@dataclass(frozen=True)
class _FineSpectra:
    """The library's stacks on the fine grid, before the detector (photons per fine bin): they
    depend on the tube, the gas, the optic and the geometry, not on the resolution."""

    pigments: tuple  # paint pigments (roles pigment, white, black)
    paint: np.ndarray  # (P, 2, N_FINE) thin and thick pure-pigment layer fluorescence
    covers: np.ndarray  # (3, N_FINE) the covers' own fluorescence (binder film, heavy, earth)
    ground: np.ndarray  # (G, 3, N_FINE) each ground layer under each cover, cover included
    ground_layers: tuple
    scatter: tuple  # the stacks' Rayleigh and Compton, the support's, the anode lines' (or none)
    thick: np.ndarray  # (2, N_FINE) Rayleigh and Compton of a binder film over a thick chalk ground


def _excitation_model(profile: InstrumentProfile):
    """What the fine-grid spectra need of a SpectrumModel (its profile, excitation and scatter),
    without its detector: `_lines`' `model`, detect and canonical aside."""
    from types import SimpleNamespace

    from ..physics.scatter import scatter
    from ..physics.spectrum import excitation

    p = profile
    exc = excitation(p)

    def scat(stack, exc_=None):
        return scatter(
            stack, exc if exc_ is None else exc_, p.incidence_deg, p.takeoff_deg, p.scatter_deg
        )

    return SimpleNamespace(profile=p, excitation=exc, scatter=scat)


def _fine_key(profile: InstrumentProfile) -> InstrumentProfile:
    return replace(profile, fwhm_mn_ev=_FINE_KEY_FWHM)


@lru_cache(maxsize=16)
def _fine_spectra(profile: InstrumentProfile) -> _FineSpectra:
    from ..physics.layers import ground_layer, paint_layer, priming_layer, support_layer
    from ..physics.pigments import get_pigment
    from ..physics.xsec import deposit

    model = _excitation_model(profile)

    def fine(stack):
        return deposit(*_lines(model, stack))

    pigs = tuple(p for p in load_pigments() if p.role in PAINT_ROLES)
    paint = np.array([[fine([paint_layer([(p, 1.0)], t, 0.4)]) for t in PAINT_UM] for p in pigs])
    lw = [i for i, p in enumerate(pigs) if p.name == "Lead white"]
    film = paint_layer([(pigs[0], 1.0)], 10.0, 1e-6)  # binder film (pvc ~ 0)
    heavy = pigs[lw[0]] if lw else pigs[0]  # lead white: the heavy paint of covers and scatter
    covers = (
        film,  # a binder film
        paint_layer([(heavy, 1.0)], 10.0, 0.3),  # a heavy paint
        paint_layer([(get_pigment("Yellow ochre"), 1.0)], 40.0, 0.4),
    )  # a thick earth paint
    layers = (ground_layer("gypsum", 200.0), ground_layer("chalk", 200.0), priming_layer(30.0))
    ground = np.array([[fine([c, la]) for c in covers] for la in layers])

    # Scatter of three stacks: a binder film, and a lead paint, over a chalk ground; and a lead
    # paint over a lead-white priming, whose continuum comes back through two lead layers: without
    # it, lead white over such a priming borrowed red lead's thick layer to bend the spectrum
    # there and was named red lead (tuning cubes physics top-1 54.6 -> 56.0 %, Mo panels 80.9 ->
    # 85.3 %; docs/pigments_guide.md).
    scat = []
    lead = paint_layer([(heavy, 1.0)], 30.0, 0.4)
    for stack in (
        [film, ground_layer("chalk", 200.0)],
        [lead, ground_layer("chalk", 200.0)],
        [lead, priming_layer(30.0), ground_layer("gypsum", 200.0)],
    ):
        scat += model.scatter(stack + [support_layer()])
    scat.append(_support_scatter(model, film))
    if _anode_in_paint(profile, pigs):
        scat.append(_tube_lines_scatter(model, film))
    # The grounds are 100-400 um thick (synth/paint.py) and the stacks above sit on 200 um; the
    # support's column can only add scatter, so over a thick bare ground nothing took the
    # support's share away: a bare chalk ground's chi-square 1568 against 419 with this pair, and
    # a candidate's own-scatter column (synthetic ultramarine's) won the region alone.
    thick = np.array(model.scatter([film, ground_layer("chalk", THICK_GROUND_UM), support_layer()]))
    return _FineSpectra(
        pigs, paint, np.array([fine([c]) for c in covers]), ground, layers, tuple(scat), thick
    )


def _anode_in_paint(profile: InstrumentProfile, pigs) -> bool:
    """Whether the tube's anode is an element of a paint pigment (Cr: viridian, chrome yellow;
    Cu: the copper pigments): its scattered lines then lie on a pigment's own."""
    return any(profile.anode in p.elements for p in pigs)


@lru_cache(maxsize=16)
def _fine_own_scatter(profile: InstrumentProfile) -> tuple[np.ndarray, np.ndarray | None]:
    """(P, N_FINE) each pigment's own scatter shape: the ground's and its own Rayleigh and Compton
    seen through a thick layer of it. A heavy pigment's absorption edge cuts the scattered
    continuum (Zn K at 9.66 keV: above it the continuum drops, below it rises), which a light and
    a lead paint's scatter cannot reproduce: under 90 % zinc white the misfit was 30 times the
    counting noise.

    And under a Cr or Cu tube the same through a thin layer (else None): the anode's lines (Cr
    K-alpha 5.41 keV) are absorbed far more than the continuum, so a thin heavy paint over a
    light ground scatters them by its own Rayleigh and the continuum by the ground's; no shared
    stack has that share, and the light one (`_tube_lines_scatter`) brings a Compton peak the
    paint lacks. The misfit was read as the anode's element: a thin red lead or lead white swatch
    as chrome yellow, vermilion or Naples yellow with 29-41 % viridian (session 62,
    docs/pigments_guide.md). From the thin to the thick layer the scattered lines' share follows
    the paint's own Rayleigh scatter of the continuum, so a pure chromium paint's fluorescence,
    which no scatter column carries, still shows; a chromium pigment's 20 % in a lead or mercury
    paint is often taken by the thin column (viridian in Naples yellow, vermilion: the guide's
    "What it costs")."""
    from ..physics.layers import ground_layer, paint_layer, support_layer

    model = _excitation_model(profile)
    pigs = _fine_spectra(profile).pigments

    def own(t):  # each pigment's layer of t um over a chalk ground
        under = [ground_layer("chalk", 200.0), support_layer()]
        return np.array(
            [sum(model.scatter([paint_layer([(p, 1.0)], t, 0.4), *under])) for p in pigs]
        )

    thin, thick = PAINT_UM
    return own(thick), own(thin) if _anode_in_paint(profile, pigs) else None


@lru_cache(maxsize=16)
def _library(profile: InstrumentProfile) -> ComponentLibrary:
    return _assemble(profile, True)


@lru_cache(maxsize=16)
def _trial_library(profile: InstrumentProfile) -> ComponentLibrary:
    return _assemble(profile, False)


def _assemble(profile: InstrumentProfile, own: bool) -> ComponentLibrary:
    """The library for `profile`: its tube's fine-grid spectra (cached per tube, gas, optic and
    geometry: `_fine_spectra`) through its detector. A resolution trial of `iter_estimate_missing`
    costs the detection only (about 0.05 s where a whole library took 0.2-0.5 s), each detected
    spectrum the same to the bit as when every library computed its own."""
    from ..physics.spectrum import SpectrumModel

    key = _fine_key(profile)
    fine = _fine_spectra(key)
    model = SpectrumModel(profile)

    def det(f):  # a batch (..., N_FINE), detected at once (as each row alone, to the bit)
        f = np.asarray(f)
        out = model.canonical(model.detect(f.reshape(-1, f.shape[-1])))
        return np.ascontiguousarray(out).reshape(*f.shape[:-1], -1)

    pigs = fine.pigments
    paint = det(fine.paint)
    lw = [i for i, p in enumerate(pigs) if p.name == "Lead white"]
    ref = paint[lw[0], 1].sum() if lw else paint[:, 1].sum(axis=1).max()
    visibility = paint[:, 1].sum(axis=1) / max(ref, 1e-30)
    twin_class = _twin_classes(pigs, visibility > 1e-3)
    # (G, 3, 512): each ground layer under a binder film, a heavy and a thick paint, so the fit can
    # bend its line ratios (Ca K-beta / K-alpha, Pb M / L grow under paint) as covering paint does
    ground = det(fine.ground) - det(fine.covers)[None]
    thick_own, thin_own = _fine_own_scatter(key) if own else (None, None)
    return ComponentLibrary(
        profile,
        pigs,
        paint,
        visibility,
        twin_class,
        ("gypsum ground", "chalk ground", "lead white priming"),
        ground.clip(0, None),
        det(np.array(fine.scatter)),
        det(fine.thick),
        None if thick_own is None else det(thick_own),
        model,
        fine.ground_layers,
        np.array([_edge_between_lead_lines(p) for p in pigs]),
        None if thin_own is None else det(thin_own),
    )


def _tube_lines_scatter(model, film) -> np.ndarray:
    """The anode's own lines scattered by a light paint over a chalk ground: each Rayleigh peak
    with its Compton peak below it, one column (photons on the fine grid). In the stacks'
    scatter columns the lines come tied to the continuum, whose share the matrix sets (Cr
    K-alpha at 5.41 keV is absorbed far more than a 15 keV continuum): under a Cr tube the Cr
    K-alpha they missed (5 % of the peak in a raw umber swatch) was read as 1-10 % viridian,
    under a Cu tube as a copper green. A pigment of the anode's element still shows: its
    fluorescence has no Compton peak. Only for such anodes: elsewhere the misfit was read as no
    pigment, and the better fit made the lead that a neighbour's blurred edge leaves in a
    Mo-tube stripe look like a lead-white priming
    (tests/test_pigment_fit.py::test_two_pigments_and_lead_white_between_neighbours_rank_first)."""
    from ..physics.layers import ground_layer, support_layer
    from ..physics.spectrum import excitation

    rayleigh, compton = model.scatter(
        [film, ground_layer("chalk", 200.0), support_layer()],
        excitation(model.profile, continuum=False),
    )
    return rayleigh + compton


def _support_scatter(model, film) -> np.ndarray:
    """The wooden support's scatter seen through a thin (100 um) ground, one column (photons on
    the fine grid): the grounds are 100-400 um thick, and the stacks' scatter (200 um) under a
    thinner one left the continuum 20 % low at 9-13 keV and high above 17 keV, which at 9,000
    counts per pixel was read as 1-2 % of a lead or mercury pigment (their L lines lie there)."""
    from ..physics.layers import ground_layer, support_layer

    thin = [film, ground_layer("chalk", 100.0)]
    with_support = sum(model.scatter([*thin, support_layer()]))
    return with_support - sum(model.scatter(thin))


def _edge_between_lead_lines(p: Pigment) -> bool:
    """Whether an element of `p` has an absorption edge between lead's L-alpha and L-beta (As K,
    Hg L3): such a paint over a lead priming changes the priming's L-beta / L-alpha ratio."""
    import xraylib

    lo, hi = (xraylib.LineEnergy(82, line) for line in (xraylib.LA1_LINE, xraylib.LB1_LINE))
    for el in p.composition():
        z = xraylib.SymbolToAtomicNumber(el)
        for shell in (xraylib.K_SHELL, xraylib.L1_SHELL, xraylib.L2_SHELL, xraylib.L3_SHELL):
            try:
                if lo < xraylib.EdgeEnergy(z, shell) < hi:
                    return True
            except ValueError:  # no such shell for a light element
                continue
    return False


def _under_each(model, tops, layers) -> np.ndarray:
    """(len(tops) * len(layers), 512): the lines of each layer alone seen through each top (tops
    outer); the top's own lines are not computed (primary fluorescence adds). The part of a
    layer's lines that the top does not change is cached (`_own_lines`), and the spectra are
    detected as one batch (each row as alone, to the bit)."""
    from ..physics.layers import lines_under
    from ..physics.xsec import deposit

    key = _fine_key(model.profile)
    fine = []
    for top in tops:
        for layer in layers:
            ln = lines_under(_own_lines(key, layer), [top], model.excitation)
            fine.append(deposit(ln.energies, ln.intensities))
    return np.asarray(model.canonical(model.detect(np.array(fine))))


@lru_cache(maxsize=32)
def _own_lines(key: InstrumentProfile, layer):
    """The OwnLines of `layer` (a ground, the priming) under the tube and geometry of `key` (a
    `_fine_key`: the excitation does not depend on the resolution), for `_under_each`: each
    candidate's refinement sees the same grounds through its own paint, and their depth terms
    (what the paint above does not change) were recomputed every time (x 1.29 on
    bench_pigments' warm fit). 32 entries hold 3 layers of 10 tubes (0.4-0.75 MB each, whatever
    the channel count: the fine grid's); read-only, shared by every fit."""
    from ..physics.layers import own_lines
    from ..physics.spectrum import excitation

    return own_lines(layer, excitation(key), key.incidence_deg, key.takeoff_deg)


def _lines(model, stack, full: bool = False):
    """Primary fluorescence lines of a stack under the model's excitation and geometry:
    (energies, intensities), or the LineIntensities when full."""
    from ..physics.layers import primary_fluorescence

    p = model.profile
    ln = primary_fluorescence(stack, model.excitation, p.incidence_deg, p.takeoff_deg)
    return ln if full else (ln.energies, ln.intensities)


def _mixture_columns(lib: ComponentLibrary, idx, fractions) -> np.ndarray:
    """(len(idx), 2, 512): each pigment's fluorescence inside a thin and a thick layer of the
    mixture (volume fractions `fractions`), so its lines carry the whole mixture's absorption.
    An element shared by several pigments is split by their share of its mass."""
    from ..physics.layers import paint_layer
    from ..physics.xsec import deposit

    pigs = [lib.pigments[i] for i in idx]
    fr = np.clip(np.asarray(fractions, float), 0.02, None)
    mass = {}
    for k, p in enumerate(pigs):
        for el, wt in p.composition().items():
            mass.setdefault(el, np.zeros(len(pigs)))[k] += fr[k] * p.density * wt
    out = np.zeros((len(pigs), 2, lib.paint.shape[-1]))
    for t, thick in enumerate(PAINT_UM):
        ln = _lines(lib.model, [paint_layer(list(zip(pigs, fr)), thick, 0.4)], full=True)
        share = np.array(
            [
                mass[el] / max(mass[el].sum(), 1e-30) if el in mass else np.zeros(len(pigs))
                for el in ln.elements
            ]
        ).reshape(len(ln.elements), len(pigs))
        fine = np.array(
            [deposit(ln.energies, ln.intensities * share[:, k]) for k in range(len(pigs))]
        )
        out[:, t] = lib.model.canonical(lib.model.detect(fine))
    # per unit volume of each pigment, like the pure-layer columns
    return out / fr[:, None, None]


#: Thicknesses (um) of a candidate's own paint through which a priming is seen in the refinement
#: (the generator's paints are 5-60 um: two columns span the bending between).
OWN_COVER_UM = (10.0, 40.0)


def _priming_under_paint(lib: ComponentLibrary, idx, fractions) -> np.ndarray:
    """(len(OWN_COVER_UM), 512): the priming's lines seen through layers of the candidate's own
    mixture. Mercury's L3 edge (12.28 keV) and arsenic's K edge (11.87 keV) lie between lead's
    L-alpha and L-beta, so a lead priming under vermilion loses L-beta, which none of the library's
    fixed covers does, and the fit put the extra L-alpha on arsenic's K-alpha (vermilion read as
    vermilion + 8 % realgar). A vermilion cover shared by every candidate had let realgar take
    lead's L-alpha in a plain vermilion + lead white paint instead (docs/pigments_guide.md)."""
    from ..physics.layers import paint_layer

    fr = np.clip(np.asarray(fractions, float), 0.02, None)
    mix = list(zip((lib.pigments[i] for i in idx), fr / fr.sum()))
    covers = [paint_layer(mix, t, 0.4) for t in OWN_COVER_UM]
    return _under_each(lib.model, covers, [lib.ground_layers[PRIMING]]).clip(0, None)


def _ground_under_paint(lib: ComponentLibrary, idx, fractions, grounds) -> np.ndarray:
    """(len(OWN_COVER_UM) * len(grounds), 512): the lines of each ground layer in `grounds` seen
    through layers of the candidate's own mixture. The library's three covers (a binder film, a
    lead paint, an earth) bend the ground's Ca K-beta / K-alpha, Ca : S and Ca : Sr only as they
    do; under another paint the ground's lines kept a misfit that a pigment with calcium or
    sulfur could take (yellow lake's Al, K, S, Ca beside cerulean blue or cadmium yellow)."""
    from ..physics.layers import paint_layer

    fr = np.clip(np.asarray(fractions, float), 0.02, None)
    mix = list(zip((lib.pigments[i] for i in idx), fr / fr.sum()))
    covers = [paint_layer(mix, t, 0.4) for t in OWN_COVER_UM]
    return _under_each(lib.model, covers, [lib.ground_layers[g] for g in grounds]).clip(0, None)


def _twin_classes(pigs, fittable) -> np.ndarray:
    """Pigments whose characteristic elements from potassium up are the same (lead white and red
    lead; azurite, malachite and verdigris; the ochres, Prussian blue and Van Dyke brown; the
    lakes) give one spectrum to within traces and light-element lines: X-rays tie them, colour
    decides. Weak (hidden) pigments with such lines join their class: Van Dyke brown's iron at
    half the paint looks like a little ochre, and kept apart it lost to the ochre every time
    (development cubes: top-1 64 -> 69 %). Pigments with no line in the model stay apart."""
    keys = [_heavy(p) if v else None for p, v in zip(pigs, fittable)]
    first: dict = {}
    return np.array([first.setdefault(k, i) if k else i for i, k in enumerate(keys)])


def _xray_key(lib: ComponentLibrary, c) -> frozenset | tuple:
    """What X-rays can tell of candidate `c`: the set of its elements from potassium up.
    Candidates with one key explain the spectrum with the same lines in different pigments
    (chrome yellow = viridian + lead white: Pb + Cr; smalt + Van Dyke brown = smalt + green earth:
    Co, K, As + Fe), so they compete as twins do: within TWIN_CAP, colour decides (tuning cubes:
    top-3 69.2 -> 70.9 %). Pigments without such elements keep their candidate apart."""
    els = frozenset().union(*(_heavy(lib.pigments[i]) for i in c))
    return els or tuple(c)


# ---------------------------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------------------------
@dataclass
class Candidate:
    pigments: list[str]
    fractions: list[float]  # share of each pigment's fitted signal-equivalent volume
    elements: list[str]  # elements this paint explains (the database's characteristic elements)
    unexplained: list[str]  # lines left in the residual, e.g. "Zn Ka 8.64 keV"
    rgb: tuple[float, float, float]  # Kubelka-Munk colour, sRGB in [0, 1]
    probability: float
    chi2: float
    log_score: float
    model: np.ndarray | None = None  # fitted spectrum on the canonical grid (region counts)
    #: a hidden pigment the colour prior added to the X-ray candidate (`with_suggested_partner`):
    #: X-rays cannot tell this paint from that candidate, the photograph's colour suggests it
    suggested_partner: str = ""

    @property
    def label(self) -> str:
        if not self.pigments:
            return "no X-ray-visible pigment"
        text = " + ".join(
            f"{n} {_pct(f)}" if len(self.pigments) > 1 else n
            for n, f in zip(self.pigments, self.fractions)
        )
        if not self.suggested_partner:
            return text
        alone = self.pigments == [self.suggested_partner]
        return text + (" (hidden)" if alone else f" ({self.suggested_partner} hidden)")

    def to_dict(self) -> dict:
        return {
            "pigments": self.pigments,
            "fractions": [round(f, 3) for f in self.fractions],
            "elements": self.elements,
            "unexplained": self.unexplained,
            "rgb": [round(float(c), 4) for c in self.rgb],
            "probability": round(self.probability, 4),
            "chi2": round(self.chi2, 1),
        }


def _pct(f: float) -> str:
    return f"{f:.0%}" if f >= 0.0095 else f"{f:.1%}"


@dataclass
class HiddenPartner:
    pigment: str
    rgb: tuple[float, float, float]  # colour of the top candidate with this pigment added
    why: str
    fraction: float = HIDDEN_FRACTION  # its volume share in that colour
    #: the colour prior (a photograph) is matched by this partner, in the fraction above, clearly
    #: better than by the top candidate alone (`SUGGEST_MARGIN`)
    suggested: bool = False


@dataclass
class RegionResult:
    label: int
    #: pixels whose mean is `spectrum`: the region's interior, away from its boundary where the
    #: neighbours' paint mixes in (INTERIOR_PX; the whole region when it is too narrow)
    n_pixels: int
    counts: float  # total counts of those pixels on the canonical grid
    spectrum: np.ndarray  # (512,) mean counts per pixel, canonical grid
    candidates: list[Candidate] = field(default_factory=list)
    hidden: list[HiddenPartner] = field(default_factory=list)
    message: str = ""  # why nothing (or little) could be said
    #: all the region's pixels in the label map (0: not known, taken as n_pixels)
    region_pixels: int = 0

    @property
    def area(self) -> int:
        """The region's pixels in the label map (what a Labels layer or regions.png shows)."""
        return self.region_pixels or self.n_pixels

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def suggested(self) -> Candidate | None:
        """The best candidate with the hidden partner the photograph suggests, if it does."""
        partner = next((h for h in self.hidden if h.suggested), None)
        if partner is None or self.best is None:
            return None
        return with_suggested_partner(self.best, partner)

    @property
    def options(self) -> list[Candidate]:
        """What a region may be painted with: its candidates, then `suggested` (if any)."""
        s = self.suggested
        return self.candidates + ([s] if s is not None else [])


def with_suggested_partner(best: Candidate, partner: HiddenPartner) -> Candidate:
    """The paint `best` with `partner` mixed in at its share, in the colour that mixture gives:
    X-rays explain it as well as `best` (same fit, same probability), a photograph better. A
    region whose best candidate has no visible pigment is the partner alone (indigo, a black)."""
    keep = 1.0 - partner.fraction
    return replace(
        best,
        pigments=best.pigments + [partner.pigment],
        fractions=[f * keep for f in best.fractions] + [partner.fraction],
        rgb=partner.rgb,
        suggested_partner=partner.pigment,
    )


@dataclass
class PigmentReport:
    regions: list[RegionResult]
    profile: InstrumentProfile
    ground: list[str]
    notes: list[str]
    energy: np.ndarray  # canonical bin centres


# ---------------------------------------------------------------------------------------------
# fitting
# ---------------------------------------------------------------------------------------------
def _nnls(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    from scipy.optimize import nnls

    scale = np.maximum(np.linalg.norm(a, axis=0), 1e-30)
    x, _ = nnls(a / scale, b, maxiter=50 * a.shape[1])
    return x / scale


def _fit(cols: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """Weighted NNLS of y on columns (n, C); returns (coefficients, chi2, model)."""
    x = _nnls((cols * w).T, y * w)
    model = x @ cols
    return x, float((((y - model) * w) ** 2).sum()), model


def _fit_leak(
    cols: np.ndarray, leak: np.ndarray | None, y: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, float, np.ndarray, float]:
    """`_fit` with the neighbours' spectra (`neighbour_leak`, unit-sum rows) as extra columns
    that may take at most LEAK_MAX_SHARE of the region's counts: (coefficients of `cols`, chi2,
    model, counts the leak took). Above the bound the leak is fixed at it, its columns in the
    proportions the free fit gave them, and the rest refitted without it."""
    if leak is None or not len(leak):
        return (*_fit(cols, y, w), 0.0)
    x, chi2, model = _fit(np.vstack([cols, leak]), y, w)
    xl = x[len(cols) :]
    took, most = float(xl.sum()), LEAK_MAX_SHARE * float(y.sum())
    if took <= most:
        return x[: len(cols)], chi2, model, took
    fixed = (xl * (most / took)) @ leak
    x, _, model = _fit(cols, y - fixed, w)
    model = model + fixed
    return x, float((((y - model) * w) ** 2).sum()), model, most


def _weights(y: np.ndarray) -> np.ndarray:
    from scipy.ndimage import gaussian_filter1d

    ys = np.maximum(gaussian_filter1d(y, 1.0), 0.0)
    return 1.0 / np.sqrt(ys + (MODEL_ERROR * ys) ** 2 + 1.0)


def _allowed(idx: tuple[int, ...], roles: list[str]) -> bool:
    """Paints enumerated: up to two colours with a white or a black, a white with a black, or
    two whites alone (titanium white let down with lithopone, as the generator mixes a white
    base with a white). Without the pair a 70 % titanium white + 30 % lithopone region came out
    as one white at 100 %, the other's Ti or Ba lines left unexplained."""
    r = [roles[i] for i in idx]
    n_c, n_w, n_b = r.count("pigment"), r.count("white"), r.count("black")
    if n_w == 2:  # `rank_region` also leaves out a white with an X-ray twin (lead white)
        return n_c == 0 and n_b == 0
    return n_c <= 2 and n_w <= 1 and n_b <= 1 and not (n_c and n_w and n_b)


def _pileup_column(y: np.ndarray) -> np.ndarray:
    """Sum peaks of the region's own spectrum: its self-convolution on the canonical grid (two
    photons of E1 and E2 land at E1 + E2; bin centres add up to 20.5 bins above the sum index)."""
    from scipy.signal import fftconvolve

    from ..energy import CANONICAL_BIN_WIDTH, CANONICAL_E_MIN

    conv = fftconvolve(y, y)
    shift = (CANONICAL_E_MIN + CANONICAL_BIN_WIDTH / 2) / CANONICAL_BIN_WIDTH  # 20.5
    lo = int(np.floor(shift))
    out = np.zeros_like(y)
    n = len(y) - lo - 1
    out[lo : lo + n] += 0.5 * conv[:n]
    out[lo + 1 : lo + 1 + n] += 0.5 * conv[:n]
    return out


def _base(
    lib: ComponentLibrary,
    ground: list[int],
    y: np.ndarray,
    leak: np.ndarray | None = None,
    thick: bool = False,
) -> np.ndarray:
    """Columns every candidate shares: the ground layers, scatter, the region's sum peaks and,
    when given, its neighbours' spectrum (`neighbour_leak`). thick: the scatter of a thick
    ground too (`rank_region`, where the scan has no lead priming)."""
    cols = [
        lib.ground[ground].reshape(-1, lib.ground.shape[-1]),
        lib.scatter,
        *([lib.thick_scatter] if thick else []),
        _pileup_column(y)[None],
    ]
    if leak is not None and len(leak):
        cols.append(np.asarray(leak, dtype=float).reshape(-1, lib.scatter.shape[-1]))
    return np.vstack(cols)


def neighbour_leak(labels: np.ndarray, labs: np.ndarray, spectra: np.ndarray) -> np.ndarray:
    """(k, 512) per region: its neighbours' mean spectra weighted by the length of the boundary
    shared with each (unit sum). Paint mixes across a boundary (soft brush edges, the beam spot,
    a K-Means boundary that is not the paint's), so even an eroded region mean carries a little of
    each neighbour; one non-negative column of their spectrum takes those lines, which otherwise
    come back as a small admixture of whichever pigment has them (ochre for a neighbour's iron,
    zinc white for its zinc). The fit bounds what the columns may take (`LEAK_MAX_SHARE`).

    The contacts are counted sparsely between the regions present (`compact_labels`): a label
    map may number its regions up to 65535 or beyond (a 16-bit image, another segmenter), and a
    dense table indexed by label value asked for 32 GiB at 65535."""
    norm = spectra / np.maximum(spectra.sum(axis=1, keepdims=True), 1e-30)
    out = []
    for cols, vals in _neighbour_contacts(labels, labs):
        parts = [norm[j] for j in cols[:LEAK_NEIGHBOURS]]
        rest, wts = cols[LEAK_NEIGHBOURS:], vals[LEAK_NEIGHBOURS:]
        if len(rest):
            parts.append(wts @ norm[rest] / wts.sum())
        out.append(np.array(parts).reshape(-1, spectra.shape[1]))
    return out


def leak_sources(labels: np.ndarray, labs: np.ndarray) -> list[list[list[int]]]:
    """Per region of `labs`, per column of its `neighbour_leak`: the ids of the neighbours whose
    spectra that column holds (longest shared boundary first), for naming them in a message."""
    labs = np.asarray(labs)
    return [
        [
            [int(v) for v in labs[cols[k : k + 1] if k < LEAK_NEIGHBOURS else cols[k:]]]
            for k in range(min(len(cols), LEAK_NEIGHBOURS + 1))
        ]
        for cols, _ in _neighbour_contacts(labels, labs)
    ]


def _neighbour_contacts(labels: np.ndarray, labs: np.ndarray):
    """Per region of `labs`: (indices into `labs` of the regions it touches, the boundary length
    shared with each), longest boundary first (ties in `labs` order)."""
    from scipy.sparse import coo_matrix

    ids, lab = compact_labels(labels)
    n = len(ids)
    pairs = []
    for a, b in ((lab[1:], lab[:-1]), (lab[:, 1:], lab[:, :-1])):
        m = (a != b) & (a > 0) & (b > 0)
        pairs += [a[m], b[m]]
    src, dst = np.concatenate(pairs[0::2] + pairs[1::2]), np.concatenate(pairs[1::2] + pairs[0::2])
    contact = coo_matrix((np.ones(len(src)), (src, dst)), shape=(n + 1, n + 1)).tocsr()
    # the regions of `labs` as their rows 1..n (row 0, label 0, touches nothing; so does a label
    # not in the map)
    labs = np.asarray(labs)
    where = np.searchsorted(ids, labs)
    found = where < n
    found[found] = ids[where[found]] == labs[found]
    rows = np.where(found, where + 1, 0)
    c = contact[rows][:, rows].tocsr()
    c.sum_duplicates()
    c.sort_indices()
    out = []
    for r in range(len(rows)):
        cols = c.indices[c.indptr[r] : c.indptr[r + 1]]
        vals = c.data[c.indptr[r] : c.indptr[r + 1]]
        keep = vals > 0
        cols, vals = cols[keep], vals[keep]
        order = np.argsort(-vals, kind="stable")
        out.append((cols[order], vals[order]))
    return out


def compact_labels(labels) -> tuple[np.ndarray, np.ndarray]:
    """(ids, compact): the region ids present in a label map (> 0, ascending) and the map with
    each renumbered to its place among them, 1..n (0 stays 0). Per-region tables are then as long
    as there are regions, whatever the ids (a 16-bit label image's 65535, another segmenter's)."""
    lab = np.asarray(labels)
    ids, inv = np.unique(lab, return_inverse=True)
    inv = inv.reshape(lab.shape)
    if len(ids) and ids[0] == 0:
        return ids[1:], inv.astype(np.int64)
    return ids, (inv + 1).astype(np.int64)


def _dispersion(chi2: float, n: int, p: int) -> float:
    """Quasi-likelihood scale: chi2 per degree of freedom of the richest fit (>= 1). Differences
    in chi2 count in units of what the forward model cannot explain, not of the counting noise."""
    return max(1.0, chi2 / max(n - p, 1))


def iter_choose_ground(lib: ComponentLibrary, spectra: np.ndarray, ok: np.ndarray):
    """Ground layers of the scan (indices into lib.ground). Gypsum and chalk are both always offered
    (their columns are cheap and a wrong choice would push the ground's S or Sr onto pigments); a
    lead-white priming lies under every region, so it is added when every region shows lead:
    lead in every single paint is far less likely (in our generator's cubes without a priming,
    some region nearly always lacks lead), and a region without lead rules a priming out. One
    region (a spot spectrum) is no such evidence: its lead is read as paint.

    Lead in every region is not enough: a lead-free region's mean carries a little of a lead
    neighbour's spectrum (soft brush edges, the beam spot), and a scan whose every paint holds
    lead has no priming either. So at least one region must show its lead as a priming's, the
    priming's columns fitting it better than any lead pigment in the paint, by the same
    threshold (a priming's lead comes back through the paint and the ground's scatter differs).
    Held-out paintings and panels with a priming: 130-2,000 times the threshold in their best
    region; without one at most 2.8 times (session 60, docs/pigments_guide.md). A lead pigment
    is also offered inside a paint of each lead-bending pigment the region uses
    (`_lead_in_bending_paint`): vermilion bends its own lead's lines as a cover bends the
    priming's (session 61).

    Progress generator (regions looked at, regions to interpret): three fits a region."""
    if ok.sum() < 2:
        return [0, 1]
    fit = np.nonzero(lib.fittable)[0]
    paint = lib.paint[fit].reshape(-1, lib.paint.shape[-1])
    has_pb = np.array(["Pb" in lib.pigments[i].elements for i in fit]).repeat(2)
    n = int(ok.sum())
    yield 0, n
    shows_priming = False
    for k, y in enumerate(spectra[ok]):
        if k:
            yield k, n
        w = _weights(y)
        base, prim = _base(lib, [0, 1], y), _base(lib, [0, 1, PRIMING], y)
        x_none, chi_none, _ = _fit(np.vstack([paint[~has_pb], base]), y, w)
        # the lead fits' chi-squares and their columns (the dispersion's parameters: they
        # counted the paint and 12, whatever the ground, scatter and sum-peak columns were)
        with_pb, primed = np.vstack([paint, base]), np.vstack([paint[~has_pb], prim])
        chi_paint, chi_prim = _fit(with_pb, y, w)[1], _fit(primed, y, w)[1]
        chi_lead, p = min((chi_paint, len(with_pb)), (chi_prim, len(primed)))
        need = SHORTLIST_DCHI2 * _dispersion(chi_lead, len(y), p)
        if chi_none - chi_lead < need:
            yield n, n  # decided: a region without lead rules a priming out
            return [0, 1]
        if not shows_priming and chi_paint - chi_prim >= need:
            bent = _lead_in_bending_paint(lib, fit, has_pb[::2], x_none, y.sum())
            if len(bent):
                chi_paint = min(chi_paint, _fit(np.vstack([paint, bent, base]), y, w)[1])
        shows_priming |= chi_paint - chi_prim >= need
    yield n, n
    return [0, 1, PRIMING] if shows_priming else [0, 1]


#: The share of the bending pigment in the mixture through which `_lead_in_bending_paint` sees
#: each lead pigment: the fit mixes it with the pure lead pigment's columns, so any bending
#: between none and this mixture's is reachable.
BENT_LEAD_SHARE = 0.5


def _lead_in_bending_paint(lib: ComponentLibrary, fit, has_pb, x_none, total) -> np.ndarray:
    """(lead pigments * bending pigments, 512): each lead pigment's lines (thick layer) inside a
    paint mixed with each lead-bending pigment (`ComponentLibrary.bends_lead`: Hg L3, As K edges
    between lead's L-alpha and L-beta) to which the region's lead-free fit (amplitudes `x_none`
    of the pigments `fit[~has_pb]`) gives at least 1 % of the `total` counts. For the priming's
    test (`iter_choose_ground`): the priming's columns, seen through covers, bend lead's L-beta /
    L-alpha, a lead pigment's pure columns cannot, so vermilion + lead white beside a bare gypsum
    ground "showed its lead as a priming's" (17-22 times the threshold, session 60) and the scan
    was read primed, its lead white given to the priming."""
    free = fit[~has_pb]
    amp = x_none[: 2 * len(free)].reshape(-1, 2)
    counts = np.einsum("kt,kt->k", amp, lib.paint[free].sum(-1))
    bends = [i for i, c in zip(free, counts) if lib.bends_lead[i] and c > 0.01 * total]
    share = [1 - BENT_LEAD_SHARE, BENT_LEAD_SHARE]
    cols = [_mixture_columns(lib, [i, b], share)[0, 1] for b in bends for i in fit[has_pb]]
    return np.array(cols).reshape(-1, lib.paint.shape[-1])


def _shortlist(
    lib: ComponentLibrary,
    y: np.ndarray,
    w: np.ndarray,
    base: np.ndarray,
    visible_too=False,
    leak: np.ndarray | None = None,
):
    """Pigments worth enumerating, and the dispersion of the all-pigment fit. visible_too: also
    every visible pigment whose elements the kept ones show (`_within_shown`). leak: the
    neighbours' spectra, bounded as in every candidate's fit (`_fit_leak`)."""
    fit = np.nonzero(lib.fittable)[0]
    cols = np.vstack(
        [lib.paint[fit].reshape(-1, lib.paint.shape[-1]), lib.own_scatter_of(fit), base]
    )
    x, chi2, _, _ = _fit_leak(cols, leak, y, w)
    n_leak = 0 if leak is None else len(leak)
    phi = _dispersion(chi2, len(y), cols.shape[0] + n_leak)
    gain = np.array(
        [float(((x[2 * k : 2 * k + 2] @ lib.paint[i] * w) ** 2).sum()) for k, i in enumerate(fit)]
    )
    order = np.argsort(gain)[::-1]
    keep = [int(fit[j]) for j in order if gain[j] > SHORTLIST_DCHI2 * phi][:MAX_SHORTLIST]
    for i in list(keep):  # pigments X-rays cannot tell apart from a kept one compete too
        keep += [j for j in lib.twins(i) if lib.fittable[j] and j not in keep]
    keep = keep[: 2 * MAX_SHORTLIST]
    return sorted(keep + [j for j in _within_shown(lib, keep, visible_too) if j not in keep]), phi


def _lead_under_priming(lib: ComponentLibrary, y, w, ground, visible_too, leak) -> list[int]:
    """The lead pigments `_shortlist` keeps where the base leaves out the lead-white priming: with
    it, the priming's lead lines take a lead paint's in the all-pigment fit, so chrome yellow or red
    lead over a primed ground was often not enumerated (fresh held-out seed 6767: 4 regions' truths
    out of their top 3, chrome yellow + vermilion read vermilion + viridian). Which candidate
    carries the lead is still the ranking's choice."""
    bare = _base(lib, [g for g in ground if g != PRIMING], y)
    keep = _shortlist(lib, y, w, bare, visible_too=visible_too, leak=leak)[0]
    return [i for i in keep if "Pb" in lib.pigments[i].elements]


def _within_shown(lib: ComponentLibrary, keep, visible_too: bool = False) -> list[int]:
    """Hidden pigments with lines (Van Dyke brown's iron, the lakes' K and Ca) whose elements from
    K up the kept pigments already show. The screening gives a line to whichever pigment takes it
    best in the all-pigment fit, so a hidden pigment's weak lines never win it against a visible
    pigment with the same elements: a smalt darkened with Van Dyke brown was reported as smalt +
    green earth, the brown never enumerated (and, being hidden, a candidate with it names the
    visible pigments alone). Top-1 on the tuning cubes (seed 101) 53.0 -> 54.6 %, the Mo pigment
    panels unchanged. Enumerating every pigment whose lines are shown, visible ones too, reached
    56.0 % there but let same-element candidates soak up model error on the panels (80.9 ->
    77.9 %: emerald green + lead white read as Scheele's green + realgar + lead white), so
    `visible_too` is only for a photograph's prior, whose colour sorts such candidates out
    (physics + photograph, tuning cubes 68.5 -> 69.5 %, Mo panels 94.6 % both ways).

    A visible pigment holding a kept pigment's elements and more, all shown (chrome yellow, Pb +
    Cr, where viridian and a lead pigment are kept), is always enumerated: the screening gives
    Cr to viridian, so chrome yellow, the X-ray twin of viridian + lead white (`_xray_key`) that
    the base rates would put first, was never tried. Physics top-1 / top-3, true regions: tuning
    cubes (seed 101) 56.3 -> 57.3 / 75.8 -> 77.2 %; held out, seed 202 62.7 -> 63.0 / 78.2 ->
    79.9 %, seed 303 55.4 -> 56.1 / 71.4 -> 72.8 %; Mo panels and the sample panel unchanged."""
    shown = frozenset().union(*(_heavy(lib.pigments[i]) for i in keep))
    kept = [_heavy(lib.pigments[i]) for i in keep]
    out = []
    for j in np.nonzero(lib.fittable)[0]:
        h = _heavy(lib.pigments[j])
        if j in keep or not h or not h <= shown:
            continue
        if visible_too or not lib.visible[j] or any(k and k < h for k in kept):
            out.append(int(j))
    return out


#: Two paints in one region: the best MORE_PAINT_TOP candidates are fitted again with one more
#: colour (`_more_paint`), up to MORE_PAINT_ROUNDS times (a second paint's two colours).
#: Enumeration stops at two colours with a white or a black (`_allowed`), one paint as the
#: generator mixes it; a region the clustering merged from two paints showed lines no candidate
#: could hold: the painting sample's cadmium-red rectangle (cadmium red and chrome yellow in
#: lithopone) merged with viridian strokes read "Chrome yellow + Viridian + Lithopone" at p 0.76,
#: its Cd L and Se K lines left unexplained (now "Cadmium red + Chrome yellow + Viridian +
#: Lithopone", p 0.87). Colours only: a white added too read a reference-table cadmium yellow
#: swatch (whose Zn and Ba the best pair, zinc white + cadmium yellow, left in part) as zinc
#: white + cadmium yellow + lithopone, and pushed the swatch's truth out of its top 3.
MORE_PAINT_TOP = 3
MORE_PAINT_ROUNDS = 2


def _more_paint(
    lib: ComponentLibrary, y, model, w, energy, c, short, ground_els, leak=None
) -> list[int]:
    """Shortlisted colours to add to candidate c: each holds an element, from potassium up, that
    a line left in c's residual names (`_residual_lines`), and only elements c or the residual
    shows, so it explains lines the data have rather than soaking up the fit's error elsewhere. A
    line that a neighbour's spectrum (`leak`) shows too names nothing here: the neighbour's paint
    mixed in across the boundary, not a second paint (held-out cubes: zinc white, malachite,
    verdigris added for a neighbour's Zn or Cu in narrow regions lost 4 top-1s of 284)."""
    from scipy.ndimage import median_filter

    from ..detector import detector_fwhm_kev

    held = frozenset(e for i in c for e in lib.pigments[i].elements)
    found = _residual_lines(y, model, w, energy, lib.profile, held, ground_els)
    cols = [] if leak is None else np.asarray(leak, float).reshape(-1, y.size) * y.sum()
    step = float(np.median(np.diff(energy)))
    width = max(3, int(round(UNEXPLAINED_TREND_KEV / step)) | 1)
    lines = [col - median_filter(col, size=width, mode="nearest") for col in cols]

    def neighbours_show(e: float) -> bool:
        near = np.abs(energy - e) <= 0.6 * float(detector_fwhm_kev(e, lib.profile.fwhm_mn_ev))
        return any(
            (ln[near] >= UNEXPLAINED_SIGMA * np.sqrt(np.maximum(col[near], 1.0))).any()
            for ln, col in zip(lines, cols)
        )

    left = (
        frozenset(
            ln.element for ln in found if ln.element is not None and not neighbours_show(ln.energy)
        )
        - held
    )
    if not left:
        return []
    return [
        j
        for j in short
        if j not in c
        and lib.pigments[j].role == "pigment"
        and _heavy(lib.pigments[j]) & left
        and _heavy(lib.pigments[j]) <= left | held
    ]


#: With a photograph: how many visible pigments, nearest its colour, join every shortlist, and
#: the share each must take in a candidate (there for the colour, not for a trace of a line).
KIN_N = 20
KIN_MIN_SHARE = 0.02


def _colour_kin(lib: ComponentLibrary, prior_lab, short) -> list[int]:
    """With a photograph: the KIN_N visible pigments whose white tints pass nearest the region's
    colour (CIELAB a*b*: distance to the segment from white to the pigment). A yellow lake or a
    chrome yellow in titanium white has lines too weak to win the screening's all-pigment fit,
    while the photograph's yellow names it; enumerated, the spectrum then decides. Tuning cubes
    (seed 101), physics + photograph top-1: 69.5 % without, 71.2 % with the 8 nearest, 72.2 %
    with 20, 71.9 % with every visible pigment."""
    ab = np.asarray(prior_lab, float)[1:]
    dist = []
    for j in np.nonzero(lib.fittable & lib.visible)[0]:
        p = lib.pigments[j]
        if p.role != "pigment" or j in short:
            continue
        pab = np.asarray(p.lab[1:], float)
        t = float(np.clip(ab @ pab / max(pab @ pab, 1e-9), 0.0, 1.0))
        dist.append((float(np.hypot(*(ab - t * pab))), int(j)))
    return [j for _, j in sorted(dist)[:KIN_N]]


def _heavy(p: Pigment) -> frozenset:
    """A pigment's characteristic elements from potassium up: what X-rays in air show of it."""
    from ..elements import atomic_number

    return frozenset(e for e in p.elements if atomic_number(e) >= 19)


#: A residual peak may be named after a line that is not the main line of its series (K-beta,
#: L-beta, L-gamma) only where that main line (K-alpha, L-alpha) shows too: explained by the
#: fit, or left in the residual with at least this share of the peak's counts (the main line is
#: the stronger one; the share allows for absorption edges between the two).
MAIN_LINE_SHARE = 0.5
#: A residual peak may be named as the Si escape peak of a line (its energy less Si K-alpha,
#: 1.740 keV) only where the spectrum's counts at that parent line, times its escape probability
#: (physics.detector), times this slack, reach the peak's counts: a Zn K-alpha the candidate
#: lacks was read as "Co Ka 6.88 keV" through its escape.
ESCAPE_SLACK = 3.0
#: A residual peak may be named as a weak line, under MISFIT_LINE_SHARE of its series' main line
#: (the L-l and L-eta that no family holds, elements.minor_lines; light elements' K-beta and
#: L-gamma), only where its counts are at most this many times the line's share of the main line
#: (their weights) times the spectrum's counts at the main line, and that line shows
#: (MAIN_LINE_SHARE):
#: a lead-white priming's Pb L-l (9.18 keV, 5 % of L-alpha), which the fit's priming columns
#: leave 10-50 % short under zinc white (Zn's K edge, 9.66 keV, lies between the two lines) and
#: light paints, read "unidentified peak at 9.18 keV" (5 regions of the main-table panels);
#: a peak there far stronger than lead's L-l stays unexplained. Such a line names only a peak
#: no other line names: tin's L-alpha (3.44 keV) read "Sb Ln 3.43 keV" (antimony's L-eta, 3 %
#: of its L-alpha at 3.60 keV, where tin's L-beta and a ground's Ca K-alpha leave peaks), the
#: tie of support broken by nearness: tin added to the Rh panels' regions was named in 51 / 60
#: of 114 at 12 / 20 sigma, not 100 / 107. Arsenic's L-gamma (3 % of L-alpha) was no such line
#: until session 64: held-out smalt and vermilion candidates read "As Lg 1.52 keV" and "As Lg
#: misfit 1.48 keV" for peaks far above it, with no As L-alpha peak beside them.
#: The K-beta of an element the fit holds (the candidate's, or the ground's: its K-alpha fitted,
#: in part at least) names a peak beside other lines, still as weak beside K-alpha, the tie of
#: support broken by nearness: a gypsum ground's S K-beta (2.46 keV, 6 % of S K-alpha), left
#: over where the fit's S K-alpha took a little red lead's Pb M lines, read "Bi Ma 2.48 keV" on
#: a held-out red-lead region's candidate lacking lead, with no bismuth in the painting.
MINOR_LINE_SLACK = 3.0
#: An L-beta or L-gamma family's lines (elements.transition_lines) that lie this far (keV) or more
#: from the family's mean energy name peaks too, under the family's label (`_split_lines`): lead's
#: L-gamma1 is at 14.76 keV, its L1-N2,3 lines at 15.10-15.22 and the family's mean 14.98, more
#: than a line tolerance (0.13 keV there) away, and a lead-white priming's L-gamma1 left short read
#: "unidentified peak at 14.78 keV" (3 regions of the W and Mo main-table panels; the threshold
#: was 0.205 keV and only L-gamma1 until session 65). Barium's L-gamma1 (5.53 keV, 0.155 from the
#: mean) and L-beta2 (5.16, 0.27) read "unidentified peak at 5.53 / 5.12-5.18 keV" beside "Ba La"
#: and "Ba Lb" on the lithopone and cadmium-red swatches' candidates lacking barium. Such a line
#: names a peak only where the element's L-beta shows too (or is held), as well as its L-alpha:
#: tungsten's L-gamma1 (11.29 keV, 0.08 keV from Se K-alpha) had taken a selenium line added to a
#: Cu panel's region where a W L-alpha residual alone lent tungsten support (session 56,
#: /work/runs56/revP56/inject.py). And it names only a peak it is nearer than any other line
#: naming it, nor a misfit lobe: tin's L-beta2 (3.905 keV) took antimony's L-beta (3.89) from a
#: held-out lead-tin yellow candidate by tin's support ("Sn Lb misfit 3.88 keV"); but where no
#: other line might name the peak at all, tungsten's L-gamma1 at its own energy, beside W L-alpha
#: and L-beta, read "Se Ka 11.28 keV" (0.08 keV off, no Se K-beta). At 0.145 keV (session 65)
#: barium's L-gamma2,3 (5.80-5.81 keV, 0.11-0.12 keV from the mean) read "Mn Ka 5.83 keV" beside
#: "Ba La", "Ba Lb" and "Ba Lg" on a lithopone swatch's zinc-white candidate, and "Ba Lg 5.53"
#: pushed that peak past the six on others (session 66).
L_SPLIT_KEV = 0.11
#: ... and only a line of at least this weight (elements' line weights): not a shoulder of
#: another (Ba's 5.154 keV, 0.013, beside its 5.157).
L_SPLIT_WEIGHT = 0.05


@lru_cache(maxsize=64)
def _split_lines(symbol: str) -> tuple:
    """The element's L-beta and L-gamma lines that stand apart from their family's mean
    (L_SPLIT_KEV), labelled by the family."""
    from ..elements import element_line, transition_lines

    out = []
    for fam in ("Lb", "Lg"):
        mean = element_line(symbol, fam)
        if mean is None:
            continue
        out += [
            t
            for t in transition_lines(symbol)
            if t.family == fam
            and t.weight >= L_SPLIT_WEIGHT
            and abs(t.energy - mean.energy) >= L_SPLIT_KEV
        ]
    return tuple(out)


#: A residual peak is a line left unexplained where it stands this many times the residual's own
#: noise above the residual's slow trend (`_residual_lines`).
UNEXPLAINED_SIGMA = 6.0
#: The residual's slow trend, taken out before peaks are looked for: its running median over
#: this width (keV; 21 channels of the canonical grid, some 6 line widths at 10 keV). A forward
#: model's continuum a few per cent off over several keV is no line.
UNEXPLAINED_TREND_KEV = 1.05
#: A residual peak no line names, from this many line tolerances below the Compton band of one of
#: the tube anode's lines (tube_guess.compton_band) up to the line, is the tube's own scatter,
#: which the fit's columns shape a little off (the Compton peak's Doppler breadth, the detector's
#: resolution): `_residual_lines` leaves it out, as the ground's and the air's lines. Under a Cr
#: tube at 9,000 counts per pixel (panel Cr seed 2) 12 regions read "unidentified peak" at 5.12-5.18
#: and 5.72 keV (22 lines), below Cr K-alpha (5.41 keV, its band's low edge 5.30) and K-beta
#: (5.95); at one tolerance (0.10 keV there) the 10 at 5.12-5.18 stayed.
TUBE_SCATTER_TOLS = 2.0
#: There, below the line, a peak a line names is the tube's scatter too where it is nearer the
#: tube line's Compton energy (at the profile's scatter angle) than that line, and the
#: residual's peak is this many times a line's width (the detector's FWHM) wide at half its
#: height: the Compton peak is Doppler-broadened, a fluorescence line is not. Under a W tube
#: the fit leaves W L-alpha's Compton peak (8.14 keV) short over 7.93-8.22 keV (0.3 keV at half
#: height, a line 0.16), and 4 regions of the W seed-2 panel read "Cu Ka 8.12 keV" of it (3
#: more "Cu Ka 8.08 keV", nearer copper's 8.04, stay). A copper line added at 8.04 keV to that
#: panel's 41 regions is named in 18 / 28 / 33 / 34 of them at 5 / 8 / 12 / 20 sigma (18 / 29 /
#: 34 / 34 before); without the nearness test, 2 / 4 / 7 / 12. Not where the naming line lies
#: within a line tolerance of that Compton energy: Zn K-alpha (8.63 keV) is Cu K-beta's Compton
#: peak under a Cu tube (8.63-8.69 keV at 149-115 deg), Mn K-alpha (5.90) 0.07 keV above Cr
#: K-beta's (5.82-5.83): a zinc line added to the Cu panels' regions was named in 90 / 100 / 109
#: of 112 at 8 / 12 / 20 sigma, not 109 / 111 / 112; manganese under Cr 114 / 116 of 120 at 12 /
#: 20 sigma, not 117 / 119. There too a peak within a line tolerance of the anode's K-beta is the
#: anode's where its K-alpha is left in the residual at least as high as K-beta's share allows
#: (TUBE_KB_SLACK times their weights' ratio): under a Cr tube the viridian swatches'
#: candidates lacking chromium read "Mn Ka 5.97 keV" for their Cr K-beta (5.95), beside a Cr
#: K-alpha residual 9-11 times as high; a raw umber's Mn K-alpha (5.90) leaves no Cr K-alpha
#: residual and stays.
TUBE_SCATTER_BREADTH = 1.5
#: The peak at the anode's K-beta stood 0.6-1.3 times K-beta's share of the K-alpha left where no
#: manganese was (made Cr-tube panels of viridian and chrome yellow, alone or with lead white or
#: the ochres, whose 0.5-1 % MnO2 gives the 1.3), so a larger peak holds another line: at
#: MINOR_LINE_SLACK (3) the green-earth candidates of viridian + raw umber regions lost the
#: umber's "Mn Ka 5.93 keV" (their peaks 1.4 and 3.2 times the share: the second is listed now).
#: A larger peak the K-alpha left could still give a third of (MINOR_LINE_SLACK) is the paint's
#: anode element, not a held element's line: `_residual_lines`' anode_kb.
TUBE_KB_SLACK = 1.5


#: At most this many residual lines are listed, the most significant first; where there are more,
#: the UNEXPLAINED_FIRST most significant are kept and then those of the elements that name the
#: most of them: a line of an element named by one peak alone is the weakest evidence. Taken in
#: significance order alone, a peak named anew changed which others were listed: on the smalt
#: swatch's candidates lacking its elements (Cr seed 2, region 7) "Bi Ma 2.48 keV", where the
#: ground's S K-beta had named the peak, took the place of "As Ka misfit 10.53 keV", arsenic's
#: K-alpha with its K-beta.
UNEXPLAINED_SHOWN = 6
#: The most significant residual lines that are listed whatever else names an element: by
#: evidence alone, a held-out smalt region's candidates left out K Ka and Si Ka, the residual's
#: two strongest peaks, for Co Ka's escape and the second lines of As and Ni. Over the three
#: evaluation sets' lists longer than six, a lone line (its element names no other peak) among
#: the three most significant names an element of the region's truth 40 times in 57, further
#: down 34 in 94.
UNEXPLAINED_FIRST = 3


#: A residual peak beside a residual as negative as MISFIT_LOBE times it, within MISFIT_SPAN line
#: widths (the detector's FWHM), is one lobe of a line the fit shapes a little off (its place or
#: width), not a line of its own: it is named after the line of an element the candidate holds
#: that lies between the two lobes, the strongest in the spectrum there (`_residual_lines`). Lead
#: white and Naples yellow regions of the panel sample, their Pb M peak (2.35-2.44 keV) left
#: 500-1200 counts high below 2.35 keV and as low above, read "Mo La 2.27 keV" under a Rh tube
#: with no molybdenum: the positive lobe, 0.07 keV from Pb M-alpha, lay nearest Mo L-alpha.
MISFIT_LOBE = 0.3
MISFIT_SPAN = 2.0
#: ... and only where that held line lies within this many line widths of the peak: a lobe of a
#: line shaped a little off stands within its width. On the sample painting's titanium-white +
#: lithopone region, the candidates without lithopone listed "Ti Ka 4.83 keV": the fit's Ti K
#: lines soaked up lithopone's Ba L-alpha (4.47 keV) and left Ba L-beta (4.83) beside a trough,
#: 0.32 keV from Ti K-alpha (4.51), two line widths.
MISFIT_REACH = 1.0
#: Among names of equal support, an L or M line comes after the others where the tube voltage is
#: at least this many times the element's K edge, its K-alpha is on the axis, and that K-alpha
#: neither shows nor is held: there the K lines stand far above the L lines. A 40 kV tube and
#: bromine (edge 13.5 keV): the sample painting's lithopone candidate listed "Br La 1.48 keV",
#: no Br K-alpha at 11.92, for Al K-alpha (1.487). Not tin nor cadmium under 40 kV (1.4-1.5
#: times their edges): a held-out painting's cerulean blue left "Sn La 3.43 keV" with no Sn
#: K-alpha (25.2 keV) above the noise, and at 1.1 times the edge (elements.K_OVERVOLTAGE) it
#: read "Cd Lb 3.43 keV". (An M line lacking its L-alpha comes after others too, by the tube's
#: excitation and the peak's counts, not by this factor: `_residual_lines`' least_share.)
K_LINES_DOMINATE = 2.0
#: A held line names a misfit lobe only where its weight is at least this share of its series'
#: main line (K-alpha, L-alpha, M-alpha): a weak line leaves no lobe of its own. Smalt holds
#: arsenic, and an aluminium K-alpha peak (1.49 keV) beside its fitted silicon read "As Lg misfit
#: 1.48 keV": As L-gamma is 3 % of As L-alpha (10 regions' candidates of the held-out set).
MISFIT_LINE_SHARE = 0.1


@lru_cache(maxsize=8)
def _escape_lines(anode: str) -> tuple[tuple, np.ndarray]:
    """The Si escape peaks of every line, the anode's scatter lines too (ESCAPE_SLACK), with
    their escape probabilities: the same for every candidate of every region of one tube."""
    from ..elements import PAINTING_ELEMENTS, Line, all_lines
    from ..physics.detector import SI_K_EDGE, SI_KA, escape_probability

    escapes = tuple(
        Line(ln.element, f"{ln.family} escape", ln.energy - SI_KA, ln.weight)
        for ln in all_lines(PAINTING_ELEMENTS + (anode,), SI_K_EDGE, 27.0)
        if ln.energy - SI_KA >= 1.0
    )
    return escapes, escape_probability([ln.energy + SI_KA for ln in escapes]) if escapes else []


class ResidualLine(NamedTuple):
    """A peak left in a candidate's residual (`_residual_lines`): the element and family of the
    line that names it (None, "" where none does) and the peak's energy (keV)."""

    element: str | None
    family: str
    energy: float
    #: The element is one the candidate holds: its line, which the fit shapes a little off or
    #: leaves short, not a paint it lacks ("Ti Ka misfit 4.55 keV"). Not the tube anode's, whose
    #: lines are named only by their escape peaks, the tube's scatter's as much as the paint's
    #: (under a Cu tube a candidate holding copper would read "Cu Ka escape misfit 6.28 keV").
    misfit: bool = False

    def __str__(self) -> str:
        if self.element is None:
            return f"unidentified peak at {self.energy:.2f} keV"
        own = " misfit" if self.misfit else ""
        return f"{self.element} {self.family}{own} {self.energy:.2f} keV"


def _unexplained(*args, **kwargs) -> list[str]:
    """`_residual_lines` as a Candidate lists them: "Zn Ka 8.64 keV", "unidentified peak at
    5.12 keV"."""
    return [str(ln) for ln in _residual_lines(*args, **kwargs)]


def _residual_lines(
    y: np.ndarray,
    model: np.ndarray,
    w: np.ndarray,
    energy: np.ndarray,
    profile: InstrumentProfile,
    explained: frozenset = frozenset(),
    ground: frozenset = frozenset(),
) -> list[ResidualLine]:
    """Peaks left in the residual, named by X-ray line: the weighted residual, less its slow trend
    (UNEXPLAINED_TREND_KEV), smoothed over a line's width, above UNEXPLAINED_SIGMA times its noise
    (a robust spread, measured on that residual itself, at least the counting noise). The
    region's dispersion (chi-square per degree of freedom, phi) is not that noise: on the real
    Bruker .spx (phi 47) it came from a continuum 5-15 sigma off over 6-12 keV and a few misfit
    peaks, while the residual's spread from channel to channel was the counting noise's. The
    threshold was 6 sqrt(phi) (41 sigma): its K K-alpha (860 counts at 3.3 keV, the model 176)
    was not named, nor a lead L-alpha added to it below 40 sigma at its peak (now 5).

    The names are chosen together, not peak by peak: a line that is not the main line of its
    series (K-beta, L-beta, L-gamma) is only a name where that main line (K-alpha, L-alpha) shows
    as well, explained (an element of `explained`: those the fit holds) or in the residual (gold's
    L-alpha at 9.71 keV had been named "W Lb", impossible without W L-alpha at 8.40); among the
    lines left, the element naming the most residual peaks wins (Pb L-alpha with its L-beta over
    As K-alpha alone), then the nearest strong line. A peak no line may name is an "unidentified
    peak". A peak named after an element of `ground` (the scan's ground layers) is the ground's:
    not reported (gypsum's strontium under a heavy paint, whose Sr:Ca the fixed covers do not
    reproduce, was read as an "Sr Ka" line in a pure lead white). Nor is argon's (AIR_ELEMENTS),
    outside a vacuum: among names of equal support the air's come first. Nor is a peak no line
    names in the scatter of the tube's own lines (TUBE_SCATTER_TOLS), nor one a line names that
    is a tube line's Compton peak, broad and nearer it (TUBE_SCATTER_BREADTH). A line's Si
    escape peak (ESCAPE_SLACK) is a name too, "Zn Ka escape 6.88 keV", counted as support of its
    element. A peak is named where the residual's counts stand highest within a line's tolerance
    of its weighted top: with the model error in the weights a strong line's weighted residual is
    nearly flat, and its top fell on a flank (a Cu-tube cadmium yellow's lithopone candidate,
    short of sulfur, read "Mo La 2.27 keV" for its S K-alpha, whose counts peaked at 2.33). A
    peak one lobe of a held line is named after it only within MISFIT_REACH line widths, and only
    a line not weak beside its main line (MISFIT_LINE_SHARE); a line of a held element is marked
    so (ResidualLine.misfit); an L line whose K-alpha should stand far above it but does not show
    comes after other names (K_LINES_DOMINATE), and an M line whose L-alpha does not show though,
    at its least height over M-alpha under this tube (peaks.line_height_ratio, a thin layer) times
    the peak's counts, it would stand above detection (peaks.line_detectable) likewise: under a Mo
    or W tube from 22 kV a held-out Naples yellow's peak beside fitted Pb M lines read "Bi Ma 2.43
    keV" (now "Pb Ma misfit"); under a Cr tube at 30 kV, where a thin layer's Hg L-alpha stands a
    fifth as high as its M-alpha, a main-table chrome yellow's 2.18 keV peak read "Hg Ma" with no
    Hg L-alpha (9.99 keV) though even that fifth would have shown;
    a peak at the tube anode's K-beta beside its K-alpha left as high is the tube's
    (TUBE_SCATTER_BREADTH), and one up to three times that high is the anode's element in the paint
    (anode_kb), not a held element's line. At most UNEXPLAINED_SHOWN lines, most significant
    first: the UNEXPLAINED_FIRST most significant, then those of the elements naming the most
    peaks."""
    from scipy.ndimage import gaussian_filter1d, median_filter
    from scipy.signal import find_peaks, peak_widths

    from ..detector import detector_fwhm_kev
    from ..elements import (
        PAINTING_ELEMENTS,
        all_lines,
        element_line,
        element_lines,
        minor_lines,
    )
    from ..physics.detector import SI_KA
    from .maps import family_edge
    from .peaks import line_detectable, line_height_ratio
    from .tube_guess import compton_band

    r = (y - model) * w
    step = float(np.median(np.diff(energy))) if len(energy) > 1 else 1.0
    width = max(3, int(round(UNEXPLAINED_TREND_KEV / step)) | 1)  # odd: centred
    r = r - median_filter(r, size=width, mode="nearest")
    z = gaussian_filter1d(r, 1.0) * 2.0  # smoothing over ~3 bins shrinks noise ~2x
    noise = max(1.0, 1.4826 * float(np.median(np.abs(z - np.median(z)))))
    left = gaussian_filter1d(y - model, 1.0)  # the residual in counts
    idx, _ = find_peaks(z, height=UNEXPLAINED_SIGMA * noise, distance=3)
    if not len(idx):
        return []
    lo, hi = float(energy[0]), float(energy[-1])
    air = AIR_ELEMENTS if profile.atmosphere != "vacuum" else ()
    splits = [g for s in PAINTING_ELEMENTS + air for g in _split_lines(s)]
    lines = [
        ln
        for ln in all_lines(PAINTING_ELEMENTS + air, 1.0, 27.0)
        + [m for s in PAINTING_ELEMENTS + air for m in minor_lines(s) if 1.0 <= m.energy <= 27.0]
        + [g for g in splits if 1.0 <= g.energy <= 27.0]
        if ln.element != profile.anode
    ]
    split = set(splits)
    escapes, p_esc = _escape_lines(profile.anode)
    ys = gaussian_filter1d(np.asarray(y, dtype=float), 1.0)

    def fwhm(e: float) -> float:  # a line's width: the detector's FWHM (keV)
        return float(detector_fwhm_kev(e, profile.fwhm_mn_ev))

    def tol(e: float) -> float:
        return 0.6 * fwhm(e)

    tops, _ = find_peaks(left)  # the residual's local maxima: a line, not a neighbour's flank
    tube = [ln.energy for ln in element_lines(profile.anode)]

    def tube_scatter(e: float) -> bool:  # between a tube line's Compton band and the line
        return any(compton_band(t)[0] - TUBE_SCATTER_TOLS * tol(e) <= e <= t + tol(e) for t in tube)

    def compton_broad(e: float, named: float) -> bool:  # in a tube line's Compton peak
        from ..physics.scatter import compton_energy

        def nearer(c: float) -> bool:  # than the naming line, a tolerance or more from c: a
            # line nearer c, the peak's place (a 50 eV grid's, with noise) cannot tell the two
            return abs(e - c) < abs(e - named) and abs(named - c) > tol(e)

        if not any(  # nearer its Compton energy than the line naming it, and below the line
            nearer(compton_energy(t, profile.scatter_deg))
            and compton_band(t)[0] - TUBE_SCATTER_TOLS * tol(e) <= e <= t - tol(e)
            for t in tube
        ):
            return False  # at a low line (Ag L, W M) Compton lies within the line's width
        near = tops[np.abs(energy[tops] - e) <= tol(e)]
        if not len(near):
            return False
        top = near[np.argmax(left[near])]
        half = peak_widths(left, [top], rel_height=0.5)[0][0] * step
        return half > TUBE_SCATTER_BREADTH * fwhm(e)

    def top_near(e: float) -> float:  # the residual's highest peak top within a tolerance of e
        near = tops[np.abs(energy[tops] - e) <= tol(e)]
        return float(left[near].max()) if len(near) else -np.inf

    def shows(e: float, counts: float) -> bool:  # a main line the fit left in the residual
        return top_near(e) >= MAIN_LINE_SHARE * counts

    def main_of(ln):  # the main line of its series (K-alpha, L-alpha, M-alpha), or None
        return element_line(ln.element, ln.family[0] + "a")

    def weak(ln) -> bool:  # under MISFIT_LINE_SHARE of its series' main line
        main = main_of(ln)
        return main is not None and ln.weight < MISFIT_LINE_SHARE * main.weight

    def admissible(ln, counts: float) -> bool:
        main = main_of(ln)
        if ln in split and not shows_or_holds(  # with L-beta too (L_SPLIT_KEV)
            ln.element, element_line(ln.element, "Lb").energy, counts
        ):
            return False
        if weak(ln):  # only with its main line, and as weak beside it (MINOR_LINE_SLACK)
            near = np.abs(energy - main.energy) <= tol(main.energy)
            return bool(
                near.any()
                and MINOR_LINE_SLACK * ln.weight / main.weight * ys[near].max() >= counts
                and shows_or_holds(ln.element, main.energy, counts)
            )
        return (
            main is None
            or main.family == ln.family
            or not lo <= main.energy <= hi  # out of sight: nothing to check
            or shows_or_holds(ln.element, main.energy, counts)
        )

    above = {"L": ("Ka",), "M": ("Ka", "La")}  # the main lines that should stand above these
    cutoff = profile.optic_cutoff_kev if profile.optic == "polycapillary" else None

    def least_share(main, counts: float) -> float | None:  # how high the main line `main` (a
        # K-alpha or L-alpha) stands at least, per the counts of a peak its element's L or M line
        # names, where its absence is telling: a K-alpha excited K_LINES_DOMINATE times its edge
        # far above (1); an L-alpha the tube raises at least MAIN_LINE_SHARE as high as M-alpha
        # in a thin layer (peaks.line_height_ratio, the least), likewise (1); one less high, at
        # that share, where it would stand above detection (peaks.line_detectable). None: its
        # absence says nothing
        if main.family == "Ka":
            edge = family_edge(main.element, "Ka")[0]
            return 1.0 if edge * K_LINES_DOMINATE <= profile.kv else None
        r = line_height_ratio(
            main.element,
            "La",
            "Ma",
            profile.anode,
            profile.kv,
            cutoff,
            profile.atmosphere,
            profile.fwhm_mn_ev,
        )
        if r is not None and r >= MAIN_LINE_SHARE:
            return 1.0
        if r is None or not line_detectable(energy, y, r * counts, main.energy):
            return None
        return r

    def lacking(ln, counts: float) -> bool:  # an L or M line whose K-alpha (an M line's L-alpha
        # too) should stand above detection beside it (least_share) but is not seen
        for fam in above.get(ln.family[0], ()):
            main = element_line(ln.element, fam)
            if main is None or not lo <= main.energy <= hi:
                continue
            share = least_share(main, counts)
            if share is not None and not shows_or_holds(ln.element, main.energy, share * counts):
                return True
        return False

    def shows_or_holds(element: str, main_energy: float, counts: float) -> bool:
        return element in explained or element in ground or shows(main_energy, counts)

    def escape_of(k: int, counts: float) -> bool:  # the parent line has counts enough
        parent = escapes[k].energy + SI_KA
        near = np.abs(energy - parent) <= tol(parent)
        return bool(near.any() and ESCAPE_SLACK * p_esc[k] * ys[near].max() >= counts)

    def kb_share(e: float) -> float | None:  # at the anode's K-beta: its share of the K-alpha left
        ka, kb = element_line(profile.anode, "Ka"), element_line(profile.anode, "Kb")
        if ka is None or kb is None or abs(kb.energy - e) >= tol(e):
            return None
        return kb.weight / ka.weight * top_near(ka.energy)

    def tube_kb(e: float, counts: float) -> bool:  # the anode's K-beta, its K-alpha left as high
        share = kb_share(e)
        return share is not None and TUBE_KB_SLACK * share >= counts

    def held_kb(ln) -> bool:  # the K-beta of an element the fit holds (MINOR_LINE_SLACK)
        return ln.family == "Kb" and (ln.element in explained or ln.element in ground)

    def names_of(e: float, i: int) -> list:
        t = tol(e)  # once per peak, not once per line (a third of the warm fit's time)
        near = [ln for ln in lines if abs(ln.energy - e) < t and admissible(ln, left[i])] + [
            ln for k, ln in enumerate(escapes) if abs(ln.energy - e) < t and escape_of(k, left[i])
        ]
        # a weak line names only a peak no other line names, but a held element's K-beta
        # (MINOR_LINE_SLACK); a line apart from its family's mean only a peak it is nearer
        # than any other line (L_SPLIT_KEV)
        strong = [ln for ln in near if not weak(ln) or held_kb(ln)]
        plain = [ln for ln in strong if ln not in split]
        gap = min((abs(ln.energy - e) for ln in plain), default=np.inf)
        return plain + [ln for ln in strong if ln in split and abs(ln.energy - e) < gap] or near

    def misfit_of(e: float, i: int) -> list:
        """The line of a held element whose shape the fit has a little off, where the peak is one
        lobe of it: a residual as negative (MISFIT_LOBE) within MISFIT_SPAN line widths beside
        it, that line between the two, not a weak one (MISFIT_LINE_SHARE); the strongest there in
        the spectrum (`MISFIT_LOBE`)."""
        span = MISFIT_SPAN * fwhm(e)
        near = np.nonzero(np.abs(energy - e) <= span)[0]
        k = near[np.argmin(left[near])]
        if left[i] <= 0 or left[k] > -MISFIT_LOBE * left[i]:
            return []
        a, b = sorted((e, float(energy[k])))
        held = [
            ln
            for ln in lines
            if ln.element in explained
            and a - tol(a) <= ln.energy <= b + tol(b)
            and abs(ln.energy - e) <= MISFIT_REACH * fwhm(e)
            and not weak(ln)
            and ln not in split
            and admissible(ln, left[i])
        ]
        return [max(held, key=lambda ln: np.interp(ln.energy, energy, ys))] if held else []

    def anode_kb(e: float, i: int, near: list) -> list:
        """The anode's K-beta, not the held elements' lines `near`, at a peak the anode's K-alpha
        left in the residual could give a third of or more (MINOR_LINE_SLACK): the held lines
        are fitted, so the peak is the anode's element in the paint, which the candidate lacks
        (the tube's own only up to TUBE_KB_SLACK). Under a Cr tube the raw-umber candidates of
        viridian + raw umber regions, lacking viridian, read "Mn Ka misfit 5.93 keV" for its Cr
        K-beta (5.95): now "Cr Kb 5.93 keV"."""
        share = kb_share(e)
        if share is None or not near or any(ln.element not in explained for ln in near):
            return near
        return [element_line(profile.anode, "Kb")] if MINOR_LINE_SLACK * share >= left[i] else near

    def place(i: int) -> float:  # the residual's top in counts within a line's tolerance
        near = tops[np.abs(energy[tops] - energy[i]) <= tol(float(energy[i]))]
        return float(energy[near[np.argmax(left[near])]] if len(near) else energy[i])

    peaks = [place(i) for i in idx]
    names = [anode_kb(e, i, misfit_of(e, i) or names_of(e, i)) for e, i in zip(peaks, idx)]
    support: dict[str, int] = {}
    for near in names:
        for el in {ln.element for ln in near}:
            support[el] = support.get(el, 0) + 1
    out = []
    for k in np.argsort(z[idx])[::-1]:
        e, near = peaks[k], names[k]
        best = min(
            near,
            key=lambda ln: (
                -support[ln.element],
                ln.element not in air,
                lacking(ln, left[idx[k]]),
                abs(ln.energy - e) / max(ln.weight, 1e-3) ** 0.1,
            ),
            default=None,
        )
        if tube_scatter(e) and (
            best is None or compton_broad(e, best.energy) or tube_kb(e, left[idx[k]])
        ):
            continue  # the tube's lines, scattered: not the paint's
        if best is not None and (best.element in ground or best.element in air):
            continue  # the ground's line, the air's: not the paint's
        out.append(
            ResidualLine(best.element, best.family, e, best.element in explained - {profile.anode})
            if best is not None
            else ResidualLine(None, "", e)
        )
    named = Counter(ln.element or ln.energy for ln in out)  # an unidentified peak: its own
    order = sorted(
        range(len(out)),
        key=lambda j: (j >= UNEXPLAINED_FIRST, -named[out[j].element or out[j].energy]),
    )
    return [out[j] for j in sorted(order[:UNEXPLAINED_SHOWN])]


def _colour(lib: ComponentLibrary, idx, fractions) -> tuple[float, float, float]:
    from ..physics.colour import km_mix

    if len(idx) == 0:
        return (0.5, 0.5, 0.5)
    rgbs = np.array([lib.pigments[i].rgb for i in idx])
    return tuple(float(c) for c in km_mix(rgbs, np.asarray(fractions, dtype=float)[None])[0])


def _ground_colour(lib: ComponentLibrary, ground: list[int], x: np.ndarray):
    """What a region without pigment lines shows if nothing invisible covers it: the lead-white
    priming where there is one, else the gypsum or chalk ground whose lines the fit (ground and
    scatter columns, without the thick ground's pair, and the neighbours' columns: `x`, ground
    first) gives more counts."""
    from ..physics.pigments import get_pigment

    if PRIMING in ground:
        return tuple(float(v) for v in get_pigment("Lead white").rgb)
    n = lib.ground.shape[1]
    signal = [
        float(x[k * n : (k + 1) * n] @ lib.ground[g].sum(axis=-1)) for k, g in enumerate(ground)
    ]
    name = ("Gypsum", "Chalk")[ground[int(np.argmax(signal))]]
    return tuple(float(v) for v in get_pigment(name).rgb)


def _lab(rgb) -> np.ndarray:
    from skimage.color import rgb2lab

    return rgb2lab(np.asarray(rgb, dtype=float).reshape(1, 1, 3))[0, 0]


def _de(rgb1, lab2) -> float:
    from skimage.color import deltaE_ciede2000

    return float(deltaE_ciede2000(_lab(rgb1), np.asarray(lab2, dtype=float)))


@lru_cache(maxsize=4)
def usage_log_prior(names: tuple[str, ...]) -> np.ndarray:
    """log base rate of each pigment in `names`: (regions holding it + 1) / (regions + 2), so a
    pigment the counts never met is rare, not impossible."""
    import json
    from importlib import resources

    data = json.loads(resources.files("xrf_napari").joinpath(USAGE_FILE).read_text("utf-8"))
    counts = {k.lower(): v for k, v in data["counts"].items()}
    n = float(data["regions"])
    return np.log([(counts.get(name.lower(), 0) + 1.0) / (n + 2.0) for name in names])


def rank_region(
    lib: ComponentLibrary,
    y: np.ndarray,
    ground: list[int],
    energy: np.ndarray,
    colour_prior=None,
    top_n: int = TOP_N,
    leak: np.ndarray | None = None,
    usage_prior: bool = True,
    always: tuple[int, ...] = (),
    colour_source: str = "model",
    leak_from: list[list[int]] | None = None,
) -> tuple[list[Candidate], str]:
    """Ranked candidates for one region's summed canonical spectrum y (counts).

    Physics score: -chi2 / (2 phi) - a penalty per pigment; candidates that differ only by pigments
    X-rays tie (same twin classes) are kept within TWIN_CAP of the best of them, and priors order
    them: the pigments' base rates (sum of `usage_log_prior`, less the group's largest; without
    a photograph a candidate comes after those of its group made of some of its pigments) and a
    colour prior (sRGB) as COLOUR_TAUS[colour_source] says. `always`: pigment indices enumerated
    whatever the shortlist says (evaluation: scoring a known recipe). leak: the neighbours'
    spectra (`neighbour_leak`), which may take at most LEAK_MAX_SHARE of the counts in any fit;
    leak_from: the region ids each of its columns holds (`leak_sources`), named in the message
    when the neighbours alone would explain the region (`_neighbours_alone`)."""
    tau_within, tau_across = COLOUR_TAUS[colour_source]
    w = _weights(y)
    # a thick ground's scatter where no lead priming covers the ground: over one its share of the
    # chi-square was 0.2-0.3 % (held-out paintings and panels with a priming), and the ground's
    # choice (`iter_choose_ground`) is made without it: with it the dispersion fell and a
    # neighbour's blurred lead in a lead-free stripe passed as a priming's
    base = _base(lib, ground, y, thick=PRIMING not in ground)
    leak = None if leak is None or not len(leak) else np.asarray(leak, float).reshape(-1, y.size)
    prior_lab = None if colour_prior is None else _lab(colour_prior)
    photo = prior_lab is not None and colour_source == "photograph"
    short, phi = _shortlist(lib, y, w, base, visible_too=photo, leak=leak)
    if PRIMING in ground:  # the lead pigments the screening keeps without the priming's column
        short = sorted(set(short) | set(_lead_under_priming(lib, y, w, ground, photo, leak)))
    kin = _colour_kin(lib, prior_lab, short) if photo else []
    short = sorted(set(short) | set(kin) | {i for i in always if lib.fittable[i]})
    floor = np.full(len(lib.pigments), MIN_SHARE)
    floor[[i for i in kin if i not in always]] = KIN_MIN_SHARE

    def too_small(c, amp) -> bool:  # a pigment the fit barely uses: the smaller candidate says it
        return bool((amp <= floor[list(c)] * amp.sum()).any())

    roles = [p.role for p in lib.pigments]
    # a pigment there for the photograph's colour joins pigments the lines show: alone (or with
    # other such pigments) it would be a colour with no line, as a pink lead white made vermilion
    by_colour = set(kin) - set(always)

    def twin_whites(c) -> bool:
        """Two whites, one with an X-ray twin (lead white / red lead): red lead + lithopone shows
        the same lines, so the pair only adds a tie that base rates give to the white (held-out
        seed-202 cubes: a red lead + lithopone region became lead white + lithopone)."""
        whites = [i for i in c if roles[i] == "white"]
        return len(whites) == 2 and any(lib.twins(i) for i in whites)

    combos = [()] + [
        c
        for k in (1, 2, 3)
        for c in itertools.combinations(short, k)
        if _allowed(c, roles) and not set(c) <= by_colour and not twin_whites(c)
    ]

    def pen(c):  # per pigment, and again for each pigment that is the twin of another one in c
        twins = len(c) - len({int(lib.twin_class[i]) for i in c})
        return PIGMENT_PENALTY * len(c) + TWIN_PAIR_PENALTY * twins

    def fit_with(c, paint_cols, extra=(), shared=None):
        shared = base if shared is None else shared
        cols = (
            np.vstack(
                [
                    paint_cols.reshape(-1, paint_cols.shape[-1]),
                    lib.own_scatter_of(c),
                    shared,
                    *extra,
                ]
            )
            if c
            else shared
        )
        x, chi2, model, _ = _fit_leak(cols, leak, y, w)
        tot = np.maximum(paint_cols.sum(axis=-1), 1e-30) if c else None
        # signal in units of the thick column's per-volume signal: a volume-fraction-like amount
        amp = np.array(
            [(x[2 * k] * tot[k, 0] + x[2 * k + 1] * tot[k, 1]) / tot[k, 1] for k in range(len(c))]
        )
        return chi2, model, amp, x

    # without pigments: ground and scatter alone (has the region lines of its own?), and with the
    # neighbours' spectra unbounded (are those lines theirs? `_neighbours_alone`); which ground a
    # bare region shows is read from the latter, as before the bound: a neighbour's own ground
    # lines are not this region's
    chi2_bare = _fit(base, y, w)[1]
    x_free, chi2_free, _ = _fit(base if leak is None else np.vstack([base, leak]), y, w)
    # the ground it shows is read without the thick ground's pair, as the ground's choice is
    # (`iter_choose_ground`): with the pair the chalk ground's columns took a bare gypsum's Ca
    # (read chalk), and choosing instead the ground the fit could least do without read chalk
    # paint over a gypsum ground as gypsum, whose S no other column takes (4 of 16 such stripes
    # against 0 before the pair; tests/test_revP59.py)
    bare = x_free
    if PRIMING not in ground:
        thin = _base(lib, ground, y)
        bare = _fit(thin if leak is None else np.vstack([thin, leak]), y, w)[0]
    bare = _ground_colour(lib, ground, bare)
    # Over a lead priming, a paint's own lead white (or red lead) and the priming's lead differ by
    # a few chi-square units (held-out stripes: 6-14 for 25-50 % lead white in vermilion): the
    # priming's columns took all the lead, such a candidate kept under MIN_SHARE of it and was
    # dropped, and "Vermilion" stood at p = 1.000. It is fitted instead with its lead in the
    # paint, the priming's columns left out ("all the lead is the paint's"), and competes as
    # vermilion's X-ray twin (its key without the lead white): the base rates and a photograph's
    # colour order the two, as for other twins, within TWIN_CAP. (All of Pb left out of every
    # key over a priming made twins of unrelated paints: held-out top-3 78.2 -> 77.8 %.)
    primer, unprimed = None, {}
    if PRIMING in ground:
        primer = lib.index(GROUND_MATERIALS[PRIMING])
        no_priming = _base(lib, [g for g in ground if g != PRIMING], y)
        # the shortlist, screened with the priming, never holds its pigment: it joins each paint
        # (its twin red lead only where the lines bring it: as a second variant it pushed the
        # truth out of the top 3 of a held-out region)
        if primer not in short:
            combos += [
                c
                for c in sorted({tuple(sorted((*c, primer))) for c in combos if 0 < len(c) < 3})
                if _allowed(c, roles) and not twin_whites(c)
            ]
    fits = {}
    for c in combos:
        chi2, model, amp, x = fit_with(c, lib.paint[list(c)])
        if c and too_small(c, amp):
            small = [i for k, i in enumerate(c) if amp[k] <= floor[i] * amp.sum()]
            if primer is None or small != [primer]:
                continue
            chi2, model, amp, x = fit_with(c, lib.paint[list(c)], shared=no_priming)
            if too_small(c, amp):
                continue
            unprimed[c] = no_priming
        fits[c] = [-0.5 * chi2 / phi - pen(c), chi2, amp / amp.sum() if c else amp, model]

    # matrix refinement: the best mixtures again, each pigment's lines computed inside the mixed
    # layer (absorption by the other pigments: Hg absorbs Pb L-beta, Zn absorbs As and Se K), and
    # a lead priming seen through paints whose edges bend its L lines (`_priming_under_paint`)
    def refine(c):
        mix = _mixture_columns(lib, c, fits[c][2])
        own = (
            [_priming_under_paint(lib, c, fits[c][2])]
            if PRIMING in ground and c not in unprimed and lib.bends_lead[list(c)].any()
            else []
        )
        if PRIMING not in ground:  # under a priming the ground's lines come through it too
            own.append(_ground_under_paint(lib, c, fits[c][2], ground))
        chi2, model, amp, _ = fit_with(c, mix, own, unprimed.get(c))
        if chi2 < fits[c][1] and not too_small(c, amp):
            fits[c] = [-0.5 * chi2 / phi - pen(c), chi2, amp / amp.sum(), model]

    def best(n):  # the n best candidates with a pigment, best first
        return sorted((c for c in fits if c), key=lambda c: -fits[c][0])[:n]

    for c in best(REFINE_TOP):
        refine(c)
    # the ground lies under every region: its elements' lines are its own, whatever the candidate
    ground_els = frozenset().union(*(ground_elements()[g] for g in ground))
    # two paints in one region (regions merged by the clustering): the best candidates again with
    # a colour added that holds an element whose lines they leave unexplained (`_more_paint`)
    for _ in range(MORE_PAINT_ROUNDS):
        added = False
        for c in best(MORE_PAINT_TOP):
            for j in _more_paint(lib, y, fits[c][3], w, energy, c, short, ground_els, leak):
                c2 = tuple(sorted((*c, j)))
                if c2 in fits:
                    continue
                chi2, model, amp, _ = fit_with(c2, lib.paint[list(c2)])
                if too_small(c2, amp):
                    continue
                fits[c2] = [-0.5 * chi2 / phi - pen(c2), chi2, amp / amp.sum(), model]
                refine(c2)
                added = True
        if not added:
            break
    # each candidate's pigments as a paint: a lead priming's pigment fitted in the paint
    # (`unprimed`) is the priming's lead, not one of them
    paint_of = {c: tuple(i for i in c if i != primer) if c in unprimed else c for c in fits}
    fits = [(_xray_key(lib, paint_of[c]), *v[:2], c) + tuple(v[2:]) for c, v in fits.items()]
    best_of, least_chi2 = {}, {}
    for key, s, chi2, *_ in fits:
        best_of[key] = max(best_of.get(key, -np.inf), s)
        least_chi2[key] = min(least_chi2.get(key, np.inf), chi2)
    rgbs = [_colour(lib, c, fr) if c else bare for _, _, _, c, fr, _ in fits]
    # The colour prior arbitrates among candidates X-rays tie (same key): each pays its dE00
    # to the prior colour beyond the best of its group; across element hypotheses only as far as
    # COLOUR_TAUS allows its source, so a poor colour cannot overrule clear lines. A photograph
    # shows the hidden pigments too: a candidate's dE00 is also that of its best hidden partner
    # mixed in, plus SUGGEST_MARGIN (the suggestion's own rule), so orpiment + zinc white that is
    # green in the photograph is not ruled out for realgar by a missing indigo (held-out cubes,
    # top-1 with a photograph 67.3 -> 70.7 % and 69.7 -> 75.7 %, docs/pigments_guide.md).
    dev = np.zeros(len(fits))
    if prior_lab is not None:
        de = np.array([_de(rgb, prior_lab) for rgb in rgbs])
        if photo:  # a hidden partner may make the photograph's colour (`partner_mixtures`)
            for k in np.argsort([-f[1] for f in fits], kind="stable")[:PARTNER_RANK_TOP]:
                c, fr = fits[k][3], fits[k][4]
                if c:
                    best = partner_mixtures(lib, c, fr, prior_lab)[3].min()
                    de[k] = min(de[k], float(best) + SUGGEST_MARGIN)
        best_de = {}
        for (key, *_), d in zip(fits, de):
            best_de[key] = min(best_de.get(key, np.inf), d)
        dev = np.array([d - best_de[key] for (key, *_), d in zip(fits, de)])
    ratio = np.inf if photo else TWIN_CHI2_RATIO
    raw = [
        (max(s_own, best_of[key] - TWIN_CAP) if chi2 <= ratio * least_chi2[key] else s_own)
        - d / tau_within
        for (key, s_own, chi2, *_), d in zip(fits, dev)
    ]
    top = {}
    for (key, *_), r in zip(fits, raw):
        top[key] = max(top.get(key, -np.inf), r)
    # each group's leader keeps the group's physics score: the priors only reorder
    scores = [r - top[key] + best_of[key] for (key, *_), r in zip(fits, raw)]
    if prior_lab is not None and tau_across:  # each group as far as its best colour is off
        lo = min(best_de.values())
        scores = [s - (best_de[key] - lo) / tau_across for (key, *_), s in zip(fits, scores)]
    own = [s_own for _, s_own, *_ in fits]
    order, tie = list(range(len(fits))), own
    if usage_prior:  # the group's scores go to its members in the order score + log base rate
        lp = usage_log_prior(tuple(p.name for p in lib.pigments))
        prior = [scores[k] + float(lp[list(fits[k][3])].sum()) for k in range(len(fits))]
        groups: dict = {}
        for k, (key, *_) in enumerate(fits):
            groups.setdefault(key, []).append(k)
        # a paint comes after the paints of its group made of some of its pigments that the
        # lines leave within TWIN_CAP of it, unless a photograph shows whether the others are
        # there (held-out seed-202 cubes with one: top-1 74.5 % with the rule or without; a
        # first rule, a penalty, 69.4 %); smaller paints first, so a chain keeps its order
        for members in groups.values() if not photo else ():
            paints = {k: frozenset(paint_of[fits[k][3]]) for k in members}
            for k in sorted(members, key=lambda k: len(paints[k])):
                inner = [
                    prior[m]
                    for m in members
                    if paints[m] < paints[k] and scores[m] >= scores[k] - TWIN_CAP
                ]
                if inner:
                    prior[k] = min(prior[k], min(inner) - NESTED_STEP)
        for members in groups.values():
            slots = sorted(members, key=lambda k: (-scores[k], -own[k]))
            ranked = sorted(members, key=lambda k: (-prior[k], -own[k]))
            for slot, k in zip(slots, ranked):
                order[slot] = k
        tie = prior
    scored = [
        (scores[slot], *fits[k][2:4], fits[k][4], rgbs[k], fits[k][5], tie[k])
        for slot, k in enumerate(order)
    ]
    # candidates lifted to the same score (TWIN_CAP) keep their order among them
    scored.sort(key=lambda t: (-t[0], -t[-1]))
    scored = [t[:-1] for t in scored]
    s = np.array([t[0] for t in scored])
    p = np.exp(s - s.max())
    p /= p.sum()
    out = []
    for (score, chi2, c, fr, rgb, model), prob in zip(scored[:top_n], p[:top_n]):
        els = sorted({e for i in c for e in lib.pigments[i].elements})
        out.append(
            Candidate(
                [lib.pigments[i].name for i in c],
                [float(f) for f in fr],
                els,
                _unexplained(y, model, w, energy, lib.profile, frozenset(els), ground_els),
                rgb,
                float(prob),
                chi2,
                float(score),
                model,
            )
        )
    msg = ""
    alone = _neighbours_alone(
        x_free[len(base) :] / y.sum(),
        chi2_free,
        chi2_bare,
        out[0].chi2 if out else np.inf,
        leak_from,
    )
    if alone:
        msg = alone
    elif out and not out[0].pigments:
        msg = NO_PIGMENT_LINES
    elif out and not _allowed(scored[0][2], roles):
        msg = TWO_PAINTS
    return out, msg


#: The message of a region whose best candidate holds more than one paint (`MORE_PAINT_TOP`).
TWO_PAINTS = (
    "its lines show more pigments than one paint of two colours with a white or a black: two "
    "paints in one region? (finer regions, or regions drawn by hand, would tell them apart)"
)

#: The message of a region whose best candidate has no pigment (`rank_region`).
NO_PIGMENT_LINES = (
    "no pigment lines above the ground and scatter: the paint here is invisible to X-rays "
    "(see the hidden partners) or too thin"
)


def _neighbours_alone(
    shares: np.ndarray, free_chi2: float, bare_chi2: float, best_chi2: float, leak_from=None
) -> str:
    """The message for a region whose neighbours' spectra alone explain it (a K-Means class on a
    boundary, a patch of a neighbour's own paint): the region has lines of its own (the ground and
    scatter alone, chi-square `bare_chi2`, fit it more than ALONE_CHI2_RATIO times worse than the
    best candidate, `best_chi2`), yet with its neighbours' spectra, unbounded, they fit it within
    that ratio (`free_chi2`), the neighbours taking more than LEAK_MAX_SHARE of the counts (their
    columns' `shares`). A bare ground next to another bare ground shares their lines: it is not
    the neighbours' spectrum. Empty otherwise (the candidates, the leak bounded, name the paint
    here either way)."""
    xl = np.asarray(shares, dtype=float)
    if (
        not len(xl)
        or bare_chi2 <= ALONE_CHI2_RATIO * best_chi2
        or free_chi2 > ALONE_CHI2_RATIO * best_chi2
        or xl.sum() <= LEAK_MAX_SHARE
    ):
        return ""
    used = [k for k in range(len(xl)) if xl[k] > 0.05 * xl.sum()]
    ids = [i for k in used for i in (leak_from[k] if leak_from and k < len(leak_from) else [])]
    if not ids:
        who = "its neighbours'"
    else:
        shown = [str(i) for i in ids[:4]] + ([f"{len(ids) - 4} more"] if len(ids) > 4 else [])
        who = f"that of its neighbour{'s' if len(ids) > 1 else ''} " + (
            shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
        )
    return (
        f"this region's spectrum is {who}: a boundary, or the same paint (its candidates may "
        f"take at most {LEAK_MAX_SHARE:.0%} of its counts from the neighbours)"
    )


def partner_mixtures(lib: ComponentLibrary, idx, fractions, target_lab=None):
    """Each hidden pigment mixed into the paint (idx, fractions): (hidden indices (H,), shares (H,),
    sRGB (H, 3), dE00 to target_lab (H,)), at the share in PARTNER_FRACTIONS whose colour matches
    target_lab best, or HIDDEN_FRACTION (dE00 nan) without a target. One Kubelka-Munk and one
    CIEDE2000 call for all of them: the ranking asks this of 40 candidates per region."""
    from skimage.color import deltaE_ciede2000, rgb2lab

    from ..physics.colour import km_mix

    hidden = np.nonzero(~lib.visible)[0]
    fr = np.asarray(fractions, dtype=float)
    n, h = len(fr), len(hidden)
    shares = np.asarray([HIDDEN_FRACTION] if target_lab is None else PARTNER_FRACTIONS)
    s = len(shares)
    rgbs = np.array([lib.pigments[i].rgb for i in list(idx) + list(hidden)])
    f = np.zeros((h, s, n + h))  # (partner, share): the paint at 1 - share, the partner at share
    f[:, :, :n] = fr[None, None] * (1 - shares)[None, :, None]
    f[np.arange(h), :, n + np.arange(h)] = shares[None]
    mixed = km_mix(rgbs, f.reshape(h * s, n + h)).reshape(h, s, 3)
    if target_lab is None:
        return hidden, np.full(h, shares[0]), mixed[:, 0], np.full(h, np.nan)
    de = deltaE_ciede2000(rgb2lab(mixed), np.asarray(target_lab)[None, None])
    k = np.argmin(de, axis=1)
    rows = np.arange(h)
    return hidden, shares[k], mixed[rows, k], de[rows, k]


def hidden_partners(
    lib: ComponentLibrary, best: Candidate | None, colour_prior=None
) -> list[HiddenPartner]:
    """Pigments this instrument cannot see, with the colour each would give mixed into `best`.

    With a colour prior (a photograph's region colour) each partner's share is the one whose
    mixture matches the prior best, the partners are ordered by that match, and the best one is
    `suggested` when it explains the prior clearly better than `best` alone (a lead-white region
    that is pink in the photograph: a red lake)."""
    out = []
    names = best.pigments if best else []
    idx = [lib.index(n) for n in names]
    fr = np.asarray(best.fractions if best else [], dtype=float)
    target = None if colour_prior is None else _lab(colour_prior)
    hidden, shares, rgbs, des = partner_mixtures(lib, idx, fr, target)
    match = []
    for m, j in enumerate(hidden):
        p = lib.pigments[j]
        if p.name in names:  # already in the paint X-rays name: not a hidden partner of it
            continue
        why = (
            "no element above Na"
            if not p.elements
            else (
                f"only light or minor elements ({', '.join(p.elements)}): "
                "lines absorbed in air or drowned"
            )
        )
        if not idx:
            out.append(HiddenPartner(p.name, tuple(float(c) for c in p.rgb), why, 1.0))
            if target is not None:
                match.append(_de(p.rgb, target))
            continue
        if target is not None:
            match.append(float(des[m]))
        out.append(HiddenPartner(p.name, tuple(float(c) for c in rgbs[m]), why, float(shares[m])))
    if target is not None and out:
        order = np.argsort(match, kind="stable")
        out = [out[i] for i in order]
        # without a candidate (too few pixels or counts) nothing anchors a suggestion
        if best is not None and match[order[0]] < _de(best.rgb, target) - SUGGEST_MARGIN:
            out[0] = replace(out[0], suggested=True)
    return out


def _interior(labels: np.ndarray) -> np.ndarray:
    """Labels keeping, per region, the pixels farthest from its boundary: at least INTERIOR_PX
    steps in if that leaves MIN_INTERIOR pixels, else fewer steps (down to the whole region).
    Boundary pixels mix their neighbours' paint (brush-stroke edges, the beam spot), so a mean over
    them shows a neighbour's pigments as small admixtures."""
    from scipy.ndimage import distance_transform_cdt

    lab = np.asarray(labels)
    edge = np.zeros(lab.shape, bool)
    edge[1:] |= lab[1:] != lab[:-1]
    edge[:-1] |= lab[1:] != lab[:-1]
    edge[:, 1:] |= lab[:, 1:] != lab[:, :-1]
    edge[:, :-1] |= lab[:, 1:] != lab[:, :-1]
    depth = (
        distance_transform_cdt(~edge, metric="chessboard")
        if edge.any()
        else np.full(lab.shape, 10**6)
    )
    ids, comp = compact_labels(lab)  # tables per region present, not per label value
    k = len(ids)
    flat, d = comp.ravel(), depth.ravel()
    need = np.full(k + 1, 0)
    for t in range(INTERIOR_PX, 0, -1):
        n_t = np.bincount(flat[d >= t], minlength=k + 1)
        ok = (need == 0) & (n_t >= MIN_INTERIOR)
        need[ok] = t
    return np.where(depth >= need[comp], lab, 0)


def region_spectra(cube, labels: np.ndarray):
    """(labels, mean spectra on the canonical grid (k, 512), pixel counts (k,)) for the k region
    ids present (> 0, ascending; any values: they are renumbered 1..k inside). The means are over
    each region's interior pixels (`_interior`), which the counts count."""
    from ..progress import run_to_end

    return run_to_end(_iter_region_spectra(cube, labels))[:3]


def fit_refusal(cube, name: str | None = None) -> str:
    """Why no region of `cube` can be fitted, whatever the regions and the instrument ("" if it
    can): no energy calibration, or an axis wholly off the canonical grid. The Pigments dock
    says it as the scan is chosen, and refuses Run with it before any work, naming the scan by
    its layer (`name`; cube.name by default)."""
    from ..energy import off_grid_refusal, uncalibrated_refusal

    # it says what works (energy.HOW_TO_CALIBRATE: Calibrate from two peaks..., a sidecar...)
    return uncalibrated_refusal(cube, name, "fitted") or off_grid_refusal(cube, "the fit", name)


def _iter_region_spectra(cube, labels: np.ndarray):
    """Progress generator (rows read, rows: one pass over the file) returning region_spectra's
    (labels, spectra, interior pixel counts) and each region's whole pixel count."""
    from ..energy import to_canonical_matrix
    from .embed import iter_cluster_spectra

    refusal = fit_refusal(cube)
    if refusal:
        raise PigmentFitError(refusal)
    labels = np.asarray(labels)
    if labels.shape != tuple(cube.shape[:2]):
        raise PigmentFitError(
            f"label map shape {labels.shape} does not match the scan {tuple(cube.shape[:2])}"
        )
    if not np.issubdtype(labels.dtype, np.integer) or labels.min(initial=0) < 0:
        raise PigmentFitError("labels must be non-negative integers (0 = not a region)")
    ids, compact = compact_labels(labels)  # per-region tables as long as the regions, any ids
    k = len(ids)
    if k == 0:
        raise PigmentFitError(EMPTY_LABELS)
    inner = _interior(compact)
    full = np.bincount(compact.reshape(-1), minlength=k + 1)[1:]
    kept = np.bincount(inner.reshape(-1), minlength=k + 1)[1:]
    thin = kept < np.minimum(full, MIN_PIXELS)
    if thin.any():  # regions too thin to erode are used whole
        inner = np.where(np.isin(compact, np.nonzero(thin)[0] + 1), compact, inner)
    mean, counts = yield from iter_cluster_spectra(cube, inner)
    mean = np.vstack([mean, np.zeros((k - len(mean), mean.shape[1]))]) if len(mean) < k else mean
    counts = np.concatenate([counts, np.zeros(k - len(counts), counts.dtype)])
    _refuse_bad_means(cube, ids, mean)
    m = to_canonical_matrix(cube.calibration, cube.n_channels)
    canon = np.asarray(mean @ m) if mean.size else np.zeros((0, m.shape[1]))
    present = np.nonzero(counts > 0)[0]
    return ids[present], canon[present], counts[present], full[present]


def _refuse_bad_means(cube, ids: np.ndarray, mean: np.ndarray) -> None:
    """A PigmentFitError for regions whose mean spectrum holds NaN, inf or negative values: an
    in-memory array (the readers refuse such files), which SciPy's fit would refuse unclearly."""
    bad = (~np.isfinite(mean).all(axis=1) | (mean < 0).any(axis=1)) if mean.size else []
    n = int(np.sum(bad))
    if not n:
        return
    which = ", ".join(str(ids[i]) for i in np.nonzero(bad)[0][:5]) + (
        f" and {n - 5} more" if n > 5 else ""
    )
    what = (
        "NaN or infinite values"
        if not np.isfinite(mean[bad]).all()
        else f"negative values (down to {mean[bad].min():.3g})"
    )
    raise PigmentFitError(
        f"{cube.name}: "
        + (
            f"the mean spectrum of region {which} has"
            if n == 1
            else f"the mean spectra of regions {which} have"
        )
        + f" {what}: counts must be finite and non-negative (raw counts, not a "
        "background-subtracted or normalised cube)"
    )


#: How `iter_estimate_missing` chose an anode, in its note: by fit quality, each anode's forward
#: model fitted to the brightest regions. It said "estimated from the spectra (scatter lines)",
#: the words of tube_guess.scan_anode, which reads the anode off the scattered tube lines: the
#: estimate is reached where those show none (and the file's calibration names no tube).
FIT_ESTIMATE = (
    "estimated from the spectra (fit quality: of every anode's forward model, the one that fits "
    "the brightest regions best; not read from scatter lines)"
)


def estimate_missing(profile: InstrumentProfile, notes: list[str], spectra: np.ndarray):
    """Anode and detector resolution from the spectra themselves when the metadata lacks them:
    the candidate whose component library (every pigment free, the grounds, scatter) fits the
    largest regions best. The anode shows through its scattered lines, the resolution through the
    width of every peak. Returns (profile, notes) with the assumption notes replaced."""
    from ..progress import run_to_end

    return run_to_end(iter_estimate_missing(profile, notes, spectra))


def estimation_trials(notes: list[str]) -> int:
    """How many instruments `iter_estimate_missing` tries (each a component library and fits):
    every anode when the notes say the file lacks it, and each of FWHM_GRID for the resolution."""
    from ..physics.tube import ANODES

    miss_anode, miss_fwhm = _missing(notes)
    return len(ANODES) * miss_anode + len(FWHM_GRID) * miss_fwhm


def estimation_stage(notes: list[str]) -> str:
    """The stage line of `iter_estimate_missing` naming what it estimates: it said "Estimating the
    tube anode and detector resolution" where the file (or the scan's scatter lines) gave the
    anode and only the resolution was tried."""
    return _stage_words(*_missing(notes))


def _stage_words(miss_anode: bool, miss_fwhm: bool) -> str:
    what = [w for w, m in (("tube anode", miss_anode), ("detector resolution", miss_fwhm)) if m]
    return f"Estimating the {' and '.join(what)} from the spectra\u2026"


def _missing(notes: list[str]) -> tuple[bool, bool]:
    """(anode missing, resolution missing): whether instrument_for's notes hold an AssumedNote
    for it. An anode taken from the scan (tube_guess.scan_anode) or estimated, and an estimated
    resolution, replace theirs with plain notes: no longer missing."""
    said = {getattr(n, "assumed", "") for n in notes}
    return "anode" in said, "resolution" in said


#: Said of an assumed anode or resolution that `iter_estimate_missing` could not estimate.
NO_PEAK_TO_ESTIMATE = "(the spectra show no peak to estimate it from)"


def _peaks_to_estimate_from(spectra: np.ndarray) -> bool:
    """Whether the (N, 512) region spectra show a peak (ood.peak_contrast, the training-data
    check's "the spectra show no peaks"): on flat noise every instrument fits as badly, and the
    least chi-square of the trials chose one at random (1 x 5 px of flat Poisson noise: "Mo
    estimated from the spectra", "about 185 eV at Mn K-alpha, estimated from the peak widths")."""
    from .ood import MIN_PEAK_CONTRAST, peak_contrast

    y = np.asarray(spectra, dtype=np.float64)
    return bool(y.sum() > 0 and peak_contrast(y) >= MIN_PEAK_CONTRAST)


def _no_estimate(note: str, why: str = NO_PEAK_TO_ESTIMATE, of=("anode", "resolution")) -> str:
    """An AssumedNote of `of` left assumed for want of peaks (or of `why`), saying so."""
    what = getattr(note, "assumed", "")
    if what not in of:
        return note
    return AssumedNote(f"{note} {why}", what)


#: Said of an assumed anode where no candidate anode's line stands out in the spectra.
NO_TUBE_LINE_TO_ESTIMATE = (
    "(no tube's line, scattered or its Compton band, stands out in the spectra to estimate it from)"
)


def _tube_lines_shown(spectra: np.ndarray) -> bool:
    """Whether the summed (N, 512) spectra show any line of any anode the tube model knows, at
    its energy (Rayleigh) or as a Compton band below it, as tube_guess weighs a tube's (contrast
    and significance over MIN_CONTRAST and MIN_SIGMA). Where none does, every anode's library
    fits the spectra alike but for noise: an iron-only scan without scatter peaks was said to be
    "Ag estimated from the spectra (fit quality ...)"."""
    from ..elements import element_lines
    from ..energy import canonical_edges
    from ..physics.tube import ANODES
    from .tube_guess import (
        MIN_CONTRAST,
        MIN_SIGMA,
        SIDE_KEV,
        compton_evidence,
        line_contrast,
        summed_spectrum,
    )

    total = summed_spectrum(spectra)
    lo, hi = canonical_edges()[[0, -1]]
    return any(
        c > MIN_CONTRAST and z > MIN_SIGMA
        for a in ANODES
        for ln in element_lines(a)
        if lo + SIDE_KEV[1] <= ln.energy <= hi - SIDE_KEV[1]
        for c, z in (line_contrast(total, ln.energy), compton_evidence(total, ln.energy))
    )


def air_lines(lib: ComponentLibrary) -> np.ndarray:
    """(512,) argon's K lines (AIR_ELEMENTS) as this instrument detects them, excited by its tube:
    the air between object and detector fluoresces in every scan made in air. The forward model
    has no air, so without this column a silver tube's scattered L-alpha (2.98 keV) took argon's
    K-alpha (2.96 keV) and won the anode estimate (a Mo tube at 20 kV with 3 % of its counts in
    argon's lines was estimated Ag)."""
    from ..physics.xsec import deposit, element_fluorescence

    _, energies, sigma = element_fluorescence(AIR_ELEMENTS[0])
    m = lib.model
    col = m.canonical(m.detect(deposit(energies, sigma @ m.excitation)))
    return col / max(float(col.sum()), 1e-30)


def iter_estimate_missing(
    profile: InstrumentProfile, notes: list[str], spectra: np.ndarray, stages: bool = False
):
    """estimate_missing as a progress generator (instruments tried, instruments to try: a
    component library apiece: 0.1-0.3 s for each anode, about 0.05 s for each further resolution,
    whose library detects its tube's cached spectra again, `_fine_spectra`), so the
    dock shows it and can cancel it. Each trial fit has a free column of the air's argon lines
    (`air_lines`) outside a vacuum. `stages`: the trials are named first (a str: estimation_stage's
    words for what is tried), once it is known which are: "Estimating the tube anode and detector
    resolution" stood over a scan whose anode trials were then skipped (no tube line stands
    out), only the resolution being tried."""
    from ..physics.tube import ANODES

    miss_anode, miss_fwhm = _missing(notes)
    if not (miss_anode or miss_fwhm) or len(spectra) == 0:
        return profile, notes
    ys = spectra[np.argsort(spectra.sum(axis=1))[::-1][:6]]
    if not _peaks_to_estimate_from(ys):
        return profile, [_no_estimate(n) for n in notes]

    def chi2(p):
        lib = component_library(p, trial=True)
        paint = lib.paint[lib.fittable].reshape(-1, lib.paint.shape[-1])
        air = [air_lines(lib)] if p.atmosphere != "vacuum" else []
        return sum(
            _fit(np.vstack([paint, _base(lib, [0, 1, PRIMING], y), *air]), y, _weights(y))[1]
            for y in ys
        )

    if miss_anode and not _tube_lines_shown(spectra):  # no anode can be told: it stays assumed
        notes = [_no_estimate(n, NO_TUBE_LINE_TO_ESTIMATE, ("anode",)) for n in notes]
        miss_anode = False
        if not miss_fwhm:
            return profile, notes
    drop = {what for what, miss in (("anode", miss_anode), ("resolution", miss_fwhm)) if miss}
    out = [n for n in notes if getattr(n, "assumed", "") not in drop]
    total, done = len(ANODES) * miss_anode + len(FWHM_GRID) * miss_fwhm, 0
    if stages:
        yield _stage_words(miss_anode, miss_fwhm)
    yield 0, total

    def best_of(trials):  # the first of the least chi-square, as min() picks it
        nonlocal done
        best, least = None, np.inf
        for p in trials:
            c = chi2(p)
            if c < least:
                best, least = p, c
            done += 1
            yield done, total
        return best

    if miss_anode:
        profile = yield from best_of(replace(profile, anode=a) for a in ANODES)
        out.append(f"anode not in the metadata: {profile.anode} {FIT_ESTIMATE}")
    if miss_fwhm:
        profile = yield from best_of(replace(profile, fwhm_mn_ev=f) for f in FWHM_GRID)
        out.append(
            "detector resolution not in the metadata: "
            + fwhm_estimate_words(profile.fwhm_mn_ev, FWHM_GRID)
        )
    return profile, out


def fwhm_estimate_words(fwhm: float, grid) -> str:
    """The resolution estimated on `grid` (FWHM_GRID) as the note says it: at an end of the grid
    the fit tried nothing beyond, so the detector may be wider (narrower) still. The real APS
    scan's K-alpha peaks read 197 eV (the element maps' width); its note said "about 185 eV",
    the grid's top, with no word of that."""
    said = "at Mn K-alpha, estimated from the peak widths"
    grid = sorted(grid)
    for end, more, most in ((grid[-1], "wider", "widest"), (grid[0], "narrower", "narrowest")):
        if len(grid) > 1 and fwhm == end:
            return (
                f"{fwhm:g} eV or {more} {said}: {fwhm:g} eV is the {most} the fit tries (--fwhm, "
                f"or the panel's Detector, sets a {more} one)"
            )
    return f"about {fwhm:g} eV {said}"


def calibration_notes(
    cube, profile: InstrumentProfile, auto_off: bool = False, tube_advice: str | None = None
) -> list[str]:
    """Notes on an automatic energy calibration, fitted when the scan was read (the file has
    none, or one set aside) or saved in the file from such a read (detector.AUTO_SAVED_KEY): which
    tube anode its matched lines assumed, how well they fit, and, when the fit's anode is another
    (estimated from the spectra, or given), that the two contradict each other: with the wrong
    anode's lines among the matched peaks the energy axis, and every candidate, may be off.
    `auto_off`: the scan was read with --no-auto-calibration (read_cube records nothing of it),
    which keeps a saved calibration unchecked: --anode, advised, changed nothing there.
    `tube_advice`: a panel's words for giving another tube (detector.calibration_anode_origin's
    `advice`, in napari's words); None: the command line's --anode."""
    from ..detector import (
        AUTO_SAVED_KEY,
        calibration_anode,
        calibration_anode_origin,
        dict_from_metadata,
        refit_failed_for,
        why_calibrated,
    )

    cal = getattr(cube, "calibration", None)
    if cal is None or cal.source != "auto":
        return []
    meta = getattr(cube, "metadata", None) or {}
    auto = dict_from_metadata(meta, "auto_calibration") or {}
    anode = calibration_anode(meta)
    rms = auto.get("residual_ev_rms")
    why = why_calibrated(meta)  # a saved scan's: its first read's, kept under source_notes
    if meta.get(AUTO_SAVED_KEY):  # a saved scan's: fitted when it was first read, not now
        why = "saved in the file, fitted when the scan was first read" + (f": {why}" if why else "")
    origin = calibration_anode_origin(  # a panel's words are napari's: no --anode there
        meta, napari=tube_advice is not None, auto_off=auto_off, advice=tube_advice
    )
    notes = [
        "energy calibration: automatic ("
        + (why if why else "the file has none")
        + ")"
        + (f", assuming the {anode} anode's lines among its peaks ({origin})" if anode else "")
        + (f", residual {float(rms):.0f} eV rms" if isinstance(rms, (int, float)) else "")
    ]
    if anode and anode != profile.anode:
        # a saved calibration kept as its fit for that tube failed: --anode again changes nothing
        fix = (
            f"a fit for the {profile.anode} tube given failed, so open the file with a "
            "calibration: read_cube(path, calibration=...) in Python"
            if refit_failed_for(meta, profile.anode)
            else "it was kept unchecked: leave out --no-auto-calibration and --anode fits it "
            f"again (xrf-napari pigments FILE --anode {profile.anode}, if that is the tube)"
            if auto_off
            else "calibrate the file for the tube's real anode and fit with the same one: --anode "
            f"on the command line does both (xrf-napari pigments FILE --anode {profile.anode}, "
            "if that is the tube), read_cube(path, anode=...) in Python, or a calibration beside "
            "the file"
        )
        notes.append(
            f"contradiction: the fit's anode is {profile.anode} but the automatic energy "
            f"calibration assumed {anode}: the energy axis, and so the candidates, may be wrong; "
            f"{fix} (docs/user_guide.md, 'Fixing a calibration'); the panels' Instrument tube "
            "changes the fit and the suggested elements, not the energy axis"
        )
    return notes


def is_spot_scan(shape) -> bool:
    """A spot spectrum or a few points (fewer than SPOT_PIXELS): fitted whole, as one region."""
    return int(shape[0]) * int(shape[1]) < SPOT_PIXELS


def too_few_for_regions(shape, scan: str, fitter: str) -> str | None:
    """Why a scan of `shape` gets no regions: a spot spectrum or a few points
    (is_spot_scan) is one region, which `fitter` (the Pigments panel, `xrf-napari
    pigments SCAN`) fits whole; None when it has pixels enough. `scan` names it. One rule and
    one wording for the Embed dock and `xrf-napari embed`, which refuse it before the model
    loads."""
    from ..cube import pixels_text

    if not is_spot_scan(shape):
        return None
    n = int(shape[0]) * int(shape[1])
    return (
        f"{scan} is "
        + ("a single spectrum" if n == 1 else f"only {n} pixels")
        + f" ({pixels_text(shape)}): too few to find regions. It is one region: {fitter} fits "
        "it whole"
    )


def too_few_pixels(npix, scan_pixels: int):
    """Regions too small for a mean spectrum: under MIN_PIXELS pixels, unless the region is the
    whole scan (a spot spectrum, e.g. a Bruker .spx or a PyMca .mca: one deliberate measurement,
    not a stray K-Means pixel; its counts decide)."""
    npix = np.asarray(npix)
    return (npix < MIN_PIXELS) & (npix < scan_pixels)


def iter_fit_regions(
    cube,
    labels,
    *,
    anode=None,
    kv=None,
    fwhm_mn_ev=None,
    optic=None,
    atmosphere=None,
    colour_priors=None,
    colour_source: str = "model",
    top_n: int = TOP_N,
    usage_prior: bool = True,
    stages: bool = False,
    auto_off: bool = False,
    tube_advice: str | None = None,
):
    """Progress generator (done, total) returning a PigmentReport: through the pass over the file,
    the instrument trials when the file lacks the anode or resolution, the ground's choice, then
    the regions (`iter_region_inputs`). stages: also yield each stage's name (a str) before it
    (the dock shows it; `run_to_end` takes (done, total) only).

    labels: (H, W) ints, 0 = not a region. colour_priors: optional {label: sRGB} to order the
    candidates X-rays leave close, from a registered photograph (colour_source "photograph") or a
    recolouring ("model"; COLOUR_TAUS), as the pigments' base rates do unless usage_prior is False.
    Only a photograph's colour matches and suggests hidden partners (`hidden_partners`).
    auto_off, tube_advice: the calibration note's (`calibration_notes`).
    """
    if colour_source not in COLOUR_TAUS:
        raise ValueError(
            f"colour_source must be one of {sorted(COLOUR_TAUS)}, got {colour_source!r}"
        )
    from ..energy import canonical_energy
    from ._threads import one_thread

    profile, notes = instrument_for(cube, anode, kv, fwhm_mn_ev, optic, atmosphere)
    if not stages:  # with stages, the first stage's name comes at once
        yield 0, 1
    inputs = yield from iter_region_inputs(cube, labels, profile, notes, stages)
    profile, notes, lib, ground, labs, spectra, npix, sums, _, leaks, areas, froms = inputs
    if stages:
        yield "Fitting each region's mean spectrum\u2026"
    yield 0, len(labs)
    notes = notes + calibration_notes(cube, profile, auto_off, tube_advice)
    energy = canonical_energy()
    scan_pixels = np.asarray(labels).size
    results = []
    rows = zip(labs, spectra, npix, sums, leaks, areas, froms)
    for r, (lab, spec, n, y, leak, area, leak_from) in enumerate(rows):
        res = RegionResult(int(lab), int(n), float(y.sum()), spec, region_pixels=int(area))
        prior = None if not colour_priors else colour_priors.get(int(lab))
        if too_few_pixels(n, scan_pixels):
            res.message = (
                f"region {lab} has {n} pixel{'s' if n != 1 else ''}: too few for a mean spectrum "
                f"(at least {MIN_PIXELS})"
            )
        elif y.sum() < MIN_COUNTS:
            res.message = (
                f"region {lab} has {y.sum():.0f} counts"
                + (f" in its {n} interior pixels" if n < area else "")
                + f": too few to interpret (at least {MIN_COUNTS:.0f})"
            )
        else:
            with one_thread():  # mixture refinement calls xraylib (see component_library)
                res.candidates, res.message = rank_region(
                    lib,
                    y,
                    ground,
                    energy,
                    prior,
                    top_n,
                    leak,
                    usage_prior,
                    colour_source=colour_source,
                    leak_from=leak_from,
                )
        if res.best is not None and line_strength(y) < 1.0:
            warn = (
                "no line rises above the continuum: this is not the spectrum of a paint under an "
                "X-ray tube (a file decoded wrongly, or an energy calibration far off?); the "
                "candidates are unreliable"
            )
            res.message = f"{res.message}; {warn}" if res.message else warn
        misfit = None if res.best is None else unexplained_share(y, res.best.model)
        spike = None if res.best is None else spike_channel(y)
        if spike is not None:  # one message: the others would read a fault as paint, or none
            res.message = (
                f"the best fit leaves {100 * misfit:.0f} % of the counts unexplained, and "
                f"{100 * y[spike] / y.sum():.0f} % of them lie in one channel "
                f"({energy[spike]:.2f} keV) with next to none beside it: a spike (a detector or "
                "decoding fault), not an X-ray line, which spreads over several channels; the "
                "candidates are unreliable"
            )
        elif misfit is not None and misfit > MISFIT_WARN:
            warn = (
                f"the best fit leaves {100 * misfit:.0f} % of the counts unexplained (held-out "
                f"scans: under {100 * MISFIT_WARN:.0f} %): this spectrum is unlike what the "
                "forward model makes for this instrument (another excitation, such as a "
                "synchrotron's monochromatic beam; a standard, not paint); the candidates are "
                "unreliable"
            )
            # counts the model cannot make are not 'no pigment lines': say the one thing
            keep = res.message if res.message != NO_PIGMENT_LINES else ""
            res.message = f"{keep}; {warn}" if keep else warn
        # a recolouring's colour is too far off to name an invisible paint: of 172 such
        # suggestions on held-out cubes 18 were in the recipe (docs/pigments_guide.md)
        res.hidden = hidden_partners(
            lib, res.best, prior if colour_source == "photograph" else None
        )
        results.append(res)
        yield r + 1, len(labs)
    names = ["gypsum or chalk ground"] + (
        ["lead white priming (lead in every region)"] if PRIMING in ground else []
    )
    return PigmentReport(results, profile, names, notes, energy)


#: A line: a peak of the smoothed spectrum this many times the counting noise above the local
#: continuum (the higher of the minima on either side within LINE_WINDOW_KEV: SciPy's prominence),
#: and LINE_MIN_CONTRAST of that continuum (a smooth hump of the continuum at high counts is no
#: line), at most LINE_MAX_KEV wide at half that height.
LINE_SIGMA = 6.0
LINE_MIN_CONTRAST = 0.05
LINE_WINDOW_KEV = 2.0
LINE_MAX_KEV = 1.0


def line_strength(counts: np.ndarray) -> float:
    """How far the strongest line of a summed canonical spectrum rises above its continuum, in
    units of LINE_SIGMA counting-noise sigmas, among peaks with LINE_MIN_CONTRAST and at most
    LINE_MAX_KEV wide (0: no peak). Under 1: no line, so no element to read: a flat or smooth
    spectrum (a file decoded wrongly, a detector's noise, an energy axis far off), for which the
    pigments' scatter shapes and broad low-energy lines would still fit some candidate."""
    from scipy.ndimage import gaussian_filter1d
    from scipy.signal import find_peaks

    from ..energy import CANONICAL_BIN_WIDTH

    ys = gaussian_filter1d(np.asarray(counts, dtype=float), 1.0)
    idx, props = find_peaks(
        ys,
        prominence=0.0,
        width=(None, LINE_MAX_KEV / CANONICAL_BIN_WIDTH),
        rel_height=0.5,
        wlen=int(round(LINE_WINDOW_KEV / CANONICAL_BIN_WIDTH)) | 1,
    )
    if not len(idx):
        return 0.0
    prom = props["prominences"]
    level = np.maximum(ys[idx] - prom, 0.0)  # the continuum under each peak
    ok = prom >= LINE_MIN_CONTRAST * level
    if not ok.any():
        return 0.0
    return float((prom[ok] / (LINE_SIGMA * np.sqrt(level[ok] + 1.0))).max())


#: A channel holding more than this share of a region's counts, with under SPIKE_NEIGHBOURS of
#: its own counts in the two channels beside it, is a spike: an X-ray line is a detector peak,
#: at least 70 eV wide at half height (the Fano limit at 1 keV), over 1.4 of the 50 eV channels.
SPIKE_SHARE = 0.5
SPIKE_NEIGHBOURS = 0.1


def spike_channel(counts: np.ndarray) -> int | None:
    """The channel of a summed canonical spectrum that holds most of its counts alone (a hot
    channel, a decoding fault), or None. Such a spectrum got both 'no pigment lines' and '100 %
    of the counts unexplained'."""
    y = np.asarray(counts, dtype=float)
    tot = y.sum()
    if tot <= 0:
        return None
    i = int(np.argmax(y))
    beside = y[max(i - 1, 0) : i + 2].sum() - y[i]
    return i if y[i] > SPIKE_SHARE * tot and beside < SPIKE_NEIGHBOURS * y[i] else None


def unexplained_share(counts: np.ndarray, model: np.ndarray | None) -> float | None:
    """Share of the counts a fitted model misses: the counts above the model, channel by channel,
    over all the counts (0: every count explained, 1: none). Count-level free, unlike chi2. Counts
    the model puts where there are none are not counted: a least-squares fit rarely overshoots
    (held-out regions: 2 % median); half the absolute residual, used before, read 50 % for a
    model that explains nothing."""
    if model is None or counts.sum() <= 0:
        return None
    return float(np.clip(counts - model, 0.0, None).sum() / counts.sum())


class RegionInputs(NamedTuple):
    """What ranking each region needs, from one pass over the cube."""

    profile: InstrumentProfile  # completed from the regions' spectra where the file said nothing
    notes: list[str]
    lib: ComponentLibrary
    ground: list[int]
    labels: np.ndarray  # region labels, in the order of the arrays below
    spectra: np.ndarray  # mean spectrum per region
    npix: np.ndarray  # interior pixels per region (those of `spectra`)
    sums: np.ndarray  # summed spectrum per region (counts)
    ok: np.ndarray  # enough pixels and counts to interpret
    leaks: np.ndarray  # neighbour_leak
    areas: np.ndarray  # all the pixels of each region
    leak_from: list = []  # leak_sources: the neighbours' ids behind each leak column


def region_inputs(cube, labels, profile: InstrumentProfile, notes: list[str]) -> RegionInputs:
    from ..progress import run_to_end

    return run_to_end(iter_region_inputs(cube, labels, profile, notes))


def iter_region_inputs(
    cube, labels, profile: InstrumentProfile, notes: list[str], stages: bool = False
):
    """region_inputs as a progress generator: (done, total) through the pass over the file, the
    instrument trials (`iter_estimate_missing`) and the ground's choice, each stage named first
    when `stages` (a str, for the dock's status and the CLI's bars)."""
    if stages:
        yield "Reading each region's mean spectrum\u2026"
    labs, spectra, npix, areas = yield from _iter_region_spectra(cube, labels)
    sums = spectra * npix[:, None]
    ok = ~too_few_pixels(npix, np.asarray(labels).size) & (sums.sum(axis=1) >= MIN_COUNTS)
    profile, notes = _scan_anode(cube, profile, notes, sums)
    profile, notes = yield from iter_estimate_missing(profile, notes, sums[ok], stages)
    if stages:
        yield "Choosing the ground\u2026"
    lib = component_library(profile)
    ground = yield from iter_choose_ground(lib, sums, ok)
    leaks = neighbour_leak(labels, labs, spectra)
    return RegionInputs(
        profile,
        notes,
        lib,
        ground,
        labs,
        spectra,
        npix,
        sums,
        ok,
        leaks,
        areas,
        leak_sources(labels, labs),
    )


def _scan_anode(cube, profile: InstrumentProfile, notes: list[str], sums: np.ndarray):
    """(profile, notes) with the anode the file lacks taken from the scan as every dock reads it
    (tube_guess.scan_anode: its scatter lines, else its automatic calibration's), not estimated
    by fit quality; unchanged where the anode is named or the scan names none."""
    from .tube_guess import scan_anode

    if not _missing(notes)[0]:
        return profile, notes
    anode, how = scan_anode(cube, sums)
    if anode is None:
        return profile, notes
    said = f"anode not in the metadata: {anode} {how}"
    notes = [said if getattr(n, "assumed", "") == "anode" else n for n in notes]
    return replace(profile, anode=anode), notes


def fit_regions(cube, labels, **kw) -> PigmentReport:
    from ..progress import run_to_end

    return run_to_end(iter_fit_regions(cube, labels, **kw))


def visible_pigments(names, profile: InstrumentProfile) -> set[str]:
    """The names among `names` that this instrument can see (for evaluation against a recipe)."""
    lib = component_library(profile)
    return {n for n in names if lib.visible[lib.index(n)]}
