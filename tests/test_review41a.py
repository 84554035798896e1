"""Session 41, review41a: fresh-eyes review of the session's evaluate and weights/checkpoint
changes (e05a89d, 5cd1196, 46fd97d, c27399a, 4407e8b, 95993a0)."""

from __future__ import annotations

from pathlib import Path

import pytest


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


def test_evaluate_reads_each_cubes_header_once_before_scoring(tmp_path, monkeypatch):
    """5cd1196's check of every cube's targets and the MS-SSIM scale count each opened every
    cube's header (two functions doing the same read, two passes over a 5,000-cube set before
    the first cube); one read now serves both."""
    import h5py
    from test_eval41 import _set

    import xrf_napari.analysis.embed as embed
    from xrf_napari.training.evaluate import evaluate

    data = _set(tmp_path / "set", regions=(3, 3, 3), size=16)
    opened = []

    class Counting(h5py.File):
        def __init__(self, name, *args, **kwargs):
            opened.append(Path(name).name)
            super().__init__(name, *args, **kwargs)

    class FirstCube(Exception):
        pass

    def stop(*args, **kwargs):
        raise FirstCube

    monkeypatch.setattr(h5py, "File", Counting)
    monkeypatch.setattr(embed, "iter_embed", stop)
    with pytest.raises(FirstCube):
        evaluate(data, device="cpu", progress=False)
    # the first cube is also read whole for its turn; the others only by the checks before it
    assert opened.count("cube_00001.h5") == 1 and opened.count("cube_00002.h5") == 1, opened


def test_a_large_file_of_another_kind_is_refused_without_reading_it(tmp_path):
    """95993a0 refused a file whose 9th byte is '{' and whose first 8 bytes read as a header
    length above safetensors' 100 MB limit only after reading the file whole into memory (a
    scan or archive of gigabytes given as --weights by mistake)."""
    import tracemalloc

    import safetensors.torch  # noqa: F401 - imported before the count: load_weights imports it

    from xrf_napari.models.weights import WeightsError, load_weights

    path = tmp_path / "notes.safetensors"
    with open(path, "wb") as fh:
        fh.write(b"comment:{")
        fh.truncate(64 * 2**20)  # sparse: 64 MiB on no disk
    tracemalloc.start()
    try:
        with pytest.raises(WeightsError, match="notes.safetensors is not a safetensors file$"):
            load_weights(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20, f"{peak / 2**20:.0f} MiB taken in to refuse it"
