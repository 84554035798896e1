"""Colour-image metrics shared by training (loss) and evaluation.

sRGB distance ("redmean", the paper's loss is named "sRGB distance" without a public formula; this
is the usual low-cost perceptual approximation). On values in [0, 1], per pixel:

    d = sqrt((2 + rbar) * dR**2 + 4 * dG**2 + (3 - rbar) * dB**2) / 3,   rbar = (R1 + R2) / 2

The maximum of the square root is 3 (black vs white), so d is in [0, 1]; the metric is the mean of
d over pixels (and images). MS-SSIM: pytorch_msssim with data_range 1 and 5 scales, which needs
images larger than 160 px per side. CIEDE2000: skimage.color on sRGB -> CIELAB (D65), mean and
median over pixels, in dE units (about 2.3 = a just-noticeable difference).
"""

from __future__ import annotations

import numpy as np

MSSSIM_WIN = 11


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


def ms_ssim(pred, target, win_size: int = MSSSIM_WIN):
    """5-scale MS-SSIM of (B, 3, H, W) tensors in [0, 1] (mean over the batch).

    The standard window is 11 px (images > 160 px per side); the training loss on 128 px crops uses
    win_size=7 (> 96 px)."""
    from pytorch_msssim import ms_ssim as _ms_ssim

    side = min(pred.shape[-2:])
    need = (win_size - 1) * 16
    if side <= need:
        raise ValueError(
            f"MS-SSIM with 5 scales and a {win_size} px window needs images larger than "
            f"{need} px per side, got {side}"
        )
    return _ms_ssim(
        pred.float(), target.float(), data_range=1.0, size_average=True, win_size=win_size
    )


def ciede2000(pred: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    """(mean, median) CIEDE2000 between two (H, W, 3) sRGB images in [0, 1] (or uint8)."""
    from skimage.color import deltaE_ciede2000, rgb2lab

    de = deltaE_ciede2000(rgb2lab(_as_unit(pred)), rgb2lab(_as_unit(target)))
    return float(de.mean()), float(np.median(de))


def image_metrics(pred: np.ndarray, target: np.ndarray) -> dict:
    """All metrics for one (H, W, 3) image pair: msssim, srgb, de_mean, de_median."""
    import torch

    a, b = _as_unit(pred), _as_unit(target)
    if a.shape != b.shape:
        raise ValueError(f"images differ in shape: {a.shape} vs {b.shape}")
    ta = torch.from_numpy(a).permute(2, 0, 1)[None]
    tb = torch.from_numpy(b).permute(2, 0, 1)[None]
    de_mean, de_median = ciede2000(a, b)
    return {
        "msssim": float(ms_ssim(ta, tb)),
        "srgb": float(redmean_distance(ta, tb)),
        "de_mean": de_mean,
        "de_median": de_median,
    }


def _as_unit(img) -> np.ndarray:
    img = np.asarray(img)
    if img.dtype == np.uint8:
        return img.astype(np.float32) / 255.0
    return np.clip(img.astype(np.float32), 0.0, 1.0)
