"""Session 45 (cli45): the recolouriser's settings from a partial Namespace, the MS-SSIM and model
refusals naming where their settings came from, and HDF5 external links as guarded inputs. Small
synthetic files, no model trained."""

import argparse
import json

import pytest

pytest.importorskip("torch")

from xrf_napari.training import train_recolouriser as tr  # noqa: E402


def test_resolve_config_takes_a_namespace_without_every_option(tmp_path):
    """resolve_config read every flag as args.<name>: a Namespace built by a script (or another
    command's parser) without, say, --time-budget raised "AttributeError: 'Namespace' object has
    no attribute ..." naming no setting. An option the Namespace lacks is now not given: the
    config's value, or the default, holds."""
    cfg, sources = tr.resolve_config(argparse.Namespace())
    assert cfg["crop"] == tr.DEFAULTS["crop"] and cfg["init"] is None
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps({"crop": 96, "steps": 7}), encoding="utf-8")
    cfg, sources = tr.resolve_config(argparse.Namespace(config=str(path), seed=3))
    assert (cfg["crop"], cfg["steps"], cfg["seed"]) == (96, 7, 3)
    assert sources.said("crop", cfg) == f"crop 96 (of config {path}; set --crop)"
    assert sources.said("seed", cfg) == "--seed 3"
