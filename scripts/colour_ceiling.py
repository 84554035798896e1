"""How much of a pixel's colour can its spectrum tell at all? A per-pixel probe on held-out cubes.

The same small MLP (2 x 128 GELU, L1 loss, 3000 steps of 1024 pixels, seed 0) is fitted on pixels of
the training cubes from different inputs and scored (CIEDE2000 against the palette target) on pixels
of the held-out cubes and, for contrast, on training pixels:

- the DVE latent (3 numbers, what the recolouriser sees),
- the whole Hellinger-normalised 512-channel spectrum (everything the XRF measured),
- net counts of the pigment elements' main lines over the total counts (square-rooted), from the
  elemental-map weights of analysis/maps.py at each cube's own detector resolution,
- the training set's mean colour (no input at all).

Several held-out folders can be given (e.g. unseen paintings through the unseen Mo instruments, and
unseen paintings through the training instrument family) to separate painting from instrument shift.

If the 512-channel probe is no better than the latent on held-out cubes, the 3-D latent loses no
colour information that generalises, and the error left is ambiguity of colour given elements
(organic lakes and carbon black have no XRF lines, iron is in red, yellow and brown earths, mixing
ratios barely change the spectrum) that no recolouriser fed from the spectrum can remove.

    python scripts/colour_ceiling.py --train data/train --test data/test [data/test2 ...] \\
        [--embedder W]
"""

from __future__ import annotations

import json

import numpy as np

from xrf_napari.cli import script_main

#: Elements of the pigment table with a usable line on the canonical grid (1-26.6 keV); anode
#: elements (Mo, Rh, W, Ag) left out so that the instrument does not leak in.
LINE_ELEMENTS = (
    "S",
    "K",
    "Ca",
    "Ti",
    "Cr",
    "Mn",
    "Fe",
    "Co",
    "Ni",
    "Cu",
    "Zn",
    "As",
    "Se",
    "Sr",
    "Cd",
    "Sn",
    "Sb",
    "Ba",
    "Hg",
    "Pb",
    "Bi",
)


def _line_features(counts: np.ndarray, metadata: dict) -> np.ndarray:
    from xrf_napari.analysis.maps import plan_maps, weight_matrix
    from xrf_napari.detector import DEFAULT_FWHM_MN_EV, fwhm_from_metadata
    from xrf_napari.energy import canonical_edges

    edges = canonical_edges()
    fwhm = fwhm_from_metadata(metadata) or DEFAULT_FWHM_MN_EV
    plans = plan_maps(LINE_ELEMENTS, (float(edges[0]), float(edges[-1])), fwhm_mn_ev=fwhm)
    w = weight_matrix(plans, edges, fwhm_mn_ev=fwhm)
    net = np.clip(counts @ w, 0, None)
    return np.sqrt(net / np.maximum(counts.sum(1, keepdims=True), 1.0)).astype(np.float32)


def _pixels(data_dir, embedder, per_cube: int, seed: int, max_cubes: int | None = None):
    import h5py
    import torch

    from xrf_napari.models.dve import normalise
    from xrf_napari.training.data import list_cubes

    rng = np.random.default_rng(seed)
    spectra, latents, lines, colours = [], [], [], []
    for path in list_cubes(data_dir)[:max_cubes]:
        with h5py.File(path, "r") as f:
            counts = f["counts"][()].reshape(-1, f["counts"].shape[-1])
            palette = f["targets/palette"][()].reshape(-1, 3)
            metadata = json.loads(f.attrs["metadata"])
        idx = rng.choice(len(counts), min(per_cube, len(counts)), replace=False)
        x = counts[idx].astype(np.float32)
        latents.append(embedder.encode(x))
        spectra.append(
            normalise(
                torch.from_numpy(x), embedder.config.get("normalisation", "hellinger")
            ).numpy()
        )
        lines.append(_line_features(x, metadata))
        colours.append(palette[idx].astype(np.float32) / 255.0)
    return {
        "DVE latent (3)": np.concatenate(latents),
        "spectrum (512)": np.concatenate(spectra),
        f"element lines ({len(LINE_ELEMENTS)})": np.concatenate(lines),
    }, np.concatenate(colours)


def _delta_e(pred, target) -> tuple[float, float]:
    from skimage.color import deltaE_ciede2000, rgb2lab

    de = deltaE_ciede2000(rgb2lab(pred[None]), rgb2lab(target[None]))[0]
    return float(de.mean()), float(np.median(de))


def probe(x_train, y_train, steps: int = 3000, hidden: int = 128, seed: int = 0):
    """Fit the probe MLP; returns predict(x) -> sRGB in [0, 1]."""
    import torch

    torch.manual_seed(seed)
    mu, sd = x_train.mean(0), x_train.std(0) + 1e-6
    a, b = torch.from_numpy((x_train - mu) / sd), torch.from_numpy(y_train)
    net = torch.nn.Sequential(
        torch.nn.Linear(a.shape[1], hidden),
        torch.nn.GELU(),
        torch.nn.Linear(hidden, hidden),
        torch.nn.GELU(),
        torch.nn.Linear(hidden, 3),
        torch.nn.Sigmoid(),
    )
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        i = torch.randint(0, len(a), (1024,), generator=gen)
        loss = (net(a[i]) - b[i]).abs().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()

    def predict(x):
        with torch.no_grad():
            return net(torch.from_numpy((x - mu) / sd)).numpy()

    return predict


@script_main
def main(argv=None) -> int:
    from xrf_napari.argtypes import int_in, output_file  # one line, not a traceback
    from xrf_napari.cli import CommandParser  # options given in full
    from xrf_napari.training.data import cube_set

    p = CommandParser(description=__doc__.splitlines()[0])
    p.add_argument("--train", required=True, type=cube_set, help="a generated set")
    p.add_argument(
        "--test",
        required=True,
        nargs="+",
        type=cube_set,
        help="one or more held-out folders",
    )
    p.add_argument("--embedder", default=None, help="DVE weights (default: the shipped ones)")
    # at least 1, at parsing: 0 (or --train-pixels -1) ended the embedding in a traceback
    # ("need at least one array to concatenate"), and --max-train-cubes -1 left out the last cube
    cubes, pixels = int_in(1, what="a number of cubes"), int_in(1, what="a number of pixels")
    p.add_argument(
        "--max-train-cubes", type=cubes, default=None, help="use only the first N training cubes"
    )
    p.add_argument("--train-pixels", type=pixels, default=3000, help="pixels per training cube")
    p.add_argument("--test-pixels", type=pixels, default=4000, help="pixels per held-out cube")
    p.add_argument("--out", type=output_file, default=None, help="write the figures as JSON here")
    args = p.parse_args(argv)
    from xrf_napari.argtypes import refuse_output_over_inputs

    refuse_output_over_inputs(p, "--out", args.out, [args.train, *args.test, args.embedder])

    import torch

    from xrf_napari.analysis.embed import load_embedder

    torch.set_num_threads(1)
    emb = load_embedder(args.embedder, "cpu")
    x_tr, y_tr = _pixels(args.train, emb, args.train_pixels, 0, args.max_train_cubes)
    tests = {d: _pixels(d, emb, args.test_pixels, 1) for d in args.test}
    lat = next(iter(x_tr))
    for x in [x_tr, *(t[0] for t in tests.values())]:  # the latent beside the element lines
        lines = [k for k in x if k.startswith("element")][0]
        x[f"latent + {lines}"] = np.concatenate([x[lat], x[lines]], 1)
    seen = slice(0, 20000)  # training pixels, scored to show what memorising looks like
    rows = {}
    for name in x_tr:
        predict = probe(x_tr[name], y_tr)
        rows[name] = {
            d: _delta_e(predict(x), y) for d, (xs, y) in tests.items() for x in [xs[name]]
        }
        rows[name]["training px"] = _delta_e(predict(x_tr[name][seen]), y_tr[seen])
    mean = y_tr.mean(0)
    rows["mean colour"] = {
        d: _delta_e(np.broadcast_to(mean, y.shape).copy(), y) for d, (_, y) in tests.items()
    }
    rows["mean colour"]["training px"] = _delta_e(
        np.broadcast_to(mean, y_tr[seen].shape).copy(), y_tr[seen]
    )
    cols = list(args.test) + ["training px"]
    print(
        f"per-pixel probe, CIEDE2000 (mean / median) vs palette; {len(y_tr)} training px from "
        f"{args.train}"
        f"{f' (first {args.max_train_cubes} cubes)' if args.max_train_cubes else ''}; embedder "
        f"{emb.path}"
    )
    print("| input | " + " | ".join(cols) + " |")
    print("|---|" + "---|" * len(cols))
    for name, r in rows.items():
        print(f"| {name} | " + " | ".join(f"{r[c][0]:.2f} / {r[c][1]:.2f}" for c in cols) + " |")
    if args.out:
        from xrf_napari.fileutil import atomic_path

        with atomic_path(args.out) as tmp, open(tmp, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
