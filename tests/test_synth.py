"""Synthetic cube generation: regions, recipes, end-to-end files, determinism, resumability."""

import json
import shutil

import numpy as np
import pytest

pytest.importorskip("xraylib")
h5py = pytest.importorskip("h5py")

from xrf_napari.io.project_h5 import read_project_cube, read_targets  # noqa: E402
from xrf_napari.physics.pigments import get_pigment  # noqa: E402
from xrf_napari.synth.cube import poisson_counts  # noqa: E402
from xrf_napari.synth.dataset import GenerateConfig, generate_dataset, generate_one, image_split  # noqa: E402
from xrf_napari.synth.recipes import choose_recipe, km_mix  # noqa: E402
from xrf_napari.synth.regions import cluster_regions  # noqa: E402


def test_regions_recover_flat_colour_patches():
    rng = np.random.default_rng(0)
    cols = np.array(
        [[200, 30, 30], [30, 30, 200], [240, 230, 200], [20, 20, 20], [40, 160, 60]], np.uint8
    )
    truth = np.repeat(np.repeat(rng.integers(0, 5, (8, 8)), 6, 0), 6, 1)
    truth[:6, :6], truth[:6, 6:12], truth[:6, 12:18], truth[:6, 18:24], truth[:6, 24:30] = (
        0,
        1,
        2,
        3,
        4,
    )
    img = cols[truth]
    reg = cluster_regions(img, rng)
    assert reg.labels.shape == (48, 48) and reg.labels.dtype == np.int32
    assert reg.k == 5
    pal = reg.palette_image()
    assert pal.shape == (48, 48, 3) and pal.dtype == np.uint8
    # same partition as the truth, each region at its exact colour
    pairs = set(zip(truth.ravel().tolist(), reg.labels.ravel().tolist()))
    assert len(pairs) == 5
    assert np.array_equal(pal, img)


@pytest.mark.parametrize(
    "name", ["Vermilion", "Azurite", "Lead-tin yellow I", "Viridian", "Red ochre"]
)
def test_recipes_match_easy_colours(name):
    rng = np.random.default_rng(1)
    r = choose_recipe(get_pigment(name).rgb, rng, tolerance=2.0)
    assert r.delta_e <= 2.0 and 1 <= len(r.pigments) <= 3
    assert abs(sum(r.fractions) - 1) < 1e-9


def test_recipe_lightens_with_white_and_respects_period():
    from skimage.color import rgb2lab

    rng = np.random.default_rng(2)
    r = choose_recipe((0.85, 0.85, 0.85), rng)
    assert any(get_pigment(n).role == "white" for n in r.pigments) and r.delta_e < 5
    # the stored mixture colour is what the mixing model (checked below) gives
    pigs = [get_pigment(n) for n in r.pigments]
    lab = rgb2lab(km_mix(np.array([p.rgb for p in pigs]), np.array([r.fractions]))[None])[0, 0]
    assert np.allclose(lab, r.mix_lab, atol=1e-6)
    old = choose_recipe((0.9, 0.9, 0.9), rng, year=1500)
    assert all(get_pigment(n).in_use(1500) for n in old.pigments)
    assert "Titanium white" not in old.pigments and "Zinc white" not in old.pigments


def _srgb(linear):
    """IEC 61966-2-1 transfer function (written out here, not taken from synth.recipes)."""
    linear = np.asarray(linear, dtype=float)
    return np.where(linear <= 0.0031308, 12.92 * linear, 1.055 * linear ** (1 / 2.4) - 0.055)


def test_kubelka_munk_mix_matches_hand_values():
    # Band reflectances 0.5 and 0.25 (linear): K/S = (1-R)^2 / 2R = 0.25 and 1.125.
    # 1:1 -> K/S 0.6875 -> R = 1 + 0.6875 - sqrt(0.6875^2 + 2 * 0.6875) = 0.328215
    # 1:3 -> K/S 0.90625 -> R = 0.283355
    light, dark = _srgb([0.5, 0.5, 0.5]), _srgb([0.25, 0.25, 0.25])
    out = km_mix(np.stack([light, dark]), np.array([[1.0, 1.0], [0.25, 0.75], [2.0, 0.0]]))
    np.testing.assert_allclose(out[0], _srgb(0.328215), atol=1e-5)
    np.testing.assert_allclose(out[1], _srgb(0.283355), atol=1e-5)  # fractions need not sum to 1
    np.testing.assert_allclose(out[2], light, atol=1e-9)  # one pigment alone keeps its colour
    # Bands stay separate: a red and a white mixed 1:1 stay red-dominant but lighter than the red.
    red = np.array([0.8, 0.1, 0.1])
    pink = km_mix(np.stack([red, np.ones(3)]), np.array([[0.5, 0.5]]))[0]
    assert pink[0] > pink[1] == pytest.approx(pink[2]) and (pink > red - 1e-9).all()


def test_counts_are_poisson_on_a_flat_region():
    rng = np.random.default_rng(3)
    comp = np.abs(np.sin(np.linspace(0, 6, 64)))[None] + 0.1
    weights = np.ones((64, 64, 1), np.float32)
    counts = poisson_counts(weights, comp, 1500.0, rng).astype(float)
    assert counts.sum(axis=2).mean() == pytest.approx(1500.0, rel=0.01)
    mean = counts.reshape(-1, 64).mean(0)
    var = counts.reshape(-1, 64).var(0, ddof=1)
    assert np.allclose(mean, 1500.0 * comp[0] / comp.sum(), rtol=0.03)
    ratio = var / mean
    assert 0.9 < ratio.mean() < 1.1 and ratio.min() > 0.8 and ratio.max() < 1.2


def test_image_split_is_stable_and_about_a_fifth():
    names = [f"painting_{i}.jpg" for i in range(2000)]
    test = [n for n in names if image_split(n) == "test"]
    assert 0.17 < len(test) / len(names) < 0.23
    assert all(image_split(n) == "test" for n in test[:20])
    assert image_split("/some/dir/painting_7.jpg") == image_split("painting_7.jpg")


@pytest.fixture(scope="module")
def small_dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    cfg = GenerateConfig(out=str(out), n_cubes=2, size=32, seed=7, profiles="all")
    manifest = generate_dataset(cfg, workers=1, progress=False)
    return cfg, out, manifest


def test_small_cube_end_to_end_is_readable(small_dataset):
    cfg, out, manifest = small_dataset
    m = json.loads(manifest.read_text())
    assert [c["file"] for c in m["cubes"]] == ["cube_00000.h5", "cube_00001.h5"]
    path = out / "cube_00000.h5"
    with h5py.File(path, "r") as f:
        cube = read_project_cube(f, path)
        assert cube.shape == (32, 32, 512) and cube.dtype == np.uint16
        assert cube.energy[0] == pytest.approx(1.025)
        meta = cube.metadata
        total = cube.sum_image()
    cpp = meta["profile"]["counts_per_pixel"]
    # canonical 1-26.6 keV keeps most of the native counts
    assert 0.5 * cpp < total.mean() < 1.02 * cpp
    assert meta["seed"] == 7 and meta["index"] == 0 and meta["source"]["image"] == "procedural"
    assert len(meta["regions"]) == meta["k"] and all(r["pigments"] for r in meta["regions"])
    from xrf_napari.io import read_cube

    c2 = read_cube(path)  # the general reader finds the layout and its calibration too
    assert c2.shape == (32, 32, 512) and c2.calibration.gain == pytest.approx(0.05)
    assert np.array_equal(c2.sum_image(), total)
    t = read_targets(path)
    assert (
        t["rgb"].shape == (32, 32, 3)
        and t["palette"].shape == (32, 32, 3)
        and t["labels"].shape == (32, 32)
    )
    assert t["labels"].max() == meta["k"] - 1


def test_recipe_oracle_paints_each_region_with_its_own_recipe(small_dataset):
    """The evaluation's "true paint recipes" row: region i must get recipe i, whose colour lies its
    recorded delta_e from the region's palette colour (a shifted index would not)."""
    from skimage.color import deltaE_ciede2000, rgb2lab

    from xrf_napari.training.evaluate import recipe_image

    _, out, _ = small_dataset
    for name in ("cube_00000.h5", "cube_00001.h5"):
        with h5py.File(out / name, "r") as f:
            meta = json.loads(f.attrs["metadata"])
        t = read_targets(out / name)
        img = recipe_image(t["labels"], meta["regions"])
        assert img.shape == (32, 32, 3) and 0 <= img.min() and img.max() <= 1
        de = deltaE_ciede2000(rgb2lab(img), rgb2lab(t["palette"] / 255.0))
        for i, region in enumerate(meta["regions"]):
            inside = t["labels"] == i
            if inside.any():  # the palette is stored as uint8: allow its rounding
                assert abs(de[inside].mean() - region["delta_e"]) < 1.0
    assert recipe_image(t["labels"], None) is None
    with pytest.raises(ValueError, match="regions"):
        recipe_image(t["labels"], meta["regions"][:1])


def test_generation_is_deterministic_for_a_seed(small_dataset, tmp_path):
    cfg, out, _ = small_dataset
    again = GenerateConfig(**{**cfg.__dict__, "out": str(tmp_path)})
    generate_one(1, again)
    with (
        h5py.File(out / "cube_00001.h5", "r") as a,
        h5py.File(tmp_path / "cube_00001.h5", "r") as b,
    ):
        assert np.array_equal(a["counts"][()], b["counts"][()])
        assert a.attrs["metadata"] == b.attrs["metadata"]
    with h5py.File(out / "cube_00000.h5", "r") as a, h5py.File(out / "cube_00001.h5", "r") as b:
        assert (
            json.loads(a.attrs["metadata"])["profile"] != json.loads(b.attrs["metadata"])["profile"]
        )


def test_a_fixed_count_level_changes_only_the_counts(small_dataset, tmp_path):
    """--counts-per-pixel: the same seed gives the same painting, paints and instrument at any
    level (a paired count-level sweep); only the level and the Poisson draw differ."""
    cfg, out, _ = small_dataset
    metas, means = {}, {}
    for level in (150.0, 4000.0):
        d = tmp_path / f"c{level:g}"
        generate_one(
            1, GenerateConfig(**{**cfg.__dict__, "out": str(d), "counts_per_pixel": level})
        )
        with h5py.File(d / "cube_00001.h5", "r") as f:
            metas[level] = json.loads(f.attrs["metadata"])
            means[level] = f["counts"][()].sum(axis=2).mean()
        assert read_targets(d / "cube_00001.h5")["labels"].tolist() == (
            read_targets(out / "cube_00001.h5")["labels"].tolist()
        )
    with h5py.File(out / "cube_00001.h5", "r") as f:
        random_level = json.loads(f.attrs["metadata"])
    for level, meta in metas.items():
        assert meta["profile"].pop("counts_per_pixel") == level
        assert 0.5 * level < means[level] < 1.02 * level  # canonical 1-26.6 keV keeps most
    assert random_level["profile"].pop("counts_per_pixel") not in metas
    assert metas[150.0] == metas[4000.0]
    assert metas[150.0]["profile"] == random_level["profile"]
    assert metas[150.0]["regions"] == random_level["regions"]


def test_generation_resumes_without_redoing_finished_cubes(small_dataset):
    cfg, out, _ = small_dataset
    first = out / "cube_00000.h5"
    second = out / "cube_00001.h5"
    before = first.stat().st_mtime_ns
    with h5py.File(second, "r") as f:
        old = f["counts"][()]
    second.unlink()
    generate_dataset(cfg, workers=1, progress=False)
    assert first.stat().st_mtime_ns == before  # finished cube skipped
    with h5py.File(second, "r") as f:  # missing cube remade, identical
        assert np.array_equal(f["counts"][()], old)
    assert not list(out.glob(".*.h5"))  # no temporary files left behind


def test_speckle_goes_to_the_nearest_large_region_and_large_shapes_stay():
    from xrf_napari.synth.regions import remove_speckle

    labels = np.zeros((40, 40), np.int32)
    labels[:, 20:] = 1  # two large areas
    labels[5, 5] = 2  # a lone speckle inside region 0
    labels[30:32, 30:32] = 0  # a 4-px island of region 0 inside region 1
    out = remove_speckle(labels, min_area_px=8)
    expected = np.zeros((40, 40), np.int32)
    expected[:, 20:] = 1
    assert np.array_equal(out, expected)
    assert np.array_equal(remove_speckle(labels, 1), labels)  # off
    assert labels[5, 5] == 2  # input untouched


def test_region_maps_of_a_noisy_photograph_have_no_tiny_pieces():
    from scipy import ndimage as ndi

    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[:96, :96]
    img = np.stack([(xx * 2.5) % 255, (yy * 2.5) % 255, np.full_like(xx, 120)], -1)
    img = np.clip(img + rng.normal(0, 25, img.shape), 0, 255).astype(np.uint8)  # noisy gradients
    reg = cluster_regions(img, rng)
    min_area = max(4, round(48 * 96 * 96 / 256**2))
    for v in range(reg.k):
        pieces, n = ndi.label(reg.labels == v, structure=np.ones((3, 3), bool))
        assert n >= 1 and np.bincount(pieces.ravel())[1:].min() >= min_area


def test_generate_refuses_a_folder_of_another_sets_cubes(small_dataset, tmp_path):
    """A rerun skips the cube files that exist: into a folder of another set's cubes it kept them
    under a manifest claiming the new options (training cubes in a "profiles: test" set), and
    cubes past --n-cubes stayed in the folder, where training reads every cube file."""
    cfg, out, _ = small_dataset
    mix = tmp_path / "mix"
    shutil.copytree(out, mix)
    manifest = (mix / "manifest.json").read_text()

    def again(**change):
        opts = {**cfg.__dict__, "out": str(mix), **change}
        return generate_dataset(GenerateConfig(**opts), workers=1, progress=False)

    for change, named in (
        ({"seed": 8, "n_cubes": 3}, "seed 7 there, 8 now"),
        ({"size": 48}, "size 32 there, 48 now"),
        ({"profiles": "test", "counts_per_pixel": 500.0}, "profiles 'all' there, 'test' now, "),
        ({"n_cubes": 1}, "1 cube file.* past --n-cubes 1 .*cube_00001.h5"),
    ):
        with pytest.raises(ValueError, match=named):
            again(**change)
    assert sorted(p.name for p in mix.iterdir()) == [
        "cube_00000.h5",
        "cube_00001.h5",
        "manifest.json",
    ]
    assert (mix / "manifest.json").read_text() == manifest
    (mix / "manifest.json").unlink()
    with pytest.raises(ValueError, match="2 cube file.*no manifest.json"):
        again()


def test_a_killed_generate_resumes(small_dataset, tmp_path, monkeypatch):
    """The manifest (without its cube list) is written before the first cube, so the options of a
    killed run's cubes are known and the same command resumes it."""
    from _synth_cubes import interrupt_generate_at

    cfg, out, _ = small_dataset
    opts = GenerateConfig(**{**cfg.__dict__, "out": str(tmp_path)})
    interrupt_generate_at(monkeypatch, 1)
    with pytest.raises(KeyboardInterrupt):
        generate_dataset(opts, workers=1, progress=False)
    assert "cubes" not in json.loads((tmp_path / "manifest.json").read_text())
    monkeypatch.undo()  # the same command, uninterrupted, resumes the set
    generate_dataset(opts, workers=1, progress=False)
    assert (tmp_path / "manifest.json").read_text() == (out / "manifest.json").read_text()


def test_generated_sets_share_paintings_only_when_made_alike(small_dataset, tmp_path):
    """A cube made from no image file was identified by its file name, so any two generated sets
    (cube_00000.h5, ...) "shared" paintings: embedder --val refused a set of another seed, while
    a copy of the same set under other names would have passed."""
    from xrf_napari.training.data import list_cubes, shared_sources

    cfg, out, _ = small_dataset
    other = GenerateConfig(**{**cfg.__dict__, "out": str(tmp_path / "s8"), "seed": 8, "n_cubes": 1})
    generate_dataset(other, workers=1, progress=False)
    assert not shared_sources(list_cubes(out), list_cubes(tmp_path / "s8"))
    renamed = tmp_path / "renamed"
    renamed.mkdir()
    shutil.copy(out / "cube_00001.h5", renamed / "painting.h5")
    assert shared_sources(list_cubes(out), list_cubes(renamed)) == {"cube:seed=7:index=00001"}


@pytest.mark.parametrize(
    "extra, said",
    [
        (["--seed", "-1"], "argument --seed: -1 is out of range"),  # argparse's, session 54
        (["--style", "paper", "--kind", "panels"], "painting cubes only"),
        (["--style", "paper", "--swatch-fraction", "0.5"], "painting cubes only"),
        (["--style", "paper", "--profiles", "heldout"], "apply to the physics generator only"),
        (["--style", "paper", "--character", "0.3"], "apply to the physics generator only"),
    ],
)
def test_options_that_fail_or_do_nothing_are_refused_before_the_manifest(
    tmp_path, capsys, extra, said
):
    """A negative seed and paper-style panels failed after manifest.json was written, and the
    folder then refused the corrected command as another set's; paper style recorded --profiles
    and --character that it ignores."""
    from test_cli_leftovers38 import _code  # the seed's is argparse's refusal (SystemExit)

    out = tmp_path / "set"
    argv = ["generate", "--out", str(out), "--n-cubes", "1", "--no-progress"] + extra
    assert _code(argv) == 2
    assert said in capsys.readouterr().err
    assert not (out / "manifest.json").exists()
