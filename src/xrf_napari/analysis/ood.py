"""Is this scan like the data the models learnt from? A per-scan out-of-distribution score.

The DVE was trained to reconstruct spectra of its training distribution through a 3-D bottleneck.
A spectrum it has never seen the like of (another anode, far worse resolution, an element or paint
the generator never used, a mis-calibrated file) comes back with a larger reconstruction error.
Raw errors depend on the count level (Poisson noise), so each sampled pixel's Poisson deviance
against the DVE's reconstruction is divided by the deviance of a parametric-bootstrap pixel: the
same expected spectrum redrawn with Poisson noise. A perfect model scores about 1 whatever the
count level; the scan's score is the median ratio over a few thousand pixels spread over the scan.
The warning threshold is measured, not guessed: see docs/model_card_embedder.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Scores above this say "unlike the training data" (set from the held-out measurements in the
#: embedder's model card: in-distribution held-out scans stay below it, out-of-family ones above).
WARN_ABOVE = 2.0
SAMPLE_PIXELS = 4096


@dataclass
class OODScore:
    score: float  # median deviance ratio (about 1 for data like the training data)
    n_pixels: int
    warn: bool

    def message(self) -> str:
        if self.warn:
            return (f"this scan is unlike the models' training data (out-of-distribution score "
                    f"{self.score:.2f} > {WARN_ABOVE:.1f}): treat the colours and regions with extra "
                    "caution and check them against the elemental maps")
        return f"out-of-distribution score {self.score:.2f} (<= {WARN_ABOVE:.1f}: like the training data)"


def sample_canonical_pixels(cube, n: int = SAMPLE_PIXELS, seed: int = 0) -> np.ndarray:
    """(m, 512) canonical counts of up to n pixels from evenly spaced rows (a bounded read)."""
    h, w, _ = cube.shape
    rows = np.unique(np.linspace(0, h - 1, num=min(h, max(1, int(np.ceil(n / max(w, 1)))) * 2)).astype(int))
    rebin = cube.canonical_rebinner()
    block = np.stack([np.asarray(cube.data[r]) for r in rows])  # (rows, W, C)
    flat = rebin(block).reshape(-1, 512)
    if flat.shape[0] > n:
        flat = flat[np.random.default_rng(seed).choice(flat.shape[0], n, replace=False)]
    return flat


def _deviance(n, mu):
    """Poisson deviance per row: 2 sum(n log(n/mu) - (n - mu))."""
    ratio = np.where(n > 0, n / np.maximum(mu, 1e-12), 1.0)
    return 2.0 * np.sum(np.where(n > 0, n * np.log(ratio), 0.0) - (n - mu), axis=1)


def deviance_ratios(counts: np.ndarray, embedder, seed: int = 0) -> np.ndarray:
    """Per pixel: deviance(counts, reconstruction) / deviance(Poisson redraw, reconstruction)."""
    import torch

    from ..models.dve import normalise

    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum(axis=1)
    keep = total >= 20  # an almost empty pixel carries no shape to judge
    counts, total = counts[keep], total[keep]
    if not len(counts):
        return np.empty(0)
    model = embedder.model
    with torch.inference_mode():
        x = normalise(torch.from_numpy(counts.astype(np.float32)).to(embedder.device), model.method)
        q = model.decode_log_probs(model.encode_mean(x)).exp().double().cpu().numpy()
    mu = q * total[:, None]
    redraw = np.random.default_rng(seed).poisson(mu)
    return _deviance(counts, mu) / np.maximum(_deviance(redraw.astype(np.float64), mu), 1e-9)


def ood_score(cube, embedder_weights=None, device: str = "cpu", n: int = SAMPLE_PIXELS) -> OODScore:
    """The scan's out-of-distribution score (median deviance ratio over sampled pixels)."""
    from .embed import load_embedder

    emb = load_embedder(embedder_weights, device)
    ratios = deviance_ratios(sample_canonical_pixels(cube, n), emb)
    if not len(ratios):
        return OODScore(float("nan"), 0, False)
    score = float(np.median(ratios))
    return OODScore(score, int(len(ratios)), bool(score > WARN_ABOVE))
