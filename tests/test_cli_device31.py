"""Every command that takes --device says the same choices pick_device accepts (docs audit 31:
`embed` and `pigments` said "auto, cpu, cuda or mps" and `evaluate` said nothing, though cuda:N
works everywhere; the training commands listed them in another order)."""

import pytest

from xrf_napari.cli.main import main
from xrf_napari.cli.train import main as train_main
from xrf_napari.device import DEVICE_CHOICES


@pytest.mark.parametrize(
    "entry, command",
    [
        (main, "embed"),
        (main, "pigments"),
        (main, "recolour"),
        (train_main, "embedder"),
        (train_main, "recolouriser"),
        (train_main, "evaluate"),
    ],
)
def test_device_help_names_every_choice(entry, command, capsys):
    with pytest.raises(SystemExit) as done:
        entry([command, "--help"])
    assert done.value.code == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps the help
    assert DEVICE_CHOICES in text, (command, text)
