"""Paper-style synthetic cubes: the generator of Bombini et al. (2025, the `ganx` package) rebuilt,
so that our models can be scored on the kind of data the paper's MS-SSIM 0.92 was measured on.

Recipe (shared/notes/paper.md): MiniBatchKMeans in RGB with K in 8..12 chosen by best silhouette;
each cluster becomes its mean colour (the palette target). For every cluster colour and database
pigment, similarity = (101 - dE2000) / 101; every pigment with similarity >= 0.2 is mixed in with
that weight (shares of counts: each pigment spectrum is normalised to unit sum first). Every pixel
of a cluster then gets exactly 400 counts drawn multinomially from the cluster's mixed spectrum, on
1024 channels from 0.5 to 38.5 keV. No layers, no absorption, no variation inside a cluster.

The paper mixes MEASURED pigment spectra; ours are the forward model's (physics/spectrum.py) of
each pigment as one 20 um oil layer over a gypsum ground, under one fixed instrument
(`paper_profile`). The models work on the canonical 512-bin grid, so the cube written for training
is the 1024-channel draw re-binned onto it (`cube.rebin_counts`: each count goes to one canonical
bin, drawn by the overlap fractions, so the 1-26.6 keV total is exact); the 1024-channel draw itself
is written with --native.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .cube import SynthCube

GENERATOR = "xrf-napari-paper-style/1"
COUNTS_PER_PIXEL = 400
E_LO, E_HI, N_CHANNELS = 0.5, 38.5, 1024
K_RANGE = (8, 12)
MIN_SIMILARITY = 0.2
PAINT_UM, PAINT_PVC, GROUND_UM = 20.0, 0.4, 200.0


def paper_profile():
    """The one instrument of paper-style cubes: Mo anode at 40 kV, 140 eV at Mn K-alpha,
    collimator, air, channels spanning exactly 0.5-38.5 keV (a choice: the paper's own scanner is
    not modelled)."""
    from ..physics.instrument import InstrumentProfile

    gain = (E_HI - E_LO) / N_CHANNELS
    return InstrumentProfile(
        anode="Mo",
        kv=40.0,
        fwhm_mn_ev=140.0,
        n_channels=N_CHANNELS,
        offset=E_LO + gain / 2,
        gain=gain,
        counts_per_pixel=COUNTS_PER_PIXEL,
        optic="collimator",
        atmosphere="air",
        name="paper-style fixed (Mo 40 kV)",
    )


def database_pigments() -> list:
    """The pigments a colour may be mixed from: every database entry except grounds/fillers."""
    from ..physics.pigments import load_pigments

    return [p for p in load_pigments() if p.role != "ground"]


def pigment_spectra() -> np.ndarray:
    """(n_pigments, 1024) float64: each pigment's expected spectrum (single paint layer over a
    gypsum ground under `paper_profile`), normalised to unit sum, for the pigment table in use
    (`physics.pigments.use_table`; rows in `database_pigments` order). Computed once per process
    and table: the cache used to ignore the table, so a second paper-style set made in the same
    process under another --pigment-table (generate with one worker) mixed the first table's
    spectra under the second table's colours and name; keyed by the path alone, a table
    rewritten at the same path kept its old spectra (the key now holds its size and mtime)."""
    from ..physics.pigments import table_key

    return _pigment_spectra(table_key())


@lru_cache(maxsize=4)
def _pigment_spectra(table: tuple | None) -> np.ndarray:
    """pigment_spectra of the table in use; `table` (physics.pigments.table_key: path, size,
    mtime) is only the cache key."""
    from ..physics.layers import ground_layer, paint_layer, support_layer
    from ..physics.spectrum import SpectrumModel

    model = SpectrumModel(paper_profile())
    below = [ground_layer("gypsum", GROUND_UM), support_layer()]
    spectra = np.array(
        [
            model.detect(model.fine([paint_layer([(p, 1.0)], PAINT_UM, PAINT_PVC)] + below))
            for p in database_pigments()
        ]
    )
    spectra = np.clip(spectra, 0, None)
    spectra = spectra / spectra.sum(axis=1, keepdims=True)
    spectra.setflags(write=False)  # shared by every caller of the cache
    return spectra


def mixing_weights(colours_rgb: np.ndarray, pigment_lab: np.ndarray) -> np.ndarray:
    """(k, n_pigments) weights: similarity (101 - dE2000) / 101 where it is >= 0.2, else 0.

    A colour with no pigment that similar (dE2000 > 80.8 to all) takes its most similar pigment
    alone, so every cluster has a spectrum."""
    from skimage.color import deltaE_ciede2000, rgb2lab

    lab = rgb2lab(np.asarray(colours_rgb, dtype=float)[None])[0]
    de = deltaE_ciede2000(lab[:, None, :], np.asarray(pigment_lab, dtype=float)[None, :, :])
    sim = (101.0 - de) / 101.0
    w = np.where(sim >= MIN_SIMILARITY, sim, 0.0)
    empty = ~(w > 0).any(axis=1)
    w[empty, np.argmax(sim[empty], axis=1)] = sim[empty].max(axis=1)
    return w


def cluster_rgb(img: np.ndarray, rng: np.random.Generator, k_range=K_RANGE, n_sil: int = 2000):
    """(labels (H, W) int32 in 0..k-1, palette (k, 3) mean colours, silhouettes {k: score}):
    MiniBatchKMeans in RGB, the K of best silhouette (on a random pixel sample), empty clusters
    dropped. K runs over `regions.k_candidates`: k_range capped by the image's distinct colours
    (K = n for n < k_range[0] colours)."""
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.metrics import silhouette_score

    from .regions import k_candidates

    h, w, _ = img.shape
    flat = img.reshape(-1, 3)
    sil_idx = rng.choice(len(flat), size=min(len(flat), n_sil), replace=False)
    seed = int(rng.integers(2**31 - 1))
    scores, fits = {}, {}
    distinct = len(np.unique(np.round(flat * 255), axis=0))
    for k in k_candidates(k_range, distinct, len(sil_idx)):
        km = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=2048).fit(flat)
        lbl = km.labels_
        if len(np.unique(lbl[sil_idx])) < 2:
            continue
        scores[k] = float(silhouette_score(flat[sil_idx], lbl[sil_idx]))
        fits[k] = lbl
    if not scores:  # flat or nearly flat image: one cluster
        return np.zeros((h, w), np.int32), flat.mean(axis=0, keepdims=True), {}
    best = max(scores, key=scores.get)
    used, labels = np.unique(fits[best], return_inverse=True)
    cnt = np.bincount(labels, minlength=len(used))
    palette = np.stack(
        [np.bincount(labels, weights=flat[:, c], minlength=len(used)) for c in range(3)], 1
    )
    return labels.reshape(h, w).astype(np.int32), palette / cnt[:, None], scores


def multinomial_counts(
    labels: np.ndarray, spectra: np.ndarray, rng: np.random.Generator, n: int = COUNTS_PER_PIXEL
) -> np.ndarray:
    """(H, W, C) uint16: every pixel exactly n counts, multinomial from its cluster's spectrum."""
    h, w = labels.shape
    out = np.zeros((h * w, spectra.shape[1]), dtype=np.uint16)
    flat = labels.ravel()
    for i, p in enumerate(spectra):
        idx = np.nonzero(flat == i)[0]
        for s in range(0, len(idx), 16384):  # bounds the int64 temporary
            sl = idx[s : s + 16384]
            out[sl] = rng.multinomial(n, p / p.sum(), size=len(sl))
    return out.reshape(h, w, -1)


def synthesize_paper(rgb, rng: np.random.Generator) -> SynthCube:
    """A paper-style cube of an RGB image: canonical counts for the models, the 1024-channel draw
    as `native`, palette/labels targets and metadata (cluster colours and pigment weights)."""
    from ..energy import to_canonical_matrix
    from ..physics.pigments import paint_labs
    from .cube import rebin_counts
    from .regions import to_float_rgb

    img = to_float_rgb(rgb)
    labels, palette, scores = cluster_rgb(img, rng)
    pigs = database_pigments()
    # the pigments' colours as the physics generator paints them (the hex: one colour per pigment)
    weights = mixing_weights(palette, paint_labs(pigs))
    mixed = (weights @ pigment_spectra()) / weights.sum(axis=1, keepdims=True)
    native = multinomial_counts(labels, mixed, rng)
    profile = paper_profile()
    # every native count lands in one canonical bin (or outside 1-26.6 keV): no rounding
    canon = rebin_counts(native, to_canonical_matrix(profile.calibration, N_CHANNELS), rng)
    regions = [
        {
            "colour_rgb": [float(x) for x in palette[i]],
            "pigments": {
                pigs[j].name: round(float(weights[i, j]), 4) for j in np.nonzero(weights[i])[0]
            },
        }
        for i in range(len(palette))
    ]
    meta = {
        "generator": GENERATOR,
        "style": "paper",
        "profile": profile.to_dict(),
        "k": len(palette),
        "silhouettes": {str(k): v for k, v in scores.items()},
        "regions": regions,
        "counts_per_pixel_native": COUNTS_PER_PIXEL,
        "paint": {"thickness_um": PAINT_UM, "pvc": PAINT_PVC, "ground": f"gypsum {GROUND_UM} um"},
    }
    return SynthCube(
        canon,
        np.round(img * 255).astype(np.uint8),
        np.round(palette[labels] * 255).astype(np.uint8),
        labels,
        meta,
        native,
        {"mixed_spectra": mixed, "weights": weights},
    )
