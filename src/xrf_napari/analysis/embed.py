"""Embed every spectrum of a cube with the DVE and cluster the latent into pigment regions.

Embedding streams the cube in row blocks re-binned onto the canonical grid and encodes them in
chunks of `chunk_pixels` spectra, so memory stays bounded whatever the cube size; only the
(H, W, 3) latent is kept. Long operations follow the progress convention of xrf_napari/progress.py.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..cube import DEFAULT_BLOCK_BYTES
from ..progress import run_to_end
from ._threads import one_thread

#: Above this many pixels, K-Means uses MiniBatchKMeans (full Lloyd passes get slow).
MINIBATCH_ABOVE = 200_000
#: Points used to choose K by silhouette and to report the silhouette (O(n^2) score).
SILHOUETTE_SAMPLE = 6000
AUTO_K_FIT_SAMPLE = 30_000
#: K-Means restarts for each K the automatic search tries (the best inertia is scored). With 2,
#: one poor optimum at some K (painting sample, K = 10: silhouette 0.49 against 0.62) moved the
#: answer by 2-4 with the pixel order or the seed; with 8, K is the same for seeds 1-3 on 10 of
#: the 12 held-out cubes of benchmarks/bench_auto_k.py (7 of 12 with 2), for 0.3 s more (3.7 s
#: in all) on the painting sample's 16 384 pixels.
AUTO_K_N_INIT = 8
#: Automatic K: the largest K whose silhouette is within this of the best (see pick_k).
SILHOUETTE_TOLERANCE = 0.1
#: Automatic K answers one region unless the best silhouette beats, by this much, that of K-Means
#: on one Gaussian blob with the points' own mean and covariance (what counting noise on a single
#: material gives). Measured on the panel's spectra redrawn with Poisson noise (64 x 64 px):
#: one material 0.41-0.45 against its blob 0.39-0.41 at 100-20000 counts per pixel; two materials
#: 0.95-0.99 against 0.56; the panel and painting samples 0.82 and 0.71 against 0.32 and 0.36.
NULL_MARGIN = 0.1
#: Points of the one-blob reference (K-Means and silhouettes on them: a fraction of a second).
NULL_SAMPLE = 3000
#: ... and whatever the silhouettes, one region when the points' total variance is under this many
#: times that of one material's counting noise as the embedder places it (one_material_latent):
#: the embedder folds sparse counts into lumps that K-Means splits well (pure Poisson noise at
#: 0.05 counts a channel: silhouette 0.58 at K 2, the blob's 0.39; K 12 at 0.002 unpooled). Ratio
#: measured (48 x 48 px, pooled or not): pure noise 0.94-1.09 at 0.002-2 counts a channel, one
#: panel paint 0.94-1.07 at 100-20000 counts per pixel; two paints 25-57000; the 12 held-out cubes
#: of benchmarks/bench_auto_k.py 12-1570, the panel and painting samples 34 and 46; a 3 x 3 patch
#: (0.2 %) of a 30 % mix of another paint in a 64 x 64 scan at 60 counts per pixel, pooled, 1.79
#: (review39: at 2.0 that patch was lost, K 1 where the silhouettes alone gave 2), so 1.4, well
#: above the noise's 1.09.
NOISE_SPREAD = 1.4
#: Side of the grid of one material's counting noise at the scan's level that the embedder
#: embeds for automatic K's second reference (one_material_latent): 55 x 55 ~ NULL_SAMPLE.
NULL_SIDE = 55
#: Pixels this far apart in a row or a column share no counts, 3 x 3 pooled or not: the distance
#: of the pairs whose differences are neighbour_noise's reference.
NEIGHBOUR_STEP = 3


class Embedder:
    """A loaded DVE on a device. `encode` maps canonical counts (N, 512) to latent means (N, 3).

    `training`: the weights file's training record as it was loaded (seed, settings, `sources`:
    the training paintings), None when the file records none (the shipped weights): `config` keeps
    only the network's keys, and reading the record again from the path later could describe
    another file than the model in memory."""

    def __init__(
        self,
        model,
        config: dict,
        device,
        path: Path | None = None,
        sha256: str | None = None,
        training: dict | None = None,
    ):
        self.model = model
        self.config = config
        self.device = device
        self.path = path
        self.sha256 = sha256
        self.training = training

    @property
    def n_channels(self) -> int:
        return int(self.config.get("n_channels", 512))

    def encode(self, canonical_counts: np.ndarray, chunk: int = 65536) -> np.ndarray:
        """(N, 512) counts on the canonical grid -> (N, 3) float32 latent means."""
        import torch

        counts = np.asarray(canonical_counts)
        if counts.ndim != 2 or counts.shape[1] != self.n_channels:
            raise ValueError(
                f"encode expects (N, {self.n_channels}) canonical counts, got {counts.shape}"
            )
        out = np.empty((counts.shape[0], self.model.latent_dim), dtype=np.float32)
        with torch.inference_mode():
            for i in range(0, counts.shape[0], chunk):
                part = counts[i : i + chunk]
                # A private float32 copy may be overwritten in place (sqrt) to save a pass.
                owned = part.dtype != np.float32
                x = torch.from_numpy(np.ascontiguousarray(part, dtype=np.float32)).to(self.device)
                owned = owned or self.device.type != "cpu"
                z = self.model.encode_counts_mean(x, inplace=owned)
                out[i : i + chunk] = z.float().cpu().numpy()
        return out


@functools.lru_cache(maxsize=4)
def _load_cached(path_str: str, sha: str | None, device_name: str, stamp=None) -> Embedder:
    """The embedder of one version of a file: `stamp` (size, mtime_ns) is part of the cache key,
    so a file rewritten at the same path is loaded again. The file is hashed as it is loaded and
    the hash kept in Embedder.sha256: checks of the embedder (recolour.embedder_mismatch) then
    refer to the model in memory, not to whatever the path holds later."""
    from ..device import pick_device
    from ..models.dve import build_from_config
    from ..models.weights import load_state, load_weights_hashed, require_model

    device = pick_device(device_name)
    state, config, got = load_weights_hashed(path_str, sha, want="dve")
    require_model(config, "dve", path_str)
    import torch

    # The default initialisation, overwritten at once, must not draw from the caller's random
    # stream: a recolouriser seeded before loading its embedder started from other weights
    # whenever this cache already held it, or held it for another device (reproducibility audit
    # 26, finding 1).
    with torch.random.fork_rng(devices=[]):
        model = build_from_config(config)
    load_state(model, state, path_str, "DVE")
    model.eval().to(device)
    for p in model.parameters():
        p.requires_grad_(False)
    training = config.get("training")
    training = dict(training) if isinstance(training, dict) else None
    return Embedder(model, model.config, device, Path(path_str), got, training)


def load_embedder(weights=None, device: str = "auto") -> Embedder:
    """The DVE from `weights` (default: the shipped, hash-checked file), cached per
    (file, its size and modification time, device)."""
    from ..models.weights import file_stamp, resolve_weights

    path, sha = resolve_weights("dve", weights)
    path = Path(path).resolve()
    try:
        stamp = file_stamp(path)
    except OSError:
        stamp = None  # load_weights says why the file cannot be read
    return _load_cached(str(path), sha, str(device or "auto"), stamp)


def iter_embed(
    cube,
    *,
    weights=None,
    device: str = "auto",
    chunk_pixels: int = 65536,
    features=None,
    pool: bool = False,
):
    """Progress generator: yields (done_pixels, total_pixels); returns the latent (H, W, 3)
    float32, or with `features` (analysis.line_features.LineFeatures) the model input: latent then
    line features, (H, W, 3 + n_elements), from the same single pass over the cube. pool: embed
    each pixel's 3 x 3 neighbourhood sum (analysis.pooling: for clustering a low-count scan)."""
    if chunk_pixels < 1:
        raise ValueError(f"chunk_pixels must be positive, got {chunk_pixels}")
    from ..energy import refuse_off_grid, refuse_uncalibrated

    refuse_uncalibrated(cube)  # channel numbers read as keV: regions and colours of no lines
    refuse_off_grid(cube, "the models")  # all-zero spectra: regions and colours of nothing
    emb = load_embedder(weights, device)
    h, w, c = cube.shape
    total = h * w
    d = emb.model.latent_dim
    n_feat = 0 if features is None else len(features.elements)
    latent = np.empty((h, w, d + n_feat), dtype=np.float32)
    # Row blocks of at most chunk_pixels spectra and DEFAULT_BLOCK_BYTES as float32 (the rebinner's
    # working type): a 4096-channel block of 64 MiB holds 4096 spectra, enough to keep the MLP busy.
    block_bytes = min(DEFAULT_BLOCK_BYTES, max(1, chunk_pixels) * max(c, emb.n_channels) * 4)
    done = 0
    yield 0, total
    from .pooling import canonical_blocks

    for sl, block in canonical_blocks(cube, pool, block_bytes):
        flat = block.reshape(-1, block.shape[-1])
        out = latent[sl].reshape(-1, latent.shape[-1])  # a view: writes land in latent
        for i in range(0, flat.shape[0], chunk_pixels):
            part = flat[i : i + chunk_pixels]
            if n_feat:  # before encode, which may take the float32 block over
                out[i : i + chunk_pixels, d:] = features(part)
            out[i : i + chunk_pixels, :d] = emb.encode(part, chunk=chunk_pixels)
            done += min(chunk_pixels, flat.shape[0] - i)
            yield done, total
    return latent


def embed(cube, **kw) -> np.ndarray:
    """Latent (H, W, 3) float32 of every pixel (see iter_embed)."""
    return run_to_end(iter_embed(cube, **kw))


def one_material_latent(
    cube, *, weights=None, device: str = "auto", pool: bool = False, seed: int = 0
) -> np.ndarray | None:
    """(n, D) latent of counting noise on one material at the scan's level: a NULL_SIDE square
    grid of Poisson draws of the scan's mean spectrum (from count_step's rows spread over it, in
    counts: peaks.count_step), embedded as the scan is (pooled when it is). None when the rows
    hold no counts, or values that are not counts (then the Gaussian-blob null alone decides).

    Why: automatic K's Gaussian-blob reference (null_silhouette) assumes noise embeds as a
    blob; the embedder folds sparse counts into a few lumps instead (pure Poisson noise, 0.05
    counts a channel: silhouette 0.58 at K 2 against the blob's 0.39, and K 12 without pooling
    at 0.002), so a structureless scan was split into 2 to 12 regions. What the embedder makes
    of one material's noise at this count level is the reference that says so (NOISE_SPREAD)."""
    from .peaks import step_columns, step_of_spectra
    from .pooling import spread_rows

    h, w, c = cube.shape
    # the rows count_step reads, read once: their sum for the mean, count_step's columns of them
    # for the step (each row was read twice, once here and once by count_step)
    ys = spread_rows(h)
    xs = step_columns(w, len(ys))
    total, kept = 0, []
    for y in ys:
        row = cube.read_rows(slice(y, y + 1))
        total = total + np.asarray(row, dtype=np.float64).sum(axis=(0, 1))
        kept.append(np.asarray(row[0, xs], dtype=np.float64))
    mean = total / (len(ys) * w)
    step = step_of_spectra(cube.dtype, np.concatenate(kept))
    if step is None:  # not counts: what their noise would be is unknown
        return None
    mean = np.clip(np.nan_to_num(mean / step), 0.0, None)
    if mean.sum() <= 0:
        return None
    from ..cube import Cube

    rng = np.random.default_rng(seed)
    # a row at a time: drawn whole, the int64 draws and their float32 copies of a 4096-channel
    # scan's 55 x 55 grid took about 200 MB
    draws = np.empty((NULL_SIDE, NULL_SIDE, c), dtype=np.float32)
    for row in draws:
        row[:] = rng.poisson(np.broadcast_to(mean, (NULL_SIDE, c)))
    draws *= np.float32(step)
    noise = Cube(draws, cube.calibration, metadata=dict(cube.metadata))
    latent = embed(noise, weights=weights, device=device, pool=pool)
    return latent.reshape(-1, latent.shape[-1])


def auto_k_null(cube, k: int | None, **kw) -> np.ndarray | None:
    """cluster's `null_points` for `k`: automatic K's reference, one material's counting noise
    at the scan's level embedded as the scan is (one_material_latent, given `kw`: weights,
    device, pool), when K is chosen (`k` None); None for a given K, which needs none. The dock,
    `embed`, `pigments` and bench_auto_k ask this one question alike."""
    return one_material_latent(cube, **kw) if k is None else None


@dataclass
class ClusterResult:
    labels: np.ndarray  # (H, W) int32 in 1..k, 0 = masked
    k: int
    centers: np.ndarray  # (k, 3), row i-1 is the centre of label i
    silhouette: float | None


#: Why a run gave one region (see why_one): every pixel embedded alike, or automatic K's rule.
ONE_ALIKE, ONE_BY_AUTO_K = "alike", "auto K"


def why_one(latent: np.ndarray, k: int | None, result: ClusterResult) -> str | None:
    """Why `cluster(latent, k)` gave one region, None when it gave more. Two causes: every pixel
    has the same embedding (iter_cluster), or automatic K found no split better than one
    material's counting noise (pick_k's null test). The Embed dock and `xrf-napari embed` both
    say which: the command said "same embedding" for both (core audit 30, finding 6)."""
    if result.k != 1:
        return None
    points = latent.reshape(-1, latent.shape[-1])
    points = points[np.isfinite(points).all(axis=1)]
    if k is None and len(points) > 1 and not (points == points[0]).all():
        return ONE_BY_AUTO_K
    return ONE_ALIKE


def one_region_reason(why: str) -> str:
    """why_one's answer in words, for the dock's summary and the command's last line."""
    if why == ONE_BY_AUTO_K:
        return (
            "automatic K found no split better than one material (the embeddings spread no "
            "wider than one material's counting noise, or the best silhouette was within "
            f"{NULL_MARGIN:g} of what that noise scores)"
        )
    return "every pixel has the same embedding"


def canonical_order(points: np.ndarray) -> np.ndarray:
    """Indices that sort (n, D) points by their first column, then the second, ...: K-Means'
    seeding and the subsamples draw by position, so fitting the points in this order gives the
    same regions and the same automatic K whatever the order of the pixels. In scan order, the
    painting sample mirrored gave K 12 instead of 10 (ARI 0.69 against the unmirrored regions),
    transposed 8 (core audit 30, finding 3)."""
    points = np.asarray(points)
    return np.lexsort(points.T[::-1])


#: Largest K accepted (the widget's and the CLI's upper bound): more regions than this on a 3-D
#: latent are noise, not pigments.
MAX_K = 30
#: K-Means restarts of the final fit (each one a cancellation point in the GUI).
N_INIT = 4


def check_k(k: int) -> int:
    """K as an int, or a ValueError saying what is allowed (K = 1 is no segmentation at all)."""
    if int(k) != k or not 2 <= int(k) <= MAX_K:
        raise ValueError(f"the number of regions K must be between 2 and {MAX_K}, got {k}")
    return int(k)


def too_few_for_k(k: int, n: int) -> str:
    """Why K regions cannot be made from n pixels, and what to ask for instead."""
    if n < 1:
        return f"cannot make {k} regions: there is no pixel to cluster"
    if n == 1:
        return (
            f"cannot make {k} regions from a single pixel: it is one region (the pigment fit "
            "takes it whole)"
        )
    return f"cannot make {k} regions from {n} pixels: ask for at most {n}, or let K be chosen"


def _kmeans(k: int, n: int, seed: int):
    from sklearn.cluster import KMeans, MiniBatchKMeans

    if n > MINIBATCH_ABOVE:
        return MiniBatchKMeans(
            n_clusters=k,
            random_state=seed,
            batch_size=8192,
            n_init=1,
            max_no_improvement=20,
            reassignment_ratio=0.001,
        )
    return KMeans(n_clusters=k, random_state=seed, n_init=1)


def _silhouette(points: np.ndarray, labels: np.ndarray, seed: int) -> float | None:
    """sklearn's silhouette_score (Euclidean; above SILHOUETTE_SAMPLE points, on the sample its
    random_state=seed draws) computed from exact float64 distances: sklearn's float32 path
    upcast the points chunk by chunk and took 1.5-3.8 s for 6000 3-D points on 2 busy cores,
    this 0.6-0.8 s (scores within 2e-8). See _silhouettes."""
    return _silhouettes(points, [labels], seed)[0]


def _silhouettes(points: np.ndarray, labelings, seed: int) -> list[float | None]:
    """_silhouette of each of several labelings of the same points, from one pass over their
    distances: automatic K scores up to 29 labelings of the same SILHOUETTE_SAMPLE points (the
    same draw for each), and computing the 6000 x 6000 distances again for each K took 2.2 s of
    the painting sample's 4.1 s search; each point's summed distance to each region of every
    labeling is one product of a block of distances with the labelings' one-hot columns."""
    from scipy.spatial.distance import cdist

    x = np.asarray(points, dtype=np.float64)
    idx = None
    if len(x) > SILHOUETTE_SAMPLE:  # sklearn's draw for sample_size, so the same pixels
        idx = np.random.RandomState(seed).permutation(len(x))[:SILHOUETTE_SAMPLE]
        x = x[idx]
    out: list[float | None] = [None] * len(labelings)
    parts, width = [], 0  # each scored labeling: its index, regions (0..m-1), first column
    for j, labels in enumerate(labelings):
        labels = np.asarray(labels)
        # defined for 2 to n - 1 labels: K = n (every pixel its own region, which K-Means makes
        # of a scan of n pixels) failed with sklearn's "Number of labels is 20. Valid values ..."
        if not 2 <= len(np.unique(labels)) <= len(points) - 1:
            continue
        _, lab = np.unique(labels if idx is None else labels[idx], return_inverse=True)
        if lab.max() < 1:  # the sample drew one region only
            continue
        parts.append((j, lab, width))
        width += int(lab.max()) + 1
    if not parts:
        return out
    n = len(x)
    onehot = np.zeros((n, width))
    for _, lab, start in parts:
        onehot[np.arange(n), start + lab] = 1.0
    sums = np.empty((n, width))  # each point's summed distance to each region of each labeling
    for i in range(0, n, 512):
        sums[i : i + 512] = cdist(x[i : i + 512], x) @ onehot
    rows = np.arange(n)
    for j, lab, start in parts:
        sizes = np.bincount(lab)
        part = sums[:, start : start + len(sizes)].copy()
        own = sizes[lab]
        a = part[rows, lab] / np.maximum(own - 1, 1)
        part[rows, lab] = np.inf
        b = (part / sizes).min(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            s = np.nan_to_num((b - a) / np.maximum(a, b))
        s[own == 1] = 0.0  # sklearn's rule for a region of one point
        out[j] = float(s.mean())
    return out


def iter_choose_k(
    points: np.ndarray,
    k_range=(2, 12),
    seed: int = 0,
    tolerance: float = SILHOUETTE_TOLERANCE,
    null_points: np.ndarray | None = None,
):
    """Progress generator (one step per K tried); returns (K, {K: score}). See choose_k."""
    points = np.asarray(points)
    points = points[canonical_order(points)]  # the same answer whatever the pixel order
    return (yield from _iter_choose_k_sorted(points, k_range, seed, tolerance, null_points))


def _iter_choose_k_sorted(
    points: np.ndarray, k_range, seed: int, tolerance: float, null_points=None, neighbours=None
):
    """iter_choose_k of points already in canonical_order (iter_cluster's): sorting them again
    cost as much as the first sort (4.6 s of 4 M points). neighbours: the scan's neighbour_noise;
    where the points spread wider than NOISE_SPREAD times it, no Gaussian-blob null test."""
    from sklearn.cluster import KMeans

    rng = np.random.default_rng(seed)
    n = len(points)
    sub = (
        points[rng.choice(n, AUTO_K_FIT_SAMPLE, replace=False)] if n > AUTO_K_FIT_SAMPLE else points
    )
    lo, hi = int(k_range[0]), int(k_range[1])
    hi = min(hi, len(sub) - 1, max(n_distinct(sub), 2))
    if lo < 2:
        raise ValueError(f"cannot choose K in {k_range}: K starts at 2")
    if hi < lo:  # what to ask instead: `embed --k-range 25 30` on 20 pixels was told of spots
        span = f"{lo}-{int(k_range[1])}"
        if len(sub) - 1 < lo:
            raise ValueError(
                f"too few pixels to find regions: {n} (automatic K in {span} needs at least "
                f"{lo + 1}); "
                + (
                    "a spot spectrum is one region (`xrf-napari pigments` fits it whole)"
                    if n < 3
                    else f"search K from 2 to at most {n - 1}, or give K"
                )
            )
        raise ValueError(
            f"cannot choose K in {span}: the pixels have only {n_distinct(sub)} distinct "
            "embeddings (a scan with few counts or a repeated pattern); search K from 2 to at "
            f"most {hi}, or give K"
        )
    scores = {}
    yield 0, hi - lo + 1
    if lo == 2 and null_points is not None and spread_over_noise(sub, null_points) < NOISE_SPREAD:
        return 1, scores  # no wider than one material's noise: nothing to split
    ks, labelings = range(lo, hi + 1), []
    with one_thread():
        for i, k in enumerate(ks):
            lab = KMeans(n_clusters=k, random_state=seed, n_init=AUTO_K_N_INIT).fit_predict(sub)
            labelings.append(lab)
            yield i + 1, hi - lo + 1
        # scored together after the last fit: one pass over the sample's distances for every K
        for k, s in zip(ks, _silhouettes(sub, labelings, seed)):
            scores[k] = s or -1.0
        # K = 1 is an answer only where the range starts at 2 (a caller asking for >= 4 regions
        # gets them).
        blob = neighbours is None or spread_over_noise(sub, neighbours) < NOISE_SPREAD
        null = (
            null_silhouette(sub, range(lo, min(hi, lo + 1) + 1), seed) if lo == 2 and blob else None
        )
    return pick_k(scores, tolerance, null), scores


def null_silhouette(points: np.ndarray, ks, seed: int = 0) -> float | None:
    """Best silhouette of K-Means (K in ks) on one Gaussian blob with the points' mean and
    covariance: what splitting a single material's counting noise scores (about 0.4 in 3-D,
    whatever the count level). None when the points are too few to say."""
    from sklearn.cluster import KMeans

    rng = np.random.default_rng(seed)
    pts = np.asarray(points, dtype=np.float64)
    if len(pts) > NULL_SAMPLE:
        pts = pts[rng.choice(len(pts), NULL_SAMPLE, replace=False)]
    ks = [k for k in ks if 2 <= k < len(pts)]
    if len(pts) < 10 or not ks:
        return None
    # Mean + (whitened normal) @ a square root of the covariance: no warning for a singular one.
    centred = pts - pts.mean(0)
    _, sv, vt = np.linalg.svd(centred, full_matrices=False)
    blob = (
        pts.mean(0) + (rng.standard_normal((len(pts), len(sv))) * sv / np.sqrt(len(pts) - 1)) @ vt
    )
    labelings = [KMeans(n_clusters=k, random_state=seed, n_init=2).fit_predict(blob) for k in ks]
    scored = [s for s in _silhouettes(blob, labelings, seed) if s is not None]
    return max(scored) if scored else None


def spread_over_noise(points: np.ndarray, null_points: np.ndarray) -> float:
    """Total variance of the points over that of one material's counting noise embedded at the
    scan's level (one_material_latent): about 1 for a scan without structure, whatever the
    embedder makes of noise."""
    pts = np.asarray(points, dtype=np.float64)
    ref = np.asarray(null_points, dtype=np.float64)
    ref = ref[np.isfinite(ref).all(axis=1)]
    noise = float(ref.var(axis=0).sum()) if len(ref) > 1 else 0.0
    return float(pts.var(axis=0).sum()) / noise if noise > 0 else float("inf")


def neighbour_noise(
    points: np.ndarray, mask: np.ndarray | None = None, seed: int = 0, step: int = NEIGHBOUR_STEP
) -> np.ndarray:
    """(N, D) differences of pixels `step` apart in a row or a column, over sqrt 2 (up to
    AUTO_K_FIT_SAMPLE pairs each way): the points' noise as the scan itself shows it, since
    neighbours hold the same paint on most pixels of a painting. Against it (spread_over_noise)
    a scan of one paint spreads about 1, whatever the features; one_material_latent's reference
    needs an embedder, this one none; paints mixed pixel by pixel look like noise to it, so it
    only overrules the Gaussian blob's one region (iter_cluster's neighbour_null). Pairs with a
    masked or non-finite pixel are NaN."""
    x = np.asarray(points, dtype=np.float32)
    h, w, d = x.shape
    rng = np.random.default_rng(seed)
    out = [np.empty((0, d), np.float32)]
    for dr, dc in ((step, 0), (0, step)):  # pairs drawn first: no copy of a large scan
        n = max(h - dr, 0) * max(w - dc, 0)
        pick = np.arange(n) if n <= AUTO_K_FIT_SAMPLE else rng.choice(n, AUTO_K_FIT_SAMPLE, False)
        r, c = np.divmod(pick, max(w - dc, 1))
        diff = (x[r + dr, c + dc] - x[r, c]) / np.float32(np.sqrt(2))
        if mask is not None:
            mask = np.asarray(mask, dtype=bool)
            diff[~(mask[r + dr, c + dc] & mask[r, c])] = np.nan
        out.append(diff)
    return np.concatenate(out)


def n_distinct(points: np.ndarray) -> int:
    """Distinct rows of (n, D) points: a scan whose pixels are alike (no counts, a flat test
    pattern) has fewer than K, and K-Means would split identical points at random."""
    rows = np.ascontiguousarray(points)
    return len(np.unique(rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1])))))


def pick_k(
    scores: dict[int, float], tolerance: float = SILHOUETTE_TOLERANCE, null: float | None = None
) -> int:
    """The largest K whose silhouette is within `tolerance` of the best one (tolerance 0: the best);
    1 when `null` (null_silhouette: one blob of noise split the same way) is given and the best
    silhouette does not beat it by NULL_MARGIN: no split is better than counting noise's.

    The silhouette alone favours coarse splits: on the painting sample (16 recipes) it peaks at
    K = 4, lumping blue, orange and white areas. Paint regions sit close together in the latent,
    so a finer partition that is nearly as well separated is the better answer (docs/user_guide.md
    gives the held-out ARI that set the tolerance)."""
    best = max(scores.values())
    if null is not None and best < null + NULL_MARGIN:
        return 1
    return max(k for k, v in scores.items() if v >= best - tolerance)


def choose_k(
    points: np.ndarray,
    k_range=(2, 12),
    seed: int = 0,
    tolerance: float = SILHOUETTE_TOLERANCE,
    null_points: np.ndarray | None = None,
) -> tuple[int, dict[int, float]]:
    """K by pick_k over silhouettes on a subsample (K-Means on up to AUTO_K_FIT_SAMPLE points);
    K = 1 when k_range starts at 2 and no split beats that of counting noise (null_silhouette),
    or, given null_points (one_material_latent: the embedder's latent of one material's noise at
    the scan's level), when the points spread no wider than those (NOISE_SPREAD).
    The points are taken in canonical_order: the answer does not depend on their order."""
    return run_to_end(iter_choose_k(points, k_range, seed, tolerance, null_points))


def iter_cluster(
    latent: np.ndarray,
    k: int | None = None,
    *,
    k_range=(2, 12),
    seed: int = 0,
    mask: np.ndarray | None = None,
    tolerance: float = SILHOUETTE_TOLERANCE,
    null_points: np.ndarray | None = None,
    neighbour_null: bool = False,
):
    """Progress generator of `cluster`: yields (done, total) over the K tried (automatic K) and
    the N_INIT restarts of the final fit, so a GUI can show it and cancel between fits."""
    latent = np.asarray(latent, dtype=np.float32)
    if latent.ndim != 3:
        raise ValueError(f"latent must be (H, W, D), got shape {latent.shape}")
    h, w, d = latent.shape
    flat = latent.reshape(-1, d)
    valid = np.isfinite(flat).all(axis=1)
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != (h, w):
            raise ValueError(f"mask shape {mask.shape} does not match latent {(h, w)}")
        valid &= mask.reshape(-1)
    # Fitted in canonical order, labels put back in pixel order at the end: a mirrored or
    # transposed scan gets the same K and the same regions (canonical_order).
    points = flat[valid]
    order = canonical_order(points)
    points = points[order]
    n = len(points)
    if n > 1 and (points == points[0]).all():  # every pixel alike: one region, whatever K
        labels = np.zeros(h * w, dtype=np.int32)
        labels[valid] = 1
        return ClusterResult(labels.reshape(h, w), 1, points[:1].copy(), None)
    if k is None:
        n_k = int(k_range[1]) - int(k_range[0]) + 1
        steps = max(n_k, 0) + N_INIT
        # no pixels NEIGHBOUR_STEP apart (a 3 x 3 scan): the blob test alone, as before
        far = max(h, w) > NEIGHBOUR_STEP
        neighbours = neighbour_noise(latent, mask, seed) if neighbour_null and far else None
        search = _iter_choose_k_sorted(points, k_range, seed, tolerance, null_points, neighbours)
        while True:
            try:
                done, _ = next(search)
            except StopIteration as stop:
                k = stop.value[0]
                break
            yield done, steps
        offset = n_k
    else:
        k = check_k(k)
        steps, offset = N_INIT, 0
        if k > n:  # it said "cannot make 2 clusters from 1 pixels", and not what to do
            raise ValueError(too_few_for_k(k, n))
        if k > (m := n_distinct(points)):  # automatic K stops there already (iter_choose_k)
            raise ValueError(
                f"cannot make {k} regions: the pixels have only {m} distinct embeddings (a scan "
                f"with few counts or a repeated pattern); ask for at most {m}, or let K be chosen"
            )
    # loaded before the limit, which reaches only the runtimes loaded when it is set: K given
    # skips the search that imported sklearn, and a session's first K-Means ran on every core
    import sklearn.cluster  # noqa: F401

    best = None
    with one_thread():
        for i in range(N_INIT):
            # modulo 2**32, sklearn's bound: seeds up to 2**32 - 1 are accepted (embed --seed)
            km = _kmeans(k, n, (seed + i) % 2**32).fit(points)
            inertia = (
                float(((points - km.cluster_centers_[km.predict(points)]) ** 2).sum())
                if n > MINIBATCH_ABOVE
                else float(km.inertia_)
            )
            if best is None or inertia < best[0]:
                best = (inertia, km)
            yield offset + i + 1, steps
    km = best[1]
    raw = km.predict(points) if n > MINIBATCH_ABOVE else km.labels_
    sizes = np.bincount(raw, minlength=k)
    by_size = np.argsort(-sizes, kind="stable")  # new label i+1 <- old cluster by_size[i]
    remap = np.empty(k, dtype=np.int32)
    remap[by_size] = np.arange(1, k + 1, dtype=np.int32)
    fitted = remap[raw]  # labels of the points in canonical order
    in_pixel_order = np.empty(n, dtype=np.int32)
    in_pixel_order[order] = fitted
    labels = np.zeros(h * w, dtype=np.int32)
    labels[valid] = in_pixel_order
    centers = np.asarray(km.cluster_centers_, dtype=np.float32)[by_size]
    rng = np.random.default_rng(seed)
    idx = rng.choice(n, min(n, SILHOUETTE_SAMPLE), replace=False)
    # the distances of up to SILHOUETTE_SAMPLE points: on 2 busy cores, 6000 took 16 s with
    # BLAS's two threads and 2.5 s with one
    with one_thread():
        sil = _silhouette(points[idx], fitted[idx], seed)
    return ClusterResult(labels.reshape(h, w), k, centers, sil)


def cluster(
    latent: np.ndarray,
    k: int | None = None,
    *,
    k_range=(2, 12),
    seed: int = 0,
    mask: np.ndarray | None = None,
    tolerance: float = SILHOUETTE_TOLERANCE,
    null_points: np.ndarray | None = None,
    neighbour_null: bool = False,
) -> ClusterResult:
    """K-Means regions of a latent (H, W, D). Labels 1..k ordered by decreasing size; 0 = masked.

    k=None picks K in k_range automatically, or 1 for a scan of one material (see choose_k,
    pick_k's tolerance and null test); else
    2 <= k <= MAX_K. mask: (H, W) bool, True = use. null_points: the latent of one material's
    counting noise at the scan's level (one_material_latent), a second reference of the null
    test beside the Gaussian blob (automatic K only). neighbour_null: the blob test's one region
    holds only where the points spread no wider than NOISE_SPREAD times neighbour_noise's (Find
    regions' many-feature points, colour_prior.REGION_K: the blob's NULL_MARGIN was measured on
    the embedder's 3-D latent, and paintings' points beat the blob by less there).
    """
    return run_to_end(
        iter_cluster(
            latent,
            k,
            k_range=k_range,
            seed=seed,
            mask=mask,
            tolerance=tolerance,
            null_points=null_points,
            neighbour_null=neighbour_null,
        )
    )


def cluster_spectra(
    cube, labels: np.ndarray, block_bytes: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Mean spectrum (k, C) float64 per label 1..k on the cube's own channels, and pixel counts
    (k,) (iter_cluster_spectra run to the end)."""
    return run_to_end(iter_cluster_spectra(cube, labels, block_bytes))


def iter_cluster_spectra(cube, labels: np.ndarray, block_bytes: int | None = None):
    """Progress generator (rows done, rows) returning cluster_spectra's (means, counts): a full
    pass over the file, so the docks show it and can cancel it.

    One streaming pass; in each block, each label's pixels are summed in float64 straight from
    the file's dtype (a sparse membership product needed a float64 copy of the whole block, 8x
    an 8-bit block's size, and took 3x longer). Label 0 (masked) is ignored; an empty label has a
    zero spectrum and count 0.
    """
    labels = np.asarray(labels)
    h, w, c = cube.shape
    if labels.shape != (h, w):
        raise ValueError(f"labels shape {labels.shape} does not match cube {(h, w)}")
    k = int(labels.max(initial=0))
    sums = np.zeros((k, c), dtype=np.float64)
    counts = np.bincount(labels.reshape(-1), minlength=k + 1)[1:].astype(np.int64)
    if k == 0:
        return sums, counts
    yield 0, h
    for sl, block in cube.iter_blocks(block_bytes or DEFAULT_BLOCK_BYTES):
        lab = labels[sl].reshape(-1)
        flat = block.reshape(-1, c)
        for j in np.unique(lab[lab > 0]):
            sums[j - 1] += flat[lab == j].sum(axis=0, dtype=np.float64)
        yield sl.stop, h
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], 0.0)
    return mean, counts


#: The largest region number a labels image holds (saved as 16-bit: 0..65535).
MAX_LABEL = 65535


def label_colours(k: int) -> np.ndarray:
    """(k + 1, 3) uint8: black for 0 (masked), then a colour per region 1..k, each its own: the
    colours of a labels PNG, the same from the CLI and the Embed dock, and of the dock's
    clusters layer (so the PNG is what the screen showed). tab20 then tab20b for 1..40 (every K
    up to MAX_K), then colour_table's own for regions painted on beyond: the 40 colours were
    cycled, and a region 41 painted on the layer was saved in region 1's colour."""
    if not 0 <= k <= MAX_LABEL:
        raise ValueError(f"region labels must lie in 0..{MAX_LABEL}, got {k} regions")
    return colour_table()[: k + 1].copy()


@functools.cache
def colour_table() -> np.ndarray:
    """(MAX_LABEL + 1, 3) uint8, read-only: label_colours' table. Past tab20 + tab20b, the R3
    low-discrepancy sequence over RGB (consecutive regions far apart, as random colours are, but
    the same on every run and machine), kept within 48..255 so that no region looks like the
    black of label 0; a colour met earlier in the table is skipped, so that every label has its
    own."""
    import matplotlib

    first = [(0, 0, 0)] + [
        tuple(round(255 * c) for c in matplotlib.colormaps[name](i)[:3])
        for name in ("tab20", "tab20b")
        for i in range(20)
    ]
    g = 1.2207440846057596  # the plastic number's 3-D kin: g**4 = g + 1 (R3 sequence)
    steps = np.array([1 / g, 1 / g**2, 1 / g**3])
    i = np.arange(1, 2 * MAX_LABEL)[:, None]
    more = np.round(48 + 207 * np.mod(0.5 + i * steps, 1.0)).astype(np.uint8)
    table = np.concatenate([np.asarray(first, np.uint8), more])
    packed = table.astype(np.int32) @ np.array([1 << 16, 1 << 8, 1], np.int32)
    _, firsts = np.unique(packed, return_index=True)
    table = table[np.sort(firsts)][: MAX_LABEL + 1]
    if len(table) != MAX_LABEL + 1 or not np.array_equal(table[: len(first)], first):
        raise AssertionError("label colour table: too few distinct colours")  # never at import
    table.flags.writeable = False
    return table


def latent_to_rgb(latent: np.ndarray, lo_pct: float = 1.0, hi_pct: float = 99.0) -> np.ndarray:
    """(H, W, 3) uint8 preview: each latent axis scaled from its lo..hi percentile to 0..255."""
    latent = np.asarray(latent, dtype=np.float32)
    if latent.ndim != 3 or latent.shape[2] < 3:
        raise ValueError(f"latent must be (H, W, >=3), got shape {latent.shape}")
    out = np.zeros(latent.shape[:2] + (3,), dtype=np.uint8)
    for i in range(3):
        ch = latent[..., i]
        finite = ch[np.isfinite(ch)]
        if finite.size == 0:
            continue
        sample = finite if finite.size <= 1_000_000 else finite[:: finite.size // 1_000_000 + 1]
        lo, hi = np.percentile(sample, [lo_pct, hi_pct])
        scale = 255.0 / (hi - lo) if hi > lo else 0.0
        v = np.nan_to_num((ch - lo) * scale, nan=0.0)
        out[..., i] = np.clip(v, 0, 255).astype(np.uint8)
    return out
