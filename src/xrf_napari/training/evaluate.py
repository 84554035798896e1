"""`xrf-napari-train evaluate`: score the recolouriser on a held-out synthetic set.

For every cube: the DVE latent (same path as inference), the SmallUViT prediction (tiled), the
per-pixel MLP baseline, and the generator's two targets. Metrics (training/metrics.py): MS-SSIM,
redmean sRGB distance, CIEDE2000 mean and median, each against the palette target (the clustered
image: what the cube's regions can tell) and against the original image. The "palette ceiling" row
scores the palette image itself against the original: no model that sees only region-level
information can do better on the original-image columns. Values are means over cubes (the dE
median column is the mean of per-cube medians). Writes eval.md, eval.json and recolour_grid.png
(latent preview / prediction / palette / original for a few cubes), and the embedder's ARI table
when training/eval_embedder.py is available.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np

from ..analysis.pooling import POOL_BELOW_COUNTS
from ..cube import pixels_text
from ..device import DEVICE_CHOICES
from ..energy import CANONICAL_N_CHANNELS

METRICS = ("msssim", "srgb", "de_mean", "de_median")
#: The files --out receives (write_outputs): checked before the work, named after it.
OUTPUTS = ("eval.md", "eval.json", "recolour_grid.png")
HEADERS = {
    "msssim": "MS-SSIM ↑",
    "srgb": "sRGB dist ↓",
    "de_mean": "ΔE00 mean ↓",
    "de_median": "ΔE00 median ↓",
}
PAPER = {"msssim": 0.9196, "srgb": 0.1148}
#: Bytes of the cubes' counts and labels the colour pass keeps for the ARI pass, which reads
#: again only the cubes beyond it (it read every cube a second time), or beyond half the memory
#: still free.
ARI_KEEP_BYTES = 2 * 2**30


def configure(p) -> None:
    from ..argtypes import int_in

    p.add_argument(
        "--data",
        required=True,
        help="held-out dataset folder (cube_*.h5 with colour targets, or an export-set folder)",
    )
    from ..models.weights import BASELINE_FILE, default_help

    p.add_argument("--weights", default=None, help=f"SmallUViT weights ({default_help('uvit')})")
    p.add_argument("--embedder", default=None, help=f"DVE weights ({default_help('dve')})")
    p.add_argument(
        "--baseline",
        default=None,
        help=f"per-pixel MLP weights (default: {BASELINE_FILE} beside --weights, if present)",
    )
    p.add_argument(
        "--out",
        default=None,
        help="folder for eval.md, eval.json, recolour_grid.png (written as a set, eval.json "
        "last: where eval.json exists, the other two are from the same run)",
    )
    p.add_argument("--device", default="auto", help=DEVICE_CHOICES)
    p.add_argument(
        "--grid", type=int_in(1), default=4, help="cubes shown in the PNG grid (default 4)"
    )
    p.add_argument(
        "--max-cubes",
        type=int_in(1),
        default=None,
        help="score only the set's first N cubes (colour and ARI tables)",
    )
    p.add_argument("--no-ari", action="store_true", help="skip the embedder's ARI table")
    p.add_argument(
        "--no-pool",
        action="store_true",
        help="ARI table: never pool a low-count cube's 3 x 3 neighbourhoods (the plugin does, "
        f"below {POOL_BELOW_COUNTS:.0f} counts per pixel; figures before 2026-12-02 were "
        "unpooled)",
    )
    p.add_argument(
        "--average-flips",
        action="store_true",
        help="SmallUViT output averaged over each tile's 8 flips and turns (as recolour's option)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _read(path):
    """(cube, targets, metadata) of a held-out cube: a project file or an export-set cube."""
    from ..synth.export import is_exported, read_exported, sidecar_of

    if is_exported(path):  # a set written as users receive scans (synth/export.py)
        cube, targets, meta = read_exported(path)
        _check_targets(path, cube.shape, targets, sidecar_of(path).name)
        return cube, targets, meta
    cube, targets, meta = _read_project(path)
    _check_targets(path, cube.shape, targets)
    return cube, targets, meta


def _set_scales(files, headers=None) -> int | None:
    """The MS-SSIM scale count of a whole set, from its smallest cube's palette target (a header
    read), before any cube is scored (the first cube's count refused a smaller cube later, after
    the others had run). None when no file's size can be read here (the loop then names it).
    headers: common.target_header of each file, when the caller has read them (evaluate, for
    this and check_set_targets); the scripts that score like evaluate give none."""
    from .common import target_header
    from .metrics import MSSSIM_WIN, msssim_scales

    if headers is None:
        headers = [target_header(p) for p in files]
    sides = [(min(h[1]), p) for p, h in zip(files, headers) if h is not None and h[1] is not None]
    if not sides:
        return None
    side, path = min(sides, key=lambda t: t[0])
    scales = msssim_scales(side)
    if scales == 0:
        raise ValueError(
            f"{path}: {side} px a side; MS-SSIM over even 1 scale needs > {MSSSIM_WIN - 1} px"
        )
    return scales


def check_set_targets(files, headers, labels: bool = False) -> None:
    """A ValueError naming the first cube without the targets the run needs (palette and rgb;
    the region labels too for the ARI table), before any cube is scored: such a cube was met in
    its turn, after the cubes before it had been scored (minutes), and a cube without labels
    stopped the ARI pass after the whole colour table, writing nothing. headers:
    common.target_header of each file (None: not readable here, the pass that reads it says
    why); a file that is no project cube was refused there."""
    from ..synth.export import is_exported, sidecar_of

    for path, header in zip(files, headers):
        if header is None:
            continue
        for k in ("palette", "rgb") + (("labels",) if labels else ()):
            if k in header[0]:
                continue
            where = (
                f"{sidecar_of(path)} has no {k} target"
                if is_exported(path)
                else (f"{path} has no /targets/{k}")
            )
            why = (
                ": the ARI table needs the region labels (--no-ari scores the colours alone)"
                if k == "labels"
                else ": evaluate scores against the palette and rgb targets generate writes"
            )
            raise ValueError(where + why)


def _check_targets(path, shape, targets: dict, source: str | None = None) -> None:
    """A ValueError naming the cube when its targets are not images of its pixels: said before the
    models run on it (metrics.image_metrics said only "images differ in shape", after them)."""
    h, w = shape[:2]
    where = f" (targets from {source})" if source else ""
    for k, want in (("palette", (h, w, 3)), ("rgb", (h, w, 3)), ("labels", (h, w))):
        if k in targets and tuple(np.shape(targets[k])) != want:
            raise ValueError(
                f"{path}: targets {k} {tuple(np.shape(targets[k]))} do not match the cube's "
                f"{pixels_text(shape)}{where}"
            )
    # colour targets are 8-bit sRGB, as generate writes them and the trainers read them (/ 255):
    # metrics.image_metrics clips any other type to [0, 1] (0-255 floats or uint16 scored as
    # near white) and flat_mean_image rounds a [0, 1] float mean to 0 or 1, silently
    for k in ("palette", "rgb"):
        if k in targets and np.asarray(targets[k]).dtype != np.uint8:
            raise ValueError(
                f"{path}: targets {k} are {np.asarray(targets[k]).dtype}, not 8-bit sRGB (uint8) "
                f"as generate writes them{where}"
            )


def _read_project(path):
    from ..cube import cube_from_array
    from ..io.hdf5 import open_hdf5
    from ..io.project_h5 import check_project_file, read_project_cube, targets_of

    try:
        with open_hdf5(path) as f:
            check_project_file(f, path)
            cube = read_project_cube(f, path)
            if "targets/palette" not in f or "targets/rgb" not in f:
                raise ValueError(f"{path} has no /targets/palette or /targets/rgb")
            targets = targets_of(f, path, ("palette", "rgb", "labels"))  # external raw too
            mem = cube_from_array(cube.data[()], cube.calibration)
            meta = cube.metadata
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc}") from exc
    return mem, targets, meta


def evaluate(
    data_dir,
    weights=None,
    embedder=None,
    baseline=None,
    device="auto",
    max_cubes=None,
    progress: bool = True,
    average_flips: bool = False,
    need_labels: bool = False,
    keep_for_ari: int = 0,
) -> dict:
    """Per-cube and mean metrics; also returns a few images for the grid under "_images".
    need_labels: refuse, before any cube, a cube without region labels (the ARI table follows).
    keep_for_ari: bytes of the cubes' arrays kept for the ARI pass (_kept_for_ari), returned
    under "_ari_arrays" (evaluate_embedder's `arrays`) where it is not 0."""
    from tqdm import tqdm

    from ..analysis.embed import iter_embed, latent_to_rgb, load_embedder
    from ..analysis.recolour import embedder_mismatch, load_recolouriser
    from ..device import pick_device
    from ..memory import memory_budget
    from ..models.weights import BASELINE_FILE, load_weights, weights_option
    from ..progress import run_to_end
    from ..synth.export import exported_cubes
    from .common import target_header
    from .data import list_cubes, metadata_source, profile_key
    from .metrics import image_metrics, msssim_min_side, msssim_scales
    from .train_pixel_mlp import build_from_config as build_mlp
    from .train_pixel_mlp import predict_pixels

    check_weights_files(weights, embedder, baseline)
    # the set listed and its targets checked before the models load: a mistyped --data was
    # named only after the device was picked and both models read (seconds to minutes)
    files = (exported_cubes(data_dir) or list_cubes(data_dir, "--data"))[:max_cubes]
    headers = [target_header(p) for p in files]  # one read of each header for both checks
    check_set_targets(files, headers, labels=need_labels)
    dev = pick_device(device)
    # each file read once, its errors naming its option: check_model_file read both files whole
    # for their model type, then the loaders read them again
    with weights_option("--weights", weights):
        rec = load_recolouriser(weights, str(dev))
    with weights_option("--embedder", embedder):
        emb = load_embedder(embedder, str(dev))
    check_input_width(rec, emb)
    mismatch = embedder_mismatch(rec, emb)
    if mismatch:
        import warnings

        warnings.warn(mismatch, stacklevel=2)
    mlp = None
    trainings = {"weights": rec.config.get("training"), "embedder": emb.training}
    said = f"--baseline {baseline}"
    if (
        baseline is None
        and weights is not None
        and (Path(weights).parent / BASELINE_FILE).is_file()
    ):
        baseline = Path(weights).parent / BASELINE_FILE
        # named as found, not as "--baseline X": the user gave no --baseline
        said = (
            f"{baseline} (the per-pixel MLP baseline found beside --weights; --baseline FILE "
            "gives another)"
        )
    if baseline is not None:
        with weights_option("--baseline", baseline, said):
            state, cfg = load_weights(baseline, want="PixelMLP")
        if cfg.get("arch") != "PixelMLP":  # weights.check_weights knows no PixelMLP: check here
            kind = cfg.get("arch") or cfg.get("model") or "unknown"
            raise ValueError(f"{said}: not per-pixel MLP weights (a {kind} model)")
        import torch

        # shapes first, on the meta device: a config asking for 32 layers of 8192 would
        # otherwise allocate 8 GB before its tensors were found not to fit
        # (assign=True: no copy into meta tensors, so no warning per tensor)
        with torch.device("meta"):
            probe = build_mlp(cfg)
        try:
            probe.load_state_dict(state, assign=True)
        except RuntimeError as exc:
            lines = [ln.strip() for ln in str(exc).strip().splitlines() if ln.strip()]
            raise ValueError(
                f"{said}: tensors do not fit its config ({'; '.join(lines[:2])})"
            ) from None
        check_baseline_width(said, probe.config["in_chans"], rec, emb)
        del probe
        mlp = build_mlp(cfg)  # now the size of the file's own tensors
        mlp.load_state_dict(state)
        mlp.to(dev).eval()
        if cfg.get("training") is not None:  # baselines written before 2026-12-05 record none
            trainings["baseline"] = cfg["training"]
    per_cube, images, sources, kept, skipped = [], [], [], {}, []
    # MS-SSIM's, as the smallest cube allows: one count for the set
    scales = _set_scales(files, headers)
    t0 = time.time()
    for path in tqdm(
        files, desc="evaluating", unit="cube", disable=not progress, dynamic_ncols=True
    ):
        cube, targets, meta = _read(path)
        why = not_scored(cube)
        if why:  # the models refuse it (energy.refuse_uncalibrated): the others are scored
            skipped.append({"cube": Path(path).name, "why": why})
            tqdm.write(f"{path}: not scored: {why}", file=sys.stderr)
            continue
        sources.append(metadata_source(meta, path))
        fits = msssim_scales(min(cube.shape[:2]))
        if fits == 0 or (scales is not None and fits < scales):
            need = msssim_min_side(scales=scales or 1)
            raise ValueError(
                f"{path}: {pixels_text(cube.shape)}; MS-SSIM "
                + (f"over the set's {scales} scales" if scales else "over even 1 scale")
                + f" needs > {need} px per side"
                + ("" if scales is None else ": evaluate cubes of one size together")
            )
        scales = fits if scales is None else scales
        latent = rec.model_input(
            run_to_end(iter_embed(cube, weights=embedder, device=str(dev), features=rec.features()))
        )
        preds = {"uvit": rec.predict(latent, average_flips=average_flips)}
        if mlp is not None:
            # a latent-only baseline reads the first 3 channels of a line-feature model's input
            preds["pixel_mlp"] = predict_pixels(mlp, latent[..., : mlp.config["in_chans"]], dev)
        row = {"cube": path.stem, "profile": profile_key(meta)}
        for name, pred in preds.items():
            for tname in ("palette", "rgb"):
                row[f"{name}/{tname}"] = image_metrics(pred, targets[tname], scales)
        row["palette_ceiling/rgb"] = image_metrics(targets["palette"], targets["rgb"], scales)
        flat = flat_mean_image(targets["palette"])
        for tname in ("palette", "rgb"):
            row[f"flat_mean/{tname}"] = image_metrics(flat, targets[tname], scales)
        if meta.get("swatch_names") and targets.get("labels") is not None:
            row["swatches"] = swatch_errors({**preds, "flat_mean": flat}, targets["labels"], meta)
        try:
            recipes = recipe_image(targets.get("labels"), meta.get("regions"))
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
        if recipes is not None:
            row["recipe_oracle/palette"] = image_metrics(recipes, targets["palette"], scales)
        per_cube.append(row)
        # kept only within the budget and half what is still free (the next cube and the ARI
        # pass's work need the rest)
        held = sum(a.nbytes for arrays in kept.values() for a in arrays[:2])
        room = min(keep_for_ari - held, memory_budget() // 2)
        arrays = _kept_for_ari(path, cube, targets, meta, room)
        if arrays is not None:
            kept[Path(path)] = arrays
        if len(images) < 8:
            images.append(
                {
                    "name": path.stem,
                    "latent": latent_to_rgb(latent[..., :3]),
                    "uvit": preds["uvit"],
                    "palette": targets["palette"],
                    "rgb": targets["rgb"],
                }
            )
    if not per_cube:
        raise ValueError(
            f"{data_dir}: no cube could be scored ({skipped[0]['cube']}: "
            f"{skipped[0]['why']}" + (", and the others alike)" if len(skipped) > 1 else ")")
        )
    keys = list(
        dict.fromkeys(k for r in per_cube for k in r if "/" in k)
    )  # rows may lack the oracle
    swatches = [r for c in per_cube for r in c.get("swatches", [])]
    summary = {
        k: {m: float(np.mean([r[k][m] for r in per_cube if k in r])) for m in METRICS} for k in keys
    }
    # the hashes tell two eval.json files apart: both models' were taken as they were loaded (the
    # shipped weights' is the manifest's, checked on loading), so they name the models evaluated
    # even if a file is rewritten meanwhile
    return {
        "data": str(data_dir),
        "n_cubes": len(per_cube),
        "not_scored": skipped,
        "weights": str(rec.path),
        "weights_sha256": rec.sha256,
        "embedder": str(embedder) if embedder is not None else None,  # None: the shipped DVE
        "embedder_sha256": emb.sha256,
        "baseline": str(baseline) if baseline else None,
        "device": str(dev),
        "average_flips": average_flips,
        "msssim_scales": scales,
        "seconds": round(time.time() - t0, 1),
        # the training records of the models in memory, not the files read again
        "held_out": held_out(sources, trainings),
        "summary": summary,
        "per_cube": per_cube,
        "_images": images,
        **({"_ari_arrays": kept} if keep_for_ari else {}),
        **(
            {
                "swatch_mean_de": {
                    m: float(np.mean([r[m] for r in swatches]))
                    for m in swatches[0]
                    if m != "swatch"
                }
            }
            if swatches
            else {}
        ),
    }


def not_scored(cube) -> str:
    """Why an evaluation set's cube cannot be scored ("" if it can): an export-set cube without
    calibration keys (rpl-nocal) whose automatic calibration failed, which the models refuse
    (energy.refuse_uncalibrated). It ended the whole run at that cube, after scoring the ones
    before it; the run now scores the others and names it (results["not_scored"])."""
    from ..io import auto_calibration_failure

    if cube.calibration.source != "none":
        return ""
    said = cube.metadata.get("auto_calibration")
    failed = auto_calibration_failure(cube.metadata)
    how = (
        f"automatic calibration failed: {failed}"
        if failed is not None
        else f"automatic calibration {said}"
        if isinstance(said, str)
        else "none in its file"
    )
    return f"no energy calibration ({how}), so the models cannot read its lines"


def _kept_for_ari(path, cube, targets: dict, meta: dict, room: int):
    """data.cube_arrays of a cube the colour pass has read, as the ARI pass reads it
    (read_cube_arrays(path, rebin=True)), or None where its counts and labels need more than
    `room` bytes, or where it has no labels or cannot be scored (the ARI pass reads it and says
    why, in its turn)."""
    from .data import cube_arrays, on_canonical_grid

    h, w, c = cube.shape
    if targets.get("labels") is None or room <= 0:
        return None
    on_grid = on_canonical_grid(cube.calibration, c)
    counts = cube.data.nbytes if on_grid else h * w * CANONICAL_N_CHANNELS * 4  # float32
    if counts + h * w * 4 > room:
        return None
    try:
        return cube_arrays(path, cube.data, cube.calibration, targets["labels"], meta, True)
    except ValueError:
        return None


def training_sources(training) -> list[str] | None:
    """The training paintings a model's training record lists ("sources"), or None: the shipped
    weights, and any trained before 2026-12-03, record none."""
    found = training.get("sources") if isinstance(training, dict) else None
    return [str(s) for s in found] if isinstance(found, list) else None


def held_out(sources, trainings: dict) -> dict:
    """Whether the evaluation cubes' paintings (`sources`: data.cube_source of each) are held out
    from the training paintings of the models evaluated (`trainings`: name -> the training record
    each loaded model keeps, Embedder.training and the SmallUViT's config "training", None if it
    has none): every table was titled "Held-out set", even on the training paintings themselves
    (reproducibility audit 26, 2). The records come from the models in memory: the weights files
    were read again here before, a second read that could meet another file."""
    from .data import recorded_sources

    paintings = recorded_sources(sources)
    recorded = {name: training_sources(training) for name, training in trainings.items()}
    shared = sorted({s for found in recorded.values() if found for s in found} & set(paintings))
    missing = sorted(name for name, found in recorded.items() if found is None)
    if shared:
        more = ", ..." if len(shared) > 8 else ""
        status = "not held out"
        line = (
            f"NOT held out: {len(shared)} of {len(paintings)} paintings were in training "
            f"({', '.join(shared[:8])}{more})"
        )
    elif missing or not paintings:
        status = "unknown"
        line = (
            "training paintings not recorded: held-out status unknown"
            if missing
            else "the cubes record no source painting: held-out status unknown"
        )
    else:
        status, line = "held out", "held out: no painting in common with the training paintings"
    return {
        "status": status,
        "line": line,
        "n_paintings": len(paintings),
        "shared": shared,
        "not_recorded": missing,
    }


def flat_mean_image(target: np.ndarray) -> np.ndarray:
    """The trivial baseline: the whole image in the target's own mean colour (it knows the answer's
    average, nothing else). A model worse than this in dE has learnt nothing usable about colour."""
    mean = np.asarray(target, dtype=np.float64).reshape(-1, target.shape[-1]).mean(axis=0)
    return np.broadcast_to(np.round(mean).astype(np.uint8), target.shape).copy()


def swatch_errors(preds: dict, labels, meta: dict) -> list[dict]:
    """Per swatch of a pigment panel: CIEDE2000 between each prediction's mean colour over the
    swatch's interior (3 x 3 neighbourhood inside it) and the swatch's true recipe colour."""
    from skimage.color import deltaE_ciede2000, rgb2lab

    from ..synth.regions import interior_mask

    names, regions = meta["swatch_names"], meta["regions"]
    labels = np.asarray(labels)
    inner = interior_mask(labels)
    rows = []
    for i, name in enumerate(names):
        if name == "bare ground":
            continue
        mask = (labels == i) & inner
        if not mask.any():
            continue
        truth = np.array(regions[i]["mix_lab"], dtype=float)
        row = {"swatch": name}
        for model, pred in preds.items():
            mean = np.asarray(pred, dtype=np.float64)[mask].mean(axis=0)
            mean = mean / 255.0 if np.asarray(pred).dtype == np.uint8 else mean
            row[model] = float(
                deltaE_ciede2000(rgb2lab(np.clip(mean, 0, 1)[None, None])[0, 0], truth)
            )
        rows.append(row)
    return rows


def format_swatch_table(results: dict) -> str | None:
    """Mean CIEDE2000 per swatch over the panel cubes
    (each panel cube: another instrument/ground).

    The bold row is the mean over every swatch of every panel (eval.json's swatch_mean_de), not
    the mean of the rows above it: those are per swatch name, and panels tinted with different
    whites name their tints apart, so a masstone (in every panel) has more panels behind its row
    than a tint. As each panel holds every swatch once, it is the figure scripts/swatch_summary.py
    gives (each swatch averaged over the panels first, whites pooled); it was labelled "mean over
    swatches", which read as the mean of the rows shown."""
    rows = [r for c in results["per_cube"] for r in c.get("swatches", [])]
    panels = sum(1 for c in results["per_cube"] if c.get("swatches"))
    if not rows:
        return None
    models = [m for m in ("uvit", "pixel_mlp", "flat_mean") if m in rows[0]]
    names = {"uvit": "SmallUViT", "pixel_mlp": "per-pixel MLP", "flat_mean": "flat mean colour"}
    order = list(dict.fromkeys(r["swatch"] for r in rows))
    lines = [
        "Pigment panel swatches: mean ΔE00 over the panel cubes (lower is better)",
        "",
        "| swatch | " + " | ".join(names[m] for m in models) + " |",
        "|---|" + "---|" * len(models),
    ]
    for name in order:
        vals = [np.mean([r[m] for r in rows if r["swatch"] == name]) for m in models]
        lines.append(f"| {name} | " + " | ".join(f"{v:.1f}" for v in vals) + " |")
    means = [np.mean([r[m] for r in rows]) for m in models]
    worst = [
        np.max([np.mean([r[m] for r in rows if r["swatch"] == n]) for n in order]) for m in models
    ]
    every = (
        f"**mean over all {len(rows)} swatch{'' if len(rows) == 1 else 'es'} of {panels} "
        f"panel{'' if panels == 1 else 's'}**"
    )
    lines.append(f"| {every} | " + " | ".join(f"**{v:.1f}**" for v in means) + " |")
    lines.append("| worst swatch | " + " | ".join(f"{v:.1f}" for v in worst) + " |")
    return "\n".join(lines)


def recipe_colours(regions) -> np.ndarray | None:
    """(k, 3) sRGB in [0, 1]: the colour of each region's TRUE paint recipe (the generator's
    Kubelka-Munk mixture, metadata "regions"[i]["mix_lab"]); None for cubes without recipes."""
    if not regions or any("mix_lab" not in r for r in regions):
        return None
    from skimage.color import lab2rgb

    return lab2rgb(np.array([[r["mix_lab"] for r in regions]], dtype=float))[0]


def recipe_image(labels, regions) -> np.ndarray | None:
    """(H, W, 3): every region painted in its recipe's colour; None without labels or recipes. An
    oracle that knows the paint exactly: what the spectrum could give at best if it identified every
    paint, short of the recipes' own mismatch to the painting's colours."""
    colours = recipe_colours(regions)
    if labels is None or colours is None:
        return None
    labels = np.asarray(labels)
    if labels.min() < 0 or labels.max() >= len(colours):
        raise ValueError(
            f"labels run to {labels.max()} but the metadata lists {len(colours)} regions"
        )
    return colours[labels]


def msssim_note(scales) -> str | None:
    """The line that says MS-SSIM was taken over fewer than its 5 scales (cubes of 160 px or less
    per side), so that figure is not read against 5-scale ones (the paper's, a 256 px set's)."""
    from .metrics import MSSSIM_SCALES, msssim_min_side

    if scales is None or scales >= MSSSIM_SCALES:
        return None
    need = msssim_min_side()
    return (
        f"MS-SSIM over {scales} of its {MSSSIM_SCALES} scales: all {MSSSIM_SCALES} need cubes "
        f"larger than {need} px per side, and this set's smallest cube is {need} px or less, so "
        "it is not comparable with 5-scale MS-SSIM figures (the paper's, a 256 px set's)"
    )


def format_table(results: dict) -> str:
    s = results["summary"]
    note = msssim_note(results.get("msssim_scales"))
    scales = f"MS-SSIM, {results.get('msssim_scales')} of 5 scales ↑"
    headers = {**HEADERS, "msssim": scales} if note else HEADERS
    cols = " | ".join(headers[m] for m in METRICS)
    held = results.get("held_out") or {"status": "unknown", "line": "held-out status unknown"}
    n = results["n_cubes"]
    size = "1 cube" if n == 1 else f"{n} cubes (means over cubes)"
    if held["status"] == "held out":
        title = f"Held-out set {results['data']}: {size}"
    elif held["status"] == "not held out":
        title = f"{held['line']}: set {results['data']}: {size}"
    else:
        title = f"Set {results['data']}: {size}; {held['line']}"
    skipped = results.get("not_scored") or []
    if skipped:
        which = ", ".join(r["cube"] for r in skipped[:3]) + (", ..." if len(skipped) > 3 else "")
        title += (
            f"; {len(skipped)} cube{'' if len(skipped) == 1 else 's'} of the set not scored "
            f"({which}: {skipped[0]['why']})"
        )
    lines = [
        title,
        *(["", note] if note else []),
        "",
        f"| model | target | {cols} |",
        "|---|---|" + "---|" * len(METRICS),
    ]
    names = {
        "uvit": "SmallUViT" + (", 8 flips averaged" if results.get("average_flips") else ""),
        "pixel_mlp": "per-pixel MLP",
        "flat_mean": "flat mean colour (baseline)",
        "palette_ceiling": "palette image (ceiling)",
        "recipe_oracle": "true paint recipes' colours (oracle)",
    }
    tnames = {"palette": "palette", "rgb": "original"}
    for tname in ("palette", "rgb"):
        for model in ("uvit", "pixel_mlp", "flat_mean", "recipe_oracle", "palette_ceiling"):
            key = f"{model}/{tname}"
            if key in s:
                vals = " | ".join(
                    f"{s[key][m]:.4f}" if m in ("msssim", "srgb") else f"{s[key][m]:.2f}"
                    for m in METRICS
                )
                lines.append(f"| {names[model]} | {tnames[tname]} | {vals} |")
    paper = "n/a (5 scales)" if note else f"{PAPER['msssim']:.4f}"
    lines.append(
        f"| paper SmallUViT (its own data) | palette | {paper} | {PAPER['srgb']:.4f} | n/a | n/a |"
    )
    return "\n".join(lines)


def save_grid(path, images, n: int = 4) -> None:
    """PNG grid: one row per cube, columns latent / prediction / palette target / original."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..fileutil import atomic_path

    rows = images[:n]
    cols = [
        ("latent", "DVE latent (input)"),
        ("uvit", "SmallUViT"),
        ("palette", "palette target"),
        ("rgb", "original"),
    ]
    fig, axes = plt.subplots(len(rows), 4, figsize=(10, 2.6 * len(rows)), dpi=80, squeeze=False)
    for r, im in enumerate(rows):
        for c, (key, title) in enumerate(cols):
            ax = axes[r, c]
            ax.imshow(im[key])
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(title, fontsize=9)
        axes[r, 0].set_ylabel(im["name"], fontsize=7)
    fig.tight_layout()
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


def check_weights_files(weights, embedder, baseline) -> None:
    """The weights files' checks that read no tensor (require_weights_file), each naming its
    option, before --data is listed (seconds on a large folder) and the models load: a missing
    --weights or --embedder was named only after the whole set had been listed and its headers
    read."""
    from ..models.weights import require_file, require_weights_file, weights_option

    for option, path, want in (
        ("--weights", weights, "SmallUViT"),
        ("--embedder", embedder, "dve"),
    ):
        if path is not None:
            with weights_option(option, path):
                require_weights_file(path, want)
    if baseline is not None:
        require_file(baseline, "--baseline")


def check_baseline_width(said: str, width, rec, emb) -> None:
    """A ValueError naming the baseline as `said` ("--baseline X", or X found beside --weights)
    when the per-pixel MLP reads more channels than the SmallUViT's input holds, or fewer than the
    DVE latent: it is given the first `width` channels of that input (a latent-only baseline
    beside a line-feature model reads the latent), so a wider one failed on the first cube, after
    the embedding, in a torch shape error naming no file."""
    latent, full = int(emb.model.latent_dim), int(rec.config["in_chans"])
    if not latent <= int(width) <= full:
        raise ValueError(
            f"{said} reads {width} input channels, but the SmallUViT {rec.path} "
            f"reads {full} (a {latent}-channel DVE latent"
            + (f" and {full - latent} more" if full > latent else "")
            + f"): give the baseline trained beside those weights, or one of {latent}"
            + (f" to {full}" if full > latent else "")
            + " channels"
        )


def check_input_width(rec, emb) -> None:
    """analysis.recolour.check_input_width (recolour's own check) with evaluate's options named."""
    from ..analysis.recolour import check_input_width as check

    check(rec, emb, ("--weights", "--embedder"))


def run(args) -> int:
    from ..fileutil import check_not_a_file_name, check_output_folder
    from ..io.registry import SUPPORTED_SUFFIXES

    if args.out:  # `--out eval.md` made a folder "eval.md"
        check_not_a_file_name(args.out, "evaluate", scans=SUPPORTED_SUFFIXES)
    check_output_folder(
        args.out,
        OUTPUTS,
        inputs=[args.data, args.weights, args.embedder, args.baseline],
        folder_inputs=[args.data],
        option="--out",
    )
    check_weights_files(args.weights, args.embedder, args.baseline)  # before --data is listed
    from ..synth.export import exported_cubes

    with_ari = not args.no_ari and not exported_cubes(args.data)  # an export has no ARI table
    results = evaluate(
        args.data,
        args.weights,
        args.embedder,
        args.baseline,
        args.device,
        args.max_cubes,
        progress=not args.no_progress,
        average_flips=args.average_flips,
        need_labels=with_ari,
        keep_for_ari=ARI_KEEP_BYTES if with_ari else 0,
    )
    images, kept = results.pop("_images"), results.pop("_ari_arrays", None)
    if results["held_out"]["status"] == "not held out":
        warnings.warn(results["held_out"]["line"], stacklevel=1)  # as warn_runtime_change's
    table = format_table(results)
    swatch_table = format_swatch_table(results)
    if swatch_table:
        table += "\n\n" + swatch_table
    ari_table = None
    if not args.no_ari and not with_ari:
        print("(no ARI table: an exported set has no project files; score its source set)")
    # the colour table before the ARI pass (minutes on a real set, with its reference columns):
    # printed after it, a Ctrl-C or a failure there lost the colour table already computed
    print(table, flush=True)
    if with_ari:
        try:
            from .eval_embedder import evaluate_embedder
            from .eval_embedder import format_table as format_ari
        except ImportError:
            evaluate_embedder = None
        if evaluate_embedder is not None:
            ari = evaluate_embedder(
                args.data,
                args.embedder,
                # the device the colour pass picked, not --device: load_embedder's cache is keyed
                # on the name given, so "auto" (the default) loaded and hashed the DVE again
                device=results["device"],
                max_cubes=args.max_cubes,  # the colour table's cubes, not the whole folder
                progress=not args.no_progress,
                pool_low_counts=not args.no_pool,
                arrays=kept,  # the cubes the colour pass read: each read once
            )
            ari_table = format_ari(ari)
            results["ari"] = {k: v for k, v in ari.items() if k != "per_cube"}
    if ari_table:
        print("\n" + ari_table)
    if args.out:
        from ..fileutil import printable

        out = Path(args.out)
        write_outputs(
            out,
            results,
            table + "\n" + (f"\n{ari_table}\n" if ari_table else ""),
            images,
            args.grid,
        )
        print(
            "wrote " + ", ".join(printable(out / n) for n in OUTPUTS),
            file=sys.stderr,
        )
    return 0


def write_outputs(out, results: dict, text: str, images, grid: int) -> None:
    """eval.md, recolour_grid.png and eval.json in `out` as one set: all three are finished as
    temporaries first (an atomic_set), so a failed or interrupted write leaves the earlier run's
    set whole; the earlier eval.json is removed just before the renames and the new one is
    renamed last, so eval.json present means its eval.md and grid are from the same run. Written
    one after another, a failure after eval.json left a new eval.json beside an old eval.md."""
    from ..fileutil import atomic_path, atomic_set
    from .common import write_json

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_set():
        with atomic_path(out / "eval.md") as tmp:
            Path(tmp).write_text(text, encoding="utf-8")
        save_grid(out / "recolour_grid.png", images, grid)
        write_json(out / "eval.json", results)  # renamed last: it marks a complete set
        try:
            (out / "eval.json").unlink()
        except FileNotFoundError:
            pass
