"""`xrf-napari-train generate`: physics-based (or, --style paper, paper-style) synthetic MA-XRF
cubes of procedural paintings (or, --images, of a folder of RGB images), one HDF5 file per cube
plus manifest.json; resumable and deterministic."""

from __future__ import annotations

import os

#: --counts-per-pixel's bound: a channel took up to 0.52 of the mean pixel count (3 x 3 cubes of
#: `--profiles all` at 10^6), so 10^9 keeps every channel 8x under uint32's 4.29 x 10^9, the
#: widest stored count (2 x 10^10 overflowed it after the work), and far under the 9.2 x 10^18
#: that numpy's Poisson sampler takes (10^300 failed with its "lam value too large").
MAX_COUNTS_PER_PIXEL = 1e9


def configure(p):
    from ..argtypes import float_in, int_in
    from ..physics.instrument import FAMILIES
    from .dataset import SPLITS, TEST_FRACTION_PERCENT  # in_split's own

    p.add_argument("--images", help="folder of RGB images (default: procedural paintings)")
    p.add_argument("--out", required=True, help="output folder")
    # refused out of range as --workers is, by argparse (0 was refused by run(), in other words)
    p.add_argument(
        "--n-cubes",
        type=int_in(1, what="the number of cubes"),
        required=True,
        metavar="N",
        help="cubes in the set (1 to 100,000)",
    )
    p.add_argument(
        "--size",
        # this, --seed, --swatch-fraction, --bare-ground and --character refused out of range
        # by argparse, as --workers is: run() refused them in other words, and any seed passed
        type=int_in(16, what="a side in pixels"),
        default=None,
        help="cube height and width in pixels (default 256; panels: set by their layout)",
    )
    p.add_argument(
        "--seed",
        # the trainers' bound (argtypes.SEED_MAX) is checked by run(), which knows --out: a set
        # an earlier version made with a larger seed is resumed with it (_check_seed)
        type=int_in(0, what="a seed"),
        default=0,
        help="seed of the set (default 0): the same seed and options make the same cubes, "
        "whatever --workers",
    )
    p.add_argument(
        "--profiles",
        choices=FAMILIES,
        default="train",
        help="instrument family: train (Rh/W/Cu, 120-165 eV), test (Mo, 165-180 eV), all, "
        "wide (Rh/W/Cu/Mo, 120-200 eV, 20-50 kV, Rh and W 25-50: domain randomisation), "
        "heldout (Ag, "
        "outside every training range: transfer evaluation), heldout2 (Mo 35 kV or Ag 20-28 kV, "
        "thick Be filter, other geometry and detector, 100-10,000 counts per pixel: transfer "
        "evaluation) (default train)",
    )
    p.add_argument(
        "--split",
        choices=SPLITS,
        default=None,
        help=f"which paintings of --images to use (stable ~{TEST_FRACTION_PERCENT} %% test split "
        "by file-name hash; "
        "default all); without --images it does not apply and is not recorded",
    )
    p.add_argument(
        "--native",
        action="store_true",
        help="also write each cube at the instrument's native channels; the canonical cube is "
        "then re-binned from that draw, so its counts differ from a run without --native",
    )
    p.add_argument(
        "--period", action="store_true", help="period-consistent palettes (random year per cube)"
    )
    p.add_argument(
        "--kind",
        choices=("paintings", "panels"),
        default="paintings",
        help="paintings (from --images or procedural) or pigment panels (every pigment whose "
        "lines fix its colour family, masstone and two white tints; for evaluation) (default "
        "paintings)",
    )
    p.add_argument(
        "--swatch-fraction",
        type=float_in(0, 1),
        default=0.0,
        help="share of cubes made of swatches of simple paints (pigment, tint, shade, pair), "
        "0 to 1 (default 0)",
    )
    p.add_argument(
        "--bare-ground",
        type=float_in(0, 1),
        default=0.0,
        help="share of swatch cells left as bare ground (a chalk, gypsum or barium white layer "
        "alone), as between a panel's swatches, 0 to 1 (default 0)",
    )
    p.add_argument(
        "--character",
        type=float_in(0),
        default=0.0,
        help="painter's prior in recipe choice: weight of the dE between the target colour "
        "and each pigment's own colour (default 0: any matching mixture; 0.3 used for v4 data)",
    )
    p.add_argument(
        "--style",
        choices=("physics", "paper"),
        default="physics",
        help="physics (default): layered paint, many instruments; paper: the paper's generator "
        "(RGB clusters, similarity-weighted pigment spectra, 400 counts per pixel, one "
        "instrument; --profiles and --period do not apply; --native writes its 1024 channels)",
    )
    p.add_argument(
        "--pigment-table",
        default="main",
        metavar="main|reference|PATH.csv",
        help="pigment colours and compositions: main (data/pigments.csv), reference (an "
        "independent second table of the same pigments, data/pigments_alt.csv: catches a model "
        "that memorised the main table's colours) or a CSV with the same columns and names "
        "(default main)",
    )
    p.add_argument(
        "--counts-per-pixel",
        # refused out of range by argparse as the other numbers are (run() refused it, in words
        # of its own, after the others had parsed)
        type=float_in(0, MAX_COUNTS_PER_PIXEL, lo_open=True),
        default=None,
        metavar="N",
        help="every cube at this mean count level instead of its family's random one (above 0, "
        f"at most {MAX_COUNTS_PER_PIXEL:g}); the rest of each cube (painting, paints, "
        "instrument) is what the same --seed gives at any level, so sets made with one seed "
        "and several N are a paired count-level sweep",
    )
    p.add_argument(
        "--workers",
        type=int_in(1),
        default=os.cpu_count() or 1,
        metavar="N",
        help="processes making cubes, one cube and one core each (at least 1; default: all "
        "%(default)s CPUs)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _check_seed(seed: int, out) -> None:
    """A --seed above argtypes.SEED_MAX (the trainers' bound, 0 to 2**32 - 1) refused, but where
    it resumes the set in --out that an earlier version made with it: the set records its seed
    (manifest.json), and a rerun of its own command line, which finishes or resumes it, was
    refused at parsing with the seed it was made with."""
    from ..argtypes import SEED_MAX
    from ..fileutil import printable
    from .dataset import foreign_manifest, generator_manifest

    if seed <= SEED_MAX:
        return
    recorded = (generator_manifest(out) or {}).get("seed")
    if recorded == seed:
        return
    there = foreign_manifest(out)  # a corrupt manifest.json was "no set"
    there = there or ("no set" if recorded is None else f"a set of --seed {recorded}")
    raise ValueError(
        f"argument --seed: {seed} is out of range: a seed must be between 0 and {SEED_MAX}; a "
        f"larger one only resumes the set an earlier version made with it, and --out "
        f"{printable(out)} holds {there}"
    )


def run(args) -> int:
    from pathlib import Path

    from ..fileutil import check_not_a_file_name, check_output_folder, option_first
    from ..io.registry import SUPPORTED_SUFFIXES
    from .dataset import (
        MAX_N_CUBES,
        GenerateConfig,
        cube_name,
        generate_dataset,
        image_files,
        in_split,
        no_images,
    )

    _check_seed(args.seed, args.out)  # first, as argparse's refusals of the other numbers
    # `--out set.png` made a folder "set.png"
    check_not_a_file_name(args.out, "generate", scans=SUPPORTED_SUFFIXES)
    # --images is a folder by design: not told it might have been meant as a file
    check_output_folder(
        args.out,
        ("manifest.json",),
        inputs=[args.images],
        folder_inputs=[args.images],
        option="--out",
    )
    if args.kind == "panels" and args.size is not None:  # it was ignored, yet recorded
        raise ValueError(
            "--size does not apply to --kind panels: a panel's layout sets its size (the "
            "manifest records each cube's shape)"
        )
    size = 256 if args.size is None else args.size
    if args.n_cubes > MAX_N_CUBES:  # it sat for hours drawing instruments, then filled the disk
        raise ValueError(
            f"--n-cubes {args.n_cubes}: a set holds at most {MAX_N_CUBES:,} cubes (cube_00000.h5 "
            "to cube_99999.h5); make larger ones as several sets, each with its own --seed"
        )
    if args.style == "paper" and args.counts_per_pixel is not None:
        raise ValueError("--counts-per-pixel applies to the physics generator only")
    if args.style == "paper" and args.period:
        raise ValueError("--period applies to the physics generator only, not to --style paper")
    if args.style == "paper" and args.pigment_table != "main":
        raise ValueError("--pigment-table applies to the physics generator only")
    from ..physics.pigments import use_table

    # fail early on a missing file or names, naming the option as the other refusals do
    with option_first("--pigment-table"), use_table(args.pigment_table):
        pass
    images = None
    split = args.split or "all"
    if args.images:
        # listed, not read: generate_dataset hashes them after its own checks (check_options);
        # each refusal starts with the option, as the trainers' --data ones do
        with option_first("--images"):
            listed = image_files(args.images)
        images = [str(p) for p in in_split(listed, split)]
        if not images:
            raise ValueError(f"--images: {no_images(args.images, split, listed)}")
    elif args.split is not None:  # the manifest said "split": "test" of procedural cubes
        from ..argtypes import print_note

        made = "pigment panels" if args.kind == "panels" else "procedural paintings"
        print_note(
            f"--split {args.split} chooses among --images files; these cubes are {made}, "
            "so it does not apply and is not recorded (the manifest's split is null)",
        )
    cfg = GenerateConfig(
        out=args.out,
        n_cubes=args.n_cubes,
        size=size,
        seed=args.seed,
        profiles=args.profiles,
        split=split,
        images=images,
        native=args.native,
        period=args.period,
        kind=args.kind,
        swatch_fraction=args.swatch_fraction,
        bare_ground=args.bare_ground,
        character=args.character,
        style=args.style,
        pigment_table=args.pigment_table,
        counts_per_pixel=args.counts_per_pixel,
    )
    kept = sum((Path(args.out) / cube_name(i)).is_file() for i in range(args.n_cubes))
    mpath = generate_dataset(
        cfg, workers=args.workers, progress=not args.no_progress, images_dir=args.images
    )
    n = args.n_cubes - kept
    from ..fileutil import printable

    print(f"wrote {n} cube{'' if n == 1 else 's'} ({kept} already there) and {printable(mpath)}")
    return 0
