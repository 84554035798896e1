"""Which elements are in the object? Peaks of the sum spectrum matched to X-ray lines.

A peak alone is weak evidence (Pb L-alpha and As K-alpha coincide, S K-alpha sits on Pb M-alpha),
so an element needs a second, resolvable line of the same shell wherever that line should be
visible above the noise (a line hidden in a neighbour's stronger peak, Fe K-beta in Co K-alpha,
counts as present when the spectrum there holds it, the first line must then be the element's
own); an element seen through one line only is dropped when a confirmed element explains that
peak better. Lines of the X-ray tube's anode are ignored (scatter, not the object),
and so are those of argon in the air between the object and the detector (Ar K-alpha 2.96 keV on
Ag L-alpha 2.98 keV): silver needs its own L-beta, or its K lines, to be suggested; argon's
K-beta only at its share of K-alpha (Cd L-alpha 3.13 keV lies 60 eV from it). Nor are the
detector's Si escape peaks (a strong line's energy less 1.740 keV: zinc white's at Co K-alpha).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np

from ..detector import (
    DEFAULT_FWHM_MN_EV,
    detector_fwhm_kev,
    fwhm_from_metadata,
    known_anode,
    kv_from_metadata,
    named_anode,
    tube_symbol,
)
from ..elements import (
    AIR_ELEMENTS,
    K_OVERVOLTAGE,
    PAINTING_ELEMENTS,
    Line,
    atomic_number,
    element_line,
    element_lines,
    k_edge,
    k_lines_usable,
    lines_by_family,
    minor_lines,
    transition_lines,
)
from .pooling import spread_rows
from .tube_guess import compton_band

#: Minimum peak prominence, in Poisson standard deviations of the counts at the peak.
N_SIGMA = 5.0
#: Expected intensity of the confirming line relative to the first one, for L shells where the
#: table's radiative rates of different subshells cannot be compared (a cautious lower value).
L_BETA_RATIO = 0.5
#: A K-beta peak stronger than this many times its expected share of K-alpha is another element's
#: line (As K-beta 11.73 keV on Hg L-beta 11.82 in lead white beside vermilion): it cannot confirm.
K_BETA_SLACK = 3.0
#: A weak second line closer than this (in FWHM) to the first shows as a shoulder, not a peak of
#: its own, so it cannot confirm (S, Cl, P, Si, Al K-beta).
RESOLVABLE_FWHM = 2.0
#: A transition of at least this radiative rate (xraylib's, a family's lines summed as
#: element_lines gives them) is a line that can make or move a peak: weaker ones (Rh L-l, 2.38 keV,
#: 0.03 of its L lines) are no other element's line beside a peak (_line_near).
LINE_WEIGHT_MIN = 0.05

#: An element whose first line falls on an air line's peak (Ag L-alpha 2.98 on Ar K-alpha 2.96
#: keV) needs its confirming line at least this share of that peak: above argon's own K-beta share
#: (0.10, and Ar K-beta 3.19 keV sits on Ag L-beta 3.19), below L_BETA_RATIO; at most
#: K_BETA_SLACK * L_BETA_RATIO (a stronger peak there is another element's line, Cd L-alpha).
AIR_CONFIRM_RATIO = 0.3

#: A confirming line with no apex of its own may hide in a neighbour's peak (or on its flank)
#: where the spectrum at its energy stands at least this share of its expected height above the
#: lowest point within BLEND_FWHM (in FWHM) of it; the first line must then be the element's own,
#: as for a K-beta under a too-strong line. Below 1 for the table's ratios and the channel grid.
BLEND_SHARE = 0.5
BLEND_FWHM = 2.0

#: A peak at E is the Si escape peak of the line at E + 1.740 keV where it is at most this many
#: times that line's escape probability of its height (as analysis.pigment_fit.ESCAPE_SLACK):
#: a real element's line there (Co K-alpha in smalt beside zinc white) stands far above it.
ESCAPE_SLACK = 3.0
#: Yet a peak standing n_sigma above the escape's expected height, its apex further than this (in
#: FWHM) from the escape's place, blends a line beside it (P K-alpha 2.01 keV, 60 eV above Ca
#: K-alpha's escape: cobalt violet in a chalk-rich paint lost its P). Forward model: escape peaks
#: alone sit within 0.07 FWHM of it (40 chalk spectra, 4096 and 512 channels), cobalt violet's
#: blend 0.11-0.2 off at 5 % in chalk, 0.2-0.33 at 10 %.
ESCAPE_SHIFT_FWHM = 0.15

#: The peaks the suggested elements were matched by sitting a median beyond this many FWHM from
#: their lines, or peaks over STRONG_SIGMA that nothing explains as many as those explained or
#: more (two at least), say the energy calibration is off (analysis audit 29, finding 9: 80 eV low
#: gave false As, Cl and Zr in lead white with vermilion, a 1 % gain error no element, silently).
#: A tie counts: an axis 0.1 keV low under a Cr or Mo tube read azurite's Ca K as Sb L (explained)
#: beside Cu K (not), 2 to 2, and said nothing. Forward model, 42 pigments on chalk, 11 wrong axes
#: each: 4-50 more warned per tube setting, none fewer; no true axis warned, as before.
CALIBRATION_WARN_FWHM = 0.3
STRONG_SIGMA = 20.0
#: A shifted axis hides from that median: the lines of other elements it brings near the peaks
#: are suggested and count as on-line (lead white with vermilion 40 eV low gave As on Pb L-alpha,
#: Cl on Rh L-alpha, Zr on Sr K-beta at a median 0.09 FWHM). The peaks whose nearest suggested
#: line is a K-alpha or L-alpha (L-beta and K-beta blends sit up to 30 eV off their tabulated mean
#: on a true axis), their offsets' median weighted by significance beyond this (keV), say the axis
#: is shifted: the strongest peaks stay their own elements'. Forward model: within 4 eV on 172
#: true-axis spectra, 16 eV at least 30 eV off (analysis audit 29: 40 eV low went unsaid).
SHIFT_WARN_KEV = 0.015
#: Tube anodes whose scattered lines (and Compton band below a K line) the calibration check
#: leaves out when the anode is not known: a blank scan's scatter peaks are no miscalibration. Nor
#: are they suggested then (Suggestions.tube). Not copper nor chromium (physics.tube.ANODES):
#: diffraction tubes', and the elements of azurite, malachite and verdigris, chrome yellow and
#: viridian.
SCATTER_ANODES = ("Rh", "Mo", "Ag", "W")
#: An element so read through one peak that another element's K line matches too is taken for
#: that line unless the apex sits more than this (in FWHM at the L line) off the K line towards its
#: own and the two lie over twice this apart: Mo L-alpha and S K-alpha (14 eV, 0.19 FWHM at the
#: Fano limit), Br and Al, Zr and P coincide. A line alone puts its apex within 0.07 FWHM (as for
#: ESCAPE_SHIFT_FWHM). Held-out cubes (26.6 keV axis): Ca K-alpha peaks read as Sb L-alpha in 21
#: regions without antimony sat 0.04-0.10 off Ca K-alpha; the sums of two scans whose Naples
#: yellow regions show Sb 0.14 and 0.22.
L_APEX_FWHM = 0.1
#: The cut instead where the lines lie over half an FWHM apart and no other element's line
#: (a transition of weight >= 0.05) lies within 1.5 FWHM of the K line on the L line's side: 10-25 %
#: Naples yellow beside calcium, a 175 eV detector, put the apex 0.07-0.105 FWHM off Ca K-alpha
#: towards Sb L-alpha, and L_APEX_FWHM lost its Sb in 43 of 151 cases (audit35; this cut: 17).
#: Without antimony or such a line: 0.01-0.03 in the forward model, 0.04-0.068 in 7 region sums
#: of the held-out cubes (0.05 gave 3 of them Sb). Such a line pulls the apex too: Sn L-beta1 3.66
#: keV (tin pigments over chalk), Cd L-beta2 3.53 (cadmium pigments); and lines under half an FWHM
#: apart (Zr L-alpha 2.04 keV, P K-alpha 2.01) leave it to channel steps and flanks (0.07 on 512
#: channels).
L_APEX_FREE_FWHM = 0.07

#: How far (in FWHM at its energy) a peak may sit from the tabulated line: calibration error.
TOLERANCE_FWHM = 0.5

#: A K-alpha peak on another element's L-beta (K K-alpha 3.31 keV on Cd L-beta1 3.32) counts for
#: its K line only where a fit of both shapes (_k_beyond_l: xraylib's Cd L family as one
#: template, pinned by its L-alpha peak at 3.13) leaves it at least this share of what the L family
#: puts there, and n_sigma above the fit's noise. Without potassium the fit leaves 0.21-0.23 of
#: cadmium's height there to it on the M6 profile (a median 0.13 under a W tube in air: xraylib's
#: 20 keV cross sections, the paint's absorption; tin's L lines beside it pull it below 0),
#: potassium at 1.3-2 % beside 85 % of a cadmium pigment 0.30-0.34 (W: 0.20-0.23, missed before
#: too), at 4 % or more beside half of one 0.5 and over (forward model, noise-free, 414 mixtures
#: of a cadmium pigment a profile, over chalk). Without it cadmium's L-beta was read as potassium
#: in 134 of the M6's 1722 two-pigment spectra, cadmium's K lines too weak there to suggest it by.
L_FAMILY_EXCESS = 0.3
#: ... where the tube (anode, kV) is known and its spectrum sets the L template's ratios
#: (_counted_lines: the L subshells' shares follow the excitation, not xraylib's 20 keV). Forward
#: model, noise-free, a cadmium pigment alone, over chalk or beside 15 % red lake (its 0.2 % of
#: K), Rh 40, W 35, Mo 20-45 kV: the fit leaves K 0.036-0.079 of cadmium's L height (0.10-0.26
#: with the 20 keV template); 30 % green earth (2.6 % of K) beside cadmium red 0.25-0.27 (0.29-0.47,
#: under the W and Mo 45 kV tubes below L_FAMILY_EXCESS: potassium lost).
L_FAMILY_EXCESS_TUBE = 0.15
#: ... for an L-beta transition (radiative rate >= 0.05) within this (in FWHM) of the K-alpha line,
#: where the peak's place cannot tell the two apart (K and Cd L-beta1: 4 eV, 0.03 FWHM). Further
#: apart the apex tests decide as before (Ca K-alpha 3.69 keV, Sn L-beta1 3.66: 0.23 FWHM; this
#: rule there lost calcium beside 85 % of lead-tin yellow).
L_BETA_ON_K_FWHM = 0.1

#: A K-alpha on M lines (S K-alpha 2.31 keV, Pb M-alpha 2.35) counts where a fit of both shapes,
#: the M families as the known tube excites them (_counted_lines), leaves it this share of the M
#: lines' height there and n_sigma (_suggest's k_beyond_m; L_FAMILY_EXCESS and the apex test where
#: the tube is unknown or its own lines are among them). Forward model, noise-free, over chalk,
#: Rh 40 and W 35 kV: lead pigments without sulfur 0.00-0.02, chrome yellow's 3 % of it 0.09-0.18,
#: lead white with 15 % orpiment 0.08-0.17.
M_FAMILY_EXCESS_TUBE = 0.06

#: A K-alpha peak on a line of the known anode's L family, scattered by the object (Mo L-alpha
#: 2.29 keV and L-beta1 2.39 blend into one peak on S K-alpha 2.31), is the element's where a fit
#: of both shapes (_joint_k_fit: the anode's L family as one template, over its L-alpha and
#: L-beta1 peaks) leaves the K lines this many deviations and L_FAMILY_EXCESS of the L family's
#: height: fewer than n_sigma, as the fit splits one peak between two near-alike shapes. It is the
#: tube's only where the fit leaves the K lines nothing and could have shown them at n_sigma were
#: the peak all theirs; else the element stays with a warning (tube_l_note). Forward model, three
#: Mo tubes (20-45 kV), 42 pigments and 7 pairs over chalk, 100-10,000 counts a pixel (735 cubes):
#: false S 180 -> 103 (a window to S K-alpha only, the tube's wherever the fit could have told),
#: -> 55 (this); true S missed 74 -> 89 -> 76 (lakes' 1 % of S, weak beside the tube's lines).
TUBE_L_SIGMA = 3.0

#: ... and the K lines' share of such a peak that is noise, the tube's: a W tube's scattered
#: L-gamma1 (11.29 keV) on Se K-alpha (11.22) left Se 0.2-1.4 deviations of a 13-18 deviation
#: peak beside iron pigments, kept with a warning under l_lines_explain's rule (share <= 0).
#: bench_element_suggestion --pairs, W 35 kV: false Se 6 -> 3 (2.0: -> 1, but the Mo battery's
#: true S missed 268 -> 271, all at Mo 45 kV).
TUBE_L_NOISE = 1.0

#: A K-alpha on another element's L line, its K-beta blended with a third's (As K-alpha 10.53 keV
#: on Pb L-alpha 10.54, As K-beta 11.73 under Hg L-beta 11.82), is the element's where a fit of
#: every shape there (_joint_k_fit) leaves its K lines n_sigma above this share of the L family's
#: height at K-alpha: the matrix bends the L ratios from xraylib's (mercury's L3 edge, 12.28 keV,
#: absorbs Pb L-beta 12.61 and not L-alpha), and vermilion with lead white with no As read As at
#: 0.32-0.36 of Pb there on the forward model (Rh 40, W 35, Mo 30 kV); 4 % of orpiment: 0.44-0.50.
K_ON_L_SHARE = 0.4

#: ... and where it lies on another element's K-beta (Zr K-alpha 15.78 keV, Sr K-beta 15.84:
#: chalk's strontium), this share of that K family's height there: matrix edges between K-alpha
#: and K-beta and the detector take from K-beta, not add (Pb L2 and L1, 15.20 and 15.86 keV, under
#: Sr K-beta). Forward model: Zr over Sr K-beta -0.25 to 0.014 in six of the battery's 7 false Zr.
K_ON_KB_SHARE = 0.1

#: A peak that makes an element seen by one line, in the Compton band (tube_guess.compton_band)
#: of a tube line whose own scattered peak stands at least 1 / this as high, is that line's
#: Compton scatter, no element's (_suggest's tube_compton). A W tube's L-gamma1 (11.29 keV)
#: scatters to 10.81-11.14 keV: green earth over chalk (W 35 kV in air, 10 million counts) showed
#: a bump at 10.84, 0.16 of that line's peak, read as Bi L-alpha (10.84) alone, Bi L-beta at half
#: of it too weak to be missed. The bump measured 0.05-0.22 of its line's peak (W L-gamma1, Cu
#: K-beta; 42 pigments over chalk, 65-150 deg, 1 and 10 million counts); at 1 a Cu tube's K-beta
#: (8.91 keV, its band 8.58-8.83) took real zinc (K-alpha 8.64, 0.41 of K-beta's peak: chalk
#: or bone black with 0.5 % zinc white, a million counts, its K-beta unseen) in 8 of 12 draws.
TUBE_COMPTON_SHARE = 0.35

#: (first line, confirming line) per shell, in order of preference.
_SHELL_PAIRS = (("Ka", "Kb"), ("La", "Lb"), ("Ma", None))


class Suggestions(list):
    """The suggested element symbols (a list), with `warning`: "" or a sentence for the user
    (a calibration that the peaks contradict), and `tube`: the usual anodes whose lines the peaks
    show while the tube's anode is unknown, left out of the list (suggest_for_cube): perhaps only
    the tube's lines, scattered by the object, and a conservator read "Rh" as a pigment's
    element. list(...) of it drops both."""

    warning: str = ""
    tube: tuple[str, ...] = ()
    #: (element, sentence) for elements kept where the spectrum cannot tell them from another's
    #: lines (l_line_note), so that suggest_for_cube warns of those a group of cells adds too
    unsure: tuple[tuple[str, str], ...] = ()
    #: The anode of `tube` the automatic calibration read off the scan's scattered tube lines
    #: (suggest_for_cube, detector.known_anode), "" where none was read: the tube is then no longer
    #: unknown, as quicklook's instrument line and `info` say ("read from the scan's ...").
    tube_read: str = ""

    @property
    def seen(self) -> list[str]:
        """The suggested elements and `tube`: every element whose lines the peaks show (the
        maps' overlaps count them all, analysis.maps.plan_for_cube's `present`)."""
        return [*self, *self.tube]

    def tube_note(self, how: str) -> str:
        """The sentence saying why `tube` was left out ("" if none); `how`: where the user
        names the tube ("with --anode"). The docks and quicklook alike."""
        if not self.tube:
            return ""
        names, its = ", ".join(self.tube), "its" if len(self.tube) == 1 else "their"
        if self.tube_read:  # beside "Rh tube (... read from the scan's scattered tube lines)"
            return (
                f"{names} not suggested: {its} peaks are taken for the X-ray tube's lines, "
                f"scattered by the object: the tube, {self.tube_read}, was read from them (name "
                f"the tube {how} if it is another)"
            )
        return (
            f"{names} not suggested: {its} peaks may be only the X-ray tube's lines, scattered "
            f"by the object, as the tube's anode is unknown (name the tube {how} to tell)"
        )


@dataclass(frozen=True)
class Peak:
    energy: float  # keV, interpolated
    height: float  # counts at the peak channel
    prominence: float


@lru_cache(maxsize=1 << 14)
def _fwhm(en: float, fwhm_mn_ev: float) -> float:
    """detector_fwhm_kev of one energy, remembered: the ~500 survey spectra of a scan ask for the
    same lines and channels (80,000 calls, a third of the suggestions' time)."""
    return float(detector_fwhm_kev(en, fwhm_mn_ev))


def _smoothed(e: np.ndarray, y: np.ndarray, fwhm_mn_ev: float) -> np.ndarray:
    """The spectrum smoothed over about a third of the FWHM (single-channel Poisson spikes are
    not peaks); unsmoothed where that is under 1.5 channels."""
    gain = float(np.median(np.diff(e)))
    if gain <= 0:
        raise ValueError("energy axis must increase")
    width_ch = max(1.0, float(detector_fwhm_kev(e.mean(), fwhm_mn_ev)) / gain / 3.0)
    if width_ch > 1.5:
        from scipy.ndimage import gaussian_filter1d

        return gaussian_filter1d(y, width_ch / 2.3548)
    return y


def _matched_sigma(e: np.ndarray, y: np.ndarray, i: int, fwhm_mn_ev: float) -> float:
    """Significance (Poisson deviations) of a detector-wide peak at channel i, or the channel
    either side: the counts weighted by a zero-area Gaussian of the FWHM there (over +-1.25 FWHM,
    blind to a linear continuum), over the deviation of that sum.

    The prominence alone let noise through on coarse grids (the canonical 50 eV channels are not
    smoothed): measured against the deepest base of a long noisy stretch, chance maxima of a flat
    Poisson spectrum passed 5 sigma 1.5-1.8 times per spectrum (analysis audit 29, finding 4)."""
    lo, hi = max(i - 1, 0), min(i + 1, len(e) - 1)
    f_ch = _fwhm(e[i], fwhm_mn_ev) * (hi - lo) / float(e[hi] - e[lo])
    m = max(2, int(np.ceil(1.25 * f_ch)))
    best = -np.inf
    for c in (i - 1, i, i + 1):
        lo, hi = max(c - m, 0), min(c + m + 1, len(y))
        if hi - lo < 5:
            continue
        k, kk = _zero_area_kernel(lo - c, hi - c, f_ch)
        w = y[lo:hi]
        var = float(kk @ np.maximum(w, 1.0))
        best = max(best, float(k @ w) / np.sqrt(var))
    return best if np.isfinite(best) else np.inf


@lru_cache(maxsize=4096)
def _zero_area_kernel(a: int, b: int, f_ch: float) -> tuple[np.ndarray, np.ndarray]:
    """(k, k * k): the Gaussian of FWHM f_ch channels over offsets a..b-1 from its centre less
    its mean, remembered (a scan's spectra share its channels' widths)."""
    g = np.exp(-0.5 * (np.arange(a, b) / (f_ch / 2.3548)) ** 2)
    k = g - g.mean()
    kk = k * k
    k.setflags(write=False)
    kk.setflags(write=False)
    return k, kk


def find_spectrum_peaks(
    energy, spectrum, *, fwhm_mn_ev: float = DEFAULT_FWHM_MN_EV, n_sigma: float = N_SIGMA
) -> list[Peak]:
    """Peaks whose prominence exceeds n_sigma Poisson deviations, and whose counts under a
    detector-wide matched filter do too (_matched_sigma), with sub-channel positions."""
    e = np.asarray(energy, dtype=np.float64)
    y = np.asarray(spectrum, dtype=np.float64)
    if e.shape != y.shape or e.ndim != 1:
        raise ValueError(
            f"energy and spectrum must be 1-D of equal length, got {e.shape} and {y.shape}"
        )
    if len(y) < 5 or not np.isfinite(y).all():
        return []
    fwhm_mn_ev = float(fwhm_mn_ev)  # a cache key below: np.array(140.0) is not hashable
    return _peaks(e, y, _smoothed(e, y, fwhm_mn_ev), fwhm_mn_ev, n_sigma)


def _peaks(e, y, ys, fwhm_mn_ev: float, n_sigma: float) -> list[Peak]:
    """find_spectrum_peaks given the smoothed spectrum ys (suggest_elements needs it too)."""
    from scipy.signal import find_peaks

    idx, props = find_peaks(ys, prominence=0)
    prom = props["prominences"]
    # the prominence test on all maxima at once (most are noise): a loop took a third of the time
    keep = ~(prom < n_sigma * np.sqrt(np.maximum(ys[idx], 1.0)))
    out = []
    for i, p in zip(idx[keep].tolist(), prom[keep].tolist()):
        if _matched_sigma(e, y, i, fwhm_mn_ev) < n_sigma:
            continue
        out.append(Peak(_apex(e, ys, i), float(ys[i]), p))
    return out


def _apex(e: np.ndarray, ys: np.ndarray, i: int) -> float:
    """Sub-channel position of the maximum at channel i (a parabola through its neighbours)."""
    pos = float(e[i])
    if 0 < i < len(ys) - 1:
        a, b, c = ys[i - 1], ys[i], ys[i + 1]
        den = a - 2 * b + c
        if den < 0:
            pos += 0.5 * (a - c) / den * (e[i + 1] - e[i - 1]) / 2
    return pos


def _without_escapes(
    e, smooth, peaks: list[Peak], fwhm, escapes: dict, n_sigma: float = N_SIGMA
) -> list[Peak]:
    """The peaks less those that are the Si escape peak (E - 1.740 keV) of a stronger line: no
    more than ESCAPE_SLACK times its escape probability (physics.detector) of the net height of
    the spectrum at E + 1.740 (a peak of its own or not, K-beta lines too: the distance holds
    whatever the calibration's offset). Zinc white's Zn K-alpha escape (6.89 keV) was read as Co
    K-alpha, chalk's Ca K-beta escape (2.27) as S K-alpha.

    A peak standing n_sigma above the escape's expected height (1x) whose apex says the rest is
    a line beside the escape (_line_beside_escape) is kept as that line. escapes: the escape
    probability at each peak's E + 1.740 keV within the axis (_escape_probabilities)."""
    from ..physics.detector import SI_KA

    out = []
    for p in peaks:
        parent = p.energy + SI_KA
        net = _net_height(e, smooth, parent, fwhm(parent)) if parent <= e[-1] else None
        if net is not None:
            expected = escapes[parent] * net[0]
            if p.prominence <= ESCAPE_SLACK * expected:
                p = _line_beside_escape(e, smooth, p, expected, fwhm, n_sigma)
        if p is not None:
            out.append(p)
    return out


def _escape_probabilities(e, peak_lists) -> dict[float, float]:
    """{E + 1.740 keV: its Si escape probability} for the peaks of each list within the axis, in
    one call: each is an OpenMP region in xraylib_np, 0.1-0.3 ms on a busy machine (one per
    peak took over half the suggestions' time); the values are computed element by element."""
    from ..physics.detector import SI_KA, escape_probability

    parents = sorted({p.energy + SI_KA for peaks in peak_lists for p in peaks})
    parents = [en for en in parents if en <= e[-1]]
    return dict(zip(parents, escape_probability(parents).tolist())) if parents else {}


def line_detectable(e, spec, height: float, en: float, n_sigma: float = N_SIGMA) -> bool:
    """Would a line of this net height stand n_sigma above the counts `spec` (on the energy axis
    e) at energy en? Also the candidates' residual: is an M line's missing L-alpha telling
    (pigment_fit._residual_lines)."""
    ch = int(np.clip(np.searchsorted(e, en), 0, len(e) - 1))
    return height > n_sigma * np.sqrt(max(spec[ch], 1.0))


def _net_height(e, smooth, en: float, fwhm_kev: float) -> tuple[float, float] | None:
    """(height of the smoothed spectrum at en above its lowest point within BLEND_FWHM x FWHM,
    that lowest point), or None where the window holds under 3 channels (nothing to tell)."""
    near = np.abs(e - en) <= BLEND_FWHM * fwhm_kev
    if near.sum() < 3:
        return None
    low = float(smooth[near].min())
    return float(np.interp(en, e, smooth)) - low, low


def _line_beside_escape(e, smooth, p: Peak, expected: float, fwhm, n_sigma) -> Peak | None:
    """The line blended with an escape peak of `expected` height, or None (the escape alone).

    A blend's apex lies off the escape's place (its parent's apex less 1.740 keV) by more than
    ESCAPE_SHIFT_FWHM, at the heights' weighted mean of the two positions (closer than a FWHM):
    the rest of the peak is a line where that mean puts it (cobalt violet in chalk: the blend at
    1.97 keV, the escape at 1.95, the line at 2.00, P K-alpha 2.01). A parent without an apex of
    its own (on a flank) tells nothing."""
    from ..physics.detector import SI_KA

    rest = p.prominence - expected
    if rest < n_sigma * np.sqrt(max(p.height, 1.0)):
        return None
    win = np.flatnonzero(np.abs(e - (p.energy + SI_KA)) <= fwhm(p.energy + SI_KA))
    if len(win) < 3:
        return None
    k = int(win[np.argmax(smooth[win])])
    if k in (win[0], win[-1]):
        return None
    escape = _apex(e, smooth, k) - SI_KA
    if abs(p.energy - escape) <= ESCAPE_SHIFT_FWHM * fwhm(p.energy):
        return None
    return Peak(float(escape + (p.energy - escape) * p.prominence / rest), p.height, float(rest))


def _weighted_median(x: list[float], w: list[float]) -> float:
    order = np.argsort(x)
    cum = np.cumsum(np.asarray(w, dtype=np.float64)[order])
    return float(np.asarray(x)[order][np.searchsorted(cum, cum[-1] / 2)])


def calibration_warning(offsets: list[float], strong_unexplained: int, shifts=((), ())) -> str:
    """A sentence for the user when the peaks contradict the energy calibration, else "".

    offsets: (peak - tabulated line) / FWHM of every line the suggested elements were matched
    by; their median beyond CALIBRATION_WARN_FWHM says the axis is shifted. shifts: (peak - line
    in keV, significance) of the K-alpha and L-alpha peaks; their weighted median beyond
    SHIFT_WARN_KEV says so too. strong_unexplained: strong peaks (STRONG_SIGMA) that no line of
    a suggested element, the anode (nor its Compton band) or the air explains, counted where they
    are as many as the explained ones or more; two or more say the axis matches few lines (a 1 %
    gain error left no element)."""
    med = float(np.median(offsets)) if len(offsets) >= 2 else 0.0
    shift = _weighted_median(*shifts) if len(shifts[0]) >= 2 else 0.0
    if abs(med) > CALIBRATION_WARN_FWHM:
        why = f"the matched peaks sit a median {abs(med):.2f} FWHM {_side(med)}"
    elif abs(shift) > SHIFT_WARN_KEV:
        why = f"the strongest matched peaks sit a median {abs(shift) * 1000:.0f} eV {_side(shift)}"
    elif strong_unexplained >= 2:
        why = f"{strong_unexplained} of the strongest peaks match no suggested element's X-ray line"
    else:
        return ""
    return (
        f"{why}: the energy calibration looks off, so suggested elements may be missing or wrong; "
        "check it against a known line"
    )


def _side(offset: float) -> str:
    return f"{'above' if offset > 0 else 'below'} their X-ray lines"


@cache
def _scattered_weight(o: Line) -> float:
    """A tube K line's radiative rate as it scatters (_suggest's tube_line_can_be): a family's
    (K-alpha, K-beta) as element_lines sums it, a transition's with those at its energy."""
    if o.family in ("Ka", "Kb") and o in element_lines(o.element):
        return o.weight
    return sum(t.weight for t in transition_lines(o.element) if abs(t.energy - o.energy) < 0.002)


def _line_near(symbol: str, energies, reach: float, family: str = "") -> bool:
    """Has `symbol` a transition of weight at least LINE_WEIGHT_MIN, of a family whose name
    starts with `family` ("L", "Lb", "M"; "": any), within `reach` keV of one of `energies`? The
    test of _l_lines_on_k, _l_beta_on and _suggest's tube_l_explains, k_on_l_fit and k_beyond_m."""
    return any(
        t.family.startswith(family) and t.weight >= LINE_WEIGHT_MIN and abs(t.energy - en) <= reach
        for t in transition_lines(symbol)
        for en in energies
    )


@lru_cache(maxsize=4096)
def _l_lines_on_k(sym: str, reach: float, elements: tuple) -> tuple[str, ...]:
    """The `elements` (not `sym`) with an L transition (weight at least 0.05) within `reach` keV
    of one of `sym`'s K-alpha transitions (_suggest's k_on_l_fit): xraylib data and the detector
    width alone, so the ~500 survey spectra of a scan share one answer."""
    ka = [k.energy for k in transition_lines(sym) if k.family == "Ka"]
    return tuple(s for s in elements if s != sym and _line_near(s, ka, reach, "L"))


@lru_cache(maxsize=4096)
def _l_beta_on(energy: float, reach: float, elements: tuple) -> frozenset[str]:
    """The `elements` with an L-beta transition (weight at least 0.05) within `reach` keV of
    `energy` (_suggest's l_family_explains), shared by a scan's spectra as _l_lines_on_k."""
    return frozenset(s for s in elements if _line_near(s, (energy,), reach, "Lb"))


@lru_cache(maxsize=1 << 14)
def _family_on_k(
    sym: str, s: str, shell: str, reach: float, fwhm_mn_ev: float
) -> tuple[bool, bool]:
    """(an L-beta of `s`'s `shell` family lies within L_BETA_ON_K_FWHM of one of `sym`'s K-alpha
    transitions, a line of it within `reach` keV of one): _suggest's blend_explains asks both of
    every element for every spectrum, shared by a scan's spectra as _l_lines_on_k. Lines of
    weight at least LINE_WEIGHT_MIN."""
    ka = [k.energy for k in transition_lines(sym) if k.family == "Ka"]
    lines = [t for t in transition_lines(s) if t.family[0] == shell and t.weight >= LINE_WEIGHT_MIN]
    l_beta = any(
        t.family == "Lb" and abs(t.energy - k) <= L_BETA_ON_K_FWHM * _fwhm(k, fwhm_mn_ev)
        for t in lines
        for k in ka
    )
    return l_beta, any(abs(t.energy - k) <= reach for t in lines for k in ka)


def suggest_elements(
    energy,
    spectrum,
    *,
    anode: str | None = None,
    fwhm_mn_ev: float = DEFAULT_FWHM_MN_EV,
    elements=PAINTING_ELEMENTS,
    n_sigma: float = N_SIGMA,
    tolerance_fwhm: float = TOLERANCE_FWHM,
    confirmed_only: bool = False,
    kv: float | None = None,
    optic_cutoff_kev: float | None = None,
    atmosphere: str | None = None,
) -> Suggestions:
    """Elements whose lines match peaks of the (sum) spectrum, strongest evidence first, with a
    warning where the strongest peaks sit off their lines (calibration_warning).

    energy: channel centres (keV); anode: the tube's anode element (ignored); elements: the
    symbols looked for (in any order: the answer is the same); tolerance_fwhm: how
    far (in FWHM at that energy) a peak may sit from the tabulated line (calibration error);
    confirmed_only: drop elements seen through a single line (for many small spectra, where chance
    peaks add up); kv: the tube voltage, if known (K lines it cannot excite are not looked for).
    optic_cutoff_kev: the energy where a polycapillary lens passes half (None: a collimator);
    atmosphere: the beam path's gas, "air" (None), "helium" or "vacuum". With the anode and kV
    they say how strong an element's K lines are beside its L lines (line_height_ratio) and what
    share of K-alpha the detector sees of K-beta (_detected_share).
    """
    return _suggest_each(
        energy,
        [spectrum],
        anode=anode,
        fwhm_mn_ev=fwhm_mn_ev,
        elements=elements,
        n_sigma=n_sigma,
        tolerance_fwhm=tolerance_fwhm,
        confirmed_only=confirmed_only,
        kv=kv,
        optic_cutoff_kev=optic_cutoff_kev,
        atmosphere=atmosphere,
    )[0]


def _suggest_each(energy, spectra, **kw) -> list[Suggestions]:
    """suggest_elements of each spectrum on one energy axis: their peaks first, then the escape
    probabilities of them all in one call (_escape_probabilities), then the elements
    (_iter_suggest_each, drained)."""
    from ..progress import run_to_end

    return run_to_end(_iter_suggest_each(energy, spectra, **kw))


def _iter_suggest_each(
    energy,
    spectra,
    *,
    anode: str | None = None,
    fwhm_mn_ev: float = DEFAULT_FWHM_MN_EV,
    elements=PAINTING_ELEMENTS,
    n_sigma: float = N_SIGMA,
    tolerance_fwhm: float = TOLERANCE_FWHM,
    confirmed_only: bool = False,
    kv: float | None = None,
    optic_cutoff_kev: float | None = None,
    atmosphere: str | None = None,
):
    """_suggest_each as a progress generator, returning its list: a (done, 2 * len(spectra))
    after each spectrum's peaks and each one's elements (7-10 ms a spectrum), where a job's stop is
    read (suggest_for_cube's tiles and groups: 2-3 s in all for 322 spectra, on which a
    closed dock's survey went on)."""
    e = np.asarray(energy, dtype=np.float64)
    fwhm_mn_ev = float(fwhm_mn_ev)  # a cache key below: np.array(140.0) is not hashable
    n = len(spectra)
    found = []
    for spectrum in spectra:
        found.append(_spectrum_peaks(e, spectrum, fwhm_mn_ev, n_sigma))
        yield len(found), 2 * n
    escapes = _escape_probabilities(e, [f[2] for f in found if f is not None])
    kw = {
        "anode": anode,
        "fwhm_mn_ev": fwhm_mn_ev,
        "elements": tuple(elements),  # iterated for each spectrum
        "n_sigma": n_sigma,
        "tolerance_fwhm": tolerance_fwhm,
        "confirmed_only": confirmed_only,
        "kv": kv,
        "optic_cutoff_kev": optic_cutoff_kev,
        "atmosphere": atmosphere,
    }
    out = []
    for f in found:
        out.append(Suggestions() if f is None else _suggest(e, *f, escapes, **kw))
        yield n + len(out), 2 * n
    return out


def _spectrum_peaks(e, spectrum, fwhm_mn_ev: float, n_sigma: float):
    """(spectrum as float64, smoothed, its peaks) or None where it has no peak."""
    spec = np.asarray(spectrum, dtype=np.float64)
    if e.shape != spec.shape or e.ndim != 1:
        raise ValueError(
            f"energy and spectrum must be 1-D of equal length, got {e.shape} and {spec.shape}"
        )
    if len(spec) < 5 or not np.isfinite(spec).all():
        return None
    smooth = _smoothed(e, spec, fwhm_mn_ev)  # once: the peak search and suggest_elements' tests
    peaks = _peaks(e, spec, smooth, fwhm_mn_ev, n_sigma)
    return (spec, smooth, peaks) if peaks else None


def _suggest(
    e,
    spec,
    smooth,
    peaks: list[Peak],
    escapes: dict,
    *,
    anode,
    fwhm_mn_ev,
    elements,
    n_sigma,
    tolerance_fwhm,
    confirmed_only,
    kv,
    optic_cutoff_kev,
    atmosphere,
) -> Suggestions:
    """suggest_elements of one spectrum given its peaks (_spectrum_peaks)."""
    e_lo, e_hi = float(e[0]), float(e[-1])
    # K edges above this: the tube barely excites those K lines (the axis end where kV is unknown)
    k_excited = min(e_hi, kv / K_OVERVOLTAGE) if kv else e_hi

    def fwhm(en):
        return _fwhm(en, fwhm_mn_ev)

    peaks = _without_escapes(e, smooth, peaks, fwhm, escapes, n_sigma)
    out = Suggestions()
    if not peaks:
        return out
    pe = np.array([p.energy for p in peaks])
    air_lines = [ln for s in AIR_ELEMENTS for ln in element_lines(s) if e_lo <= ln.energy <= e_hi]

    # every line the tests below may ask for, matched at once (one call per line took a fifth
    # of the time); others (elements of a caller's own) one by one
    table, widths = _line_table(elements, anode, fwhm_mn_ev)
    d = np.abs(pe[None, :] - table[:, None])
    nearest = d.argmin(axis=1)
    ok = d[np.arange(len(table)), nearest] <= tolerance_fwhm * widths
    matched = dict(zip(table.tolist(), np.where(ok, nearest, -1).tolist()))

    def match(ln: Line) -> int | None:
        j = matched.get(ln.energy)
        if j is None:
            d = np.abs(pe - ln.energy)
            j = int(np.argmin(d))
            return j if d[j] <= tolerance_fwhm * fwhm(ln.energy) else None
        return j if j >= 0 else None

    def detectable(height: float, en: float) -> bool:
        return line_detectable(e, spec, height, en, n_sigma)

    def hidden(height: float, en: float) -> bool:
        """Could a line of this net height hide at energy en (no apex of its own)? The spectrum
        there stands at least BLEND_SHARE of it above its lowest point within BLEND_FWHM: a
        neighbour's stronger peak or its flank holds it (Fe K-beta 7.06 keV on Co K-alpha 6.93,
        Co K-beta on Ni K-alpha, K K-beta on Ca K-alpha, Sr K-beta on the Compton peak). The
        lowest point is raised by one Poisson deviation: the minimum of noisy channels lies
        below the continuum."""
        net = _net_height(e, smooth, en, fwhm(en))
        return net is not None and net[0] - np.sqrt(max(net[1], 1.0)) >= BLEND_SHARE * height

    def air_explains(ln: Line) -> int | None:
        """The peak this air line explains, if any. A K-beta's only beside its K-alpha's peak and
        no stronger than K_BETA_SLACK times its share of it: a stronger one is another element's
        line (Cd L-alpha 3.13 keV within the tolerance of Ar K-beta 3.19: cadmium yellow on a
        0-20 keV axis, or under a tube too weak for its K lines, was never suggested)."""
        j = match(ln)
        if j is None or ln.family != "Kb":
            return j
        ka = element_line(ln.element, "Ka")
        ja = match(ka) if ka is not None and e_lo <= ka.energy <= e_hi else None
        if ja is None or ja == j:
            return None
        share = ln.weight / ka.weight
        return j if peaks[j].prominence <= K_BETA_SLACK * share * peaks[ja].prominence else None

    air_peaks = {j for j in map(air_explains, air_lines) if j is not None}

    def supported_beside_air(j1: int, ln2: Line | None) -> bool:
        """Is the element's confirming line a peak of its own, at a share of the first line's
        peak (which air explains) that air's own lines do not give?"""
        if ln2 is None or not e_lo <= ln2.energy <= e_hi:
            return False
        j2 = match(ln2)
        if j2 is None or j2 == j1:
            return False
        share = peaks[j2].prominence / peaks[j1].prominence
        return AIR_CONFIRM_RATIO <= share <= K_BETA_SLACK * L_BETA_RATIO

    scatter_tubes = (anode,) if anode else SCATTER_ANODES
    excited = (anode, kv, optic_cutoff_kev, atmosphere)  # _counted_lines's tube

    @cache
    def tube_k_main(tube_el: str) -> float | None:
        """Height of the tube's K-alpha scatter peak (its prominence, else the spectrum's net
        height there), or None where its K-alpha lies off the axis (nothing to weigh by)."""
        ka = element_line(tube_el, "Ka")
        if ka is None or not e_lo <= ka.energy <= e_hi:
            return None
        jm = match(ka)
        if jm is not None:
            return peaks[jm].prominence
        net = _net_height(e, smooth, ka.energy, fwhm(ka.energy))
        return None if net is None else max(net[0], 0.0)

    def tube_line_can_be(j: int, o: Line) -> bool:
        """Can the tube's scattered K line `o` be peak j? Not where the peak stands over
        K_BETA_SLACK times o's share of the tube's K-alpha (xraylib's radiative rates, the lines
        at o's energy together) of that K-alpha's scatter peak: Rh K-beta2 (23.17 keV, 3 % of Rh
        K-alpha) lies on Cd K-alpha1 (23.17) and its apex nearer than Cd K-alpha's mean (23.11),
        so cadmium's K-alpha peak, as tall as Rh K-alpha's under the M6's optic, was the tube's
        and cadmium dropped in 78 of 240 cadmium pairs (benchmarks/bench_element_suggestion.py)."""
        if o.element not in scatter_tubes or o.family[0] != "K":
            return True
        main = tube_k_main(o.element)
        if main is None:
            return True
        ka = lines_by_family(o.element)["Ka"]
        return peaks[j].prominence <= K_BETA_SLACK * _scattered_weight(o) / ka.weight * main

    def closer_line(j: int, ln: Line, lines) -> bool:
        """Peak j lies nearer one of `lines` than the line `ln` it was matched to (a scattered
        tube K line only where it can be that peak: tube_line_can_be)."""
        x = float(pe[j])  # a Python float: the same sums, without numpy's per-scalar cost
        d = abs(x - ln.energy)
        return any(abs(x - o.energy) < d and tube_line_can_be(j, o) for o in lines)

    tube_lines = [*element_lines(anode), *transition_lines(anode)] if anode else []

    def l_family_explains(sym: str, j1: int, ln1: Line) -> bool:
        """Is the K-alpha peak j1 of `sym` (its K-beta no peak of its own) another element's
        L-beta line, one the K-alpha coincides with (L_BETA_ON_K_FWHM), that element's L-alpha a
        peak of its own (no air's or the tube's line nearer), and the K line's share of the peak
        short of L_FAMILY_EXCESS of what that L family puts there (_k_beyond_l)? Cadmium
        under the M6's optic often goes unsuggested (its K lines too weak), so its L-beta1 (3.32
        keV) was potassium's K-alpha (3.31), K-beta hidden in chalk's Ca K-alpha."""
        reach = L_BETA_ON_K_FWHM * fwhm(ln1.energy)  # L-beta on the K-alpha line
        l_beta_on = _l_beta_on(ln1.energy, reach, elements)
        for other in elements:
            if other not in l_beta_on or other in (sym, anode):
                continue
            la = element_line(other, "La")
            if la is None or not e_lo <= la.energy <= e_hi:
                continue
            jx = match(la)
            if jx is None or jx == j1 or jx in air_peaks:
                continue
            if closer_line(jx, la, tube_lines):
                continue  # the tube's line (W L-beta1 9.67 keV on Au L-alpha 9.71)
            got = _k_beyond_l(
                e, spec, sym, other, la.energy, ln1.energy, fwhm_mn_ev, n_sigma, excited
            )
            if got is not None and not got[0]:  # nothing to fit: kept, as before
                return True
        return tube_l_explains(sym, ln1)

    def k_under_l_beta(sym: str, ln1: Line) -> float | None:
        """The K lines' fitted height where `sym`'s K-alpha (no apex of its own, or a peak its
        K-beta does not confirm) lies on another element's L-beta (L_BETA_ON_K_FWHM), that
        element's L-alpha a peak (no air's or the tube's line nearer), and a fit of both
        (_k_beyond_l, the L template as the known tube excites it) leaves the K lines n_sigma and
        L_FAMILY_EXCESS_TUBE of the L family's height there; else None. Potassium's K-alpha
        (3.31 keV) on cadmium's L-beta1 (3.32), between Cd L-alpha's peak (3.13) and chalk's Ca
        K-alpha (3.69), shows no apex under a 175 eV detector: 30 % of green earth beside
        cadmium red lost its potassium. Only where no other peak lies within the fit's span, and
        not for confirmed_only (a fit, not two lines: the ~500 tiles and groups of a survey gave
        selenium on a W tube's lines 4 times in 735 cubes)."""
        if confirmed_only:
            return None
        reach = L_BETA_ON_K_FWHM * fwhm(ln1.energy)
        for other in _l_beta_on(ln1.energy, reach, elements):
            la = element_line(other, "La")
            if other in (sym, anode) or la is None or not e_lo <= la.energy <= e_hi:
                continue
            if _tube_shapes(excited, other) is None:
                return None  # the tube unknown: the 20 keV template cannot tell (L_FAMILY_EXCESS)
            jx = match(la)
            if jx is None or jx in air_peaks or closer_line(jx, la, tube_lines):
                continue
            # the two shapes alone: no other peak within the fit's span (Pb L-alpha, 10.55 keV,
            # between Hg L-alpha and Br K-alpha on Hg L-beta2, 11.92: the samples read bromine)
            lo = min(la.energy - fwhm(la.energy), ln1.energy - fwhm(ln1.energy))
            hi = max(la.energy + fwhm(la.energy), ln1.energy + fwhm(ln1.energy))
            if any(lo <= x <= hi and j not in (jx, match(ln1)) for j, x in enumerate(pe)):
                continue
            got = _k_beyond_l(
                e, spec, sym, other, la.energy, ln1.energy, fwhm_mn_ev, n_sigma, excited
            )
            if got is not None and got[0]:
                return got[1]
        return None

    tube_unsure: dict[str, Line] = {}
    tube_k_own: set[str] = set()  # K lines that tube_l_explains's fit counted beside the tube's

    def tube_l_explains(sym: str, ln1: Line) -> bool:
        """Is the K-alpha peak of `sym` the known anode's L lines, scattered by the object (a
        tube L transition within the tolerance of the K-alpha line), the K lines short of what
        TUBE_L_SIGMA asks of a fit of both shapes over both of the anode's main L lines
        (_joint_k_fit)? A Mo tube's L-alpha (2.29 keV) and L-beta1 (2.39), under one FWHM apart,
        blend into a peak whose apex sits on S K-alpha (2.31): sulfur in Mo-tube scans of paints
        without it. L-beta1 is what tells the two shapes apart, so the window holds its whole
        peak. It is dropped only where the fit leaves the K lines no more than noise
        (TUBE_L_NOISE) and could have shown them; else `sym` stays and goes to tube_unsure (the
        warning)."""
        la = element_line(anode, "La") if anode else None
        if la is None or not e_lo <= la.energy <= e_hi:
            return False
        reach = tolerance_fwhm * fwhm(ln1.energy)
        if not _line_near(anode, (ln1.energy,), reach, "L"):
            return False
        # the lighter elements confirmed so far pinned by their own lines where they reach the
        # window: Scheele's green's As K-beta (11.73 keV) left out gave Se -15 deviations and a
        # fitted peak below nothing, so the fit could not tell and Se stayed (viridian beside it)
        others = [s for s in confirmed if s != sym]
        fit = _joint_k_fit(e, spec, sym, [(anode, "L")], others, ln1.energy, fwhm_mn_ev, [0.0])
        if fit is not None and _k_counts(fit, min(n_sigma, TUBE_L_SIGMA)):
            tube_k_own.add(sym)
            return False
        if _others_peak(fit, n_sigma, TUBE_L_NOISE):
            return True
        tube_unsure[sym] = ln1  # the fit cannot tell: kept, with a warning (tube_l_note)
        return False

    def k_lines_unseen(sym: str, lines: Mapping[str, Line]) -> bool:
        """Through a polycapillary lens, is the element's L-alpha the taller line and would its
        K-alpha, at the height its L-alpha peak implies, stand under detection (`detectable`)?
        The implied height is the least the instrument gives (line_height_ratio: a thin layer,
        where nothing absorbs the L lines more than the K lines), so its absence says little: the
        lens passes little above 20 keV, where cadmium's K edge (26.7 keV) wants its photons, and
        15 % of a cadmium pigment beside lead white or vermilion showed Cd L-alpha (3.13 keV) 5-30
        sigma and no K-alpha at all on the M6 (60 of 240 cadmium pairs lost their Cd). Needs the
        tube's anode and kV; an L-alpha on an air line's peak says nothing. Not for a collimator:
        a thin layer's floor is 4-10 times under the paints' K over L, and L-alpha peaks of other
        elements' lines (Sb on K K-beta and Ca K-alpha, Ag and Cd on Sn L-l) gave 9 false
        suggestions in 1722 pigment-pair spectra under a W tube at 35 kV."""
        la, ka = lines.get("La"), lines["Ka"]
        if optic_cutoff_kev is None or la is None or not e_lo <= la.energy <= e_hi:
            return False
        jl = match(la)
        if jl is None or jl in air_peaks:
            return False
        r = line_height_ratio(sym, "Ka", "La", anode, kv, optic_cutoff_kev, atmosphere, fwhm_mn_ev)
        # K-alpha taller than L-alpha even so (As: 1.9 through the M6's lens): K-alpha is the
        # strongest line, and its absence rejects as before (vermilion's Hg L lines hid a K-alpha
        # that a 36-count peak at As L-alpha, green earth's Mg K-alpha, implied: false As)
        return r is not None and r < 1.0 and not detectable(r * peaks[jl].prominence, ka.energy)

    confirmed: dict[str, tuple[float, list[tuple[int, Line]]]] = {}  # (peak, line) matched
    single: dict[str, tuple[float, int, Line]] = {}
    half: dict[str, tuple[float, int, Line]] = {}  # K-alpha seen, K-beta under another's line
    blended: set[str] = set()  # of those, the ones whose K-beta has no apex at all (hidden)
    by_l: set[str] = set()  # read by their L lines: K lines unexcited or beyond the axis
    # K-alpha off every peak, its K-beta unresolvable, a peak within one FWHM: (that peak, line)
    # (k_beyond_m: the blend of S K-alpha and Hg M-alpha peaks beyond the tolerance of both)
    off_peak: dict[str, tuple[int, Line]] = {}
    # L-alpha off every peak, its L-beta resolvable and a peak: (that peak, L-beta, L-alpha)
    l_off: dict[str, tuple[int, Line, Line]] = {}
    for sym in elements:
        if anode and sym == anode:
            continue
        lines = lines_by_family(sym)
        for first, second in _SHELL_PAIRS:
            ln1 = lines.get(first)
            if ln1 is None or not e_lo <= ln1.energy <= e_hi:
                if first == "Ka" and ln1 is not None and ln1.energy > e_hi and k_lines_usable(sym):
                    by_l.add(sym)  # K lines beyond the axis (Sb on a 0-20 keV one): L lines decide
                continue
            if first == "Ka" and not k_lines_usable(sym):
                # a 40-50 kV tube hardly excites these K lines (Ba's edge: 37.4 keV); judged by
                # them, barium on a 40 keV axis was absent (blanc fixe read Ca, S, Sr): its L
                # lines decide, as they are what its map uses (elements.main_line)
                continue
            j1 = match(ln1)
            if j1 is None:
                if first == "Ka" and (k_edge(sym) > k_excited or k_lines_unseen(sym, lines)):
                    # K edge above the axis: the tube the axis was set for barely excites these
                    # K lines (Cd K-alpha 23.1, Sb 26.3 keV on the 26.6 keV canonical axis, a
                    # 20 keV optic), nor above kV / K_OVERVOLTAGE (a 28 kV tube on a 0-41 keV
                    # axis lost lead-tin yellow's tin), nor through a lens that passes little
                    # above its K edge (k_lines_unseen): no K-alpha peak says little, L lines decide
                    by_l.add(sym)
                    continue
                if first == "Ka" and (k_height := k_under_l_beta(sym, ln1)) is not None:
                    confirmed[sym] = (k_height, [(None, ln1)])
                    break
                kb = lines.get("Kb") if first == "Ka" else None
                if kb is not None and abs(kb.energy - ln1.energy) <= RESOLVABLE_FWHM * fwhm(
                    ln1.energy
                ):
                    jn = int(np.argmin(np.abs(pe - ln1.energy)))
                    if abs(pe[jn] - ln1.energy) <= fwhm(ln1.energy):
                        off_peak[sym] = (jn, ln1)
                lb = lines.get("Lb") if first == "La" else None
                jb = match(lb) if lb is not None and e_lo <= lb.energy <= e_hi else None
                if jb is not None and abs(lb.energy - ln1.energy) > RESOLVABLE_FWHM * fwhm(
                    ln1.energy
                ):
                    l_off[sym] = (jb, lb, ln1)
                break  # the strongest line in range is absent: not this element
            ln2 = lines.get(second) if second else None
            if j1 in air_peaks:  # e.g. Ag L-alpha on Ar K-alpha: argon unless L-beta says silver
                if supported_beside_air(j1, ln2):
                    confirmed[sym] = (peaks[j1].prominence, [(j1, ln1), (match(ln2), ln2)])
                break
            resolvable = (
                ln2 is not None
                and e_lo <= ln2.energy <= e_hi
                and abs(ln2.energy - ln1.energy) > RESOLVABLE_FWHM * fwhm(ln1.energy)
            )
            if resolvable:
                ratio = ln2.weight / ln1.weight if first == "Ka" else L_BETA_RATIO
                j2 = match(ln2)
                too_strong = (
                    j2 is not None
                    and first == "Ka"
                    and peaks[j2].prominence > K_BETA_SLACK * ratio * peaks[j1].prominence
                )
                # a K-beta missing is judged at its share as counted: 450 um of silicon sees less
                # of Cd K-beta (26.2 keV) than of K-alpha (23.1), 0.15 of it not 0.21 (the cap on
                # a too strong one keeps the share as emitted). On the M6, 0.21 x a 9 sigma Cd
                # K-alpha stood just above detection, no peak there: cadmium rejected in 32 of 240
                # cadmium pairs (benchmarks/bench_element_suggestion.py --pairs)
                if first == "Ka":
                    ratio *= _detected_share(ln2.energy, ln1.energy, atmosphere)
                if j2 is not None and j2 != j1 and not too_strong:
                    confirmed[sym] = (peaks[j1].prominence, [(j1, ln1), (j2, ln2)])
                elif first == "Ka" and l_family_explains(sym, j1, ln1):
                    pass  # no K-beta of its own, its K-alpha another's L-beta: K on Cd L-beta1
                elif too_strong:  # its K-beta may hide under that line: K-alpha must be its own
                    half[sym] = (peaks[j1].prominence, j1, ln1)
                elif first == "Ka" and (own := k_under_l_beta(sym, ln1)) is not None:
                    # the peak mostly another's L-beta: K-beta judged at the K lines' fitted share
                    # (cadmium's L-beta1 made potassium's K-beta look missing under a Mo tube)
                    if not detectable(ratio * own, ln2.energy) or hidden(ratio * own, ln2.energy):
                        confirmed[sym] = (own, [(None, ln1)])
                elif not detectable(ratio * peaks[j1].prominence, ln2.energy):
                    single[sym] = (peaks[j1].prominence, j1, ln1)
                elif hidden(ratio * peaks[j1].prominence, ln2.energy):
                    half[sym] = (peaks[j1].prominence, j1, ln1)  # as under a too-strong line
                    blended.add(sym)
                # else: the confirming line should be visible and is not: reject
            elif not (first == "Ka" and l_family_explains(sym, j1, ln1)):
                single[sym] = (peaks[j1].prominence, j1, ln1)
            break
    # A single-line element is kept unless a confirmed element (or the anode, whose lines scatter
    # off every painting) has a line closer to its peak; one whose K-beta lies under another
    # element's line counts as confirmed when its K-alpha peak is its own by that rule (Se K-beta
    # under Pb L-beta, Mn K-beta under Fe K-alpha), and is dropped when it is not (As K-alpha on
    # Pb L-alpha). The tube's lines count with its transitions apart too, as it scatters them:
    # its L-gamma mean (Rh 3.30 keV) lies between its peaks (3.14, 3.36; K K-alpha 3.31 was
    # nearer that of 3.36 on the 512-channel grid, in lead white: false K). Unknown: a usual
    # anode found.
    tube = [anode] if anode else [s for s in confirmed if s in SCATTER_ANODES]
    # Nor is an element confirmed whose every matched peak lies nearer a line (its weak L-l and
    # L-eta too) of a stronger confirmed element or of the tube: gold's L-alpha (9.71 keV) on a W
    # tube's L-beta1 (9.67) or zinc's K-beta (9.57), its L-beta (11.44) on lead's L-eta (11.35)
    # gave false Au in 3 of 6 generated panels (W and Mo tubes). Strongest first, so two
    # elements never explain each other away.
    kept: list[str] = []
    # two elements of one first peak (As K-alpha and Pb L-alpha) are equally strong: the lighter
    # first, as in PAINTING_ELEMENTS, not the order of a caller's `elements` (a list naming Pb
    # before As kept lead untested below and listed it for orpiment with cadmium red)
    for sym in sorted(confirmed, key=lambda s: (-confirmed[s][0], atomic_number(s))):
        by = [*kept, *tube]
        lines = [ln for s in by for ln in element_lines(s) + minor_lines(s)]
        lines += [ln for s in tube for ln in transition_lines(s)]
        used = [(j, ln) for j, ln in confirmed[sym][1] if j is not None]
        if sym not in tube and used and all(closer_line(j, ln, lines) for j, ln in used):
            del confirmed[sym]
        else:
            kept.append(sym)
    # Nor is an element absent whose L-alpha has no apex of its own, on a stronger line's flank
    # (smalt's 2 % of Bi: L-alpha 10.84 keV, 0.3 keV above As K-alpha), where its L-beta is a
    # peak no other line may be (no line of another element looked for, the tube or the air
    # within the tolerance: Sn L-beta 3.71 keV on chalk's Ca K-alpha 3.69, calcium not yet
    # confirmed, gave tin to lead white with orpiment under a Mo tube) and a fit of every shape
    # there (_joint_k_fit of its L lines beside the K and L lines of the elements found) gives
    # its L lines n_sigma: bismuth was never suggested in smalt.
    if l_off:
        by = list(dict.fromkeys([*kept, *tube, *single]))
        near = [ln for s in (*elements, *tube) for ln in element_lines(s) + minor_lines(s)]
        near += [ln for s in tube for ln in transition_lines(s)] + air_lines
    for sym, (jb, lb, la) in l_off.items():
        x = float(pe[jb])
        if any(
            abs(x - o.energy) <= tolerance_fwhm * fwhm(o.energy) for o in near if o.element != sym
        ):
            continue
        fit = _joint_k_fit(e, spec, sym, [], by, la.energy, fwhm_mn_ev, shell="L")
        if fit is not None and fit[0] > n_sigma:
            confirmed[sym] = (peaks[jb].prominence, [(None, la), (jb, lb)])
            kept.append(sym)
    l_unsure: dict[str, tuple[Line, str] | tuple[Line, str, str]] = {}

    def l_lines_explain(sym: str, ln: Line) -> bool:
        """Is the K-alpha `ln` of `sym` another element's L line it coincides with
        (L_BETA_ON_K_FWHM), its K-beta blended with a confirmed element's line, the K lines no
        more than K_ON_L_SHARE of that L family in a fit of every shape there (_joint_k_fit)?
        As K-alpha 10.53 keV and Pb L-alpha 10.54 lie 9 eV apart, As K-beta 11.73 under Hg
        L-beta 11.82: lead white with vermilion gave As on the apex's coin flip. Where the fit
        cannot tell (above that share, under n_sigma), `sym` stays with a warning (l_unsure)."""
        got = k_on_l_fit(sym, ln)
        if got is None:
            return False
        fit, other = got
        if fit is not None and fit[0] > n_sigma:
            return False
        if _others_peak(fit, n_sigma):
            return True  # no more than the matrix gives, where the fit could have told
        l_unsure[sym] = (ln, other)
        return False

    def blend_explains(sym: str, ln: Line) -> bool:
        """Is the K-alpha `ln` of `sym`, seen alone, blended (within tolerance_fwhm) with a line
        of another element's K family (any element's: its K-alpha pins it, Sr K-alpha hidden in
        vermilion's Hg L-gamma lines) or L family (one suggested, its L-alpha a peak, or the
        tube's), the K lines no more than K_ON_KB_SHARE (K) or K_ON_L_SHARE (L; none of the
        tube's, whose ratios the scatter sets) of that family in a fit of every shape there
        (_joint_k_fit)? Sr K-beta (15.84 keV) on Zr K-alpha (15.78) in chalk's strontium, Ba
        L-alpha (4.47) on Ti K-alpha (4.51), a W tube's L-gamma1 (11.29) on Se K-alpha (11.22,
        _k_beyond_l's two shapes missed Cu K-beta there): the apex decided. An L-beta on the K-alpha
        is l_family_explains's case, a tube already judged tube_l_explains's. Where the fit
        cannot tell, `sym` stays with a warning (l_unsure)."""
        if sym in tube_unsure:
            return False
        reach = tolerance_fwhm * fwhm(ln.energy)
        on = []
        for s in dict.fromkeys([*confirmed, *single, *tube, *elements]):
            for shell in "KL" if s in confirmed or s in single or s in tube else "K":
                first = element_line(s, shell + "a")
                if s == sym or first is None or not e_lo <= first.energy <= e_hi:
                    continue
                l_beta, in_reach = _family_on_k(sym, s, shell, reach, fwhm_mn_ev)
                if shell == "L" and s not in tube and l_beta:
                    continue
                if (s in tube or shell == "K" or match(first) is not None) and in_reach:
                    on.append((s, shell))
        if not on:
            return False
        near = {s for s, _ in on}
        others = [s for s in dict.fromkeys([*confirmed, *single, *tube]) if s not in (sym, *near)]
        shares = [
            0.0 if s in tube else K_ON_KB_SHARE if sh == "K" else K_ON_L_SHARE for s, sh in on
        ]
        fit = _joint_k_fit(e, spec, sym, on, others, ln.energy, fwhm_mn_ev, shares)
        # the tube's lines alone: as tube_l_explains asks (TUBE_L_SIGMA)
        need = min(n_sigma, TUBE_L_SIGMA) if near <= set(tube) else n_sigma
        if fit is None or fit[0] > need or fit[2] <= 0:  # nothing of theirs there: its own
            return False
        if _others_peak(fit, n_sigma):
            return True
        s, sh = on[0]
        l_unsure[sym] = (ln, s, "K-beta" if sh == "K" else "L lines")
        return False

    def k_on_l_fit(sym: str, ln: Line) -> tuple[tuple | None, str] | None:
        """(_joint_k_fit's answer, the first element `on` the K-alpha) where l_lines_explain's
        case holds, else None."""
        reach = L_BETA_ON_K_FWHM * fwhm(ln.energy)
        on = [s for s in _l_lines_on_k(sym, reach, elements) if s not in tube]
        others = [s for s in confirmed if s != sym and s not in on] + list(tube)
        on = [
            s for s in on if (la := element_line(s, "La")) is not None and e_lo <= la.energy <= e_hi
        ]
        kb = element_line(sym, "Kb")
        if not on or kb is None:
            return None
        # its K-beta, where another confirmed element's line lies within one FWHM (a blend),
        # cannot say (one of its own does: lead white or red lead with orpiment keep As whatever
        # Pb L-alpha holds; a W tube's weak scattered L-gamma2,3, 11.61-11.67 keV, do not count)
        if not any(_line_near(s, (kb.energy,), fwhm(kb.energy)) for s in others if s not in tube):
            return None
        return _joint_k_fit(
            e, spec, sym, [(s, "L") for s in on], others, ln.energy, fwhm_mn_ev
        ), on[0]

    # A first peak where the line of an element kept before it coincides (L_BETA_ON_K_FWHM: As
    # K-alpha 10.53 keV, Pb L-alpha 10.54; the stronger, or the first of a shared peak) says
    # nothing of which of the two it is: the later one stays only while one of its other matched
    # peaks is its own, no line of another element still confirmed (or of the tube) nearer. Lead
    # was confirmed by orpiment's As K-alpha and cadmium red's Se K-beta (12.50 keV, Pb L-beta
    # 12.59): 16 false Pb in 1722 pigment-pair spectra under a W tube. The tube's scattered
    # lines count as kept before it: gold's L-alpha (9.70) on a W tube's L-beta family (9.70),
    # its L-beta (11.44) on lead's L-eta (11.35), gave red lead gold through tiles and groups.
    for i, sym in enumerate(kept):
        used = [(j, ln) for j, ln in confirmed[sym][1] if j is not None]
        if sym in tube or len(used) < 2:
            continue
        ln1 = used[0][1]
        reach = L_BETA_ON_K_FWHM * fwhm(ln1.energy)
        before = dict.fromkeys([*(s for s in kept[:i] if s in confirmed), *tube])
        if not any(abs(o.energy - ln1.energy) <= reach for s in before for o in element_lines(s)):
            continue
        others = [s for s in confirmed if s != sym]
        lines = [ln for s in [*others, *tube] for ln in element_lines(s) + minor_lines(s)]
        if all(closer_line(j, ln, lines) for j, ln in used[1:]):
            del confirmed[sym]
    # nor one whose K-alpha lies on another element's L line, its K lines short of their own
    # share in a fit of every shape there (l_lines_explain): the apex cannot say (As, Pb: 9 eV)
    for sym in [s for s in kept if s in confirmed and s not in tube]:
        ln1 = confirmed[sym][1][0][1]
        if ln1.family == "Ka" and l_lines_explain(sym, ln1):
            del confirmed[sym]
    explained_by = list(confirmed) + ([anode] if anode else [])
    confirmed_lines = [ln for s in explained_by for ln in element_lines(s)]
    confirmed_lines += [ln for s in tube for ln in transition_lines(s)]
    # and their weak L-l and L-eta lines (4 % and 2 % of L-alpha): a W tube's L-l (7.39 keV) is
    # no Ni K-alpha (7.48), its K-beta hidden in W L-alpha (9 of 25 pigments on a W 35 kV tube
    # got false Ni), nor mercury's or the tube's 8.72 keV L-l / L-eta Zn K-alpha (8.64) beside
    # vermilion (benchmarks/bench_element_suggestion.py)
    confirmed_lines += [ln for s in explained_by for ln in minor_lines(s)]

    # an L-beta peak over K_BETA_SLACK times its expected share of the L-alpha's is another line's
    # too, as for a K-beta (chalk's Ca K-alpha 3.69 keV on Sn L-beta 3.66-3.71: 1.8-2.1 times Sn
    # L-alpha in lead-tin yellow with a fifth of chalk, 0.31-0.38 in tin pigments alone, 15-40 kV)
    overfull = {
        (s, j)
        for s, (prom, used) in confirmed.items()
        for j, ln in used[1:]
        if ln.family == "Lb"
        and j is not None
        and peaks[j].prominence > K_BETA_SLACK * L_BETA_RATIO * prom
    }

    def near_line(j: int) -> bool:  # a strong line (not a K-beta or L-gamma) within tolerance
        return any(
            abs(pe[j] - o.energy) <= tolerance_fwhm * fwhm(o.energy)
            for o in confirmed_lines
            if o.family in ("Ka", "La", "Lb", "Ma") and (o.element, j) not in overfull
        )

    for sym, (prom, j, ln) in half.items():
        # a hidden confirming line proves less: no strong confirmed line may even be near the
        # first (K K-alpha 3.31 keV on cadmium's L-beta 3.36, its K-beta hidden in Ca K-alpha)
        if closer_line(j, ln, confirmed_lines) or (sym in blended and near_line(j)):
            # unless a fit of every shape there gives it its own share (K_ON_L_SHARE): a fifth
            # of orpiment in vermilion with lead white lost its As at 3,000-10,000 counts a pixel
            got = k_on_l_fit(sym, ln)
            if got is None or got[0] is None or got[0][0] <= n_sigma:
                continue
        elif l_lines_explain(sym, ln):
            continue
        confirmed[sym] = (prom, [(j, ln)])

    def l_gamma_can_be(j: int, o: Line) -> bool:
        """Can the L-gamma line `o` be peak j? Not where the peak stands over K_BETA_SLACK times
        o's share (radiative rates) of its element's L-alpha peak, or that L-alpha is no peak:
        chalk's Sr L-gamma (2.20 keV, 0.12 of Sr L-alpha's rate) on Hg M-alpha took vermilion's
        S K-alpha peak once Sr was suggested by its K lines, its L-alpha (1.81) no peak: S was
        missed in 30 of the 82 vermilion pairs of benchmarks/bench_element_suggestion.py --pairs
        under the W tube, 0 since."""
        if o.family != "Lg":
            return True
        la = element_line(o.element, "La")
        jl = match(la) if la is not None and e_lo <= la.energy <= e_hi else None
        if la is None or jl == j:
            return True
        main = peaks[jl].prominence if jl is not None else 0.0
        return peaks[j].prominence <= K_BETA_SLACK * o.weight / la.weight * main

    def m_or_tube_l(o: Line) -> bool:
        return o.family in ("La", "Lb") if o.element in tube else o.family == "Ma"

    def k_beyond_m(sym: str, j: int, ln: Line) -> bool:
        """Is the K-alpha peak j of `sym`, nearer M lines of confirmed elements (or the tube's
        L lines) than its own line, the K lines' too? A fit of every shape there (_joint_k_fit:
        the M families of those elements and of those with an M line within one FWHM of the
        K-alpha, the tube's L family too where one of its lines is) must leave them n_sigma and
        L_FAMILY_EXCESS of those families' height at K-alpha (_k_counts). S K-alpha (2.31 keV),
        Hg M-alpha (2.20) and M-beta (2.28) make one peak between them: vermilion never had its
        sulfur suggested. Forward model, lead pigments over chalk (Rh, W and Mo tubes): Pb M
        lines alone leave S under 0 noise-free, under n_sigma at 100-10,000 counts a pixel;
        vermilion gives S 0.24-1.2 of Hg M's height, chrome yellow's 3 % of S 0.06-0.13 of Pb's
        (lost: under the template's error, until M_FAMILY_EXCESS_TUBE's fit, where S K-alpha
        and Pb M-alpha lie too near for the apex test)."""
        x = float(pe[j])
        # (the tube's lines under LINE_WEIGHT_MIN aside: Rh L-l, 2.38 keV, beside Pb M-alpha)
        nearer = [
            o
            for o in confirmed_lines
            if abs(x - o.energy) < abs(x - ln.energy)
            and tube_line_can_be(j, o)
            and (o.element not in tube or o.weight >= LINE_WEIGHT_MIN)
            and l_gamma_can_be(j, o)
        ]
        # nothing nearer but M-alpha lines and the tube's L-alpha and L-beta (a W tube's L-l,
        # 7.39 keV, on Ni K-alpha, 7.48, is no M line: nickel stays dropped)
        if ln.family != "Ka" or not nearer or not all(map(m_or_tube_l, nearer)):
            return False
        reach = fwhm(ln.energy)
        on = [
            (s, "L" if s in tube else "M")
            for s in explained_by
            if any(o.element == s for o in nearer)
            or _line_near(s, (ln.energy,), reach, "L" if s in tube else "M")
        ]
        if not any(shell == "M" for _, shell in on):
            return False
        # the tube known: the M templates as it excites them (its own scattered L lines keep
        # xraylib's: _joint_k_fit); vermilion's S then 0.47-0.82 of Hg M's and a Mo tube's L
        # lines' height, 0.32-0.89 with the 20 keV M templates (Mo 45 kV lost it; forward model,
        # noise-free, Rh 40, W 35, Mo 20-45 kV). M families alone, each M-alpha
        # nearer within half an FWHM of the K line (the apex cannot tell them apart): the fit
        # decides, at M_FAMILY_EXCESS_TUBE
        shapes = _tube_shapes(excited, *(s for s, sh in on if sh == "M"))
        known = (
            shapes is not None
            and all(sh == "M" for _, sh in on)
            and all(
                abs(o.energy - ln.energy) <= 0.5 * fwhm(ln.energy)
                for o in nearer
                if o.family == "Ma"
            )
        )
        # else the apex pulled off each M-alpha towards the K line by over L_APEX_FWHM (an M
        # family's M-beta pulls it the other way where the K line lies below: smalt's Bi M-alpha
        # 2.42 keV, 0.11 above S K-alpha, read as sulfur beside the escape of Ca K-beta, 2.27)
        if not known and any(
            (x - o.energy) * np.sign(ln.energy - o.energy) <= L_APEX_FWHM * fwhm(o.energy)
            for o in nearer
            if o.family == "Ma"
        ):
            return False
        fit = _joint_k_fit(
            e, spec, sym, on, [], ln.energy, fwhm_mn_ev, [0.0] * len(on), tube=shapes
        )
        share = M_FAMILY_EXCESS_TUBE if known else L_FAMILY_EXCESS
        return fit is not None and _k_counts(fit, n_sigma, share)

    for sym, (j, ln) in off_peak.items():
        if closer_line(j, ln, confirmed_lines):  # k_beyond_m decides below
            single[sym] = (peaks[j].prominence, j, ln)
    # (the tube's L lines aside where tube_l_explains's fit of both shapes counted the K lines:
    # a W tube's L-gamma1, 11.29 keV, nearer the apex than Se K-alpha, 11.21, dropped the
    # selenium of red lead with 15 % cadmium orange, the fit giving it 54 deviations)
    not_tube_l = [o for o in confirmed_lines if o.element != anode or o.family[0] != "L"]

    def tube_compton(j: int) -> bool:
        """Is peak j within the Compton band of a line (weight >= LINE_WEIGHT_MIN) of the tube,
        that line a peak of its own at least 1 / TUBE_COMPTON_SHARE (~3) times as high?"""
        for o in (t for s in tube for t in transition_lines(s) if t.weight >= LINE_WEIGHT_MIN):
            lo, hi = compton_band(o.energy)
            if not lo <= pe[j] <= hi or not e_lo <= o.energy <= e_hi:
                continue
            jo = match(o)
            if jo is not None and jo != j:
                if peaks[j].prominence <= TUBE_COMPTON_SHARE * peaks[jo].prominence:
                    return True
        return False

    for sym, (_prom, j, ln) in list(single.items()):
        # an air line nearer drops it too: a weak peak at Ar K-beta 3.19 keV that argon's K-alpha
        # does not explain (air_explains) is no Cd L-alpha 3.13 seen alone (Naples yellow, W tube)
        nearer = not_tube_l if sym in tube_k_own else confirmed_lines
        if (
            closer_line(j, ln, air_lines)
            or (closer_line(j, ln, nearer) and not k_beyond_m(sym, j, ln))
            or tube_compton(j)
        ):
            del single[sym]
    # One L peak of an element whose K lines went unseen is another's K line there, which that
    # element's absence would have rejected, unless the apex says otherwise (L_APEX_FWHM): Mo
    # L-alpha 2.29 keV on S K-alpha 2.31, Br 1.48 on Al 1.49, Zr 2.04 on P 2.01 (a tube of 10-21
    # kV, a 0-20 keV axis), Sb 3.60 on Ca 3.69 (the 26.6 keV axis)
    k_peaks = [(j, ln) for _, used in confirmed.values() for j, ln in used if ln.family[0] == "K"]
    k_peaks += [(j, ln) for _, j, ln in single.values() if ln.family == "Ka"]

    # (a single one too: lead-tin yellow's Sn, its L-beta in that peak, is seen by its L-alpha)
    others = [ln for s in [*explained_by, *single] for ln in transition_lines(s)]

    def k_line_holds(sym: str, j: int, ln: Line) -> bool:
        shift = L_APEX_FWHM * fwhm(ln.energy)

        def cut(k: Line) -> float:  # L_APEX_FREE_FWHM where nothing else pulls the apex
            side = np.sign(ln.energy - k.energy)
            pulled = any(
                0 < (o.energy - k.energy) * side <= 1.5 * fwhm(k.energy)
                for o in others
                if o.element not in (sym, k.element) and o.weight >= LINE_WEIGHT_MIN
            )
            apart = abs(k.energy - ln.energy) >= 0.5 * fwhm(ln.energy)
            return shift if pulled or not apart else L_APEX_FREE_FWHM * fwhm(ln.energy)

        return any(
            abs(k.energy - ln.energy) <= 2 * shift  # the lines coincide
            or (k.energy - pe[j]) * np.sign(k.energy - ln.energy) <= cut(k)  # not pulled to ln
            for jk, k in k_peaks
            if jk == j
        )

    for sym in by_l & single.keys():
        if k_line_holds(sym, *single[sym][1:]):
            del single[sym]
    # Nor is it where a line of an element still suggested lies between the K line and its own, the
    # apex not past that line: two lines' blend peaks between them, so the K line and that line
    # alone put it there (Sn L-beta1 3.66 keV between Ca K-alpha 3.69 and Sb L-alpha 3.60: lead-tin
    # yellow over chalk at 10-15 kV, 175 eV, gave Sb, its apex 0.11-0.13 FWHM off Ca). Forward
    # model: tin pigments with or without chalk, 150-175 eV, 10-25 kV, three axes: the apex 0.045
    # FWHM short of Sn L-beta1 at the most (360 spectra); with 20-30 % Naples yellow past it. Those
    # dropped above do not count (Br L-alpha 1.48 keV on Al K-alpha 1.49 lies between it and Se
    # L-alpha 1.38: cadmium red's Se).
    between = [ln for s in [*explained_by, *single] for ln in transition_lines(s)]

    def line_between(sym: str, j: int, ln: Line) -> bool:
        return any(
            0 < (o.energy - k.energy) * np.sign(ln.energy - k.energy) < abs(ln.energy - k.energy)
            and (pe[j] - o.energy) * np.sign(ln.energy - k.energy) <= 0
            for jk, k in k_peaks
            if jk == j
            for o in between
            if o.element not in (sym, k.element) and o.weight >= LINE_WEIGHT_MIN
        )

    for sym in [s for s in by_l & single.keys() if line_between(s, *single[s][1:])]:
        del single[sym]
    # nor a K-alpha seen alone whose peak a blended line of another's (Sr K-beta on Zr K-alpha)
    # or the tube's may be, its K lines short of their own share in a fit (blend_explains)
    for sym, (_prom, _j, ln) in list(single.items()):
        if ln.family == "Ka" and blend_explains(sym, ln):
            del single[sym]
    if confirmed_only:
        single.clear()
    ranked = [(prom, s) for s, (prom, _) in confirmed.items()] + [
        (p, s) for s, (p, _, _) in single.items()
    ]
    out.extend(s for _, s in sorted(ranked, key=lambda t: -t[0]))
    # the calibration check: offsets from the lines the peaks were matched by (not each peak's
    # nearest line of its element: Al, Si K-alpha 48 eV high sit nearer their K-beta, and
    # synthetic ultramarine's median came out -0.19 FWHM, no warning), strong peaks unexplained
    used = [
        (j, ln)
        for sym in out
        for j, ln in (confirmed[sym][1] if sym in confirmed else [single[sym][1:]])
        if j is not None
    ]
    offsets = [(pe[j] - ln.energy) / fwhm(ln.energy) for j, ln in used]
    tubes = [anode] if anode else list(SCATTER_ANODES)  # unknown: any usual anode's scatter
    known = [ln for sym in list(out) + tubes for ln in element_lines(sym)]
    shifts: tuple[list[float], list[float]] = ([], [])
    for j in sorted({j for j, _ in used}):
        ln = min(known, key=lambda ln, j=j: abs(ln.energy - pe[j]))
        if ln.family in ("Ka", "La") and ln.element not in tubes:
            shifts[0].append(pe[j] - ln.energy)
            shifts[1].append(peaks[j].prominence / np.sqrt(max(peaks[j].height, 1.0)))
    # a suggested element's transitions explain their peaks apart from the families' means (Hg
    # L-gamma1 13.83 keV, 1 FWHM below the family's 14.04 on 512 channels), as do its L-l and
    # L-eta: vermilion on the sample scanner's grid warned of 4 such peaks, a true axis
    own = [ln for sym in out for ln in transition_lines(sym) + minor_lines(sym)]
    # (any air line's peak: argon is no miscalibration, whoever owns the peak)
    explained = {m for m in map(match, air_lines + known + own) if m is not None}
    # Compton scatter is strong only for the tube's K lines: an L band (W L 6.4-11.5 keV) hid Zn;
    # it lies between the line's backscatter energy and the line (tube_guess.compton_band): a
    # fixed 2 keV band hid a Cr tube's Ca and Ti K peaks, a Cu tube's Fe, from this count (42
    # pigments on chalk, 11 wrong axes each: Cu tube 761 of 924 warned, now 795; Cr 762, 785)
    compton = [
        (compton_band(ln.energy)[0], ln.energy)
        for ln in known
        if ln.element in tubes and ln.family in ("Ka", "Kb")
    ]
    strong = [
        j
        for j, p in enumerate(peaks)
        if p.prominence >= STRONG_SIGMA * np.sqrt(max(p.height, 1.0))
        and not any(lo <= p.energy <= hi for lo, hi in compton)
    ]
    unexplained = [j for j in strong if j not in explained]
    lost = len(unexplained) >= len(strong) - len(unexplained)
    out.warning = calibration_warning(offsets, len(unexplained) if lost else 0, shifts)
    unsure = {sym: ln for sym, ln in tube_unsure.items() if sym in out}
    if unsure:
        out.warning = "; ".join(w for w in (out.warning, tube_l_note(unsure, anode)) if w)
    out.unsure = tuple((sym, l_line_note(sym, *l_unsure[sym])) for sym in out if sym in l_unsure)
    out.warning = "; ".join(w for w in (out.warning, *(n for _, n in out.unsure)) if w)
    return out


def tube_l_note(unsure: dict[str, Line], anode: str) -> str:
    """The warning for elements kept on a K-alpha peak the tube's scattered L lines may be
    (_suggest's tube_l_explains, the fit unable to tell): "S K-alpha (2.31 keV) lies on ..."."""
    said = ", ".join(f"{sym} K-alpha ({ln.energy:.2f} keV)" for sym, ln in unsure.items())
    one = len(unsure) == 1
    return (
        f"{said} {'lies' if one else 'lie'} on the {anode} tube's L lines, scattered by the "
        f"object, and the spectrum cannot tell {'it' if one else 'them'} apart: "
        f"{', '.join(unsure)} may be only the tube's"
    )


def l_line_note(sym: str, ln: Line, other: str, lines: str = "L lines") -> str:
    """The warning for an element kept on a K-alpha peak another's L lines (or K-beta) may be
    (_suggest's l_lines_explain and blend_explains, the fit unable to tell)."""
    return (
        f"{sym} K-alpha ({ln.energy:.2f} keV) lies on {other}'s {lines} and the spectrum cannot "
        f"tell them apart: {sym} may be only {other}'s"
    )


@lru_cache(maxsize=8)
def _efficiency(atmosphere: str | None) -> np.ndarray:
    """The detector's efficiency on the fine grid (physics.spectrum.detection_efficiency: the
    InstrumentProfile defaults' windows, 450 um of silicon, its gas path), read-only."""
    from ..physics.instrument import InstrumentProfile
    from ..physics.spectrum import detection_efficiency

    eff = detection_efficiency(InstrumentProfile(atmosphere=atmosphere or "air"))
    eff.setflags(write=False)
    return eff


@lru_cache(maxsize=1024)
def _detected_share(e2: float, e1: float, atmosphere: str | None) -> float:
    """The detector's efficiency at e2 over that at e1 (keV): a line's share of another as
    counted, beside its share as emitted."""
    from ..physics.xsec import fine_energy

    eff = np.interp([e2, e1], fine_energy(), _efficiency(atmosphere))
    return float(eff[0] / eff[1]) if eff[1] > 0 else 1.0


@lru_cache(maxsize=256)
def _counted_lines(
    sym: str,
    anode: str | None,
    kv: float | None,
    optic_cutoff_kev: float | None,
    atmosphere: str | None,
) -> tuple[tuple[str, ...], np.ndarray, np.ndarray] | None:
    """(line names, energies keV, counts per line) of an element in a thin layer under this tube
    (anode, kV), optic (a polycapillary lens's cut-off, None: a collimator) and gas, as the
    detector counts them (physics.spectrum.excitation, xraylib's line cross sections with
    cascades, the detector's efficiency); None where the anode or kV is unknown (or outside the
    tube model's), or the element has no line."""
    from ..physics.instrument import InstrumentProfile
    from ..physics.spectrum import excitation
    from ..physics.tube import ANODES, KV_MAX, KV_MIN
    from ..physics.xsec import element_fluorescence, fine_energy

    if anode not in ANODES or kv is None or not KV_MIN <= kv <= KV_MAX:
        return None
    p = InstrumentProfile(
        anode=anode,
        kv=float(kv),
        atmosphere=atmosphere or "air",
        optic="collimator" if optic_cutoff_kev is None else "polycapillary",
        optic_cutoff_kev=optic_cutoff_kev,
    )
    names, energies, sigma = element_fluorescence(sym)
    if not names:
        return None
    counted = (sigma @ excitation(p)) * np.interp(
        energies, fine_energy(), _efficiency(p.atmosphere)
    )
    counted.setflags(write=False)
    return tuple(names), energies, counted


def _tube_shapes(tube: tuple, *symbols: str) -> tuple | None:
    """`tube` (_counted_lines's anode, kV, optic, gas) where the tube model gives each of
    `symbols` its lines, so that their templates follow the tube's excitation (_shell_template);
    else None: xraylib's 20 keV ratios, and the looser test that goes with them."""
    return tube if all(_counted_lines(s, *tube) is not None for s in symbols) else None


@lru_cache(maxsize=1024)
def line_height_ratio(
    sym: str,
    upper: str,
    lower: str,
    anode: str | None,
    kv: float | None,
    optic_cutoff_kev: float | None,
    atmosphere: str | None,
    fwhm_mn_ev: float,
) -> float | None:
    """Height of an element's `upper` peak (its K-alpha, "Ka") per height of its `lower` peak
    (its L-alpha, "La"; L-alpha over M-alpha: "La", "Ma") in a thin layer under this tube
    (anode, kV), optic (a polycapillary lens's cut-off, None: a collimator) and gas, as the
    detector counts them: the forward model's parts (physics.spectrum.excitation: the tube's
    spectrum, gas and optic; xraylib's line cross sections with cascades; the detector's
    efficiency), each line a Gaussian of the detector's FWHM, all the shell's lines summed. A thin
    layer is the least ratio: in a thick one the paint absorbs the lower lines (L lines at 3-4
    keV, M lines at 2-3) far more than the upper ones. None where the anode or kV is unknown (or
    outside the tube model's) or the element lacks either line."""
    got = _counted_lines(sym, anode, kv, optic_cutoff_kev, atmosphere)
    if got is None:
        return None
    names, energies, counted = got
    lines = lines_by_family(sym)
    heights = []
    for fam in (upper, lower):
        ln = lines.get(fam)
        pick = np.array([n.startswith(fam[0]) for n in names])
        if ln is None or not pick.any():
            return None
        w = _fwhm(ln.energy, fwhm_mn_ev)
        x = np.linspace(ln.energy - w, ln.energy + w, 201)  # the apex lies within a FWHM
        # each line's counts spread over its Gaussian: its height is counts / sigma
        y = _template(
            x,
            [
                (en, c / (_fwhm(en, fwhm_mn_ev) / 2.3548))
                for en, c in zip(energies[pick], counted[pick])
            ],
            fwhm_mn_ev,
        )
        heights.append(float(np.max(y)))
    return heights[0] / heights[1] if heights[1] > 0 else None


@lru_cache(maxsize=256)
def _shell_transitions(
    symbol: str, shell: str, tube: tuple | None = None
) -> tuple[tuple[float, float], ...]:
    """(energy keV, relative intensity) of an element's K or L transitions the forward model
    draws, at analysis.maps.EXCITATION_KEV (xraylib, cascades included); under `tube` (anode,
    kV, optic cut-off, gas: _counted_lines's), as that tube excites them and the detector counts
    them, where the tube model knows it: the L subshells' shares follow the tube's spectrum."""
    from .maps import element_transitions

    got = _counted_lines(symbol, *tube) if tube is not None else None
    if got is not None:
        names, energies, counted = got
        return tuple(
            (float(en), float(c))
            for n, en, c in zip(names, energies, counted)
            if n.startswith(shell) and c > 0
        )

    return tuple(
        (en, cs) for en, cs, fam in element_transitions(symbol, 0.5, 40.0) if fam[0] == shell
    )


def _template(e: np.ndarray, lines, fwhm_mn_ev: float) -> np.ndarray:
    out = np.zeros_like(e)
    for en, cs in lines:
        s = _fwhm(en, fwhm_mn_ev) / 2.3548
        out += cs * np.exp(-0.5 * ((e - en) / s) ** 2)
    return out


@lru_cache(maxsize=1024)
def _shell_template(
    x: bytes, symbol: str, shell: str, fwhm_mn_ev: float, tube: tuple | None = None
) -> np.ndarray:
    """_template of an element's K or L transitions (_shell_transitions) on the energies `x`
    (float64 bytes), read-only: _joint_k_fit asks for the same shapes on the same window of a
    scan's axis for each of its ~500 survey spectra."""
    t = _template(np.frombuffer(x), _shell_transitions(symbol, shell, tube), fwhm_mn_ev)
    t.setflags(write=False)
    return t


@lru_cache(maxsize=256)
def _main_lines(symbol: str, shell: str) -> tuple[float, ...]:
    """Energies of an element's K or L transitions of at least 0.15 of its strongest (the
    window _joint_k_fit spans)."""
    lines = _shell_transitions(symbol, shell)
    top = max((c for _, c in lines), default=0)
    return tuple(en for en, cs in lines if cs >= 0.15 * top)


def _k_beyond_l(
    e,
    spec,
    sym: str,
    other: str,
    la_kev: float,
    ka_kev: float,
    fwhm_mn_ev: float,
    n_sigma: float,
    tube: tuple,
) -> tuple[bool, float] | None:
    """Does the spectrum hold `sym`'s K lines beyond what `other`'s L family puts at its K-alpha?
    (that answer, the K lines' fitted height there), or None with nothing to fit (too few
    channels, a singular fit).

    A _joint_k_fit of `sym`'s K lines against `other`'s L lines alone (one template, so its
    L-alpha peak pins its L-beta's height), over the channels from its L-alpha less one FWHM to
    `sym`'s K-alpha plus one FWHM. The K lines count where their fitted height at K-alpha is
    n_sigma above its deviation and at least L_FAMILY_EXCESS_TUBE of the L family's there, the
    template's ratios as `tube` (_counted_lines's anode, kV, optic, gas) excites them; where the
    tube model cannot tell, xraylib's thin-target 20 keV ratios and L_FAMILY_EXCESS (excitation
    and absorption put them off by up to a quarter)."""
    tube = _tube_shapes(tube, other)
    fit = _joint_k_fit(
        e,
        spec,
        sym,
        [(other, "L")],
        [],
        ka_kev,
        fwhm_mn_ev,
        [0.0],
        span=(la_kev, ka_kev),
        tube=tube,
    )
    if fit is None:
        return None
    share = L_FAMILY_EXCESS if tube is None else L_FAMILY_EXCESS_TUBE
    return _k_counts(fit, n_sigma, share), fit[1]


def _k_counts(
    fit: tuple[float, float, float, float], n_sigma: float, share: float = L_FAMILY_EXCESS
) -> bool:
    k_sigma, k_height, l_height, _ = fit
    return bool(k_sigma > n_sigma and k_height >= share * max(l_height, 0.0))


def _others_peak(
    fit: tuple[float, float, float, float] | None, n_sigma: float, noise: float = 0.0
) -> bool:
    """Is the peak the lines' on the K-alpha (_joint_k_fit's answer): the fit leaves the K lines
    nothing (`noise` deviations at most) and could have shown them at n_sigma were the peak all
    theirs? One rule for tube_l_explains (noise TUBE_L_NOISE), l_lines_explain and
    blend_explains."""
    return fit is not None and fit[0] <= noise and fit[3] >= n_sigma


def _joint_k_fit(
    e,
    spec,
    sym: str,
    on: list[tuple[str, str]],
    others: list[str],
    ka_kev: float,
    fwhm_mn_ev: float,
    shares: list[float] | None = None,
    span: tuple[float, float] | None = None,
    shell: str = "K",
    tube: tuple | None = None,
) -> tuple[float, float, float, float] | None:
    """A weighted least-squares fit of every shape there: `sym`'s K lines (its `shell`'s: "L"
    for an L-alpha on a neighbour's flank, _suggest's l_off), the (element, shell)
    families `on` its K-alpha (one template each, xraylib's ratios: Pb L-beta 12.61 keV pins Pb
    L-alpha's height under As K-alpha, Sr K-alpha Sr K-beta's under Zr K-alpha) and the K and L
    lines of `others` that reach the window (Hg L-beta under As K-beta), over `sym`'s K lines and
    the main lines of those on it (or the two energies of `span`), each widened by one FWHM, with
    a straight continuum; `tube` (_shell_transitions's) for the templates of `on`. Returns (the
    K lines' height at K-alpha less `shares` (each
    K_ON_L_SHARE unless given) of the heights of `on` there, in its deviations; those two
    heights; the whole fitted peak there in deviations of the K height: were it all theirs, how
    many sigma), or None with nothing to fit by."""
    if span:
        ends = list(span)
    else:
        ends = [
            ka_kev,
            *_main_lines(sym, shell),
            *(en for s, sh in on for en in _main_lines(s, sh)),
        ]
    lo, hi = min(ends), max(ends)
    # and the L lines of others there, so their heights are pinned (Hg L-alpha 9.99 keV for its
    # L-beta under As K-beta: without it the fit gave As half of lead white with vermilion)
    for s in others:
        own = _main_lines(s, "L")
        if any(lo <= en <= hi for en in own):
            ends += own
    lo = min(ends) - _fwhm(min(ends), fwhm_mn_ev)
    hi = max(ends) + _fwhm(max(ends), fwhm_mn_ev)
    win = (e >= lo) & (e <= hi)
    if win.sum() < (6 if span else 8):  # a span's two shapes and continuum: four unknowns
        return None
    x, y = e[win], spec[win]
    xb = np.ascontiguousarray(x, dtype=np.float64).tobytes()
    kt = _shell_template(xb, sym, shell, fwhm_mn_ev)
    # (the anode's own lines are scattered, not excited by it: xraylib's ratios)
    lts = [
        _shell_template(xb, s, sh, fwhm_mn_ev, None if tube and s == tube[0] else tube)
        for s, sh in on
    ]
    rest = [
        t
        for s in others
        for shell in "KL"
        if (t := _shell_template(xb, s, shell, fwhm_mn_ev)).max() > 0
    ]
    shapes = [kt, *lts, *rest]
    if any(t.max() <= 0 for t in shapes[: 1 + len(lts)]):
        return None
    scale = [t.max() for t in shapes]
    a = np.stack([t / m for t, m in zip(shapes, scale)] + [np.ones_like(x), x - x.mean()], axis=1)
    w = 1.0 / np.sqrt(np.maximum(y, 1.0))
    aw = a * w[:, None]
    coef, *_ = np.linalg.lstsq(aw, y * w, rcond=None)
    try:
        cov = np.linalg.inv(aw.T @ aw)
    except np.linalg.LinAlgError:
        return None
    at = [float(np.interp(ka_kev, x, t)) / m for t, m in zip(shapes, scale)]
    # the K height less `shares` of the heights of `on` at K-alpha, and its deviation
    g = np.zeros(len(coef))
    g[0] = at[0]
    shares = shares or [K_ON_L_SHARE] * len(lts)
    g[1 : 1 + len(lts)] = [-f * v for f, v in zip(shares, at[1 : 1 + len(lts)])]
    sd = float(np.sqrt(max(float(g @ cov @ g), 0.0)))
    sd_k = float(np.sqrt(max(float(cov[0, 0]), 0.0))) * at[0]
    k_height = coef[0] * at[0]
    l_height = sum(coef[i] * at[i] for i in range(1, 1 + len(lts)))
    excess = float(g @ coef)
    if sd <= 0 or sd_k <= 0:
        return (np.inf if excess > 0 else -np.inf), float(k_height), float(l_height), np.inf
    return excess / sd, float(k_height), float(l_height), float((k_height + l_height) / sd_k)


@lru_cache(maxsize=64)
def _line_table(elements: tuple, anode: str | None, fwhm_mn_ev: float):
    """(energies, FWHM at each): the lines suggest_elements matches peaks with, of the elements,
    the air, the anode and the usual anodes (families, transitions and minor lines)."""
    syms = dict.fromkeys((*elements, *AIR_ELEMENTS, *SCATTER_ANODES, *([anode] if anode else [])))
    energies = sorted(
        {ln.energy for s in syms for ln in element_lines(s) + transition_lines(s) + minor_lines(s)}
    )
    table = np.array(energies, dtype=np.float64)
    widths = np.array([_fwhm(en, fwhm_mn_ev) for en in energies], dtype=np.float64)
    table.setflags(write=False)
    widths.setflags(write=False)
    return table, widths


#: suggest_for_cube takes the survey's spectra in runs of this many (_suggest_each).
SUGGEST_RUN = 128

#: count_step reads the rows counts_per_pixel reads (pooling.spread_rows: a few rows tell a
#: cube's scale) and looks at no more than this many of their spectra for a step of their own.
STEP_PIXELS = 2000
#: A value v lies on the step s when v / s is within this of a whole number, for v / s up to
#: STEP_MAX_COUNTS (float32 keeps 24 bits: 20000 counts over one scale are off by < 0.005).
STEP_TOLERANCE = 0.02
STEP_MAX_COUNTS = 20000
#: Values looked at for one scale over the cube (evenly strided): np.unique sorts them.
STEP_VALUES = 1_000_000
#: Share of the distinct values tested that must lie on it (and at least STEP_MIN_VALUES).
STEP_SHARE = 0.99
STEP_MIN_VALUES = 10
#: A step is tried as the smallest value over 1..STEP_DIVISORS: the smallest value a spectrum
#: holds may be 2 or 3 counts (a rich spectrum with no channel of one count).
STEP_DIVISORS = 4


def _on_step(values: np.ndarray, step: float) -> bool:
    """Do the positive `values` lie on whole multiples of `step` (STEP_SHARE of the distinct
    ones tested)? Distinct: a constant baseline (smoothed data's floor) is one value, not 99 % of
    them."""
    r = np.unique(values) / step
    r = r[r <= STEP_MAX_COUNTS]
    if len(r) < STEP_MIN_VALUES:
        return False
    return float(np.mean(np.abs(r - np.rint(r)) <= STEP_TOLERANCE)) >= STEP_SHARE


def _step_of(values: np.ndarray) -> float | None:
    """The count step of positive values (their smallest over 1..STEP_DIVISORS), or None."""
    values = np.unique(values)
    least = float(values[0])
    for d in range(1, STEP_DIVISORS + 1):
        if _on_step(values, least / d):
            return least / d
    return None


def count_step(cube) -> float | None:
    """What one count is in the cube's values: 1.0 for counts (integers, or whole-numbered
    floats), the step their values are whole multiples of for counts rescaled (a cube divided by
    its maximum or sum: float32 in 0..1), the median of the spectra's own steps for spectra each
    rescaled (divided by their own sum, or their live time); None when the values are on no step
    (not counts: smoothed, background-subtracted, fitted).

    Why: the peak tests count in Poisson deviations (N_SIGMA), so a spectrum in other units
    reads as far less (0..1: no peak at all, no suggestion, and no word why) or far more
    significant than its counts are. Reads pooling.SAMPLE_ROWS rows, keeps STEP_PIXELS spectra
    of them."""
    if _is_whole_type(cube.dtype):
        return 1.0
    h, w, c = cube.shape
    ys = spread_rows(h)
    xs = step_columns(w, len(ys))
    flat = np.concatenate(
        [np.asarray(cube.read_rows(slice(y, y + 1))[0, xs], dtype=np.float64) for y in ys]
    )
    return step_of_spectra(cube.dtype, flat)


def _is_whole_type(dtype) -> bool:
    dtype = np.dtype(dtype)
    return bool(np.issubdtype(dtype, np.integer) or dtype.kind == "b")


def step_columns(w: int, n_rows: int) -> np.ndarray:
    """The columns count_step keeps of each of `n_rows` rows read: at most STEP_PIXELS spectra
    in all, kept as each row is read (16 whole rows of a wide 4096-channel float cube were
    0.5 GB, twice that as float64)."""
    return np.unique(np.linspace(0, w - 1, min(w, -(-STEP_PIXELS // n_rows))).round().astype(int))


def step_of_spectra(dtype, flat: np.ndarray) -> float | None:
    """count_step's answer from spectra (N, C) float64 of a cube of `dtype` (the rows
    spread_rows picks, the columns step_columns keeps): one_material_latent reads those rows
    for its mean spectrum too and asks this, not count_step, so they are read once."""
    if _is_whole_type(dtype):
        return 1.0
    if not np.isfinite(flat).all() or (flat < 0).any():
        return None  # counts are never negative (a background-subtracted cube)
    positive = flat[flat > 0]
    if positive.size == 0:
        return 1.0  # no counts in the rows read: nothing to rescale
    sample = positive[:: max(1, positive.size // STEP_VALUES)]
    whole = _step_of(sample)  # one scale over the cube
    if whole is not None:
        return 1.0 if abs(whole - 1.0) <= 1e-6 else whole
    if np.array_equal(sample, np.rint(sample)):
        # whole numbers, too few distinct to test a step (a sparse scan stored as float: 0.5
        # counts a channel holds 1..6): counts. Such a float32 scan had been called not counts
        # (a false warning, and automatic K without its noise reference)
        return 1.0
    rows = flat[(flat > 0).any(axis=1)]
    steps = [_step_of(r[r > 0]) for r in rows]
    found = [s for s in steps if s is not None]
    # spectra with few positive values say nothing either way (too few to test)
    tested = [
        s
        for s, r in zip(steps, rows)
        if s is not None or len(np.unique(r[r > 0])) >= STEP_MIN_VALUES
    ]
    if found and len(found) >= STEP_SHARE * len(tested):
        return float(np.median(found))
    return None


#: Suggestions' warning for a float cube whose values are not counts (count_step None).
NOT_COUNTS_WARNING = (
    "the scan's values are not X-ray counts (nor counts times one scale): the suggestions "
    "weigh peaks against counting noise and may miss or invent elements"
)


def suggestion_instrument(
    cube,
    anode: str | None = None,
    kv: float | None = None,
    optic: str | None = None,
    atmosphere: str | None = None,
) -> dict:
    """{"anode", "kv", "optic_cutoff_kev", "atmosphere"} suggest_for_cube reads of `cube` under
    the user's choice, over the file's: two choices that give the same suggest the same (Elemental
    maps tell from it whether their maps, whose overlaps count the suggestion, still hold)."""
    from ..physics.instrument import excitation_from_metadata

    return {
        "anode": named_anode(cube.metadata, anode),  # its symbol; else the file's, or read_cube's
        "kv": kv if kv is not None else kv_from_metadata(cube.metadata),
        **excitation_from_metadata(cube.metadata, optic, atmosphere),  # the pigment fit's words
    }


def _offset(steps, start: int, total: int):
    """A progress generator's steps as (start + done, total); returns its result."""
    while True:
        try:
            done, _ = next(steps)
        except StopIteration as end:
            return end.value
        yield start + done, total


def suggest_for_cube(cube, spectrum=None, tiles=None, **instrument) -> Suggestions:
    """iter_suggest_for_cube, drained (the CLIs; scripts)."""
    from ..progress import run_to_end

    return run_to_end(iter_suggest_for_cube(cube, spectrum, tiles, **instrument))


def iter_suggest_for_cube(
    cube,
    spectrum=None,
    tiles=None,
    *,
    anode: str | None = None,
    kv: float | None = None,
    optic: str | None = None,
    atmosphere: str | None = None,
):
    """suggest_elements with the cube's energy axis, detector FWHM, anode, tube voltage,
    excitation optic and beam-path gas from its metadata; `anode`, `kv`, `optic` ("collimator" or
    "lens", physics.instrument.OPTICS) and `atmosphere` (ATMOSPHERES), where given, replace the
    file's (quicklook's --anode, --kv, --optic, --atmosphere): an M6's .rpl export names none of
    them, and cadmium, tin and antimony are judged by their L lines only under a lens whose tube
    (anode and kV) is known.

    spectrum: the sum spectrum (read from the cube if None). tiles: optional (..., C) sum spectra
    of tiles, and of groups of similar cells (analysis.spectra.iter_survey(groups=True)); elements
    confirmed by two lines in any of them are added after those of the sum spectrum (pigments used
    in small areas). The warning is the sum spectrum's, and says so when the values are not
    counts. Spectra of a cube whose values are counts rescaled are taken back to counts first
    (count_step: a cube divided by its maximum or sum is read as the counts it was). With no
    anode known, the usual anodes found go to `tube`, not the list (Suggestions).

    A progress generator returning the Suggestions: a (done, total) after each tile spectrum's
    step (_iter_suggest_each), so that a job stops between two (a survey's 322 spectra took 2-3
    s, in which a closed dock's survey went on).
    """
    if cube.calibration.source == "none":
        return Suggestions()
    if spectrum is None:
        spectrum = cube.sum_spectrum()
    # in counts: a cube divided by its maximum (float32 in 0..1) had no peak significant and got
    # no suggestion, silently (count_step)
    step = count_step(cube)
    if step is not None and step != 1.0:
        spectrum = np.asarray(spectrum, dtype=np.float64) / step
    kw = {
        "fwhm_mn_ev": fwhm_from_metadata(cube.metadata) or DEFAULT_FWHM_MN_EV,
        **suggestion_instrument(cube, anode, kv, optic, atmosphere),
    }
    if kw["anode"]:  # named as the tube where it names no element, as plan_for_cube does
        kw["anode"] = tube_symbol(kw["anode"], bool(anode))
    if tiles is not None:
        tiles = np.asarray(tiles)
        tiles = tiles.reshape(-1, tiles.shape[-1])
    total = 1 + (0 if tiles is None else 2 * len(tiles))  # the sum spectrum, then each tile's
    yield 0, total
    found = suggest_elements(cube.energy, spectrum, **kw)
    yield 1, total
    if tiles is not None:
        # in runs (_suggest_each: one escape-probability call a run), each run's float64 copies
        # and smoothed spectra held at once: 8 MB at 4096 channels
        for a in range(0, len(tiles), SUGGEST_RUN):
            run = tiles[a : a + SUGGEST_RUN]
            if step is not None and step != 1.0:
                run = run / step
            steps = _iter_suggest_each(cube.energy, run, confirmed_only=True, **kw)
            each_run = yield from _offset(steps, 1 + 2 * a, total)
            for each in each_run:
                for sym in each:
                    if sym not in found:
                        found.append(sym)
                        notes = [n for s, n in each.unsure if s == sym]
                        found.warning = "; ".join(w for w in (found.warning, *notes) if w)
    if step is None:
        found.warning = "; ".join(w for w in (found.warning, NOT_COUNTS_WARNING) if w)
    if not kw["anode"]:  # a usual anode's lines then may be the tube's scatter (Suggestions.tube)
        found.tube = tuple(s for s in found if s in SCATTER_ANODES)
        found[:] = [s for s in found if s not in found.tube]
        # none named: a usual anode the calibration read off the scan's scattered tube lines, a
        # tube found as the suggestion's own peaks find one (the real PyMca .mca: no Mo peak
        # read, quicklook's "tube unknown" beside info's "Mo (read from ... tube lines)")
        seen = known_anode(cube.metadata)
        seen = seen if seen in SCATTER_ANODES else None
        if seen and seen not in found.tube:
            found.tube += (seen,)
        found.tube_read = seen or ""
    return found
