"""How well could ANY recolouriser do on held-out cubes if it segmented the painting perfectly?

An upper bound for spectrum-driven recolouring. Each region of the generator's true label map is
given its noise-free mean spectrum (the region's summed counts, Hellinger-normalised, or the
element-line features of scripts/colour_ceiling.py); a regressor fitted on the regions of the
training cubes predicts the region's colour; the prediction is painted into the TRUE label map (no
boundary errors, no pixel noise, no segmentation errors) and scored against the palette target with
the evaluate command's metrics (MS-SSIM, sRGB redmean distance, CIEDE2000).

This is more than the recolouriser is given (it sees noisy per-pixel latents and must find the
regions itself), so a target this bound misses cannot be met by a better network: the error left is
colour that the region's paint does not determine through its X-ray spectrum (lakes and carbon black
have no lines, one iron signature serves red, yellow and brown earths, the white fraction barely
changes a lead-white spectrum) on paintings the regressor never saw.

Regressors: the probe MLP of colour_ceiling.py (inputs standardised, 2 x 128 GELU, L1 loss) and
k-nearest neighbours (k = 5, mean colour of the 5 closest training regions). Two references: the
training mean colour (no input), and each region's true paint recipe's own Kubelka-Munk colour (what
knowing the paint exactly would give; the generator picks recipes close to the region colour).

    python scripts/region_colour_ceiling.py --train data/train --test data/test [data/test2 ...]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from xrf_napari.cli import script_main

sys.path.insert(0, str(Path(__file__).resolve().parent))
from colour_ceiling import _line_features, probe  # noqa: E402


def _regions(data_dir, max_cubes=None):
    """Per cube: labels, palette image, and per-region (spectrum, lines, colour)."""
    import h5py

    from xrf_napari.models.dve import normalise
    from xrf_napari.training.data import list_cubes
    from xrf_napari.training.evaluate import recipe_colours

    cubes = []
    for path in list_cubes(data_dir)[:max_cubes]:
        with h5py.File(path, "r") as f:
            counts = f["counts"][()]
            palette = f["targets/palette"][()]
            labels = f["targets/labels"][()]
            metadata = json.loads(f.attrs["metadata"])
        flat = counts.reshape(-1, counts.shape[-1])
        lab = labels.reshape(-1)
        k = int(lab.max()) + 1
        sums = np.stack([flat[lab == v].sum(0, dtype=np.float64) for v in range(k)])  # per region
        present = np.bincount(lab, minlength=k) > 0
        colours = np.zeros((k, 3), dtype=np.float32)
        colours[lab] = palette.reshape(-1, 3) / 255.0  # the palette is constant per region
        spec = normalise(sums.astype(np.float32), "hellinger").numpy()
        lines = _line_features(sums.astype(np.float32), metadata)
        recipe = recipe_colours(
            metadata["regions"]
        )  # the colour of each region's true paint recipe
        cubes.append(
            {
                "name": Path(path).name,
                "labels": labels,
                "palette": palette,
                "present": present,
                "spectrum (512)": spec,
                "element lines": lines,
                "colour": colours,
                "recipe": recipe,
            }
        )
    return cubes


def _stack(cubes, key):
    return np.concatenate([c[key][c["present"]] for c in cubes])


def knn(x_train, y_train, k: int = 5):
    mu, sd = x_train.mean(0), x_train.std(0) + 1e-6
    a = (x_train - mu) / sd

    def predict(x):
        b = (x - mu) / sd
        d = (b**2).sum(1)[:, None] - 2 * b @ a.T + (a**2).sum(1)[None]
        nearest = np.argsort(d, axis=1)[:, :k]
        return y_train[nearest].mean(1)

    return predict


def score(cubes, key, predict, scales: int = 5) -> dict:
    """Mean metrics over `cubes`; MS-SSIM over `scales` scales (fewer on cubes of 160 px a side or
    less, as `evaluate` scores them: 5 scales raised there)."""
    from xrf_napari.training.metrics import image_metrics

    rows = []
    for c in cubes:
        colours = predict(c[key]).clip(0, 1)
        image = colours[c["labels"]]
        rows.append(image_metrics(image, c["palette"], scales))
    return {m: float(np.mean([r[m] for r in rows])) for m in rows[0]}


@script_main
def main(argv=None) -> int:
    from xrf_napari.argtypes import int_in, output_file, refuse_output_over_inputs
    from xrf_napari.cli import CommandParser  # options given in full
    from xrf_napari.fileutil import atomic_path
    from xrf_napari.training.data import cube_set

    p = CommandParser(description=__doc__.splitlines()[0])
    # a missing or empty set: a traceback; --max-train-cubes -1 dropped the last cube
    p.add_argument("--train", required=True, type=cube_set)
    p.add_argument("--test", required=True, nargs="+", type=cube_set)
    p.add_argument("--max-train-cubes", type=int_in(1, what="a number of cubes"), default=None)
    p.add_argument(
        "--steps", type=int_in(1, what="a number of steps"), default=3000, help="probe MLP steps"
    )
    # output_file: a leading ~ expanded (`--out=~/x.json` made a folder "~" here)
    p.add_argument("--out", type=output_file, default=None, help="write the figures as JSON here")
    args = p.parse_args(argv)
    # before minutes of probing: an --out that cannot be written failed at the end
    refuse_output_over_inputs(p, "--out", args.out, [args.train, *args.test])

    import torch

    torch.set_num_threads(1)
    train = _regions(args.train, args.max_train_cubes)
    tests = {d: _regions(d) for d in args.test}
    from xrf_napari.training.metrics import MSSSIM_WIN, msssim_scales

    side = min(min(c["palette"].shape[:2]) for cubes in tests.values() for c in cubes)
    scales = min(5, msssim_scales(side))  # one count for every folder, comparable rows
    if scales == 0:
        raise SystemExit(f"a held-out cube is {side} px a side: MS-SSIM needs > {MSSSIM_WIN - 1}")
    y = _stack(train, "colour")
    results = {}
    for key in ("spectrum (512)", "element lines"):
        x = _stack(train, key)
        for name, predict in (("MLP", probe(x, y, steps=args.steps)), ("5-NN", knn(x, y))):
            results[f"{key}, {name}"] = {
                d: score(cubes, key, predict, scales) for d, cubes in tests.items()
            }
    results["true recipe's own colour (knows the paint)"] = {
        d: score(cubes, "recipe", lambda c: c, scales) for d, cubes in tests.items()
    }
    mean = y.mean(0)
    results["mean colour"] = {
        d: score(cubes, "colour", lambda c: np.broadcast_to(mean, c.shape).copy(), scales)
        for d, cubes in tests.items()
    }
    print(
        f"perfect segmentation, region mean spectrum -> colour; {len(y)} training regions from "
        f"{len(train)} cubes of {args.train}; means over held-out cubes, against the palette target"
    )
    ms = "MS-SSIM" if scales == 5 else f"MS-SSIM ({scales} of 5 scales)"
    print(f"| input, regressor | folder | {ms} | sRGB dist | dE00 mean | dE00 median |")
    print("|---|---|---|---|---|---|")
    for name, per in results.items():
        for d, m in per.items():
            print(
                f"| {name} | {d} | {m['msssim']:.4f} | {m['srgb']:.4f} | {m['de_mean']:.2f} | "
                f"{m['de_median']:.2f} |"
            )
    if args.out:
        with atomic_path(args.out) as tmp, open(tmp, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
