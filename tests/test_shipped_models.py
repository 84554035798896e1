"""The shipped embedder and recolouriser: a matched pair, and better than a trivial guess on a
sample cube that no training run saw (the procedural sample painting)."""

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from xrf_napari import read_cube  # noqa: E402
from xrf_napari.io.project_h5 import read_targets  # noqa: E402
from xrf_napari.models.weights import manifest  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "xrf_napari" / "sample_data" / "painting.h5"


def test_recolouriser_was_trained_on_the_shipped_embedder():
    m = manifest()
    assert m["uvit"]["embedder_sha256"] == m["dve"]["sha256"]


@pytest.mark.xfail(
    strict=True,
    reason="known weakness of the shipped weights (CPU-trained on painting-based "
    "cubes): on the procedural sample they give muted colours, mean dE00 24.4 vs 17.5 for the "
    "flat mean colour; remove this mark when a better pair ships",
)
def test_shipped_pair_recolours_the_sample_better_than_its_mean_colour():
    from xrf_napari.analysis.recolour import recolour
    from xrf_napari.training.metrics import ciede2000

    cube = read_cube(SAMPLE)
    res = recolour(cube, device="cpu")
    assert res.rgb.shape == cube.shape[:2] + (3,)
    assert res.rgb.min() >= 0.0 and res.rgb.max() <= 1.0
    palette = read_targets(SAMPLE)["palette"].astype(np.float32) / 255.0
    flat_guess = np.broadcast_to(palette.reshape(-1, 3).mean(0), palette.shape)
    de_model, _ = ciede2000(res.rgb, palette)
    de_flat, _ = ciede2000(flat_guess, palette)
    assert de_model < de_flat, (de_model, de_flat)
