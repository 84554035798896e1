"""How much of a pixel's colour can its spectrum tell at all? A per-pixel probe on held-out cubes.

The same small MLP (2 x 128 GELU, L1 loss, 3000 steps of 1024 pixels, seed 0) is fitted on pixels of
the training cubes from different inputs and scored (CIEDE2000 against the palette target) on pixels
of the held-out cubes and, for contrast, on training pixels:

- the DVE latent (3 numbers, what the recolouriser sees),
- the whole Hellinger-normalised 512-channel spectrum (everything the XRF measured),
- the training set's mean colour (no input at all).

If the 512-channel probe is no better than the latent on held-out cubes, the 3-D latent loses no
colour information that generalises, and the error left is ambiguity of colour given elements
(organic lakes and carbon black have no XRF lines, iron is in red, yellow and brown earths, mixing
ratios barely change the spectrum) that no recolouriser fed from the spectrum can remove.

    python scripts/colour_ceiling.py --train data/train --test data/test [--embedder W.safetensors]
"""

from __future__ import annotations

import argparse
import json

import numpy as np


def _pixels(data_dir, embedder, per_cube: int, seed: int):
    import h5py
    import torch

    from xrf_napari.models.dve import normalise
    from xrf_napari.training.data import list_cubes

    rng = np.random.default_rng(seed)
    spectra, latents, colours = [], [], []
    for path in list_cubes(data_dir):
        with h5py.File(path, "r") as f:
            counts = f["counts"][()].reshape(-1, f["counts"].shape[-1])
            palette = f["targets/palette"][()].reshape(-1, 3)
        idx = rng.choice(len(counts), min(per_cube, len(counts)), replace=False)
        x = counts[idx].astype(np.float32)
        latents.append(embedder.encode(x))
        spectra.append(normalise(torch.from_numpy(x), embedder.config.get("normalisation", "hellinger")).numpy())
        colours.append(palette[idx].astype(np.float32) / 255.0)
    return np.concatenate(spectra), np.concatenate(latents), np.concatenate(colours)


def _delta_e(pred, target) -> tuple[float, float]:
    from skimage.color import deltaE_ciede2000, rgb2lab

    de = deltaE_ciede2000(rgb2lab(pred[None]), rgb2lab(target[None]))[0]
    return float(de.mean()), float(np.median(de))


def probe(x_train, y_train, x_eval, steps: int = 3000, hidden: int = 128, seed: int = 0) -> np.ndarray:
    import torch

    torch.manual_seed(seed)
    mu, sd = x_train.mean(0), x_train.std(0) + 1e-6
    a, b = torch.from_numpy((x_train - mu) / sd), torch.from_numpy(y_train)
    net = torch.nn.Sequential(torch.nn.Linear(a.shape[1], hidden), torch.nn.GELU(), torch.nn.Linear(hidden, hidden),
                              torch.nn.GELU(), torch.nn.Linear(hidden, 3), torch.nn.Sigmoid())
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        i = torch.randint(0, len(a), (1024,), generator=gen)
        loss = (net(a[i]) - b[i]).abs().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        return net(torch.from_numpy((x_eval - mu) / sd)).numpy()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--train", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--embedder", default=None, help="DVE weights (default: the shipped ones)")
    p.add_argument("--train-pixels", type=int, default=3000, help="pixels per training cube")
    p.add_argument("--test-pixels", type=int, default=4000, help="pixels per held-out cube")
    p.add_argument("--out", default=None, help="write the figures as JSON here")
    args = p.parse_args(argv)

    import torch

    from xrf_napari.analysis.embed import load_embedder

    torch.set_num_threads(1)
    emb = load_embedder(args.embedder, "cpu")
    s_tr, z_tr, y_tr = _pixels(args.train, emb, args.train_pixels, 0)
    s_te, z_te, y_te = _pixels(args.test, emb, args.test_pixels, 1)
    seen = slice(0, 20000)  # training pixels, scored to show what memorising looks like
    rows = {
        "DVE latent (3)": (_delta_e(probe(z_tr, y_tr, z_te), y_te), _delta_e(probe(z_tr, y_tr, z_tr[seen]), y_tr[seen])),
        "spectrum (512)": (_delta_e(probe(s_tr, y_tr, s_te), y_te), _delta_e(probe(s_tr, y_tr, s_tr[seen]), y_tr[seen])),
        "mean colour": (_delta_e(np.broadcast_to(y_tr.mean(0), y_te.shape).copy(), y_te),
                        _delta_e(np.broadcast_to(y_tr.mean(0), y_tr[seen].shape).copy(), y_tr[seen])),
    }
    print(f"per-pixel probe, CIEDE2000 vs palette; {len(y_tr)} training px, {len(y_te)} held-out px; embedder {emb.path}")
    print("| input | held-out mean | held-out median | training px mean | training px median |")
    print("|---|---|---|---|---|")
    for name, ((m, md), (tm, tmd)) in rows.items():
        print(f"| {name} | {m:.2f} | {md:.2f} | {tm:.2f} | {tmd:.2f} |")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({k: {"held_out": v[0], "training": v[1]} for k, v in rows.items()}, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
