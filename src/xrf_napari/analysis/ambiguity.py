"""Where do the X-ray lines name the colour, and where not? Said per scan, beside the recolouring.

Hg means a red, Cd a yellow to orange, Pb with Sb Naples yellow; Pb alone is lead white or red lead,
Fe alone an ochre, an earth or Prussian blue, Cu alone azurite, malachite or verdigris, and no line
at all an organic colour or carbon. A recolouriser has to answer everywhere, so the scan also gets
a plain statement of which parts of it rest on lines that fix the colour family.

Per pixel, the elements present are those whose line feature (analysis/line_features.py: sqrt of
the element's share of the line counts) reaches PRESENT_FEATURE. Each database pigment needs its
major heavy elements (mass fraction at least MAJOR_RATIO of its largest; S and K, whose lines air
absorbs, never required). An element names the colour when the most specific pigments it can
belong to, given the elements present, form one colour family: their CIELAB hue, lightness and
chroma ranges stay within FAMILY_LIMITS (Cd: cadmium yellow and orange; Co: cobalt blue and violet;
Cu: azurite, malachite, verdigris spread over 100 degrees of hue, so not). A pixel is ambiguous
when no element present names its colour, or when the elements that do name different families
together (Cd with Co: a yellow and a blue, in proportions the lines do not fix); a white beside a
colour (zinc white with cobalt blue) only lightens it, so it stays named.

A tube whose anode is a feature element (copper) scatters that element's lines into every pixel:
generated scans from a Cu tube show a copper feature of 0.15-0.8 in regions without copper, so
orpiment read as emerald green and every lead white as "Cu+Pb" (docs/model_card_recolouriser.md).
Given the anode, its element is read as unknown: a pixel is named only where the lines name the
same pigments with it and without.

A line also spills into a neighbour's window: Fe K-beta (7.06 keV) into cobalt's K-alpha (6.93
keV), Mn K-beta into iron's, Cr K-beta into manganese's. A generated iron-oxide scan of 300 counts
a pixel reads cobalt 0.24 on average, and 2 % of its pixels were "Co+Fe", named cobalt blue; pure
MnO2 read "Fe+Mn", raw umber, on 36 %. So in the report (not in colour_prior, which the trained
models read as it was) an element is unsure in a pixel where its reading is no more than its
neighbours' lines put in its window (`line_overlaps`, from the line table), and the pixel is
named only where the lines name the same pigments with it and without.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np

from ..models import input_layout

#: Line feature (sqrt share) from which an element counts as present: about 9 % of the line counts.
PRESENT_FEATURE = 0.3
#: Elements whose lines air absorbs: never required of a pigment.
LIGHT = frozenset({"S", "K"})
MAJOR_RATIO = 0.12
#: Largest hue (degrees), lightness and chroma ranges of one colour family.
FAMILY_LIMITS = {"hue": 60.0, "L": 40.0, "chroma": 50.0}
#: A white (CIELAB L* and chroma bounds: lead, zinc, titanium white, chalk, blanc fixe, lithopone)
#: lightens a colour without changing its family: it does not make a mixture ambiguous.
WHITE_LIMITS = {"L": 85.0, "chroma": 20.0}
#: Element signatures covering less than this share of the scan are not listed by name.
MIN_SHARE = 0.01
#: Up to this many elements, a pixel's element set is found through a table of all 2**n sets
#: (2**19 entries for the 19 line features: 6 MB).
CODE_BITS = 22
#: A neighbour's lines put at least this share of their own feature's counts in an element's
#: window for the element's reading to be checked against them (line_overlaps).
OVERLAP_MIN = 0.01
#: An element reads no more than its neighbours' lines give when its net counts stay under
#: OVERLAP_MARGIN times theirs (the line table's ratio at the features' 140 eV: the detector's
#: resolution and the matrix move it; Co/Fe 0.059 by the table, 0.058-0.080 on a modelled iron
#: oxide at 120-180 eV, Fe/Mn 0.092 against up to 0.114, Mn/Cr 0.084 against up to 0.100) plus
#: OVERLAP_Z standard deviations of their counting noise.
OVERLAP_MARGIN = 1.5
OVERLAP_Z = 3.0


@dataclass(frozen=True)
class Signature:
    elements: tuple[str, ...]  # present in these pixels ("" none)
    share: float  # of the scan's pixels
    named: bool  # the lines fix the colour family
    candidates: tuple[str, ...]  # the pigments they name (named) or could be (ambiguous)
    # of `elements`, those read no more than their neighbours' lines give (line_overlaps)
    unsure: tuple[str, ...] = ()

    def label(self) -> str:
        if not self.elements:
            return "no lines"
        return "+".join(e + "?" * (e in self.unsure) for e in self.elements)


@dataclass
class AmbiguityReport:
    ambiguous: np.ndarray  # (H, W) bool
    signatures: list[Signature] = field(default_factory=list)  # by share, largest first
    unread: str | None = None  # the tube anode's element, whose lines are the tube's everywhere
    # elements whose lines do not stand out of the scan's counting noise (line_features.
    # quiet_elements): never present; all of them where the scan shows no line at all
    quiet: frozenset[str] = frozenset()
    elements: tuple[str, ...] = ()  # the feature elements read
    # unsure element -> the neighbours whose lines explain its reading, where a listed set has one
    spills: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def ambiguous_share(self) -> float:
        return float(self.ambiguous.mean()) if self.ambiguous.size else 0.0

    def message(self, limit: int | None = 4, names: int | None = 4) -> str:
        """Where the lines do not fix the colour: the `limit` largest element sets, each with
        `names` of the pigments left open (None: all). What is left out is counted, never
        dropped unsaid: "Ca+Pb (8 %: Natural ultramarine, Bone black, Chalk, Gypsum)" read as
        the whole list, yet the first four are calcium's, and the lakes and lead white were cut."""
        tube = (
            f" {self.unread} is not read: the X-ray tube's anode is {self.unread}, whose lines the "
            f"object scatters into every pixel, so pigments of {self.unread} cannot be told by "
            "their lines."
            if self.unread
            else ""
        )
        amb = [s for s in self.signatures if not s.named]
        if self.elements and set(self.elements) - {self.unread} <= self.quiet:
            return (
                "No element's line stands out of the counting noise in this scan (summed over "
                "all its pixels, nor in any one pixel): the lines fix the colour nowhere, and the "
                "colour shown is the model's guess." + tube
            )
        if not amb:
            return "The element lines name the colour family everywhere in this scan." + tube
        shown = amb if limit is None else amb[:limit]
        parts = []
        for s in shown:
            cands = s.candidates
            if not cands:
                what = "organic or carbon colours"
            elif names is not None and len(cands) > names + 1:  # never "and 1 more"
                what = ", ".join(cands[:names]) + f" and {len(cands) - names} more"
            else:
                what = ", ".join(cands)
            parts.append(f"{s.label()} ({100 * s.share:.0f} %: {what})")
        if rest := amb[len(shown) :]:
            share = 100 * sum(s.share for s in rest)
            parts.append(
                f"{len(rest)} other element set{'' if len(rest) == 1 else 's'} ({share:.0f} %)"
            )
        spill = "".join(
            f" ({e}?: no more than {' or '.join(self.spills.get(e, ()))}'s lines put in the {e} "
            "window)"
            for e in sorted({e for s in shown for e in s.unsure})
        )
        return (
            f"The lines do not fix the colour on {100 * self.ambiguous_share:.0f} % of the scan: "
            + "; ".join(parts)
            + spill
            + ". There the colour shown is the model's guess."
            + tube
        )


@functools.lru_cache(maxsize=1)
def required_elements() -> dict[str, frozenset[str]]:
    """Database pigment -> the heavy elements its lines must show (analysis.line_features)."""
    from ..physics.pigments import load_pigments
    from .line_features import FEATURE_ELEMENTS

    out = {}
    for p in load_pigments():
        heavy = {
            e: v for e, v in p.composition().items() if e in FEATURE_ELEMENTS and e not in LIGHT
        }
        top = max(heavy.values(), default=0.0)
        out[p.name] = frozenset(e for e, v in heavy.items() if top and v >= MAJOR_RATIO * top)
    return out


def _one_family(names) -> bool:
    from ..physics.pigments import get_pigment

    lab = np.array([get_pigment(n).lab for n in names], dtype=float)
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    hue = np.sort(np.degrees(np.arctan2(lab[:, 2], lab[:, 1])) % 360.0)
    gaps = np.diff(np.concatenate([hue, hue[:1] + 360.0]))
    hue_range = 360.0 - gaps.max()  # smallest arc holding every hue
    return (
        hue_range <= FAMILY_LIMITS["hue"]
        and np.ptp(lab[:, 0]) <= FAMILY_LIMITS["L"]
        and np.ptp(chroma) <= FAMILY_LIMITS["chroma"]
    )


def _is_white(name: str) -> bool:
    from ..physics.pigments import get_pigment

    lab = get_pigment(name).lab
    return lab[0] >= WHITE_LIMITS["L"] and np.hypot(lab[1], lab[2]) <= WHITE_LIMITS["chroma"]


@functools.lru_cache(maxsize=4096)
def explain(present: frozenset[str]) -> tuple[bool, tuple[str, ...]]:
    """(the lines fix the colour family, the pigments named or possible) for elements present.
    Elements that each name a family must name the same one: Cd with Co is cadmium yellow or
    orange mixed with cobalt blue or violet, a mixture whose colour the lines cannot fix
    (judged element by element, it was called named: audit 30, finding 7); the pigments each
    element names then come first among the possible ones. A white beside a colour (Zn with Co,
    Ba with Cd and Se) lightens it and keeps it named."""
    req = required_elements()
    named, possible = [], []
    for e in sorted(present):
        cands = [n for n, r in req.items() if e in r and r <= present]
        if not cands:
            continue
        most = max(len(req[n]) for n in cands)
        specific = [n for n in cands if len(req[n]) == most]
        possible += cands
        if _one_family(specific):
            named += specific
    coloured = [n for n in dict.fromkeys(named) if not _is_white(n)]
    if named and (not coloured or _one_family(coloured)):
        return True, tuple(dict.fromkeys(named))
    return False, tuple(dict.fromkeys(named + possible))


def _signatures(
    features: np.ndarray,
    elements: tuple[str, ...],
    unread: str | None = None,
    quiet: frozenset[str] = frozenset(),
):
    """(element sets present, pixel -> set index, pixels per set) of (..., n_elements) features;
    the element `unread` and those `quiet` are never present: left out of the codes, where
    zeroing their features would copy them (a float per pixel and element)."""
    skip = set(quiet) | ({unread} if unread else set())
    f = np.asarray(features)
    if f.shape[-1] != len(elements):
        raise ValueError(f"features must be (..., {len(elements)}), got shape {f.shape}")
    flat = f.reshape(-1, len(elements))
    if len(elements) > CODE_BITS:  # too many for a table of every set: sort the codes
        present = flat >= PRESENT_FEATURE
        for e in skip & set(elements):
            present[:, elements.index(e)] = False
        codes = present @ (1 << np.arange(len(elements), dtype=np.int64))
        uniq, inverse, counts = np.unique(codes, return_inverse=True, return_counts=True)
    else:
        # One bit per element, OR-ed in place, then a table over every possible set: a few bytes
        # per pixel (a bool matrix product made int64 copies, 179 B/px with 19 elements).
        codes = np.zeros(flat.shape[0], dtype=np.uint32)
        for j in range(len(elements)):
            if elements[j] in skip:
                continue
            codes |= (flat[:, j] >= PRESENT_FEATURE).view(np.uint8).astype(np.uint32) << j
        per_set = np.bincount(codes, minlength=1 << len(elements))
        uniq = np.flatnonzero(per_set)
        index = np.zeros(per_set.size, dtype=np.int32)
        index[uniq] = np.arange(uniq.size, dtype=np.int32)
        inverse, counts = index[codes], per_set[uniq]
    sets = [frozenset(e for j, e in enumerate(elements) if code >> j & 1) for code in uniq.tolist()]
    return sets, inverse.reshape(-1), counts


def _explain_without(
    present: frozenset[str], unread: str | None, unsure: frozenset[str] = frozenset()
) -> tuple[bool, tuple[str, ...]]:
    """explain() where the element `unread`, and each of `unsure`, may or may not be there:
    named only if the lines name the same pigments every way; the pigments possible in any
    way otherwise."""
    doubt = sorted(set(unsure) | ({unread} if unread else set()))
    if not doubt:
        return explain(present)
    sure = present - set(doubt)
    ways = [
        explain(sure | {e for b, e in enumerate(doubt) if m >> b & 1})
        for m in range(1 << len(doubt))
    ]
    if all(named for named, _ in ways) and len({cands for _, cands in ways}) == 1:
        return True, ways[0][1]
    return False, tuple(dict.fromkeys(c for _, cands in ways for c in cands))


@functools.lru_cache(maxsize=8)
def line_overlaps(elements: tuple[str, ...]) -> tuple[tuple[int, int, float, float], ...]:
    """(source j, receiver k, ratio, variance) for each pair of `elements` where the source's
    lines (the line table's transitions, analysis.maps.line_template, at the features' default
    resolution) put at least OVERLAP_MIN of the source's net feature counts into the receiver's
    (line_features' weights): Fe K-beta in Co K-alpha's window gives Co 0.059 of Fe's counts. The
    variance is that of the receiver's net counts per source net count from those lines alone."""
    from ..detector import DEFAULT_FWHM_MN_EV
    from ..energy import canonical_edges
    from .line_features import line_features
    from .maps import line_template

    w = line_features(tuple(elements)).weights.astype(np.float64)
    edges = canonical_edges()
    region = (float(edges[0]), float(edges[-1]))
    out = []
    for j, e in enumerate(elements):
        t = line_template(e, edges, float(DEFAULT_FWHM_MN_EV), region)
        own = float(t @ w[:, j])
        if own <= 0:  # no line of its own on the grid: nothing to compare against
            continue
        ratio, var = (t @ w) / own, (t @ (w * w)) / own
        out += [
            (j, k, float(ratio[k]), float(var[k]))
            for k in range(len(elements))
            if k != j and ratio[k] >= OVERLAP_MIN
        ]
    return tuple(out)


def spilt_over(
    flat: np.ndarray, elements: tuple[str, ...], block: int = 1 << 14
) -> tuple[tuple[int, ...], np.ndarray]:
    """(receivers, (N,) codes) of (N, n_elements) line features: bit b of a pixel's code is set
    where the element receivers[b] reads as present but no more than a neighbour present puts
    in its window (line_overlaps), judged by the pixel's own counts: the features are shares
    f**2 = net / (S + COUNT_FLOOR) of S line counts, so 1 / (S + COUNT_FLOOR) is
    (1 - sum f**2) / COUNT_FLOOR. In row blocks: a few bytes per pixel, whatever the scan."""
    from .line_features import COUNT_FLOOR

    pairs = line_overlaps(tuple(elements))
    receivers = tuple(sorted({k for _, k, _, _ in pairs}))
    dtype = np.min_scalar_type(max(1, (1 << len(receivers)) - 1))
    codes = np.zeros(flat.shape[0], dtype=dtype)
    for r0 in range(0, flat.shape[0], block):
        f = flat[r0 : r0 + block]
        f2 = np.square(f, dtype=np.float64)
        per_count = np.clip(1.0 - f2.sum(axis=1), 0.0, 1.0) / COUNT_FLOOR
        out = codes[r0 : r0 + block]
        for j, k, ratio, var in pairs:
            # the receiver's net counts over their variance per count, g, are about Poisson of
            # mean mu = OVERLAP_MARGIN * ratio * source / g: k <= mu + z^2/2 + z sqrt(mu + z^2/4)
            # (a small mean's long tail), here as shares of the pixel's line counts
            mu = OVERLAP_MARGIN * ratio * f2[:, j]
            gz = var / ratio * per_count * OVERLAP_Z**2
            bound = mu + gz / 2 + np.sqrt(gz * (mu + gz / 4))
            # both present: a receiver merely noisy beside no source is not the source's
            hit = (f[:, k] >= PRESENT_FEATURE) & (f[:, j] >= PRESENT_FEATURE) & (f2[:, k] <= bound)
            out |= hit.astype(dtype) << receivers.index(k)
    return receivers, codes


def ambiguity_report(
    features: np.ndarray, elements, anode: str | None = None, quiet=frozenset()
) -> AmbiguityReport:
    """Per-pixel and per-signature report from (H, W, n_elements) line features, read on a
    calibrated energy axis (a scan without one is refused before: energy.refuse_uncalibrated).
    `anode`: the tube's anode as the file names it; if it is one of `elements` (Cu), its lines
    are the tube's in every pixel, so that element is read as unknown. `quiet`: elements whose
    lines do not stand out of the scan's noise (line_features.CountedFeatures.quiet), never
    present: a share of noise is no line."""
    elements = tuple(elements)
    f = np.asarray(features)
    if f.ndim != 3 or f.shape[2] != len(elements):
        raise ValueError(f"features must be (H, W, {len(elements)}), got shape {f.shape}")
    unread = anode if anode in elements else None
    quiet = frozenset(quiet) & frozenset(elements)
    sets, inverse, counts = _signatures(f, elements, unread, quiet)
    # each element set, split by which of its elements a neighbour's lines explain (spilt_over):
    # the pixels with such an element get sets of their own, after those of _signatures
    receivers, spill = spilt_over(f.reshape(-1, len(elements)), elements)
    keys = [code << len(receivers) for code in range(len(sets))]
    where = np.flatnonzero(spill)
    if where.size:
        split, sub, sub_counts = np.unique(
            inverse[where].astype(np.int64) << len(receivers) | spill[where],
            return_inverse=True,
            return_counts=True,
        )
        counts = counts - np.bincount(inverse[where], minlength=len(sets))
        inverse[where] = len(sets) + sub.reshape(-1)
        keys += split.tolist()
        counts = np.concatenate([counts, sub_counts])
    n = max(inverse.size, 1)
    named_code = np.zeros(len(keys), dtype=bool)
    sigs, spills = [], {}
    for i, (code, count) in enumerate(zip(keys, counts.tolist())):
        if not count:  # every pixel of the set has an element explained by a neighbour
            continue
        present = sets[code >> len(receivers)]
        unsure = frozenset(elements[k] for b, k in enumerate(receivers) if code >> b & 1) & present
        named, cands = _explain_without(present, unread, unsure)
        named_code[i] = named
        if count / n >= MIN_SHARE:
            sigs.append(
                Signature(tuple(sorted(present)), count / n, named, cands, tuple(sorted(unsure)))
            )
            for e in unsure:  # the neighbours present whose lines reach e's window
                src = [elements[j] for j, k, _, _ in line_overlaps(elements) if elements[k] == e]
                spills[e] = tuple(x for x in src if x in present) or tuple(src)
    sigs.sort(key=lambda s: -s.share)
    ambiguous = ~named_code[inverse].reshape(f.shape[:2])
    return AmbiguityReport(
        ambiguous, sigs, unread=unread, quiet=quiet, elements=elements, spills=spills
    )


@functools.lru_cache(maxsize=4096)
def named_colour(present: frozenset[str]) -> tuple[float, float, float] | None:
    """The Kubelka-Munk mixture, in equal parts, of the pigments the lines name; None where
    they name no colour family."""
    from ..physics.colour import km_mix
    from ..physics.pigments import get_pigment

    named, cands = explain(present)
    if not named:
        return None
    rgbs = np.array([get_pigment(n).rgb for n in cands], dtype=float)
    return tuple(float(v) for v in km_mix(rgbs, np.ones((1, len(cands))))[0])


def colour_prior(features: np.ndarray, elements) -> np.ndarray:
    """(..., PRIOR_CHANNELS) float32 from (..., n_elements) line features: what the database
    says the lines name, as an input a recolouriser can copy where the lines fix the colour (Cd
    yellow, Co blue) and learn to lighten or ignore elsewhere; our pigment table's knowledge
    rather than colours remembered from training paintings. PRIOR_CHANNELS is the SmallUViT's
    (models/input_layout.py: its config check counts the same channels)."""
    elements = tuple(elements)
    f = np.asarray(features)
    sets, inverse, _ = _signatures(f, elements)
    width = input_layout.PRIOR_CHANNELS
    table = np.zeros((len(sets), width), dtype=np.float32)
    for i, present in enumerate(sets):
        rgb = named_colour(present)
        if rgb is not None:
            table[i] = (*rgb, 1.0)
    return table[inverse].reshape(f.shape[:-1] + (width,))


def with_colour_prior(inputs: np.ndarray, elements) -> np.ndarray:
    """A model input ending in the line features of `elements`, with colour_prior's channels
    appended (the SmallUViT's `colour_prior` layout)."""
    elements = tuple(elements)
    prior = colour_prior(inputs[..., -len(elements) :], elements)
    return np.concatenate([inputs, prior], axis=-1)
