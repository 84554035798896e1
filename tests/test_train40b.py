"""Session 40b leftovers of the training command line: `xrf-napari recolour` (and the Recolour
dock's core) with an embedder of another latent width, `export-set --no-progress`."""

import pytest

pytest.importorskip("torch")

from _cli_models import save_tiny_models, weights_args, write_toy_scan  # noqa: E402


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    """A toy scan, the tiny models, and a DVE with a 4-channel latent beside them."""
    import torch

    from xrf_napari.models.dve import build_from_config
    from xrf_napari.models.weights import save_weights

    d = tmp_path_factory.mktemp("wide")
    cube = write_toy_scan(d / "scan.h5", 16, 16, n_regions=2)[0]
    save_tiny_models(d)
    torch.manual_seed(0)
    dve = build_from_config({"latent_dim": 4})
    save_weights(dve.state_dict(), d / "dve4.safetensors", dve.config)
    return d, cube


def test_recolour_names_an_embedder_of_another_latent_width_before_the_work(wide, capsys):
    """It failed after 'recolouring ...' and the embedding with 'latent must be (H, W, 3), got
    shape (32, 32, 4)', naming neither file nor option."""
    from xrf_napari.cli.main import main

    d, cube = wide
    args = ["recolour", str(cube), "--output", str(d / "x.png"), *weights_args(d)]
    args[args.index("--embedder-weights") + 1] = str(d / "dve4.safetensors")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "uvit.safetensors reads a 3-channel latent, but --embedder-weights" in err
    assert "dve4.safetensors gives a 4-channel latent" in err
    assert "recolouring" not in err  # refused before the work started
    assert not (d / "x.png").exists()


def test_the_docks_core_refuses_it_as_it_is_called(wide):
    """The Recolour dock calls iter_recolour: the refusal comes as it is called, before the scan
    is read, in the dock's words (it has no options)."""
    from xrf_napari.analysis.recolour import iter_recolour
    from xrf_napari.io import read_cube

    d, cube = wide
    with pytest.raises(ValueError) as exc:
        iter_recolour(
            read_cube(cube),
            weights=d / "uvit.safetensors",
            embedder_weights=d / "dve4.safetensors",
            device="cpu",
        )
    msg = str(exc.value)
    assert msg.startswith("the recolouriser ") and ", but the embedder " in msg
    assert "gives a 4-channel latent: give the embedder the recolouriser was trained" in msg
    # the matching pair still starts
    steps = iter_recolour(
        read_cube(cube),
        weights=d / "uvit.safetensors",
        embedder_weights=d / "dve.safetensors",
        device="cpu",
    )
    assert next(steps)[1] > 0
    steps.close()


def test_export_set_takes_no_progress_as_the_other_training_commands_do(tmp_path, capsys):
    """`export-set --no-progress` was refused ('unrecognized arguments'), where generate, the
    trainers and evaluate take it; export-set showed no progress at all."""
    from xrf_napari.cli.train import main
    from xrf_napari.synth.dataset import GenerateConfig, generate_dataset

    generate_dataset(GenerateConfig(out=str(tmp_path / "set"), n_cubes=1, size=16), 1, False)
    capsys.readouterr()
    base = ["export-set", "--data", str(tmp_path / "set"), "--format", "h5"]
    assert main([*base, "--out", str(tmp_path / "quiet"), "--no-progress"]) == 0
    out, err = capsys.readouterr()
    assert "wrote 1 h5 cube (" in out and "exporting h5" not in err
    assert main([*base, "--out", str(tmp_path / "bar")]) == 0
    assert "exporting h5" in capsys.readouterr().err  # the bar, by default
    assert (tmp_path / "quiet" / "cube_00000.h5").is_file()
