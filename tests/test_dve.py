"""DVE embedder: training, resume, chunk invariance, weights safety, clustering helpers."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from xrf_napari.analysis.embed import (
    cluster,
    cluster_spectra,
    embed,
    latent_to_rgb,  # noqa: E402
    load_embedder,
)
from xrf_napari.cube import cube_from_array  # noqa: E402
from xrf_napari.energy import Calibration  # noqa: E402
from xrf_napari.models.dve import build_from_config, normalise  # noqa: E402
from xrf_napari.models.weights import WeightsError, load_weights, save_weights  # noqa: E402
from xrf_napari.training.dve_losses import silhouette_loss  # noqa: E402
from xrf_napari.training.toy_data import toy_cube, write_toy_dataset  # noqa: E402
from xrf_napari.training.train_embedder import DEFAULT_TRAIN_CONFIG, train  # noqa: E402

TINY_MODEL = {"hidden": [32, 16, 8]}


def tiny_config(steps=30, **over):
    cfg = json.loads(json.dumps(DEFAULT_TRAIN_CONFIG))
    cfg.update(
        model={**cfg["model"], **TINY_MODEL},
        steps=steps,
        cubes_per_batch=4,
        pixels_per_cube_batch=48,
        pixels_per_cube=256,
        warmup_steps=3,
        log_every=5,
        checkpoint_every=10,
        mmd_samples=128,
        lr=3e-3,
        silhouette_ramp=0.0,
    )
    cfg.update(over)
    return cfg


@pytest.fixture(scope="module")
def toy_dataset(tmp_path_factory):
    return write_toy_dataset(tmp_path_factory.mktemp("toy") / "train", n_cubes=4, size=24, seed=3)


@pytest.fixture(scope="module")
def random_weights(tmp_path_factory):
    torch.manual_seed(1)
    model = build_from_config(TINY_MODEL)
    path = tmp_path_factory.mktemp("w") / "dve_random.safetensors"
    save_weights(model.state_dict(), path, model.config)
    return path


def test_tiny_training_loss_falls(toy_dataset, tmp_path):
    metrics = train(toy_dataset, tmp_path, tiny_config(steps=40), device_name="cpu", progress=False)
    curves = metrics["curves"]
    for name in ("recon", "silhouette_loss"):
        first, last = curves[name][0][1], curves[name][-1][1]
        assert last < first, (name, curves[name])
    for f in ("dve.safetensors", "metrics.json", "loss_curve.png", "config.json", "checkpoint.pt"):
        assert (tmp_path / f).is_file(), f
    state, config = load_weights(tmp_path / "dve.safetensors")
    assert config["hidden"] == TINY_MODEL["hidden"] and config["training"]["steps"] == 40
    assert json.loads((tmp_path / "config.json").read_text())["resolved"]["n_cubes"] == 4


def test_resume_after_interruption_gives_same_weights(toy_dataset, tmp_path):
    cfg = tiny_config(steps=20)
    train(
        toy_dataset,
        tmp_path / "straight",
        json.loads(json.dumps(cfg)),
        device_name="cpu",
        progress=False,
    )
    out = train(
        toy_dataset,
        tmp_path / "split",
        json.loads(json.dumps(cfg)),
        device_name="cpu",
        progress=False,
        stop_after=13,
    )
    assert out == {"interrupted_at": 13}  # the last checkpoint is at step 10: 3 steps are redone
    train(toy_dataset, tmp_path / "split", cfg, device_name="cpu", resume=True, progress=False)
    a, _ = load_weights(tmp_path / "straight" / "dve.safetensors")
    b, _ = load_weights(tmp_path / "split" / "dve.safetensors")
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_resume_refuses_other_settings_or_data(toy_dataset, tmp_path, capsys):
    """--resume used the checkpoint's config and dropped --steps, --lr, --seed without a word, and
    trained the rest of the run on whatever --data named while the weights claimed it throughout.
    Only --checkpoint-every may change (checkpointing draws no random numbers)."""
    from xrf_napari.cli.train import main

    cfg = tiny_config(steps=20)
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    out = tmp_path / "run"
    train(
        toy_dataset,
        out,
        json.loads(json.dumps(cfg)),
        device_name="cpu",
        progress=False,
        stop_after=12,
    )
    ckpt = (out / "checkpoint.pt").read_bytes()
    other = write_toy_dataset(tmp_path / "other", n_cubes=3, size=24, seed=9)
    base = ["embedder", "--out", str(out), "--config", str(tmp_path / "cfg.json")]
    base += ["--device", "cpu", "--no-progress", "--resume"]
    for extra, named in (
        (["--data", str(toy_dataset), "--steps", "40"], "steps 20 there, 40 now"),
        (
            ["--data", str(toy_dataset), "--lr", "0.5", "--seed", "7"],
            "seed 0 there, 7 now; lr 0.003 there, 0.5 now",
        ),
        (["--data", str(other)], f"--data: other cube files than the run's {toy_dataset}"),
    ):
        assert main(base + extra) == 2
        assert named in capsys.readouterr().err
    assert (out / "checkpoint.pt").read_bytes() == ckpt and not (out / "dve.safetensors").exists()
    assert main(base + ["--data", str(toy_dataset), "--checkpoint-every", "5"]) == 0
    assert load_weights(out / "dve.safetensors")[1]["training"]["steps"] == 20


def test_documented_command_checkpoints_and_trains_the_shipped_config(monkeypatch):
    """docs/training.md's `embedder --config configs/embedder.json` wrote no checkpoint before its
    last step (checkpoint_every 100000 for 5000 steps), so a killed run could not be resumed; it
    must resolve to the config the shipped weights were trained with (the manifest's command)."""
    import argparse
    import shlex
    from pathlib import Path

    from xrf_napari.models.weights import manifest
    from xrf_napari.training.train_embedder import configure, resolve_config

    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(root)
    parser = argparse.ArgumentParser()
    configure(parser)
    docs = (root / "docs" / "training.md").read_text()
    documented = "embedder --data data/train --out runs/dve --config configs/embedder.json"
    assert f"xrf-napari-train {documented}\n" in docs
    shipped = shlex.split(manifest()["dve"]["command"])
    configs = [resolve_config(parser.parse_args(a)) for a in (documented.split()[1:], shipped[2:])]
    _, trained = load_weights(root / "src/xrf_napari/weights/dve.safetensors")
    trained = {**trained["training"], "model": {k: trained[k] for k in configs[0]["model"]}}
    for cfg in configs:
        assert cfg["checkpoint_every"] * 2 <= cfg["steps"]
        assert {k: v for k, v in cfg.items() if k != "comment"} == {
            k: v for k, v in trained.items() if k not in ("comment", "resolved")
        }


def test_embedding_is_chunk_invariant(random_weights):
    counts, _, _ = toy_cube(13, 11, n_regions=3, seed=5, energy=Calibration(0.0, 0.02).energy(1300))
    cube = cube_from_array(counts, Calibration(0.0, 0.02))
    ref = embed(cube, weights=random_weights, device="cpu")
    assert ref.shape == (13, 11, 3) and ref.dtype == np.float32
    for chunk in (1, 7, 50, 11 * 3):
        got = embed(cube, weights=random_weights, device="cpu", chunk_pixels=chunk)
        np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)
    # Same as encoding the whole cube on the canonical grid at once.
    emb = load_embedder(random_weights, "cpu")
    direct = emb.encode(cube.to_canonical().reshape(-1, 512)).reshape(13, 11, 3)
    np.testing.assert_allclose(direct, ref, rtol=1e-5, atol=1e-6)


def test_hellinger_is_the_square_root_of_the_channel_fractions_in_and_out_of_autograd():
    """The square root runs through numpy on CPU tensors outside autograd (torch's kernel is slow
    on zeros): the same values as torch's, the input untouched unless in place, and a tensor that
    needs gradients still gets them."""
    from xrf_napari.models.dve import normalise_parts

    counts = torch.poisson(torch.full((50, 512), 0.3))  # mostly zeros, like real channels
    counts[3] = 0.0  # an empty pixel
    keep = counts.clone()
    want = (counts * 512 / counts.sum(1, keepdim=True).clamp_min(1e-6)).sqrt()
    base, scale = normalise_parts(counts)
    assert torch.equal(counts, keep)
    torch.testing.assert_close(base * scale, want)
    assert torch.equal(base, counts.sqrt())
    base_in, _ = normalise_parts(counts.clone(), inplace=True)
    assert torch.equal(base_in, base)
    x = (counts + 1.0).requires_grad_(True)
    out = normalise(x)
    out.sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()


def test_normalisation_ignores_count_level_and_fused_path_matches():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(512))
    low = torch.from_numpy(p * 100.0).float()[None]
    high = torch.from_numpy(p * 10000.0).float()[None]
    for method in ("hellinger", "fraction"):
        np.testing.assert_allclose(normalise(low, method), normalise(high, method), rtol=1e-5)
    np.testing.assert_allclose(normalise(high).square().mean(), 1.0, rtol=1e-5)
    model = build_from_config({}).eval()
    x = torch.poisson(torch.rand(64, 512) * 3)
    with torch.no_grad():
        np.testing.assert_allclose(
            model.encode_counts_mean(x.clone()),
            model.encode_mean(normalise(x)),
            rtol=1e-4,
            atol=1e-5,
        )
        assert torch.isfinite(model.encode_counts_mean(torch.zeros(2, 512))).all()  # empty pixels


def test_weights_round_trip_and_hash_check(random_weights, tmp_path):
    state, config = load_weights(random_weights)
    model = build_from_config(config)
    model.load_state_dict(state)
    x = np.random.default_rng(0).poisson(2.0, (20, 512)).astype(np.float32)
    emb = load_embedder(random_weights, "cpu")
    with torch.no_grad():
        want = model.encode_mean(normalise(torch.from_numpy(x))).numpy()
    np.testing.assert_allclose(emb.encode(x), want, rtol=1e-5, atol=1e-6)
    with pytest.raises(WeightsError, match="corrupt or not the expected version"):
        load_weights(random_weights, expected_sha256="0" * 64)


def test_shipped_weights_load_and_separate_pigments():
    """The shipped (trained) embedder puts the painted test cube's four pigments far apart
    compared with the Poisson scatter inside each (a random-initialised DVE of the same shape
    gives a ratio below 1; the trained one about 38)."""
    from _napari_helpers import PIGMENTS, painted_counts
    from scipy.spatial.distance import pdist

    from xrf_napari.models.weights import manifest

    emb = load_embedder(None, "cpu")  # resolve_weights checks the manifest's SHA-256
    assert emb.path.name == "dve.safetensors" and emb.sha256 == manifest()["dve"]["sha256"]
    counts, labels = painted_counts()
    z = emb.encode(counts.reshape(-1, 512).astype(np.float32))
    assert z.shape == (labels.size, 3) and np.isfinite(z).all()
    lab = labels.ravel()
    centres = np.stack([z[lab == k].mean(0) for k in range(1, len(PIGMENTS) + 1)])
    spread = max(
        np.linalg.norm(z[lab == k] - centres[k - 1], axis=1).mean()
        for k in range(1, len(PIGMENTS) + 1)
    )
    assert pdist(centres).min() > 10 * spread


def test_corrupted_weights_file_gives_clear_error(random_weights, tmp_path):
    bad = tmp_path / "broken.safetensors"
    data = bytearray(random_weights.read_bytes())
    data[:8] = b"\xff" * 8  # header length field: nonsense
    bad.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="broken.safetensors"):
        load_embedder(bad, "cpu")
    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes(random_weights.read_bytes()[:1000])
    with pytest.raises(WeightsError, match="truncated.safetensors"):
        load_embedder(truncated, "cpu")


def test_cluster_recovers_blobs_and_chooses_k():
    from sklearn.metrics import adjusted_rand_score

    rng = np.random.default_rng(0)
    truth = np.repeat(np.arange(4), 300)
    centres = np.array([[0, 0, 0], [6, 0, 0], [0, 6, 0], [0, 0, 6]], dtype=np.float32)
    latent = (centres[truth] + rng.normal(0, 0.4, (1200, 3))).astype(np.float32)
    perm = rng.permutation(1200)
    latent, truth = latent[perm].reshape(30, 40, 3), truth[perm].reshape(30, 40)
    fixed = cluster(latent, 4)
    assert adjusted_rand_score(truth.ravel(), fixed.labels.ravel()) > 0.99
    assert fixed.labels.min() == 1 and fixed.labels.max() == 4 and fixed.centers.shape == (4, 3)
    sizes = np.bincount(fixed.labels.ravel())[1:]
    assert np.all(np.diff(sizes) <= 0)  # label 1 is the largest cluster
    auto = cluster(latent, None, k_range=(2, 8))
    assert auto.k == 4 and auto.silhouette > 0.7
    mask = np.ones((30, 40), bool)
    mask[:5] = False
    masked = cluster(latent, 4, mask=mask)
    assert (masked.labels[:5] == 0).all() and (masked.labels[5:] > 0).all()
    with pytest.raises(ValueError, match="too few pixels to find regions: 1 .*spot spectrum"):
        cluster(latent[:1, :1], None)  # a spot spectrum: the message says what to do instead


def test_alike_pixels_are_not_split_at_random():
    """A scan without counts (the real space-keys ripple file) embeds every pixel to one point:
    one region, not K random pieces of identical pixels (was 8 with a scikit-learn warning); with
    two distinct points automatic K stops at 2 and a larger fixed K is a clear error."""
    import warnings

    flat = np.zeros((3, 3, 3), np.float32)
    for k in (None, 4):
        one = cluster(flat, k)
        assert one.k == 1 and (one.labels == 1).all() and one.silhouette is None
    two = np.zeros((6, 6, 3), np.float32)
    two[:2] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning about duplicate points
        auto = cluster(two, None)
    assert (
        auto.k == 2
        and len(np.unique(auto.labels[:2])) == 1
        and auto.labels[0, 0] != (auto.labels[5, 5])
    )
    with pytest.raises(ValueError, match="only 2 distinct embeddings"):
        cluster(two, 3)


def test_automatic_k_leans_finer_with_a_wider_tolerance():
    """Two groups of two close blobs: the silhouette alone prefers the 2 groups; pick_k's
    tolerance takes the finer split that is nearly as well separated (4 blobs), and the wider
    tolerance of the lines + photograph regions (colour_prior.REGION_K) splits further still."""
    from xrf_napari.analysis.colour_prior import REGION_K

    rng = np.random.default_rng(0)
    truth = np.repeat(np.arange(4), 300)
    centres = np.array([[0, -1.5, 0], [0, 1.5, 0], [10, -1.5, 0], [10, 1.5, 0]], np.float32)
    latent = (centres[truth] + rng.normal(0, 0.3, (1200, 3))).astype(np.float32)
    latent = latent[rng.permutation(1200)].reshape(30, 40, 3)
    assert cluster(latent, None, k_range=(2, 8), tolerance=0.0).k == 2
    assert cluster(latent, None, k_range=(2, 8)).k == 4
    assert cluster(latent, None, **REGION_K).k > 4


def test_cluster_spectra_matches_numpy():
    rng = np.random.default_rng(1)
    data = rng.poisson(3.0, (17, 9, 40)).astype(np.uint16)
    labels = rng.integers(0, 4, (17, 9)).astype(np.int32)  # 0 = masked
    cube = cube_from_array(data)
    spectra, counts = cluster_spectra(cube, labels, block_bytes=9 * 40 * 4 * 3)  # 3-row blocks
    for k in range(1, 4):
        sel = data[labels == k].astype(np.float64)
        np.testing.assert_allclose(spectra[k - 1], sel.mean(0))
        assert counts[k - 1] == len(sel)
    labels[labels == 3] = 5  # labels 3 and 4 now empty: zero spectra, count 0
    spectra, counts = cluster_spectra(cube, labels, block_bytes=9 * 40 * 4 * 3)
    assert spectra.shape == (5, 40) and list(counts[2:4]) == [0, 0]
    assert not spectra[2:4].any()
    np.testing.assert_allclose(spectra[4], data[labels == 5].astype(np.float64).mean(0))


def test_cluster_spectra_reports_its_pass_row_by_row():
    """The dock's "Averaging each region's spectrum" stage shows progress (a full pass over the
    file) and can stop between blocks."""
    from xrf_napari.analysis.embed import iter_cluster_spectra

    rng = np.random.default_rng(1)
    cube = cube_from_array(rng.poisson(3.0, (17, 9, 40)).astype(np.uint16))
    labels = rng.integers(1, 4, (17, 9)).astype(np.int32)
    gen = iter_cluster_spectra(cube, labels, block_bytes=9 * 40 * 4 * 3)
    reports = []
    while True:
        try:
            reports.append(next(gen))
        except StopIteration as stop:
            spectra, _ = stop.value
            break
    assert reports[0] == (0, 17) and reports[-1] == (17, 17) and len(reports) >= 4
    assert all(b[0] > a[0] for a, b in zip(reports, reports[1:]))
    np.testing.assert_allclose(spectra, cluster_spectra(cube, labels)[0])


def test_silhouette_loss_matches_sklearn():
    from sklearn.metrics import silhouette_score

    rng = np.random.default_rng(2)
    pts = rng.normal(size=(2, 60, 3)).astype(np.float32)
    lab = rng.integers(0, 3, (2, 60))
    pts[0] += lab[0][:, None] * 1.5
    want = 1 - np.mean([silhouette_score(pts[i], lab[i]) for i in range(2)])
    got = silhouette_loss(torch.from_numpy(pts), torch.from_numpy(lab)).item()
    assert got == pytest.approx(want, abs=1e-3)


def test_silhouette_loss_mask_scores_only_the_masked_points():
    """Masked-out points (boundary mixtures) neither count as region members nor get scored: the
    loss equals sklearn's silhouette of the masked points alone."""
    from sklearn.metrics import silhouette_score

    rng = np.random.default_rng(4)
    pts = rng.normal(size=(1, 80, 3)).astype(np.float32)
    lab = rng.integers(0, 3, (1, 80))
    pts[0] += lab[0][:, None] * 2.0
    mask = rng.random((1, 80)) < 0.6
    pts[0, ~mask[0]] *= 5.0  # the unmasked points scatter: they would lower the silhouette
    want = 1 - silhouette_score(pts[0][mask[0]], lab[0][mask[0]])
    full = silhouette_loss(torch.from_numpy(pts), torch.from_numpy(lab)).item()
    got = silhouette_loss(
        torch.from_numpy(pts), torch.from_numpy(lab), mask=torch.from_numpy(mask)
    ).item()
    assert got == pytest.approx(want, abs=1e-3)
    assert full > got + 0.05


def test_latent_to_rgb_scales_each_axis():
    lat = np.stack(
        list(np.meshgrid(np.linspace(-3, 3, 20), np.linspace(0, 1, 10))) + [np.zeros((10, 20))], -1
    )
    rgb = latent_to_rgb(lat.astype(np.float32))
    assert rgb.shape == (10, 20, 3) and rgb.dtype == np.uint8
    assert rgb[..., 0].min() == 0 and rgb[..., 0].max() == 255 and rgb[..., 1].max() == 255
    assert (rgb[..., 2] == 0).all()  # a constant axis does not blow up


def test_a_weights_file_rewritten_at_the_same_path_is_loaded_again(tmp_path):
    # Before: the cache was keyed by path only, so the old model kept running while the embedder
    # check (recolour.embedder_mismatch) hashed the new file.
    import os

    from xrf_napari.analysis.embed import load_embedder
    from xrf_napari.models.weights import sha256_of

    path = tmp_path / "mine.safetensors"
    x = np.random.default_rng(0).poisson(3.0, (5, 512)).astype(np.float32)
    torch.manual_seed(0)
    a = build_from_config(TINY_MODEL)
    save_weights(a.state_dict(), path, a.config)
    first = load_embedder(path, "cpu")
    sha_a = sha256_of(path)
    za = first.encode(x)
    assert first.sha256 == sha_a and load_embedder(path, "cpu") is first  # cached while unchanged
    torch.manual_seed(1)
    b = build_from_config(TINY_MODEL)
    save_weights(b.state_dict(), path, b.config)
    st = path.stat()  # same size; make sure the time differs even on a coarse clock
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    second = load_embedder(path, "cpu")
    assert second is not first and second.sha256 == sha256_of(path) != sha_a
    assert not np.allclose(second.encode(x), za)
    assert first.sha256 == sha_a  # the old model keeps the hash of the file it was loaded from


def test_automatic_k_says_one_region_for_one_material_and_two_for_two():
    """Counting noise on one material is a single blob in the latent: every split of it scores a
    silhouette near 0.4, and automatic K used to pick 3-10 'regions' from it. Now K = 1 unless the
    best silhouette beats K-Means on a Gaussian blob of the points' own covariance (pick_k's null);
    two materials are still two regions at every count level."""
    from sklearn.metrics import adjusted_rand_score

    from xrf_napari import read_cube
    from xrf_napari._sample_data import sample_path
    from xrf_napari.analysis.embed import embed

    panel = read_cube(sample_path("panel"))
    d = np.asarray(panel.data[()], dtype=np.float64)
    a = d[5:15, 5:15].reshape(-1, d.shape[-1]).mean(0)
    b = d[80:90, 110:120].reshape(-1, d.shape[-1]).mean(0)
    rng = np.random.default_rng(1)
    truth = np.zeros((32, 32), int)  # 32 x 32 px: half the time of 48 x 48, K 3-12 on one
    truth[:, 16:] = 1  # material when pick_k ignores its null, as before
    for counts in (300, 2000, 20000):
        one = rng.poisson(np.broadcast_to(a / a.sum() * counts, (32, 32, len(a))))
        lat = embed(cube_from_array(one.astype(np.uint16), panel.calibration), device="cpu")
        assert cluster(lat, None).k == 1, counts
        mu = np.stack([a / a.sum() * counts, b / b.sum() * counts])[truth]
        two = embed(
            cube_from_array(rng.poisson(mu).astype(np.uint16), panel.calibration), device="cpu"
        )
        res = cluster(two, None)
        assert res.k == 2 and adjusted_rand_score(truth.ravel(), res.labels.ravel()) > 0.99, counts
    # The null on its own: a Gaussian blob scores about 0.4 split in two; pick_k's rule.
    from xrf_napari.analysis.embed import null_silhouette, pick_k

    blob = rng.normal(size=(2000, 3)) * [3.0, 1.0, 0.3]
    assert 0.3 < null_silhouette(blob, (2, 3)) < 0.5
    assert pick_k({2: 0.45, 3: 0.4}, null=0.41) == 1 and pick_k({2: 0.97, 3: 0.7}, null=0.55) == 2
    assert pick_k({2: 0.45, 3: 0.4}) == 3  # without a null: the old rule


def test_negative_values_count_as_zero_in_the_normalisation_total():
    """An in-memory float cube minus a background has negative values: the Hellinger total was
    taken before clamping them, so sqrt(C / total) blew up (latents of +-3e4 on the panel - 3)."""
    from xrf_napari.models.dve import normalise_parts

    rng = np.random.default_rng(2)
    counts = torch.from_numpy(rng.poisson(2.0, (20, 512)).astype(np.float32)) - 1.9
    counts[0] = torch.linspace(-1.0, 1.0, 512)  # a signed sum of about 0
    clamped = counts.clamp(min=0.0)
    for method in ("hellinger", "fraction"):
        for inplace in (False, True):
            base, scale = normalise_parts(counts.clone(), method, inplace=inplace)
            want_b, want_s = normalise_parts(clamped, method)
            torch.testing.assert_close(base * scale, want_b * want_s)
    emb = load_embedder(None, "cpu")
    z = emb.encode(counts.numpy())
    assert np.isfinite(z).all() and np.abs(z).max() < 20
    np.testing.assert_allclose(z, emb.encode(clamped.numpy()), atol=1e-5)
