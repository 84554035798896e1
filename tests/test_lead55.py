"""The scripts and benchmarks import the package's names inside their functions (napari-style
lazy imports), so a name moved in the package breaks them only when run: scripts/
eval_suggestions.py imported three names from analysis.peaks that had moved to detector."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted([*ROOT.glob("scripts/**/*.py"), *ROOT.glob("benchmarks/**/*.py")])


def _package_imports(path: Path):
    """(module, name, line) of each `from xrf_napari... import name` in `path`, relative ones
    left out (only the package's own modules use them)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "xrf_napari" or node.module.startswith("xrf_napari."):
                for alias in node.names:
                    yield node.module, alias.name, node.lineno


def test_every_name_the_scripts_and_benchmarks_import_from_the_package_exists():
    assert FILES, "no scripts or benchmarks found"
    missing = []
    for path in FILES:
        for module, name, line in _package_imports(path):
            try:
                mod = importlib.import_module(module)
            except ImportError as exc:
                if "xrf_napari" in str(exc):
                    missing.append(f"{path.relative_to(ROOT)}:{line}: {module} ({exc})")
                continue  # an optional dependency the module needs (not the package's fault)
            if name != "*" and not hasattr(mod, name):
                try:  # a submodule imported by name
                    importlib.import_module(f"{module}.{name}")
                except ImportError:
                    missing.append(f"{path.relative_to(ROOT)}:{line}: {module}.{name}")
    assert not missing, "\n".join(missing)
