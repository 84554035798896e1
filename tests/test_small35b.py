"""Session 35, small35b: benchmark --help descriptions are whole sentences."""

from __future__ import annotations

import ast
import re
import subprocess
import sys

import pytest
from _bench_scripts import BENCH

SCRIPTS = sorted(p for p in BENCH.glob("*.py") if not p.name.startswith("_"))


def _description(help_text: str) -> str:
    """The description argparse prints: between the usage block and the first argument group."""
    blocks = re.split(r"\n\s*\n", help_text.strip())
    return " ".join(blocks[1].split()) if len(blocks) > 1 else ""


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_benchmark_help_description_is_not_cut_mid_sentence(script):
    """description=__doc__.splitlines()[0] cut five scripts' first sentence at its first line
    break ("... the ARI of the Embed dock's regions, with"). A description that is the whole
    docstring may end in a usage line; any other must end a sentence."""
    out = subprocess.run(
        [sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    desc = _description(out.stdout)
    assert desc and not desc.startswith(("options:", "positional arguments:")), out.stdout
    doc = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8"))) or ""
    doc = " ".join(doc.split())
    assert desc.endswith(".") or desc == doc, f"{script.name}: description cut off: {desc!r}"
