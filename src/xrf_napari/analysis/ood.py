"""Is this scan like the data the models learnt from? A per-scan out-of-distribution check.

Two kinds of evidence, both reported in plain words:

- **Settings outside training**: the tube anode and detector resolution (from the file's metadata,
  when it has them), the count level per pixel (measured on sampled rows) and the energy range the
  scan covers (`COVER_KEV`), against what the shipped embedder was trained on (`TRAINED`); and
  spectra without any peak (noise). A model can only be trusted where it was trained.
- **Spectra the embedder cannot reconstruct**: the DVE reconstructs spectra of its training
  distribution through a 3-D bottleneck. Each sampled pixel's Poisson deviance against its
  reconstruction, less the deviance of a parametric-bootstrap redraw of the same expected spectrum
  (the counting noise), per count: about twice the Kullback-Leibler divergence of the pixel's true
  spectral shape from the reconstruction, whatever the count level (0 for a perfect model). The
  scan's score is its median. The earlier ratio of the two deviances grew with the count level even
  in distribution (1.1-1.5 at 300 counts, 7.6-12.2 at 10,000: the model's small systematic error
  stands out once noise is low), so in-range scans at high counts were flagged; the excess per
  count stays at -0.2-0.7 in distribution from 100 to 10,000 counts and at 1.8-6.1 with a wrong
  energy axis, so one threshold (`WARN_MISMATCH`) serves every count level.

Measured limit: the DVE was trained with instrument augmentations, so a new anode (Mo, Ag) alone
does not raise the score; the settings check is what catches those, when the file names them. A
file that does not name one is called like the training data only "as far as the spectra show",
saying which it does not name (`UNNAMED_IF`): 7 generated Mo and Ag cubes stripped of their
metadata scored 0.01-0.62, 6 of the training instruments -0.04-0.75
(docs/model_card_embedder.md). Where a Mo, Rh or Ag tube's scattered K-alpha and Compton band
show in the spectra, the tube is named from them instead (`tube_guess.guess_scan_anode`); W, Cu
and Cr tubes, voltages that barely excite K, and energy axes that cannot show a tube (channel
numbers, the tube an automatic calibration assumed) stay 'not named'.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..physics.instrument import COUNTS_PER_PIXEL, TRAIN_ANODES, TRAIN_FWHM_MN_EV
from .pooling import counts_phrase

#: What the shipped embedder saw in training (the generator's "train" instrument family, whose
#: anodes and ranges are read from it: a change there means retraining the shipped weights).
TRAINED = {
    "anodes": TRAIN_ANODES,
    "fwhm_mn_ev": TRAIN_FWHM_MN_EV,
    "counts_per_pixel": COUNTS_PER_PIXEL,
}
#: Score (median excess deviance per count) above which the spectra are called unlike the
#: training spectra. Measured (docs/model_card_embedder.md, `scripts/ood_scores.py --axis`):
#: generated cubes with training instruments at 100 / 300 / 1,000 / 3,000 / 6,000 / 10,000 counts
#: per pixel scored at most 0.56 / 0.63 / 0.60 / 0.52 / 0.61 / 0.61 with their true axis (16
#: held-out cubes at 128-6,975 counts: at most 0.69; pigment panels at 300-9,300: 0.05-0.45; the
#: samples 0.26 and 0.58), and at least 1.78 / 2.23 / 2.44 / 2.09 / 2.56 / 2.56 with a 0.2-0.5 keV
#: offset, a 0.9 or 1.25 gain or the axis reversed. The median of 64 pixels stayed within 0.9 and
#: above 1.3 (16 pixels: up to 1.06 and down to 0.79: fewer pixels, less sensitive, no false alarm).
WARN_MISMATCH = 1.2
#: Relative slack on the trained count range: cubes generated at the range's ends (100 and 10,000
#: counts per pixel) measure 98-99 and 10,013 counts in 1-26.6 keV, and were called out of range.
COUNT_SLACK = 0.1
SAMPLE_PIXELS = 2048
#: The scan's energy range must reach this low and this high (keV) for the models to see what they
#: were trained on: the canonical grid is 1-26.6 keV; below 1.5 keV start or above a 22 keV end
#: the embedder sees zeros where the light elements or the anode's scatter (Rh K 20.2 keV,
#: Compton 19 keV) and the Ag/Cd/Sn/Sb K lines would be.
COVER_KEV = (1.5, 22.0)
#: The settings the score cannot see (module docstring), anode then resolution: each as the quiet
#: line names it when the file does not (OODReport.unnamed), with what would then make the scan
#: unlike the training data. One table, so the words check_scan gives are the ones message reads.
UNNAMED_IF = {
    "its tube anode": (
        f"the tube is not {', '.join(TRAINED['anodes'][:-1])} or {TRAINED['anodes'][-1]}"
    ),
    "its detector resolution": (
        f"the resolution is outside {TRAINED['fwhm_mn_ev'][0]:.0f}-"
        f"{TRAINED['fwhm_mn_ev'][1]:.0f} eV at Mn K-alpha"
    ),
}
#: A mean spectrum whose highest channel stands less than this above the median of the channels
#: within +-1 keV has no peaks: no fluorescence line and no scatter line, e.g. noise (flat Poisson
#: noise at 200-2000 counts per pixel, 1024 pixels: 1.06-1.14; the panel and painting samples: 62
#: and 56; the panel at 50 counts per pixel: 60).
MIN_PEAK_CONTRAST = 2.0
#: How the note says where an anode the file does not name came from.
SEEN_FROM = "from its scattered lines; the file does not name it"


@dataclass
class OODReport:
    score: float  # median excess deviance per count (about 0 for spectra the DVE reconstructs)
    counts_per_pixel: float
    reasons: list[str] = field(default_factory=list)  # why the scan is unlike the training data
    unnamed: list[str] = field(default_factory=list)  # keys of UNNAMED_IF the file does not name
    anode_seen: str | None = None  # the anode its scattered lines show, where the file names none
    #: the tube anode the report was made for: the one given (a dock's Instrument choice,
    #: --anode), else the file's, else the one the automatic calibration read off the scatter
    #: lines (detector.known_anode, as the docks' scan_tube); None where none names one. Its
    #: notes read it, so a dock tells from it that they no longer hold once another tube is
    #: chosen (stale_tube)
    anode: str | None = None

    @property
    def warn(self) -> bool:
        return bool(self.reasons)

    def message(self) -> str:
        if self.warn:
            return (
                "This scan is unlike the models' training data: "
                + "; ".join(self.reasons)
                + ". Treat colours and regions with extra caution and check them against the "
                "elemental maps."
            )
        said = (
            f"Like the training data (reconstruction mismatch {self.score:.2f}, "
            f"{counts_phrase(self.counts_per_pixel)})"
        )
        if self.anode_seen:
            said += f", with a tube that looks like {self.anode_seen} ({SEEN_FROM})"
        if not self.unnamed:
            return said + "."
        return (
            f"{said}, as far as the spectra show: the file does not name "
            + " or ".join(self.unnamed)
            + ", which the spectra do not reveal. If "
            + ", or ".join(UNNAMED_IF[u] for u in self.unnamed)
            + ", treat colours and regions with extra caution."
        )


def sample_canonical_pixels(cube, n: int = SAMPLE_PIXELS, seed: int = 0) -> np.ndarray:
    """(m, 512) canonical counts of up to n pixels from evenly spaced rows (a bounded read, whose
    values are checked as every pass's: a NaN made the Poisson redraw fail without naming the
    file)."""
    from ..cube import release_mapped_pages

    h, w, _ = cube.shape
    n_rows = min(h, max(1, int(np.ceil(2 * n / max(w, 1)))))
    rows = np.unique(np.linspace(0, h - 1, num=n_rows).astype(int))
    rebin = cube.canonical_rebinner()  # row by row: one row's pages held at a time
    flat = np.concatenate([rebin(cube.read_rows(slice(int(r), int(r) + 1))[0]) for r in rows])
    release_mapped_pages(cube.data)
    if flat.shape[0] > n:
        flat = flat[np.random.default_rng(seed).choice(flat.shape[0], n, replace=False)]
    return flat


def _deviance(n, mu):
    """Poisson deviance per row: 2 sum(n log(n/mu) - (n - mu))."""
    ratio = np.where(n > 0, n / np.maximum(mu, 1e-12), 1.0)
    return 2.0 * np.sum(np.where(n > 0, n * np.log(ratio), 0.0) - (n - mu), axis=1)


def _deviances(counts: np.ndarray, embedder, seed: int = 0):
    """Per pixel with at least 20 counts: (deviance of the counts against the DVE's reconstruction,
    deviance of a Poisson redraw of that reconstruction against it, total counts)."""
    import torch

    from ..models.dve import normalise

    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum(axis=1)
    keep = total >= 20  # an almost empty pixel carries no shape to judge
    counts, total = counts[keep], total[keep]
    model = embedder.model
    rng = np.random.default_rng(seed)
    dev, null = np.empty(len(counts)), np.empty(len(counts))
    for i in range(0, len(counts), 512):  # chunks keep the float64 temporaries to a few MB
        c = counts[i : i + 512]
        with torch.inference_mode():
            x = normalise(torch.from_numpy(c.astype(np.float32)).to(embedder.device), model.method)
            q = model.decode_log_probs(model.encode_mean(x)).exp().double().cpu().numpy()
        mu = q * total[i : i + 512, None]
        dev[i : i + 512] = _deviance(c, mu)
        null[i : i + 512] = _deviance(rng.poisson(mu).astype(np.float64), mu)
    return dev, null, total


def excess_per_count(counts: np.ndarray, embedder, seed: int = 0) -> np.ndarray:
    """Per pixel: (deviance(counts, reconstruction) - deviance(Poisson redraw, reconstruction)) /
    counts. The ratio of the two grows with the counts wherever the model is slightly off; this
    difference per count estimates 2 KL(true shape || reconstruction), the same at any count."""
    dev, null, total = _deviances(counts, embedder, seed)
    return (dev - null) / np.maximum(total, 1.0)


def check_scan(
    cube,
    embedder_weights=None,
    device: str = "cpu",
    n: int = SAMPLE_PIXELS,
    anode: str | None = None,
) -> OODReport:
    """The scan's out-of-distribution report (a bounded read: about n pixels). `anode`: the
    tube's anode the user named (a dock's Tube box), over the file's; None: the file's. A scan
    without an energy calibration is refused (a ValueError), as by the models it reports on."""
    from ..progress import run_to_end

    return run_to_end(iter_check_scan(cube, embedder_weights, device, n, anode))


def iter_check_scan(
    cube,
    embedder_weights=None,
    device: str = "cpu",
    n: int = SAMPLE_PIXELS,
    anode: str | None = None,
):
    """check_scan as a progress generator ((1, 2) after the read of its pixels, (2, 2) after the
    embedder's pass over them); returns the OODReport. The docks' jobs stop at its steps: a
    Cancel waited for the whole check (0.5-1 s in each part on two busy cores)."""
    from ..detector import fwhm_from_metadata, known_anode, named_anode
    from ..energy import refuse_uncalibrated
    from .embed import load_embedder
    from .tube_guess import guess_scan_anode

    refuse_uncalibrated(cube)  # as the models it reports on: channel numbers are no energies
    counts = sample_canonical_pixels(cube, n)
    yield 1, 2
    excess = excess_per_count(counts, load_embedder(embedder_weights, device))
    yield 2, 2
    score = float(np.median(excess)) if len(excess) else float("nan")
    cpp = float(counts.sum(axis=1).mean()) if len(counts) else 0.0
    reasons = []
    why = coverage_reason(cube)
    if why:
        reasons.append(why)
    # the tube the automatic calibration read off the scatter lines where none is named, as
    # info, quicklook and Pigments tell it (known_anode): the one seen, not named. The notes
    # guessed their own from the sampled pixels. A tube chosen (`anode`) is named, the read one
    # too: the docks pass their Tube box's choice alone (scan_tube folded the read one in)
    known = known_anode(cube.metadata, anode)  # the tube named, else the one read
    anode = named_anode(cube.metadata, anode)  # its symbol ("mo": Mo), or as written if none
    # on the pixels already sampled (no further read): the tube named is kept in use, but a
    # wrong one typed (read_cube(p, anode="Rh") of a Mo scan) lost the guess that contradicts it
    seen = guess_scan_anode(cube, counts)
    contradicted = seen if anode and seen and seen != anode else None
    # anode_seen: the tube the spectra name where none is named
    seen = None if anode else known or seen
    fwhm = fwhm_from_metadata(cube.metadata)
    unnamed = [what for what, value in zip(UNNAMED_IF, (anode or seen, fwhm)) if value is None]
    trained = ", ".join(TRAINED["anodes"])
    if anode and anode not in TRAINED["anodes"]:
        reasons.append(f"tube anode {anode} (trained on {trained})")
    if contradicted:
        reasons.append(
            f"the tube looks like {contradicted} (from its scattered lines), not the {anode} "
            f"named, which is kept in use: check the tube (trained on {trained} tubes)"
        )
    if seen and seen not in TRAINED["anodes"]:
        reasons.append(f"the tube looks like {seen} ({SEEN_FROM}; trained on {trained} tubes)")
    lo, hi = TRAINED["fwhm_mn_ev"]
    if fwhm is not None and not lo <= fwhm <= hi:
        reasons.append(
            f"detector resolution {fwhm:.0f} eV at Mn K-alpha (trained on {lo:.0f}-{hi:.0f} eV)"
        )
    lo, hi = TRAINED["counts_per_pixel"]
    in_range = lo * (1 - COUNT_SLACK) <= cpp <= hi * (1 + COUNT_SLACK)
    if not in_range:
        reasons.append(f"{counts_phrase(cpp)} in 1-26.6 keV (trained on {lo:.0f}-{hi:,.0f})")
    if len(counts) and counts.sum() > 0 and peak_contrast(counts) < MIN_PEAK_CONTRAST:
        reasons.append("the spectra show no peaks (no fluorescence or scatter line: noise?)")
    if score > WARN_MISMATCH:
        hint = "; check the energy calibration" if in_range else ""
        reasons.append(
            f"the embedder cannot reconstruct these spectra (mismatch {score:.2f} > "
            f"{WARN_MISMATCH:g} at {counts_phrase(cpp)}{hint})"
        )
    return OODReport(score, cpp, reasons, unnamed, seen, known)


def coverage_reason(cube) -> str | None:
    """Why the cube's energy range is too short for the models (COVER_KEV), or None."""
    from ..energy import CANONICAL_BIN_WIDTH, CANONICAL_E_MIN, CANONICAL_N_CHANNELS

    edges = cube.calibration.edges(cube.n_channels)
    lo, hi = float(min(edges[0], edges[-1])), float(max(edges[0], edges[-1]))
    top = CANONICAL_E_MIN + CANONICAL_BIN_WIDTH * CANONICAL_N_CHANNELS
    if lo <= COVER_KEV[0] and hi >= COVER_KEV[1]:
        return None
    if hi <= CANONICAL_E_MIN or lo >= top:  # clamping both ends gave "1.0-0.9 keV"
        return (
            f"the scan ({lo:.2f} to {hi:.2f} keV) lies outside the {CANONICAL_E_MIN:g}-{top:g} "
            "keV the models read"
        )
    return (
        f"the scan covers only {max(lo, CANONICAL_E_MIN):.1f}-{min(hi, top):.1f} keV of the "
        f"{CANONICAL_E_MIN:g}-{top:g} keV the models read"
    )


def peak_contrast(counts: np.ndarray) -> float:
    """Highest ratio of the mean canonical spectrum to the median of its channels within +-1 keV
    (about 1 for a spectrum without peaks)."""
    from scipy.ndimage import median_filter

    from ..energy import CANONICAL_BIN_WIDTH

    mean = np.asarray(counts, dtype=np.float64).mean(axis=0)
    half = int(round(1.0 / CANONICAL_BIN_WIDTH))
    local = median_filter(mean, size=2 * half + 1, mode="nearest")
    ok = local > 0
    if not ok.any():
        return float("inf") if mean.max() > 0 else 1.0  # all counts in a few isolated channels
    return float(np.max(mean[ok] / local[ok]))
