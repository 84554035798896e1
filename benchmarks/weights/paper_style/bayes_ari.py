"""Upper bound on per-pixel region labelling of paper-style cubes: the Bayes classifier that KNOWS
each cluster's true mixed spectrum (re-computed from the cube's metadata with synth/paper_style.py)
and its pixel share, scored with the adjusted Rand index against the generator's labels.

Every pixel of a cluster is a multinomial draw from one spectrum, so this maximum-a-posteriori
labelling is the best any per-pixel method (DVE + K-Means included) can do; `--pool R` also shows
what summing the counts of the (2R+1)^2 neighbourhood (spatial context) would give. The same
posteriors also paint an image (each pixel the posterior mean of the cluster colours), scored like
`evaluate` against the palette: what a per-pixel recolouriser that knew the generator could reach.

    python benchmarks/weights/paper_style/bayes_ari.py --data /work/data_paper/test [--pool 1] \
        [--per-cube]
"""

from __future__ import annotations

import json

import numpy as np


def cluster_spectra_canonical(meta: dict) -> np.ndarray:
    """(k, 512) expected canonical spectra (probabilities) of the cube's clusters."""
    from xrf_napari.energy import to_canonical_matrix
    from xrf_napari.synth import paper_style as ps

    colours = np.array([r["colour_rgb"] for r in meta["regions"]])
    lab = np.array([p.lab for p in ps.database_pigments()])
    w = ps.mixing_weights(colours, lab)
    mixed = w @ ps.pigment_spectra() / w.sum(1, keepdims=True)
    m = to_canonical_matrix(ps.paper_profile().calibration, ps.N_CHANNELS)
    canon = np.asarray(m.T @ mixed.T).T
    return canon / canon.sum(1, keepdims=True)


def main(argv=None) -> int:
    import h5py
    from scipy.ndimage import uniform_filter
    from sklearn.metrics import adjusted_rand_score

    from xrf_napari.cli import CommandParser  # options given in full
    from xrf_napari.training.data import list_cubes
    from xrf_napari.training.evaluate import _set_scales
    from xrf_napari.training.metrics import image_metrics

    p = CommandParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True)
    p.add_argument(
        "--pool", type=int, nargs="*", default=[0], help="neighbourhood radii (0: the pixel alone)"
    )
    p.add_argument(
        "--per-cube", action="store_true", help="also print each cube's figures (with its painting)"
    )
    args = p.parse_args(argv)
    res = {r: [] for r in args.pool}
    paint = {r: [] for r in args.pool}
    files = list_cubes(args.data)
    # one MS-SSIM scale count for the set, as evaluate's: 5 scales raised on cubes of <= 160 px
    scales = _set_scales(files) or 5
    for path in files:
        with h5py.File(path, "r") as f:
            counts = f["counts"][()].astype(np.float32)
            labels = f["targets/labels"][()]
            palette = f["targets/palette"][()]
            meta = json.loads(f.attrs["metadata"])
        logp = np.log(np.clip(cluster_spectra_canonical(meta), 1e-12, None))
        prior = np.log(np.bincount(labels.ravel(), minlength=len(logp)) / labels.size + 1e-12)
        colours = np.array([reg["colour_rgb"] for reg in meta["regions"]], np.float32)  # [0, 1]
        for r in args.pool:
            c = (
                counts
                if r == 0
                else uniform_filter(counts, size=(2 * r + 1, 2 * r + 1, 1), mode="nearest")
            )
            score = c.reshape(-1, c.shape[-1]) @ logp.T * (2 * r + 1) ** 2 + prior
            res[r].append(adjusted_rand_score(labels.ravel(), np.argmax(score, axis=1)))
            post = np.exp(score - score.max(1, keepdims=True))
            post /= post.sum(1, keepdims=True)
            image = (post @ colours).reshape(*labels.shape, 3)
            paint[r].append(image_metrics(image, palette, scales))
            if args.per_cube:
                src = (meta.get("source") or {}).get("image", "?")
                d = paint[r][-1]
                print(
                    f"{path.name} {src} pool {r}: ARI {res[r][-1]:.3f}, MS-SSIM {d['msssim']:.4f}, "
                    f"sRGB {d['srgb']:.4f}, dE00 {d['de_mean']:.2f}"
                )
    if scales != 5:
        print(f"MS-SSIM over {scales} of 5 scales (the set's cubes are too small for 5)")
    for r, v in res.items():
        print(
            f"pool radius {r}: Bayes MAP ARI median {np.median(v):.3f}, mean {np.mean(v):.3f}, "
            f"min {np.min(v):.3f} over {len(v)} cubes; posterior-mean colours vs palette: "
            + ", ".join(
                f"{m} {np.mean([d[m] for d in paint[r]]):.4f}"
                for m in ("msssim", "srgb", "de_mean")
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
