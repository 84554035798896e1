"""A model's recorded SHA-256 is the hash of the file its tensors came from, for both models:
a weights file rewritten while it is loaded is read again (models.weights.load_weights_hashed)."""

import pytest

pytest.importorskip("torch")

import torch  # noqa: E402
from _cli_models import TINY_UVIT  # noqa: E402

from xrf_napari.analysis import embed, recolour  # noqa: E402
from xrf_napari.models import weights as W  # noqa: E402
from xrf_napari.models.dve import build_from_config as build_dve  # noqa: E402
from xrf_napari.models.uvit import build_from_config as build_uvit  # noqa: E402


def _two_versions(tmp_path, kind):
    """Two different weight files of one model: (path that holds version A, bytes of version B)."""
    build = build_uvit if kind == "uvit" else build_dve
    config = TINY_UVIT if kind == "uvit" else {}
    path, other = tmp_path / f"{kind}.safetensors", tmp_path / f"{kind}_b.safetensors"
    for seed, p in ((0, path), (1, other)):
        torch.manual_seed(seed)
        model = build(config)
        W.save_weights(model.state_dict(), p, model.config)
    return path, other


@pytest.mark.parametrize("kind", ["uvit", "dve"])
def test_a_file_rewritten_while_it_loads_gives_the_hash_of_the_tensors_loaded(
    tmp_path, monkeypatch, kind
):
    path, other = _two_versions(tmp_path, kind)
    real_load, calls = W.load_weights, []

    def load_then_rewrite(p, expected_sha256=None, want=None):  # load_weights_hashed passes want
        out = real_load(p, expected_sha256, want)
        calls.append(p)
        if len(calls) == 1:  # another process saves new weights just after the first read
            path.write_bytes(other.read_bytes())
        return out

    monkeypatch.setattr(W, "load_weights", load_then_rewrite)
    recolour._load_cached.cache_clear()
    embed._load_cached.cache_clear()
    if kind == "uvit":
        model = recolour.load_recolouriser(path, "cpu")
        state = model.model.state_dict()
    else:
        model = embed.load_embedder(path, "cpu")
        state = model.model.state_dict()
    want_state, _ = real_load(other)
    assert model.sha256 == W.sha256_of(other)
    assert len(calls) == 2  # read again after the rewrite
    for k, v in want_state.items():
        torch.testing.assert_close(state[k].float().cpu(), v.float())
    recolour._load_cached.cache_clear()
    embed._load_cached.cache_clear()


def test_a_file_that_keeps_changing_is_refused_by_name(tmp_path, monkeypatch):
    path, other = _two_versions(tmp_path, "uvit")
    versions = [path.read_bytes(), other.read_bytes()]
    real_load = W.load_weights

    def load_then_rewrite(p, expected_sha256=None, want=None):  # load_weights_hashed passes want
        out = real_load(p, expected_sha256, want)
        versions.reverse()
        path.write_bytes(versions[0])
        return out

    monkeypatch.setattr(W, "load_weights", load_then_rewrite)
    recolour._load_cached.cache_clear()
    said = f"weights file {path} kept changing while it was read"
    with pytest.raises(W.WeightsError, match=said):
        recolour.load_recolouriser(path, "cpu")
    recolour._load_cached.cache_clear()
