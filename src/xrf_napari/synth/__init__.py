"""Synthetic MA-XRF cubes from RGB images: colour regions, pigment recipes, per-pixel variation,
Poisson counts, dataset files and the `xrf-napari-train generate` command. See docs/physics.md.
"""
