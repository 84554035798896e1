"""Loss terms of the DVE (weights and schedules live in the training config; see the model card).

- reconstruction: KL(measured channel fractions || decoded probabilities) per pixel, i.e. the
  multinomial negative log-likelihood of the counts divided by the pixel's total counts, minus the
  (constant) entropy of the measured fractions. Every pixel weighs the same whatever its count
  level.
- MMD (InfoVAE / WAE): inverse multiquadratic kernels at several scales between posterior samples
  and N(0, I) samples, unbiased estimate.
- silhouette: 1 - the silhouette of the latent means under the generator's region labels, computed
  within each cube of the batch (regions of different cubes never compete): differentiable, scale
  free, and exactly what K-Means on the latent rewards.
"""

from __future__ import annotations


def reconstruction_kl(log_probs, counts):
    """Mean over pixels of KL(f || p), f = counts / total, p = exp(log_probs). Shapes (N, C)."""
    import torch

    f = counts / counts.sum(-1, keepdim=True).clamp_min(1.0)
    return (torch.xlogy(f, f) - f * log_probs).sum(-1).mean()


def kl_to_prior(mu, logvar):
    """Mean per-pixel KL(N(mu, var) || N(0, I))."""
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1.0).sum(-1).mean()


def _sqdist(a, b):
    return (a.pow(2).sum(-1)[:, None] + b.pow(2).sum(-1)[None, :] - 2.0 * a @ b.T).clamp_min(0.0)


def mmd_imq(z, prior, scales=(0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)):
    """Unbiased MMD^2 with IMQ kernels k(x, y) = C / (C + |x - y|^2), C = 2 d s, summed over scales.

    k(x, x) = 1, so the diagonals are removed analytically (n^2-sized work dominates on CPU).
    """
    n, d = z.shape
    m = prior.shape[0]
    dzz, dpp, dzp = _sqdist(z, z), _sqdist(prior, prior), _sqdist(z, prior)
    total = z.new_zeros(())
    for s in scales:
        c = 2.0 * d * s
        kzz = (c / (c + dzz)).sum() - n
        kpp = (c / (c + dpp)).sum() - m
        kzp = (c / (c + dzp)).mean()
        total = total + kzz / (n * (n - 1)) + kpp / (m * (m - 1)) - 2.0 * kzp
    return total


def silhouette_loss(mu, labels, n_labels: int | None = None, mask=None):
    """1 - mean silhouette of points mu (B, P, D) grouped per cube b by labels (B, P) in 0..R-1.

    Points alone in their region, and cubes with a single region in the sample, do not count.
    mask (B, P) bool: only these points count, as members of regions and as scored points (e.g.
    interior pixels: a boundary pixel is a mixture whose label is arbitrary).
    """
    import torch
    import torch.nn.functional as F

    b, p, _ = mu.shape
    k = int(n_labels if n_labels is not None else labels.max().item() + 1)
    sq = (
        mu.pow(2).sum(-1)[:, :, None]
        + mu.pow(2).sum(-1)[:, None, :]
        - 2.0 * mu @ mu.transpose(1, 2)
    ).clamp_min(0.0)
    dist = torch.sqrt(sq + 1e-8)  # eps keeps the gradient finite at 0
    onehot = F.one_hot(labels, k).to(mu.dtype)  # (B, P, K)
    if mask is not None:
        onehot = onehot * mask[..., None].to(mu.dtype)
    size = onehot.sum(1)  # (B, K)
    sums = dist @ onehot  # (B, P, K): summed distance of each point to each region
    own_size = size.gather(1, labels)  # (B, P)
    own_sum = sums.gather(2, labels[..., None]).squeeze(-1) - 1e-4  # minus self (sqrt(eps))
    a = own_sum / (own_size - 1).clamp_min(1.0)
    mean_other = sums / size.clamp_min(1.0)[:, None, :]
    invalid = (size[:, None, :] == 0) | onehot.bool()
    bdist = mean_other.masked_fill(invalid, float("inf")).amin(-1)
    ok = (own_size > 1) & torch.isfinite(bdist)
    if mask is not None:
        ok = ok & mask
    bdist = torch.where(ok, bdist, a.detach() + 1.0)  # no inf/NaN in the unused branch's gradient
    s = (bdist - a) / torch.maximum(a, bdist).clamp_min(1e-6)
    s = torch.where(ok, s, torch.zeros_like(s))
    return 1.0 - s.sum() / ok.sum().clamp_min(1)
