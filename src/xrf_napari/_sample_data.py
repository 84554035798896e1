"""File > Open Sample: two small synthetic MA-XRF cubes shipped with the plugin, with true colours.

The cubes come from the project's physics-based generator (xrf_napari.synth) and live in
`xrf_napari/sample_data/` ('panel.h5': pigment swatches, 'painting.h5': a procedural painting).
A checkout without them (during development) generates an equivalent small cube once into the user's
cache folder.
"""

from __future__ import annotations

from pathlib import Path

from .fileutil import cache_dir

SAMPLE_DIR = Path(__file__).resolve().parent / "sample_data"
SAMPLES = {"panel": "panel.h5", "painting": "painting.h5"}
#: Size (pixels) of a sample generated when the shipped file is missing.
FALLBACK_SIZE = 64


def sample_panel():
    return sample_layers("panel")


def sample_painting():
    return sample_layers("painting")


def sample_layers(key: str) -> list:
    """The reader's layers for a sample cube (lazy cube + sum image) plus its true RGB image."""
    from ._reader import cube_layers
    from .io import read_cube
    from .io.project_h5 import read_targets
    from .layerkinds import YX_LABELS

    path = sample_path(key)
    cube = read_cube(path, keep_contrast_sample=True)
    layers = cube_layers(cube)
    for _data, meta, _kind in layers:
        # the docks' saves are not suggested beside the sample's file, in the installed package
        # or the cache (widgets._layers.SAMPLE_KEY, CubeDock.save_beside)
        meta.setdefault("metadata", {})["xrf_sample"] = key
    rgb = read_targets(path).get("rgb")
    if rgb is not None:
        layers.append(
            (
                rgb,
                {
                    "name": f"{cube.name} true colours",
                    "rgb": True,
                    "axis_labels": YX_LABELS,  # as the sum image's, not napari's "-2", "-1"
                    "metadata": {"path": str(path), "kind": "true_rgb"},
                },
                "image",
            )
        )
    return layers


def sample_path(key: str) -> Path:
    """The shipped sample file, else one generated once into the cache folder."""
    if key not in SAMPLES:
        raise ValueError(f"unknown sample {key!r}; choose one of {sorted(SAMPLES)}")
    shipped = SAMPLE_DIR / SAMPLES[key]
    if shipped.is_file():
        return shipped
    cached = cache_dir("samples") / SAMPLES[key]
    if not cached.is_file():
        _generate(key, cached)
    return cached


def _generate(key: str, path: Path) -> None:
    """A small cube from the synthetic generator (procedural painting; fixed seed per sample)."""
    import shutil
    import tempfile

    try:
        from .synth.dataset import GenerateConfig, cube_name, generate_one
    except ImportError as exc:
        raise FileNotFoundError(
            f"sample {SAMPLES[key]} is not installed in {SAMPLE_DIR} and the "
            f"synthetic generator is unavailable ({exc})"
        ) from exc
    seed = {"panel": 11, "painting": 12}[key]
    with tempfile.TemporaryDirectory(prefix="xrf-napari-sample-") as tmp:
        generate_one(0, GenerateConfig(out=tmp, n_cubes=1, size=FALLBACK_SIZE, seed=seed))
        path.parent.mkdir(parents=True, exist_ok=True)
        from .fileutil import atomic_path

        with atomic_path(path) as dst:
            shutil.copyfile(Path(tmp) / cube_name(0), dst)
