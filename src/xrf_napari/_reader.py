"""napari reader contribution: a dropped MA-XRF file becomes a lazy cube layer + its sum image.

The cube layer is a dask array transposed to (channels, height, width) so the channel axis is a
slider; none of it is read until napari draws a slice (it opens hidden). The sum image is computed
on open: one streaming pass over the cube (plus the auto-calibration's pass for uncalibrated files).
A single spectrum opens as a 1 x 1 x C cube. Read errors are raised from the returned function
(napari wraps them in ReaderPluginError and shows them); a notification carrying our message names
the file and the problem first.
"""

from __future__ import annotations

#: Target bytes per dask chunk of the cube layer: one chunk is what napari reads for a slice.
CHUNK_BYTES = 32 * 2**20
#: Channels per chunk: a slider step reads this many channels of every row block.
CHANNELS_PER_CHUNK = 32


def napari_get_reader(path):
    """Return a reader function if the path is an MA-XRF cube or spectrum we can open, else None."""
    if isinstance(path, (list, tuple)):
        if len(path) != 1:
            return None
        path = path[0]
    try:
        from .io import can_read

        if not can_read(path):
            return None
    except Exception:  # a claim check must never raise inside napari
        return None
    return read_layers


def read_layers(path):
    """Layer data for napari:
    [(cube dask array (C, H, W), meta, "image"), (sum image, meta, "image")], or the one layer
    of a labels.h5 / latent.h5 that `xrf-napari embed` wrote (embed_layers)."""
    from .io import CubeReadError, read_cube
    from .io.hdf5 import EmbedOutput

    if isinstance(path, (list, tuple)):
        path = path[0]
    try:
        try:
            return cube_layers(read_cube(path))
        except EmbedOutput as exc:
            return embed_layers(exc.path, exc.kind)
    except CubeReadError as exc:
        _notify(str(exc))
        raise


def embed_layers(path, kind: str) -> list:
    """An embed output, named after its file: the regions as a Labels layer (the Pigments dock
    fits any Labels layer of the scan's size, so the CLI's regions reach it), the latent as the
    RGB image latent.png shows (the latent itself kept in the metadata, as the Embed dock does)."""
    from pathlib import Path

    from .io.hdf5 import read_embed_output

    data, meta = read_embed_output(path, kind)
    name = Path(path).stem
    if kind == "labels":
        return [(data, {"name": name, "metadata": meta, "opacity": 0.6}, "labels")]
    from .analysis.embed import latent_to_rgb

    rgb = latent_to_rgb(data)
    meta["xrf_latent"] = data
    return [
        (rgb, {"name": name, "metadata": meta, "rgb": True, "contrast_limits": (0, 255)}, "image")
    ]


def cube_layers(cube) -> list:
    import uuid

    import dask.array as da
    import numpy as np

    h, w, c = cube.shape
    itemsize = max(cube.dtype.itemsize, 1)
    ch_chunk = min(c, CHANNELS_PER_CHUNK)
    rows = int(max(1, min(h, CHUNK_BYTES // max(1, w * ch_chunk * itemsize))))
    # dask.from_array copies any array with a .copy() (np.memmap: the whole file into memory) and
    # tokenizes what it cannot name: hand it a copy-less face and a name.
    lazy = da.from_array(
        _Uncopied(cube.data),
        chunks=(rows, w, ch_chunk),
        asarray=True,
        lock=False,
        fancy=False,
        name=f"xrf-cube-{uuid.uuid4().hex}",
        meta=np.empty((0, 0, 0), cube.dtype),
    )
    stack = lazy.transpose(2, 0, 1)
    name = cube.name
    energy = cube.energy
    meta_common = {k: v for k, v in cube.metadata.items() if _plain(v)}
    metadata = {
        "xrf_cube": cube,
        "energy": energy,
        "calibration": cube.calibration.to_dict(),
        "path": str(cube.path) if cube.path else None,
        **meta_common,
    }
    total = cube.sum_image()
    lo, hi = (
        (float(np.percentile(total, 1)), float(np.percentile(total, 99.5)))
        if total.size > 1
        else (0.0, 1.0)
    )
    return [
        (
            stack,
            {
                "name": name,
                "metadata": metadata,
                "colormap": "gray",
                "visible": False,
                "contrast_limits": _channel_limits(cube),
                **energy_axis(cube),
            },
            "image",
        ),
        (
            total,
            {
                "name": f"{name} sum",
                "metadata": {"xrf_cube": cube, "path": metadata["path"], "kind": "sum"},
                "colormap": "magma",
                "contrast_limits": (lo, hi if hi > lo else lo + 1.0),
            },
            "image",
        ),
    ]


def energy_axis(cube) -> dict:
    """Axis names, units and the energy axis's scale for the (channels, y, x) layer: the slider
    steps through channels while world coordinates (status bar, dims point) read in keV. A
    quadratic calibration is shown by its straight line through the first and last channel."""
    e = cube.energy
    n = len(e)
    if cube.calibration.source == "none" or n < 2:
        return {"axis_labels": ("channel", "y", "x")}
    gain = float(e[-1] - e[0]) / (n - 1)
    return {
        "axis_labels": ("energy", "y", "x"),
        "units": ("keV", "pixel", "pixel"),
        "scale": (gain, 1.0, 1.0),
        "translate": (float(e[0]), 0.0, 0.0),
    }


class _Uncopied:
    """Read-only slicing face of the cube's data, without the .copy() dask would call."""

    def __init__(self, data):
        self._data = data
        self.shape = tuple(int(s) for s in data.shape)
        self.dtype = data.dtype
        self.ndim = len(self.shape)

    def __getitem__(self, key):
        return self._data[key]


def _channel_limits(cube):
    """Contrast limits for the channel slider without scanning the cube (dtype range, capped)."""
    import numpy as np

    dt = cube.dtype
    if dt.kind == "u" and dt.itemsize == 1:
        return (0.0, 255.0)
    return (0.0, float(max(1.0, min(np.iinfo(dt).max if dt.kind in "ui" else 1e4, 100.0))))


def _plain(v) -> bool:
    return isinstance(v, (str, int, float, bool, list, dict, tuple, type(None)))


def _notify(message: str) -> None:
    try:
        from napari.utils.notifications import show_error

        show_error(message)
    except Exception:  # headless or napari absent: the raised error still carries the message
        pass
