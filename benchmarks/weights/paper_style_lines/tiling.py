"""What inference alone can add on paper-style held-out cubes (issue 15): the committed
paper_style_lines SmallUViT scored against the palette, as `evaluate` scores it, with denser tiles
(`--overlap` of `xrf-napari recolour`) and with the 8 orientations averaged (`--average-flips`).
Each cube is embedded once; every setting predicts from the same latent.

    python benchmarks/weights/paper_style_lines/tiling.py --data DIR [--overlap 32 96]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def main(argv=None) -> int:
    from xrf_napari.analysis.embed import iter_embed
    from xrf_napari.analysis.recolour import load_recolouriser
    from xrf_napari.cli import CommandParser  # options given in full
    from xrf_napari.progress import run_to_end
    from xrf_napari.training.data import list_cubes
    from xrf_napari.training.evaluate import _read
    from xrf_napari.training.metrics import image_metrics, msssim_scales

    p = CommandParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="folder of paper-style held-out cubes")
    p.add_argument("--weights", default=str(HERE / "uvit.safetensors"))
    p.add_argument("--embedder", default=str(HERE.parent / "paper_style" / "dve.safetensors"))
    p.add_argument("--overlap", type=int, nargs="+", default=[32, 96])
    args = p.parse_args(argv)
    rec = load_recolouriser(args.weights, "cpu")
    settings = [(ov, flips) for flips in (False, True) for ov in args.overlap]
    scores = {s: [] for s in settings}
    for path in list_cubes(args.data):
        cube, targets, _ = _read(path)
        latent = rec.model_input(
            run_to_end(
                iter_embed(cube, weights=args.embedder, device="cpu", features=rec.features())
            )
        )
        scales = msssim_scales(min(cube.shape[:2]))
        for ov, flips in settings:
            m = image_metrics(
                rec.predict(latent, overlap=ov, average_flips=flips), targets["palette"], scales
            )
            scores[(ov, flips)].append((m["msssim"], m["srgb"], m["de_mean"]))
    print("| overlap (px) | 8 orientations | MS-SSIM | sRGB | dE00 mean |")
    print("|---|---|---|---|---|")
    for (ov, flips), rows in scores.items():
        ms, srgb, de = np.mean(rows, axis=0)
        print(f"| {ov} | {'yes' if flips else 'no'} | {ms:.4f} | {srgb:.4f} | {de:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
