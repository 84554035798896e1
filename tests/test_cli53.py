"""Session 53, cli53: command-line loose ends: evaluate's --data listed before its models, the
device refusal naming --device, the top-level --help in plain text, one option-prefix mechanism
(fileutil.option_first), and wrong inputs a user plausibly gives."""

from __future__ import annotations

import pytest

from xrf_napari.cli.train import main as train_main


@pytest.mark.parametrize("wrong", ["missing", "empty"])
def test_evaluate_lists_its_data_before_loading_any_model(wrong, tmp_path, monkeypatch, capsys):
    """A mistyped `evaluate --data` was refused only after the device was chosen and both models
    (the shipped ones by default) were read and hashed."""
    from xrf_napari import device
    from xrf_napari.analysis import embed, recolour

    def loaded(*_a, **_k):
        raise AssertionError("a model was loaded, or the device chosen, before --data was listed")

    for module, name in ((recolour, "load_recolouriser"), (embed, "load_embedder")):
        monkeypatch.setattr(module, name, loaded)
    monkeypatch.setattr(device, "pick_device", loaded)
    data = tmp_path / "set"
    if wrong == "empty":
        data.mkdir()
    assert train_main(["evaluate", "--data", str(data), "--device", "cpu", "--no-progress"]) == 2
    err = capsys.readouterr().err
    said = "does not exist" if wrong == "missing" else "no cubes (*.h5)"
    assert "xrf-napari-train evaluate: error: --data: " in err and said in err, err
