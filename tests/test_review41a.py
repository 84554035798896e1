"""Session 41, review41a: fresh-eyes review of the session's evaluate and weights/checkpoint
changes (e05a89d, 5cd1196, 46fd97d, c27399a, 4407e8b, 95993a0)."""

from __future__ import annotations

from pathlib import Path


def test_the_models_layer_imports_nothing_above_it():
    """c27399a made models/uvit.py's config check import analysis.ambiguity (a layer above the
    models, tests/test_layers.py): the colour prior's width now lives in models/input_layout.py,
    which the prior's builder, the config check and training all read."""
    from test_layers import import_graph, layer_violations

    import xrf_napari

    root = Path(xrf_napari.__file__).parent  # the package under test (a worktree's too)
    problems = [
        p for p in layer_violations(import_graph(root)) if p.startswith("xrf_napari.models")
    ]
    assert not problems, problems
