"""A distribution over quantised colours as the recolouriser's objective (Zhang, Isola & Efros,
"Colorful Image Colorization", 2016), instead of a regression.

Why: where the same line features come with many colours in training (a Cd pixel is cadmium yellow
in a swatch, a muted brown in a mixed recipe), a regression answers their mean, a muddy colour no
paint has. A classifier over colour bins keeps the modes; decoding by an *annealed mean* (softmax of
logits / T, T < 1, then the mean of the bin colours) sits between the mode (vivid, may be wrong) and
the mean (safe, dull). Class rebalancing weights rare colours up so that the large muted areas of
paintings do not decide every bin.

Bins are fitted in CIELAB on the training targets, with each occupied 4-unit Lab cell counted by
count**0.25, so rare saturated colours (swatches) get bins of their own. The bin colours ride in
the model as a buffer (`bin_rgb`), so a weights file carries its own decoder.
"""

from __future__ import annotations

import numpy as np

#: Zhang et al.'s values: annealed-mean temperature, rebalancing mix with the uniform prior,
#: soft-encoding neighbours.
TEMPERATURE = 0.38
REBALANCE_LAMBDA = 0.5
SOFT_NEIGHBOURS = 5
_CELL = 4.0  # Lab units of the occupancy grid the bins are fitted on


def srgb_to_lab(rgb):
    """CIELAB (D65) of sRGB in [0, 1] along the last axis; numpy or torch (differentiable)."""
    import torch

    is_np = isinstance(rgb, np.ndarray)
    if is_np:
        rgb = torch.from_numpy(np.asarray(rgb, np.float32))

    lin = torch.where(rgb <= 0.04045, rgb / 12.92, ((rgb.clamp(min=0) + 0.055) / 1.055) ** 2.4)
    m = torch.tensor(
        [
            [0.4124564, 0.3575761, 0.1804375],
            [0.2126729, 0.7151522, 0.0721750],
            [0.0193339, 0.1191920, 0.9503041],
        ],
        dtype=lin.dtype,
        device=lin.device,
    )
    xyz = lin @ m.T / torch.tensor([0.95047, 1.0, 1.08883], dtype=lin.dtype, device=lin.device)
    eps = 216 / 24389
    f = torch.where(xyz > eps, xyz.clamp(min=eps) ** (1 / 3), (24389 / 27 * xyz + 16) / 116)
    lab = torch.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1
    )
    return lab.numpy() if is_np else lab


def fit_colour_bins(targets, n_bins: int, seed: int = 0, per_image: int = 20000):
    """(bin sRGB (Q, 3) float32 in [0, 1], prior (Q,) float64) from uint8 (H, W, 3) target images:
    k-means in Lab over occupied cells weighted by count**0.25; the prior is the share of sampled
    target pixels nearest each bin."""
    from sklearn.cluster import KMeans

    from ..analysis._threads import one_thread

    rng = np.random.default_rng(seed)
    samples = []
    for t in targets:
        flat = np.asarray(t).reshape(-1, 3)
        pick = rng.choice(len(flat), size=min(per_image, len(flat)), replace=False)
        samples.append(flat[pick])
    rgb = np.concatenate(samples).astype(np.float32) / 255.0
    lab = srgb_to_lab(rgb)
    cells, inverse, counts = np.unique(
        np.round(lab / _CELL).astype(np.int32), axis=0, return_inverse=True, return_counts=True
    )
    if len(cells) < n_bins:
        raise ValueError(
            f"the training targets hold {len(cells)} distinct colours, fewer than {n_bins} bins"
        )
    centres_lab = np.zeros((len(cells), 3))
    np.add.at(centres_lab, inverse.ravel(), lab)
    centres_lab /= counts[:, None]
    # one OpenMP and BLAS thread (analysis._threads): same bins; on a busy 2-core host 1.74 s CPU
    # with a thread per core, 0.35 s on one (128 bins, 9,925 cells; median of 5); a BLAS limit
    # alone, 1.87 s
    with one_thread():
        km = KMeans(n_clusters=n_bins, n_init=3, random_state=seed).fit(
            centres_lab, sample_weight=counts.astype(np.float64) ** 0.25
        )
    # Each bin's colour is an sRGB colour that occurs in the targets: the member cell closest to the
    # Lab centroid (a centroid may fall outside the sRGB gamut).
    bins = np.zeros((n_bins, 3), np.float32)
    cell_rgb = np.zeros((len(cells), 3))
    np.add.at(cell_rgb, inverse.ravel(), rgb)
    cell_rgb /= counts[:, None]
    for q in range(n_bins):
        members = np.flatnonzero(km.labels_ == q)
        d = ((centres_lab[members] - km.cluster_centers_[q]) ** 2).sum(1)
        bins[q] = cell_rgb[members[np.argmin(d)]]
    nearest = _nearest(lab, srgb_to_lab(bins))
    prior = np.bincount(nearest, minlength=n_bins).astype(np.float64)
    return bins, prior / prior.sum()


def _nearest(lab: np.ndarray, bins_lab: np.ndarray, chunk: int = 1 << 16) -> np.ndarray:
    out = np.empty(len(lab), np.int64)
    for s in range(0, len(lab), chunk):
        d = ((lab[s : s + chunk, None, :] - bins_lab[None]) ** 2).sum(-1)
        out[s : s + chunk] = d.argmin(1)
    return out


def rebalance_weights(prior: np.ndarray, lam: float = REBALANCE_LAMBDA) -> np.ndarray:
    """Per-bin loss weights ∝ 1 / ((1 - lam) prior + lam / Q), scaled so that their expectation
    under the prior is 1 (the loss keeps its scale)."""
    w = 1.0 / ((1 - lam) * prior + lam / len(prior))
    return (w / (prior * w).sum()).astype(np.float32)


class ColourClassLoss:
    """Rebalanced cross-entropy of (B, Q, H, W) logits against (B, 3, H, W) sRGB targets, each
    target soft-encoded on its SOFT_NEIGHBOURS nearest bins with a Gaussian kernel as wide as half
    the bins' median spacing."""

    def __init__(self, bins_rgb, weights, device):
        import torch

        self.bins_lab = srgb_to_lab(torch.as_tensor(bins_rgb, dtype=torch.float32)).to(device)
        d = torch.cdist(self.bins_lab, self.bins_lab)
        d.fill_diagonal_(float("inf"))
        self.sigma = float(d.min(1).values.median()) / 2
        self.weights = torch.as_tensor(weights, dtype=torch.float32, device=device)

    def __call__(self, logits, target):
        import torch

        b, q, h, w = logits.shape
        lab = srgb_to_lab(target.permute(0, 2, 3, 1).reshape(-1, 3))
        d2 = torch.cdist(lab, self.bins_lab) ** 2  # (N, Q)
        near_d2, near = d2.topk(SOFT_NEIGHBOURS, dim=1, largest=False)
        soft = torch.softmax(-near_d2 / (2 * self.sigma**2), dim=1)
        logp = torch.log_softmax(logits.float(), dim=1).permute(0, 2, 3, 1).reshape(-1, q)
        ce = -(soft * logp.gather(1, near)).sum(1)
        return (self.weights[near[:, 0]] * ce).mean()
