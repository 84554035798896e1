"""Session 47: the CLIs (quicklook, info, embed) and the reader, as a user meets them."""

import os
import stat

import pytest
from _napari_helpers import write_painted_cube

from xrf_napari.cli.main import main

h5py = pytest.importorskip("h5py")


@pytest.fixture(scope="module")
def painted(tmp_path_factory):
    return write_painted_cube(tmp_path_factory.mktemp("cli47") / "painted.h5")


def test_quicklook_keeps_an_earlier_write_protected_map(painted, tmp_path, capsys):
    """A rerun deleted the earlier run's map the user had made read-only (chmod a-w), which every
    save refuses to replace: it is kept, and the note says so."""
    out = tmp_path / "look"
    ql = ["quicklook", str(painted), "-o", str(out), "--no-progress", "--elements"]
    assert main([*ql, "Fe,Cu"]) == 0
    fe, cu = out / "painted_Fe_Ka.png", out / "painted_Cu_Ka.png"
    before = fe.read_bytes()
    os.chmod(fe, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    capsys.readouterr()
    assert main([*ql, "Ca"]) == 0
    err = capsys.readouterr().err
    assert fe.read_bytes() == before
    assert not cu.exists()  # a writable one still goes
    assert "kept 1 read-only (write-protected) file(s)" in err and "painted_Fe_Ka.png" in err
    assert "removed 1 file(s)" in err and "painted_Cu_Ka.png" in err.split("kept")[0]


@pytest.mark.parametrize("command", ["info", "quicklook", "embed", "recolour", "pigments"])
def test_a_file_named_with_a_dash_is_told_to_follow_dashes(
    painted, tmp_path, monkeypatch, command, capsys
):
    """`xrf-napari info -dash.h5` said "the following arguments are required: input", which does
    not say that the name was read as an option nor how to give it."""
    import shutil

    monkeypatch.chdir(tmp_path)
    shutil.copy(painted, "-dash.h5")
    with pytest.raises(SystemExit) as exc:
        main([command, "-dash.h5", "-o", "out"] if command != "info" else [command, "-dash.h5"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert err == (
        f"xrf-napari {command}: error: '-dash.h5' begins with '-' and is read as an option; to "
        f"give the file, write ./-dash.h5, or put -- before it after the options (xrf-napari "
        f"{command} [options] -- -dash.h5)"
    )


def test_a_file_named_with_a_dash_is_read_after_dashes(painted, tmp_path, monkeypatch, capsys):
    """A guard: after `--`, or as ./-dash.h5, the file is read."""
    import shutil

    monkeypatch.chdir(tmp_path)
    shutil.copy(painted, "-dash.h5")
    assert main(["info", "--", "-dash.h5"]) == 0
    assert main(["info", "./-dash.h5"]) == 0
    assert "-dash.h5" in capsys.readouterr().out


def test_embed_weights_not_fitting_the_model_name_the_option(
    painted, tmp_path, monkeypatch, capsys
):
    """A DVE whose tensors do not fit the model built from its config (should load_weights'
    shape check ever miss one) was refused without the option: "weights file PATH does not match
    its DVE config", where every other fault of a --weights file reads "--weights PATH: ...".
    A file of the wrong shapes given to --weights, with that check bypassed, shows it."""
    from xrf_napari.models import weights
    from xrf_napari.models.dve import build_from_config

    small = build_from_config({"hidden": [32, 16], "latent_dim": 3})
    wide = build_from_config({"hidden": [48, 16], "latent_dim": 3})
    wrong = tmp_path / "wrong.safetensors"
    weights.save_weights(wide.state_dict(), wrong, small.config)
    argv = ["embed", str(painted), "-o", str(tmp_path / "e"), "--weights", str(wrong)]
    argv += ["--device", "cpu", "--no-progress"]
    assert main(argv) == 2  # the shape check names the option
    assert f"error: --weights {wrong}: its tensors do not match" in capsys.readouterr().err
    monkeypatch.setattr(weights, "check_weights", lambda *a, **k: None)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.endswith(
        f"error: --weights {wrong}: the file does not match its DVE config: size mismatch for "
        "encoder.0.weight: copying a param with shape torch.Size([48, 512]) from checkpoint, the "
        "shape in current model is torch.Size([32, 512]). (and 5 more)\n"
    )


@pytest.mark.parametrize("hw", [(1, 1), (3, 3)])
def test_embed_spot_refusal_is_the_docks_in_its_words(tmp_path, capsys, hw):
    """A guard: `xrf-napari embed` and the Embed dock refuse a spot scan by one core rule and
    wording (analysis.pigment_fit.too_few_for_regions), the command's text as before."""
    import numpy as np

    from xrf_napari.analysis.pigment_fit import too_few_for_regions

    spot = tmp_path / "spot.npy"
    np.save(spot, np.random.default_rng(0).poisson(50, (*hw, 256)).astype(np.uint16))
    assert main(["embed", str(spot), "-o", str(tmp_path / "o"), "--no-progress"]) == 2
    said = "a single spectrum (1 x 1 px)" if hw == (1, 1) else "only 9 pixels (3 x 3 px)"
    assert capsys.readouterr().err == (
        f"xrf-napari embed: error: {spot} is {said}: too few to find regions. It is one "
        f"region: `xrf-napari pigments {spot}` fits it whole\n"
    )
    assert too_few_for_regions((*hw, 256), "Embed & cluster: spot", "the Pigments panel") == (
        f"Embed & cluster: spot is {said}: too few to find regions. It is one region: the "
        "Pigments panel fits it whole"
    )
    assert too_few_for_regions((4, 4, 256), "x", "y") is None


@pytest.mark.parametrize(
    "argv",
    [["xrf-napari-train", "evaluate", "--data"], ["xrf-napari", "embed", "scan.h5", "--weights"]],
)
def test_a_dashed_file_given_to_an_option_is_told_how_to_give_it(
    tmp_path, monkeypatch, argv, capsys
):
    """`xrf-napari-train evaluate --data -dash.h5` said "argument --data: expected one argument"
    (only the xrf-napari commands reading a scan refused such a word, and their advice to put
    `--` before it does not give an option its value): every command of both programs now says
    how to give it."""
    from xrf_napari.cli import train

    monkeypatch.chdir(tmp_path)
    (tmp_path / "-dash.h5").write_bytes(b"")
    prog, command, *rest = argv
    entry = train.main if prog == "xrf-napari-train" else main
    with pytest.raises(SystemExit) as exc:
        entry([command, *rest, "-dash.h5"])
    assert exc.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"{prog} {command}: error: '-dash.h5' begins with '-' and is read as an option; to give "
        f"the file, write ./-dash.h5 or {rest[-1]}=-dash.h5"
    )
