"""Headless `xrf-napari embed`: every output file, with the right shapes."""

import csv

import numpy as np
import pytest

torch = pytest.importorskip("torch")
h5py = pytest.importorskip("h5py")

from xrf_napari.cli.main import main  # noqa: E402
from xrf_napari.energy import Calibration  # noqa: E402
from xrf_napari.io.project_h5 import write_cube  # noqa: E402
from xrf_napari.models.dve import build_from_config  # noqa: E402
from xrf_napari.models.weights import save_weights  # noqa: E402
from xrf_napari.training.toy_data import toy_cube  # noqa: E402

H, W, C = 21, 17, 700


@pytest.fixture(scope="module")
def cube_and_weights(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    cal = Calibration(-0.1, 0.04)
    counts, _, _ = toy_cube(H, W, n_regions=3, seed=4, energy=cal.energy(C))
    path = write_cube(d / "scan.h5", counts, cal, metadata={"name": "scan"})
    torch.manual_seed(0)
    model = build_from_config({"hidden": [16, 8, 4], "activation": "tanh"})  # no dead units
    weights = d / "w.safetensors"
    save_weights(model.state_dict(), weights, model.config)
    return path, weights, counts


def test_embed_cli_writes_all_outputs(cube_and_weights, tmp_path):
    from PIL import Image

    cube_path, weights, counts = cube_and_weights
    before = cube_path.read_bytes()
    out = tmp_path / "result"
    rc = main(
        [
            "embed",
            str(cube_path),
            "--output",
            str(out),
            "--clusters",
            "3",
            "--weights",
            str(weights),
            "--device",
            "cpu",
            "--chunk-pixels",
            "50",
            "--no-progress",
        ]
    )
    assert rc == 0
    assert cube_path.read_bytes() == before  # input untouched
    with h5py.File(out / "latent.h5") as f:
        assert f["latent"].shape == (H, W, 3) and f["latent"].dtype == np.float32
    with h5py.File(out / "labels.h5") as f:
        labels = f["labels"][()]
        assert labels.shape == (H, W) and f.attrs["k"] == 3
        assert set(np.unique(labels)) == {1, 2, 3}
        assert f["centers"].shape == (3, 3)
        assert f["pixel_counts"][()].sum() == H * W
    assert np.asarray(Image.open(out / "latent.png")).shape == (H, W, 3)
    assert np.asarray(Image.open(out / "labels.png")).shape[:2] == (H, W)
    lines = (out / "cluster_spectra.csv").read_text().splitlines()
    pixels = [int(p.split("=")[1]) for p in lines[1].split(": ", 1)[1].split(",")]
    assert sum(pixels) == H * W and len(pixels) == 3
    rows = list(csv.reader(ln for ln in lines[2:] if not ln.startswith("#")))  # + the tube line
    assert rows[0] == ["energy_keV", "cluster_1", "cluster_2", "cluster_3"]
    table = np.array(rows[1:], dtype=float)
    assert table.shape == (C, 4)
    np.testing.assert_allclose(table[:, 0], Calibration(-0.1, 0.04).energy(C), atol=1e-5)
    # Counts-weighted mean spectra add up to the cube's sum spectrum.
    total = (table[:, 1:] * np.array(pixels)).sum(1)
    np.testing.assert_allclose(total, counts.reshape(-1, C).sum(0), rtol=1e-4, atol=1e-2)


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Do two labellings split the pixels the same way (whatever the label numbers)?"""
    pairs = {(int(x), int(y)) for x, y in zip(a.ravel(), b.ravel())}
    return len(pairs) == len(np.unique(a)) == len(np.unique(b))


def test_embed_cli_prefix_output_and_auto_k(cube_and_weights, tmp_path):
    """Three bands of paint whose spectra share no line: any embedder keeps them apart, so the
    silhouette must choose K = 3 and the regions must be the bands; a range above 3 is obeyed."""
    from _spectra import line_spectrum

    _, weights, _ = cube_and_weights
    cal = Calibration(-0.1, 0.04)
    truth = np.repeat(np.arange(1, 4), H // 3)[:, None].repeat(W, axis=1)
    lines = [line_spectrum([(e, 3000.0)], cal=cal, n=C) for e in (3.69, 6.40, 14.16)]  # Ca, Fe, Sr
    counts = np.random.default_rng(0).poisson(np.stack(lines)[truth - 1]).astype(np.uint16)
    cube_path = write_cube(tmp_path / "bands.h5", counts, cal, metadata={"name": "bands"})
    rc = main(
        [
            "embed",
            str(cube_path),
            "-o",
            str(tmp_path / "scan1_"),
            "--weights",
            str(weights),
            "--k-range",
            "2",
            "4",
            "--no-progress",
        ]
    )
    assert rc == 0
    for name in ("latent.h5", "latent.png", "labels.h5", "labels.png", "cluster_spectra.csv"):
        assert (tmp_path / f"scan1_{name}").is_file()
    with h5py.File(tmp_path / "scan1_labels.h5") as f:
        assert f.attrs["k"] == 3
        assert same_partition(f["labels"][()], truth)
    rc = main(
        [
            "embed",
            str(cube_path),
            "-o",
            str(tmp_path / "scan2_"),
            "--weights",
            str(weights),
            "--k-range",
            "4",
            "5",
            "--no-progress",
        ]
    )
    with h5py.File(tmp_path / "scan2_labels.h5") as f:
        assert rc == 0 and f.attrs["k"] in (4, 5)


def test_embed_cli_bad_input_is_one_clear_error(tmp_path, capsys):
    missing = tmp_path / "nope.h5"
    rc = main(["embed", str(missing), "--output", str(tmp_path / "o"), "--no-progress"])
    assert rc == 2
    assert "nope.h5" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_embed_cli_pools_a_low_count_scan_and_says_so(cube_and_weights, tmp_path, capsys):
    """Under POOL_BELOW_COUNTS counts per pixel the latent is that of the 3 x 3 pooled counts
    (a note says so); --no-pool keeps pixels apart."""
    from xrf_napari.analysis.embed import load_embedder
    from xrf_napari.analysis.pooling import POOL_BELOW_COUNTS, pool3

    _, weights, _ = cube_and_weights
    rng = np.random.default_rng(3)
    cal = Calibration(1.025, 0.05)  # the canonical grid: counts reach the DVE as they are
    low = rng.poisson(0.2, (12, 10, 512)).astype(np.uint16)  # about 100 counts per pixel
    path = write_cube(tmp_path / "low.h5", low, cal, metadata={"name": "low"})
    latents = {}
    for flag in ([], ["--no-pool"]):
        out = tmp_path / f"o{len(flag)}"
        args = ["embed", str(path), "-o", str(out), "--weights", str(weights), "-k", "2"]
        assert main(args + ["--no-progress", "--device", "cpu"] + flag) == 0
        err = capsys.readouterr().err
        assert ("3 x 3 neighbourhood pooled" in err) == (not flag)
        with h5py.File(out / "latent.h5", "r") as f:
            latents[bool(flag)] = f["latent"][()]
    emb = load_embedder(weights, "cpu")
    pooled = emb.encode(pool3(low).reshape(-1, 512)).reshape(12, 10, -1)
    np.testing.assert_allclose(latents[False], pooled, rtol=1e-4, atol=1e-5)
    plain = emb.encode(low.reshape(-1, 512).astype(np.float32)).reshape(12, 10, -1)
    np.testing.assert_allclose(latents[True], plain, rtol=1e-4, atol=1e-5)
    assert low.sum(axis=-1).mean() < POOL_BELOW_COUNTS
