"""Session 62 (docksB62): items of a new user's walk through the docks."""

from __future__ import annotations

import h5py
import numpy as np


def test_embeds_latent_h5_is_not_offered_as_the_photograph(tmp_path):
    """`xrf-napari embed`'s latent.h5, opened with the xrf-napari reader, was offered as the
    Pigments dock's Photograph (its false colours taken as the painting's) where latent.png was
    not; a latent layer (metadata "xrf_latent") is no photograph, whatever its file."""
    from napari.layers import Image

    from xrf_napari._reader import read_layers
    from xrf_napari.widgets.pigments import is_photograph_choice

    latent = tmp_path / "latent.h5"
    with h5py.File(latent, "w") as f:
        f.attrs.update(source="scan.h5", weights="dve.safetensors")
        f["latent"] = np.random.default_rng(0).normal(size=(6, 5, 3)).astype(np.float32)
    [(data, meta, kind)] = read_layers(str(latent))
    layer = Image(data, **meta)
    assert kind == "image" and layer.rgb and "xrf_latent" in layer.metadata
    assert not is_photograph_choice(layer)
    assert is_photograph_choice(Image(data, rgb=True))  # the same pixels, no latent: offered
