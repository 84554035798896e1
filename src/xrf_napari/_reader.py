"""napari reader contribution: a dropped MA-XRF file becomes a lazy cube layer + its sum image.

The cube layer is a dask array transposed to (channels, height, width) so the channel axis is a
slider; none of it is read until napari draws a slice (it opens hidden). The sum image is one
streaming pass over the cube (the auto-calibration's pass of an uncalibrated file makes it on the
way): computed on open for a cube up to ASYNC_SUM_BYTES; a larger one opens at once with a
placeholder sum layer ("<name> sum (computing...)") that a worker thread fills when its pass ends,
so napari's GUI thread is not frozen for seconds. A larger uncalibrated one also opens at once, on
a channel axis: the same worker pass fits the automatic calibration, and its delivery puts the
calibrated Cube in both layers, turns the slider to keV and says so (_deliver_sum).
A single spectrum opens as a 1 x 1 x C cube. Read errors are raised from the returned function
(napari wraps them in ReaderPluginError and shows them); a notification carrying our message names
the file and the problem first (except where napari shows the error as it is, in its reader
dialog). Where napari's GUI open would only repeat it (no other reader claims the file), the
notification alone tells it and the function returns napari's null layer (_tell).
"""

from __future__ import annotations

import sys
import weakref

from . import PLUGIN_NAME
from .errors import CONTRAST_BYTES
from .layerkinds import (
    CUBE_REPLACED,
    KIND_KEY,
    PENDING_KEY,
    SUM_KIND,
    cube_layer_metadata,
    energy_axis,
    is_sum_image,
    mixed_axes,
    put_energy_axis,
)

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
#: The cube layers' _Uncopied faces whose Cube the automatic calibration's pass will replace, by
#: the layers' PENDING_KEY token (_deliver_sum hands them the calibrated Cube); weak: a layer
#: closed meanwhile drops its face.
_CALIBRATING_FACES: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
#: Every stack layer's face (weak: gone with its layer), for the user's calibration to hand the
#: new Cube to (CUBE_REPLACED, _follow_replaced).
_FACES: weakref.WeakSet = weakref.WeakSet()
#: The cube layer's contrast limits come from at most SAMPLE_BYTES of the rows and column blocks
#: the opening check read (errors.sample_layout), kept by read_cube(keep_contrast_sample=True).
SAMPLE_BYTES = CONTRAST_BYTES


def napari_get_reader(path):
    """Return a reader function if the path is an MA-XRF cube or spectrum we can open, else None.

    Several paths at once are napari's stack (Shift-drop): of our files, a reader that says why
    not (a scan is one file); without Shift napari hands us the paths one by one. One file of a
    Bruker .rpl/.raw pair whose other file already gave this viewer its layers returns napari's
    null layer (see _pair_open_twice)."""
    if isinstance(path, (list, tuple)):
        if len(path) > 1:
            return _refuse_stack if _claims_any(path) else None
        if not path:
            return None
        path = path[0]
    try:
        from .io import can_read

        if not can_read(path):
            return _own_tiff_reader(path)
        _prestart_look(path)
        twin = _pair_open_twice(path)
    except Exception:  # a claim check must never raise inside napari
        return None
    return read_layers if twin is None else _already_open(twin)


def _own_tiff_reader(path):
    """read_own_tiff for a TIFF xrf-napari wrote (a recoloured image, a label map, an element
    map), else None. io.claims leaves such TIFFs to napari's reader, but napari asks which reader
    opens a .tif: XRF recolouring chosen there refused the program's own image ("refused the
    file"), and napari's reader shows an RGB image 30 px or less on a side (a small scan's, a line
    scan's) as a grey stack of 3-pixel strips."""
    from pathlib import Path

    from .fileutil import TIFF_SUFFIXES
    from .saved_marks import image_marks, xrf_napari_image

    p = Path(path)
    if p.suffix.lower() not in TIFF_SUFFIXES or not p.is_file():
        return None
    marks = image_marks(p)
    return read_own_tiff if marks is not None and xrf_napari_image(*marks) else None


def read_own_tiff(path):
    """A TIFF xrf-napari wrote as what it is: an RGB image (the recoloured image) as RGB at any
    size, a 32-bit label map (Save labels & spectra's TIFF) as a Labels layer, anything else (an
    element map) as an image; named after the file, its maker in the metadata."""
    from pathlib import Path

    import numpy as np
    import tifffile

    from .io import CubeReadError
    from .saved_marks import tiff_marks, xrf_napari_image

    if isinstance(path, (list, tuple)):
        path = path[0]
    try:
        with tifffile.TiffFile(path) as tf:  # one opening: it had opened again for the marks
            made = xrf_napari_image(*tiff_marks(tf.pages.first))
            data = tf.asarray()
    except Exception as exc:  # changed since the claim: told as any read error
        return _tell(CubeReadError(path, _own_tiff_fault(exc)), path)
    meta = {"name": Path(path).stem, "metadata": {"path": str(path), "made_by": made}}
    if data.ndim == 3 and data.shape[2] == 3:
        return [(data, {**meta, "rgb": True}, "image")]
    if data.ndim == 2 and data.dtype == np.uint32:
        return [(data, meta, "labels")]
    return [(data, meta, "image")]


def _own_tiff_fault(exc) -> str:
    """Why read_own_tiff could not read the file: a compressed image whose bytes are damaged
    (errors.decompression_failed) said so; it read "could not be read (error: Error -3 while
    decompressing data: incorrect data check)", zlib's words for a changed byte."""
    from .errors import decompression_damage, decompression_failed

    if decompression_failed(exc):
        return decompression_damage(
            "its compressed image data", exc, "save it again from xrf-napari"
        )
    return f"could not be read ({type(exc).__name__}: {exc})"


def _prestart_look(path) -> None:
    """A claimed HDF5 file (by suffix or content): the warm worker of its first look
    (io.hdf5.first_look) started now (io.isolate.prestart), so that it starts while the reader
    imports what the read needs; the first HDF5 file of a session waited for that start alone
    (1.0-3.8 s at load, on napari's GUI thread)."""
    from pathlib import Path

    from .io.hdf5 import LOOK_IMPORTS
    from .io.isolate import prestart
    from .io.registry import format_of

    fmt = format_of(Path(path))
    if fmt is not None and fmt.name == "hdf5":
        prestart(*LOOK_IMPORTS)


def _claims_any(paths) -> bool:
    try:
        from .io import can_read

        return any(can_read(p) for p in paths)
    except Exception:  # a claim check must never raise inside napari
        return False


def _refuse_stack(path, **_kwargs):
    """napari's stack of several files (Shift held while dropping): each file is a whole scan."""
    from .io import CubeReadError

    paths = list(path) if isinstance(path, (list, tuple)) else [path]
    more = len(paths) - 1
    error = CubeReadError(
        paths[0],
        f"it and {more} more file{'s' if more != 1 else ''} came as one stack (Shift held "
        "while dropping, or viewer.open(..., stack=True)): xrf-napari opens one scan per file; "
        "drop the files without Shift",
    )
    return _tell(error, paths[0])


def _pair_open_twice(path):
    """(other file, layer name) when `path` is one file of a Bruker .rpl/.raw pair and the current
    viewer holds layers napari read from the other file, else None.

    napari hands a reader one path at a time, so it cannot tell that the .rpl and the .raw came in
    one drop (napari claims *.raw too, and its reader dialog then re-opens every dropped path): a
    pair dropped together would open the same scan two or three times. The second file of the
    pair therefore opens nothing while the first one's layers are in the viewer; a file opened
    alone, or the same file opened again, opens the scan as before. The other file is found by
    fileutil.same_file, so a hard link to it counts too (a resolved path alone missed that)."""
    from pathlib import Path

    p = Path(path)
    if p.suffix.lower() not in (".rpl", ".raw"):
        return None
    from .io import CubeReadError
    from .io.ripple import find_pair

    try:
        rpl, raw = find_pair(p)
    except CubeReadError:  # a .raw without its header: read_layers says so
        return None
    other = raw if p.suffix.lower() == ".rpl" else rpl
    if not other.is_file():
        return None
    from .fileutil import same_file
    from .layerkinds import layer_cube, source_file

    for viewer in _current_viewers():
        for layer in list(viewer.layers):
            if not layer_cube(layer):
                continue
            source = source_file(layer)
            if source and same_file(Path(source), other):
                return other, layer.name
    return None


def _already_open(twin):
    other, layer = twin

    def read(path, **_kwargs):
        """napari's null layer [(None,)]: read without error, nothing to add; the user is told."""
        path = path[0] if isinstance(path, (list, tuple)) else path
        _notify(
            f"{path}: not opened again: layer '{layer}' already shows this Bruker scan, read "
            f"from {other.name} (the .rpl header and the .raw counts are one scan). To open a "
            f"second copy, open {other.name} again.",
            level="info",
        )
        return [(None,)]

    return read


def read_layers(path):
    """Layer data for napari:
    [(cube dask array (C, H, W), meta, "image"), (sum image, meta, "image")], or the one layer
    of a labels.h5 / latent.h5 that `xrf-napari embed` wrote (embed_layers)."""
    from .io import CubeReadError, read_cube
    from .io.hdf5 import EmbedOutput

    if isinstance(path, (list, tuple)):
        path = path[0]
    later = ASYNC_SUM_BYTES if _can_defer() else None  # a large cube's calibration: its worker
    try:
        try:
            with _warnings_told():
                layers = cube_layers(
                    read_cube(path, calibrate_later=later, keep_contrast_sample=True)
                )
            _tell_refused_here(path, layers)
            return layers
        except EmbedOutput as exc:
            return embed_layers(exc.path, exc.kind)
    except CubeReadError as exc:
        return _tell(exc, path)


class _warnings_told:
    """Our readers' warnings while a file is read (a .raw's trailing bytes, a calibration set
    aside...) also as napari warning notifications where napari would not show them. napari
    shows a warnings.warn as a notification only once its event loop has hooked
    warnings.showwarning (napari.run): `napari FILE` reads the file before that, and the real
    spacekeys_variant.rpl's "the 180 trailing bytes are ignored; the file's size fits depth 16"
    went to the terminal alone. Every warning is passed on as it came (a script, a test, napari's
    hook see it), so inside napari's loop it is told once. They are seen through a wrapper of
    warnings.showwarning that passes each on at once, not warnings.catch_warnings, which swaps
    the process's whole warnings state while every napari worker thread (a dock's job, the sum
    pass) runs under its own: a worker that ended while a file was read left napari's hook
    replaced by its finished relay for the session, one that started put back, as it ended, the
    read's list, where every later warning went unseen. The wrapper is taken off where it is still
    in place; put back by such a worker, it only passes warnings on."""

    def __enter__(self):
        import threading
        import warnings

        before, thread, caught = warnings.showwarning, threading.get_ident(), []
        self._before, self._caught = before, caught

        def shown(message, category, filename, lineno, file=None, line=None):
            if self._caught is caught and threading.get_ident() == thread:  # this read's own
                caught.append((message, category, filename))
            before(message, category, filename, lineno, file, line)

        shown.passes_to = before  # (_napari_shows_warnings looks through it)
        self._shown = shown
        warnings.showwarning = shown
        return self

    def __exit__(self, *exc):
        import warnings

        caught, self._caught = self._caught, None
        if warnings.showwarning is self._shown:
            warnings.showwarning = self._before
        if _napari_shows_warnings(self._before):  # napari's hook showed them
            return False
        from .errors import ours_to_tell

        for message, category, filename in caught:  # a FileWarning points at the reader's caller
            if ours_to_tell(category, filename):
                _notify(str(message), level="warning")
        return False


def _napari_shows_warnings(showwarning) -> bool:
    """Whether `showwarning` (warnings.showwarning as it was), or what the wrappers of
    _warnings_told around it pass warnings on to, is napari's notification manager's hook (inside
    napari.run)."""
    while hasattr(showwarning, "passes_to"):
        showwarning = showwarning.passes_to
    try:
        from napari.utils.notifications import notification_manager
    except ImportError:
        return False
    return getattr(showwarning, "__self__", None) is notification_manager


def _tell(error, path):
    """A read error, told once: napari's null layer [(None,)] or the error raised.

    In napari's reader dialog (_napari_opener "dialog") napari shows the error as it is: raised
    alone, a notification would say it a second time. Elsewhere a notification names the file
    and the problem first (napari's ReaderPluginError says only "Tried to read ... but it gave
    an error"; a script gets the error). In napari's own GUI open ("gui") of a path no other
    reader claims, napari wraps the error, finds no other reader to offer and raises that to its
    exception hook (napari/_qt/dialogs/qt_reader_dialog.py, prepare_remaining_readers): a second
    notification, and the raise ended napari's loop over a drop, so the files dropped after it
    did not open. There the notification alone tells it and the null layer lets the drop go on.
    Where another reader claims the path, napari's dialog offers it and shows the error: raised,
    as to a script's viewer.open."""
    opener = _napari_opener()
    if opener == "dialog":
        raise error
    _notify(str(error))
    if opener == "gui" and _only_our_reader(path):
        return [(None,)]
    raise error


def _napari_opener() -> str | None:
    """Which of napari's opens made the viewer.open reading this file, read from the call stack
    at the innermost ViewerModel.open (and its callers within napari): "dialog" for napari's
    choose-a-reader dialog (open_with_dialog_choices, which re-raises the reader's error
    unwrapped to napari's exception hook), "gui" for QtViewer._qt_open (a drop, a file chosen by
    the File menu, `napari FILE`) calling viewer.open itself, else None: a script's or a
    plugin's viewer.open, one run from a callback inside napari's open included (a layer-added
    slot; anywhere up the stack, _qt_open was taken for the GUI's and the script got a null
    layer in place of its error), and a stack that cannot be read, or a napari whose functions
    have other names (told twice, never not at all). Only napari's own modules count
    ("xrf_napari" holds "napari" too)."""
    frame = _calling_frame("napari.components.viewer_model", "open")
    frame = frame.f_back if frame is not None else None
    while frame is not None:
        module = frame.f_globals.get("__name__") or ""
        if module != "napari" and not module.startswith("napari."):
            return None  # viewer.open called by someone else
        if frame.f_code.co_name == "open_with_dialog_choices":
            return "dialog"
        if frame.f_code.co_name == "_qt_open" and module == "napari._qt.qt_viewer":
            return "gui"
        frame = frame.f_back
    return None


def _calling_frame(module: str, function: str):
    """The innermost frame of the call stack running `function` of `module` (napari's or npe2's:
    what their calls do not pass the plugin, _napari_opener and _writer._given_without_suffix
    read there), or None where there is none or the stack cannot be read (no sys._getframe).
    The frame returned is a caller's, which holds no reference back: no cycle to delete."""
    try:
        frame = sys._getframe(1)
    except (AttributeError, ValueError):
        return None
    while frame is not None and not (
        frame.f_code.co_name == function and frame.f_globals.get("__name__") == module
    ):
        frame = frame.f_back
    return frame


def _only_our_reader(path) -> bool:
    """True when xrf-napari is the one reader napari has for `path` (napari's own list, as its
    prepare_remaining_readers reads it); False where that list cannot be read."""
    try:
        from napari.plugins._npe2 import get_readers

        return set(get_readers(str(path))) == {PLUGIN_NAME}
    except Exception:  # napari's private reader list moved: raise, as before
        return False


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
    """The layers of a cube; one whose automatic calibration read_cube left pending opens on its
    channel axis, both layers waiting (PENDING_KEY) for the worker that fits it (without a viewer
    to deliver it later, it is fitted here)."""
    import uuid

    import dask.array as da
    import numpy as np

    from .io import AUTO_PENDING, auto_calibrated
    from .io.arrays import pass_bytes
    from .layerkinds import YX_LABELS

    live = _can_defer()
    calibrating = cube.metadata.get("auto_calibration") == AUTO_PENDING
    if calibrating and not live:
        cube, calibrating = auto_calibrated(cube), False

    sample, cube.opening_sample = cube.opening_sample, None  # not held for the layer's life
    h, w, c = cube.shape
    itemsize = max(cube.dtype.itemsize, 1)
    ch_chunk = min(c, CHANNELS_PER_CHUNK)
    rows = int(max(1, min(h, CHUNK_BYTES // max(1, w * ch_chunk * itemsize))))
    # dask.from_array copies any array with a .copy() (np.memmap: the whole file into memory) and
    # tokenizes what it cannot name: hand it a copy-less face and a name.
    face = _Uncopied(cube.data, cube)
    _FACES.add(face)
    lazy = da.from_array(
        face,
        chunks=(rows, w, ch_chunk),
        asarray=True,
        lock=False,
        fancy=False,
        name=f"xrf-cube-{uuid.uuid4().hex}",
        meta=np.empty((0, 0, 0), cube.dtype),
    )
    stack = lazy.transpose(2, 0, 1)
    name = cube.name
    axis = energy_axis(cube)
    metadata = cube_layer_metadata(cube)
    sum_meta = {"xrf_cube": cube, "path": metadata["path"], KIND_KEY: SUM_KIND}
    if (scale := cube.live_time_scale()) is not None:  # at_median_live_time: say so
        sum_meta["xrf_values"] = f"counts per pixel, {scale.words}"
    sum_name = f"{name} sum"
    # (an uncalibrated file's auto-calibration pass already left the sum: nothing to wait for)
    if calibrating or (pass_bytes(cube) > ASYNC_SUM_BYTES and not cube.has_sum_image and live):
        total, limits = np.zeros(cube.shape[:2], dtype=np.float64), (0.0, 1.0)
        sum_meta[PENDING_KEY] = token = uuid.uuid4().hex
        if calibrating:  # the stack waits for its calibration as the sum layer for its image
            metadata[PENDING_KEY] = token
            _CALIBRATING_FACES[token] = face  # its refused chunks mark the calibrated Cube
        sum_name += PENDING_SUFFIX
        # started, and delivered, through the event loop: after viewer.open has added the layers
        _start_sum(cube, token, calibrating)
    else:  # the sample read on the pass when read_cube kept none
        total, sample = _sum_and_sample(cube) if sample is None else (cube.sum_image(), sample)
        total = cube.at_median_live_time(total)  # as the maps: APS's first column was 2.4x
        limits = _sum_limits(total)
    if sample is None:
        sample = _read_sample(cube)
    channel_limits, top = _channel_limits(cube, sample)
    if not calibrating:  # else once its axis is known (_deliver_sum)
        _warn_mixed_axes(name, axis["axis_labels"][0])
    if live and top > channel_limits[1]:
        _widen_range_later(cube, channel_limits, top)
    if live:  # the canvas says the keV of the slider's channel (napari's slider: its step)
        from ._energy_readout import watch_energy

        # every viewer: a script's v1.open() goes to v1 while v2, made last, is the current
        # one; a viewer the layers do not come to drops its readout at the next turn
        for viewer in _viewers():
            watch_energy(viewer)
    return [
        (
            stack,
            {
                "name": name,
                "metadata": metadata,
                "colormap": "gray",
                "visible": False,
                "contrast_limits": channel_limits,
                **axis,
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
                "axis_labels": YX_LABELS,
                "units": ("pixel", "pixel"),
            },
            "image",
        ),
    ]


def _sum_limits(total) -> tuple[float, float]:
    """Contrast limits of a sum image: its 1st to 99.5th percentile (hot pixels do not set them)."""
    import numpy as np

    if total.size <= 1:  # a single spectrum's one pixel: its total, shown unsaturated
        value = float(total.max()) if total.size else 0.0
        return (0.0, value if value > 0 else 1.0)
    lo, hi = float(np.percentile(total, 1)), float(np.percentile(total, 99.5))
    return (lo, hi if hi > lo else lo + 1.0)


def _current_viewers() -> list:
    """The viewer a file is being opened into: napari's current (last active) one, else all."""
    import sys

    module = sys.modules.get("napari.viewer")
    current = None if module is None else module.current_viewer()
    return [current] if current is not None else _viewers()


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


def _start_sum(cube, token: str, calibrate: bool = False) -> None:
    """Compute the cube's sum image and its limits (with `calibrate`, in the pass that fits its
    automatic calibration) in a napari worker thread, started from the event loop once
    viewer.open has added the layers (started at once, the pass slowed napari's adding of them on
    a loaded machine); the result or error reaches _deliver_sum on the GUI thread."""
    from qtpy.QtCore import QTimer

    QTimer.singleShot(0, lambda: _run_sum(cube, token, calibrate))


class _SumStopped(Exception):
    """The sum layer was closed while its pass ran: the rest of the file is not read."""


def _pending_layers(token: str) -> list:
    return [
        ly
        for viewer in _viewers()
        for ly in list(viewer.layers)
        if (getattr(ly, "metadata", None) or {}).get(PENDING_KEY) == token
    ]


def _run_sum(cube, token: str, calibrate: bool = False) -> None:
    """The pass stops at its next block once no layer waits for it (the user closed the sum
    layer, or the scan, while a 4 GB file was being read; with `calibrate`, both); nothing of it
    is kept. It runs in a pool of its own (start_in_pass_pool): in napari's, queued behind two
    long dock jobs, the sum layer said "(computing...)" until they ended. Closing the docks does
    not stop it: it is the reader's, filling the sum layer (and, with `calibrate`, the stack's
    energy axis), which wait for it whatever docks are open; the docks' element survey is
    another pass, run in a dock's panel, and stops with it (JobPanel.abandon)."""
    import threading

    stop = threading.Event()
    viewers = _viewers()
    worker = None

    def on_removed(_event=None):
        if not _pending_layers(token):
            stop.set()
            unwatch()  # nothing left to watch for

    def unwatch():
        for viewer in viewers:
            viewer.layers.events.removed.disconnect(on_removed)

    def check(_rows, _block):
        if stop.is_set() or (worker is not None and worker.abort_requested):  # napari quitting
            raise _SumStopped

    def compute():
        done = None
        try:
            if calibrate:
                from .io import auto_calibrated

                done = auto_calibrated(cube, on_block=check)  # leaves the sum image: kept
            total = cube.at_median_live_time((done or cube).sum_image(on_block=check))
            return total, _sum_limits(total), None, done
        except _SumStopped:
            return None, None, None, None
        except Exception as exc:  # handed to the GUI thread as a value, never raised there
            return None, None, exc, done

    def returned(out):
        if out[0] is not None or out[2] is not None:
            _deliver_sum(cube, token, *out)

    try:
        from .widgets._jobs import create_worker, start_in_pass_pool

        for viewer in viewers:
            viewer.layers.events.removed.connect(on_removed)
        # a task of the window showing the scan, which cancels it as it closes (napari's
        # create_worker: the current viewer's window, another viewer's where one was opened
        # or activated since); it also stops once no layer waits for it (on_removed)
        pending = {id(ly) for ly in _pending_layers(token)}
        shown = [v for v in viewers if any(id(ly) in pending for ly in v.layers)]
        worker = create_worker(
            compute,
            _start_thread=False,
            _viewer=shown[0] if len(shown) == 1 else None,
            _task=f"Summing {getattr(cube, 'name', '') or 'the scan'}",
        )
        worker.returned.connect(returned)
        worker.finished.connect(unwatch)  # also when quit at napari's exit (no `returned`)
        start_in_pass_pool(worker)
    except Exception as exc:  # a timer callback must not raise into napari's event loop
        unwatch()
        _deliver_sum(cube, token, None, None, exc, None)


def _deliver_sum(cube, token: str, total, limits, error, calibrated=None) -> None:
    """On the GUI thread: fill the sum layer(s) still carrying `token` (none: the user closed
    them, nothing to do); on failure tell the user which file and why. Never raises.

    `calibrated`: the Cube the automatic calibration's pass returned (None: none was fitted, or
    the pass failed). It replaces `cube` in every waiting layer, sum layers last, so that a dock
    showing the scan finds the old Cube gone from the viewer and follows the new one
    (CubeDock._layer_metadata_changed); the stack's axis turns to keV, and the user is told."""
    from .errors import CubeReadError

    try:
        face = _CALIBRATING_FACES.pop(token, None)
        layers = _pending_layers(token)
        if not layers:
            return
        if error is not None and _first_to_fail(calibrated or cube, error):
            _notify(_sum_error(cube, error, calibrated is None and _waits_for_axis(layers)))
        if calibrated is not None:  # before the layers take it: the docks then follow it
            _carry_instrument(cube, calibrated)
            if face is not None:
                face.follow(calibrated)
        layers.sort(key=lambda ly: is_sum_image(ly.metadata))
        for layer in layers:
            if not is_sum_image(layer.metadata):
                try:
                    _deliver_axis(layer, calibrated or cube)
                except CubeReadError as exc:  # the slice its new axis made raised (a read the
                    _notify(str(exc))  # storage did not answer: _Uncopied): the sums still land
                continue
            if error is None:
                layer.data = total
                layer.contrast_limits_range = limits
                layer.contrast_limits = limits
            meta = {k: v for k, v in layer.metadata.items() if k != PENDING_KEY}
            if calibrated is not None:
                meta["xrf_cube"] = calibrated
            layer.metadata = meta
            if PENDING_SUFFIX in layer.name:  # a name the user chose stays
                done = "" if error is None else " (failed)"
                layer.name = layer.name.replace(PENDING_SUFFIX, done)
        if calibrated is not None:
            _tell_calibration(calibrated, layers)
    except Exception as exc:  # a callback of napari's event loop must not raise into it
        _notify(_sum_error(cube, exc))


def _carry_instrument(cube, calibrated) -> None:
    """The Instrument row's choice for the scan (widgets._common.SURVEYS) goes to its calibrated
    Cube here, whether or not a dock is open: only a dock showing the scan, or one that had
    kept something of it, carried it (CubeDock._keep_for_calibrated), so "lens, Rh 50 kV" set in
    Spectrum while the calibration was fitted, that dock then closed, was gone for the docks
    opened after. No dock module imported: no choice was made, nothing to carry."""
    hub = sys.modules.get("xrf_napari.widgets._common")
    if hub is not None:
        hub.SURVEYS.carry_instrument(cube, calibrated)


def _first_to_fail(cube, error: BaseException) -> bool:
    """False when the pass met a bad block a dock's survey, reading the file at the same time,
    already told the user of (the same error came twice); a bad block marks the scan read_failed,
    so the docks do not survey it after. Any other failure is told and marks nothing."""
    from .io import CubeReadError, tell_read_failure

    return not isinstance(error, CubeReadError) or tell_read_failure(cube, error)


def _waits_for_axis(layers) -> bool:
    return any(not is_sum_image(ly.metadata) for ly in layers)


def _deliver_axis(layer, cube) -> None:
    """The stack layer of a scan whose calibration pass ended: the Cube (calibrated, or the same
    one with the failure noted) and its metadata; a keV axis when napari can show one, the
    slider kept on the channel it showed."""
    from .io import AUTO_PENDING, AUTO_READ_FAILED

    if cube.metadata.get("auto_calibration") == AUTO_PENDING:  # its pass failed (notified)
        cube.metadata["auto_calibration"] = AUTO_READ_FAILED
    kind, shown = put_energy_axis(layer, cube, energy_axis(cube), _viewers())
    _warn_mixed_axes(layer.name, kind)
    if shown:
        layer.refresh()  # may raise that read, told by _deliver_sum: the axis is whole


def _tell_refused(where, auto) -> None:
    """The warning of a file left on channel numbers: its automatic calibration `auto` (the
    metadata's note, "failed: <why>; energy axis is channel numbers") and where to turn."""
    _notify(
        f"{where}: the file has no energy calibration, and the automatic calibration "
        f"{auto}: maps, markers and pigments need one: give it one from two peaks you know "
        "with the Spectrum panel's Calibrate from two peaks... (user guide, 'Fixing a "
        "calibration').",
        level="warning",
    )


def _tell_refused_here(path, layers) -> None:
    """_tell_refused for a cube whose automatic calibration read_cube (or cube_layers) refused
    while napari waited: a file under ASYNC_SUM_BYTES so refused opened on channel numbers without
    a word (only the Spectrum dock, where open, said "No energy calibration", not why), where a
    larger one's background pass tells it (_tell_calibration). A stack of images of too few
    channels is told by io's own warning instead."""
    from .io import auto_calibration_failure, few_channels

    meta = layers[0][1]["metadata"]
    if auto_calibration_failure(meta) is not None and few_channels(meta["xrf_cube"]) is None:
        _tell_refused(path, meta["auto_calibration"])


def _tell_calibration(cube, layers) -> None:
    """One notification: the file had no calibration, the automatic one now sets the axis (or
    was refused, and why), so that a keV slider or a channel axis is not a surprise."""
    where = cube.path or cube.name
    auto = cube.metadata.get("auto_calibration")
    if cube.calibration.source != "auto" or not isinstance(auto, dict):
        _tell_refused(where, auto)
        return
    stacks = [ly for ly in layers if not is_sum_image(ly.metadata)]
    axis = energy_axis(cube)["axis_labels"][0]
    shown = (
        f"the slider of '{stacks[0].name}' now reads keV"
        if stacks and axis == "energy"
        else "the Spectrum dock shows keV"
    )
    from .detector import calibration_anode, calibration_anode_origin

    # the calibration's symbol (a saved "rh" is Rh), and advice a napari user can follow: the
    # notice said "--anode (read_cube's anode=) for another tube", which napari has no way to give
    anode = calibration_anode(cube.metadata) or auto.get("anode")
    origin = calibration_anode_origin(cube.metadata, napari=True)
    _notify(
        f"{where}: the file has no energy calibration; xrf-napari fitted one from the scan's "
        f"peaks, assuming a {anode} tube ({origin}; "
        f"{len(auto.get('matched', []))} peaks, "
        f"{float(auto.get('residual_ev_rms', 0.0)):.0f} eV rms): {shown}. If the tube was not "
        f"{anode}, every energy is off: the panels cannot redo the calibration (their Instrument "
        "row's tube box changes the suggestion, maps and fits, not the energies); see 'Fixing a "
        "calibration' in the user guide.",
        level="info",
    )


def _sum_error(cube, error: BaseException, calibrating: bool = False) -> str:
    from .io import CubeReadError

    what = "sum image and energy calibration" if calibrating else "sum image"
    if isinstance(error, CubeReadError):  # already names the file and the problem
        return f"{error} ({what} not computed)"
    where = cube.path or cube.name
    return f"{where}: the {what} could not be computed ({type(error).__name__}: {error})"


def _warn_mixed_axes(name: str, kind: str) -> None:
    """One warning when a cube opens with an energy axis (keV or channel numbers) other than that
    of cubes already in a viewer (layerkinds.mixed_axes). Without a viewer, nothing;
    never raises."""
    try:
        if said := mixed_axes(name, kind, _current_viewers()):
            _notify(said, level="warning")
    except Exception:  # a notice must never break opening the file
        pass


#: Reads of one slider chunk in a row that the storage did not answer (errors.passing_read_error)
#: before the chunk is taken as unreadable (_Uncopied): a persistent EIO (a bad sector) had raised
#: an error notification at every step of the channel slider, forever.
PASSING_TRIES = 3


class _Uncopied:
    """Read-only slicing face of the cube's data, without the .copy() dask would call.

    A chunk the file refuses (a memory-mapped scan cut short while open: io.mapped; a damaged
    compressed chunk) reads as zeros, the user told once a scan (io.tell_read_failure, as a
    pass's failure: the docks then say the file failed), and so do the chunks napari's dask
    cache kept as views of the map (io.mapped.zero_filled): napari's slicer raised at every
    step of the channel slider, an error notification and traceback each (5 steps, 5), the
    layer blank between them. A file replaced or changed on disk since it was read is said once
    (Cube.file_changed) as a chunk is read. A read the storage did not answer (a network
    drive's timeout: errors.passing_read_error) on an unchanged file is raised in words, napari
    telling it and keeping no chunk, and read again at the next step: it had marked the scan
    failed, and every dock refused it, until the file was opened again."""

    def __init__(self, data, cube=None):
        self._data = data
        self._cube = cube if getattr(cube, "path", None) is not None else None
        self.shape = tuple(int(s) for s in data.shape)
        self.dtype = data.dtype
        self.ndim = len(self.shape)
        #: chunk (its slices' bounds) -> passing failures in a row (any good read forgets them)
        self._passing: dict = {}

    def __getitem__(self, key):
        cube = self._cube
        if cube is None or not isinstance(key, tuple) or not isinstance(key[0], slice):
            return self._data[key]
        from .errors import CubeReadError, out_of_memory, passing_read_error, read_error
        from .io import read_failed
        from .io.mapped import zero_filled, zeros_read

        chunk = tuple((k.start, k.stop, k.step) if isinstance(k, slice) else k for k in key)
        try:
            block = self._data[key]
        except MemoryError as exc:  # told, naming the file; the scan is not marked failed
            raise out_of_memory(cube.path, exc, key=key) from None
        except Exception as exc:
            error = read_error(exc, self._data, key, cube.path)
            if passing_read_error(exc):  # storage that did not answer, unless the file changed
                tries = self._passing[chunk] = self._passing.get(chunk, 0) + 1
                news = cube.file_changed(every=True)
                again = tries < PASSING_TRIES and not read_failed(cube)  # (else told: zeros)
                if news is None and again:  # raised: napari tells it, caches nothing, and
                    raise CubeReadError(  # reads it again at the next step
                        cube.path,
                        f"{error.problem}; the scan stays open: step the channel slider to "
                        "read it again",
                    ) from None
                if news is not None:
                    _notify(news, level="warning")
                elif tries >= PASSING_TRIES:  # a local disk's bad sector: an error each step
                    error = CubeReadError(
                        cube.path,
                        f"{error.problem}; it failed {tries} times in a row (a damaged disk, or "
                        "a drive that stays away?)",
                    )
            self._passing.pop(chunk, None)
            self._tell_failure(error)
            return zeros_read(self, key)
        # any good read of the scan: "in a row" (three blips of one chunk with 150 good reads of
        # others between had marked the scan failed, "failed 3 times in a row")
        self._passing.clear()
        news = cube.file_changed()
        if news:
            _notify(news, level="warning")
        # a map's view (an (H, W, C) .npy or .raw; a channel-first view's chunk is a copy), which
        # napari's dask cache keeps and indexes again at a slider step back onto it: refused
        # there, it had raised at each such step
        return zero_filled(block, self._tell_failure)

    def follow(self, cube) -> None:
        """Mark `cube` from now on: the calibrated Cube that replaced the layer's (the docks
        read it), carrying a failure already told. Refused chunks had marked the Cube the layer
        was made with: the docks kept Run on, and Make maps read the file again for a second
        notification of the same failure."""
        from .io import READ_ERROR_KEY, read_failed, tell_read_failure

        old = self._cube
        if old is None:  # a Cube of no file: nothing is told
            return
        self._cube = cube
        if read_failed(old):
            tell_read_failure(cube, old.metadata[READ_ERROR_KEY])

    def _tell_failure(self, exc) -> None:
        from .io import tell_read_failure

        cube = self._cube
        exc = cube.failure_with_news(exc)  # a replaced source: said in the refusal, not lost
        if tell_read_failure(cube, exc):  # else a pass or a dock told it
            _notify(f"{exc}. Meanwhile '{cube.name}' shows what cannot be read as zeros")
            _tell_docks_failed(cube)


def _follow_replaced(old, new) -> None:
    """The faces reading `old` mark `new` from now on (CUBE_REPLACED: the user's calibration)."""
    for face in list(_FACES):
        if face._cube is old:
            face.follow(new)


CUBE_REPLACED.append(_follow_replaced)


def _tell_docks_failed(cube) -> None:
    """The docks showing `cube` turn Run off with the read-failure refusal now, as for a pass
    that failed (the survey hub's `failed`, which every dock follows): after the channel
    slider's notice on a calibrated scan, Run stayed on until clicked, the click refusing. No
    dock module imported: no dock to tell."""
    hub = sys.modules.get("xrf_napari.widgets._common")
    if hub is not None:
        try:
            hub.SURVEYS.failed.emit(cube, None)
        except RuntimeError:  # the hub deleted at the interpreter's exit
            pass


def _sample_rows(cube) -> tuple[list[int], list[tuple[int, int]]]:
    """(rows, column blocks) of the contrast sample: the evenly spaced rows, and column blocks
    inside those check_counts_sample read on opening (so they come from the page cache), bounded
    by SAMPLE_BYTES and, as the opening check is, by the chunks of a zarr store (sample_chunks)."""
    from .errors import sample_layout
    from .io.arrays import sample_chunks

    return sample_layout(cube.data, SAMPLE_BYTES, max_chunks=sample_chunks(cube))


def _pick(row, blocks):
    """The sampled columns of one (W, C) row, as one new array."""
    import numpy as np

    if len(blocks) == 1:
        return row[blocks[0][0] : blocks[0][1]].copy()
    return np.concatenate([row[x0:x1] for x0, x1 in blocks])


def _sum_and_sample(cube):
    """(sum image, contrast sample): the sample's rows are taken from the blocks of the pass
    Cube.sum_image makes, so no byte is read twice; None when the sum was already known (the
    auto-calibration's pass made it) and the caller reads the sample (_read_sample)."""
    import numpy as np

    rows, blocks = _sample_rows(cube)
    wanted, parts = set(rows), []

    def keep(sl, block):
        parts.extend(
            _pick(block[y - sl.start], blocks) for y in range(sl.start, sl.stop) if y in wanted
        )

    total = cube.sum_image(on_block=keep)
    return total, (np.stack(parts) if parts else None)


def _read_sample(cube):
    """The contrast sample read from the cube (its sum was computed earlier, or runs in a
    worker); None if reading fails (the dtype's limits are used then)."""
    import numpy as np

    rows, blocks = _sample_rows(cube)
    try:  # read as a dock reads (Cube.read_region): a file replaced meanwhile is told
        return np.stack(
            [
                np.concatenate(
                    [cube.read_region(slice(y, y + 1), slice(x0, x1))[0] for x0, x1 in blocks]
                )
                for y in rows
            ]
        )
    except Exception:  # the layer opens anyway; a broken row shows when it is drawn
        return None


def _channel_limits(cube, sample) -> tuple[tuple[float, float], float]:
    """((0, upper) contrast limits, top of their range) for the channel slider's images: the 99.5th
    percentile of the sampled counts over all channels (a channel image of a few counts per pixel
    is not black, a strong line saturates a little), and the sample's maximum for the slider's
    range. Without a usable sample, the dtype's old caps."""
    import numpy as np

    try:
        values = np.asarray(sample).ravel()
        hi, top = float(np.percentile(values, 99.5)), float(values.max())
        if not (np.isfinite(hi) and np.isfinite(top)):
            raise ValueError("non-finite sample")
    except Exception:
        dt = cube.dtype
        cap = 255.0 if dt.kind == "u" and dt.itemsize == 1 else 100.0
        hi = top = cap if dt.kind in "ui" else 1.0
    if hi <= 0:
        hi = top if top > 0 else 1.0
    if cube.dtype.kind in "ui":
        hi = max(hi, 1.0)  # whole counts: at least one
    return (0.0, hi), max(top, hi)


def _widen_range_later(cube, limits, top: float) -> None:
    """napari sets a layer's contrast_limits_range to the contrast_limits it is given: once the
    cube layer is in the viewer, widen the range to the sample's maximum so the upper limit can
    be raised for a strong line (napari's own "reset range" would span the dtype, 0-65535)."""
    from qtpy.QtCore import QTimer

    def widen():
        try:
            for viewer in _viewers():
                for layer in list(viewer.layers):
                    meta = getattr(layer, "metadata", None) or {}
                    if (
                        meta.get("xrf_cube") is cube
                        and not is_sum_image(meta)
                        and layer.ndim == 3
                        and list(layer.contrast_limits_range) == list(limits)
                    ):
                        layer.contrast_limits_range = (limits[0], top)
        except Exception:  # a callback of napari's event loop must not raise into it
            pass

    QTimer.singleShot(0, widen)


def _notify(message: str, level: str = "error") -> None:
    try:
        from napari.utils import notifications

        getattr(notifications, f"show_{level}")(message)
    except Exception:  # headless or napari absent: the raised error still carries the message
        pass
