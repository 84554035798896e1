"""Session 62, the command lines (`xrf-napari`, `xrf-napari-train`): what a user is told."""

import pytest

from xrf_napari.cli.train import main as train_main


@pytest.mark.parametrize(
    "argv, told",
    [
        (["embedder", "--epochs", "0"], "--epochs: 0 is out of range: it must be above 0"),
        (["recolouriser", "--epochs", "-2"], "--epochs: -2 is out of range: it must be above 0"),
        (["recolouriser", "--time-budget", "0"], "--time-budget: 0 is out of range"),
        (["embedder", "--lr", "1e400"], "--lr: 1e400 is out of range"),
        (["embedder", "--steps", "0"], "--steps: 0 is out of range: a whole number must be"),
    ],
)
def test_numbers_out_of_range_are_told_as_typed(argv, told, tmp_path, capsys):
    """`xrf-napari-train embedder --epochs 0` said "0.0 is out of range" (the float it read),
    a number the user had not typed, beside --steps 0's "0 is out of range"."""
    argv = argv[:1] + ["--data", str(tmp_path), "--out", str(tmp_path / "o")] + argv[1:]
    with pytest.raises(SystemExit) as exc:
        train_main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and f"error: argument {told}" in err, err
