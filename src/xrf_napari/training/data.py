"""Spectra for the embedder: pixels sampled per cube from a synthetic dataset folder, kept as
tensors.

A dataset folder holds `cube_*.h5` (or `cubes/*.h5`) in the project layout (counts on the canonical
grid plus the generator's region labels). Each cube is read once (whole-dataset reads are far faster
than random pixel access in chunked, compressed HDF5) and `pixels_per_cube` random pixels are kept.
The pool lives on the training device, so a batch is a few index operations; if the pool would
exceed `max_pool_bytes`, fewer pixels per cube are kept and `SpectraPool.refresh` draws new ones per
epoch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..energy import (
    CANONICAL_BIN_WIDTH,
    CANONICAL_E_MIN,
    CANONICAL_N_CHANNELS,
    canonical_edges,
    canonical_rebinner,
    off_grid_refusal,
)


def list_cubes(data_dir, option: str | None = None) -> list[Path]:
    """The cube files of a dataset folder (sorted, so runs are reproducible). Hidden files are not
    cubes: they include the half-written temporaries a killed `generate` leaves; nor is the copy
    at the instrument's native channels that `generate --native` writes beside each cube
    (`cube_00000_native.h5` next to `cube_00000.h5`: the same painting twice). `option`: the
    command-line option that gave the folder (--data, --val), which its refusals start with, as
    the embedder's did while the recolouriser's and evaluate's named none ("dataset folder X does
    not exist")."""
    from ..fileutil import option_first

    with option_first(option):
        return _list_cubes(data_dir)


def cube_set(text: str) -> str:
    """argparse `type=` for a generated set of cubes the program reads (list_cubes: a folder of
    cube_*.h5, or of cubes/): one that is missing, a file, holds no cube or is still being
    written is refused at parsing in one line naming it, as argtypes.existing("folder"). The
    scripts/ programs given an empty or missing set failed with a traceback ("ValueError: no
    cubes (*.h5) in X"), some after printing their table's header. The value is returned as
    typed, a leading ~ expanded (as existing's). Here, not in argtypes (the bottom layer, where
    822767e1 put it importing this module: tests/test_layers.py)."""
    import argparse

    from ..argtypes import existing

    path = existing("folder")(text)
    try:
        list_cubes(path)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return path


def _list_cubes(data_dir) -> list[Path]:
    from ..synth.dataset import check_set_complete, require_folder, without_native_copies

    data_dir = require_folder(data_dir, "dataset folder", "the set's cubes")

    # training on the cubes a running generate has written so far; the manifest, read once
    manifest = check_set_complete(data_dir)

    # a folder named like a cube is none: it failed as an unreadable file ("check its
    # permissions") once the device was chosen, the embedder loaded
    def cubes(folder):
        return without_native_copies(
            sorted(p for p in folder.glob("*.h5") if not p.name.startswith(".") and not p.is_dir())
        )

    files = cubes(data_dir / "cubes") or cubes(data_dir)
    if not files:
        from ..synth.export import SIDECAR

        # `export-set --format all` writes rpl/, rpl-nocal/ and h5/: the parent holds no cube
        sets = sorted(
            f"{d.name}/"
            for d in data_dir.iterdir()
            if d.is_dir() and (any(d.glob("*.h5")) or any(d.glob(f"*{SIDECAR}")))
        )
        hint = f"; its subfolders {', '.join(sets)} hold cubes: give one of them" if sets else ""
        raise ValueError(f"no cubes (*.h5) in {data_dir} or {data_dir / 'cubes'}{hint}")
    check_listed(data_dir, files, manifest)
    return files


def check_listed(data_dir: Path, files: list[Path], manifest: dict | None) -> None:
    """A ValueError when the cube files of a generated set are not those its manifest.json lists:
    a cube missing (a copy or transfer that lost one) or a file the set never made (another
    set's cube copied in, a renamed duplicate). The trainers and evaluate read every *.h5 there,
    so a set short of cubes was trained on and scored as if whole, and a stray cube joined it,
    silently (export-set refused the first). Folders without a generator's manifest pass.
    manifest: the folder's, as synth.dataset.generator_manifest reads it (list_cubes reads it once
    for this check and check_set_complete's)."""
    mpath = data_dir / "manifest.json"
    try:
        listed = [c["file"] for c in manifest["cubes"]] if manifest is not None else None
    except (KeyError, TypeError):  # no cube list (check_set_complete's), or not one of entries
        return
    if listed is None or any(p.parent != data_dir for p in files):
        return
    have = {p.name for p in files}
    missing = [n for n in listed if n not in have]
    if missing:
        raise ValueError(
            f"{data_dir / missing[0]} is listed in {mpath} but missing ({len(missing)} of "
            f"{len(listed)} cubes missing): the set is not whole; rerun the same generate "
            "command to make them again, or copy the set again"
        )
    extra = sorted(have - set(listed))
    if extra:
        raise ValueError(
            f"{data_dir} holds {len(extra)} .h5 file(s) that its manifest.json does not list "
            f"(e.g. {extra[0]}): they would be read as cubes of this set; move them out"
        )


def cube_source(path) -> str:
    """The painting a synthetic cube was made from (metadata `source.image`); a cube made from no
    image file (procedural, swatches, panels, not from the generator) is its own source, so it never
    shares a painting and no kind of cube goes to validation as one block. Its identity is the
    generator's (seed, index), which fixes the painting, or else the file's path: every generated
    set names its cubes cube_00000.h5, ..., so names matched across any two sets (an embedder --val
    set of another seed "shared paintings"). Within one set these keys sort as the names did."""
    from ..errors import CubeReadError
    from ..io.hdf5 import open_hdf5

    path = Path(path)
    try:
        with open_hdf5(path) as f:  # a cube cut short, damaged or no HDF5 is said as a scan's is
            meta = json.loads(f.attrs.get("metadata", "{}"))
    except CubeReadError:
        raise
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read the metadata of {path}: {exc}") from exc
    return metadata_source(meta, path)


def metadata_source(meta, path) -> str:
    """cube_source from a cube's metadata already read (an exported set's keeps it in the
    targets sidecar)."""
    image = (meta.get("source") or {}).get("image") if isinstance(meta, dict) else None
    from ..synth.dataset import IMAGE_SUFFIXES

    is_file = isinstance(image, str) and image.lower().endswith(IMAGE_SUFFIXES)
    if is_file:
        return image
    if isinstance(meta, dict) and "seed" in meta and "index" in meta:
        return f"cube:seed={meta['seed']}:index={int(meta['index']):05d}"
    return f"cube:{path.resolve()}"


def recorded_sources(sources) -> list[str]:
    """The distinct sources worth recording in weights (sorted): paintings by name as the data
    records them, generated cubes by (seed, index); a file's own path names nothing another set
    could share, so it is left out (reproducibility audit 26, finding 2)."""
    return sorted({s for s in sources if not s.startswith("cube:") or s.startswith("cube:seed=")})


#: Fewest cubes painting_split holds any out of.
MIN_SPLIT_CUBES = 4


def no_split_reason(sources: list[str], val_fraction: float) -> str | None:
    """Why painting_split holds no cube out (then keep_best has nothing to choose on), or None."""
    if val_fraction <= 0:
        return "val_fraction 0"
    if len(set(sources)) < 2:
        return "one source painting"
    if len(sources) < MIN_SPLIT_CUBES:
        return f"whole paintings are held out from {MIN_SPLIT_CUBES} cubes up"
    return None


def painting_split(
    sources: list[str], val_fraction: float, seed: int = 0
) -> tuple[list[int], list[int]]:
    """(train, validation) cube indices with no source painting on both sides.

    The generator cycles through the paintings, so splitting by cube index puts crops of the same
    painting on both sides and validation measures memorisation. Whole paintings go to validation,
    chosen by a seeded shuffle of the distinct sources, until they hold about `val_fraction` of
    the cubes (at least one painting when there are at least two and val_fraction > 0).
    """
    if no_split_reason(sources, val_fraction):
        return list(range(len(sources))), []
    distinct = sorted(set(sources))
    order = [distinct[i] for i in np.random.default_rng(seed).permutation(len(distinct))]
    count = {s: sources.count(s) for s in distinct}
    target, held, n_held = val_fraction * len(sources), set(), 0
    for s in order:
        if held and n_held + count[s] / 2 > target:
            break
        if len(held) == len(distinct) - 1:  # keep at least one painting to train on
            break
        held.add(s)
        n_held += count[s]
    val = [i for i, s in enumerate(sources) if s in held]
    return [i for i, s in enumerate(sources) if s not in held], val


def shared_sources(files_a, files_b) -> set[str]:
    """Source paintings that two sets of cube files have in common (train vs validation check)."""
    return {cube_source(p) for p in files_a} & {cube_source(p) for p in files_b}


def profile_key(metadata: dict) -> str:
    """Instrument profile group of a cube: anode + detector FWHM bucket (10 eV) at Mn K-alpha."""
    prof = metadata.get("profile", {}) or {}
    anode = prof.get("anode", "?")
    fwhm = prof.get("fwhm_mn_ev")
    if fwhm is None:
        return str(anode)
    lo = int(float(fwhm) // 10 * 10)
    return f"{anode} {lo}-{lo + 10} eV"


def read_cube_arrays(path, rebin: bool = False) -> tuple[np.ndarray, np.ndarray, dict]:
    """(counts (H, W, 512), labels (H, W) int32, metadata) of one synthetic cube; clear errors.

    A cube on another energy grid (channel count, offset or gain) is re-binned onto the canonical
    one with `rebin` (float32, as the plugin reads a scan: the ARI table), else refused: the
    embedder's training thins whole counts. The check was of the channel count alone, so a
    512-channel cube of another calibration was read as if canonical."""
    from ..io.hdf5 import open_hdf5
    from ..io.lazy import read_whole
    from ..io.project_h5 import check_project_file, project_calibration, project_metadata

    path = Path(path)
    try:
        with open_hdf5(path) as f:
            check_project_file(f, path)
            if "targets/labels" not in f:
                raise ValueError(
                    f"{path} has no /targets/labels (region labels are needed to train)"
                )
            cal = project_calibration(f, path)
            # external raw files read from beside the cube (it trained only from its folder)
            counts = read_whole(f["counts"], path)
            labels = read_whole(f["targets/labels"], path)
            meta = project_metadata(f)  # as the colour pass read it (read_project_cube)
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc}") from exc
    return cube_arrays(path, counts, cal, labels, meta, rebin)


def cube_arrays(path, counts, cal, labels, meta: dict, rebin: bool = False):
    """read_cube_arrays' answer from a cube's arrays already read (its checks and re-binning):
    evaluate's colour pass keeps them for the ARI pass, which read every cube a second time."""
    labels = np.asarray(labels).astype(np.int32, copy=False)
    if labels.shape != counts.shape[:2]:
        raise ValueError(f"{path}: labels {labels.shape} do not match counts {counts.shape[:2]}")
    n = counts.shape[2]
    if on_canonical_grid(cal, n):
        return counts, labels, meta
    if not rebin:
        raise ValueError(
            f"{path}: counts must be on the canonical grid ({CANONICAL_N_CHANNELS} channels of "
            f"{CANONICAL_BIN_WIDTH * 1000:g} eV from {CANONICAL_E_MIN:g} keV), got {n} channels "
            f"from {cal.edges(n)[0]:.4g} keV, {cal.gain * 1000:.4g} eV each: the embedder trains "
            "on whole counts, which re-binning would not keep"
        )
    from ..cube import cube_from_array

    why = off_grid_refusal(cube_from_array(counts[:1, :1], cal), "the ARI table", str(path))
    if why:
        raise ValueError(why)
    return canonical_rebinner(cal, n)(counts), labels, meta


def on_canonical_grid(cal, n_channels: int) -> bool:
    """Whether a cube's channels are the canonical bins, to within a thousandth of a bin: an
    offset and gain stored as float32 put the last edge 3.6e-7 keV off (a millionth of a bin
    refused such a cube of the canonical grid)."""
    if n_channels != CANONICAL_N_CHANNELS:
        return False
    edges = cal.edges(n_channels)
    return bool(np.allclose(edges, canonical_edges(), rtol=0, atol=CANONICAL_BIN_WIDTH * 1e-3))


def sample_pixels(
    counts: np.ndarray, labels: np.ndarray, n: int, rng
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n random pixels (without replacement when possible) -> (counts (n, C), negatives set to 0,
    labels (n,), interior (n,) bool: the pixel's 3 x 3 neighbourhood carries one label)."""
    from ..synth.regions import interior_mask

    h, w, c = counts.shape
    total = h * w
    idx = rng.choice(total, size=n, replace=n > total)
    flat = counts.reshape(total, c)[idx]
    return (
        np.maximum(flat, 0),
        labels.reshape(-1)[idx],
        interior_mask(labels).reshape(-1)[idx],
    )


def _store(pool: np.ndarray, rows: slice, drawn: np.ndarray) -> np.ndarray:
    """pool[rows] = drawn, widening the pool from int16 to int32 first when drawn holds a count
    above 32767: int16 halves the pool's memory at usual count levels (<= 10^4 counts per pixel),
    and a bright channel must not be clipped (or wrapped) into a wrong spectrum."""
    if drawn.size and pool.dtype == np.int16 and int(drawn.max()) > np.iinfo(np.int16).max:
        pool = pool.astype(np.int32)
    pool[rows] = drawn
    return pool


@dataclass
class SpectraPool:
    """Pixels of every cube: counts (N, C) int16 (int32 once a channel holds more than 32767
    counts: see _store), local region labels (N,), interior flags (N,),
    cube c owns rows [c * pixels_per_cube, (c + 1) * pixels_per_cube)."""

    files: list[Path]
    pixels_per_cube: int
    seed: int
    device: object = "cpu"
    counts: object = None
    labels: object = None
    interior: object = None
    profiles: list[str] = field(default_factory=list)
    n_regions: list[int] = field(default_factory=list)
    epoch_loaded: int = -1

    @property
    def n_cubes(self) -> int:
        return len(self.files)

    def nbytes(self) -> int:
        return self.n_cubes * self.pixels_per_cube * CANONICAL_N_CHANNELS * 2

    def load(self, epoch: int = 0, progress: bool = True, dist=None) -> SpectraPool:
        """(Re)draw pixels; the draw depends only on (seed, epoch, cube index), so resumed runs and
        any number of ranks see the same pool. Under torchrun (dist) each rank reads and decodes
        only every N-th file, and the ranks exchange their samples (any rank may need any cube)."""
        import torch
        from tqdm import tqdm

        from .distributed import DistInfo, gather_shards

        dist = dist or DistInfo()
        n = self.pixels_per_cube
        counts = np.empty((self.n_cubes * n, CANONICAL_N_CHANNELS), dtype=np.int16)
        labels = np.empty(self.n_cubes * n, dtype=np.int64)
        interior = np.empty(self.n_cubes * n, dtype=bool)
        profiles, n_regions = [None] * self.n_cubes, [0] * self.n_cubes
        mine = range(dist.rank, self.n_cubes, dist.world_size)
        it = tqdm(
            mine,
            desc=f"loading spectra (epoch {epoch})",
            unit="cube",
            disable=not progress,
            dynamic_ncols=True,
            leave=False,
        )
        for i in it:  # drawn straight into the pool: no second copy in a single process
            rng = np.random.default_rng([self.seed, epoch, i])
            cube, lab, meta = read_cube_arrays(self.files[i])
            rows = slice(i * n, (i + 1) * n)
            drawn, labels[rows], interior[rows] = sample_pixels(cube, lab, n, rng)
            counts = _store(counts, rows, drawn)
            profiles[i], n_regions[i] = profile_key(meta), int(len(np.unique(lab)))
            del cube, lab
        if dist.enabled:  # the other ranks' cubes
            sl = lambda i: slice(i * n, (i + 1) * n)  # noqa: E731
            mine_drawn = {
                i: (counts[sl(i)], labels[sl(i)], interior[sl(i)], profiles[i], n_regions[i])
                for i in mine
            }
            for i, (c, lab, inner, profile, regions) in gather_shards(mine_drawn, dist).items():
                counts = _store(counts, sl(i), c)
                labels[sl(i)], interior[sl(i)] = lab, inner
                profiles[i], n_regions[i] = profile, regions
        # Local labels -> 0..R-1 per cube (the loss groups pixels per cube only).
        for i in range(self.n_cubes):
            _, labels[i * n : (i + 1) * n] = np.unique(
                labels[i * n : (i + 1) * n], return_inverse=True
            )
        self.counts = torch.from_numpy(counts).to(self.device)
        self.labels = torch.from_numpy(labels).to(self.device)
        self.interior = torch.from_numpy(interior).to(self.device)
        self.profiles, self.n_regions, self.epoch_loaded = profiles, n_regions, epoch
        return self

    def digest(self) -> str:
        """SHA-1 of the pool's counts, labels and interior flags: the same pool whatever the number
        of ranks."""
        import hashlib

        h = hashlib.sha1(self.counts.cpu().numpy().tobytes())
        h.update(self.labels.cpu().numpy().tobytes())
        h.update(self.interior.cpu().numpy().tobytes())
        return h.hexdigest()

    def batch(self, cubes_per_batch: int, pixels_per_cube: int, generator):
        """(counts (B, P, C) float32, labels (B, P) int64, interior (B, P) bool, cube ids (B,)) on
        the pool's device.

        B distinct cubes drawn uniformly: batches mix instrument profiles.
        """
        import torch

        dev = self.counts.device
        b = min(cubes_per_batch, self.n_cubes)
        cubes = torch.randperm(self.n_cubes, generator=generator, device=dev)[:b]
        offs = torch.randint(
            0, self.pixels_per_cube, (b, pixels_per_cube), generator=generator, device=dev
        )
        rows = cubes[:, None] * self.pixels_per_cube + offs
        return self.counts[rows].float(), self.labels[rows], self.interior[rows], cubes


def make_pool(
    data_dir, pixels_per_cube: int, seed: int, device="cpu", max_pool_bytes: int = 2 * 2**30
) -> tuple[SpectraPool, bool]:
    """A pool that fits `max_pool_bytes`; returns (pool, refresh_each_epoch)."""
    files = list_cubes(data_dir)
    per_cube_bytes = CANONICAL_N_CHANNELS * 2
    fit = max(256, int(max_pool_bytes // (len(files) * per_cube_bytes)))
    refresh = fit < pixels_per_cube
    pool = SpectraPool(files, min(pixels_per_cube, fit), seed, device)
    return pool, refresh


def pack_dataset(src_dir, dst_dir, side: int = 64) -> list[Path]:
    """Copy side*side random pixels of every cube (with their labels and metadata) into small cubes.

    A pixel pool needs no spatial layout, so this makes a compact dataset to ship to a remote GPU
    machine; training on it draws the same kind of batches as on the full cubes. Pixel draws are
    seeded by the cube's index in the sorted file list.
    """
    from ..energy import CANONICAL_BIN_WIDTH, CANONICAL_E_MIN, Calibration
    from ..io.project_h5 import write_cube

    dst = Path(dst_dir)
    cal = Calibration(CANONICAL_E_MIN + CANONICAL_BIN_WIDTH / 2, CANONICAL_BIN_WIDTH)
    out = []
    for i, path in enumerate(list_cubes(src_dir)):
        counts, labels, meta = read_cube_arrays(path)
        idx = np.random.default_rng(i).choice(labels.size, side * side, replace=False)
        write_cube(
            dst / path.name,
            counts.reshape(-1, counts.shape[-1])[idx].reshape(side, side, -1),
            cal,
            targets={"labels": labels.reshape(-1)[idx].reshape(side, side)},
            metadata=meta,
        )
        out.append(dst / path.name)
    return out


if __name__ == "__main__":  # python -m xrf_napari.training.data SRC DST [SIDE]
    import sys

    done = pack_dataset(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 64)
    print(f"packed {len(done)} cubes into {sys.argv[2]}")
