"""`xrf-napari recolour INPUT --output OUT.png|.tif`: virtual recolouring of a datacube, headless.

INPUT is any file `xrf_napari.read_cube` opens (files without an energy calibration are
auto-calibrated there). The cube is streamed through the DVE, the SmallUViT recolours the latent
image tile by tile, and the RGB image (same height and width as the scan) is written atomically.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..cube import pixels_text
from ..device import DEVICE_CHOICES
from ..fileutil import printable


def configure(parser) -> None:
    from ..analysis.recolour import MAX_TILE
    from ..argtypes import int_in
    from ._args import add_alias, add_scan_options, replacing_anode_help

    parser.add_argument("input", help="datacube file (anything xrf-napari opens)")
    parser.add_argument(
        "--output",
        "-o",
        required=True,
        help="output image, .png or .tif/.tiff (an image there is replaced; a scan or any other "
        "file there is refused)",
    )
    # the user's tube over the file's for the notes, as quicklook's and pigments' --anode
    add_scan_options(
        parser,
        replacing_anode_help(
            "the notes on the colours (under a Cu tube every pixel's scattered Cu lines are not "
            "read as a pigment's; an anode outside training is warned of)"
        ),
    )
    from ..models.weights import default_help

    parser.add_argument("--weights", help=f"SmallUViT weights ({default_help('uvit')})")
    embedder = parser.add_argument(
        "--embedder",
        dest="embedder_weights",
        metavar="EMBEDDER",
        help=f"DVE weights ({default_help('dve')})",
    )
    add_alias(parser, embedder, "--embedder-weights")  # its name here before, still read
    parser.add_argument("--device", default="auto", help=DEVICE_CHOICES)
    from ..models.weights import manifest

    shipped = manifest().get("uvit", {}).get("config", {}).get("patch")
    multiple = "multiple of the model's patch size" + (
        f" ({shipped} for the shipped weights)" if shipped else ""
    )
    parser.add_argument(
        "--tile",
        # the model's patch size, checked once the weights are known (_refuse_tile): a bound of
        # 8 let through a tile the shipped model (patch 16) always refused; `--tile 0` was told
        # "between 1 and 1024", where 1 is no multiple of 16
        type=int_in(1, MAX_TILE, "the tile size", f"a positive {multiple}, at most {MAX_TILE}"),
        default=None,
        help=f"tile size in pixels: a {multiple}, at most {MAX_TILE} (default: the training crop)",
    )
    parser.add_argument(
        "--overlap",
        type=int_in(0, None, "the overlap"),
        default=None,
        help="tile overlap in pixels (default: a quarter tile); one near the tile size multiplies "
        "the tiles run, and is warned of",
    )
    parser.add_argument(
        "--batch",
        type=int_in(1, None, "the batch size"),
        default=None,
        help="tiles per model call (default: 4 on the CPU, 8 on a GPU)",
    )
    parser.add_argument(
        "--average-flips",
        action="store_true",
        help="average each tile's colours over its 8 flips and quarter turns: a little more "
        "accurate, 8x the model's time (see the recolouriser's model card)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _patch_size(weights) -> int | None:
    """The patch size in the config of the recolouriser that `weights` names (default: the one
    resolve_weights picks), read from the safetensors header alone, before the scan is read;
    None where it cannot be read (loading the weights says why)."""
    import json
    import struct

    from ..models.weights import resolve_weights, safetensors_header

    try:
        path, _ = resolve_weights("uvit", weights)
        with open(path, "rb") as fh:
            _, header = safetensors_header(path, fh)
        return int(json.loads(header["__metadata__"]["config"])["patch"])
    except (OSError, ValueError, KeyError, TypeError, struct.error):
        return None


def _refuse_tile(tile: int | None, weights) -> None:
    """A --tile that is no multiple of the model's patch size, refused before the scan is read
    and embedded (the model refused it only then), with the tiles it takes on either side."""
    from ..analysis.recolour import MAX_TILE

    patch = _patch_size(weights) if tile is not None else None
    if not patch or tile % patch == 0:
        return
    below = tile // patch * patch
    near = [n for n in (below, below + patch) if patch <= n <= MAX_TILE] or [patch]
    raise ValueError(  # the model's words (Recolouriser.tiling), and the tiles it takes
        f"--tile {tile}: tile {tile} must be a multiple of the patch size {patch} (the "
        f"recolouriser's): give {' or '.join(map(str, near))}"
    )


#: How many times the default overlap's tiles an --overlap may run before it is warned of.
DENSE_TILING_FACTOR = 4


def _warn_dense_tiling(shape, tile: int, overlap: int, default_overlap: int) -> None:
    """Say what an --overlap near the tile costs: `--tile 32 --overlap 31` steps each tile by one
    pixel, 9,409 tiles on the 128 x 128 sample painting (25 at the default overlap: 59 s instead
    of 11 s on the CPU), and ran without a word on it. A warning as the commands' others
    (cli._dispatch prints it "xrf-napari recolour: warning: ..."), not a line of its own."""
    import warnings

    from ..analysis.recolour import n_tiles

    n, usual = n_tiles(shape, tile, overlap), n_tiles(shape, tile, default_overlap)
    if n > DENSE_TILING_FACTOR * usual:
        warnings.warn(
            f"--overlap {overlap} of --tile {tile} moves each tile {tile - overlap} px: {n:,} "
            f"tiles for this scan, {n / usual:.0f}x the model's time of the default overlap "
            f"{default_overlap} ({usual:,} tiles); a smaller --overlap is faster",
            stacklevel=2,
        )


def embedder_option() -> str:
    """--embedder as the user typed it (--embedder-weights, its name here before, still read),
    for the refusals that name it."""
    from ._args import as_typed

    return as_typed("--embedder", "--embedder-weights")


def run(args) -> int:
    from ..analysis.export import IMAGE_SUFFIXES
    from ..fileutil import check_outputs, folder_output, hidden_name, same_file
    from ..models.weights import require_file
    from ._args import as_typed

    out = Path(args.output)
    typed = as_typed("--output", "-o")  # the refusals name the spelling typed
    if out.is_dir() or str(args.output).endswith(("/", os.sep)):
        raise ValueError(
            folder_output(args.output, out / f"{Path(args.input).stem}_recoloured.png", typed)
        )
    if out.name.lower() in IMAGE_SUFFIXES:  # Path(".png").suffix is ""
        raise ValueError(f"{typed} {out}: no file name before the suffix (e.g. scan{out.name})")
    hidden = hidden_name(out, f"{Path(args.input).stem}_recoloured{out.suffix or '.png'}")
    if hidden:  # ".x.png" was written, a file the docks' Save image... refuses to make
        raise ValueError(f"{typed} {out}: {hidden}")
    if out.suffix.lower() not in IMAGE_SUFFIXES:  # write_image's rule, said as an option
        # `-o SCAN.h5` is also the input: say so, not only that the suffix is wrong
        clash = (
            " is the input scan (it would be overwritten);" if same_file(out, args.input) else ""
        )
        raise ValueError(f"{typed} {out}:{clash} must end in .png, .tif or .tiff")
    for option, path in (
        ("--weights", args.weights),
        (embedder_option(), args.embedder_weights),
    ):
        # a folder or a missing file refused naming its option, before check_outputs, which
        # would call a folder an input folder
        if path:
            require_file(path, option)
    _refuse_tile(args.tile, args.weights)
    check_outputs(
        files=[out],
        inputs=[args.input, args.weights, args.embedder_weights],
        option=typed,
    )
    from ..io.arrays import not_a_picture

    why = not_a_picture(out)  # a scan or a file of another kind there is never replaced
    if why:
        raise ValueError(
            f"{typed} {out}: the file exists and {why}: recolour replaces only an image there "
            "(an earlier output); choose another output name"
        )

    from ..analysis.embed import load_embedder
    from ..analysis.recolour import (
        check_image,
        check_input_width,
        embedder_beside,
        iter_recolour,
        load_recolouriser,
        save_rgb,
    )
    from ..progress import run_to_end, tqdm_callback
    from ._args import read_scan, refuse_uncalibrated

    cube = read_scan(args)
    check_image(str(args.input), cube.shape)
    from ..energy import refuse_off_grid

    refuse_uncalibrated(args, cube, "read by the models")  # as the Recolour dock, before the model
    refuse_off_grid(cube, "the models", args.input)  # before the model, "recolouring ..."
    from ..models.weights import weights_option

    with weights_option("--weights", args.weights):  # bad weights or tiles: before streaming
        rec = load_recolouriser(args.weights, args.device)
    if args.embedder_weights is None:  # the one beside --weights where it is the right one
        args.embedder_weights = embedder_beside(rec, args.device)
    # an embedder whose latent the weights cannot read, named by these options (iter_recolour
    # checks it too, in a dock's words): it failed at the first tile, naming neither file
    with weights_option(embedder_option(), args.embedder_weights):
        emb = load_embedder(args.embedder_weights, args.device)
    check_input_width(rec, emb, ("--weights", embedder_option()))
    # A tile the model cannot take, and one whose model calls would not fit in memory, are refused
    # before the scan is embedded, the memory by iter_recolour as it is called (an oversized tile
    # grew for minutes, then died in a traceback); the tile alone first, without starting it.
    try:
        tiling = rec.tiling(args.tile, args.overlap)
        steps = iter_recolour(
            cube,
            weights=args.weights,
            embedder_weights=args.embedder_weights,
            device=args.device,
            tile=args.tile,
            overlap=args.overlap,
            batch=args.batch,
            average_flips=args.average_flips,
            anode=args.anode,  # the Recolour panel's Tube box: the same notes for the same tube
        )
    except ValueError as exc:
        opts = [f"--{k} {getattr(args, k)}" for k in ("tile", "overlap", "batch")]
        given = " ".join(o for o in opts if not o.endswith(" None"))
        raise ValueError(f"{given}: {exc}" if given else str(exc)) from None
    if args.overlap is not None:
        _warn_dense_tiling(cube.shape, *tiling, rec.tiling(tiling[0])[1])
    print(
        f"recolouring {printable(cube.name)} ({pixels_text(cube.shape, order=True)}, "
        f"{cube.shape[2]} channels, "
        f"calibration {cube.calibration.source}) on {rec.device}"
        + (", 8 orientations per tile averaged" if args.average_flips else ""),
        file=sys.stderr,
    )
    # the core counts embedding then tiles on one scale: shown as a percentage, not as pixels
    bar, close = tqdm_callback("recolouring", "%", show=not args.no_progress)
    cb = None if bar is None else (lambda done, total: bar(round(100 * done / max(total, 1)), 100))
    try:
        result = run_to_end(steps, cb)
    finally:
        close()
    print(("WARNING: " if result.ood.warn else "") + result.ood.message(), file=sys.stderr)
    # every pigment each element set leaves open (the dock names four, the rest in a tooltip)
    print(result.ambiguity.message(names=None), file=sys.stderr)
    save_rgb(out, result.rgb, result.provenance)
    size = pixels_text(result.rgb.shape, order=True)
    print(f"wrote {printable(out)} ({size}, device {result.device})")
    return 0
