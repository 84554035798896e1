"""Synthetic dataset generation: one project-HDF5 file per cube, a manifest, resumable, parallel.

Every cube is a pure function of (seed, index): its random generator is seeded with
SeedSequence([seed, index]), so any subset of cubes can be regenerated, in any order, on any number
of workers, with identical results. Files are written atomically, so a file that exists is complete
and a rerun skips it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ..analysis.image_rgb import exif_turn, rgb_image  # the photograph's reader too
from ..argtypes import print_note
from ..cube import pixels_text
from ..fileutil import printable
from .cube import SynthCube

if TYPE_CHECKING:
    from ..physics.instrument import InstrumentProfile

# 2: speckle-free region maps; 3: painter's recipe prior, swatch cubes, panels
GENERATOR = "xrf-napari-synth/3"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp")
TEST_FRACTION_PERCENT = 20
#: The splits of an image folder (in_split), as `synth --split` offers them.
SPLITS = ("train", "test", "all")


def cube_rng(seed: int, index: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(index)]))


def image_split(name: str) -> str:
    """'test' for about 20 % of file names (stable hash of the name), else 'train'."""
    h = int(hashlib.sha1(Path(name).name.encode("utf-8")).hexdigest(), 16)
    return "test" if h % 100 < TEST_FRACTION_PERCENT else "train"


def require_folder(folder, what: str, holds: str) -> Path:
    """`folder` as a Path, or a ValueError naming it: a missing one "does not exist"; a file
    given where its folder was meant (`--data data/train/cube_00000.h5`, `--images
    paintings/a.jpg`) was also said not to exist, though the user could see it, and now is
    named as a file, with the folder to give. `holds`: what that folder holds."""
    folder = Path(folder)
    if folder.is_dir():
        return folder
    if folder.exists():
        raise ValueError(
            f"{what} {folder} is a file, not a folder: give the folder of {holds} (this file "
            f"lies in {folder.parent})"
        )
    raise ValueError(f"{what} {folder} does not exist")


def image_files(folder) -> list[Path]:
    """The images of `folder` by name, none of them read: generate hashes them once, after its
    other checks (check_duplicate_images), and its manifest lists their split from this. Files
    only: a sub-folder named `old.png` was taken for an image ("[Errno 21] Is a directory")."""
    folder = require_folder(folder, "image folder", "the images; every image in it is used")
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".") and p.is_file()
    )


def no_images(folder, split: str, listed) -> str:
    """Why `folder` gave no image in `split` (`listed`: its images, image_files), naming what it
    holds and what is read: it said "no images for split 'all' in X" (a split the user had not
    given), whether X was empty, held other files, or held the paintings one folder down."""
    if listed:
        some = "the one image" if len(listed) == 1 else f"none of the {len(listed)} images"
        return (
            f"{some} in {printable(folder)} is {'not ' * (len(listed) == 1)}in the {split} split "
            f"(about {TEST_FRACTION_PERCENT} % of file names, chosen by a hash of the name, are "
            "test, the others train): add images or give --split all"
        )
    names = sorted(p.name for p in Path(folder).iterdir())
    if not names:
        held = "it is empty"
    else:
        shown = ", ".join(printable(n) for n in names[:3]) + (", ..." if len(names) > 3 else "")
        held = f"it holds {len(names)} other entr{'y' if len(names) == 1 else 'ies'} ({shown})"
    return (
        f"no images in {printable(folder)}: {held}; generate reads the "
        f"{', '.join(s.lstrip('.') for s in IMAGE_SUFFIXES)} files directly in the folder "
        "(any case; hidden files and sub-folders are not read)"
    )


def in_split(images, split: str) -> list[Path]:
    """Those of `images` in `split` (train, test or all; image_split)."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}")
    return [Path(p) for p in images if split == "all" or image_split(Path(p).name) == split]


def list_images(folder, split: str = "all") -> list[Path]:
    """The images of `folder` in `split`, after refusing a folder that holds one file twice
    (check_duplicate_images: over every split, since the split is by name)."""
    imgs = image_files(folder)
    chosen = in_split(imgs, split)  # an unknown split is refused before any image is read
    check_duplicate_images(imgs)
    return chosen


def check_duplicate_images(images: list[Path]) -> None:
    """A ValueError naming two images with the same bytes. A painting is known by its file name
    (the test split hashes the name, training's validation split and evaluate's held-out verdict
    compare the names cubes record), so one saved under two names could be trained on and tested
    on as two paintings. Byte-identical copies only: a re-encoded copy is not caught (32 x 32
    thumbnails of re-saved JPEGs differed as much as two distinct paintings of the shipped
    folders do). Hashing reads each file once (48 MB for the 356 shipped paintings)."""
    seen: dict[str, Path] = {}
    for path in images:
        try:
            with open(path, "rb") as fh:
                digest = hashlib.file_digest(fh, "sha256").hexdigest()
        except OSError as exc:
            raise ValueError(f"cannot read image {printable(path)}: {exc}") from None
        first = seen.setdefault(digest, path)
        if first != path:
            raise ValueError(
                f"images {printable(first.name)} and {printable(path.name)} of "
                f"{printable(path.parent)} "
                "are the same file: a painting is known by its file name, so it would be split "
                "as two paintings (one on each side of the test or validation split); remove "
                "one of them"
            )


def load_source(path: Path, size: int, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """A size x size RGB crop: a random square (side between size and the short side) resized."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            im = rgb_image(im, path)
            w, h = im.size
            short = min(w, h)
            side = int(rng.integers(min(size, short), short + 1)) if short > size else short
            x0 = int(rng.integers(0, w - side + 1))
            y0 = int(rng.integers(0, h - side + 1))
            crop = im.crop((x0, y0, x0 + side, y0 + side)).resize(
                (size, size), Image.Resampling.LANCZOS
            )
    except OSError as exc:
        raise ValueError(f"cannot read image {path}: {exc}") from None
    return np.asarray(crop, dtype=np.uint8), {
        "box_xywh": [x0, y0, side, side],
        "image_size": [w, h],
    }


def check_images(cfg: GenerateConfig, todo) -> None:
    """Refuse, before the manifest, an image of --images that the cubes still to make (`todo`)
    would use and that cannot be read as generate reads it: a corrupt or truncated file, a file
    that is no image, a 32-bit or floating-point image. Met while making the cubes, it stopped
    the run with the manifest and the cubes before it written, and the folder then refused the
    command without that file as another set's (its images_used differ). Each image is decoded
    once (a small share of the cube's own time); a note names the images smaller than --size,
    whose crops are enlarged."""
    from PIL import Image

    if not cfg.images or cfg.kind != "paintings" or cfg.swatch_fraction >= 1.0:
        return  # --swatch-fraction 1: every cube is a swatch layout, no image is read
    perm = np.random.default_rng(cfg.seed).permutation(len(cfg.images))
    used = sorted({int(perm[i % len(cfg.images)]) for i in todo})
    small = []
    for k in used:
        path = Path(cfg.images[k])
        try:
            with Image.open(path) as im:
                w, h = im.size
                im.draft("RGB", (cfg.size, cfg.size))  # JPEG: decode at a reduced scale
                rgb_image(im, path).load()
                if exif_turn(im) in (5, 6, 7, 8):  # turned a quarter: the size upright
                    w, h = h, w  # (a TIFF a recent Pillow turned on loading has lost its tag)
        except Image.DecompressionBombError:  # PIL's text spoke of a "DOS attack"
            raise ValueError(
                f"image {path} has more pixels than PIL decodes ({2 * Image.MAX_IMAGE_PIXELS:,}, "
                "its guard against decompression bombs): save a smaller copy (each crop is "
                f"resized to --size {cfg.size} px anyway)"
            ) from None
        except (OSError, SyntaxError) as exc:
            # Pillow's own words ("cannot identify image file 'a.jpg'") said not what the file
            # is: image_fault names a text, .npy or HDF5 file, or a damaged image, as --photo's
            from ..analysis.colour_prior import image_fault

            raise ValueError(image_fault(path, exc)) from None
        if min(w, h) < cfg.size:
            small.append(f"{printable(path.name)} ({pixels_text((h, w))})")
    if small:
        print_note(
            f"{len(small)} image(s) smaller than --size {cfg.size} (e.g. {small[0]}): "
            "their crops are enlarged to the cube's size",
        )


def synthesize(
    rgb: np.ndarray,
    rng: np.random.Generator,
    profile,
    *,
    labels=None,
    recipes=None,
    year: int | None = None,
    native: bool = False,
    blur_px: float | None = None,
    character: float = 0.0,
) -> SynthCube:
    """A synthetic cube of an RGB image under one instrument profile.

    labels/recipes: give both to bypass clustering and recipe choice (swatch panels, tests).
    """
    from ..physics.spectrum import SpectrumModel
    from .cube import pixel_weights, poisson_counts, rebin_counts
    from .paint import random_ground, region_paint
    from .regions import to_float_rgb

    img = to_float_rgb(rgb)
    regions, recipes = plan_regions(img, rng, labels, recipes, year, character)
    k = regions.k
    ground = random_ground(rng)
    paints = [region_paint(r, rng) for r in recipes]
    model = SpectrumModel(profile)
    comps = np.array(
        [model.detect(model.fine(stack)) for p in paints for stack in p.corner_stacks(ground)]
    )
    comps_canon = model.canonical(comps)
    blur = float(rng.uniform(0.6, 2.0)) if blur_px is None else blur_px
    weights = pixel_weights(regions.labels, k, rng, blur)
    totals = comps.sum(axis=1)
    native_counts = None
    if native:
        native_counts = poisson_counts(weights, comps, profile.counts_per_pixel, rng)
        # every native count lands in one canonical bin (no rounding, no clipping at 65535)
        counts = rebin_counts(native_counts, model.to_canonical, rng)
    else:
        counts = poisson_counts(weights, comps_canon, profile.counts_per_pixel, rng, totals=totals)
    meta = {
        "generator": GENERATOR,
        "profile": profile.to_dict(),
        "ground": ground.to_dict(),
        "regions": [p.to_dict() for p in paints],
        "k": k,
        "silhouettes": {str(kk): v for kk, v in regions.silhouettes.items()},
        "boundary_blur_px": blur,
        "year": year,
        "component_order": "per region: (thin, A), (thick, A), (thin, B), (thick, B)",
    }
    return SynthCube(
        counts,
        np.round(img * 255).astype(np.uint8),
        regions.palette_image(),
        regions.labels,
        meta,
        native_counts,
        {"components_canonical": comps_canon, "weights": weights},
    )


def plan_regions(img, rng, labels=None, recipes=None, year=None, character: float = 0.0):
    """(Regions, one Recipe per region) of a float RGB image: its colour clusters, or the given
    labels' mean colours, and each region's paint as choose_recipe draws it (or `recipes`). The
    first draws of `synthesize`, apart so the recipes alone can be drawn (`draw_recipes`)."""
    from .recipes import choose_recipe
    from .regions import Regions, cluster_regions

    if labels is None:
        regions = cluster_regions(img, rng)
    else:
        from skimage.color import rgb2lab

        labels = np.asarray(labels, dtype=np.int32)
        k = int(labels.max()) + 1
        flat = img.reshape(-1, 3)
        cnt = np.maximum(np.bincount(labels.ravel(), minlength=k), 1)
        pal = (
            np.stack(
                [np.bincount(labels.ravel(), weights=flat[:, c], minlength=k) for c in range(3)], 1
            )
            / cnt[:, None]
        )
        regions = Regions(labels, pal, rgb2lab(pal[None])[0], {})
    if recipes is None:
        recipes = [
            choose_recipe(regions.palette[i], rng, year, character=character)
            for i in range(regions.k)
        ]
    if len(recipes) != regions.k:
        raise ValueError(f"{len(recipes)} recipes for {regions.k} regions")
    return regions, recipes


@dataclass
class GenerateConfig:
    out: str
    n_cubes: int
    size: int = 256
    seed: int = 0
    profiles: str = "train"
    split: str = "all"
    images: list[str] | None = None  # paths; None = procedural paintings
    native: bool = False
    period: bool = False
    kind: str = "paintings"  # paintings | panels (pigment panels of synth.swatches.IDENTIFIABLE)
    swatch_fraction: float = (
        0.0  # share of painting cubes replaced by swatch cubes of simple paints
    )
    bare_ground: float = 0.0  # share of swatch cells left as bare ground (synth.swatches)
    character: float = 0.0  # painter's prior in recipe choice (synth.recipes.choose_recipe)
    style: str = "physics"  # physics | paper (synth/paper_style.py: the paper's generator)
    pigment_table: str = "main"  # main | reference | path of a CSV (physics.pigments.TABLES)
    counts_per_pixel: float | None = None  # a fixed count level (a paired sweep), else random
    # not an option of the set (not in the manifest): cubes written at once, for the disk check
    writers: int = 1


def elements_in(meta: dict) -> set[str]:
    """Every element `synthesize` put into a cube, from its metadata: the regions' pigments, the
    ground or priming, the tube's anode (its scatter) and argon (the air): the truth element
    suggestions are judged against (scripts/eval_suggestions.py). A cube of `generate --style
    paper` records its one ground as paint.ground ("gypsum 200.0 um", synth.paper_style). The
    pigments are those of the table the cube was made from (its metadata's pigment_table): a
    cube of `generate --pigment-table reference` was judged by the main table's compositions
    (its lead white's Ag and Cu, its chalk's Sr, none of them in the cube)."""
    from ..physics.pigments import use_table

    with use_table(_cube_table(meta)):
        return _elements_in(meta)


def _cube_table(meta: dict) -> str | None:
    """The pigment table (a use_table argument) a cube was made from, by its metadata's
    pigment_table ({name, sha256}). None recorded (synthesize's own cubes record none): the
    table in use, under which such a cube is made; it was the main table, so a cube synthesized
    under use_table("reference") was judged by the main table's compositions (its lead white's
    Ag and Cu). A CSV of the user's is recorded by its file name alone: it is the table in use
    where that one's bytes match (physics.pigments.use_table around the call), else the main
    table, with a warning naming it (scripts/jitter_pigment_tables.py's tables move colours
    only, not compositions)."""
    import warnings

    from ..physics.pigments import TABLES, active_table

    info = meta.get("pigment_table")
    if isinstance(info, str):  # a reader's metadata kept as JSON text
        info = json.loads(info)
    if not isinstance(info, dict):
        return active_table()
    if info.get("name", "main") == "main":
        return None
    name = str(info["name"])
    if name in TABLES:
        return name
    active = active_table()
    if active is not None and pigment_table_info(active)["sha256"] == info.get("sha256"):
        return active
    warnings.warn(
        f"the cube was made from the pigment table {name} (a CSV file), which is not the table "
        "in use: its elements are read from the main table's compositions (read it under "
        "physics.pigments.use_table(PATH) where that table's compositions differ)",
        stacklevel=3,
    )
    return None


def _elements_in(meta: dict) -> set[str]:
    from ..physics.layers import ground_layer, priming_layer
    from ..physics.pigments import get_pigment

    out = {"Ar", meta["profile"]["anode"]}
    for region in meta["regions"]:
        for name in region["pigments"]:
            out |= set(get_pigment(name).composition())
    ground = meta.get("ground")
    if ground is None:  # a KeyError 'ground' for every paper-style cube
        ground = [{"name": meta["paint"]["ground"].split()[0] + " ground"}]
    for layer in ground:
        if "priming" in layer["name"]:
            out |= set(priming_layer().comp())
        elif "ground" in layer["name"]:
            out |= set(ground_layer(layer["name"].split()[0]).comp())
    return out


def cube_name(index: int) -> str:
    return f"cube_{index:05d}.h5"


def generator_manifest(data_dir) -> dict | None:
    """The manifest.json of `data_dir` when `generate` wrote it (a JSON object with "generator"),
    else None: no file, an unreadable one, or another tool's. The checks of a generated set
    (check_set_complete here, training.data.check_listed) apply to such folders only."""
    try:
        manifest = json.loads((Path(data_dir) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and "generator" in manifest else None


def foreign_manifest(data_dir) -> str | None:
    """What is wrong with the manifest.json in `data_dir` where one is there that `generate` did
    not write (unreadable, not JSON, another tool's), else None: generate replaced such a file
    without a word where the folder held no cube, and `--seed` above the bound said the folder
    "holds no set"."""
    mpath = Path(data_dir) / "manifest.json"
    if not os.path.lexists(mpath) or generator_manifest(data_dir) is not None:
        return None
    try:
        text = mpath.read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:
        why = f"cannot be read ({getattr(exc, 'strerror', None) or exc})"
    else:
        try:
            json.loads(text)
        except ValueError as exc:
            why = f"is not JSON ({exc})"
        else:
            why = 'is not one generate wrote (no "generator" in it)'
    return f"{printable(mpath)}, which {why}"


def check_set_complete(data_dir) -> dict | None:
    """A ValueError naming the folder when `generate` has not finished there: it writes
    manifest.json with its options before the first cube and adds the "cubes" list after the last,
    so a manifest without it means generation is still running or was interrupted, and the
    folder holds part of the set (training used what was there; export-set said "unreadable
    manifest ('cubes')"). Folders without a generator's manifest pass. Returns the manifest
    (generator_manifest's), for the caller's other checks not to read it again."""
    manifest = generator_manifest(data_dir)
    if manifest is not None and "cubes" not in manifest:
        raise ValueError(
            f"{data_dir} is an incomplete generated set: its manifest.json lists no cubes yet "
            "(generate is still running there, or was interrupted: rerun the same generate "
            "command to finish it)"
        )
    return manifest


def native_path(cube_path) -> Path:
    """The copy of a cube at its instrument's native channels that `--native` writes beside it."""
    cube_path = Path(cube_path)
    return cube_path.with_name(cube_path.stem + "_native.h5")


def without_native_copies(paths) -> list[Path]:
    """`paths` less the copies at native channels that `--native` writes beside their cubes
    (the same painting twice: trainers, evaluate and the scripts that count or score a set's
    cubes take each painting once)."""
    paths = [Path(f) for f in paths]
    copies = {native_path(f) for f in paths}
    return [f for f in paths if f not in copies]


def pigment_table_info(table: str) -> dict:
    """What metadata records of a pigment table: its name or path and the SHA-256 of its bytes."""
    from importlib import resources

    from ..physics.pigments import TABLES, resolve_table

    path = resolve_table(table) or str(resources.files("xrf_napari").joinpath(TABLES["main"]))
    return {
        "name": table if table in TABLES else Path(table).name,
        "sha256": hashlib.sha256(Path(path).read_bytes()).hexdigest(),
    }


def generate_one(index: int, cfg: GenerateConfig) -> dict:
    """Make and write cube `index` (skips it when its file exists). Returns a manifest entry."""
    from ..physics.pigments import use_table

    with use_table(cfg.pigment_table):
        return _generate_one(index, cfg)


class Source(NamedTuple):
    """A cube's first draws (draw_source); `rng` continues with the paints and the spectra."""

    rng: np.random.Generator
    profile: InstrumentProfile
    year: int | None
    rgb: np.ndarray
    labels: np.ndarray | None
    recipes: list | None  # None unless a panel or swatch cube fixes them
    source: dict  # the manifest's record of the image or layout
    extra: dict  # more metadata (a panel's swatch names)


def draw_source(index: int, cfg: GenerateConfig) -> Source:
    """Cube `index`'s first draws, in the order `_generate_one` makes them."""
    from ..physics.instrument import random_profile
    from .procedural import procedural_painting

    rng = cube_rng(cfg.seed, index)
    if cfg.style == "paper":
        from .paper_style import paper_profile

        profile = paper_profile()
    else:
        profile = random_profile(rng, cfg.profiles)
        if cfg.counts_per_pixel is not None:  # after the draw: the same rng stream follows
            profile = replace(profile, counts_per_pixel=float(cfg.counts_per_pixel))
    year = int(rng.integers(1300, 2001)) if cfg.period else None
    labels = recipes = None
    extra = {}
    if cfg.kind == "panels":
        from .swatches import panel_layout

        white = str(rng.choice(["Lead white", "Titanium white", "Zinc white"]))
        rgb, labels, recipes, names = panel_layout(white=white)
        source = {"image": f"panel ({white.lower()} tints)"}
        extra = {"swatch_names": names}
    elif cfg.kind != "paintings":
        raise ValueError(f"unknown cube kind {cfg.kind!r} (paintings or panels)")
    elif cfg.swatch_fraction > 0 and rng.random() < cfg.swatch_fraction:
        from .swatches import swatch_cube_layout

        rgb, labels, recipes = swatch_cube_layout(rng, cfg.size, year, cfg.bare_ground)
        source = {"image": "swatches"}
    elif cfg.images:
        perm = np.random.default_rng(cfg.seed).permutation(len(cfg.images))
        src = Path(cfg.images[perm[index % len(cfg.images)]])
        rgb, crop = load_source(src, cfg.size, rng)
        source = {"image": src.name, **crop}
    else:
        rgb = procedural_painting(rng, cfg.size)
        source = {"image": "procedural"}
    return Source(rng, profile, year, rgb, labels, recipes, source, extra)


def draw_recipes(cfg: GenerateConfig) -> list[list[list[str]]]:
    """The pigments of every region's recipe of `generate`'s cubes 0..n_cubes - 1 under `cfg`,
    without their spectra (seconds instead of minutes, no files): the same draws as the cubes,
    so counting them (scripts/pigment_usage.py --draw) equals counting the generated set."""
    from ..physics.pigments import use_table
    from .regions import to_float_rgb

    if cfg.style != "physics":
        raise ValueError("recipes are drawn by the physics generator only (--style physics)")
    out = []
    with use_table(cfg.pigment_table):
        for index in range(cfg.n_cubes):
            d = draw_source(index, cfg)
            _, recipes = plan_regions(
                to_float_rgb(d.rgb), d.rng, d.labels, d.recipes, d.year, cfg.character
            )
            out.append([list(r.pigments) for r in recipes])
    return out


def _generate_one(index: int, cfg: GenerateConfig) -> dict:
    from ..energy import CANONICAL_BIN_WIDTH, Calibration, canonical_energy
    from ..io.project_h5 import write_cube

    out = Path(cfg.out)
    path = out / cube_name(index)
    if path.exists() and (not cfg.native or native_path(path).exists()):
        return _entry_from_file(path, index, skipped=True)
    rng, profile, year, rgb, labels, recipes, source, extra = draw_source(index, cfg)
    if cfg.style == "paper":  # painting cubes only (check_options)
        from .paper_style import synthesize_paper

        cube = synthesize_paper(rgb, rng)
    else:
        cube = synthesize(
            rgb,
            rng,
            profile,
            labels=labels,
            recipes=recipes,
            year=year,
            native=cfg.native,
            character=cfg.character,
        )
    meta = dict(
        cube.metadata,
        seed=cfg.seed,
        index=index,
        source=source,
        profile_family=cfg.profiles,
        split=recorded_split(cfg),
        name=path.stem,
        kind=cfg.kind,
        swatch_fraction=cfg.swatch_fraction,
        **({"bare_ground": cfg.bare_ground} if cfg.bare_ground else {}),
        character=cfg.character,
        pigment_table=pigment_table_info(cfg.pigment_table),
        **extra,
    )
    e = canonical_energy()
    cal = Calibration(float(e[0]), CANONICAL_BIN_WIDTH, 0.0, source="file")
    targets = {"rgb": cube.rgb, "palette": cube.palette, "labels": cube.labels}
    stored = [cube.counts] + [cube.native] * cfg.native
    need = sum(stored_counts_bytes(a) for a in stored)
    need += (1 + cfg.native) * (sum(a.nbytes for a in targets.values()) + len(json.dumps(meta)))
    _check_cube_room(out, path.name, need, cfg.writers)
    if cfg.native:
        write_cube(
            native_path(out / cube_name(index)),
            cube.native,
            profile.calibration,
            targets=targets,
            metadata=dict(meta, grid="native"),
        )
    write_cube(path, cube.counts, cal, targets=targets, metadata=dict(meta, grid="canonical"))
    return _entry_from_file(path, index, skipped=False)


def _entry_from_file(path: Path, index: int, skipped: bool) -> dict:
    import h5py

    with h5py.File(path, "r") as f:
        meta = json.loads(f.attrs["metadata"])
        shape = list(f["counts"].shape)
    p = meta.get("profile", {})
    return {
        "file": path.name,
        "index": index,
        "shape": shape,
        "source": meta.get("source", {}).get("image"),
        "anode": p.get("anode"),
        "kv": p.get("kv"),
        "fwhm_mn_ev": p.get("fwhm_mn_ev"),
        "counts_per_pixel": p.get("counts_per_pixel"),
        "k": meta.get("k"),
        "skipped": skipped,
    }


def _generator(style: str) -> str:
    if style == "paper":
        from .paper_style import GENERATOR as PAPER

        return PAPER
    return GENERATOR


def _init_worker():
    """One BLAS/OpenMP thread per worker: the workers already fill the cores. The variables reach
    libraries loaded from here on; numpy's OpenBLAS is loaded before this runs (unpickling this
    function imports this module), so it is limited in place: left alone it ran a thread per core in
    every worker (12 workers on 16 cores: 2.51 paper-style cubes/s, 3.58 limited).

    Ctrl-C is the parent's to handle (it ends the pool and says what stayed): a terminal's Ctrl-C
    reaches every worker too, whose KeyboardInterrupt printed "Process SpawnPoolWorker-2:" (and
    its traceback, as far as it got before the pool ended it) onto the progress bar's line."""
    import signal

    from threadpoolctl import threadpool_limits

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    threadpool_limits(1)


def _run_one(args):
    index, cfg = args
    return generate_one(index, cfg)


def check_options(cfg: GenerateConfig) -> None:
    """Options that fail or do nothing, refused before the manifest is written: a negative seed
    and paper style with panels or swatches failed only after it, and the folder then refused the
    corrected command as another set's; paper style recorded --profiles and --character that it
    ignores (it has one fixed instrument and its own recipe rule), and panels recorded the
    paintings' options (their layout fixes every swatch's recipe)."""
    if cfg.seed < 0:
        raise ValueError(f"--seed must be >= 0 (got {cfg.seed})")
    if cfg.kind == "panels":
        ignored = [
            flag
            for flag, used in (
                ("--images", cfg.images),
                ("--swatch-fraction", cfg.swatch_fraction > 0),
                ("--bare-ground", cfg.bare_ground > 0),
                ("--character", cfg.character > 0),
                ("--period", cfg.period),
            )
            if used
        ]
        if ignored:
            raise ValueError(
                f"{', '.join(ignored)} do{'es' if len(ignored) == 1 else ''} not apply to "
                "--kind panels: a panel's layout fixes every swatch's paint (pigment, tints, "
                "ground)"
            )
    if cfg.style == "paper":
        if cfg.kind != "paintings" or cfg.swatch_fraction > 0:
            raise ValueError("--style paper makes painting cubes only (no panels or swatch cubes)")
        if cfg.profiles != "train" or cfg.character:
            raise ValueError(
                "--profiles and --character apply to the physics generator only: --style paper "
                "has one fixed instrument and mixes pigments by colour similarity"
            )


#: What making one cube holds at its peak, the terms of `cube_peak_bytes`, from tracemalloc peaks
#: of `generate_one` (physics 48-512 px, --native 32-128 px at 1024-8192 channels, paper 64-320
#: px; at 512 px /usr/bin/time's peak RSS was a worker's own memory plus this peak, within 1 %):
#: the estimate was 1.1 to 1.7 times the measured peak from 96 px on (up to 2.5 below, where the
#: fixed terms dominate), never below it. The counts alone, which the check counted before, are a
#: third of the peak at 256 px (3.1-3.5 KiB a pixel measured), a fifth of a paper cube's and a
#: 37th of a --native one's (128 px, 4096 channels).
WORKER_BYTES = 200 * 2**20  # a worker's own memory after its first cube (190 MiB measured)
CUBE_FIXED_BYTES = 32 * 2**20  # per-cube tables and temporaries of any size
PIXEL_BYTES = 16 * 16 + 512  # weights of 16 regions x 4 corners (float32), image, labels, fields
POISSON_ROWS = 32  # poisson_counts' row block: float32 rates twice, float64 rates, int64 draws
POISSON_BYTES = 4 + 4 + 8 + 8
MODEL_BUILD_BYTES = 28 * 1024  # SpectrumModel's construction, per native channel (212 MB at 8192)
MODEL_KEPT_BYTES = 6 * 1024  # what it keeps (43 MB at 8192)
REBIN_ELEMENTS = 1 << 22  # rebin_counts' block (max_elements), at about 16 bytes an element
PAPER_DRAW = 16384  # multinomial_counts' block of pixels (int64 draws)


def cube_peak_bytes(cfg: GenerateConfig, channels: int) -> int:
    """An upper bound of the memory making one cube of `cfg` peaks at, beyond a worker's own
    (WORKER_BYTES), for a profile of `channels` native channels: the counts (and with --native
    the native counts), the per-pixel weights, one row block of Poisson draws, the spectrum
    model (its construction peaks before the cube's arrays exist) and, when counts are re-binned,
    rebin_counts' block. Terms and their measurement: the constants above."""
    from ..energy import CANONICAL_N_CHANNELS as C

    px, w = cfg.size**2, cfg.size
    if cfg.style == "paper":  # 1024-channel multinomial draws, re-binned to the canonical grid
        return (
            CUBE_FIXED_BYTES
            + min(px, PAPER_DRAW) * channels * 8
            + px * (C * 2 + channels * 2 + 512)
            + min(px * channels, REBIN_ELEMENTS) * 16
        )
    level = cfg.counts_per_pixel or 0
    item = 2 if level <= 30_000 else 6  # uint32 counts, and the uint16 copy while widening
    drawn = channels if cfg.native else C
    cube = (
        CUBE_FIXED_BYTES
        + MODEL_KEPT_BYTES * channels
        + px * (C * item + PIXEL_BYTES + (channels * item if cfg.native else 0))
        + POISSON_ROWS * w * drawn * POISSON_BYTES
        + (min(px * channels, REBIN_ELEMENTS) * 16 if cfg.native else 0)
    )
    return max(cube, CUBE_FIXED_BYTES + MODEL_BUILD_BYTES * channels)


#: The most native channels each instrument family draws (physics.instrument.random_profile;
#: test_train40 draws them): the memory check stops drawing the cubes' instruments at the first
#: that reaches it. Drawing every one took 0.1 ms a cube: 11 s for 100,000 cubes, and a mistyped
#: --n-cubes 99999999999 sat there for hours before any message.
FAMILY_MAX_CHANNELS = {
    "train": 4096,
    "test": 4096,
    "all": 4096,
    "wide": 4096,
    "heldout": 8192,
    "heldout2": 8192,
}

#: The most cubes one set holds: its files are cube_00000.h5 to cube_99999.h5 (beyond, the names
#: grow a digit and no longer sort in index order); sets of their own --seed make more.
MAX_N_CUBES = 100_000


def _largest_channels(cfg: GenerateConfig) -> int:
    """The most native channels among the set's instruments: every cube's drawn until one has
    its family's most (FAMILY_MAX_CHANNELS), so the answer is that of drawing them all."""
    top = FAMILY_MAX_CHANNELS.get(cfg.profiles)
    channels = 0
    for i in range(cfg.n_cubes):
        channels = max(channels, _profile_channels(cfg, i))
        if cfg.style == "paper" or (top is not None and channels >= top):
            break
    return channels


def _profile_channels(cfg: GenerateConfig, index: int) -> int:
    """The native channels of cube `index`'s instrument (the first draw of draw_source)."""
    if cfg.style == "paper":
        from .paper_style import paper_profile

        return paper_profile().n_channels
    from ..physics.instrument import random_profile

    return random_profile(cube_rng(cfg.seed, index), cfg.profiles).n_channels


def check_cube_memory(cfg: GenerateConfig, workers: int) -> None:
    """Refuse, before the manifest, a --size whose cubes cannot fit: `generate --size 100000` went
    on to allocate 224 GiB and failed with MemoryError, its manifest.json already written. The
    bound is cube_peak_bytes (at the set's largest instrument, _largest_channels) plus a
    worker's own memory, times the cubes made at once; it counted the counts alone (1 KiB a
    pixel), a third to a twentieth of the measured peak. Panels are at most 1,000 px."""
    from ..memory import memory_budget

    if cfg.kind == "panels":
        return
    at_once = max(1, min(workers, cfg.n_cubes))
    channels = _largest_channels(cfg)

    def need(size: int) -> int:
        return at_once * (WORKER_BYTES + cube_peak_bytes(replace(cfg, size=size), channels))

    free = memory_budget()
    if need(cfg.size) > free:
        lo, hi = 15, cfg.size  # the largest --size that fits: need() grows with the size
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if need(mid) <= free else (lo, mid)
        fewer = " (more with fewer --workers)" if at_once > 1 else ""
        fits = f"about --size {lo} fits{fewer}" if lo >= 16 else "use fewer --workers"
        raise ValueError(
            f"--size {cfg.size}: making {at_once} cube(s) at once takes up to "
            f"{need(cfg.size) / 2**30:,.1f} GiB (each: its counts, weights and Poisson draws, "
            f"the spectrum model of {channels} channels and a worker's "
            f"{WORKER_BYTES // 2**20} MiB), more than the {free / 2**30:,.1f} GiB this machine "
            f"can allocate now; {fits}"
        )


#: How the counts' share after gzip is measured before a cube is written: this many of its
#: 16 x 16-pixel chunks (spread over the cube) compressed as write_cube stores them (byte
#: shuffle, gzip level 4), their share then taken COMPRESSED_MARGIN times, plus per-chunk and
#: per-file HDF5 bookkeeping. Measured: the estimate stays 26-54 % above the file written (64 px
#: cubes, all chunks sampled: counts of 100 to 10^9 per pixel, --native, --style paper, heldout2,
#: wide, panels) and 29-43 % at 256 px (16 of 256 chunks); compressing every chunk would cost as
#: much as the write's own gzip.
SAMPLE_CHUNKS = 16
COMPRESSED_MARGIN = 1.25
CHUNK_OVERHEAD = 64
FILE_OVERHEAD = 64 * 1024
#: Before the manifest no cube exists to measure: the first cubes' counts are asked for at this
#: share of their bytes, by item size. uint16 counts (up to 30,000 counts per pixel): gzip kept
#: 64 px cubes at 5-27 % (the most at 10^4 counts a pixel), so half is twice the most measured;
#: uint32 counts (above 30,000) kept 29-56 %: counted whole. Each cube's own check (measured)
#: comes before its write whatever this estimate said.
FIRST_CUBES_SHARE = {2: 0.5, 4: 1.0}


def stored_counts_bytes(counts: np.ndarray, level: int = 4, shuffle: bool = True) -> int:
    """An upper estimate of what write_cube stores for `counts`: the share gzip leaves of
    SAMPLE_CHUNKS of its chunks, times COMPRESSED_MARGIN, scaled to the whole array, plus
    bookkeeping; never more than the bytes uncompressed plus that bookkeeping. Counted
    uncompressed, a 64 px cube asked for 4-18 times its file (1.8 at 10^9 counts per pixel) and
    generate refused disks with room for the set. `level` and `shuffle`: the gzip level and byte
    shuffle of the file written (export-set's .h5: level 1, no shuffle, which compresses less)."""
    import zlib

    h, w, c = counts.shape
    corners = [(y, x) for y in range(0, h, 16) for x in range(0, w, 16)]
    pick = np.unique(np.linspace(0, len(corners) - 1, SAMPLE_CHUNKS).round().astype(int))
    raw = packed = 0
    for y, x in (corners[i] for i in pick):
        block = np.ascontiguousarray(counts[y : y + 16, x : x + 16])
        # HDF5's shuffle filter: every value's first bytes, then every value's second bytes, ...
        if shuffle:
            stored = block.view(np.uint8).reshape(-1, block.itemsize).T.tobytes()
        else:
            stored = block.tobytes()
        raw += block.nbytes
        packed += len(zlib.compress(stored, level))
    share = min(1.0, COMPRESSED_MARGIN * packed / max(raw, 1))
    return int(counts.nbytes * share) + len(corners) * CHUNK_OVERHEAD + FILE_OVERHEAD


def _check_cube_room(out: Path, name: str, need: int, writers: int) -> None:
    """Refuse to write a cube of `need` bytes (`stored_counts_bytes` of its counts, its targets
    uncompressed) when `writers` such cubes, being written at once, could fill the disk: HDF5
    meeting a full disk ended generate in h5py's traceback ("RuntimeError: Can't close dataset
    (file write failed ... No space left on device)", 2 workers on a 3 MiB tmpfs) and crashed
    export-set and embed (SIGBUS, SIGSEGV)."""
    from ..fileutil import check_room

    check_room(
        out,
        writers * need,
        f"{name}"
        + (f" and the cubes of {writers - 1} other workers" if writers > 1 else "")
        + " (its counts' compression measured on a sample)",
        ", or use fewer --workers" if writers > 1 else "",
    )


def cube_bytes(cfg: GenerateConfig, index: int, counts_share: dict | None = None) -> int:
    """Cube `index`'s arrays uncompressed: the counts (uint16, uint32 at levels a channel may
    overflow), the rgb, palette and labels targets, and with --native its native-channel copy
    (its channels drawn first, as `draw_source` draws them). `counts_share`: {item size: share}
    of the counts' bytes to count instead (FIRST_CUBES_SHARE, before any cube is measured)."""
    from ..energy import CANONICAL_N_CHANNELS

    if cfg.kind == "panels":
        from .swatches import panel_layout

        h, w = panel_layout()[0].shape[:2]
    else:
        h = w = cfg.size
    if cfg.style == "paper":
        from .paper_style import paper_profile

        profile = paper_profile()
    else:
        from ..physics.instrument import random_profile

        profile = random_profile(cube_rng(cfg.seed, index), cfg.profiles)
    level = cfg.counts_per_pixel or profile.counts_per_pixel
    item = 2 if level <= 30_000 else 4  # a channel took up to 0.52 of a pixel's mean count
    targets = 3 + 3 + 4  # rgb, palette (uint8 x 3), labels (int32)
    channels = CANONICAL_N_CHANNELS + (profile.n_channels if cfg.native else 0)
    share = 1.0 if counts_share is None else counts_share[item]
    return int(h * w * (channels * item * share + targets * (1 + cfg.native)))


def cubes_to_make(cfg: GenerateConfig) -> list[int]:
    """The indices of the cubes a run of `cfg` makes: those whose files are not all there."""
    out = Path(cfg.out)
    return [
        i
        for i in range(cfg.n_cubes)
        if not (out / cube_name(i)).exists()
        or (cfg.native and not native_path(out / cube_name(i)).exists())
    ]


def check_set_room(cfg: GenerateConfig, workers: int) -> int:
    """Refuse, before the manifest, a set whose first cubes cannot fit on the disk: the first
    cubes still to make, one per worker, their counts at FIRST_CUBES_SHARE of their bytes (no
    cube exists yet to measure; each is measured before its write). The set as a whole is not
    estimated: gzip keeps a cube at 5-56 % of its counts, depending on their level, and a rerun
    resumes a set that ran out of space. Returns the number of cubes written at once."""
    from ..fileutil import check_room

    todo = cubes_to_make(cfg)
    at_once = max(1, min(workers, len(todo)))
    if todo:
        first = todo[:at_once]
        check_room(
            cfg.out,
            sum(cube_bytes(cfg, i, FIRST_CUBES_SHARE) for i in first) + FILE_OVERHEAD,
            f"the first {len(first)} cube(s), written at once (uint16 counts at half their "
            "bytes, uint32 counts whole)",
            ", or use fewer --workers" if len(first) > 1 else "",
        )
    return at_once


def cubes_written(out: Path, n_cubes: int) -> int:
    """How many of the set's cube files are in `out`, for what an interrupted run says it left."""
    return sum((out / cube_name(i)).is_file() for i in range(n_cubes))


def _out_of_room(exc: OSError, out: Path, n_cubes: int) -> OSError:
    """check_room's refusal of a cube, saying what the run left (manifest, earlier cubes)."""
    from ..fileutil import NoRoomError

    done = cubes_written(out, n_cubes)
    return NoRoomError(
        exc.errno,
        f"{exc}. {out / 'manifest.json'} and {done} of {n_cubes} cubes were written (an "
        "incomplete set): rerun the same command when there is room to finish it",
    )


def _out_of_memory(exc: MemoryError, out: Path, n_cubes: int) -> MemoryError:
    """The MemoryError of a cube, saying what the run left: the CLI said "nothing was written"
    though manifest.json (and the cubes before) stayed, and that folder refuses another --size."""
    done = cubes_written(out, n_cubes)
    err = MemoryError(str(exc) or "a cube's allocation failed")
    err.left = (
        f"{out / 'manifest.json'} and {done} of {n_cubes} cubes were written (an incomplete set): "
        "rerun the same command when more memory is free to finish it, or start over with a "
        "smaller --size or fewer --workers in another --out (or after deleting this one)"
    )
    return err


def generate_dataset(
    cfg: GenerateConfig,
    workers: int | None = None,
    progress: bool = True,
    images_dir: str | None = None,
) -> Path:
    """Generate cubes 0..n_cubes-1 into cfg.out (resumable); returns the manifest path."""
    from ..fileutil import NoRoomError, atomic_path, remove_stale_temporaries

    check_options(cfg)
    # no more processes than cubes to make: `--workers 100000 --n-cubes 1` started a pool of
    # 100,000 processes (over 1,000 within seconds) for its one cube
    workers = max(1, min(workers or os.cpu_count() or 1, len(cubes_to_make(cfg))))
    check_cube_memory(cfg, workers)
    at_once = check_set_room(cfg, workers)
    # the folder's images read once, after the checks above (48 MB for the shipped paintings)
    listed = image_files(images_dir) if images_dir else []
    check_duplicate_images(listed)
    check_images(cfg, cubes_to_make(cfg))
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out)  # half-written cubes of a killed run
    head = _manifest_head(cfg, images_dir)
    _check_resumable(out, head, cfg.n_cubes)
    mpath = out / "manifest.json"
    head["code"] = _started_by(out, mpath) or head["code"]
    # Written before any cube, so a killed run leaves the options its cubes were made with.
    with atomic_path(mpath) as tmp:
        tmp.write_text(json.dumps(head, indent=1), encoding="utf-8")
    writing = replace(cfg, writers=at_once)
    todo = [(i, writing) for i in range(cfg.n_cubes)]
    entries = []
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), desc="cubes", unit="cube")
    try:
        if workers == 1:
            from threadpoolctl import threadpool_limits

            # one core, as the pool gives each worker: BLAS threads bought no wall time (6
            # paper-style 128 px cubes on 2 cores: 10.8 s wall, 12.6 s CPU -> 10.2 s, 10.1 s CPU;
            # physics 6.2 s, 9.4 s -> 6.0 s, 6.0 s) and took the core --workers 1 was to leave
            with threadpool_limits(1):
                for t in todo:
                    entries.append(_run_one(t))
                    bar and bar.update(1)
        else:
            import multiprocessing as mp

            ctx = mp.get_context("spawn")
            with ctx.Pool(workers, initializer=_init_worker) as pool:
                for e in pool.imap_unordered(_run_one, todo):
                    entries.append(e)
                    bar and bar.update(1)
    except MemoryError as exc:
        raise _out_of_memory(exc, out, cfg.n_cubes) from None
    except NoRoomError as exc:
        raise _out_of_room(exc, out, cfg.n_cubes) from None
    except (KeyboardInterrupt, SystemExit):  # Ctrl-C, or SIGTERM (the CLI's Terminated)
        # the CLI said "interrupted" alone: not what stayed, nor that rerunning finishes the set
        import sys

        if bar:  # its line ended first: the line below was written onto the bar's
            bar.close()
            bar = None
        # the pool has been terminated and its workers joined (leaving `with ctx.Pool`): a worker
        # ended mid-write left its hidden temporary (.cube_00001.h5.*.h5) until the next run
        remove_stale_temporaries(out)
        done = cubes_written(out, cfg.n_cubes)
        print(
            f"generate stopped: {printable(out / 'manifest.json')} and {done} of {cfg.n_cubes} "
            "cubes were written, none half-written (an incomplete set, which the trainers, "
            "export-set and evaluate refuse): rerun the same command to finish it",
            file=sys.stderr,
        )
        raise
    finally:
        if bar:
            bar.close()
    entries.sort(key=lambda e: e["index"])
    head["cubes"] = [{k: v for k, v in e.items() if k != "skipped"} for e in entries]
    if images_dir:
        head["test_images"] = [p.name for p in in_split(listed, "test")]
        head["train_images"] = [p.name for p in in_split(listed, "train")]
    with atomic_path(mpath) as tmp:
        tmp.write_text(json.dumps(head, indent=1), encoding="utf-8")
    return mpath


#: Manifest keys that do not change what cube i holds: a rerun may change them and resume the set.
_NOT_OPTIONS = ("n_cubes", "images_dir", "cubes", "test_images", "train_images", "code")


def recorded_split(cfg: GenerateConfig) -> str | None:
    """The split the manifest and each cube record: which --images files were used, so None
    without images (procedural paintings, panels), where `split: "test"` meant nothing and read
    as if the cubes were held-out paintings."""
    return cfg.split if cfg.images else None


def _manifest_head(cfg: GenerateConfig, images_dir) -> dict:
    """The manifest without its cube list: the options every cube was generated with."""
    from ..provenance import code_identity

    return {
        "generator": _generator(cfg.style),
        "style": cfg.style,
        "seed": cfg.seed,
        "n_cubes": cfg.n_cubes,
        "size": None if cfg.kind == "panels" else cfg.size,  # a panel's layout sets its size
        "profiles": cfg.profiles,
        "split": recorded_split(cfg),
        "native": cfg.native,
        "period_palettes": cfg.period,
        "kind": cfg.kind,
        "swatch_fraction": cfg.swatch_fraction,
        "bare_ground": cfg.bare_ground,
        "character": cfg.character,
        "pigment_table": pigment_table_info(cfg.pigment_table),
        **({"counts_per_pixel": cfg.counts_per_pixel} if cfg.counts_per_pixel else {}),
        "images_dir": images_dir,
        "test_fraction_percent": TEST_FRACTION_PERCENT,
        "images_used": sorted(Path(p).name for p in cfg.images) if cfg.images else ["procedural"],
        # the code that made the cubes: the same command makes other counts with other code
        "code": code_identity(),
    }


def _started_by(out: Path, mpath: Path) -> dict | None:
    """The code an earlier run of this set recorded, kept when the set is resumed or rerun: the
    manifest then stays byte-identical (export-set knows a set by its manifest's hash), and it
    names the code that made the set's first cubes."""
    if not any(out.glob("cube_*.h5")):
        return None
    try:
        return json.loads(mpath.read_text(encoding="utf-8")).get("code")
    except (OSError, ValueError, AttributeError):
        return None


def _check_resumable(out: Path, head: dict, n_cubes: int) -> None:
    """Refuse a folder whose cubes this run would not make: a rerun skips every cube file that
    exists, so cubes of other options (seed, size, instruments, ...) would join the set under a
    manifest claiming this run's options, and cubes past n_cubes would still be trained on."""
    import re

    foreign = foreign_manifest(out)
    if foreign is not None:  # it was replaced by this run's where the folder held no cube
        raise ValueError(
            f"--out {printable(out)} holds {foreign}: generate would replace it; move it aside "
            "or use another --out"
        )
    found = {
        p.name: int(m.group(1))
        for p in sorted(out.glob("cube_*.h5"))
        if (m := re.fullmatch(r"cube_(\d+)(?:_native)?\.h5", p.name))
    }
    if not found:
        return
    mpath = out / "manifest.json"
    try:
        old = json.loads(mpath.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(
            f"{out} holds {len(found)} cube file(s) but no manifest.json saying how they were "
            "made: use another --out"
        ) from None
    except (OSError, ValueError) as exc:
        raise ValueError(f"{mpath}: unreadable manifest ({exc}): use another --out") from None
    keys = [k for k in dict.fromkeys([*head, *old]) if k not in _NOT_OPTIONS]
    if head.get("kind") == "panels":  # older panel sets recorded the --size, --images they ignored
        keys = [k for k in keys if k not in ("size", "images_dir", "images_used")]
    if head.get("split") is None:  # sets without --images recorded the --split they ignored
        keys = [k for k in keys if k != "split"]
    differ = [k for k in keys if old.get(k) != head.get(k)]
    if differ:
        details = ", ".join(f"{k} {old.get(k)!r} there, {head.get(k)!r} now" for k in differ)
        raise ValueError(
            f"{out} holds cubes of another set ({details}): use another --out, or that set's "
            "options to resume it"
        )
    beyond = [name for name, index in found.items() if index >= n_cubes]
    if beyond:
        raise ValueError(
            f"{out} holds {len(beyond)} cube file(s) past --n-cubes {n_cubes} (e.g. {beyond[0]}), "
            "which training would read: ask for at least as many cubes, or use another --out"
        )
