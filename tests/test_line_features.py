"""Element-line features beside the latent: physics-anchored, instrument- and count-free inputs."""

import json

import numpy as np
import pytest

from xrf_napari.analysis.line_features import FEATURE_ELEMENTS, line_features, shares
from xrf_napari.analysis.maps import gaussian_channels
from xrf_napari.cube import cube_from_array
from xrf_napari.detector import detector_fwhm_kev
from xrf_napari.energy import Calibration, canonical_rebinner


def _spectrum(lines, edges, fwhm=150.0, continuum=3.0):
    """Counts over `edges` (keV) for {energy: area} lines on a flat continuum (per keV)."""
    y = np.full(len(edges) - 1, continuum * float(np.diff(edges).mean()))
    for e, area in lines.items():
        y += area * gaussian_channels(edges, e, float(detector_fwhm_kev(e, fwhm)))
    return y


CD = {23.17: 800.0, 26.1: 140.0, 3.13: 60.0}  # Cd K-alpha, K-beta, L-alpha
PB = {10.55: 900.0, 12.61: 700.0, 14.76: 80.0, 2.35: 200.0}  # Pb L-alpha, L-beta, L-gamma, M


def _features(lines, n_channels, gain_kev, scale=1.0):
    cal = Calibration(0.0, gain_kev)
    edges = cal.edges(n_channels)
    counts = scale * _spectrum(lines, edges)
    canonical = canonical_rebinner(cal, n_channels)(counts[None].astype(np.float32))
    return dict(zip(FEATURE_ELEMENTS, line_features()(canonical)[0]))


def test_a_line_names_its_element_and_mixtures_keep_both():
    cd = _features(CD, 2048, 0.02)
    assert max(cd, key=cd.get) == "Cd" and cd["Cd"] > 0.8
    assert all(v < 0.25 for k, v in cd.items() if k != "Cd")
    tint = _features({**{e: a * 0.1 for e, a in CD.items()}, **PB}, 2048, 0.02)
    # a 10 % cadmium line share in a lead-white tint stays clearly visible after the sqrt
    assert tint["Pb"] > tint["Cd"] > 0.2


def test_features_do_not_depend_on_count_level_channel_count_or_gain():
    a = _features({**CD, **PB}, 1024, 0.04, scale=10.0)
    b = _features({**CD, **PB}, 4096, 0.01, scale=100.0)
    c = _features({**CD, **PB}, 2048, 0.02, scale=30.0)
    for k in FEATURE_ELEMENTS:
        assert abs(a[k] - b[k]) < 0.05 and abs(a[k] - c[k]) < 0.05, k


def test_shares_are_bounded_and_quiet_without_lines():
    net = np.array([[0.0] * 19, [-5.0] * 19, [100.0] + [0.0] * 18])
    f = shares(net)
    assert f.shape == (3, 19) and np.all((f >= 0) & (f <= 1))
    assert f[0].max() == 0 and f[1].max() == 0  # negative noise is not a line
    assert f[2, 0] == pytest.approx(np.sqrt(100 / 104))


def test_iter_embed_with_features_is_latent_then_features(tmp_path):
    torch = pytest.importorskip("torch")
    from xrf_napari.analysis.embed import embed
    from xrf_napari.models.dve import build_from_config
    from xrf_napari.models.weights import save_weights

    torch.manual_seed(0)
    dve = build_from_config({})
    save_weights(dve.state_dict(), tmp_path / "dve.safetensors", dve.config)
    cal = Calibration(0.0, 0.02)
    edges = cal.edges(2048)
    counts = np.stack([_spectrum(CD, edges), _spectrum(PB, edges)] * 6).reshape(3, 4, 2048)
    cube = cube_from_array(np.random.default_rng(0).poisson(counts).astype(np.uint16), cal)
    w = str(tmp_path / "dve.safetensors")
    plain = embed(cube, weights=w, device="cpu")
    both = embed(cube, weights=w, device="cpu", features=line_features())
    assert both.shape == (3, 4, 3 + len(FEATURE_ELEMENTS))
    np.testing.assert_allclose(both[..., :3], plain, atol=1e-5)
    cd = 3 + FEATURE_ELEMENTS.index("Cd")
    assert both[0, 0, cd] > 0.8 and both[0, 1, cd] < 0.2  # pixel 0 holds Cd, pixel 1 Pb


@pytest.mark.parametrize("prior", [False, True])
def test_recolouriser_reading_line_features_end_to_end(tmp_path, prior):
    """Line features (and, with colour_prior, the colour they name) reach the model."""
    torch = pytest.importorskip("torch")
    from xrf_napari.analysis.recolour import recolour
    from xrf_napari.models.dve import build_from_config as build_dve
    from xrf_napari.models.uvit import SmallUViT
    from xrf_napari.models.weights import save_weights

    torch.manual_seed(0)
    dve = build_dve({})
    save_weights(dve.state_dict(), tmp_path / "dve.safetensors", dve.config)
    n_in = 3 + len(FEATURE_ELEMENTS) + (4 if prior else 0)
    cfg = {
        "colour_prior": prior,
        "img_size": 32,
        "patch": 8,
        "dim": 18,
        "depth": 3,
        "heads": 9,
        "pixel_skip": True,
        "head_hidden": 4,
        "pixel_branch": 8,
        "token_chans": 4,
        "in_chans": n_in,
        "line_elements": list(FEATURE_ELEMENTS),
        "latent_mean": [0.0] * n_in,
        "latent_std": [1.0] * n_in,
    }
    model = SmallUViT(cfg)
    # the patch tokens see the folded input, not 5 x p x p x 22 raw values
    assert model.embed.proj.in_features == 5 * 4 * 8 * 8
    save_weights(model.state_dict(), tmp_path / "uvit.safetensors", model.config)
    seen = []
    forward = SmallUViT.forward
    SmallUViT.forward = lambda self, x: (seen.append(x.detach().clone()), forward(self, x))[1]
    cal = Calibration(0.0, 0.04)  # 0-41 keV: Cd K-alpha at 23.2 keV inside
    edges = cal.edges(1024)
    counts = np.broadcast_to(_spectrum(CD, edges), (20, 24, 1024))
    cube = cube_from_array(np.random.default_rng(1).poisson(counts).astype(np.uint16), cal)
    try:
        res = recolour(
            cube,
            weights=str(tmp_path / "uvit.safetensors"),
            embedder_weights=str(tmp_path / "dve.safetensors"),
            device="cpu",
        )
    finally:
        SmallUViT.forward = forward
    assert res.rgb.shape == (20, 24, 3) and np.isfinite(res.rgb).all()
    assert seen and seen[0].shape[1] == n_in
    if prior:  # the last four channels: Cd's yellow and the "named" flag, on every pixel
        r, g, b, flag = (seen[0][:, -4:, :20, :24].mean(dim=(0, 2, 3))).tolist()
        assert flag == pytest.approx(1.0) and r > g > b
    assert res.latent.shape == (20, 24, 3)  # the latent alone, as for latent-only models
    # the line features also say where the colour is named: Cd everywhere
    assert res.ambiguity is not None and not res.ambiguity.ambiguous.any()
    with pytest.raises(ValueError, match="in_chans"):
        SmallUViT({**cfg, "in_chans": 19, "latent_mean": [0.0] * 19, "latent_std": [1.0] * 19})
    with pytest.raises(ValueError, match="colour_prior"):
        SmallUViT({**cfg, "line_elements": [], "colour_prior": True})


@pytest.mark.parametrize("prior", [False, True])
def test_training_with_line_features_records_them(tmp_path, capsys, prior):
    torch = pytest.importorskip("torch")
    from test_train_recolouriser import _dataset

    from xrf_napari.cli.train import main
    from xrf_napari.models.dve import build_from_config
    from xrf_napari.models.weights import load_weights, save_weights

    torch.manual_seed(0)
    dve = build_from_config({})
    save_weights(dve.state_dict(), tmp_path / "dve.safetensors", dve.config)
    elements = ["Fe", "Cu", "Pb"]
    cfg = {
        "model": {
            "patch": 8,
            "dim": 18,
            "depth": 3,
            "heads": 9,
            "head_hidden": 4,
            "pixel_skip": True,
            "pixel_branch": 8,
            "token_chans": 4,
            "line_elements": elements,
            "colour_prior": prior,
        },
        "crop": 32,
        "batch": 4,
        "log_every": 2,
        "warmup": 1,
    }
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    train = _dataset(tmp_path / "train", 4, 40, 0)
    test = _dataset(tmp_path / "test", 1, 64, 100)
    out = tmp_path / "run"
    args = ["--embedder", str(tmp_path / "dve.safetensors"), "--device", "cpu", "--no-progress"]
    assert (
        main(
            ["recolouriser", "--data", str(train), "--out", str(out)]
            + ["--config", str(tmp_path / "cfg.json"), "--steps", "2", "--baseline-steps", "2"]
            + args
        )
        == 0
    )
    _, wcfg = load_weights(out / "uvit.safetensors")
    n_in = 6 + (4 if prior else 0)
    assert wcfg["line_elements"] == elements and wcfg["in_chans"] == n_in
    assert wcfg["colour_prior"] is prior and len(wcfg["latent_mean"]) == n_in
    _, mcfg = load_weights(out / "pixel_mlp.safetensors")
    assert mcfg["in_chans"] == n_in  # the baseline reads the same input
    with np.load(out / "latent_cache.npz") as z:
        assert z["latent_0"].shape[-1] == 6
    capsys.readouterr()
    ev = tmp_path / "eval"
    assert (
        main(
            ["evaluate", "--data", str(test), "--weights", str(out / "uvit.safetensors")]
            + ["--out", str(ev), "--no-ari"]
            + args
        )
        == 0
    )
    result = json.loads((ev / "eval.json").read_text())
    assert {"uvit/palette", "pixel_mlp/palette"} <= set(result["summary"])


def test_features_keep_the_overlap_rules_the_models_were_trained_with(monkeypatch):
    """Maps learn new overlap fits (K, Ca, Cd L, Sn L, Sb L in session 24); the line features a
    trained recolouriser reads must not change with them (they changed the K and Ca columns by up
    to 1.1 before)."""
    from xrf_napari.analysis import maps

    trained = line_features.__wrapped__().weights
    monkeypatch.setitem(maps.FIT_GROUPS, ("Fe", "Ka"), (("Co", "Mn"), 0.5))
    assert np.array_equal(line_features.__wrapped__().weights, trained)
    plans = maps.plan_maps(["K", "Ca"], (1.0, 26.6), present=FEATURE_ELEMENTS)
    assert [p.method for p in plans] == ["fit", "fit"]  # while maps fit them
