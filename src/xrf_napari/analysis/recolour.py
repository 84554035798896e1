"""Virtual recolouring: cube -> DVE latent -> SmallUViT -> RGB, for images of any size.

The transformer was trained on fixed-size crops, so a painting is covered by overlapping tiles of
that size; each tile's prediction is weighted by a raised-cosine window (never exactly zero) and the
weighted sum is normalised by the summed weights. The weights form a partition of unity, so the
blend has no seams, and a pixel covered by one tile gets exactly that tile's output. Tiles run in
batches, with bfloat16 autocast on CUDA. Memory is bounded by whole images (the embedding pass's
latent and line features, the colours: `Recolouriser.image_bytes`) plus one batch of tiles; the
cube itself is streamed by the embedder. `iter_recolour` checks both against the memory this
process may still allocate before it reads the scan.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..cube import pixels_text

#: Default overlap between neighbouring tiles, as a fraction of the tile size.
DEFAULT_OVERLAP_FRACTION = 0.25
#: Tiles per model call: on a CPU a larger batch is no faster, and the pixel branch's
#: full-resolution activations of 8 tiles raised a 414 x 302 scan's peak memory by ~30 MB
#: (benchmarks/bench_recolour.py, docs/model_card_recolouriser.md); a GPU wants more at once.
CPU_BATCH, GPU_BATCH = 4, 8
#: Largest tile the command line takes: 8x the shipped training crop (the positional embedding is
#: interpolated that far) and still a few hundred MB per tile; a 4096-px tile grew to 10 GB and
#: then asked 17 GB for one attention matrix (CLI audit 25).
MAX_TILE = 1024
#: Float32 spectra the embedding pass converts at once (`embed_chunk_pixels`): its block, with
#: what the DVE and the line features make of it, peaked at 48-64 MiB above the pass's output
#: (512 channels, 49k-262k px toy scans, tracemalloc).
EMBED_BLOCK_BYTES = 64 << 20
#: Bytes per scan pixel and line-feature element while the ambiguity report finds each pixel's
#: element set (a 32-bit code per pixel, its table index, bincount's 64-bit copy): 34 B/px
#: measured with the 19 default elements, on top of the features themselves.
AMBIGUITY_BYTES_PER_FEATURE = 2


class TilingMemoryError(ValueError):
    """Tiles whose model calls would not fit in memory: a smaller tile or batch would."""


@dataclass
class RecolourResult:
    rgb: np.ndarray  # (H, W, 3) float32 in [0, 1]
    latent: np.ndarray  # (H, W, 3) float32, the DVE embedding the colours come from
    device: str
    ood: object = None  # analysis.ood.OODReport: is the scan like the training data?
    # analysis.ambiguity.AmbiguityReport: where the lines do not fix the colour
    ambiguity: object = None
    # What made these colours (software version, both models' files and SHA-256, options),
    # written into the saved image: the colours mean nothing without the pair that made them.
    provenance: dict | None = None


class Recolouriser:
    """A loaded SmallUViT on a device; `predict` recolours a latent image of any size."""

    def __init__(
        self, model, config: dict, device, path: Path | None = None, sha256: str | None = None
    ):
        self.model = model
        self.config = config
        self.device = device
        self.path = path
        self.sha256 = sha256

    @property
    def tile(self) -> int:
        return int(self.config.get("tile", self.config["img_size"]))

    def features(self):
        """The line features this model reads beside the latent (None: the latent alone)."""
        elements = self.config.get("line_elements") or ()
        if not elements:
            return None
        from .line_features import line_features

        return line_features(tuple(elements))

    def model_input(self, inputs: np.ndarray) -> np.ndarray:
        """What iter_embed(..., features=self.features()) gave, plus what the model derives from
        it (the named colour, with colour_prior)."""
        if not self.config.get("colour_prior"):
            return inputs
        from .ambiguity import with_colour_prior

        return with_colour_prior(inputs, self.config["line_elements"])

    def tiling(
        self,
        tile: int | None = None,
        overlap: int | None = None,
        *,
        batch: int | None = None,
        shape: tuple[int, int] | None = None,
        free: int | None = None,
    ) -> tuple[int, int]:
        """(tile, overlap) in pixels, defaults filled in; a tile this model cannot take is refused
        here, before a scan is embedded for it. Given the scan's (H, W) and the bytes this process
        may still allocate (`free`), so is a recolouring that would not fit: its whole images
        (`image_bytes`) and one batch of model calls (those in the GPU's free memory on CUDA). An
        oversized tile otherwise grew for minutes, then died in a traceback; in napari, it took
        the viewer with it. `iter_recolour` calls this with memory.memory_budget()."""
        p = int(self.config["patch"])
        tile = int(tile or self.tile)
        if tile % p:
            raise ValueError(f"tile {tile} must be a multiple of the patch size {p}")
        overlap = int(round(tile * DEFAULT_OVERLAP_FRACTION)) if overlap is None else int(overlap)
        if not 0 <= overlap < tile:
            raise ValueError(f"overlap must be in [0, tile), got {overlap} for tile {tile}")
        if shape is not None and free is not None:
            h, w = (max(int(n), 1) for n in shape[:2])
            batch = min(self.batch_size(batch), n_tiles((h, w), tile, overlap))
            what = f"tiles of {tile} px, {batch} per model call,"
            if (scan := self.image_bytes((h, w))) > free:  # no tile or batch helps
                raise ValueError(
                    f"the {pixels_text((h, w))} scan needs about {_size(scan)} of memory to "
                    f"recolour (its latent, line features and colours, whatever the tile) but only "
                    f"{_size(free)} is free"
                )
            tiles, image = batch * self.tile_bytes(tile), self.image_bytes((h, w), tile)
            if self.device.type == "cuda":  # the tiles' activations are on the GPU
                import torch

                gpu = int(torch.cuda.mem_get_info(self.device)[0])
                if tiles > gpu:
                    raise TilingMemoryError(
                        f"{what} need about {_size(tiles)} of GPU memory but only "
                        f"{_size(gpu)} is free on {self.device}: use a smaller tile or batch"
                    )
                tiles = 0
            need = tiles + image + EMBED_BLOCK_BYTES
            if need > free:
                raise TilingMemoryError(
                    f"{what} need about {_size(need)} of memory but only {_size(free)} is free: "
                    "use a smaller tile or batch"
                )
        return tile, overlap

    def batch_size(self, batch: int | None = None) -> int:
        return int(batch or (CPU_BATCH if self.device.type == "cpu" else GPU_BATCH))

    def tile_bytes(self, tile: int) -> int:
        """Bytes one tile takes in a model call, from above: its pixels' activations (the input's
        5 shifted copies, head and pixel branch; measured 450-500 B/px for the shipped model on
        the CPU, 256-768 px tiles) plus one float32 tokens x tokens attention matrix per head."""
        c = self.config
        per_px = 4 * (
            4 * c["in_chans"]
            + 2 * int(c.get("head_hidden", 0))
            + 2 * int(c.get("pixel_branch", 0))
            + 2 * max(int(c.get("colour_bins", 0)), 3)
            + c["dim"] * (c["depth"] + c.get("mlp_ratio", 4.0) + 6) // c["patch"] ** 2
        )
        tokens = (tile // int(c["patch"])) ** 2
        return int(tile * tile * per_px) + int(c["heads"]) * tokens * tokens * 4

    def image_bytes(self, shape, tile: int | None = None) -> int:
        """Bytes a recolouring of an (H, W) scan holds in whole images, from above: the
        embedding pass's output (latent then line features, float32), the latent kept apart,
        the ambiguity report's work on the features, the colours; then, on the scan padded up to
        `tile` (None: unpadded, what no tile avoids), the model input and the blend's sums and
        weights. The shipped pair: 178 B/px; measured (tracemalloc, a 1024 x 1024 toy scan): a
        152 MiB peak, i.e. 88 B/px above the embedding block (EMBED_BLOCK_BYTES)."""
        from ..models.input_layout import PRIOR_CHANNELS
        from .line_features import FEATURE_ELEMENTS

        c = self.config
        reads = len(c.get("line_elements") or ())
        prior = PRIOR_CHANNELS if c.get("colour_prior") else 0
        latent = int(c["in_chans"]) - reads - prior  # the DVE's channels
        features = reads or len(FEATURE_ELEMENTS)  # the pass makes the default ones if none read
        h, w = (int(n) for n in shape[:2])
        ph, pw = (h, w) if tile is None else (max(h, tile), max(w, tile))
        per_px = 4 * (latent + features) + 4 * latent + 4 * 3
        per_px += AMBIGUITY_BYTES_PER_FEATURE * features
        return h * w * per_px + ph * pw * 4 * (int(c["in_chans"]) + 3 + 1)

    def iter_predict(
        self,
        latent: np.ndarray,
        *,
        tile: int | None = None,
        overlap: int | None = None,
        batch: int | None = None,
        average_flips: bool = False,
        finite: bool = False,
    ):
        """Yield (done_tiles, n_tiles); return rgb (H, W, 3) float32 in [0, 1]. `latent` is the
        model input: the DVE latent, followed by the line features if the model reads them.
        `average_flips`: each tile's output is the mean over its 8 flips and quarter turns
        (`dihedral_mean`), at 8x the model's time. `finite`: the caller has checked every value
        (first_nonfinite, naming the pixel its own way), so the image is not scanned twice."""
        import torch

        latent = np.asarray(latent, dtype=np.float32)
        if latent.ndim != 3 or latent.shape[2] != self.config["in_chans"]:
            raise ValueError(
                f"latent must be (H, W, {self.config['in_chans']}), got shape {latent.shape}"
            )
        bad = None if finite else first_nonfinite(latent)
        if bad is not None:
            raise ValueError(
                f"latent image contains NaN or infinite values (first at y={bad[0]}, x={bad[1]})"
            )
        tile, overlap = self.tiling(tile, overlap)
        h, w, _ = latent.shape
        # Images smaller than a tile are mirrored up to the tile size (the size the model knows).
        ph, pw = max(h, tile), max(w, tile)
        if (ph, pw) != (h, w):
            latent = np.pad(latent, ((0, ph - h), (0, pw - w), (0, 0)), mode="symmetric")
        ys, xs = tile_starts(ph, tile, overlap), tile_starts(pw, tile, overlap)
        starts = [(y, x) for y in ys for x in xs]
        window = blend_window(tile)
        acc = np.zeros((ph, pw, 3), dtype=np.float32)
        wsum = np.zeros((ph, pw), dtype=np.float32)
        dev = self.device
        batch = self.batch_size(batch)
        autocast = dev.type == "cuda"
        forward = functools.partial(dihedral_mean, self.model) if average_flips else self.model
        yield 0, len(starts)
        with torch.inference_mode():
            for i in range(0, len(starts), batch):
                chunk = starts[i : i + batch]
                x = np.stack([latent[y : y + tile, x0 : x0 + tile] for y, x0 in chunk]).transpose(
                    0, 3, 1, 2
                )
                xt = torch.from_numpy(np.ascontiguousarray(x)).to(dev)
                with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=autocast):
                    out = forward(xt)
                out = out.float().permute(0, 2, 3, 1).cpu().numpy()
                for (y, x0), o in zip(chunk, out):
                    acc[y : y + tile, x0 : x0 + tile] += o * window[..., None]
                    wsum[y : y + tile, x0 : x0 + tile] += window
                yield min(i + batch, len(starts)), len(starts)
        rgb = acc[:h, :w] / wsum[:h, :w, None]
        return np.clip(rgb, 0.0, 1.0, out=rgb)

    def predict(self, latent: np.ndarray, **kw) -> np.ndarray:
        from ..progress import run_to_end

        return run_to_end(self.iter_predict(latent, **kw))


def dihedral_mean(model, x):
    """The model's output averaged over the 8 flips and quarter turns of square input tiles
    (N, C, T, T), each output turned back. The model trained on all 8 (train_recolouriser's
    augmentation) but is not exactly equivariant: its positions and shifted patches are not, so
    the 8 answers differ by noise that the mean cancels (measured in the recolouriser's card)."""
    import torch

    acc = None
    for flip in (False, True):
        xf = x.flip(-1) if flip else x
        for k in range(4):
            out = torch.rot90(model(torch.rot90(xf, k, (-2, -1))).float(), -k, (-2, -1))
            out = out.flip(-1) if flip else out
            acc = out if acc is None else acc + out
    return acc / 8.0


def _size(n: int) -> str:
    return f"{n / 2**30:,.1f} GiB" if n >= 2**30 else f"{n / 2**20:.1f} MiB"


def n_tiles(shape, tile: int, overlap: int) -> int:
    """How many tiles iter_recolour runs over an (H, W, ...) scan (tile_starts on each side, a
    side under a tile padded up to one): Recolouriser.tiling's batch and the recolour command's
    warning of a dense tiling count them alike."""
    return math.prod(len(tile_starts(max(int(n), tile), tile, overlap)) for n in shape[:2])


def tile_starts(size: int, tile: int, overlap: int) -> list[int]:
    """Tile origins covering [0, size) with at least `overlap` pixels shared; the last one ends at
    size."""
    if size <= tile:
        return [0]
    stride = tile - overlap
    n = -(-(size - tile) // stride) + 1
    # Spread the n tiles evenly so every overlap is >= the requested one.
    return [int(round(k * (size - tile) / (n - 1))) for k in range(n)]


@functools.lru_cache(maxsize=8)
def blend_window(tile: int) -> np.ndarray:
    """(tile, tile) raised-cosine (Hann) weights, floored so borders still count where one tile
    covers."""
    i = (np.arange(tile) + 0.5) / tile
    w1 = np.maximum(np.sin(np.pi * i) ** 2, 1e-3)
    return np.outer(w1, w1).astype(np.float32)


@functools.lru_cache(maxsize=4)
def _load_cached(path: str, stamp, expected_sha: str | None, device: str) -> Recolouriser:
    """The SmallUViT of one version of a file (`stamp`, size and mtime, is in the cache key), with
    the hash of the file its tensors came from (models.weights.load_weights_hashed)."""
    import torch

    from ..models.uvit import build_from_config
    from ..models.weights import load_state, load_weights_hashed, require_model

    state, config, sha = load_weights_hashed(path, expected_sha, want="SmallUViT")
    require_model(config, "SmallUViT", path)
    with torch.random.fork_rng(devices=[]):  # the init, overwritten at once, draws nothing
        model = build_from_config(config)
    load_state(model, {k: v.float() for k, v in state.items()}, path, "SmallUViT")
    dev = torch.device(device)
    model.to(dev).eval()
    return Recolouriser(
        model,
        model.config | {k: v for k, v in config.items() if k not in model.config},
        dev,
        Path(path),
        sha,
    )


def load_recolouriser(weights=None, device="auto") -> Recolouriser:
    """The SmallUViT from `weights` (default: the shipped file, hash-checked) on `device`;
    cached."""
    from ..device import pick_device
    from ..models.weights import file_stamp, resolve_weights

    path, sha = resolve_weights("uvit", weights)
    path = Path(path).resolve()
    try:
        stamp = file_stamp(path)
    except OSError:
        stamp = None  # load_weights says why the file cannot be read
    return _load_cached(str(path), stamp, sha, str(pick_device(device)))


def embedder_mismatch(rec: Recolouriser, embedder) -> str | None:
    """Why `rec` cannot read `embedder`'s latents, or None: weights trained since session 22
    record the SHA-256 of the embedder whose latents they learnt (older ones, and the shipped
    pair, record none). With another embedder the colours are meaningless (a small audit run on toy
    cubes: MS-SSIM 0.32 with the right one, 0.16 with another), and nothing else would say so."""
    want = rec.config.get("embedder_sha256")
    if not want:
        return None
    got = embedder.sha256  # hashed as it was loaded (load_embedder)
    if got == want:
        return None
    return (
        f"the recolouriser {rec.path} was trained on the latents of the embedder with SHA-256 "
        f"{want[:12]}..., not those of {embedder.path} ({(got or 'unknown')[:12]}...): its "
        "colours will be wrong; give the embedder it was trained with"
    )


def refuse_default_embedder(rec: Recolouriser, embedder, instead: str | None = None) -> None:
    """A ValueError where no embedder was given and the one taken by default ($XRF_NAPARI_WEIGHTS's
    or the panels' weights folder's dve.safetensors, else the shipped one) is not the embedder
    `rec` was trained with (embedder_mismatch): a folder holding only the user's uvit.safetensors
    recoloured with the shipped embedder, warned "its colours will be wrong" and exited 0 (the
    panels said nothing). An embedder given (--embedder, the panel's Embedder weights) is the
    user's choice: used, with embedder_mismatch's warning (a panel's in a notification).
    `instead`: the other way on for a caller that takes no embedder (pigments --colour-prior,
    the Pigments panel), which was told to give one "(recolour's --embedder, ...)"."""
    if embedder_mismatch(rec, embedder) is None:
        return
    from ..fileutil import printable
    from ..models.weights import WEIGHTS_FILES

    dve = WEIGHTS_FILES["dve"]
    beside = rec.path.parent / dve
    options = "(recolour's --embedder, the Recolour panel's Embedder weights)"
    give = instead or f"give it {options}"
    missing = ""
    if not beside.is_file():
        missing = f"{printable(rec.path.parent)} holds {printable(rec.path.name)} but no {dve}, so "
        way = f"put the embedder it was trained with beside it as {dve}, or {give}"
    else:  # the weights folder's own, or another one beside it (embedder_beside)
        way = f"put the embedder it was trained with in place of {dve} beside it, or {give}"
    raise ValueError(
        f"{missing}the recolouriser {printable(rec.path)} would be paired with the default "
        f"embedder {printable(embedder.path)} (none was given), but it was trained on another "
        f"embedder's latents (SHA-256 {rec.config['embedder_sha256'][:12]}...): its colours "
        f"would be wrong; {way}"
    )


def embedder_beside(rec: Recolouriser, device="auto") -> str | None:
    """Where no embedder was given: the dve.safetensors beside `rec`'s file if the default one
    (load_embedder(None): the weights folder's, else the shipped) is not the embedder `rec` was
    trained with and that file is (embedder_mismatch), said in a warning; else None (the
    default, which refuse_default_embedder refuses where it is wrong). `recolour --weights
    X/uvit.safetensors` with X's own dve.safetensors beside it was refused (exit 2), told that
    the file beside it "is used only when given", and so was the Recolour panel's run."""
    import warnings

    from ..fileutil import printable
    from ..models.weights import WEIGHTS_FILES
    from .embed import load_embedder

    default = load_embedder(None, device)
    beside = rec.path.parent / WEIGHTS_FILES["dve"]
    if (
        embedder_mismatch(rec, default) is None
        or not beside.is_file()
        or beside.resolve() == Path(default.path).resolve()
    ):
        return None
    try:
        if embedder_mismatch(rec, load_embedder(str(beside), device)) is not None:
            return None
    except (OSError, ValueError):  # unreadable: refuse_default_embedder names the default's fault
        return None
    warnings.warn(
        f"no embedder was given, and the default one {printable(default.path)} is not the one "
        f"the recolouriser {printable(rec.path)} was trained with: using {printable(beside)} "
        "beside it, which is",
        stacklevel=2,
    )
    return str(beside)


def check_input_width(
    rec: Recolouriser, embedder, names: tuple[str, str] = ("the recolouriser", "the embedder")
) -> None:
    """A ValueError naming both files when the recolouriser's input channels are not the
    embedder's latent plus the line features (and colour prior) the weights read: an embedder
    of another latent width (a config's latent_dim 4 against weights trained on 3) failed at
    the first tile with "latent must be (H, W, 3), got shape (32, 32, 4)", naming neither.
    `names`: how the two files were given (evaluate's and recolour's options; a dock's words)."""
    from ..models.input_layout import PRIOR_CHANNELS

    latent = int(embedder.model.latent_dim)
    # the line features and colour prior the weights compute themselves, each named: the colour
    # prior's 4 channels were counted as "channels of the lines"
    lines = len(rec.config.get("line_elements") or ())
    prior = PRIOR_CHANNELS if rec.config.get("colour_prior") else 0
    want = int(rec.config["in_chans"])
    if want == latent + lines + prior:
        return
    extra = [f"{lines} channels of the lines"] * bool(lines)
    extra += [f"the {prior} channels of its colour prior"] * bool(prior)
    made = " and ".join([f"a {want - lines - prior}-channel latent", *extra])
    raise ValueError(
        f"{names[0]} {rec.path} reads {made}, but {names[1]} {embedder.path} gives a "
        f"{latent}-channel latent: give the embedder the recolouriser was trained with"
    )


def iter_recolour(
    cube,
    *,
    weights=None,
    embedder_weights=None,
    device="auto",
    tile=None,
    overlap=None,
    batch=None,
    average_flips=False,
    free: int | None = None,
    anode: str | None = None,
    instead: str | None = None,
):
    """A generator yielding (done, total) over embedding (first half) then tiles (second half)
    and returning RecolourResult. `average_flips`: see Recolouriser.iter_predict. `anode`: the
    X-ray tube's anode the user named (the Recolour dock's Tube box, `recolour --anode`), over
    the file's, for the notes (ood, ambiguity): a Cu tube the file does not name had its own
    scattered Cu lines name copper pigments. `instead`: refuse_default_embedder's, for a caller
    that takes no embedder.

    Checked at this call, before the generator is made and the scan read: the tiling, and the
    memory the recolouring needs (`Recolouriser.tiling`) against `free` bytes (default:
    memory.memory_budget()), so a tile, batch or scan too large is a ValueError, not an
    allocation that kills the process (napari with it) after the embedding; so is an embedder
    whose latent the recolouriser cannot read (`check_input_width`), or, none given, one
    it was not trained with (`refuse_default_embedder`; the one beside `weights` is used where
    it is the right one: `embedder_beside`); and before any model is
    loaded, a scan the models cannot read: without an energy calibration, or wholly off their
    energy grid (energy.refuse_uncalibrated, refuse_off_grid)."""
    from ..energy import refuse_off_grid, refuse_uncalibrated
    from .embed import load_embedder

    refuse_uncalibrated(cube)
    refuse_off_grid(cube, "the models")
    rec = load_recolouriser(weights, device)
    if embedder_weights is None:
        embedder_weights = embedder_beside(rec, device)
    embedder = load_embedder(embedder_weights, device)  # cached for the pass
    check_input_width(rec, embedder)
    if embedder_weights is None:
        refuse_default_embedder(rec, embedder, instead)
    if free is None:
        from ..memory import memory_budget

        free = memory_budget()
    tile, overlap = rec.tiling(tile, overlap, batch=batch, shape=cube.shape[:2], free=free)
    run = _Run(
        rec=rec,
        embedder=embedder,
        embedder_weights=embedder_weights,
        device=device,
        tile=tile,
        overlap=overlap,
        batch=batch,
        average_flips=bool(average_flips),
    )
    return _iter_recolour(cube, run, anode)


@dataclass(frozen=True, kw_only=True)
class _Run:
    """What iter_recolour checked and loaded before the pass (_iter_recolour took its ten
    parts as positional arguments): the models, the embedder's weights as given (None: the
    shipped ones), the device, the tiling and the flips; given by keyword, as tile, overlap
    and batch, three ints in a row, swapped would not be seen."""

    rec: object
    embedder: object
    embedder_weights: object
    device: str
    tile: int
    overlap: int
    batch: int | None
    average_flips: bool


def _iter_recolour(cube, run: _Run, anode: str | None = None):
    from ..detector import known_anode
    from .ambiguity import ambiguity_report
    from .embed import iter_embed
    from .line_features import CountedFeatures, line_features
    from .ood import iter_check_scan

    rec = run.rec
    mismatch = embedder_mismatch(rec, run.embedder)
    if mismatch:
        import warnings

        warnings.warn(mismatch, stacklevel=2)
    # first, while nothing else is held: a few thousand sampled pixels, transient memory
    h, w = cube.shape[:2]
    n = h * w
    # points to stop at in the check and after it (0.5-1 s a part; the dock's Cancel waited); the
    # tube given (the Tube box, --anode) is named there, one read off the scatter lines seen
    checking = iter_check_scan(cube, run.embedder_weights, str(rec.device), anode=anode)
    anode = known_anode(cube.metadata, anode)  # as info tells it (one read off the scatter too)
    ood = yield from _rescaled(checking, 0, 0, 2 * n)  # its steps at 0 of the pass
    yield 0, 2 * n
    # Line features come from the same pass for every model: those that read them get them, and
    # they say where the lines fix the colour (analysis/ambiguity.py) whatever the model.
    reads = rec.features()
    features = reads or line_features()
    counted = CountedFeatures(features)  # and the scan's summed spectrum: which lines are there
    gen = iter_embed(
        cube,
        weights=run.embedder_weights,
        device=run.device,
        chunk_pixels=embed_chunk_pixels(cube.shape[2]),
        features=counted,
    )
    inputs = yield from _rescaled(gen, offset=0, span=n, total=2 * n)
    d = inputs.shape[-1] - len(features.elements)  # the latent's width
    latent = np.ascontiguousarray(inputs[..., :d])
    ambiguity = ambiguity_report(
        inputs[..., d:], features.elements, anode=anode, quiet=counted.quiet()
    )
    model_input = rec.model_input(inputs) if reads is not None else latent
    del inputs
    bad = first_nonfinite(model_input)
    if bad is not None:
        raise ValueError(_nonfinite_message(cube, *bad))
    rgb = yield from _rescaled(
        rec.iter_predict(
            model_input,
            tile=run.tile,
            overlap=run.overlap,
            batch=run.batch,
            average_flips=run.average_flips,
            finite=True,
        ),
        offset=n,
        span=n,
        total=2 * n,
    )
    return RecolourResult(
        rgb=rgb,
        latent=latent,
        device=str(rec.device),
        ood=ood,
        ambiguity=ambiguity,
        provenance=_provenance(cube, rec, run.embedder, run.average_flips, anode),
    )


def check_image(name: str, shape: tuple[int, ...]) -> None:
    """ValueError for a single spectrum (1 x 1 px), which has no image to recolour; a line scan
    (1 x N) is recoloured (its tiles are padded). The dock and the command both refused lines
    until f95617a/7fcf4d2: one rule, here."""
    if shape[0] * shape[1] < 2:
        raise ValueError(
            f"{name} is a single spectrum ({pixels_text(shape)}): there is no image to recolour"
        )


def first_nonfinite(img: np.ndarray, block_bytes: int = 16 << 20) -> tuple[int, int] | None:
    """(y, x) of the first pixel of an (H, W, C) image with a NaN or infinite value, else None.
    Row blocks of ~block_bytes of flags: a whole-image mask would be one byte per value."""
    h, w, c = img.shape
    step = max(1, block_bytes // max(1, w * c))
    for y0 in range(0, h, step):
        block = np.isfinite(img[y0 : y0 + step])
        if block.all():  # the common case: no per-pixel reduction
            continue
        ok = block.all(axis=-1)
        y, x = np.unravel_index(int(np.argmin(ok)), ok.shape)
        return y0 + int(y), int(x)
    return None


def _nonfinite_message(cube, y: int, x: int) -> str:
    """Why pixel (y, x)'s model input is not finite, for an in-memory cube (files are checked on
    read, errors.check_values): its spectrum, or else the embedding of a finite one."""
    from ..fileutil import printable

    name = printable(cube.path if cube.path else cube.name)
    spectrum = cube.read_pixel(y, x)
    if spectrum.dtype.kind == "f" and not np.isfinite(spectrum).all():
        k = int(np.argmin(np.isfinite(spectrum)))
        return (
            f"{name}: the spectrum at y={y}, x={x} (first such pixel) holds NaN or infinite "
            f"counts (first at channel {k}); counts must be finite and non-negative"
        )
    return (
        f"{name}: the embedding of pixel y={y}, x={x} (first such pixel) is NaN or infinite "
        "although its spectrum is finite"
    )


def _provenance(cube, rec, embedder, average_flips: bool, anode: str | None) -> dict:
    """What the colours were made of, saved with them (save_rgb); `anode`: the tube the
    training-data note and the ambiguity read (given over the file's, else the one read off the
    scatter lines: detector.known_anode; None: none names one), which the saved image did not
    say."""
    from ..fileutil import printable
    from ..provenance import code_identity
    from ..saved_marks import software

    return {
        "software": software(),
        "code": code_identity(),
        "scan": printable(cube.path if cube.path else cube.name),
        "calibration": cube.calibration.to_dict(),  # the keV axis the colours were made on
        "recolouriser": printable(rec.path),
        "recolouriser_sha256": rec.sha256,
        "embedder": printable(embedder.path),
        "embedder_sha256": embedder.sha256,
        "average_flips": bool(average_flips),
        "device": str(rec.device),
        "anode": anode,
    }


def embed_chunk_pixels(n_channels: int, block_bytes: int = EMBED_BLOCK_BYTES) -> int:
    """Spectra per embedding block so a float32 block of the file's channels stays near block_bytes
    (a 4096-channel scan would otherwise convert 1 GB blocks)."""
    return int(max(1024, min(65536, block_bytes // (4 * max(int(n_channels), 512)))))


def recolour(cube, **kw) -> RecolourResult:
    from ..progress import run_to_end

    return run_to_end(iter_recolour(cube, **kw))


def save_rgb(path, rgb, provenance: dict | None = None) -> Path:
    """Write an RGB image (float in [0, 1] or uint8, (H, W, 3)) as PNG or TIFF, atomically;
    `provenance` (RecolourResult.provenance) is stored in it as JSON."""
    import json

    from .export import write_image

    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"RGB image must be (H, W, 3), got shape {rgb.shape}")
    if rgb.dtype != np.uint8:
        rgb = (np.clip(np.nan_to_num(rgb.astype(np.float32)), 0.0, 1.0) * 255.0 + 0.5).astype(
            np.uint8
        )
    # ASCII JSON (\u escapes read back the same): TIFF's ImageDescription takes 7-bit ASCII only,
    # and a scan path such as "Musée/scan.h5" failed the TIFF after the whole recolour had run
    text = json.dumps(provenance) if provenance else None
    return write_image(path, rgb, "the recoloured image", description=text)


def _rescaled(gen, offset: int, span: int, total: int):
    """Relay a (done, n) generator as (offset + done/n*span, total); return its value."""
    while True:
        try:
            done, n = next(gen)
        except StopIteration as stop:
            return stop.value
        yield offset + (span * done) // max(n, 1), total
