"""Session 47, optmsg: a weights file's error names the option that gave it from the error's own
fields (WeightsError's path and how it was given), not by rewriting its message's first words;
--config's read errors and evaluate's automatically found baseline are named as the user gave
them."""

from __future__ import annotations

import pickle

import pytest


def test_a_relative_weights_path_is_named_by_its_option_alone(tmp_path, monkeypatch, capsys):
    """`embed --weights junk.safetensors` said "--weights junk.safetensors: weights file
    /abs/junk.safetensors is not a safetensors file": the loader resolves the path, so the
    message's first words were not the ones weights_option looked for; recolour's two options
    the same."""
    from _cli_models import save_tiny_models, write_toy_scan

    from xrf_napari.cli.main import main

    monkeypatch.chdir(tmp_path)
    write_toy_scan(tmp_path / "scan.h5", 32, 32, n_regions=2)
    save_tiny_models(tmp_path)
    (tmp_path / "junk.safetensors").write_text("not weights at all", encoding="utf-8")
    assert main(["embed", "scan.h5", "-o", "out", "--weights", "junk.safetensors"]) == 2
    said = capsys.readouterr().err
    assert "error: --weights junk.safetensors: the file is not a safetensors file\n" in said, said
    argv = ["recolour", "scan.h5", "-o", "rgb.png", "--device", "cpu", "--no-progress"]
    argv += ["--weights", "uvit.safetensors", "--embedder-weights", "junk.safetensors"]
    assert main(argv) == 2
    said = capsys.readouterr().err
    want = "error: --embedder-weights junk.safetensors: the file is not a safetensors file\n"
    assert want in said, said


def test_a_fault_worded_anew_is_still_named_by_its_option(tmp_path):
    """A weights fault is named by the option from the error's fields whatever its words: the
    option was found by matching "weights file X:", "weights file X " and "cannot read weights
    file X:", so a reworded message silently lost it. The error keeps its fields when pickled."""
    from xrf_napari.models.weights import WeightsError, weights_option

    path = tmp_path / "w.safetensors"
    plain = WeightsError("was eaten by a grue", path, "verb")
    assert str(plain) == f"weights file {path} was eaten by a grue"
    with pytest.raises(WeightsError) as exc, weights_option("--init", path):
        raise WeightsError("was eaten by a grue", path, "verb")
    assert str(exc.value) == f"--init {path}: the file was eaten by a grue"
    again = pickle.loads(pickle.dumps(exc.value))
    assert str(again) == str(exc.value)


def test_another_files_fault_is_not_given_an_option(tmp_path):
    """A WeightsError about another file than the option's, raised inside weights_option, is left
    as it is: it was said as "--init A: weights file B ...", as if B were --init's file."""
    from xrf_napari.models.weights import WeightsError, load_weights, weights_option

    given, other = tmp_path / "a.safetensors", tmp_path / "b.safetensors"
    other.write_text("not weights", encoding="utf-8")
    with pytest.raises(WeightsError) as exc, weights_option("--init", given):
        load_weights(other)
    assert str(exc.value) == f"weights file {other} is not a safetensors file"


def test_a_config_that_cannot_be_read_is_named_by_its_option(tmp_path, capsys):
    """A --config file that is not JSON, or not UTF-8, said "cannot read config X: ...", where
    its other faults (and every other option's) say "--config X: ..."."""
    from xrf_napari.cli.train import main

    data = tmp_path / "set"
    data.mkdir()
    bad = tmp_path / "bad.json"
    bad.write_text('{"steps": ', encoding="utf-8")
    utf16 = tmp_path / "utf16.json"
    utf16.write_bytes('{"steps": 1}'.encode("utf-16"))
    for command in ("embedder", "recolouriser"):
        argv = [command, "--data", str(data), "--out", str(tmp_path / "run")]
        assert main([*argv, "--config", str(bad)]) == 2
        said = capsys.readouterr().err
        assert f"error: --config {bad}: not valid JSON: Expecting value" in said, said
        assert main([*argv, "--config", str(utf16)]) == 2
        said = capsys.readouterr().err
        assert f"error: --config {utf16}: not UTF-8 text (byte 0xff at offset 0)" in said, said


def test_a_bad_baseline_found_beside_the_weights_is_not_called_an_option(tmp_path, capsys):
    """evaluate, given no --baseline, uses the pixel_mlp.safetensors beside --weights; a bad one
    was refused as "--baseline X: ...", an option the user never gave. It is named as found, with
    the option that gives another."""
    from _cli_models import save_tiny_models
    from test_eval41 import _set

    from xrf_napari.cli.train import main

    save_tiny_models(tmp_path)
    found = tmp_path / "pixel_mlp.safetensors"
    found.write_bytes((tmp_path / "uvit.safetensors").read_bytes()[:100])
    data = _set(tmp_path / "set", size=16)  # a scored set: evaluate lists --data before the models
    argv = ["evaluate", "--data", str(data), "--device", "cpu", "--no-progress"]
    argv += ["--weights", str(tmp_path / "uvit.safetensors")]
    assert main([*argv, "--embedder", str(tmp_path / "dve.safetensors")]) == 2
    said = capsys.readouterr().err
    want = (
        f"error: {found} (the per-pixel MLP baseline found beside --weights; --baseline FILE "
        "gives another): the file is truncated"
    )
    assert want in said, said


def test_init_weights_a_config_names_are_not_called_an_option(tmp_path, capsys):
    """A recolouriser config's "init" (a run's config.json records the weights it fine-tuned),
    given without --init, was refused as "--init X: ...", an option the user never gave. It is
    named as the config's other settings are, with the flag that replaces it; --init itself is
    named as before."""
    from xrf_napari.cli.train import main

    junk = tmp_path / "junk.safetensors"
    junk.write_text("not weights at all", encoding="utf-8")
    config = tmp_path / "config.json"
    config.write_text(f'{{"init": "{junk}"}}', encoding="utf-8")
    data = tmp_path / "set"
    data.mkdir()
    argv = ["recolouriser", "--data", str(data), "--out", str(tmp_path / "run")]
    assert main([*argv, "--config", str(config)]) == 2
    said = capsys.readouterr().err
    want = f"error: init {junk} (of --config {config}; set --init): the file is not a safetensors"
    assert want in said, said
    assert main([*argv, "--config", str(config), "--init", str(tmp_path / "none.safetensors")]) == 2
    said = capsys.readouterr().err
    assert f"error: --init {tmp_path / 'none.safetensors'}: no such weights file" in said, said


def test_recolouriser_weights_not_fitting_the_model_name_the_option_once(
    tmp_path, monkeypatch, capsys
):
    """A SmallUViT whose tensors do not fit the model built from its config (should
    load_weights' shape check ever miss one) read "--weights W: weights in /abs/W do not fit the
    SmallUViT their config describes: Error(s) in loading state_dict ...": the file named twice,
    and torch's whole list over many lines. It is now said as the DVE's is (one loader,
    models.weights.load_state): once, in one line."""
    from _cli_models import TINY_UVIT, save_tiny_models, weights_args, write_toy_scan

    from xrf_napari.cli.main import main
    from xrf_napari.models import weights
    from xrf_napari.models.uvit import build_from_config

    write_toy_scan(tmp_path / "scan.h5", 32, 32, n_regions=2)
    save_tiny_models(tmp_path)
    wrong = tmp_path / "uvit.safetensors"
    wide = build_from_config({**TINY_UVIT, "dim": 36})
    weights.save_weights(wide.state_dict(), wrong, build_from_config(TINY_UVIT).config)
    monkeypatch.setattr(weights, "check_weights", lambda *a, **k: None)
    argv = ["recolour", str(tmp_path / "scan.h5"), "-o", str(tmp_path / "rgb.png")]
    assert main(argv + weights_args(tmp_path)) == 2
    err = capsys.readouterr().err
    last = err.splitlines()[-1]
    assert last.startswith(
        f"xrf-napari recolour: error: --weights {wrong}: the file does not match its SmallUViT "
        "config: size mismatch for "
    ), err
    assert " more)" in last and err.count(str(wrong)) == 1, err
