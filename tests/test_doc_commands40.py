"""Every command line the docs, model cards, weight manifests and shell scripts give still names
options and choices the commands have. Those lines are how a reader re-trains the shipped weights
or re-measures a table; an option renamed in the code and not in them fails only on the day someone
copies it (a GPU run, hours in). Placeholders (SET, <dir>, $L) and fragments in prose are allowed:
only what the code could contradict is checked, i.e. the command's name, each option's name and a
literal value of an option with fixed choices."""

from __future__ import annotations

import argparse
import importlib
import re
from pathlib import Path

import pytest

from xrf_napari.cli import main as cli_main
from xrf_napari.cli import train as cli_train

ROOT = Path(__file__).resolve().parents[1]
TABLES = {"xrf-napari": cli_main.COMMANDS, "xrf-napari-train": cli_train.COMMANDS}
#: How a command is started in the text: the console scripts, their modules, and gpu_train.sh's
#: `train` shell function (xrf-napari-train).
PROGS = {
    "xrf-napari-train": "xrf-napari-train",
    "xrf-napari": "xrf-napari",
    "-m xrf_napari.train": "xrf-napari-train",
    "-m xrf_napari.cli.train": "xrf-napari-train",
    "-m xrf_napari.cli.main": "xrf-napari",
}
START = re.compile(
    r"(?:(?<![\w./-])(xrf-napari-train|xrf-napari|-m xrf_napari\.train|-m xrf_napari\.cli\.train"
    r"|-m xrf_napari\.cli\.main)|^\s*(train)) ([a-z][a-z-]*)(.*)$",
    re.MULTILINE,
)
#: Where a documented command ends: a code span, a table cell, prose in brackets, a shell operator.
STOP = re.compile(r"[`|;&]|\s\(|\)|\s-{1,2}>|$")


def _documents():
    paths = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    paths += sorted((ROOT / "benchmarks").rglob("*.md"))
    paths += sorted((ROOT / "benchmarks" / "weights").rglob("manifest.json"))
    paths += sorted((ROOT / "scripts").glob("*.sh")) + sorted((ROOT / "benchmarks").glob("*.sh"))
    return [p for p in paths if p.is_file()]


def documented_commands(text: str, shell: bool):
    """(prog, command, option tokens) of each command line in text; continuation lines joined."""
    if shell:  # comments are prose
        text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    text = re.sub(r"\\\n\s*", " ", text)
    if not shell:  # JSON strings in the manifests
        text = text.replace('\\"', '"').replace("\\n", "\n")
    for m in START.finditer(text):
        prog = PROGS[m.group(1)] if m.group(1) else ("xrf-napari-train" if shell else None)
        if prog is None:
            continue
        rest = m.group(4)
        rest = rest[: STOP.search(rest).start()]
        tokens = [t.strip("[]{}\"',.") for t in rest.split()]
        yield prog, m.group(3), [t for t in tokens if t]


def _parser(prog: str, command: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"{prog} {command}")
    importlib.import_module(TABLES[prog][command][0]).configure(parser)
    return parser


def _placeholder(value: str) -> bool:
    return bool(re.match(r"^(?:[A-Z][A-Z0-9_]*|<.*|\$.*|\.\.\.)$", value)) or "$" in value


def problems(path: Path) -> list[str]:
    shell = path.suffix == ".sh"
    found = []
    for prog, command, tokens in documented_commands(path.read_text(encoding="utf-8"), shell):
        if command not in TABLES[prog]:
            if shell:  # in prose, "xrf-napari plugin" is no command
                found.append(f"{prog} {command}: no such command")
            continue
        options = _parser(prog, command)._option_string_actions
        for i, token in enumerate(tokens):
            for name in token.split("/") if token.startswith("--") else [token]:
                name, _, inline = name.partition("=")
                if not re.match(r"^--?[a-zA-Z][\w-]*$", name):
                    continue
                action = options.get(name)
                if action is None:
                    found.append(f"{prog} {command} {name}: no such option")
                    continue
                value = inline or (tokens[i + 1] if i + 1 < len(tokens) else "")
                if action.choices and value and not value.startswith("-"):
                    values = value.split(",") if "," in value else [value]
                    for v in values:
                        if not _placeholder(v) and v not in action.choices:
                            found.append(f"{prog} {command} {name} {v}: not one of its choices")
    return found


@pytest.mark.parametrize("path", _documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_documented_commands_use_options_the_commands_have(path):
    assert problems(path) == [], path


def test_the_documents_do_give_commands():
    """The extraction finds the commands (a regex that matched nothing would pass every file)."""
    counts = {}
    for path in _documents():
        n = sum(
            1 for _ in documented_commands(path.read_text(encoding="utf-8"), path.suffix == ".sh")
        )
        counts[path.name] = n
    assert counts["training.md"] >= 10 and counts["README.md"] >= 2, counts
    assert counts["gpu_train.sh"] >= 3 and counts["demo.sh"] == 2, counts


def test_a_renamed_option_an_unknown_choice_and_command_are_caught(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text(
        "Run `xrf-napari-train generate --images DIR --out DIR --n-cubes N --profile test` and\n"
        "```\nxrf-napari-train generate --images SET \\\n  --profiles paintings\n```\n"
        "then `xrf-napari-train generate --style paper --kind panels`.\n",
        encoding="utf-8",
    )
    got = problems(doc)
    assert any("--profile: no such option" in p for p in got), got
    assert any("--profiles paintings: not one of its choices" in p for p in got), got
    assert not any("--style" in p or "--n-cubes" in p or "--images" in p for p in got), got
    sh = tmp_path / "run.sh"
    sh.write_text(
        'train embeder --data "$D"\ntrain embedder --data "$D" --stepz 5\n', encoding="utf-8"
    )
    got = problems(sh)
    assert "xrf-napari-train embeder: no such command" in got, got
    assert any("--stepz: no such option" in p for p in got), got
