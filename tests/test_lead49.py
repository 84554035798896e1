"""Session 49's lead fixes."""

from __future__ import annotations

import pytest

from xrf_napari.training.common import refuse_unfinished_checkpoint


@pytest.mark.parametrize("trainer", ["embedder", "recolouriser"])
def test_a_folder_of_weights_alone_is_no_run_to_protect(tmp_path, trainer):
    """A folder holding the weights pair and no records ($XRF_NAPARI_WEIGHTS' layout) was refused
    as "holds a run of ...: it would replace that run's config.json, metrics.json and
    loss_curve.png", files that were not there."""
    (tmp_path / "dve.safetensors").write_bytes(b"")
    (tmp_path / "uvit.safetensors").write_bytes(b"")
    assert refuse_unfinished_checkpoint(tmp_path / "checkpoint.pt", False, trainer) is None


def test_the_refusal_names_the_records_it_would_replace(tmp_path):
    """A guard beside the fix above: the other trainer's run with records is still refused, and
    the message names only the records that are there."""
    (tmp_path / "uvit.safetensors").write_bytes(b"")
    (tmp_path / "metrics.json").write_text("{}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="recolouriser") as err:
        refuse_unfinished_checkpoint(tmp_path / "checkpoint.pt", False, "embedder")
    assert "replace that run's metrics.json)" in str(err.value)
    assert "config.json" not in str(err.value)


class _Stop(Exception):
    pass


@pytest.mark.parametrize(
    "argv",
    [
        ["info"],
        ["quicklook", "-o", "look"],
        ["embed", "-o", "emb"],
        ["recolour", "-o", "x.png"],
        ["pigments", "-o", "rep"],
    ],
)
def test_every_command_can_keep_the_files_calibration(tmp_path, monkeypatch, argv):
    """Only `info` took --no-auto-calibration: a file whose calibration the automatic one judged
    to contradict its peaks (or a file without one) could be read as it is by no command that
    makes something of it."""
    import xrf_napari.io
    from xrf_napari.cli.main import main

    asked = []

    def read_cube(path, **options):
        asked.append(options["auto_calibrate"])
        raise _Stop

    monkeypatch.setattr(xrf_napari.io, "read_cube", read_cube)
    monkeypatch.chdir(tmp_path)
    scan = tmp_path / "scan.npy"
    scan.write_bytes(b"")
    for extra in ([], ["--no-auto-calibration"]):
        with pytest.raises(_Stop):
            main([argv[0], str(scan), *argv[1:], *extra, "--no-progress"])
    assert asked == [True, False]
