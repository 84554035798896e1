"""Session 35 training fixes: --init with the shipped recolouriser checked before embedding, the
embedder card's v2 data, generate --workers, the tensors' hash in saved weights."""

import json
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from safetensors import safe_open  # noqa: E402
from test_train_recolouriser import _dataset  # noqa: E402

from xrf_napari.cli.train import main  # noqa: E402
from xrf_napari.models.weights import SHIPPED_DIR, load_weights, save_weights  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    from xrf_napari.models.dve import build_from_config

    d = tmp_path_factory.mktemp("train35")
    torch.manual_seed(0)
    for name, cfg in (("dve3", {}), ("dve4", {"latent_dim": 4})):
        dve = build_from_config(cfg)
        save_weights(dve.state_dict(), d / f"{name}.safetensors", dve.config)
    return d, _dataset(d / "train", 2, 128, 0)


def _fine_tune(d, train, out, embedder, crop=128):
    args = ["recolouriser", "--data", str(train), "--out", str(out)]
    args += ["--embedder", str(d / f"{embedder}.safetensors")]
    args += ["--config", str(REPO / "configs" / "recolouriser.json")]
    args += ["--init", str(SHIPPED_DIR / "uvit.safetensors")]
    args += ["--steps", "1", "--batch", "2", "--crop", str(crop)]
    args += ["--baseline-steps", "0"]
    return main(args + ["--device", "cpu", "--no-progress"])


def test_init_fine_tunes_the_shipped_recolouriser(data):
    """The shipped weights record no in_chans (older than the key): --init read it raw and refused
    them as 'made for None input channels', after the whole embedding pass."""
    d, train = data
    assert "in_chans" not in load_weights(SHIPPED_DIR / "uvit.safetensors")[1]
    out = d / "fine"
    assert _fine_tune(d, train, out, "dve3") == 0
    _, cfg = load_weights(out / "uvit.safetensors")
    assert cfg["in_chans"] == 3 and cfg["init"]["weights"].endswith("uvit.safetensors")
    # the tensors' hash the weights file records is the one metrics.json reports
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    with safe_open(str(out / "uvit.safetensors"), framework="pt") as f:
        assert f.metadata()["tensors_sha256"] == metrics["tensors_sha256"]


def test_init_of_another_input_width_is_refused_before_embedding(data, capsys):
    """An embedder with a 4-D latent feeds 4 channels to weights made for 3: one line naming both
    widths, before any cube is embedded (no latent cache left in --out)."""
    d, train = data
    out = d / "wide"
    capsys.readouterr()
    assert _fine_tune(d, train, out, "dve4") != 0
    err = capsys.readouterr().err.strip()
    assert "made for 3 input channels" in err and "have 4" in err
    assert len([line for line in err.splitlines() if "error" in line]) == 1
    assert not (out / "latent_cache.npz").exists()


def test_init_with_another_crop_is_refused_before_embedding(data, capsys):
    """The position embedding has one entry per patch of the crop the weights were trained on:
    another --crop gave a size-mismatch traceback from load_state_dict after the embedding."""
    d, train = data
    out = d / "crop"
    capsys.readouterr()
    assert _fine_tune(d, train, out, "dve3", crop=32) != 0
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "trained on 128 px crops" in err and "--crop 128" in err
    assert not (out / "latent_cache.npz").exists()


def test_the_embedder_card_says_how_to_make_its_generator_v2_data_again():
    """A section of the embedder card giving a `generate` command for generator-v2 data must say
    that today's generator (/3) makes other counts and name the commit whose code makes v2 (as the
    recolouriser card does): it gave two such commands and promised bit-reproducible runs without
    a word of it (19 % of a cube's count entries differ)."""
    import re

    text = (REPO / "docs" / "model_card_embedder.md").read_text(encoding="utf-8")
    sections = [s for s in re.split(r"\n(?=## )", text) if re.search(r"\bv2\b", s)]
    sections = [s for s in sections if "xrf-napari-train generate --images" in s]
    assert len(sections) >= 2
    for section in sections:
        head = section.splitlines()[0]
        assert "git archive 0835f3f src" in section and "/3" in section, head


@pytest.mark.parametrize("workers", ["-3", "0"])
def test_generate_refuses_workers_below_one(tmp_path, capsys, workers):
    """--workers -3 ran on one process and 0 on all CPUs, silently (rc 0, a cube written); every
    other number flag is refused at parsing, naming the flag."""
    out = tmp_path / "g"
    args = ["generate", "--out", str(out), "--n-cubes", "1", "--size", "16", "--no-progress"]
    with pytest.raises(SystemExit) as stop:
        main(args + [f"--workers={workers}"])
    assert stop.value.code == 2
    assert "argument --workers" in capsys.readouterr().err
    assert not out.exists()


def _flip_a_tensor_bit(path, name):
    """Flip the lowest mantissa bit of the middle float of tensor `name`: still finite, so only a
    hash of the bytes can tell."""
    import json
    import struct

    raw = bytearray(path.read_bytes())
    n = struct.unpack("<Q", raw[:8])[0]
    start, end = json.loads(raw[8 : 8 + n])[name]["data_offsets"]
    at = 8 + n + start + ((end - start) // 2 // 4) * 4
    raw[at] ^= 0x01
    path.write_bytes(bytes(raw))


def test_changed_tensor_bytes_of_saved_weights_are_refused(tmp_path):
    """Bytes changed inside a tensor of weights given by path loaded silently (an MS-SSIM of
    0.3080 instead of 0.3132 in audit_bench35): save_weights records the tensors' SHA-256 and the
    loader checks it, naming the file."""
    from xrf_napari.analysis.embed import load_embedder
    from xrf_napari.models.dve import build_from_config
    from xrf_napari.models.weights import WeightsError, tensors_sha256

    torch.manual_seed(0)
    dve = build_from_config({})
    path = tmp_path / "dve.safetensors"
    save_weights(dve.state_dict(), path, dve.config)
    state, _ = load_weights(path)
    assert tensors_sha256(state) == tensors_sha256(dve.state_dict())
    name = sorted(k for k, v in state.items() if v.dtype == torch.float32 and v.numel() > 8)[0]
    _flip_a_tensor_bit(path, name)
    with pytest.raises(WeightsError, match=r"dve\.safetensors is corrupt: its tensors' SHA-256"):
        load_weights(path)
    with pytest.raises(WeightsError, match="corrupt"):
        load_embedder(path, "cpu")
