"""scripts/eval_pigments.py, the script behind the pigment guide's tables: per-region rows for
each mode, the photograph's prior, pixels named right, found regions judged by purity."""

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("xraylib")
pytest.importorskip("h5py")

from _pigment_scans import CANON, stripe_scan

from xrf_napari.io.project_h5 import write_cube
from xrf_napari.physics.pigments import get_pigment

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

RECIPES = [
    (["Malachite"], [1.0]),
    (["Vermilion", "Lead white"], [0.4, 0.6]),
    (["Zinc white"], [1.0]),
]


@pytest.fixture(scope="module")
def cube_file(tmp_path_factory):
    size = 36
    syn, labels = stripe_scan(RECIPES, size)
    photo = np.zeros((size, size, 3), np.uint8)
    for k, (names, _) in enumerate(RECIPES):
        photo[labels == k] = np.round(np.asarray(get_pigment(names[0]).rgb) * 255)
    path = tmp_path_factory.mktemp("evalpig") / "cube_00000.h5"
    targets = {"labels": labels, "palette": photo, "rgb": photo}
    return write_cube(path, syn.counts, CANON, targets=targets, metadata=dict(syn.metadata))


def test_rows_photograph_and_pixels_right(cube_file):
    from eval_pigments import evaluate_cube, hidden_summary, summarise

    rows = evaluate_cube(cube_file, use_uvit=False, photo=True)
    assert {r["mode"] for r in rows} == {"physics", "physics+photograph"}
    photo = {r["region"]: r for r in rows if r["mode"] == "physics+photograph"}
    assert set(photo) == {1, 2, 3} and all(r["purity"] == 1.0 for r in photo.values())
    # the green photograph orders the copper twins: malachite, exactly right
    assert photo[1]["best_visible"] == ["Malachite"] and photo[1]["top1"]
    assert photo[3]["top1"] and photo[3]["px_right"] == photo[3]["px_total"] == 36 * 12
    for r in rows:
        assert 0 <= r["px_right"] <= r["px_total"] and r["px_right"] in (0, r["px_total"])
    text = summarise(rows)
    assert "| physics+photograph | 3 (+0 skipped) |" in text and "pixels whose true" in text
    assert isinstance(hidden_summary(rows), str)


def test_found_regions_are_judged_by_the_true_region_they_cover(cube_file):
    from eval_pigments import evaluate_cube, summarise

    rows = evaluate_cube(cube_file, use_uvit=False, clusters="lines")
    assert rows and {r["mode"] for r in rows} == {"physics"}
    for r in rows:
        assert 0 < r["purity"] <= 1 and 0 <= r["px_right"] <= r["px_total"]
        assert r["recipe"] in [names for names, _ in RECIPES]
    assert sum(r["px_total"] for r in rows) <= 36 * 36
    assert "mean purity" in summarise(rows)
