"""`xrf-napari-train`: synthetic data generation, training and evaluation of the shipped models."""

from __future__ import annotations

from ._dispatch import dispatch

#: What `xrf-napari-train --help` says above the commands (plain text, as main.DESCRIPTION).
DESCRIPTION = "Synthetic data generation, training and evaluation of the shipped models."

COMMANDS = {
    "generate": (
        "xrf_napari.synth.cli",
        "Generate synthetic MA-XRF cubes of procedural paintings or RGB images (--images)",
    ),
    "export-set": (
        "xrf_napari.synth.export",
        "Write a generated set as users receive scans (.rpl/.raw, HDF5) for evaluate",
    ),
    "embedder": (
        "xrf_napari.training.train_embedder",
        "Train the Deep Variational Embedding (DVE)",
    ),
    "recolouriser": ("xrf_napari.training.train_recolouriser", "Train the SmallUViT recolouriser"),
    "evaluate": (
        "xrf_napari.training.evaluate",
        "Evaluate embedder and recolouriser on a held-out set",
    ),
}


def main(argv=None) -> int:
    return dispatch("xrf-napari-train", DESCRIPTION, COMMANDS, argv)


if __name__ == "__main__":
    raise SystemExit(main())
