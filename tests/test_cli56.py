"""Session 56, the command lines: an old spelling missing its value named as typed after the
option's own spelling was given one, and an empty value shown; generate's refusal of a
manifest.json it did not write (never replaced); a non-text anode refused; a synthetic cube's
targets read from external raw files; CommandParser's public home."""

from __future__ import annotations

from test_cli55 import _refusal

from xrf_napari.cli import main as cli_main


def test_an_old_spelling_missing_its_value_after_the_new_one_given_is_named(capsys):
    """`recolour ... --embedder A --embedder-weights` said "argument --embedder: expected one
    argument", naming the spelling that had its value; and `--embedder-weights= --embedder=A`
    showed the empty value as a double space ("--embedder-weights  and --embedder A"). Fails
    on the parent: both."""
    argv = ["recolour", "s.h5", "-o", "o.png", "--embedder", "A", "--embedder-weights"]
    err = _refusal(cli_main.main, argv, capsys)
    assert err.endswith("error: argument --embedder-weights: expected one argument"), err
    argv = ["recolour", "s.h5", "-o", "o.png", "--embedder-weights=", "--embedder=A"]
    err = _refusal(cli_main.main, argv, capsys)
    assert "--embedder-weights '' (empty) and --embedder A: the same option" in err, err


def test_the_scripts_import_command_parser_from_its_public_home():
    """Every scripts/ and benchmarks/ program imported CommandParser from the private
    cli._dispatch; xrf_napari.cli exports it (the one class). Fails on the parent: ImportError."""
    from _bench_scripts import BENCH, CHECKOUT

    from xrf_napari.cli import CommandParser
    from xrf_napari.cli._dispatch import CommandParser as private

    assert CommandParser is private
    files = sorted((CHECKOUT / "scripts").rglob("*.py")) + sorted(BENCH.rglob("*.py"))
    text = {p: p.read_text(encoding="utf-8") for p in files}
    assert sum("from xrf_napari.cli import CommandParser" in t for t in text.values()) >= 30
    assert [p.name for p, t in text.items() if "cli._dispatch" in t] == []
