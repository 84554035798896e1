"""Model weights: safetensors files carrying their config, checked against a SHA-256 manifest.

Safetensors cannot execute code on load (unlike pickle), and the hash catches a truncated or
swapped file before it silently gives wrong colours. Shipped weights live in
`xrf_napari/weights/` and are listed in `weights/manifest.json`; any explicit path is accepted too.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

SHIPPED_DIR = Path(__file__).resolve().parents[1] / "weights"
MANIFEST = SHIPPED_DIR / "manifest.json"
#: Environment variable naming a folder whose weights replace the shipped ones (napari setting too).
WEIGHTS_ENV = "XRF_NAPARI_WEIGHTS"


class WeightsError(ValueError):
    """A weights file is missing, corrupt, or not the one the manifest names."""


def sha256_of(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def save_weights(state_dict: dict, path, config: dict) -> str:
    """Write tensors + config atomically; return the file's SHA-256."""
    from safetensors.torch import save_file

    from ..fileutil import atomic_path

    tensors = {k: v.detach().cpu().contiguous() for k, v in state_dict.items()}
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp), metadata={"config": json.dumps(config)})
    return sha256_of(path)


def load_weights(path, expected_sha256: str | None = None) -> tuple[dict, dict]:
    """(state_dict, config) from a safetensors file; WeightsError on any problem, naming the file."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"weights file not found: {path}")
    if expected_sha256 is not None:
        got = sha256_of(path)
        if got != expected_sha256:
            raise WeightsError(
                f"weights file {path} is corrupt or not the expected version "
                f"(SHA-256 {got[:12]}..., expected {expected_sha256[:12]}...); reinstall xrf-napari "
                "or pass the weights file you trained")
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
        state = load_file(str(path))
        config = json.loads(meta.get("config", "{}"))
    except (SafetensorError, OSError, ValueError, json.JSONDecodeError) as exc:
        raise WeightsError(f"cannot read weights file {path}: {exc}") from exc
    return state, config


def manifest() -> dict:
    if not MANIFEST.is_file():
        return {}
    return json.loads(MANIFEST.read_text())


def resolve_weights(name: str, path=None) -> tuple[Path, str | None]:
    """(file, expected hash or None) for model `name` ("dve" or "uvit").

    An explicit path wins (no hash: the user's own training); then the folder in $XRF_NAPARI_WEIGHTS;
    then the shipped file, whose hash the manifest fixes.
    """
    if path is not None:
        return Path(path), None
    entry = manifest().get(name)
    if entry is None:
        raise WeightsError(f"no shipped weights for model {name!r}; train them with xrf-napari-train "
                           "or pass a weights file")
    override = os.environ.get(WEIGHTS_ENV)
    if override and (Path(override) / entry["file"]).is_file():
        return Path(override) / entry["file"], None
    return SHIPPED_DIR / entry["file"], entry["sha256"]


def register_shipped(name: str, file: Path, extra: dict | None = None) -> None:
    """Record a weights file in the manifest (used when publishing freshly trained weights)."""
    from ..fileutil import atomic_path

    data = manifest()
    data[name] = {"file": Path(file).name, "sha256": sha256_of(file), **(extra or {})}
    with atomic_path(MANIFEST) as tmp:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
