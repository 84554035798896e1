"""Deep Variational Embedding (DVE): a per-pixel spectrum -> 3-D latent MLP autoencoder.

Encoder and decoder have 4 linear layers each; the encoder outputs the mean and log-variance of a
diagonal Gaussian posterior (the mean is the embedding used at inference). The decoder outputs a
probability vector over the channels (log-softmax), so the reconstruction loss is the multinomial
negative log-likelihood of the measured counts: count data, any count level.

`normalise` is the ONE place that turns counts into network input; training and inference both call
it (the choice is measured and documented in docs/model_card_embedder.md).
"""

from __future__ import annotations

import math

DEFAULT_CONFIG = {
    "model": "dve",
    "n_channels": 512,
    "hidden": [128, 64, 32],
    "latent_dim": 3,
    "activation": "relu",
    "normalisation": "hellinger",
}

NORMALISATIONS = ("hellinger", "anscombe_l2", "fraction")


def _sqrt_(x):
    """x.sqrt_(), through numpy for a CPU tensor outside autograd: torch's CPU kernel takes 10-25x
    longer on zeros (most channels of a spectrum) than on other values: 8 ms against 0.65 ms for
    a 3,726 x 512 block of canonical counts, a quarter of an embedding pass (same results,
    IEEE-rounded either way)."""
    if x.device.type == "cpu" and not x.requires_grad:
        import numpy as np

        a = x.numpy()
        np.sqrt(a, out=a)
        return x
    return x.sqrt_()


def normalise_parts(counts, method: str = "hellinger", *, inplace: bool = False):
    """(base, row_scale) with normalise(counts) == base * row_scale, row_scale (N, 1).

    Split so inference can apply the per-spectrum scale after the first linear layer (128 columns
    instead of 512): the formula itself lives only here.
      hellinger:   sqrt(counts) * sqrt(C / total)  = sqrt(C * counts / total): the square root of
                   the channel fractions (Hellinger), unit root-mean-square, Poisson-variance
                   stabilised, independent of the count level
      anscombe_l2: 2 sqrt(counts + 3/8) scaled to L2 norm sqrt(C)
      fraction:    counts * C / total (no variance stabilisation; kept for the ablation)
    Empty pixels (total 0) become zero vectors. inplace=True may overwrite a float32 `counts`.
    """
    import torch

    x = torch.as_tensor(counts)
    if x.dtype != torch.float32:
        x = x.float()
        inplace = True
    c = x.shape[-1]
    # Negative values (an in-memory float cube minus a background) count as 0, in the total too:
    # a total taken before clamping made sqrt(C / total) huge and the latents ~1e4.
    if method == "hellinger":
        clamped = x.clamp_(min=0.0) if inplace else x.clamp(min=0.0)
        total = clamped.sum(dim=-1, keepdim=True)
        return _sqrt_(clamped), torch.sqrt(c / total.clamp_min(1e-6))
    if method == "anscombe_l2":
        base = (x.clamp_(min=0.0) if inplace else x.clamp(min=0.0)).add_(0.375).sqrt_().mul_(2.0)
        return base, math.sqrt(c) / base.norm(dim=-1, keepdim=True).clamp_min(1e-6)
    if method == "fraction":
        clamped = x.clamp_(min=0.0) if inplace else x.clamp(min=0.0)
        return clamped, c / clamped.sum(dim=-1, keepdim=True).clamp_min(1e-6)
    raise ValueError(f"unknown normalisation {method!r}; expected one of {NORMALISATIONS}")


def normalise(counts, method: str = "hellinger"):
    """Counts (N, C) tensor/array -> float32 network input (N, C) independent of the count level."""
    base, scale = normalise_parts(counts, method)
    return base * scale


def resolved_config(config: dict | None = None) -> dict:
    cfg = dict(DEFAULT_CONFIG)
    cfg.update({k: v for k, v in (config or {}).items() if k in DEFAULT_CONFIG})
    if cfg["normalisation"] not in NORMALISATIONS:
        raise ValueError(f"unknown normalisation {cfg['normalisation']!r}")
    return cfg


def build_from_config(config: dict | None = None):
    """The DVE network described by `config` (missing keys take DEFAULT_CONFIG values)."""
    return _dve_class()(resolved_config(config))


def _activation(name: str):
    import torch.nn as nn

    table = {
        "relu": nn.ReLU,
        "leaky_relu": lambda: nn.LeakyReLU(0.1),
        "gelu": nn.GELU,
        "silu": nn.SiLU,
        "tanh": nn.Tanh,
    }
    if name not in table:
        raise ValueError(f"unknown activation {name!r}; expected one of {sorted(table)}")
    return table[name]()


_CLASS = None


def _dve_class():
    """Define the nn.Module lazily so importing this module does not import torch."""
    global _CLASS
    if _CLASS is not None:
        return _CLASS
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class DVE(nn.Module):
        def __init__(self, config: dict):
            super().__init__()
            self.config = dict(config)
            c, hidden, d = (
                int(config["n_channels"]),
                [int(h) for h in config["hidden"]],
                int(config["latent_dim"]),
            )
            self.latent_dim = d
            self.method = config["normalisation"]
            enc_sizes = [c, *hidden]
            enc = []
            for a, b in zip(enc_sizes[:-1], enc_sizes[1:]):
                enc += [nn.Linear(a, b), _activation(config["activation"])]
            enc.append(nn.Linear(enc_sizes[-1], 2 * d))  # mean and log-variance
            self.encoder = nn.Sequential(*enc)
            dec_sizes = [d, *reversed(hidden)]
            dec = []
            for a, b in zip(dec_sizes[:-1], dec_sizes[1:]):
                dec += [nn.Linear(a, b), _activation(config["activation"])]
            dec.append(nn.Linear(dec_sizes[-1], c))
            self.decoder = nn.Sequential(*dec)

        def normalise(self, counts):
            return normalise(counts, self.method)

        def encode(self, x):
            """(mean, log-variance) of the posterior for normalised input x."""
            h = self.encoder(x)
            return h[:, : self.latent_dim], h[:, self.latent_dim :].clamp(-12.0, 8.0)

        def encode_mean(self, x):
            """The posterior mean only (inference): skips the log-variance half of the last
            layer."""
            h = self.encoder[:-1](x)
            last = self.encoder[-1]
            d = self.latent_dim
            return F.linear(h, last.weight[:d], last.bias[:d])

        def encode_counts_mean(self, counts, inplace: bool = False):
            """Posterior mean straight from counts (N, C): normalise fused with the first layer.

            Equals encode_mean(normalise(counts)) up to float rounding; the per-spectrum scale is
            applied to the first layer's 128 outputs rather than to the 512 inputs.
            """
            base, scale = normalise_parts(counts, self.method, inplace=inplace)
            first = self.encoder[0]
            h = torch.addcmul(first.bias, base @ first.weight.T, scale)
            h = self.encoder[2:-1](self.encoder[1](h))
            last = self.encoder[-1]
            d = self.latent_dim
            return F.linear(h, last.weight[:d], last.bias[:d])

        def decode_log_probs(self, z):
            """Log channel probabilities (N, C) of the spectrum decoded from latent z."""
            return F.log_softmax(self.decoder(z), dim=-1)

        def forward(self, x, noise=None):
            mu, logvar = self.encode(x)
            z = mu if noise is None else mu + noise * torch.exp(0.5 * logvar)
            return mu, logvar, z, self.decode_log_probs(z)

    _CLASS = DVE
    return DVE
