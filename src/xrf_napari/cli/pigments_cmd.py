"""`xrf-napari pigments INPUT [--labels LABELS] --output DIR`: which paints could each region be?

Regions come from LABELS (a label image .png/.tif, an .h5 with a `labels` dataset such as the
`embed` command's labels.h5, or a .npy), or, without it, from the shipped DVE + K-Means as in
`embed` (with --photo, K-Means on the element lines and the photograph's colour; without
--clusters, a scan of fewer than `pigment_fit.SPOT_PIXELS` pixels, such as a spot spectrum, is one
region). Each region's mean spectrum is explained by the forward model with candidate paints
(analysis.pigment_fit); DIR receives report.html (self-contained), candidates.csv,
hidden_partners.csv, region_spectra.csv, regions.png and pigment_recolour.png, replacing files of
those names all together at the end (pigment_report.write_report): an interrupted run leaves the
earlier report whole.
"""

from __future__ import annotations

import math
import shlex
import sys
from pathlib import Path

from ..argtypes import print_note
from ..cube import pixels_text
from ..device import DEVICE_CHOICES


def configure(parser) -> None:
    from ..analysis.embed import MAX_K
    from ..analysis.pigment_fit import SPOT_PIXELS
    from ..argtypes import float_in, int_in
    from ..physics.detector import fano_limit_ev
    from ._args import add_excitation_options

    parser.add_argument("input", help="datacube file (anything xrf-napari opens)")
    parser.add_argument(
        "--labels",
        "-l",
        help="label map (.png/.tif/.npy, or .h5 with a 'labels' dataset or "
        "a synthetic cube's targets/labels); 0 = not a region. Default: DVE + K-Means; with "
        "--photo, K-Means on the element lines and the photograph's colour; without "
        f"--clusters, a scan of fewer than {SPOT_PIXELS} pixels (a spot spectrum) is one region",
    )
    parser.add_argument(
        "--output",
        "-o",
        required=True,
        help="report folder (created if needed; an earlier report in it is replaced, files of its "
        "names that xrf-napari did not write are refused)",
    )
    # --anode, --kv, --optic, --atmosphere: quicklook's, in the same words (one helper); checked
    # here, not after minutes of embedding: the forward model's ranges
    # (physics.instrument.InstrumentProfile; the FWHM floor is the detector's Fano limit)
    add_excitation_options(
        parser,
        "the forward model",
        unknown_tube="else estimated from the scattered tube lines",
        unknown_kv="else 50",
    )
    fano_floor = math.ceil(fano_limit_ev() * 10) / 10
    parser.add_argument(
        "--fwhm",
        # the Fano limit (119.78 eV) rounded up, as the forward model's refusal and the docs
        # name it (119.8): rounded down to 119.7, "--fwhm 50" was told "at least 119.7" and
        # --fwhm 119.7 passed here, to be refused by the forward model ("outside 119.8-300 eV")
        # after the scan was read
        type=float_in(fano_floor, 300, unit="eV"),
        help=f"detector FWHM at Mn K-alpha in eV, from the Fano limit ({fano_floor:g}) to "
        "300 (default: the file's, else estimated from the regions' peak widths, 125-185 eV)",
    )
    parser.add_argument(
        "--clusters",
        "-k",
        type=int_in(2, MAX_K, "the number of regions K"),
        default=None,
        help="K-Means regions when --labels is absent",
    )
    prior = parser.add_mutually_exclusive_group()
    prior.add_argument(
        "--photo",
        help="a photograph of the scanned area (cropped and registered to the scan; any size of "
        "the same aspect ratio): its region colours break ties between paints X-rays cannot "
        "tell apart (lead white / red lead, yellow / red ochre); without --labels, regions come "
        "from the element lines and its colours",
    )
    prior.add_argument(
        "--colour-prior",
        action="store_true",
        help="use the SmallUViT's region colours to break those ties (slower: runs the "
        "recolouriser; measured to help less than a photograph)",
    )
    parser.add_argument(
        "--paint-suggested",
        action="store_true",
        help="with --photo: paint a region whose photograph colour suggests a hidden partner "
        "(a lake, indigo, a black) in its best candidate with that partner mixed in; by default "
        "pigment_recolour.png paints the best candidate X-rays see",
    )
    parser.add_argument("--device", default="auto", help=f"{DEVICE_CHOICES} (DVE / SmallUViT)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


#: What to give instead of the scan itself as --labels.
_GIVE_A_MAP = (
    "give a label map, a separate file of region numbers (.png/.tif, .npy, or embed's labels.h5)"
)


class _Refused(ValueError):
    """A label file refused with a message that already names it (not wrapped again)."""


def _empty(path: Path) -> str | None:
    """Why an empty file cannot be read, or None: a 0-byte image was called "truncated, corrupt
    or not an image format"."""
    return "the file is empty (0 bytes)" if path.stat().st_size == 0 else None


def read_labels(path, shape, scan=None) -> np.ndarray:  # noqa: F821
    """A label map from an image, .npy or .h5 file, checked against the scan's (H, W); an image's
    size is checked before it is decoded (a huge one would not fit in memory, and Pillow's
    decompression-bomb limit ended in a traceback). Values must be 0 (not a region) to
    pigment_report.MAX_LABEL: larger ones wrapped silently in the int32 cast (2**32 + 1 merged
    with region 1). A boolean map (a 1-bit PNG mask, as image editors save one) is region 1 where
    set: it was refused as "got bool", without a word on what to give instead. `scan`: the scan's
    file, named where `path` is that file and holds no label map."""
    import numpy as np

    from ..analysis.colour_prior import not_a_file
    from ..analysis.pigment_report import labels_refusal

    path = Path(path)
    why = not_a_file(path, "a label map") or _empty(path)
    if why:
        raise ValueError(f"--labels {path}: {why}")
    suffix = path.suffix.lower()
    mismatch = f"--labels {path}: shape {{}} does not match the scan {tuple(shape)}"
    try:
        if suffix == ".npy":
            from ..io.arrays import not_npy

            foreign = not_npy(path)  # np.load calls it "pickled" and says to load it unsafely
            if foreign:
                raise _Refused(f"--labels {path}: {foreign}")
            lab = np.load(path, allow_pickle=False)
        elif suffix in (".h5", ".hdf5"):
            lab = _h5_labels(path, shape, mismatch, scan)
        else:
            from ..analysis.colour_prior import IMAGE_FAULTS, image_fault, open_image
            from ..analysis.image_rgb import exif_turn

            try:
                with open_image(path) as im:
                    frames = getattr(im, "n_frames", 1)
                    if frames > 1:  # its first page was fitted, the others unsaid
                        raise _Refused(
                            f"--labels {path}: {frames} images (pages or frames) in one file; a "
                            "label map is one image: save the one you mean on its own"
                        )
                    # upright, as the photograph (colour_prior.read_photo) and image viewers
                    # show it: a map drawn over the upright photograph was read as stored,
                    # sideways or mirrored, and refused or misplaced on the scan
                    turned = exif_turn(im)
                    hw = (im.height, im.width)[:: -1 if turned in (5, 6, 7, 8) else 1]
                    if hw != tuple(shape):
                        raise _Refused(mismatch.format(hw))
                    if turned:
                        from PIL import ImageOps

                        im = ImageOps.exif_transpose(im)  # a transpose: no value is resampled
                    lab = np.asarray(im)
            except (_Refused, MemoryError):  # its size is the scan's: not a damaged file
                raise
            except IMAGE_FAULTS as exc:  # one line, as --photo: the file is damaged
                lab = _tiff_pillow_cannot(path, exc, shape, mismatch)
                if lab is None:
                    raise _Refused(f"--labels {image_fault(path, exc, arrays=True)}") from None
    except _Refused:
        raise
    except (OSError, ValueError) as exc:
        raise ValueError(f"--labels {path}: cannot read a label map: {exc}") from None
    except MemoryError as exc:  # as a scan's read: exit 1, not 2 (bad input) as a damaged file
        from ..errors import out_of_memory

        raise out_of_memory(path, exc, "reading it as a label map") from None
    if lab.dtype == bool and lab.ndim == 2:  # a 1-bit mask (PNG mode '1'): one region, 1
        from ..fileutil import printable

        print_note(
            f"--labels {printable(path)}: a 1-bit mask: its set (white) pixels are region "
            "1, the others are not a region; for more regions give region numbers (an 8- or "
            "16-bit image, 0 = not a region)",
        )
        lab = lab.astype(np.uint8)
    image = suffix not in (".npy", ".h5", ".hdf5")
    if image and lab.ndim == 3 and lab.shape[2] in (3, 4):  # embed's labels.png: colours
        raise ValueError(
            f"--labels {path}: a colour image ({pixels_text(lab.shape)}, "
            f"{'RGBA' if lab.shape[2] == 4 else 'RGB'}), not region numbers: its colours (as in "
            "the coloured labels.png that `xrf-napari embed` writes) do not say which region is "
            "which; give the labels.h5 beside that labels.png, a report's regions.png, or a "
            "greyscale image whose pixel values are the region numbers (0 = not a region)"
        )
    if image and lab.ndim == 3 and lab.shape[2] == 2:  # an editor's grey + transparency
        raise ValueError(
            f"--labels {path}: a grey image with an alpha (transparency) channel: save it "
            "without the alpha channel (flatten it), its grey values the region numbers "
            "(0 = not a region)"
        )
    if lab.ndim != 2 or not np.issubdtype(lab.dtype, np.integer):
        raise ValueError(
            f"--labels {path}: expected a 2-D integer label map, got {lab.dtype} {lab.shape}"
        )
    if lab.shape != tuple(shape):
        raise ValueError(mismatch.format(lab.shape))
    why = labels_refusal(lab)  # before anything is fitted or written
    if why:
        raise ValueError(f"--labels {path}: {why}")
    return lab.astype(np.int32)


def _h5_labels(path: Path, shape, mismatch: str, scan=None) -> np.ndarray:  # noqa: F821
    """The `labels` (or a synthetic cube's `targets/labels`, counted from 0: made 1-based) dataset
    of an HDF5 file, its shape and type checked before it is read. Opened as the scan reader
    opens one, so a file that is no HDF5, cut short or damaged is said in words (h5py's "file
    signature not found"), and a `labels` group, string or link leading nowhere is refused
    naming the file (they ended in a TypeError, AttributeError or KeyError traceback)."""
    import h5py
    import numpy as np

    from ..errors import CubeReadError
    from ..fileutil import same_file
    from ..io.hdf5 import broken_link, open_hdf5
    from ..io.lazy import read_whole

    try:
        f = open_hdf5(path)
    except CubeReadError as exc:
        raise _Refused(f"--labels {exc}") from None
    with f:
        name = next((n for n in ("labels", "targets/labels") if _linked(f, n)), None)
        if name is None:
            if scan is not None and same_file(path, scan):
                # the scan's own .h5 given for --labels (a plausible slip) was told only "no
                # 'labels' dataset in the file (it holds: counts, energy)", not that it is the scan
                raise _Refused(
                    f"--labels {path} is the scan itself ({scan}) and holds no label map (no "
                    f"'labels' dataset, nor a synthetic cube's 'targets/labels'): {_GIVE_A_MAP}"
                )
            raise _Refused(f"--labels {path}: no 'labels' dataset in the file{_h5_holds(f, path)}")
        try:
            d = f[name]
        except (KeyError, OSError, RuntimeError, ValueError):
            raise _Refused(f"--labels {path}: {broken_link(f, name, _linked(f, name))}") from None
        if not isinstance(d, h5py.Dataset):
            raise _Refused(f"--labels {path}: '{name}' is a group, not a dataset of region numbers")
        if d.ndim != 2 or d.dtype.kind not in "iub":
            raise _Refused(
                f"--labels {path}: expected a 2-D integer label map, got {d.dtype} {d.shape} "
                f"('{name}')"
            )
        if d.shape != tuple(shape):
            raise _Refused(mismatch.format(d.shape))
        try:  # one kept in external raw files read from beside the file, as the counts are
            lab = read_whole(d, path)
        except (CubeReadError, OSError) as exc:
            raise _Refused(f"--labels {exc}") from None
    if name == "targets/labels":  # the generator's truth labels count from 0
        lab = lab.astype(np.int32) + 1
    return lab


def _h5_holds(f, path: Path) -> str:
    """What an HDF5 file without a label map holds, for the refusal: embed's latent.h5 (given
    for its labels.h5 beside it) said only "no 'labels' dataset in the file"."""
    from ..fileutil import printable
    from ..io.hdf5 import embed_output

    made = embed_output(f)
    if made is not None and made[0] == "latent":
        beside = path.with_name(path.name.replace("latent", "labels", 1))
        return (
            f": it is the latent image `xrf-napari embed` wrote ({made[1]}); give the "
            f"{'labels.h5' if beside == path else printable(beside)} written beside it"
        )
    names = sorted(f)
    if not names:
        return " (it holds nothing)"
    shown = ", ".join(printable(n) for n in names[:8])
    return f" (it holds: {shown}{', ...' if len(names) > 8 else ''})"


def _linked(f, name: str):
    """The link `name` in open HDF5 file `f` (hard, soft or external), else None."""
    try:
        return f.get(name, getlink=True)
    except (KeyError, OSError, RuntimeError, ValueError):  # a path through a dataset, a bad name
        return None


def _tiff_pillow_cannot(path: Path, exc: BaseException, shape, mismatch: str):
    """The label map of a sound TIFF that Pillow cannot decode, else None: napari saves a Labels
    layer of NumPy's default integers (int64, as a layer drawn on np.zeros(..., int) is) as a
    64-bit TIFF, which Pillow calls "not an image format", and --labels called it "truncated,
    corrupt or not an image format". Read with tifffile (a dependency), its first page, its size
    checked before it is decoded; such files carry no orientation tag (napari writes none)."""
    from PIL import UnidentifiedImageError

    from ..fileutil import TIFF_SUFFIXES

    if path.suffix.lower() not in TIFF_SUFFIXES or not isinstance(exc, UnidentifiedImageError):
        return None
    import numpy as np
    import tifffile

    try:
        with tifffile.TiffFile(path) as tif:
            page = tif.pages[0]
            hw = tuple(int(v) for v in page.shape[:2])
            if len(page.shape) != 2 or not np.issubdtype(page.dtype, np.integer):
                return None  # not a label map: Pillow's fault stands
            if hw != tuple(shape):
                raise _Refused(mismatch.format(hw))
            return page.asarray()
    except _Refused:
        raise
    except Exception:  # noqa: BLE001 - tifffile's many faults: the file is damaged, as said
        return None


def _drain(gen, desc: str, unit: str, progress: bool):
    """Run a progress generator to its result, behind a tqdm bar when `progress`; a stage name it
    yields (a str) starts a bar of its own under that name."""
    from ..progress import run_to_end, tqdm_callback

    bar = [tqdm_callback(desc, unit, show=progress)]

    def step(done: int, total: int) -> None:
        if bar[0][0] is not None:
            bar[0][0](done, total)

    def stage(name: str) -> None:
        bar[0][1]()
        bar[0] = tqdm_callback(name.rstrip("\u2026").rstrip("."), "step", show=progress)

    try:
        return run_to_end(gen, step, stage)
    finally:
        bar[0][1]()


def cluster_labels(cube, k, device, progress: bool, pool_low_counts: bool = True):
    """DVE latent + K-Means, as the `embed` command (labels 1..k; a low-count scan pooled)."""
    from ..analysis import pooling
    from ..analysis.embed import auto_k_null, cluster, iter_embed

    pool, note = pooling.decide(cube, pool_low_counts)
    if pool:
        print_note(note)
    latent = _drain(iter_embed(cube, device=device, pool=pool), "embedding", "px", progress)
    null = auto_k_null(cube, k, device=device, pool=pool)  # automatic K's reference
    return cluster(latent, k, null_points=null).labels


def line_photo_labels(cube, photo, k, progress: bool):
    """K-Means on the element-line shares and the photograph's colour (labels 1..k), as the
    Pigments dock's "Find regions"."""
    from ..analysis import pooling
    from ..analysis.colour_prior import REGION_K, iter_lines_and_photo_points
    from ..analysis.embed import iter_cluster

    pool, note = pooling.decide(cube, before="reading its lines")
    if pool:
        print_note(note)
    points = _drain(
        iter_lines_and_photo_points(cube, photo, pool),
        "element lines",
        "row",
        progress,
    )
    return _drain(iter_cluster(points, k, **REGION_K), "K-Means", "fit", progress).labels


def uvit_colours(cube, labels, device) -> tuple[dict, np.ndarray]:  # noqa: F821
    """SmallUViT recolouring and each region's mean colour {label: sRGB in [0, 1]}."""
    from ..analysis.colour_prior import region_mean_colours
    from ..analysis.recolour import iter_recolour
    from ..progress import run_to_end

    # pigments takes no embedder: its way on is the weights folder's, or no colour prior
    instead = "leave out --colour-prior (pigments takes no --embedder: $XRF_NAPARI_WEIGHTS's pair)"
    rgb = run_to_end(iter_recolour(cube, device=device, instead=instead)).rgb
    return region_mean_colours(rgb, labels), rgb


def _is_the_scan(labels, scan) -> bool:
    """Whether --labels names the scan's own file (one path, a symbolic or hard link to it), a
    plausible slip: a TIFF scan given so was refused only after the scan had been read, as "128
    images (pages or frames) in one file", not as the scan. An HDF5 file is not refused: its
    `labels` or `targets/labels` dataset (a synthetic cube's) is a label map beside the cube."""
    from ..fileutil import same_file

    return Path(labels).suffix.lower() not in (".h5", ".hdf5") and same_file(labels, scan)


def refuse_replacing_others(out: Path) -> None:
    """Refuse, before the scan is read, a report folder whose report.html (or other report
    files) xrf-napari did not write (pigment_report.report_in_the_way): they were replaced."""
    from ..analysis.pigment_report import report_in_the_way
    from ..fileutil import printable
    from ._args import as_typed

    files = report_in_the_way(out)
    if not files:
        return
    if "report.html" in files:
        what = (
            f"{printable(out / 'report.html')} was not written by xrf-napari (it has no "
            "xrf-napari report's mark)"
        )
    else:
        what = f"{printable(out)} holds no report.html xrf-napari wrote, so it is no earlier report"
    them = "it" if len(files) == 1 else "them"
    option = as_typed("--output", "-o")
    raise ValueError(
        f"{option} {printable(out)}: {what}, and the report would replace {', '.join(files)} "
        f"there: nothing was written; give another {option}, or move {them} out of that folder"
    )


def run(args) -> int:
    import numpy as np

    from ..analysis.pigment_fit import instrument_for, is_spot_scan, iter_fit_regions
    from ..analysis.pigment_report import (
        REPORT_FILES,
        as_uint8,
        pixels_text,
        suggested_choices,
        write_report,
    )
    from ..argtypes import running_argv
    from ..detector import known_anode
    from ..energy import refuse_off_grid
    from ..fileutil import check_output_folder, printable
    from ._args import as_typed, check_output_folder_name, read_scan, refuse_uncalibrated

    out = Path(args.output)
    check_output_folder_name(out, "pigments", inputs=[args.input, args.labels, args.photo])
    # never over an input: a report's own region_spectra.csv or regions.png read back, say
    check_output_folder(
        out,
        REPORT_FILES,
        inputs=[args.input, args.labels, args.photo],
        option=as_typed("--output", "-o"),
    )
    refuse_replacing_others(out)
    if args.paint_suggested and not args.photo:
        raise ValueError("--paint-suggested needs --photo: only a photograph suggests partners")
    if args.photo:  # named by its option, as --labels, and before the scan is read
        from ..analysis.colour_prior import not_a_file
        from ..fileutil import same_file

        why = not_a_file(Path(args.photo), "a photograph") or _empty(Path(args.photo))
        if why:
            raise ValueError(f"--photo {args.photo}: {why}")
        if same_file(args.photo, args.input):  # was told only "HDF5 data, not a picture"
            raise ValueError(
                f"--photo {args.photo} is the scan itself ({args.input}): give a photograph of "
                "the scanned area (a .png, .jpg or .tif image)"
            )
    if args.labels and _is_the_scan(args.labels, args.input):
        raise ValueError(f"--labels {args.labels} is the scan itself ({args.input}): {_GIVE_A_MAP}")
    if args.labels and args.clusters is not None:  # the label map's regions were fitted, silently
        raise ValueError(
            f"--clusters {args.clusters} with --labels {args.labels}: the regions are the label "
            "map's, and --clusters sets how many regions K-Means finds without --labels: give "
            "one of them"
        )
    cube = read_scan(args)
    if args.colour_prior:  # a spot's "colour" was the model's guess at one padded pixel
        from ..analysis.recolour import check_image

        try:
            check_image(str(args.input), cube.shape)
        except ValueError as exc:
            raise ValueError(
                f"--colour-prior: {exc} (as `xrf-napari recolour` says), so the SmallUViT gives "
                "no colour to weigh the paints by: leave out --colour-prior"
            ) from None
    refuse_uncalibrated(args, cube, "fitted")  # before minutes of embedding, not after
    # before the photograph is read and the regions found, in the fit's words
    refuse_off_grid(cube, "the fit", args.input)
    # an anode the forward model does not know (given, or the file's) is refused now, from the
    # metadata alone: it was refused only after the regions' embedding (minutes on a large scan)
    instrument_for(cube, args.anode, args.kv, args.fwhm, args.optic, args.atmosphere)
    photo = None
    if args.photo:
        from ..analysis.colour_prior import read_photo
        from ..memory import memory_budget

        try:  # its errors name the file: the option first, as --labels's do
            photo = read_photo(args.photo, cube.shape[:2], budget=memory_budget())
        except ValueError as exc:
            if getattr(exc, "out_of_memory", False):  # exit 1, as --labels's: not bad input
                raise
            raise ValueError(f"--photo {exc}") from None
    if args.labels:
        labels = read_labels(args.labels, cube.shape[:2], scan=args.input)
    elif args.clusters is None and is_spot_scan(cube.shape):
        n = cube.shape[0] * cube.shape[1]
        print(
            f"regions: the scan has {n} pixel{'s' if n != 1 else ''}: one region (the whole scan)",
            file=sys.stderr,
        )
        labels = np.ones(cube.shape[:2], np.int32)
    elif photo is not None:  # regions from the element lines and the photograph's colour
        print("regions: K-Means on the element lines and the photograph's colour", file=sys.stderr)
        labels = line_photo_labels(cube, photo, args.clusters, not args.no_progress)
    else:
        labels = cluster_labels(cube, args.clusters, args.device, not args.no_progress)
    colours, background, source = None, None, "SmallUViT colour"
    if photo is not None:
        from ..analysis.colour_prior import region_mean_colours

        colours, source = region_mean_colours(photo, labels), "photograph"
        background = as_uint8(photo)
    elif args.colour_prior:
        colours, background = uvit_colours(cube, labels, args.device)
    report = _drain(
        iter_fit_regions(
            cube,
            labels,
            anode=args.anode,
            kv=args.kv,
            fwhm_mn_ev=args.fwhm,
            optic=args.optic,
            atmosphere=args.atmosphere,
            colour_priors=colours,
            colour_source="photograph" if photo is not None else "model",
            stages=True,  # a bar per stage: the pass over the file, the instrument, the regions
            auto_off=args.no_auto_calibration,
        ),
        "pigment fit",
        "step",
        not args.no_progress,
    )
    if background is None:
        s = cube.at_median_live_time(cube.sum_image())  # as the sum layer
        hi = float(np.percentile(s, 99)) or 1.0
        background = np.repeat(as_uint8(s / hi)[..., None], 3, axis=2)
    # the argv that ran, as the console script or main([...]) gave it (sys.argv is not it when
    # main(argv) is called from Python); None when run() is called outside a command
    argv = running_argv()
    cmd = shlex.join(["xrf-napari", *argv]) if argv is not None else None
    paths = write_report(
        out,
        report,
        labels,
        scan_name=cube.name,
        background=background,
        region_colours=colours,
        colour_source=source,
        command=cmd,
        choices=suggested_choices(report) if args.paint_suggested else None,
        anode=known_anode(cube.metadata, args.anode),
    )
    for note in report.notes:
        print_note(note)
    for r in report.regions:
        best = r.best.label if r.best else "-"
        print(
            f"region {r.label:3d} ({pixels_text(r)}): {best}"
            + (f"  [{r.best.probability:.0%}]" if r.best else "")
            + (f"  (photograph: + {r.suggested.suggested_partner})" if r.suggested else "")
            + (f"  {r.message}" if r.message else "")
        )
    print(f"wrote {', '.join(printable(p) for p in paths.values())}")
    return 0
