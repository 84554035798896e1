"""Swatch cubes, pigment panels, the painter's recipe prior and the transfer-evaluation pieces."""

import numpy as np
import pytest
from skimage.color import deltaE_ciede2000, rgb2lab

from xrf_napari.physics.instrument import HELDOUT_ANODES, WIDE_ANODES, random_profile
from xrf_napari.physics.pigments import get_pigment
from xrf_napari.synth.recipes import choose_recipe
from xrf_napari.synth.swatches import (
    IDENTIFIABLE,
    PANEL_TINTS,
    make_recipe,
    panel_layout,
    voronoi_labels,
)


def _lab(rgb):
    return rgb2lab(np.asarray(rgb, dtype=float).reshape(1, 1, 3))[0, 0]


def test_masstone_recipe_has_the_pigments_own_colour():
    for name in ("Cadmium yellow", "Cobalt blue", "Vermilion", "Emerald green"):
        r = make_recipe([name], [1.0])
        assert deltaE_ciede2000(np.array(r.mix_lab), _lab(get_pigment(name).rgb)) < 1.0, name


def test_panel_holds_every_identifiable_pigment_and_tints_lighten():
    rgb, labels, recipes, names = panel_layout()
    assert len(recipes) == len(names) == len(IDENTIFIABLE) * len(PANEL_TINTS) + 1
    assert min(labels.shape) > 160  # evaluate's MS-SSIM over all 5 scales
    assert set(np.unique(labels)) == set(range(len(recipes)))
    for i, pig in enumerate(IDENTIFIABLE):
        block = recipes[i * len(PANEL_TINTS) : (i + 1) * len(PANEL_TINTS)]
        assert block[0].pigments == [pig]
        to_white = [
            deltaE_ciede2000(np.array(r.mix_lab), _lab(get_pigment("Lead white").rgb))
            for r in block
        ]
        assert to_white == sorted(to_white, reverse=True) and to_white[-1] < to_white[0], pig
        # the painted image carries the recipe colour on the swatch
        k = i * len(PANEL_TINTS)
        got = rgb[labels == k].mean(axis=0) / 255
        assert deltaE_ciede2000(_lab(got), np.array(block[0].mix_lab)) < 1.5


def test_character_prior_keeps_pigments_near_their_colour():
    """Without the prior a green is often mixed with red lead or realgar (any match counts); with
    it, from pigments whose own colour is near green."""
    green = (0.3, 0.5, 0.3)

    def far(r):
        return max(
            deltaE_ciede2000(_lab(green), _lab(get_pigment(p).rgb))
            for p in r.pigments
            if get_pigment(p).role == "pigment"
        )

    rng = np.random.default_rng(0)
    plain = [far(choose_recipe(green, rng)) for _ in range(40)]
    prior = [far(choose_recipe(green, rng, character=0.3)) for _ in range(40)]
    assert max(plain) > 40  # a pigment of another colour family was used
    assert max(prior) < 30
    # the recorded delta_e stays the colour error, not the prior's cost
    r = choose_recipe(green, rng, character=0.3)
    assert abs(r.delta_e - deltaE_ciede2000(np.array(r.target_lab), np.array(r.mix_lab))) < 1e-6


def test_heldout_profiles_are_outside_every_training_range():
    rng = np.random.default_rng(1)
    for _ in range(50):
        h = random_profile(rng, "heldout")
        w = random_profile(rng, "wide")
        assert h.anode in HELDOUT_ANODES and h.anode not in WIDE_ANODES
        assert w.anode in WIDE_ANODES
        assert h.fwhm_mn_ev > 200 >= w.fwhm_mn_ev
        assert not 100 <= h.counts_per_pixel <= 10_000
        assert h.pileup > 0.01 >= w.pileup


def test_voronoi_labels_are_dense():
    labels = voronoi_labels(np.random.default_rng(0), 64, 9)
    assert labels.shape == (64, 64)
    assert np.array_equal(np.unique(labels), np.arange(labels.max() + 1))
    assert labels.max() >= 4


def test_flat_mean_and_swatch_errors():
    from xrf_napari.training.evaluate import flat_mean_image, swatch_errors

    rgb, labels, recipes, names = panel_layout(pigments=("Cadmium yellow", "Cobalt blue"), cell=48)
    meta = {"swatch_names": names, "regions": [r.to_dict() for r in recipes]}
    flat = flat_mean_image(rgb)
    assert np.ptp(flat.reshape(-1, 3), axis=0).max() == 0
    assert np.allclose(flat[0, 0], rgb.reshape(-1, 3).mean(0), atol=0.5)
    rows = swatch_errors({"perfect": rgb, "flat": flat}, labels, meta)
    assert [r["swatch"] for r in rows] == names[:-1]  # the bare ground is not a swatch
    assert max(r["perfect"] for r in rows) < 1.5
    assert min(r["flat"] for r in rows) > 5


@pytest.mark.slow
def test_generate_panels_writes_truth(tmp_path, monkeypatch):
    from _synth_cubes import draw_expected_counts, one_spectrum_for_every_stack

    from xrf_napari.io import read_cube
    from xrf_napari.io.project_h5 import read_targets
    from xrf_napari.synth.dataset import GenerateConfig, generate_one

    # the truth is checked here, not the counts or spectra
    draw_expected_counts(monkeypatch)
    one_spectrum_for_every_stack(monkeypatch)
    generate_one(
        0, GenerateConfig(out=str(tmp_path), n_cubes=1, kind="panels", profiles="heldout", seed=3)
    )
    path = tmp_path / "cube_00000.h5"
    cube = read_cube(path)
    targets = read_targets(path)
    meta = cube.metadata
    assert meta["kind"] == "panels" and meta["profile"]["anode"] == "Ag"
    names = meta["swatch_names"]
    assert len(names) == len(IDENTIFIABLE) * len(PANEL_TINTS) + 1
    labels = targets["labels"]
    for i in (0, 3, len(names) - 2):  # palette target = the recipe's own colour
        got = targets["palette"][labels == i].mean(axis=0) / 255
        assert deltaE_ciede2000(_lab(got), np.array(meta["regions"][i]["mix_lab"])) < 1.5


def test_bare_ground_cells_are_ground_materials_and_off_by_default():
    from xrf_napari.physics.pigments import load_pigments
    from xrf_napari.synth.swatches import swatch_cube_layout

    grounds = {p.name for p in load_pigments() if p.role == "ground"}
    _, labels, recipes = swatch_cube_layout(np.random.default_rng(3), 64, bare_ground=1.0)
    assert all(len(r.pigments) == 1 and r.pigments[0] in grounds for r in recipes)
    # 0 draws nothing extra: earlier datasets regenerate unchanged
    a = swatch_cube_layout(np.random.default_rng(4), 64)
    b = swatch_cube_layout(np.random.default_rng(4), 64, bare_ground=0.0)
    assert [r.pigments for r in a[2]] == [r.pigments for r in b[2]]
    np.testing.assert_array_equal(a[0], b[0])
