"""Per-pixel MLP baseline: latent (3, or 3 + line features) -> RGB (3), no spatial context.

It answers "what does the transformer add over colouring each pixel from its own latent?" (the 1-D
per-pixel approach of AIRES-CH). Trained on the same cached latents and targets as the SmallUViT, by
`xrf-napari-train recolouriser` (option --baseline-steps), and scored by `xrf-napari-train
evaluate`.
"""

from __future__ import annotations

import numpy as np

DEFAULT_CONFIG = {
    "arch": "PixelMLP",
    "in_chans": 3,
    "hidden": 128,
    "layers": 3,
    "latent_mean": [0.0, 0.0, 0.0],
    "latent_std": [1.0, 1.0, 1.0],
}


def build_from_config(config: dict | None = None):
    import torch
    import torch.nn as nn

    cfg = {**DEFAULT_CONFIG, **(config or {})}

    class PixelMLP(nn.Module):
        """(B, C, H, W) raw input -> (B, 3, H, W) RGB in [0, 1], each pixel on its own."""

        def __init__(self):
            super().__init__()
            self.config = cfg
            self.register_buffer(
                "latent_mean", torch.tensor(cfg["latent_mean"], dtype=torch.float32)
            )
            self.register_buffer("latent_std", torch.tensor(cfg["latent_std"], dtype=torch.float32))
            layers, c = [], cfg["in_chans"]
            for _ in range(cfg["layers"] - 1):
                layers += [nn.Linear(c, cfg["hidden"]), nn.GELU()]
                c = cfg["hidden"]
            layers.append(nn.Linear(c, 3))
            self.net = nn.Sequential(*layers)

        def forward_pixels(self, x):
            """(N, C) inputs -> (N, 3) RGB."""
            return torch.sigmoid(self.net((x - self.latent_mean) / self.latent_std))

        def forward(self, x):
            return self.forward_pixels(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)

    return PixelMLP()


def train_pixel_mlp(
    latents,
    targets,
    *,
    steps: int,
    device,
    seed: int = 0,
    batch_pixels: int = 16384,
    lr: float = 3e-3,
    latent_mean=None,
    latent_std=None,
    progress=None,
):
    """Fit a PixelMLP to (latents[i] (C, H, W), targets[i] (3, H, W)) tensors on `device`.

    Returns (model, final_loss). Pixels are sampled uniformly from all images every step."""
    import torch

    from .metrics import redmean_distance

    torch.manual_seed(seed)
    cfg = dict(DEFAULT_CONFIG)
    n_in = int(latents[0].shape[0])
    cfg["in_chans"] = n_in
    if latent_mean is not None:
        cfg["latent_mean"], cfg["latent_std"] = (
            [float(v) for v in latent_mean],
            [float(v) for v in latent_std],
        )
    model = build_from_config(cfg).to(device)
    x_all = torch.cat([lat.reshape(n_in, -1) for lat in latents], dim=1).to(device)
    y_all = torch.cat([t.reshape(3, -1) for t in targets], dim=1).to(device)
    n = x_all.shape[1]
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    # OneCycleLR divides by pct_start * steps - 1 (zero at 20 steps with 0.05): a warm-up of at
    # least 1.5 steps avoids it, and leaves runs of 30 steps or more as they were.
    total = max(steps, 1)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=lr, total_steps=total, pct_start=min(max(0.05, 1.5 / total), 0.75)
    )
    gen = torch.Generator(device="cpu").manual_seed(seed)
    loss = torch.zeros((), device=device)
    for step in range(steps):
        idx = torch.randint(0, n, (min(batch_pixels, n),), generator=gen).to(
            device, non_blocking=True
        )
        x = x_all[:, idx].T
        y = y_all[:, idx].T
        pred = model.forward_pixels(x)
        # (N, 3) pixels as a (1, 3, N, 1) "image" for the shared loss
        loss = redmean_distance(pred.T[None, :, :, None], y.T[None, :, :, None].float(), eps=1e-6)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if progress is not None:
            progress(step + 1, steps)
    model.eval()
    return model, float(loss.detach())


def predict_pixels(model, latent: np.ndarray, device, chunk: int = 1 << 20) -> np.ndarray:
    """(H, W, C) input -> (H, W, 3) float32 RGB, in pixel chunks."""
    import torch

    h, w, c = latent.shape
    flat = np.asarray(latent, np.float32).reshape(-1, c)
    out = np.empty((len(flat), 3), dtype=np.float32)
    with torch.inference_mode():
        for i in range(0, len(flat), chunk):
            x = torch.from_numpy(flat[i : i + chunk]).to(device)
            out[i : i + chunk] = model.forward_pixels(x).float().cpu().numpy()
    return out.reshape(h, w, 3)
