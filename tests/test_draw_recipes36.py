"""The recipes of a training set drawn without its spectra (synth.dataset.draw_recipes) are the
generated cubes' own, so the pigment base rates can be counted from far more cubes than can be
generated (scripts/pigment_usage.py --draw; docs/pigments_guide.md, session 36)."""

import ast
import importlib.util
import json
from pathlib import Path

import h5py
import pytest

pytest.importorskip("xraylib")

from xrf_napari.synth.dataset import GenerateConfig, draw_recipes, generate_dataset  # noqa: E402

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "pigment_usage.py"


def _script():
    spec = importlib.util.spec_from_file_location("pigment_usage", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_drawn_recipes_are_the_generated_cubes_and_count_alike(tmp_path):
    # swatch cubes (their own layouts and recipes) and procedural paintings (clustered colours)
    cfg = GenerateConfig(
        out=str(tmp_path / "set"),
        n_cubes=4,
        size=32,
        seed=3,
        profiles="wide",
        split="train",
        swatch_fraction=0.5,
        bare_ground=0.2,
        character=0.3,
    )
    generate_dataset(cfg, workers=1, progress=False)
    generated, kinds = [], set()
    for i in range(cfg.n_cubes):
        with h5py.File(tmp_path / "set" / f"cube_{i:05d}.h5", "r") as f:
            meta = json.loads(f.attrs["metadata"])
        regions = meta["regions"]
        regions = ast.literal_eval(regions) if isinstance(regions, str) else regions
        generated.append([r["pigments"] for r in regions])
        kinds.add(meta["source"]["image"])
    assert kinds == {"swatches", "procedural"}  # both kinds of cube were drawn
    drawn = draw_recipes(cfg)
    assert drawn == generated
    script = _script()
    from_files = script.count(tmp_path / "set")
    from_draws = script.tally(
        drawn, json.loads((tmp_path / "set" / "manifest.json").read_text()), "x"
    )
    assert from_files["counts"] == from_draws["counts"] and from_files["regions"] == sum(
        map(len, generated)
    )
