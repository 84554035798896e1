"""Paper-style generator (synth/paper_style.py): the similarity mixing rule, exactly 400 counts per
pixel from the cluster's own spectrum, determinism, and files every reader opens."""

import json

import numpy as np
import pytest

pytest.importorskip("xraylib")
pytest.importorskip("sklearn")
h5py = pytest.importorskip("h5py")

from xrf_napari.synth import paper_style as ps
from xrf_napari.synth.dataset import GenerateConfig, generate_dataset

COLOURS = np.array(
    [
        [200, 30, 30],
        [30, 40, 190],
        [235, 225, 200],
        [25, 20, 20],
        [40, 160, 60],
        [220, 190, 40],
        [120, 70, 40],
        [150, 150, 150],
    ],
    np.uint8,
)


def blocks_image(rng, size=48):
    """Eight flat colours in random 6 px blocks (each colour present)."""
    idx = np.repeat(np.repeat(rng.integers(0, 8, (size // 6, size // 6)), 6, 0), 6, 1)
    idx[:6, :48] = np.repeat(np.arange(8), 6)[None]
    return COLOURS[idx]


def test_mixing_weights_follow_the_similarity_rule():
    from skimage.color import deltaE_ciede2000, rgb2lab

    pigs = ps.database_pigments()
    assert pigs and all(p.role != "ground" for p in pigs)
    lab = np.array([p.lab for p in pigs])
    colours = np.random.default_rng(0).random((30, 3))
    w = ps.mixing_weights(colours, lab)
    sim = (101 - deltaE_ciede2000(rgb2lab(colours[None])[0][:, None], lab[None])) / 101
    kept = sim >= 0.2
    assert np.allclose(w[kept], sim[kept]) and (w[~kept] == 0).all()
    assert kept.any(axis=1).all() and (~kept).any()  # the threshold bites somewhere
    # a pigment's own colour is similarity 1 to itself
    own = ps.mixing_weights(np.array([pigs[3].rgb]), np.array([pigs[3].lab]))
    assert own[0, 0] == pytest.approx(1.0, abs=0.02)
    # nothing within dE 80.8: the most similar pigment alone, at its similarity
    far = ps.mixing_weights(np.array([[1.0, 1.0, 1.0]]), np.array([[0.0, 0, 0], [5.0, 0, 0]]))
    assert far[0, 0] == 0 and 0 < far[0, 1] < 0.2


def test_cube_has_400_counts_per_pixel_from_its_clusters_mixture():
    rng = np.random.default_rng(1)
    img = blocks_image(rng)
    cube = ps.synthesize_paper(img, np.random.default_rng(2))
    nat = cube.native
    assert nat.shape == (48, 48, ps.N_CHANNELS) and nat.dtype == np.uint16
    assert (nat.sum(axis=2) == ps.COUNTS_PER_PIXEL).all()
    # the eight flat colours are the eight clusters, the palette is exact
    assert cube.metadata["k"] == 8 and np.array_equal(cube.palette, img)
    # the mixture is the similarity-weighted mean of the pigment spectra
    w, mixed = cube.extras["weights"], cube.extras["mixed_spectra"]
    assert np.allclose(mixed, w @ ps.pigment_spectra() / w.sum(1, keepdims=True))
    assert np.allclose(mixed.sum(1), 1.0)
    # each cluster's pixels are drawn from its own mixture (and not from any other's)
    for i in range(cube.metadata["k"]):
        mean = nat[cube.labels == i].reshape(-1, ps.N_CHANNELS).mean(0) / ps.COUNTS_PER_PIXEL
        err = np.abs(mean - mixed).sum(1)
        assert err.argmin() == i
    # canonical = the same counts re-binned onto the model grid: each count lands in one bin, those
    # outside 1-26.6 keV are dropped (rounding the shares gave 369-404 per pixel, mean 386)
    assert cube.counts.shape == (48, 48, 512)
    edges = ps.paper_profile().calibration.edges(ps.N_CHANNELS)
    full = (edges[:-1] >= 1.0) & (edges[1:] <= 26.6)  # channels wholly inside
    touch = (edges[1:] > 1.0) & (edges[:-1] < 26.6)  # and those straddling 1 or 26.6 keV
    canon = cube.counts.sum(axis=2, dtype=np.int64)
    nat64 = nat.astype(np.int64)
    assert (nat64[..., full].sum(2) <= canon).all() and (canon <= nat64[..., touch].sum(2)).all()
    assert canon.max() <= ps.COUNTS_PER_PIXEL and canon.mean() > 390  # 394.4 lie in range


def test_a_flat_pigment_colour_is_fully_similar_to_its_pigment_even_outside_srgb():
    """The similarity uses the colour the pigment is painted with (its hex); cadmium yellow's
    measured Lab lies outside sRGB, 3.0 dE00 from its hex, which gave similarity 0.970."""
    from xrf_napari.physics.pigments import get_pigment

    for name in ("Cadmium yellow", "Chrome yellow"):
        rgb = np.round(np.array(get_pigment(name).rgb) * 255).astype(np.uint8)
        cube = ps.synthesize_paper(np.broadcast_to(rgb, (12, 12, 3)), np.random.default_rng(0))
        assert cube.metadata["k"] == 1
        assert cube.metadata["regions"][0]["pigments"][name] == pytest.approx(1.0, abs=1e-4)


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    from PIL import Image

    d = tmp_path_factory.mktemp("imgs")
    rng = np.random.default_rng(3)
    for i in range(3):
        Image.fromarray(blocks_image(rng, 60)).save(d / f"paint_{i}.png")
    return d


def _generate(images, out, seed):
    from xrf_napari.synth.dataset import list_images

    cfg = GenerateConfig(
        out=str(out),
        n_cubes=2,
        size=32,
        seed=seed,
        style="paper",
        images=[str(p) for p in list_images(images)],
        native=True,
    )
    return generate_dataset(cfg, workers=1, progress=False, images_dir=str(images))


def test_fixed_seed_gives_the_same_cube(images, tmp_path):
    _generate(images, tmp_path / "a", 5)
    _generate(images, tmp_path / "b", 5)
    _generate(images, tmp_path / "c", 6)
    for name in ("cube_00000.h5", "cube_00001_native.h5"):
        with (
            h5py.File(tmp_path / "a" / name) as fa,
            h5py.File(tmp_path / "b" / name) as fb,
            h5py.File(tmp_path / "c" / name) as fc,
        ):
            assert np.array_equal(fa["counts"][()], fb["counts"][()])
            assert np.array_equal(fa["targets/labels"][()], fb["targets/labels"][()])
            assert fa.attrs["metadata"] == fb.attrs["metadata"]
            assert not np.array_equal(fa["counts"][()], fc["counts"][()])


def test_files_open_with_every_reader(images, tmp_path):
    from xrf_napari import read_cube
    from xrf_napari._reader import napari_get_reader
    from xrf_napari.io.project_h5 import read_targets
    from xrf_napari.training.data import read_cube_arrays

    mpath = _generate(images, tmp_path, 0)
    m = json.loads(mpath.read_text())
    assert m["generator"] == ps.GENERATOR and m["style"] == "paper" and len(m["cubes"]) == 2
    cube = read_cube(tmp_path / "cube_00000.h5")
    assert cube.shape == (32, 32, 512) and cube.energy[0] == pytest.approx(1.025)
    assert cube.metadata["style"] == "paper" and cube.metadata["profile"]["anode"] == "Mo"
    native = read_cube(tmp_path / "cube_00000_native.h5")
    e = native.energy
    assert native.shape == (32, 32, 1024) and e[0] - (e[1] - e[0]) / 2 == pytest.approx(0.5)
    assert e[-1] + (e[1] - e[0]) / 2 == pytest.approx(38.5)
    t = read_targets(tmp_path / "cube_00000.h5")
    assert set(t) == {"rgb", "palette", "labels"} and t["palette"].shape == (32, 32, 3)
    path = str(tmp_path / "cube_00000.h5")
    layers = napari_get_reader(path)(path)  # the napari reader (no viewer needed)
    assert layers[0][0].shape == (512, 32, 32) and layers[0][2] == "image"
    counts, labels, meta = read_cube_arrays(tmp_path / "cube_00000.h5")  # what training reads
    assert counts.shape == (32, 32, 512)
    assert np.array_equal(labels, t["labels"]) and len(meta["regions"]) == labels.max() + 1
