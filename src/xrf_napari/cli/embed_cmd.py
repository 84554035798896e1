"""`xrf-napari embed INPUT --output OUT`: DVE latent, K-Means regions and their mean spectra.

OUT is a folder (created if needed) receiving latent.h5, latent.png, labels.h5, labels.png and
cluster_spectra.csv; if OUT's last part ends with "_", "-" or "." it is a prefix instead
(`--output results/scan1_` writes results/scan1_latent.h5, ...). An earlier run's files of those
names are replaced, all together at the end (fileutil.atomic_set): an interrupted run leaves the
earlier run's set whole, never the latent of one scan beside the labels of another; files of
those names that no earlier run wrote are refused (others_in_the_way).
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

from ..analysis.pooling import POOL_BELOW_COUNTS
from ..argtypes import print_note
from ..cube import pixels_text
from ..device import DEVICE_CHOICES

#: --k-range's default: the automatic K's search.
K_RANGE = (2, 12)

OUTPUT_NAMES = ("latent.h5", "latent.png", "labels.h5", "labels.png", "cluster_spectra.csv")


def configure(parser) -> None:
    from ..analysis.embed import MAX_K
    from ..argtypes import int_in
    from ._args import add_scan_options, replacing_anode_help

    parser.add_argument("input", help="datacube file (anything xrf-napari opens)")
    parser.add_argument(
        "--output",
        "-o",
        required=True,
        help="output folder, or prefix ending in _ - or . (an earlier run's files of the same "
        "names are replaced, files of those names it did not write are refused)",
    )
    # the user's tube over the file's for the training-data line, as recolour's --anode
    add_scan_options(
        parser,
        replacing_anode_help(
            "the line on whether the scan is like the embedder's training data (an anode outside "
            "training is warned of)"
        ),
    )

    parser.add_argument(
        "--clusters",
        "-k",
        type=int_in(2, MAX_K, "the number of regions K"),
        default=None,
        help="number of regions (default: chosen by silhouette in --k-range)",
    )
    k_range = parser.add_argument(
        "--k-range",
        type=int_in(2, MAX_K, "a K"),
        nargs=2,
        default=None,
        metavar=("MIN", "MAX"),
        help=f"range searched when --clusters is not given (default {' '.join(map(str, K_RANGE))})",
    )
    # argparse's "expected 2 arguments" alone, for `--k-range 2`, said nothing of what they are
    example = " ".join(map(str, K_RANGE))
    k_range.wants = f"two whole numbers, the smallest and largest K, e.g. --k-range {example}"
    from ..models.weights import default_help

    parser.add_argument("--weights", help=f"DVE weights file ({default_help('dve')})")
    parser.add_argument("--device", default="auto", help=DEVICE_CHOICES)
    parser.add_argument(
        "--chunk-pixels",
        type=int_in(1, None, "a number of spectra"),
        default=65536,
        help="spectra encoded at a time (default 65536)",
    )
    parser.add_argument(
        "--no-pool",
        action="store_true",
        help="never pool 3 x 3 neighbourhoods (by default a scan under "
        f"{POOL_BELOW_COUNTS:.0f} counts per pixel is pooled before embedding)",
    )
    parser.add_argument(
        "--seed",
        type=int_in(0, 2**32 - 1, "a K-Means seed"),
        default=0,
        help="K-Means seed (default 0)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def is_prefix(out) -> bool:
    text = str(out)
    return text.endswith(("_", "-", ".")) and not Path(text).is_dir()


def output_paths(out) -> dict[str, Path]:
    """{name: path} for the files written (folder or prefix rule, see the module docstring)."""
    if is_prefix(out):
        return {n: Path(str(out) + n) for n in OUTPUT_NAMES}
    return {n: Path(out) / n for n in OUTPUT_NAMES}


def written_by_embed(path) -> bool:
    """Whether `path` is a latent.h5 or labels.h5 an embed run wrote: an HDF5 file whose
    `latent` or `labels` dataset sits beside the `source` attribute every version recorded."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            return "source" in f.attrs and ("latent" in f or "labels" in f)
    except Exception:  # not an HDF5 file it can read: not one embed wrote
        return False


def others_in_the_way(paths: dict) -> list[Path]:
    """The outputs present that no earlier run wrote (fileutil.in_the_way): an earlier run's
    latent.h5 or labels.h5 (written_by_embed) marks the set, written together. The names are
    generic: a user's own labels.png or labels.h5 in the folder was replaced without a word."""
    from ..fileutil import in_the_way

    return in_the_way(
        paths.values(),
        lambda: any(written_by_embed(paths[n]) for n in ("latent.h5", "labels.h5")),
    )


#: Bytes of an output beyond its arrays: an HDF5 file's header and attributes (code, command,
#: calibration); a PNG's header, or the CSV's (source, calibration).
_OUTPUT_EXTRA = {".h5": 64 * 1024, ".png": 16 * 1024, ".csv": 16 * 1024}


def output_shares(h: int, w: int, latent_dim: int, k: int, channels: int) -> dict[str, int]:
    """{name: bytes} each output of an h x w scan takes at most: the latent (float32) and labels
    (int32) uncompressed (gzipped in their HDF5 files), both PNGs as RGB bytes (PNG compresses
    them), and cluster_spectra.csv at 24 characters a number (k spectra and the energy over
    `channels`)."""
    shares = {
        "latent.h5": h * w * latent_dim * 4,
        "latent.png": h * w * 3,
        "labels.h5": h * w * 4 + k * (latent_dim + 1) * 8,
        "labels.png": h * w * 3,
        "cluster_spectra.csv": (k + 1) * channels * 24,
    }
    return {n: b + _OUTPUT_EXTRA[Path(n).suffix] for n, b in shares.items()}


def check_output_room(paths: dict, shares: dict) -> None:
    """Refuse outputs that cannot fit on their disk before any is written: HDF5 meeting a full
    disk crashed the process. The files replaced stay until the new set is complete
    (atomic_set), so each output's whole share must be free. An output that is a symbolic link
    is written where it leads (write_target), on that folder's disk; each disk is asked for the
    shares of the outputs it receives: asked for all of them, the folder's disk refused a run
    whose large latent.h5 was a link onto another disk."""
    from ..fileutil import check_room, disk_id, write_target

    on_disk: dict[int, tuple[Path, list[str]]] = {}  # disk: (its first folder, the outputs)
    for name, path in paths.items():
        folder = write_target(path).parent
        on_disk.setdefault(disk_id(folder), (folder, []))[1].append(name)
    for folder, names in on_disk.values():
        check_room(folder, sum(shares[n] for n in names), f"the outputs ({', '.join(names)})")


def write_outputs(
    paths: dict, cube, latent, result, spectra, counts, emb, ood=None, settings=None
) -> None:
    """Every file, moved into place together (atomic_set): none if interrupted, nor the folder
    this run created for them (made_folder). `settings` (pooled, seed, ...) go into both HDF5
    files' attributes beside the embedder and the code that made them."""
    from ..fileutil import atomic_set, made_folder

    h, w = result.labels.shape
    check_output_room(paths, output_shares(h, w, latent.shape[-1], result.k, len(cube.energy)))
    with made_folder(paths["latent.h5"].parent), atomic_set():
        _write_outputs(paths, cube, latent, result, spectra, counts, emb, ood, settings or {})


def _made_by(emb, settings: dict) -> dict:
    """HDF5 attributes saying what made a latent or a region map: the regions and the latent
    depend on the embedder, on pooling (3 x 3 changes the latent) and on K-Means' seed; a
    labels.h5 recorded none of these (outputs audit 26, finding 7)."""
    import json

    from ..argtypes import running_argv
    from ..fileutil import printable
    from ..provenance import code_identity

    argv = running_argv()  # None when run() is called outside a command
    return {
        "weights": printable(emb.path),
        "weights_sha256": emb.sha256 or "",
        "code": json.dumps(code_identity()),
        **({"command": printable(shlex.join(["xrf-napari", *argv]))} if argv is not None else {}),
        **settings,
    }


def _write_outputs(paths, cube, latent, result, spectra, counts, emb, ood, settings) -> None:
    import h5py
    import numpy as np

    from ..analysis.embed import latent_to_rgb
    from ..analysis.export import save_cluster_spectra, write_image, write_region_colours
    from ..detector import known_anode
    from ..fileutil import atomic_path, printable
    from ..saved_marks import LATENT_COLOURS, image_record

    # a path that is not UTF-8 (or holds a line break) failed the attribute after the compute
    src = printable(cube.path if cube.path else cube.name)
    made_by = _made_by(emb, settings)
    with atomic_path(paths["latent.h5"], suffix=".h5") as tmp, h5py.File(tmp, "w") as f:
        f.create_dataset("latent", data=latent, chunks=True, compression="gzip", compression_opts=4)
        f.attrs["source"] = src
        f.attrs.update(made_by)
    rgb = latent_to_rgb(latent)
    write_image(paths["latent.png"], rgb, "the latent image", image_record(LATENT_COLOURS))
    with atomic_path(paths["labels.h5"], suffix=".h5") as tmp, h5py.File(tmp, "w") as f:
        f.create_dataset(
            "labels", data=result.labels, chunks=True, compression="gzip", compression_opts=4
        )
        f.create_dataset("centers", data=result.centers)
        f.create_dataset("pixel_counts", data=counts)
        f.attrs["k"] = result.k
        f.attrs["silhouette"] = np.nan if result.silhouette is None else result.silhouette
        f.attrs["source"] = src
        f.attrs.update(made_by)
        if ood is not None:  # what the command said about the scan (analysis.ood)
            f.attrs["ood_warning"] = ood.warn
            f.attrs["ood"] = printable(ood.message())
    write_region_colours(paths["labels.png"], result.labels, result.k)
    save_cluster_spectra(
        paths["cluster_spectra.csv"],
        cube.energy,
        spectra,
        counts,
        source=src,
        calibration=cube.calibration.source,
        labels_file=paths["labels.h5"].name,
        # the tube the run used: --anode over the file's (the report's, as `pigments` writes)
        anode=known_anode(cube.metadata) if ood is None else ood.anode,
    )


def run(args) -> int:
    from ..fileutil import check_outputs, hidden_name, printable
    from ._args import as_typed, check_output_folder_name

    if args.k_range is not None and args.clusters is not None:  # the range went unused, unsaid
        raise ValueError(
            f"--clusters {args.clusters} with --k-range {' '.join(map(str, args.k_range))}: "
            "--k-range is where the automatic K is searched, and --clusters fixes K: give one of "
            "them"
        )
    args.k_range = tuple(args.k_range or K_RANGE)
    lo, hi = args.k_range
    if lo > hi:
        raise ValueError(f"--k-range {lo} {hi}: MIN must not exceed MAX")
    if args.weights:  # named by its option, before the scan is read
        from ..models.weights import require_file

        require_file(args.weights, "--weights")
    if not is_prefix(args.output):
        check_output_folder_name(
            args.output, "embed", inputs=[args.input, args.weights], or_prefix=True
        )
    paths = output_paths(args.output)
    option = as_typed("--output", "-o")  # the refusals name the spelling typed
    hidden = hidden_name(paths["latent.h5"], f"{Path(args.input).stem}_")
    if hidden:  # a prefix ".run_" wrote the hidden .run_latent.h5, ...
        raise ValueError(f"{option} {printable(args.output)}: {hidden}")
    check_outputs(
        files=paths.values(),
        folders=[] if is_prefix(args.output) else [args.output],
        inputs=[args.input, args.weights],
        option=option,
    )
    others = others_in_the_way(paths)
    if others:  # before the scan is read, as pigments' report folder (refuse_replacing_others)
        names = ", ".join(printable(p.name) for p in others)
        raise ValueError(
            f"{option} {printable(args.output)}: {names} there were not written by xrf-napari "
            "embed (no latent.h5 or labels.h5 of an earlier run beside them), and this run would "
            f"replace them: nothing was written; give another {option}, or move them out of the way"
        )

    from ..analysis import pooling
    from ..analysis.embed import (
        ONE_BY_AUTO_K,
        auto_k_null,
        cluster,
        cluster_spectra,
        iter_embed,
        load_embedder,
        one_region_reason,
        too_few_for_k,
        why_one,
    )
    from ..analysis.ood import check_scan
    from ..analysis.pigment_fit import too_few_for_regions
    from ..errors import shell_word
    from ..progress import run_to_end, tqdm_callback
    from ._args import read_scan, refuse_uncalibrated

    cube = read_scan(args)
    from ..energy import refuse_off_grid

    # an axis wholly off the grid first: a few pixels there were told to try `xrf-napari
    # pigments`, which then refused them for the axis
    refuse_off_grid(cube, "the models", args.input)  # before the model, a warning and a note
    pigments = f"`xrf-napari pigments {shell_word(args.input)}`"
    why = too_few_for_regions(cube.shape, args.input, pigments)
    if why:  # refused before the model loads, as the Embed dock does
        raise ValueError(why)
    n = int(cube.shape[0]) * int(cube.shape[1])  # the dock's refusal too: after the embedding,
    if args.clusters is not None and args.clusters > n:  # K-Means said it
        raise ValueError(f"--clusters {args.clusters}: {too_few_for_k(args.clusters, n)}")
    refuse_uncalibrated(args, cube, "read by the models")  # as the Embed dock, before the model
    from ..models.weights import weights_option

    with weights_option("--weights", args.weights):
        emb = load_embedder(args.weights, args.device)
    h, w, c = cube.shape  # refused before the embedding, not after it
    check_output_room(
        paths, output_shares(h, w, emb.model.latent_dim, args.clusters or args.k_range[1], c)
    )
    # as recolour and the Embed dock: regions of an empty scan, or one unlike the training data,
    # came with no word
    ood = check_scan(cube, args.weights, str(emb.device), anode=args.anode)  # the Embed panel's
    print(("WARNING: " if ood.warn else "") + ood.message(), file=sys.stderr)
    pool, note = pooling.decide(cube, not args.no_pool)
    if pool:
        print_note(f"{note}; --no-pool keeps pixels apart")
    cb, close = tqdm_callback("embedding", "px", show=not args.no_progress)
    try:
        latent = run_to_end(
            iter_embed(
                cube,
                weights=args.weights,
                device=args.device,
                chunk_pixels=args.chunk_pixels,
                pool=pool,
            ),
            cb,
        )
    finally:
        close()
    # automatic K's reference: one material's counting noise at this scan's level, embedded alike
    null = auto_k_null(cube, args.clusters, weights=args.weights, device=args.device, pool=pool)
    result = cluster(
        latent, args.clusters, k_range=tuple(args.k_range), seed=args.seed, null_points=null
    )
    spectra, counts = cluster_spectra(cube, result.labels)
    settings = {
        "pooled": bool(pool),
        "seed": int(args.seed),
        # the keV axis itself (offset, gain, quadratic, source), as JSON: an HDF5 attribute
        "calibration": json.dumps(cube.calibration.to_dict()),
    }
    write_outputs(paths, cube, latent, result, spectra, counts, emb, ood, settings)
    sil = "n/a" if result.silhouette is None else f"{result.silhouette:.3f}"
    why = why_one(latent, args.clusters, result)  # as the Embed dock says it
    if why is None:
        said = f"{result.k} clusters (silhouette {sil}); "
    else:
        split = "; --clusters K splits the scan" if why == ONE_BY_AUTO_K else ""
        said = f"1 cluster: {one_region_reason(why)}{split}; "
    print(
        f"{printable(cube.name)}: {pixels_text(cube.shape, order=True)}, "
        + said
        + f"wrote {', '.join(printable(p) for p in paths.values())}"
    )
    return 0
