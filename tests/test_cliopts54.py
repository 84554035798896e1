"""Session 54, the commands' options: no option read from its first letters, one name for the
embedder file, generate's --n-cubes refused by argparse as --workers is, help that says the
defaults and what generate makes, and the embedder's stop_after leaving no process group up."""

from __future__ import annotations

import argparse
import importlib

import pytest

from xrf_napari.cli import main as cli_main
from xrf_napari.cli import train as cli_train

TABLES = {"xrf-napari": cli_main, "xrf-napari-train": cli_train}


def _parser(prog: str, command: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"{prog} {command}")
    importlib.import_module(TABLES[prog].COMMANDS[command][0]).configure(parser)
    return parser


def _refusal(entry, argv, capsys) -> str:
    with pytest.raises(SystemExit) as exc:
        entry(argv)
    assert exc.value.code == 2
    return capsys.readouterr().err.splitlines()[-1]


@pytest.mark.parametrize(
    "prog, command",
    [
        ("xrf-napari", "recolour"),
        ("xrf-napari-train", "recolouriser"),
        ("xrf-napari-train", "evaluate"),
    ],
)
def test_the_embedder_file_is_embedder_in_every_command(prog, command):
    """recolour called the embedder's weights --embedder-weights, the recolouriser and evaluate
    --embedder. Each takes --embedder and shows that name alone; recolour still reads its old
    one. Fails on the parent: recolour's help showed --embedder-weights."""
    parser = _parser(prog, command)
    assert "--embedder-weights" not in parser.format_help()
    action = parser._option_string_actions["--embedder"]
    assert action.option_strings == ["--embedder"]
    assert parser._option_string_actions.get("--embedder-weights", action) is action
    if command == "recolour":
        for option in ("--embedder", "--embedder-weights", "--embedder-weights=d.sft"):
            argv = ["s.h5", "-o", "x.png", *option.split("=")]
            argv += [] if "=" in option else ["d.sft"]
            assert parser.parse_args(argv).embedder_weights == "d.sft"


@pytest.mark.parametrize("option", ["--embedder", "--embedder-weights"])
def test_recolour_names_the_embedder_option_as_typed(option, tmp_path, capsys):
    """A missing embedder file is named by the option as the user typed it. Fails on the parent
    for --embedder: read as --embedder-weights abbreviated, and named so."""
    gone = tmp_path / "gone.safetensors"
    argv = ["recolour", str(tmp_path / "scan.h5"), "-o", str(tmp_path / "x.png"), option, str(gone)]
    assert cli_main.main(argv) == 2
    assert f"error: {option} {gone}: no such weights file" in capsys.readouterr().err
