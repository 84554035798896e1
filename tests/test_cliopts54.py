"""Session 54, the commands' options: no option read from its first letters, one name for the
embedder file, generate's --n-cubes refused by argparse as --workers is, help that says the
defaults and what generate makes, and the embedder's stop_after leaving no process group up."""

from __future__ import annotations

import argparse
import importlib
import re

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


def test_embed_k_is_refused_naming_clusters_not_read_as_k_range(capsys):
    """`embed --k 0` (meaning -k/--clusters) was read as --k-range abbreviated: "argument
    --k-range: expected 2 arguments". Fails on the parent: that refusal."""
    err = _refusal(cli_main.main, ["embed", "scan.h5", "-o", "out", "--k", "0"], capsys)
    assert err == (
        "xrf-napari embed: error: unrecognized option '--k': did you mean --clusters/-k or "
        "--k-range? (options are given in full; xrf-napari embed --help lists them)"
    )


@pytest.mark.parametrize(
    "prog, command",
    [(p, c) for p, module in TABLES.items() for c in module.COMMANDS],
    ids=lambda v: v,
)
def test_no_command_reads_an_option_from_its_first_letters(prog, command, capsys):
    """Every command's long options typed in part (all but the last letter) are refused, naming
    the option, before any file is read (even a required option missing is said after). Fails
    on the parent: each was read as the option it begins."""
    parser = _parser(prog, command)
    options = parser._option_string_actions
    entry = TABLES[prog].main
    shown = [s for a in parser._actions for s in a.option_strings]  # no alias (--embedder-weights)
    longs = [s for s in shown if s.startswith("--") and s != "--help"]
    for option in longs:
        part = option[:-1]
        if part in options or len(part) < 4:
            continue
        err = _refusal(entry, [command, part, "1"], capsys)
        assert f"unrecognized option '{part}': did you mean " in err, err
        assert option in err.split("did you mean ")[1].split("?")[0], err


def test_an_option_before_the_command_typed_in_part_is_named():
    """`xrf-napari --vers` was --version; it is refused naming it (not 'options follow the
    command', which --vers is not about)."""
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit):
        cli_main.main(["--vers"])
    assert "unrecognized option '--vers': did you mean --version?" in err.getvalue()


def test_output_is_still_read_as_out_the_trainers_name_of_it(tmp_path, capsys):
    """A guard: `recolour --out x.png` (the trainers' --out) was read as --output abbreviated;
    abbreviations off, it is still read: the refusal is of the scan, not of the option."""
    out = tmp_path / "x.png"
    assert cli_main.main(["recolour", str(tmp_path / "nosuch.h5"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "nosuch.h5" in err and "option" not in err, err
    with pytest.raises(SystemExit):
        cli_main.main(["recolour", "--help"])
    assert not re.search(r"--out\b", capsys.readouterr().out)  # shown as --output alone


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


def test_generate_n_cubes_is_refused_by_argparse_as_workers_is(capsys):
    """`--n-cubes 0` was refused by run() ("--n-cubes 0: must be at least 1") while --workers 0
    is argparse's "argument --workers: 0 is out of range", and help showed N_CUBES beside
    --workers N. Fails on the parent: 0 parsed."""
    parser = _parser("xrf-napari-train", "generate")
    with pytest.raises(SystemExit):
        parser.parse_args(["--out", "o", "--n-cubes", "0"])
    assert "argument --n-cubes: 0 is out of range: the number of cubes must be at least 1" in (
        capsys.readouterr().err
    )
    assert parser._option_string_actions["--n-cubes"].metavar == "N"
    assert parser.parse_args(["--out", "o", "--n-cubes", "3"]).n_cubes == 3


def test_generates_description_says_procedural_paintings_are_the_default():
    """ "Generate physics-based synthetic MA-XRF cubes from RGB images", where --images is optional
    and procedural paintings are the default. Fails on the parent."""
    said = cli_train.COMMANDS["generate"][1]
    assert "procedural paintings" in said and "--images" in said, said
    images = _parser("xrf-napari-train", "generate")._option_string_actions["--images"]
    assert "default: procedural paintings" in images.help


@pytest.mark.parametrize(
    "option, default", [("--patch", "16"), ("--target", "palette"), ("--time-budget", "none")]
)
def test_recolourisers_help_gives_the_defaults(option, default):
    """--patch said "16 in the paper", --target and --time-budget no default at all. Fails on the
    parent."""
    action = _parser("xrf-napari-train", "recolouriser")._option_string_actions[option]
    assert f"(default: the --config's, or {default} without one)" in action.help, action.help


def test_the_embedders_stop_after_tears_the_process_group_down(tmp_path, monkeypatch):
    """train(stop_after=N) returned from inside closed_on_error: a process group joined under
    torchrun was left up, where a Ctrl-C stop tears it down. Played by one process in a gloo
    group of world size 1 standing for torchrun's (as test_cli54's recolouriser test). Fails on
    the parent: the group stayed initialised."""
    dist = pytest.importorskip("torch.distributed")
    if not dist.is_available() or not dist.is_gloo_available():
        pytest.skip("torch built without the gloo backend")
    from test_leftovers41 import _embedder_run

    joined = dist.init_process_group

    def one_rank(backend=None, **kw):
        joined("gloo", store=dist.HashStore(), rank=0, world_size=1)

    monkeypatch.setattr(dist, "init_process_group", one_rank)
    monkeypatch.setenv("WORLD_SIZE", "2")  # as torchrun sets it: init_distributed joins a group
    try:
        _embedder_run(tmp_path)  # asserts {"interrupted_at": 2}
        assert not dist.is_initialized()
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
