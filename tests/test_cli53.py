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


def test_option_first_keeps_the_refusals_type_and_attributes(tmp_path):
    """A guard: check_outputs, training.data.list_cubes and generate's --images each rebuilt
    the exception to put their option first; fileutil.option_first does it for all three and
    keeps the exception's type (an OutputError's clash, a subclass) as each did."""
    from xrf_napari.fileutil import OutputError, check_output_folder, option_first
    from xrf_napari.training.data import list_cubes

    folder = tmp_path / "in"
    folder.mkdir()
    with pytest.raises(OutputError) as refused:
        check_output_folder(folder / "o", ("a.txt",), inputs=[folder], option="--out")
    assert str(refused.value).startswith("--out: output folder ") and refused.value.clash == folder
    with pytest.raises(ValueError, match=r"^--data: dataset folder .* does not exist") as gone:
        list_cubes(tmp_path / "none", "--data")
    assert type(gone.value) is ValueError
    with pytest.raises(ValueError, match=r"^dataset folder"):  # no option: as raised
        list_cubes(tmp_path / "none")
    with pytest.raises(OutputError) as other, option_first("--x", OutputError):
        raise OutputError("m", clash=folder)
    assert str(other.value) == "--x: m" and other.value.clash == folder
    with pytest.raises(TypeError), option_first("--x", OutputError):  # other types: untouched
        raise TypeError("t")

    class Refused(ValueError):
        pass

    with pytest.raises(Refused, match="^--x: r$"), option_first("--x"):
        raise Refused("r")


def test_generate_names_images_in_its_refusal(tmp_path, capsys):
    """A guard: `generate --images` of a folder that does not exist starts with --images, through
    fileutil.option_first now."""
    argv = ["generate", "--images", str(tmp_path / "none"), "--out", str(tmp_path / "o")]
    assert train_main([*argv, "--n-cubes", "1", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "xrf-napari-train generate: error: --images: " in err, err
