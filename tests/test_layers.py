"""The package's import layers, checked from the source so that CI fails when one climbs back up.

Every module of `xrf_napari` belongs to one group below. A module may import modules of its own
group and of any lower layer; groups of the same layer (written side by side) may not import each
other. The order is the one the code has (lowest first):

    base       energy, elements, fileutil, detector, device, progress, cube, argtypes (small
               building blocks); saved_marks (the marks of xrf-napari's own files, which io reads
               and analysis writes); layerkinds (what a napari layer is to xrf-napari, Qt-free:
               asked by the reader, the writer and the docks)
    models | physics   the networks; the forward model of the simulator
    analysis   computations on in-memory cubes and spectra (maps, peaks, autocal, embed, recolour)
    io         files -> Cube; auto-calibrates through analysis.autocal
    xrf_napari the package's own `read_cube` / `Cube` facade (its __init__)
    synth      synthetic cubes, written in io's project layout
    training   trainers and evaluation: data from synth/io, models, analysis
    cli | widgets   the command lines (cli.train dispatches to synth and training by module name)
                    and the napari docks
    plugin     napari entry points (_reader, _writer, _sample_data), the reader's keV readout
               (_energy_readout) and the `xrf_napari.train` shim

Every import counts: top-level ones, those inside functions (the package imports heavy libraries
lazily, so most cross-layer imports live there), and module names handed to importlib as strings.
The graph must also have no cycles, and every internal import must name a module that exists (a
stale path left by a move shows here even when only a rarely used function holds it).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = "xrf_napari"
SRC = Path(__file__).resolve().parents[1] / "src" / PACKAGE

#: Lowest first; each layer is a tuple of independent groups, each group a tuple of module prefixes
#: relative to the package ("" is the package's __init__ alone).
LAYERS: tuple[tuple[tuple[str, ...], ...], ...] = (
    (
        (
            "energy",
            "elements",
            "errors",
            "fileutil",
            "provenance",
            "detector",
            "device",
            "progress",
            "cube",
            "argtypes",
            "memory",
            "tiff_pages",
            "saved_marks",
            "layerkinds",
        ),
    ),
    (("models",), ("physics",)),
    (("analysis",),),
    (("io",),),
    (("",),),
    (("synth",),),
    (("training",),),
    (("cli",), ("widgets",)),
    (("_reader", "_energy_readout", "_writer", "_sample_data", "train"),),
)


def module_files(root: Path = SRC) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package under root."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = (root.name, *path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _resolve_from(module: str, is_package: bool, node: ast.ImportFrom) -> str | None:
    if not node.level:
        return node.module
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """Internal modules that `module` imports anywhere in its source (functions included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve_from(module, path.name == "__init__.py", node)
            # `from pkg import sub` imports the submodule when there is one, else names of pkg.
            names = [
                f"{target}.{a.name}" if f"{target}.{a.name}" in known else target
                for a in node.names
            ]
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.startswith(PACKAGE + ".")
            and " " not in node.value
        ):
            names = [node.value.split(":")[0]]  # importlib / entry-point style "pkg.mod[:attr]"
        else:
            continue
        found.update(n for n in names if n and (n == PACKAGE or n.startswith(PACKAGE + ".")))
    found.discard(module)
    return found


def import_graph(root: Path = SRC) -> dict[str, set[str]]:
    files = module_files(root)
    known = set(files)
    return {m: imports_of(m, p, known) for m, p in files.items()}


def group_of(module: str) -> tuple[int, int]:
    """(layer index, group index) of a module; KeyError when no group claims it."""
    rel = module[len(PACKAGE) + 1 :] if module != PACKAGE else ""
    best = None
    for li, layer in enumerate(LAYERS):
        for gi, group in enumerate(layer):
            for prefix in group:
                hit = rel == prefix or (prefix and rel.startswith(prefix + "."))
                if hit and (best is None or len(prefix) > best[0]):
                    best = (len(prefix), li, gi)
    if best is None:
        raise KeyError(module)
    return best[1], best[2]


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    """Messages for every import that names a missing module, climbs up, or crosses siblings."""
    out = []
    for module, targets in sorted(graph.items()):
        here = group_of(module)
        for target in sorted(targets):
            if target not in graph:
                out.append(f"{module} imports {target}, which does not exist")
                continue
            # Importing a package's parent is implicit in Python and always allowed.
            if module.startswith(target + "."):
                continue
            there = group_of(target)
            if there[0] > here[0]:
                out.append(f"{module} (layer {here[0]}) imports {target} (higher: {there[0]})")
            elif there[0] == here[0] and there[1] != here[1]:
                out.append(
                    f"{module} imports {target}: sibling groups of layer {here[0]} "
                    "must stay independent"
                )
    return out


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as [a, b, ..., a], or None (parent-package edges ignored)."""
    state: dict[str, int] = defaultdict(int)  # 0 new, 1 on the stack, 2 done
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for t in sorted(graph.get(m, ())):
            if m.startswith(t + "."):
                continue
            if state[t] == 1:
                return stack[stack.index(t) :] + [t]
            if state[t] == 0 and t in graph:
                found = visit(t)
                if found:
                    return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if state[m] == 0:
            found = visit(m)
            if found:
                return found
    return None


@pytest.fixture(scope="module")
def graph():
    return import_graph()


def test_every_module_has_a_layer(graph):
    missing = []
    for m in graph:
        try:
            group_of(m)
        except KeyError:
            missing.append(m)
    assert not missing, f"add these modules to LAYERS in {Path(__file__).name}: {missing}"


def test_imports_only_go_down(graph):
    problems = layer_violations(graph)
    assert not problems, "\n".join(problems)


def test_no_import_cycles(graph):
    cycle = find_cycle(graph)
    assert cycle is None, " -> ".join(cycle)


def test_the_graph_sees_lazy_and_relative_imports(graph):
    # Known edges of each kind, so that a parser that silently saw nothing could not pass.
    assert "xrf_napari.device" in graph["xrf_napari.analysis.embed"]  # inside a function
    assert "xrf_napari.progress" in graph["xrf_napari.analysis.embed"]  # top level, relative
    assert "xrf_napari.io.lazy" in graph["xrf_napari.io.project_h5"]
    assert "xrf_napari.training.train_embedder" in graph["xrf_napari.cli.train"]  # importlib string


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.mark.parametrize(
    "source, expected",
    [
        ("def f():\n    from ..training.common import seed_everything\n", "higher"),
        ("from .. import widgets\n", "higher"),
        ("import xrf_napari.training.common\n", "higher"),
        ("from ..physics import xsec\n", "sibling"),
        ("def f():\n    from ..training.gone import x\n", "does not exist"),
    ],
)
def test_checker_catches_an_upward_import(graph, tmp_path, source, expected):
    """The same checks on the package's graph with one bad module added to models/: only the new
    file is parsed (as import_graph parses each file), the rest is the package's own graph."""
    bad_module = f"{PACKAGE}.models._bad"
    path = tmp_path / "_bad.py"
    path.write_text(source, encoding="utf-8")
    with_bad = {**graph, bad_module: imports_of(bad_module, path, set(graph) | {bad_module})}
    problems = layer_violations(with_bad)
    bad = [p for p in problems if p.startswith(bad_module + " ")]
    assert len(bad) == 1 and expected in bad[0], problems


def test_checker_catches_a_cycle(tmp_path):
    root = tmp_path / PACKAGE
    _write(root, "__init__.py", "")
    _write(root, "io/__init__.py", "")
    _write(root, "io/a.py", "def f():\n    from .b import g\n")
    _write(root, "io/b.py", "from . import a\n")
    cycle = find_cycle(import_graph(root))
    assert cycle is not None and set(cycle) == {"xrf_napari.io.a", "xrf_napari.io.b"}


def test_imported_names_exist():
    """`from .mod import name` inside a function only fails when that function runs: check every
    internal from-import's names now (a name moved to another module broke the pigment fit once)."""
    import importlib

    missing = []
    for module, path in module_files(SRC).items():
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not (
                node.level or (node.module or "").startswith(PACKAGE)
            ):
                continue
            base = package
            for _ in range(max(node.level - 1, 0)):
                base = base.rsplit(".", 1)[0]
            target = (
                (f"{base}.{node.module}" if node.module else base) if node.level else node.module
            )
            mod = importlib.import_module(target)
            for alias in node.names:
                if alias.name != "*" and not hasattr(mod, alias.name):
                    try:
                        importlib.import_module(f"{target}.{alias.name}")
                    except ImportError:
                        missing.append(
                            f"{module} (line {node.lineno}): {target} has no {alias.name}"
                        )
    assert not missing, "\n".join(missing)
