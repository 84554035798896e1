"""Element-line features: the physically anchored input the recolouriser reads beside the latent.

The 3-D DVE latent is learnt on one generator's instruments; where it squeezes two pigments
together (cadmium yellow beside lead white, cobalt blue beside an umber) no decoder can tell their
colours apart, and on an instrument it never saw the latent drifts. The element lines do not: Cd
K-alpha means cadmium whatever the tube. So each pixel also gets, per element of FEATURE_ELEMENTS,
its net line counts (analysis/maps.py: windowed peak minus linear background, least-squares fits
where lines overlap, all linear in the spectrum) on the canonical grid the embedder already
streams (one fixed matrix for every scan). They are made instrument- and count-free by taking each
element's share of the pixel's summed line counts, square-rooted (a 5 % Cd share in a lead-white
tint stays visible: sqrt -> 0.22). What remains instrument-dependent (relative excitation of K and
L lines, anode lines) is what the generator's instrument randomisation covers.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

#: Elements whose lines name paint families (pigments.csv), mapped on the canonical grid.
FEATURE_ELEMENTS = (
    "S",
    "K",
    "Ca",
    "Ti",
    "Cr",
    "Mn",
    "Fe",
    "Co",
    "Cu",
    "Zn",
    "As",
    "Se",
    "Sr",
    "Cd",
    "Sn",
    "Sb",
    "Ba",
    "Hg",
    "Pb",
)
#: Net line counts added to a pixel's line total before taking shares, so that a pixel with a
#: handful of line counts (100-count scans, bare scatter) gets small features, not loud noise.
COUNT_FLOOR = 4.0
#: How many standard deviations of its counting noise an element's net line counts, summed over
#: the whole scan, must reach for its line to be there (`quiet_elements`). Flat Poisson noise
#: gives each element's sum a z about N(0, 1) (at most 2.8 over the 19 elements of a 1 x 5 px
#: scan of 33,000 counts a pixel); the weakest element present anywhere in the bundled samples
#: and the real files reaches 23 (the panel's S), every other element present 70 or more.
SIGNIFICANCE = 5.0
#: Beyond the whole scan's sum, an element's line is there where a single pixel's net line counts
#: reach sqrt(2 ln(pixels x elements)) + PIXEL_MARGIN standard deviations of that pixel's noise
#: (the largest of that many standard normal draws stays near the square root; 6.0 for the 19
#: elements of 1 x 5 px, 9.2 for 4000 x 4000 px). The whole-scan sum alone missed a line on a
#: small area: its side windows read every other pixel's lines (the Hg L-alpha window reads -0.64
#: counts a pixel of the sample painting's lead), so 100 of the painting's vermilion pixels, Hg
#: about 10 sigma in each, summed to -3.2 sigma over its 128 x 128 px and Hg was "not there".
PIXEL_MARGIN = 3.0


@dataclass(frozen=True)
class LineFeatures:
    """How to turn canonical-grid counts into line features for one scan."""

    elements: tuple[str, ...]
    weights: np.ndarray  # (512, n_elements) float32: net line counts = canonical @ weights

    def __call__(self, canonical: np.ndarray) -> np.ndarray:
        """(N, 512) canonical counts -> (N, n_elements) float32 features in [0, 1].

        The product runs in torch, the embedder's thread pool: numpy's BLAS threads, spinning after
        each call beside torch's, made the whole embedding pass 2x slower on 2 cores."""
        import torch

        x = torch.from_numpy(np.ascontiguousarray(canonical, dtype=np.float32))
        net = (x @ torch.from_numpy(self.weights)).numpy()
        return shares(net)


class CountedFeatures:
    """A LineFeatures that also sums the canonical counts it is given (iter_embed's features=),
    so that one pass over the scan gives the features, the scan's total spectrum and each
    element's largest per-pixel significance, from which `quiet` says which elements' lines are
    not there at all."""

    def __init__(self, features: LineFeatures):
        import torch

        self.features = features
        self.elements = features.elements
        self.total = np.zeros(features.weights.shape[0], dtype=np.float64)
        self.pixels = 0
        #: per element, the largest net / sd of its line counts in one pixel (quiet_elements)
        self.peak_z = np.full(len(features.elements), -np.inf)
        w = np.asarray(features.weights, dtype=np.float32)
        # each element's weights, then their squares: its net line counts and their variance
        self._both = torch.from_numpy(np.ascontiguousarray(np.concatenate([w, w * w], axis=1)))

    def __call__(self, canonical: np.ndarray) -> np.ndarray:
        """The features (LineFeatures' shares of the same net line counts, in one product with
        their variances, in torch as LineFeatures' own), the counts summed meanwhile."""
        import torch

        # summed in float64 as it goes: a float64 copy of the block first took 128 MiB more and
        # 130 ms a 32,768-pixel block (a sixth of its embedding) in recolour's pass
        self.total += np.asarray(canonical).sum(axis=0, dtype=np.float64)
        n = len(self.elements)
        x = torch.from_numpy(np.ascontiguousarray(canonical, dtype=np.float32))
        out = (x @ self._both).numpy()
        net = np.ascontiguousarray(out[:, :n])
        if len(net):
            sd = np.sqrt(np.maximum(out[:, n:], 1.0))  # at least 1 count
            np.maximum(self.peak_z, (net / sd).max(axis=0), out=self.peak_z)
            self.pixels += len(net)
        return shares(net)

    def quiet(self) -> frozenset[str]:
        """The elements whose lines do not stand out of the counting noise in what was summed,
        nor in any one pixel."""
        return quiet_elements(self.features, self.total, peak_z=self.peak_z, pixels=self.pixels)


def quiet_elements(
    features: LineFeatures,
    total: np.ndarray,
    z: float = SIGNIFICANCE,
    peak_z: np.ndarray | None = None,
    pixels: int = 0,
) -> frozenset[str]:
    """Elements of `features` whose net line counts in the (512,) summed canonical spectrum
    `total` are below `z` standard deviations of their Poisson noise (variance: the counts
    weighted by the squared weights), and, given `peak_z` (CountedFeatures: each element's
    largest per-pixel significance over `pixels` pixels), in no pixel above PIXEL_MARGIN plus
    what the largest of that many noise draws reaches. The features are shares of the line
    counts, so on a scan without any line (pure noise, bare scatter) noise alone made some
    element reach ambiguity.PRESENT_FEATURE in every pixel, and "the element lines name the
    colour family everywhere" was said of a scan of flat noise."""
    w = np.asarray(features.weights, dtype=np.float64)
    t = np.clip(np.asarray(total, dtype=np.float64), 0.0, None)
    net = t @ w
    sd = np.sqrt(t @ (w * w))
    loud = net > z * np.maximum(sd, 1.0)  # at least z counts where there is no noise at all
    if peak_z is not None and pixels > 0:
        draws = max(2, pixels * len(features.elements))
        loud |= np.asarray(peak_z) > np.sqrt(2.0 * np.log(draws)) + PIXEL_MARGIN
    return frozenset(e for e, ok in zip(features.elements, loud.tolist()) if not ok)


def shares(net: np.ndarray) -> np.ndarray:
    """sqrt of each element's share of the pixel's (clipped) net line counts, plus COUNT_FLOOR."""
    net = np.clip(net, 0.0, None)
    total = net.sum(axis=-1, keepdims=True) + COUNT_FLOOR
    return np.sqrt(net / total).astype(np.float32)


@functools.lru_cache(maxsize=8)
def line_features(elements=FEATURE_ELEMENTS) -> LineFeatures:
    """The LineFeatures on the canonical grid, for the default detector resolution and no anode
    (~0.2 s of xraylib, once).

    Deliberately the same for every scan, whatever its metadata: a header-less .raw and the
    training cube it resembles must give the same features. Resolution mostly cancels in the
    shares (each line's capture fraction scales alike); anode lines are part of what training's
    instrument randomisation shows the model."""
    from ..detector import DEFAULT_FWHM_MN_EV
    from ..energy import canonical_edges
    from .maps import FIT_GROUPS_V1, K_BETA_INSTEAD, plan_maps, weight_matrix

    elements = tuple(elements)
    edges = canonical_edges()
    # Every feature element counts as present, so the overlap rules (Pb L-beta / As K-beta, the
    # S-Hg-Pb and Ti-Ba fits) are the same for every scan; and they stay those the models were
    # trained with (FIT_GROUPS_V1), whatever overlaps the maps learn to fit later.
    kw = {
        "fwhm_mn_ev": float(DEFAULT_FWHM_MN_EV),
        "present": set(elements),
        "fit_groups": FIT_GROUPS_V1,
    }
    # K-alpha where the maps now take K-beta (Sr beside Hg, maps61): as trained
    kept = {s: f for s, f in K_BETA_INSTEAD if s in elements}
    plans = plan_maps(elements, (float(edges[0]), float(edges[-1])), lines=kept, **kw)
    # nor do they take escape peaks or STRIP_GROUPS lines out (maps55), nor scale windows to
    # their K-alpha doublets (_family_profile): trained without that
    w = weight_matrix(plans, edges, escapes=False, doublets=False, **kw)
    return LineFeatures(elements, np.ascontiguousarray(w, dtype=np.float32))
