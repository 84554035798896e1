"""Weights given by path and training checkpoints (issue 16): bad files are clear errors, never a
black image, a 256 GB allocation or a traceback advising weights_only=False."""

import time

import pytest

torch = pytest.importorskip("torch")

from xrf_napari.cli.main import main
from xrf_napari.cli.train import main as train_main
from xrf_napari.energy import CANONICAL_BIN_WIDTH, CANONICAL_E_MIN, Calibration
from xrf_napari.io.project_h5 import write_cube
from xrf_napari.models.weights import WeightsError, load_weights, save_weights
from xrf_napari.training.common import load_checkpoint, save_checkpoint
from xrf_napari.training.toy_data import toy_cube

UVIT = {"img_size": 16, "patch": 8, "dim": 18, "depth": 1, "heads": 9, "mlp_ratio": 2.0}


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    from xrf_napari.models.dve import build_from_config as build_dve
    from xrf_napari.models.uvit import build_from_config as build_uvit

    d = tmp_path_factory.mktemp("weights")
    counts, _, meta = toy_cube(16, 16, n_regions=2, seed=3, counts_per_pixel=300)
    write_cube(
        d / "scan.h5",
        counts,
        Calibration(CANONICAL_E_MIN + CANONICAL_BIN_WIDTH / 2, CANONICAL_BIN_WIDTH),
        metadata=meta,
    )
    torch.manual_seed(0)
    dve, uvit = build_dve({}), build_uvit(UVIT)
    save_weights(dve.state_dict(), d / "dve.safetensors", dve.config)
    save_weights(uvit.state_dict(), d / "uvit.safetensors", uvit.config)
    return d, dve, uvit


def test_a_nan_bias_is_an_error_not_a_black_image(good, tmp_path, capsys):
    d, _, uvit = good
    state = {k: v.clone() for k, v in uvit.state_dict().items()}
    bias = next(k for k in state if k.endswith("bias"))
    state[bias][0] = float("nan")
    save_weights(state, tmp_path / "nan.safetensors", uvit.config)
    rc = main(
        [
            "recolour",
            str(d / "scan.h5"),
            "-o",
            str(tmp_path / "rgb.png"),
            "--weights",
            str(tmp_path / "nan.safetensors"),
            "--embedder-weights",
            str(d / "dve.safetensors"),
            "--device",
            "cpu",
            "--no-progress",
        ]
    )
    assert rc == 2
    err = capsys.readouterr().err
    assert "NaN" in err and bias in err and "nan.safetensors" in err
    assert not (tmp_path / "rgb.png").exists()


def test_the_weights_folder_setting_is_checked_too(good, tmp_path, monkeypatch):
    from xrf_napari.analysis.embed import load_embedder
    from xrf_napari.models.weights import WEIGHTS_ENV, manifest

    _, dve, _ = good
    state = {k: v.clone() for k, v in dve.state_dict().items()}
    state["encoder.0.weight"][0, 0] = float("inf")
    save_weights(state, tmp_path / manifest()["dve"]["file"], dve.config)
    monkeypatch.setenv(WEIGHTS_ENV, str(tmp_path))
    with pytest.raises(WeightsError, match="NaN or infinite.*encoder.0.weight"):
        load_embedder(None, "cpu")


@pytest.mark.parametrize(
    "change, key",
    [
        ({"latent_dim": 1e9}, "latent_dim"),  # the 256 GB DVE
        ({"latent_dim": 10**9}, "latent_dim"),
        ({"latent_dim": 2.5}, "latent_dim"),
        ({"hidden": [128, 10**7, 32]}, "hidden"),
        ({"n_channels": -4}, "n_channels"),
        ({"hidden": "wide"}, "hidden"),
    ],
)
def test_dve_configs_out_of_bounds_are_refused_before_building(good, tmp_path, change, key):
    from xrf_napari.analysis.embed import load_embedder

    _, dve, _ = good
    save_weights(dve.state_dict(), tmp_path / "bad.safetensors", {**dve.config, **change})
    t0 = time.perf_counter()
    with pytest.raises(WeightsError, match=f"bad.safetensors.*{key}"):
        load_embedder(tmp_path / "bad.safetensors", "cpu")
    assert time.perf_counter() - t0 < 5.0


@pytest.mark.parametrize(
    "change",
    [
        {"depth": 10**6},
        {"heads": 0},
        {"mlp_ratio": float("inf")},
        {"latent_std": [1.0, 0.0, 1.0]},
        {"patch": 3},
    ],
)
def test_uvit_configs_out_of_bounds_are_refused(good, tmp_path, change):
    _, _, uvit = good
    save_weights(uvit.state_dict(), tmp_path / "bad.safetensors", {**uvit.config, **change})
    with pytest.raises(WeightsError, match="bad.safetensors"):
        load_weights(tmp_path / "bad.safetensors")


def test_a_config_that_does_not_describe_the_tensors_allocates_nothing(good, tmp_path):
    """hidden 8192 x 8 layers would be ~2 GB of parameters: refused from shapes on the meta
    device."""
    _, dve, _ = good
    save_weights(
        dve.state_dict(), tmp_path / "big.safetensors", {**dve.config, "hidden": [8192] * 8}
    )
    t0 = time.perf_counter()
    with pytest.raises(WeightsError, match="do not match the dve"):
        load_weights(tmp_path / "big.safetensors")
    assert time.perf_counter() - t0 < 5.0


def test_good_and_shipped_weights_still_load(good):
    from xrf_napari.models.weights import SHIPPED_DIR, manifest

    d, dve, _ = good
    state, cfg = load_weights(d / "dve.safetensors")
    assert cfg["latent_dim"] == 3 and set(state) == set(dve.state_dict())
    for entry in manifest().values():
        load_weights(SHIPPED_DIR / entry["file"], entry["sha256"])


def test_weights_of_the_other_model_are_named_by_every_loader(good, tmp_path):
    """A SmallUViT given as the embedder listed a hundred missing tensors; a DVE for another
    channel count loaded and failed only when embedding ("encode expects (N, 256)")."""
    from xrf_napari.analysis.embed import load_embedder
    from xrf_napari.analysis.recolour import load_recolouriser
    from xrf_napari.models.dve import build_from_config as build_dve

    d, _, _ = good
    with pytest.raises(WeightsError, match=r"not DVE \(embedder\) weights \(a SmallUViT"):
        load_embedder(d / "uvit.safetensors", device="cpu")
    with pytest.raises(WeightsError, match=r"not SmallUViT \(recolouriser\) weights \(a DVE"):
        load_recolouriser(d / "dve.safetensors", device="cpu")
    narrow = build_dve({"n_channels": 256})
    save_weights(narrow.state_dict(), tmp_path / "dve256.safetensors", narrow.config)
    with pytest.raises(WeightsError, match="a DVE for 256 channels"):
        load_embedder(tmp_path / "dve256.safetensors", device="cpu")


# -- checkpoints -----------------------------------------------------------------------------------
class _Payload:
    def __reduce__(self):
        import os

        return (os.system, ("touch PAYLOAD_RAN",))


def test_truncated_hostile_and_foreign_checkpoints_are_clear_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    good = tmp_path / "checkpoint.pt"
    save_checkpoint(good, model={"w": torch.ones(3)}, optimizer={}, step=5)
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    hostile = tmp_path / "hostile.pt"
    torch.save({"model": {}, "optimizer": {}, "step": 1, "x": _Payload()}, hostile)
    foreign = tmp_path / "foreign.pt"
    torch.save({"state_dict": {"w": torch.ones(2)}}, foreign)
    nan = tmp_path / "nan.pt"
    save_checkpoint(nan, model={"w": torch.tensor([1.0, float("nan")])}, optimizer={}, step=5)
    cases = {
        truncated: "truncated or corrupt",
        hostile: "refused, nothing run",
        foreign: "missing model",
        nan: "NaN",
        tmp_path / "missing.pt": "cannot be resumed",
    }
    for path, why in cases.items():
        with pytest.raises(ValueError) as info:
            load_checkpoint(path)
        msg = str(info.value)
        assert str(path) in msg and why in msg and "weights_only" not in msg, msg
    assert not (tmp_path / "PAYLOAD_RAN").exists()
    assert load_checkpoint(good)["step"] == 5


def test_a_checkpoint_of_another_configuration_is_a_clear_error(tmp_path):
    a, b = torch.nn.Linear(3, 3), torch.nn.Linear(2, 2)
    save_checkpoint(
        tmp_path / "checkpoint.pt",
        model=a.state_dict(),
        optimizer=torch.optim.Adam(a.parameters()).state_dict(),
        step=1,
    )
    with pytest.raises(ValueError, match="does not fit this run's configuration"):
        load_checkpoint(
            tmp_path / "checkpoint.pt", model=b, optimizer=torch.optim.Adam(b.parameters())
        )


def test_resume_from_a_truncated_checkpoint_is_one_line(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "checkpoint.pt").write_bytes(b"PK\x03\x04" + bytes(100))
    rc = train_main(
        [
            "embedder",
            "--data",
            str(tmp_path / "data"),
            "--out",
            str(out),
            "--resume",
            "--device",
            "cpu",
            "--no-progress",
        ]
    )
    assert rc == 2
    err = capsys.readouterr().err
    assert (
        len(err.strip().splitlines()) == 1 and "checkpoint.pt" in err and "weights_only" not in err
    ), err
