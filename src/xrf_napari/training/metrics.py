"""Colour-image metrics shared by training (loss) and evaluation.

sRGB distance ("redmean", the paper's loss is named "sRGB distance" without a public formula; this
is the usual low-cost perceptual approximation). On values in [0, 1], per pixel:

    d = sqrt((2 + rbar) * dR**2 + 4 * dG**2 + (3 - rbar) * dB**2) / 3,   rbar = (R1 + R2) / 2

The maximum of the square root is 3 (black vs white), so d is in [0, 1]; the metric is the mean of
d over pixels (and images). MS-SSIM: pytorch_msssim's with data_range 1 and 5 scales, which needs
images larger than 160 px per side; on smaller images `evaluate` uses the scales that fit
(`msssim_scales`: the first weights, renormalised), a figure not comparable with 5-scale ones.
CIEDE2000: skimage.color on sRGB -> CIELAB (D65), mean and median over pixels, in dE units
(about 2.3 = a just-noticeable difference).
"""

from __future__ import annotations

import numpy as np

MSSSIM_WIN = 11
#: pytorch_msssim's (Wang et al. 2003) weight of each scale, finest first: 5 scales.
MSSSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
MSSSIM_SCALES = len(MSSSIM_WEIGHTS)


def msssim_min_side(win_size: int = MSSSIM_WIN, scales: int = MSSSIM_SCALES) -> int:
    """The side (px) an image must exceed for MS-SSIM over `scales` scales with a `win_size` px
    window: each scale halves it, and the coarsest must stay larger than the window. The one
    formula behind msssim_scales, ms_ssim's refusal and the messages that name the size (evaluate,
    the recolouriser's MS-SSIM loss term and keep_best_by)."""
    return (win_size - 1) * 2 ** (scales - 1)


def msssim_scales(side: int, win_size: int = MSSSIM_WIN) -> int:
    """Most MS-SSIM scales (up to 5) an image of `side` px (its shorter side) allows: each scale
    halves it, and the coarsest must stay larger than the window; 0 if even one does not fit."""
    scales = 0
    while scales < MSSSIM_SCALES and side > msssim_min_side(win_size, scales + 1):
        scales += 1
    return scales


def redmean_map(pred, target, eps: float = 0.0):
    """Per-pixel redmean distance of (B, 3, H, W) tensors in [0, 1] -> (B, H, W).

    eps > 0 keeps the gradient finite where pred == target (use it for the loss)."""
    import torch

    d = pred - target
    rbar = 0.5 * (pred[:, 0] + target[:, 0])
    sq = (2.0 + rbar) * d[:, 0] ** 2 + 4.0 * d[:, 1] ** 2 + (3.0 - rbar) * d[:, 2] ** 2
    return torch.sqrt(sq.clamp_min(0.0) + eps) / 3.0


def redmean_distance(pred, target, eps: float = 0.0):
    """Mean redmean distance of (B, 3, H, W) tensors (a scalar tensor)."""
    return redmean_map(pred, target, eps).mean()


def ms_ssim(pred, target, win_size: int = MSSSIM_WIN, scales: int = MSSSIM_SCALES):
    """MS-SSIM of (B, 3, H, W) tensors in [0, 1] over `scales` scales (mean over the batch).

    5 scales and the standard 11 px window need images > 160 px per side; the training loss on
    128 px crops uses win_size=7 (> 96 px). Fewer scales (`evaluate` on small cubes) weight the
    first ones renormalised to sum 1, as a weighted geometric mean; pytorch_msssim's ms_ssim
    asserts 5 scales' size whatever its weights, so its loop is followed here on its _ssim, and
    5 scales give its figure (tests/test_core36.py)."""
    import torch
    import torch.nn.functional as F
    from pytorch_msssim.ssim import _fspecial_gauss_1d, _ssim

    side = min(pred.shape[-2:])
    if not 1 <= scales <= MSSSIM_SCALES or msssim_scales(side, win_size) < scales:
        need = msssim_min_side(win_size, scales)
        raise ValueError(
            f"MS-SSIM with {scales} scales and a {win_size} px window needs images larger than "
            f"{need} px per side, got {side}"
        )
    x, y = pred.float(), target.float()
    weights = x.new_tensor(MSSSIM_WEIGHTS[:scales])
    weights = weights / weights.sum() if scales < MSSSIM_SCALES else weights
    win = _fspecial_gauss_1d(win_size, 1.5).repeat([x.shape[1], 1, 1, 1])
    mcs = []
    for i in range(scales):
        ssim_per_channel, cs = _ssim(x, y, win=win, data_range=1.0, size_average=False)
        if i < scales - 1:
            mcs.append(torch.relu(cs))
            padding = [s % 2 for s in x.shape[2:]]
            x = F.avg_pool2d(x, kernel_size=2, padding=padding)
            y = F.avg_pool2d(y, kernel_size=2, padding=padding)
    stacked = torch.stack(mcs + [torch.relu(ssim_per_channel)], dim=0)  # (scale, batch, channel)
    return torch.prod(stacked ** weights.view(-1, 1, 1), dim=0).mean()


def ciede2000(pred: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    """(mean, median) CIEDE2000 between two (H, W, 3) sRGB images in [0, 1] (or uint8)."""
    from skimage.color import deltaE_ciede2000, rgb2lab

    de = deltaE_ciede2000(rgb2lab(_as_unit(pred)), rgb2lab(_as_unit(target)))
    return float(de.mean()), float(np.median(de))


def image_metrics(pred: np.ndarray, target: np.ndarray, scales: int = MSSSIM_SCALES) -> dict:
    """All metrics for one (H, W, 3) image pair: msssim (over `scales` scales), srgb, de_mean,
    de_median."""
    import torch

    a, b = _as_unit(pred), _as_unit(target)
    if a.shape != b.shape:
        raise ValueError(f"images differ in shape: {a.shape} vs {b.shape}")
    ta = torch.from_numpy(a).permute(2, 0, 1)[None]
    tb = torch.from_numpy(b).permute(2, 0, 1)[None]
    de_mean, de_median = ciede2000(a, b)
    return {
        "msssim": float(ms_ssim(ta, tb, scales=scales)),
        "srgb": float(redmean_distance(ta, tb)),
        "de_mean": de_mean,
        "de_median": de_median,
    }


def _as_unit(img) -> np.ndarray:
    img = np.asarray(img)
    if img.dtype == np.uint8:
        return img.astype(np.float32) / 255.0
    return np.clip(img.astype(np.float32), 0.0, 1.0)
