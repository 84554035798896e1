"""SmallUViT: the vision transformer that maps the 3-D latent image of the DVE to RGB.

Reconstructed from the paper's public ingredients
(arXiv 2410.08826, see docs/model_card_recolouriser.md):

- U-ViT skeleton (Bao et al. 2023): `depth // 2` "in" blocks, one "mid" block, `depth // 2` "out"
  blocks; each out block first fuses the matching in-block output (last in, first out) with
  concatenation + Linear(2*dim -> dim). Pre-norm attention + MLP blocks.
- Shifted Patch Tokenization (Lee et al. 2021): the input is shifted by half a patch in the four
  diagonal directions and stacked with itself (5 x C channels) before patching, so each token also
  sees its neighbours' borders -- it helps transformers trained on small data sets.
- Locality Self-Attention (same paper): learnable softmax temperature per head and the diagonal of
  the attention logits masked, so a token must gather information from the others.
- Output head: LayerNorm -> Linear(dim -> p*p*C) -> un-patchify -> 3x3 conv against patch seams ->
  sigmoid, so the output is RGB in [0, 1].

One measured addition (config `pixel_skip`, off = the paper's design): the head's 3x3 conv also sees
the normalised input latent at full resolution, followed by a per-pixel 1x1 layer. A 16 x 16 patch
token of dim 144 cannot carry the 768 output values of its patch exactly; the skip gives the head
the sharp region boundaries back. The model card compares both.

A second, `pixel_branch` (> 0, needs pixel_skip): the latent also passes through a per-pixel MLP
(two per-pixel linear layers of that width, then one to `head_hidden`) added to the head's 3x3 conv
before its non-linearity (cheap: the wide features never go through a 3x3 conv). With pixel_skip
alone the only per-pixel nonlinearity is one 3x3 conv of `head_hidden` channels, too weak to map a
latent to a colour on its own, so the 16 x 16 token decode dominates and the output shows patch
blocks and soft edges; with the branch the head can be as sharp as a per-pixel MLP and use the
tokens for context.

A third, `line_elements` (non-empty: in_chans = 3 + its length): the input is the DVE latent
followed by element-line features (analysis/line_features.py), and the recolouriser calls the
embedder for both. With `token_chans` > 0 a per-pixel linear layer first folds the input to that
many channels before the shifted-patch tokens, which would otherwise grow with 5 x p x p x in_chans;
the pixel branch reads the full input. With `colour_prior` (needs line_elements) four more channels
follow: the colour the lines name from the pigment table, and where they name one
(analysis/ambiguity.py colour_prior).

A fourth, `colour_bins` (> 0, needs pixel_skip): the head scores that many colours instead of
regressing RGB, and the output is their annealed mean (training/colour_classes.py says why); the
bin colours are the buffer `bin_rgb`.

The input normalisation (per-channel mean and std of the training inputs) lives in the model as
buffers, so callers pass raw DVE latents (and raw line features).
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

DEFAULT_CONFIG = {
    "arch": "SmallUViT",
    "in_chans": 3,
    "out_chans": 3,
    "img_size": 128,
    "patch": 16,
    "dim": 144,
    "depth": 7,
    "heads": 9,
    "mlp_ratio": 4.0,
    "spt_shift": "half",  # "half": half a patch, diagonal (paper); "one": 1 pixel, cardinal (light)
    "pixel_skip": False,
    "head_hidden": 32,
    "pixel_branch": 0,  # width of the per-pixel MLP feeding the head (0 = none); needs pixel_skip
    "line_elements": [],  # elements whose line features follow the latent in the input
    "token_chans": 0,  # per-pixel linear fold of the input before the patch tokens (0 = none)
    "colour_prior": False,  # the named colour's 4 channels follow the line features
    "colour_bins": 0,  # > 0: the head scores this many colours (training/colour_classes.py)
    "decode_temperature": 0.38,  # annealed mean of those scores (Zhang et al. 2016)
    "latent_mean": [0.0, 0.0, 0.0],
    "latent_std": [1.0, 1.0, 1.0],
}


def full_config(config: dict | None) -> dict:
    """DEFAULT_CONFIG updated with `config`, checked."""
    cfg = dict(DEFAULT_CONFIG)
    cfg.update(config or {})
    if cfg["dim"] % cfg["heads"]:
        raise ValueError(f"dim {cfg['dim']} must be a multiple of heads {cfg['heads']}")
    if cfg["depth"] % 2 != 1 or cfg["depth"] < 1:
        raise ValueError(f"depth must be odd (in blocks + 1 mid + out blocks), got {cfg['depth']}")
    if cfg["img_size"] % cfg["patch"]:
        raise ValueError(f"img_size {cfg['img_size']} must be a multiple of patch {cfg['patch']}")
    if cfg["pixel_branch"] and not cfg["pixel_skip"]:
        raise ValueError("pixel_branch needs pixel_skip (the branch feeds the pixel-skip head)")
    if cfg["colour_bins"] and not cfg["pixel_skip"]:
        raise ValueError("colour_bins needs pixel_skip (the bins are scored by the pixel head)")
    if cfg["colour_prior"] and not cfg["line_elements"]:
        raise ValueError("colour_prior is computed from the line features: set line_elements")
    from .input_layout import extra_channels  # the prior's width as built, not a 4

    extra = extra_channels(cfg)
    if cfg["line_elements"] and cfg["in_chans"] <= extra:
        raise ValueError(
            f"in_chans {cfg['in_chans']} leaves no room for the latent beside "
            f"{len(cfg['line_elements'])} line features"
            + (" and the colour prior" if cfg["colour_prior"] else "")
        )
    if len(cfg["latent_mean"]) != cfg["in_chans"] or len(cfg["latent_std"]) != cfg["in_chans"]:
        raise ValueError("latent_mean/latent_std need one value per input channel")
    return cfg


class ShiftedPatchTokens(nn.Module):
    """Shifted Patch Tokenization: x and 4 shifted copies -> p x p patches -> LayerNorm ->
    Linear."""

    def __init__(self, in_chans: int, patch: int, dim: int, shift: str = "half"):
        super().__init__()
        self.patch = patch
        if shift == "half":
            s = max(1, patch // 2)
            self.shifts = [(s, s), (s, -s), (-s, s), (-s, -s)]
        elif shift == "one":
            self.shifts = [(1, 0), (-1, 0), (0, 1), (0, -1)]
        else:
            raise ValueError(f"spt_shift must be 'half' or 'one', got {shift!r}")
        feat = 5 * in_chans * patch * patch
        self.norm = nn.LayerNorm(feat)
        self.proj = nn.Linear(feat, dim)

    @staticmethod
    def _shift(x, dy: int, dx: int):
        # Content moves by (dy, dx); the uncovered border is zero (as in the SPT paper).
        h, w = x.shape[-2:]
        x = F.pad(x, (max(dx, 0), max(-dx, 0), max(dy, 0), max(-dy, 0)))
        y0, x0 = max(-dy, 0), max(-dx, 0)
        return x[..., y0 : y0 + h, x0 : x0 + w]

    def forward(self, x):
        x = torch.cat([x] + [self._shift(x, dy, dx) for dy, dx in self.shifts], dim=1)
        b, c, h, w = x.shape
        p = self.patch
        x = (
            x.reshape(b, c, h // p, p, w // p, p)
            .permute(0, 2, 4, 3, 5, 1)
            .reshape(b, (h // p) * (w // p), p * p * c)
        )
        return self.proj(self.norm(x))


class LocalitySelfAttention(nn.Module):
    """Multi-head self-attention with a learnable temperature per head and the diagonal masked."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.head_dim = dim // heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        # log of the softmax scale, initialised at the usual 1/sqrt(d); learnt per head.
        self.log_temperature = nn.Parameter(
            torch.full((heads, 1, 1), math.log(self.head_dim**-0.5))
        )
        self._mask_cache: dict = {}

    def _split(self, x):
        b, n, _ = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        return qkv[0], qkv[1], qkv[2]  # (b, heads, n, head_dim)

    def _allowed(self, n: int, device):
        key = (n, str(device))
        m = self._mask_cache.get(key)
        if m is None:
            m = ~torch.eye(n, dtype=torch.bool, device=device)
            self._mask_cache[key] = m
        return m

    def attention_weights(self, x):
        """(b, heads, n, n) attention probabilities, computed explicitly
        (for inspection and tests)."""
        q, k, _ = self._split(x)
        logits = (q @ k.transpose(-2, -1)) * self.log_temperature.exp()
        logits = logits.masked_fill(~self._allowed(x.shape[1], x.device), float("-inf"))
        return logits.softmax(dim=-1)

    def forward(self, x, explicit: bool = False):
        b, n, d = x.shape
        q, k, v = self._split(x)
        if explicit:
            out = self.attention_weights(x) @ v
        else:
            # Fold the per-head temperature into q so the fused kernel can use scale=1.
            q = q * self.log_temperature.exp().to(q.dtype)
            out = F.scaled_dot_product_attention(
                q, k, v, attn_mask=self._allowed(n, x.device), scale=1.0
            )
        return self.proj(out.transpose(1, 2).reshape(b, n, d))


class Block(nn.Module):
    """Pre-norm transformer block; an out block first fuses its long skip (concat + Linear)."""

    def __init__(self, dim: int, heads: int, mlp_ratio: float, skip: bool = False):
        super().__init__()
        self.skip_linear = nn.Linear(2 * dim, dim) if skip else None
        self.norm1 = nn.LayerNorm(dim)
        self.attn = LocalitySelfAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        hidden = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

    def forward(self, x, skip=None):
        if self.skip_linear is not None:
            x = self.skip_linear(torch.cat([x, skip], dim=-1))
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class SmallUViT(nn.Module):
    """(B, in_chans, H, W) raw latent -> (B, out_chans, H, W) RGB in [0, 1]; H, W multiples of
    patch."""

    def __init__(self, config: dict | None = None):
        super().__init__()
        cfg = full_config(config)
        self.config = cfg
        self.patch = p = cfg["patch"]
        dim, c_in = cfg["dim"], cfg["in_chans"]
        c_out = cfg["colour_bins"] or cfg["out_chans"]
        if cfg["colour_bins"]:  # the decoder's colours, set by training, saved with the weights
            self.register_buffer("bin_rgb", torch.zeros(cfg["colour_bins"], 3))
        self.register_buffer(
            "latent_mean", torch.tensor(cfg["latent_mean"], dtype=torch.float32).view(1, -1, 1, 1)
        )
        self.register_buffer(
            "latent_std", torch.tensor(cfg["latent_std"], dtype=torch.float32).view(1, -1, 1, 1)
        )
        c_tok = int(cfg["token_chans"]) or c_in
        self.token_fold = nn.Linear(c_in, c_tok) if cfg["token_chans"] else None
        self.embed = ShiftedPatchTokens(c_tok, p, dim, cfg["spt_shift"])
        self.grid = cfg["img_size"] // p
        self.pos_embed = nn.Parameter(torch.zeros(1, self.grid * self.grid, dim))
        n_side = cfg["depth"] // 2
        self.in_blocks = nn.ModuleList(
            Block(dim, cfg["heads"], cfg["mlp_ratio"]) for _ in range(n_side)
        )
        self.mid_block = Block(dim, cfg["heads"], cfg["mlp_ratio"])
        self.out_blocks = nn.ModuleList(
            Block(dim, cfg["heads"], cfg["mlp_ratio"], skip=True) for _ in range(n_side)
        )
        self.norm = nn.LayerNorm(dim)
        self.pixel_skip = bool(cfg["pixel_skip"])
        if self.pixel_skip:
            hid, pix = cfg["head_hidden"], int(cfg["pixel_branch"])
            self.decoder_pred = nn.Linear(dim, p * p * hid)
            # Linear layers on channels-last pixels: ~2x faster than 1x1 convs on CPU.
            self.pixel_mlp = (
                nn.Sequential(
                    nn.Linear(c_in, pix),
                    nn.GELU(),
                    nn.Linear(pix, pix),
                    nn.GELU(),
                    nn.Linear(pix, hid),
                )
                if pix
                else None
            )
            self.final = nn.Sequential(
                nn.Conv2d(hid + c_in, hid, 3, padding=1), nn.GELU(), nn.Conv2d(hid, c_out, 1)
            )
            self._head_chans = hid
        else:
            self.decoder_pred = nn.Linear(dim, p * p * c_out)
            self.final = nn.Conv2d(c_out, c_out, 3, padding=1)
            self.pixel_mlp = None
            self._head_chans = c_out
        self._init_weights()

    def _init_weights(self):
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        if self.pixel_mlp is not None:  # a per-pixel MLP wants fan-in scaled weights:
            for m in self.pixel_mlp:  # at std 0.02, three layers deep, its signal would start ~1e-3
                if isinstance(m, nn.Linear):
                    m.reset_parameters()

    def pos_embed_for(self, gh: int, gw: int):
        """The learnt positional embedding, bicubically resized for a gh x gw token grid."""
        if (gh, gw) == (self.grid, self.grid):
            return self.pos_embed
        d = self.pos_embed.shape[-1]
        pe = self.pos_embed.reshape(1, self.grid, self.grid, d).permute(0, 3, 1, 2)
        pe = F.interpolate(pe.float(), size=(gh, gw), mode="bicubic", align_corners=False)
        return pe.permute(0, 2, 3, 1).reshape(1, gh * gw, d).to(self.pos_embed.dtype)

    def forward(self, x, raw: bool = False):
        """RGB in [0, 1]; with raw, the head's output before the sigmoid (or the bins' logits)."""
        out = self._head(x)
        if raw:
            return out
        if self.config["colour_bins"]:
            return self.decode(out)
        return torch.sigmoid(out)

    def decode(self, logits):
        """Annealed mean: the bin colours weighted by softmax(logits / T)."""
        p = torch.softmax(logits.float() / self.config["decode_temperature"], dim=1)
        return torch.einsum("bqhw,qc->bchw", p, self.bin_rgb.float())

    def _head(self, x):
        b, _, h, w = x.shape
        p = self.patch
        if h % p or w % p:
            raise ValueError(f"input {h}x{w} is not a multiple of the patch size {p}")
        x = (x - self.latent_mean) / self.latent_std
        gh, gw = h // p, w // p
        xt = x
        if self.token_fold is not None:
            xt = self.token_fold(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        tokens = self.embed(xt) + self.pos_embed_for(gh, gw)
        skips = []
        for blk in self.in_blocks:
            tokens = blk(tokens)
            skips.append(tokens)
        tokens = self.mid_block(tokens)
        for blk in self.out_blocks:
            tokens = blk(tokens, skips.pop())
        y = self.decoder_pred(self.norm(tokens))  # (b, n, p*p*c)
        c = self._head_chans
        y = y.reshape(b, gh, gw, p, p, c).permute(0, 5, 1, 3, 2, 4).reshape(b, c, h, w)
        if not self.pixel_skip:
            return self.final(y)
        x = x.to(y.dtype)
        conv, act, out = self.final
        h = conv(torch.cat([y, x], dim=1))
        if self.pixel_mlp is not None:
            h = h + self.pixel_mlp(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
        return out(act(h))


def build_from_config(config: dict) -> SmallUViT:
    """The model a weights file describes (its stored config); unknown keys are kept, not used."""
    return SmallUViT(config)
