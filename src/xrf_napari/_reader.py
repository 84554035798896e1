"""napari reader contribution: a dropped MA-XRF file becomes a lazy cube layer + its sum image.

The cube layer is a dask array transposed to (channels, height, width) so the channel axis is a
slider; none of it is read until napari draws a slice (it opens hidden). The sum image is one
streaming pass over the cube (the auto-calibration's pass of an uncalibrated file makes it on the
way): computed on open for a cube up to ASYNC_SUM_BYTES; a larger one opens at once with a
placeholder sum layer ("<name> sum (computing...)") that a worker thread fills when its pass ends,
so napari's GUI thread is not frozen for seconds.
A single spectrum opens as a 1 x 1 x C cube. Read errors are raised from the returned function
(napari wraps them in ReaderPluginError and shows them); a notification carrying our message names
the file and the problem first.
"""

from __future__ import annotations

#: Target bytes per dask chunk of the cube layer: one chunk is what napari reads for a slice.
CHUNK_BYTES = 32 * 2**20
#: Channels per chunk: a slider step reads this many channels of every row block.
CHANNELS_PER_CHUNK = 32
#: Cube bytes above which the sum image is computed in a worker thread while the viewer stays live.
#: The pass runs at 1.7 GB/s (a 3.9 GB cube froze the viewer for 2.3 s on open) to 4 GB/s (1.6 GB
#: in 0.4 s from the page cache), so 256 MiB stands for a 0.07-0.15 s freeze: below it the
#: placeholder and the second draw are not worth it.
ASYNC_SUM_BYTES = 256 * 2**20
#: Sum-layer name suffix while its image is computed, and the metadata key holding its token.
PENDING_SUFFIX = " (computing\u2026)"
PENDING_KEY = "xrf_sum_pending"


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
    sum_meta = {"xrf_cube": cube, "path": metadata["path"], "kind": "sum"}
    sum_name = f"{name} sum"
    # (an uncalibrated file's auto-calibration pass already left the sum: nothing to wait for)
    if cube.nbytes > ASYNC_SUM_BYTES and cube._sum_image is None and _can_defer():
        total, limits = np.zeros(cube.shape[:2], dtype=np.float64), (0.0, 1.0)
        sum_meta[PENDING_KEY] = token = uuid.uuid4().hex
        sum_name += PENDING_SUFFIX
        # started, and delivered, through the event loop: after viewer.open has added the layers
        _start_sum(cube, token)
    else:
        total = cube.sum_image()
        limits = _sum_limits(total)
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
                "name": sum_name,
                "metadata": sum_meta,
                "colormap": "magma",
                "contrast_limits": limits,
            },
            "image",
        ),
    ]


def _sum_limits(total) -> tuple[float, float]:
    """Contrast limits of a sum image: its 1st to 99.5th percentile (hot pixels do not set them)."""
    import numpy as np

    if total.size <= 1:
        return (0.0, 1.0)
    lo, hi = float(np.percentile(total, 1)), float(np.percentile(total, 99.5))
    return (lo, hi if hi > lo else lo + 1.0)


def _viewers() -> list:
    """The open napari viewers, without importing napari (a script that never did has none)."""
    import sys

    module = sys.modules.get("napari.viewer")
    if module is None:
        return []
    viewers = list(getattr(module.Viewer, "_instances", ()))
    if not viewers:
        current = module.current_viewer()
        viewers = [current] if current is not None else []
    return viewers


def _can_defer() -> bool:
    """True when a result can come back later: we run on the thread of a Qt application (whose
    event loop delivers it) and a napari viewer is open to show it. A script calling read_layers
    (no Qt, no viewer), or a reader run off the GUI thread, computes the sum where it is."""
    import sys

    widgets = sys.modules.get("qtpy.QtWidgets")
    app = None if widgets is None else widgets.QApplication.instance()
    if app is None:
        return False
    from qtpy.QtCore import QThread

    return QThread.currentThread() == app.thread() and bool(_viewers())


def _start_sum(cube, token: str) -> None:
    """Compute the cube's sum image and its limits in a napari worker thread, started from the
    event loop once viewer.open has added the layers (started at once, the pass slowed napari's
    adding of them on a loaded machine); the result or error reaches _deliver_sum on the GUI
    thread."""
    from qtpy.QtCore import QTimer

    QTimer.singleShot(0, lambda: _run_sum(cube, token))


def _run_sum(cube, token: str) -> None:
    def compute():
        try:
            total = cube.sum_image()
            return total, _sum_limits(total), None
        except Exception as exc:  # handed to the GUI thread as a value, never raised there
            return None, None, exc

    try:
        from napari.qt.threading import create_worker

        worker = create_worker(compute, _start_thread=False)
        worker.returned.connect(lambda out: _deliver_sum(cube, token, *out))
        worker.start()
    except Exception as exc:  # a timer callback must not raise into napari's event loop
        _deliver_sum(cube, token, None, None, exc)


def _deliver_sum(cube, token: str, total, limits, error) -> None:
    """On the GUI thread: fill the sum layer(s) still carrying `token` (none: the user closed
    them, nothing to do); on failure tell the user which file and why. Never raises."""
    try:
        layers = [
            ly
            for viewer in _viewers()
            for ly in list(viewer.layers)
            if (getattr(ly, "metadata", None) or {}).get(PENDING_KEY) == token
        ]
        if not layers:
            return
        if error is not None:
            _notify(_sum_error(cube, error))
        for layer in layers:
            if error is None:
                layer.data = total
                layer.contrast_limits_range = limits
                layer.contrast_limits = limits
            layer.metadata = {k: v for k, v in layer.metadata.items() if k != PENDING_KEY}
            if PENDING_SUFFIX in layer.name:  # a name the user chose stays
                done = "" if error is None else " (failed)"
                layer.name = layer.name.replace(PENDING_SUFFIX, done)
    except Exception as exc:  # a callback of napari's event loop must not raise into it
        _notify(_sum_error(cube, exc))


def _sum_error(cube, error: BaseException) -> str:
    from .io import CubeReadError

    if isinstance(error, CubeReadError):  # already names the file and the problem
        return f"{error} (sum image not computed)"
    where = cube.path or cube.name
    return f"{where}: the sum image could not be computed ({type(error).__name__}: {error})"


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
