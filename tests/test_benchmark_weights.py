"""The unshipped weight sets under benchmarks/weights are what their manifests say: each file's
SHA-256 matches, its config loads, and the recolouriser's input width agrees with its config, so a
re-measurement with the manifest's evaluate command measures the weights the model card reports."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "benchmarks" / "weights"
MANIFESTS = sorted(ROOT.glob("*/manifest.json"))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda p: p.parent.name)
def test_manifest_hashes_match_the_files(manifest):
    entries = json.loads(manifest.read_text())
    files = {
        v["file"]: v["sha256"] for v in entries.values() if isinstance(v, dict) and "file" in v
    }
    assert "uvit.safetensors" in files
    for name, sha in files.items():
        assert _sha(manifest.parent / name) == sha, f"{manifest.parent.name}/{name}"


@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda p: p.parent.name)
def test_recolouriser_loads_with_its_input_width(manifest):
    from xrf_napari.analysis.recolour import load_recolouriser

    rec = load_recolouriser(manifest.parent / "uvit.safetensors", "cpu")
    cfg_path = manifest.parent / "config.json"
    elements = ()
    if cfg_path.is_file():  # the --config the recolouriser was trained with
        elements = tuple(json.loads(cfg_path.read_text())["model"].get("line_elements") or ())
    assert rec.config["in_chans"] == 3 + len(elements)
    assert tuple(rec.config.get("line_elements") or ()) == elements
