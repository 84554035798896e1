"""Which tube anode a scan's own spectra show: a cheap look at the mean spectrum's scatter lines.

A file without a header names no tube; the training-data note (ood.check_scan) then could only say
the tube is not named. A Mo, Rh or Ag tube's K lines scatter off the painting: Rayleigh peaks at
the lines' energies over a Compton band below them. A pigment can put the same element's K lines
in the spectrum (molybdate orange: Mo) but without the Compton band, so an anode is named only
when its K-alpha stands above the continuum and so does the Compton band just below it, beyond
the line's own spill into it and a paint's K-beta lines inside it (band_beyond_spill), and no
other anode's does (K-beta is too weak to add evidence: through a polycapillary the generated
Rh tubes' stood 0-0.12 above the continuum). The anodes, their K-alpha and Compton energies come
from the physics (physics.tube.ANODES, elements.element_lines, physics.scatter.compton_energy),
so the guess reads the lines the generator draws. A W tube has no K lines in 1-26.6 keV, and a
Cu or Cr tube's Compton band reaches into its K-alpha peak (Cu 0.07-0.25 keV below 8.04 keV, Cr
0.03-0.11 keV below 5.41 keV), leaving K lines that pigments share (Cu: azurite, malachite; Cr:
chrome yellow, viridian; W L among Hg and Pb L lines too): 'cannot tell'.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

import numpy as np

from ..physics.detector import FWHM_GRID

#: Half-width (keV) of the window summed over a line: about one FWHM at 20 keV.
HALF_KEV = 0.15
#: K-alpha and its Compton band stand out when each holds this much more than the continuum.
#: Generated cubes of each anode at 20-50 kV and 100-10,000 counts per pixel: the tube's own
#: reached 0.2-2.8 where its voltage excites its K lines well (less at 20-30 kV). Another anode
#: can reach it on one, or both: on generated sums of Rh, Mo and Ag tubes at 35-50 kV
#: (0bea30d3's, no silver), a Rh tube's showed Ag's band at up to 0.32 (by Rh K-alpha; Ag K-alpha
#: at most 0.07), an Ag tube's Rh at up to 1.1 on K-alpha and 0.28 on its band (Rh K-alpha
#: lies within Ag's band: guess_anode sets it aside), and a Mo tube's Rh and Ag K-alpha 0.2
#: with their bands below 0.
MIN_CONTRAST = 0.2
#: ... and each stands this many standard deviations of its counting noise above it: a single
#: generated pixel of 100-10,000 counts named a wrong anode 6 times in 100 on contrast alone, and
#: at 5 a W tube at 35 kV was called Ag (K-alpha 5.6 sigma above the continuum) in 200 cubes.
MIN_SIGMA = 10.0
#: The continuum a line is weighed against: 0.3-0.5 keV either side of it (line_contrast).
SIDE_KEV = (0.3, 0.5)
#: The continuum a Compton band is weighed against: 9-13 % below the line, under the band even
#: at backscatter (_band_windows), as shares of the line's energy.
BELOW_BAND = (0.87, 0.91)
#: Scattering angles (deg, beam to detector axis) whose Compton energies bound the Compton band:
#: from the least the generator's instruments use (65 deg, physics.instrument) to backscatter,
#: 1.9-8 % below K-alpha (0.3-1.8 keV), whatever the instrument's geometry; the band is compared
#: with the continuum 9-13 % below K-alpha, under it. On 480 generated sum spectra (Rh, Mo, Ag,
#: W, Cu tubes at 20-50 kV, 100-10,000 counts per pixel, 65-150 deg, collimator or
#: polycapillary) this named 127 tubes, none wrongly; the earlier fixed 3-7 % band named 115,
#: none wrongly (it missed the Compton peak of 65-80 deg, 2-3 % below K-alpha).
SCATTER_DEG = (65.0, 180.0)
#: Near backscatter the Compton peak sits at the band's low edge and its low tail fills the
#: continuum window 9-13 % below the line (an Ag tube at 170 deg: the band 0.13 over it, under
#: MIN_CONTRAST; never named), so the band is also weighed reaching BACKSCATTER_REACH x the
#: line's energy lower, against the continuum BACKSCATTER_BELOW, and the stronger evidence of the
#: two counts (compton_evidence). Tubes named right, of Rh/Mo/Ag sum spectra at >= 1.3 x the K
#: edge: 162 -> 169 of 231 (100-170 deg and random geometry; >= 160 deg 13 -> 19 of 24, Ag there
#: 0 -> 4 of 8), 183 -> 189 of 279 on fresh ones (random, and 140-175 deg); none wrongly among
#: the 696 and 880 spectra of all six anodes, the nearest other anode no nearer its thresholds
#: (at 0.42 and 0.71 of them; were 0.38 and 0.71), and the same names on the real files.
BACKSCATTER_REACH = 0.015
BACKSCATTER_BELOW = (0.86, 0.90)
#: An anode shown within another's Compton band is set aside only where its K-alpha stands out
#: less than this many times the other's (guess_anode): there it is the band's (an Ag tube's
#: "Rh K-alpha" 0.52-1.11 x Ag's on 20 generated scans showing both; 2.1-3.8 x on 5 Ag tubes'
#: scans at 170 deg put on the axis of the automatic calibration assuming Rh, whose reading
#: of Ag there recalibrates them: at 2, 2 of them stayed "Rh by default", 180-208 eV off), while
#: a Rh tube at 65 deg scatter, whose K-beta's Compton peak falls on Ag K-alpha, showed Rh
#: K-alpha 6.6-17.5 x Ag's (9 scans) and was read as Ag (/work/runs65/tube65/margin.py,
#: calpath.py, readall.py). At or above it the band's anode is set aside: of 1,584 generated
#: sums, 98 showed Rh and Ag, Rh K-alpha 6.7-17.5 x Ag's on the 18 Rh tubes at 65 deg, 0-0.6 x
#: on 30 Rh tubes with silver, 0-2.3 x on 50 Ag tubes (true axis; /work/runs65/tubeB65/margin.py).
BAND_K_ALPHA_RATIO = 5.0
#: Detector resolution (eV FWHM at Mn K-alpha) for band_spill: the widest the pigment fit tries
#: (physics.detector.FWHM_GRID). A line's Gaussian this wide spills the most into the band below it.
SPILL_FWHM_EV = max(FWHM_GRID)
#: A band is its anode's Compton scatter only where its K-alpha's spill (band_spill) makes less
#: than this share of its counts over the continuum (band_beyond_spill): an anode shown on a band
#: that is mostly its line's spill is a pigment's line.
SPILL_SHARE = 0.5
#: Paint elements whose L lines sit on anodes' K-alpha windows and Compton bands, taken out as
#: the lower anodes' K lines are (k_alpha_evidence, band_beyond_spill), weighed by their L-alpha:
#: uranium yellow's U L-beta3 (17.45 keV) lies on Mo K-alpha (17.44), its L-beta2,6 (16.4-16.6)
#: in Mo's Compton band, its L-gamma1 (20.17) on Rh K-alpha (20.17). Their lines' shares are a
#: thin layer's at PAINT_SPILL_KEV (xraylib), the most they can be: in a paint uranium takes up
#: its own L-beta and L-gamma lines above its L3 edge (17.17 keV) and the detector sees fewer of
#: them than of L-alpha. Generated uranium-yellow paints under W, Cu and Cr tubes showed 0.19-0.56
#: of that spill in Mo's K-alpha window and band and Rh's window (/work/runs68/maps68/tube/diag.py).
PAINT_SPILL = ("U",)
PAINT_SPILL_KEV = 40.0


def _window(total: np.ndarray, lo: float, hi: float) -> tuple[float, int]:
    """(counts, canonical bins) between lo and hi keV; (NaN, 0) outside the axis."""
    from ..energy import CANONICAL_BIN_WIDTH, CANONICAL_E_MIN

    a = int(np.floor((lo - CANONICAL_E_MIN) / CANONICAL_BIN_WIDTH))
    b = int(np.ceil((hi - CANONICAL_E_MIN) / CANONICAL_BIN_WIDTH))
    if a < 0 or b > len(total) or b <= a:
        return float("nan"), 0
    return float(total[a:b].sum()), b - a


def _expected(window: tuple[float, int], continuum: list[tuple[float, int]]) -> float:
    """The counts a window would hold at the lowest continuum per bin among the given windows;
    NaN where the window or every continuum lies off the axis, or that continuum is empty."""
    (n, bins), per_bin = window, [c / b for c, b in continuum if b and np.isfinite(c)]
    if not bins or not np.isfinite(n) or not per_bin or min(per_bin) <= 0:
        return float("nan")
    return min(per_bin) * bins


def _excess(window: tuple[float, int], continuum: list[tuple[float, int]]) -> tuple[float, float]:
    """(contrast, significance) of a window's counts over the lowest continuum per bin among the
    given windows (_expected): contrast = counts / continuum - 1, significance in Poisson
    sigmas."""
    expected, n = _expected(window, continuum), window[0]
    if not np.isfinite(expected):
        return float("nan"), float("nan")
    return n / expected - 1.0, (n - expected) / np.sqrt(expected)


def _over(window: tuple[float, int], continuum: list[tuple[float, int]]) -> float:
    """A window's counts over its continuum (_expected); 0 where that is unknown."""
    return float(np.nan_to_num(window[0] - _expected(window, continuum)))


def _line_windows(total: np.ndarray, e: float) -> tuple[tuple[float, int], list]:
    """A line at e keV's window (HALF_KEV either side) and its continuum 0.3-0.5 keV either side."""
    near, far = SIDE_KEV
    sides = [_window(total, e - far, e - near), _window(total, e + near, e + far)]
    return _window(total, e - HALF_KEV, e + HALF_KEV), sides


def line_contrast(total: np.ndarray, e: float) -> tuple[float, float]:
    """A line at e keV against the continuum 0.3-0.5 keV either side (the lower of the two):
    (contrast, significance), about (0, 0) where there is no line."""
    return _excess(*_line_windows(total, e))


def compton_band(e: float) -> tuple[float, float]:
    """(lowest, highest) keV of the Compton scatter of a line at e keV over SCATTER_DEG."""
    from ..physics.scatter import compton_energy

    return float(compton_energy(e, SCATTER_DEG[1])), float(compton_energy(e, SCATTER_DEG[0]))


def _below(total: np.ndarray, e: float, shares: tuple[float, float]) -> list[tuple[float, int]]:
    """The continuum shares[0]-shares[1] x e keV in its two halves, of which _excess takes the
    lower, as line_contrast takes the lower side: a fluorescence line in one half is not taken
    for the continuum. Whole, lead white's Pb L-gamma (14.76-15.22 keV) filled the one under a
    Mo tube's Compton band (15.2-15.9 keV), and 19 of 54 generated Mo tubes' scans showed no
    tube (/work/runs65/tube65/final.py)."""
    lo, hi = shares
    mid = (lo + hi) / 2
    return [_window(total, e * lo, e * mid), _window(total, e * mid, e * hi)]


def _backscatter_band(e: float) -> tuple[float, float]:
    """compton_band of e reaching BACKSCATTER_REACH x e lower: a Compton peak near backscatter."""
    lo, hi = compton_band(e)
    return lo - BACKSCATTER_REACH * e, hi


def _band_windows(total: np.ndarray, e: float) -> list:
    """(band window, its continuum windows), twice: the Compton band of e against the continuum
    9-13 % below e (_below), where the band of a line the tube emits stands out (about 0 or
    negative for a fluorescence line), and _backscatter_band against BACKSCATTER_BELOW."""
    return [
        (_window(total, *compton_band(e)), _below(total, e, BELOW_BAND)),
        (_window(total, *_backscatter_band(e)), _below(total, e, BACKSCATTER_BELOW)),
    ]


def _strongest_band(total: np.ndarray, e: float) -> tuple:
    """The (evidence, windows) of _band_windows whose evidence stands out most, by the
    nearer-passing of MIN_CONTRAST and MIN_SIGMA (NaN counts as none)."""

    def strength(pair: tuple) -> float:
        s = min(pair[0][0] / MIN_CONTRAST, pair[0][1] / MIN_SIGMA)
        return s if np.isfinite(s) else -np.inf

    return max(((_excess(*w), w) for w in _band_windows(total, e)), key=strength)


def compton_evidence(total: np.ndarray, e: float) -> tuple[float, float]:
    """(contrast, significance) of the stronger of _band_windows' two (_strongest_band)."""
    return _strongest_band(total, e)[0]


@cache
def _k_lines(source: str) -> dict[str, np.ndarray]:
    """`source`'s K-alpha and K-beta lines (a PAINT_SPILL element's L lines) as a SPILL_FWHM_EV
    detector's Gaussians on the canonical axis (band_spill, k_alpha_spill)."""
    from ..detector import gaussian_channels
    from ..elements import transition_lines
    from ..energy import canonical_edges
    from ..physics.detector import fwhm_ev

    edges = canonical_edges()
    if source not in PAINT_SPILL:
        lines = {"Ka": np.zeros(len(edges) - 1), "Kb": np.zeros(len(edges) - 1)}
        drawn = [(t.family, t.energy, t.weight) for t in transition_lines(source)]
    else:
        lines = {f: np.zeros(len(edges) - 1) for f in ("La", "Lb", "Lg")}
        drawn = _thin_layer_lines(source)
    for family, e, weight in drawn:
        if family in lines:
            fwhm = float(fwhm_ev(e, SPILL_FWHM_EV)) * 1e-3
            lines[family] += weight * gaussian_channels(edges, e, fwhm)
    return lines


def _thin_layer_lines(symbol: str) -> list[tuple[str, float, float]]:
    """(family, keV, cross section) of the element's lines from a thin layer at PAINT_SPILL_KEV."""
    import xraylib

    from ..elements import LINE_FAMILIES, atomic_number

    z, out = atomic_number(symbol), []
    for family, (_, transitions) in LINE_FAMILIES.items():
        for t in transitions:
            code = getattr(xraylib, f"{t}_LINE")
            try:
                e = xraylib.LineEnergy(z, code)
                cs = xraylib.CS_FluorLine_Kissel_Cascade(z, code, PAINT_SPILL_KEV)
            except ValueError:
                continue
            if e > 0 and cs > 0:
                out.append((family, e, cs))
    return out


def _reference(source: str) -> tuple[str, float]:
    """The family and energy (keV) of the line a spill source is weighed by: an anode's K-alpha,
    a PAINT_SPILL element's L-alpha."""
    from ..elements import element_line

    if source in PAINT_SPILL:
        return "La", element_line(source, "La").energy
    return "Ka", k_alpha_anodes()[source]


@cache
def band_spill(anode: str, source: str | None = None) -> float:
    """Counts the K lines of `source` (default: the anode; a PAINT_SPILL element's L lines) put
    in the anode's Compton band (_backscatter_band, which holds compton_band), per count in the
    source's K-alpha (L-alpha) window (_k_lines). The anode's own K-alpha at the band's top: Mo
    K-alpha2 (17.37 keV) lies 0.27 keV above the band (to 17.11 keV): 0.75 %; Rh 0.08 %, Ag
    0.02 %. Another anode's K-beta (its K-alpha is in_compton_band's): Mo K-beta (19.6 keV) lies
    inside Rh's band, 17.9 %."""
    source = source or anode
    anodes, lines, (family, e) = k_alpha_anodes(), _k_lines(source), _reference(source)
    if source in PAINT_SPILL:
        spill = sum(lines.values())
    else:
        spill = lines["Ka" if source == anode else "Kb"]
    band = _window(spill, *_backscatter_band(anodes[anode]))
    return band[0] / _line_windows(lines[family], e)[0][0]


@cache
def k_alpha_spill(anode: str, source: str) -> float:
    """Counts the K lines of another anode's element `source` (a PAINT_SPILL element's L lines)
    put in the anode's K-alpha window, per count in the source's K-alpha (L-alpha) window
    (_k_lines): Mo K-beta2 (19.96 keV) in Rh K-alpha's, 1.1 %; uranium in Mo's, 32 %."""
    anodes, lines, (family, e) = k_alpha_anodes(), _k_lines(source), _reference(source)
    k = sum(lines.values())
    return _line_windows(k, anodes[anode])[0][0] / _line_windows(lines[family], e)[0][0]


def _k_alpha_over(total: np.ndarray) -> dict[str, float]:
    """Each K-line anode's K-alpha window's counts over its continuum (0 where below or unknown),
    and each PAINT_SPILL element's L-alpha's where it stands out (_shown) over the continuum on
    each side, as a line does: a Mo tube's continuum rises towards its Compton band, and one of
    tube65's Mo tubes (Mo_90_2_0 over molybdate, no uranium) showed "U L-alpha" 1.35 over its
    lower side, none over its upper, and was read 'cannot tell'."""
    over = {a: max(_over(*_line_windows(total, e)), 0.0) for a, e in k_alpha_anodes().items()}
    for s in PAINT_SPILL:
        window, sides = _line_windows(total, _reference(s)[1])
        shown = all(_shown((_excess(window, [side]),)) for side in sides)
        over[s] = _over(window, sides) if shown else 0.0
    return over


def k_alpha_evidence(total: np.ndarray, anode: str, over: Mapping[str, float]) -> tuple:
    """line_contrast of the anode's K-alpha less what the lower anodes' elements' K lines put in
    its window (k_alpha_spill x their K-alpha's counts `over` the continuum): a lead molybdate
    paint's Mo K-beta2 (19.96 keV) stood in Rh K-alpha's window, so an Ag, W, Cu or Cr tube's
    scan of it showed Rh, and a Mo tube's showed Mo and Rh ('cannot tell'): of revT66's sums
    with every Mo K line added by hand at 0.1-1 x the highest peak, 127-403 of 528 non-Rh tubes
    read Rh and Mo tubes 17-0 of 108 Mo (/work/runs67/tube67/kb2phys.py)."""
    anodes = k_alpha_anodes()
    lower = [a for a in anodes if anodes[a] < anodes[anode]]
    inside = sum(k_alpha_spill(anode, a) * over[a] for a in (*lower, *PAINT_SPILL))
    (n, bins), sides = _line_windows(total, anodes[anode])
    return _excess((n - inside, bins), sides)


@cache
def k_alpha_anodes() -> Mapping[str, float]:
    """K-alpha (keV, elements.element_lines) of each tube anode (physics.tube.ANODES) whose
    K-alpha, Compton band and continuum below it lie on the canonical axis, the band clear of
    the K-alpha window: Mo, Rh and Ag, not W (K-alpha 59 keV) nor Cu or Cr (band within the
    peak). Read-only: the one cached mapping serves every caller."""
    from ..elements import element_line
    from ..energy import canonical_edges
    from ..physics.tube import ANODES

    lo, hi = canonical_edges()[[0, -1]]
    out = {}
    for anode in ANODES:
        e = ka.energy if (ka := element_line(anode, "Ka")) else None
        on_axis = e and lo <= e * BELOW_BAND[0] and e + SIDE_KEV[1] <= hi
        if on_axis and compton_band(e)[1] < e - HALF_KEV:
            out[anode] = e
    return MappingProxyType(out)


def summed_spectrum(counts: np.ndarray) -> np.ndarray:
    """The sum of (m, 512) canonical spectra (also pigment_fit._tube_lines_shown's)."""
    return np.asarray(counts, dtype=np.float64).reshape(-1, np.shape(counts)[-1]).sum(axis=0)


def scatter_evidence(counts: np.ndarray) -> dict[str, tuple[tuple[float, float], ...]]:
    """Per K-line anode: ((K-alpha contrast, sigma), (Compton contrast, sigma)) of the sum of
    (m, 512) canonical spectra."""
    total = summed_spectrum(counts)
    over = _k_alpha_over(total)
    return {
        a: (k_alpha_evidence(total, a, over), compton_evidence(total, e))
        for a, e in k_alpha_anodes().items()
    }


def _shown(ev: tuple[tuple[float, float], ...]) -> bool:
    """Whether each (contrast, significance), a K-alpha's and its Compton band's, stands out
    (MIN_CONTRAST and MIN_SIGMA)."""
    return all(c > MIN_CONTRAST and z > MIN_SIGMA for c, z in ev)


def band_beyond_spill(total: np.ndarray, anode: str) -> bool:
    """Whether the anode's Compton band (compton_evidence's window) holds counts over its
    continuum beyond the K-beta lines other anodes' elements put inside it (band_spill x their
    K-alpha's counts over its continuum), and its own K-alpha's spill makes less than
    SPILL_SHARE of them: a tube's band is its Compton scatter, a pigment's line (molybdate
    orange's Mo) has only the spill. A paint's Mo K-beta filled Rh's band: of generated Ag,
    W, Cu and Cr tubes' scans of lead molybdate paints, 41 of 296 were read as Rh (at 65-135
    deg scatter), none now, and none of 86 Rh tubes' is lost (/work/runs66/revT66/evalf.py)."""
    anodes, over = k_alpha_anodes(), _k_alpha_over(total)
    inside = sum(band_spill(anode, a) * over[a] for a in (*anodes, *PAINT_SPILL) if a != anode)
    beyond = _over(*_strongest_band(total, anodes[anode])[1]) - inside
    return band_spill(anode) * over[anode] < SPILL_SHARE * beyond


def guess_anode(counts: np.ndarray) -> str | None:
    """The anode whose scattered K-alpha and Compton band the spectra show, or None: none or
    more than one does (a W, Cu or Cr tube, too low a voltage, too few counts: cannot tell).
    An anode shown only within another shown anode's Compton band (in_compton_band) is that
    band's: Rh K-alpha (20.2 keV) lies at the low edge of Ag's (20.4-21.6 keV), and generated
    Ag tubes' scans at 45-50 kV showed Rh and Ag, so no tube (5 of 18 Ag scans at 35-50 kV, none
    now; of 90 scans of Rh, Ag, Mo, W and Cu tubes none named wrongly, before or now:
    /work/runs64/tubeB64/item3d.py). Only where its own Compton band shows less than that
    band does: a Rh tube's scan fills Ag's band with Rh K-alpha's own spill (contrast 0.2-0.32
    on 9 generated Rh scans at 35-50 kV), so silver in the paint (Ag K-alpha) showed Ag too;
    Rh's own band (0.55-1.25 there; -0.09-0.28 on 9 Ag tubes' scans, whose Ag band showed
    0.23-0.87) tells them apart (/work/runs64/revB64/silver_gen.py, silver_eval.py: 20 of 45
    Rh sums with silver were read as Ag). And only where its K-alpha stands out less than
    BAND_K_ALPHA_RATIO times that band's anode's: a Rh tube at 65 deg scatter was read as Ag.
    Where it stands out that many times more, the band's anode is set aside instead: at 65 deg
    a Rh tube's K-beta Compton peak falls on Ag K-alpha and Rh K-alpha's spill lifts Ag's band
    above the lower half of its continuum, so Ag showed beside Rh and 8 of 18 fresh Rh tubes'
    scans there were 'cannot tell' (/work/runs65/tubeB65/readdiff.py). The one anode left is
    named only where its own line's spill makes less than half of its band beyond a paint's
    K-beta lines inside it (band_beyond_spill):
    a pigment's Mo lines added by hand at 0.2 / 0.3 / 1 x the highest peak of 966 generated
    sums of Rh, Ag, W, Cu and Cr tubes read 6 / 17 / 239 of them as a Mo tube; none now (of 204
    Mo tubes' sums with those lines, 202 / 202 / 202 -> 194 / 185 / 149 read as Mo;
    /work/runs66/tube66/trade.py)."""
    total = summed_spectrum(counts)  # once: band_beyond_spill reads it too
    evidence = scatter_evidence(total)
    shown = [a for a, ev in evidence.items() if _shown(ev)]
    k_alpha, compton = ({a: evidence[a][i][0] for a in shown} for i in (0, 1))

    def set_aside(a: str, b: str) -> str | None:  # a's K-alpha in b's Compton band: which goes
        if k_alpha[a] >= BAND_K_ALPHA_RATIO * k_alpha[b]:
            return b
        return a if compton[a] < compton[b] else None

    aside = {set_aside(a, b) for a in shown for b in shown if in_compton_band(a, b)}
    shown = [a for a in shown if a not in aside]
    if len(shown) != 1 or not band_beyond_spill(total, shown[0]):
        return None
    return shown[0]


def in_compton_band(a: str, b: str) -> bool:
    """Whether anode a's K-alpha window reaches within HALF_KEV of the Compton band of anode
    b's higher K-alpha (its low edge at backscatter; the peak's width spreads it that far)."""
    ka = k_alpha_anodes()
    return ka[a] < ka[b] and ka[a] + 2 * HALF_KEV > compton_band(ka[b])[0]


def guess_scan_anode(cube, counts: np.ndarray) -> str | None:
    """guess_anode of a cube's sampled canonical spectra where its energy axis can show a tube:
    None on channel numbers (no calibration: read as keV, the channels of 160 generated scans at
    0.02-0.2 keV per channel named a tube in 33, W and Cu tubes as Rh, Mo or Ag), and on
    an automatic calibration None for the anode it assumed, whose lines it put at their
    energies (finding them there confirms nothing); another anode's lines there are evidence, and
    so is the anode it took from them (calibration_anode_seen: shown under the default's too)."""
    return _scan_guesses(cube, counts)[0]


def _scan_guesses(cube, counts: np.ndarray) -> tuple[str | None, str | None]:
    """(guess_scan_anode, guess_anode of `counts` where the energy axis can show a tube, else
    None): scan_anode reads both, and called guess_anode twice on the same spectra."""
    from ..detector import calibration_anode, calibration_anode_seen

    source = cube.calibration.source
    if source == "none" or not len(counts):
        return None, None
    seen = guess_anode(counts)
    if calibration_anode_seen(cube.metadata):
        return seen, seen
    assumed = calibration_anode(cube.metadata) or seen
    return (None if source == "auto" and seen == assumed else seen), seen


def scan_anode(cube, counts: np.ndarray) -> tuple[str | None, str]:
    """(anode, how it is known) of a scan whose file names no tube, one reading for every dock
    and command: the anode its scattered tube lines show (guess_scan_anode), else the one its
    automatic energy calibration assumed, whose lines placed its energies (the Spectrum dock's
    "auto, assuming a Rh tube"); (None, "") where neither names one. The pigment fit estimated
    its own by how well each anode's library fits: on the real APS 2-ID-E file (a synchrotron
    beam, no tube lines) Pigments said "Mo estimated from the spectra" while Spectrum said "auto,
    assuming a Rh tube". Where the calibration read its anode off the scatter lines, or assumed
    the default, it says so in calibration_anode_origin's words (tube_source decides): Pigments
    said "Rh taken from the automatic energy calibration" where `info` said "Rh by default".
    `counts`: (m, 512) canonical spectra of the scan."""
    from ..detector import (
        ANODE_FROM_SCATTER,
        calibration_anode,
        calibration_anode_origin,
        known_anode,
        tube_source,
    )
    from ..physics.tube import ANODES

    seen, shown = _scan_guesses(cube, counts)
    assumed = calibration_anode(cube.metadata) if cube.calibration.source == "auto" else None
    scatter = "estimated from the spectra (scatter lines)"
    read = known_anode(cube.metadata) if tube_source(cube.metadata) == ANODE_FROM_SCATTER else None
    if read in ANODES:  # the calibration's reading (or read_cube's under a file's), as info's
        return read, scatter
    if seen:
        return seen, scatter
    if assumed in ANODES:
        why = (
            "its scatter lines show where that calibration put them"
            if shown == assumed  # where it put them: no evidence
            else "the spectra show no tube's scatter lines"
        )
        origin = calibration_anode_origin(cube.metadata, napari=True)
        return assumed, f"({origin}, as its automatic energy calibration assumed; {why})"
    return None, ""
