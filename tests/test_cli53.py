"""Session 53, cli53: command-line loose ends: evaluate's --data listed before its models, the
device refusal naming --device, the top-level --help in plain text, one option-prefix mechanism
(fileutil.option_first), and wrong inputs a user plausibly gives."""

from __future__ import annotations

import pytest

from xrf_napari.cli.main import main
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


@pytest.fixture
def scan(tmp_path):
    from _cli_models import write_toy_scan

    return write_toy_scan(tmp_path / "scan.h5", 8, 8, 2)[0]


COMMANDS = [
    (main, ["embed", "{scan}", "-o", "{out}/"]),
    (main, ["recolour", "{scan}", "-o", "{out}.png"]),
    (main, ["pigments", "{scan}", "-o", "{out}/"]),
    (train_main, ["evaluate", "--data", "{set}"]),
    (train_main, ["embedder", "--data", "{set}", "--out", "{out}"]),
    (train_main, ["recolouriser", "--data", "{set}", "--out", "{out}"]),
]


@pytest.mark.parametrize("entry, argv", COMMANDS, ids=[a[0] for _, a in COMMANDS])
@pytest.mark.parametrize("device", ["cuda", "cudaa"])
def test_a_device_this_machine_lacks_is_refused_naming_device(
    entry, argv, device, scan, tmp_path, monkeypatch, capsys
):
    """`--device cuda` on a machine without a GPU said "error: device 'cuda' requested but no
    CUDA GPU is available (use auto or cpu)", naming no option, after the scan was read (pigments
    printed its pooling note first). It is a usage error of --device now, before any input is
    read."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    out = tmp_path / "out"
    words = [w.format(scan=scan, out=out, set=tmp_path / "set") for w in argv]
    with pytest.raises(SystemExit) as stop:  # a usage error, as `--device ""` is
        code = entry([*words, "--device", device, "--no-progress"])
        raise SystemExit(code)  # the run's own code (before, this refusal's was 2)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "error: argument --device: " in err and repr(device) in err, err
    assert "note:" not in err and not out.exists() and not out.with_suffix(".png").exists()


@pytest.mark.parametrize("entry", [main, train_main])
def test_the_top_level_help_is_plain_text(entry, capsys):
    """`xrf-napari --help` began "`xrf-napari`: headless use ...": the module docstring's
    markdown backticks, shown literally."""
    with pytest.raises(SystemExit) as stop:
        entry(["--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    assert "`" not in out and "usage: xrf-napari" in out, out
