"""Pieces every xrf-napari dock widget shares: picking cube layers, running core generators in a
worker with progress and Cancel, plugin settings, save dialogs, layer placement.

Only UI wiring lives here; computations are in xrf_napari.analysis.
"""

from __future__ import annotations

import os
from typing import Callable

from qtpy.QtCore import Qt, Signal
from qtpy.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

#: Layer metadata key under which the reader stores the Cube object.
CUBE_KEY = "xrf_cube"
#: Layer metadata keys caching the mean spectrum and suggested elements of a cube layer.
MEAN_SPECTRUM_KEY = "xrf_mean_spectrum"
SUGGESTED_KEY = "xrf_suggested_elements"

PLUGIN_NAME = "xrf-napari"
DEVICES = ("auto", "cuda", "mps", "cpu")
#: Environment variables that override the plugin settings (and work without napari's settings).
ENV_SETTINGS = {"device": "XRF_NAPARI_DEVICE", "weights_folder": "XRF_NAPARI_WEIGHTS"}


# -- settings ----------------------------------------------------------------------------------
def plugin_setting(key: str, default: str = "") -> str:
    """A setting from the environment (XRF_NAPARI_DEVICE / XRF_NAPARI_WEIGHTS), else from the
    plugin's napari settings (File > Preferences > XRF recolouring), else `default`."""
    env = os.environ.get(ENV_SETTINGS.get(key, ""), "")
    if env:
        return env
    try:
        from napari.settings import get_plugin_settings

        value = getattr(get_plugin_settings(PLUGIN_NAME).models, key)
    except (ImportError, KeyError, AttributeError, ValueError):
        value = None
    return str(value) if value else default


def default_weights(name: str) -> str:
    """`<weights folder>/<name>.safetensors` if the settings name a folder holding it, else ''."""
    folder = plugin_setting("weights_folder")
    if folder:
        candidate = os.path.join(os.path.expanduser(folder), f"{name}.safetensors")
        if os.path.isfile(candidate):
            return candidate
    return ""


def device_combo() -> QComboBox:
    combo = QComboBox()
    combo.addItems(DEVICES)
    wanted = plugin_setting("device", "auto").lower()
    combo.setCurrentText(wanted if wanted in DEVICES else "auto")
    combo.setToolTip("auto: CUDA GPU, then Apple MPS, then CPU")
    return combo


# -- layers ------------------------------------------------------------------------------------
def layer_cube(layer):
    """The Cube behind a layer (None for layers that are not datacubes)."""
    meta = getattr(layer, "metadata", None) or {}
    return meta.get(CUBE_KEY)


def cube_display_name(viewer, layer) -> str:
    """The name results of a cube are labelled with: its datacube layer's name (unique in the
    viewer), not the name of the "<name> sum" image that the pick-lists prefer."""
    cube = layer_cube(layer)
    for ly in viewer.layers:
        if layer_cube(ly) is cube and ly.ndim == 3:
            return ly.name
    return layer.name


def cube_layers(viewer) -> list:
    return [ly for ly in viewer.layers if layer_cube(ly) is not None]


def yx_transform(layer) -> tuple[tuple[float, float], tuple[float, float]]:
    """(scale, translate) of the layer's last two (row, column) axes."""
    return tuple(float(v) for v in layer.scale[-2:]), tuple(float(v) for v in layer.translate[-2:])


def upsert_layer(viewer, name: str, data, kind: str = "image", **kwargs):
    """Replace the data of the layer called `name` (keeping the user's display choices), or add it."""
    if name in viewer.layers:
        layer = viewer.layers[name]
        expected = {"image": "Image", "labels": "Labels"}[kind]
        if type(layer).__name__ == expected and getattr(layer, "rgb", False) == kwargs.get("rgb", False):
            layer.data = data
            for key in ("scale", "translate", "metadata"):
                if key in kwargs:
                    setattr(layer, key, kwargs[key])
            return layer
        viewer.layers.remove(layer)
    add = viewer.add_image if kind == "image" else viewer.add_labels
    return add(data, name=name, **kwargs)


class LayerCombo(QComboBox):
    """Drop-down of the viewer's layers that pass `accept`, kept in sync with the layer list."""

    layer_changed = Signal(object)

    def __init__(self, viewer, accept: Callable[[object], bool], placeholder: str = "(none)", parent=None):
        super().__init__(parent)
        self._viewer = viewer  # strong: plugin widgets get a viewer proxy nothing else holds
        self._accept = accept
        self._placeholder = placeholder
        self._layers: list = []
        events = viewer.layers.events
        for ev in (events.inserted, events.removed, events.reordered):
            ev.connect(self.refresh)
        self.currentIndexChanged.connect(lambda _: self.layer_changed.emit(self.current_layer()))
        self.refresh()

    def refresh(self, *_):
        viewer = self._viewer
        current = self.current_layer()
        layers = self._candidates(viewer)
        for ly in viewer.layers:  # follow renames (napari ignores a repeated connection)
            ly.events.name.connect(self.refresh)
        self.blockSignals(True)
        self.clear()
        self._layers = layers
        if not layers:
            self.addItem(self._placeholder)
        for ly in layers:
            self.addItem(self._label(ly))
        if current in layers:
            self.setCurrentIndex(layers.index(current))
        elif layers:
            active = viewer.layers.selection.active
            self.setCurrentIndex(layers.index(active) if active in layers else 0)
        self.blockSignals(False)
        if self.current_layer() is not current:
            self.layer_changed.emit(self.current_layer())

    def _candidates(self, viewer) -> list:
        return [ly for ly in viewer.layers if self._accept(ly)]

    def _label(self, layer) -> str:
        return layer.name

    def current_layer(self):
        i = self.currentIndex()
        return self._layers[i] if 0 <= i < len(self._layers) else None

    def set_layer(self, layer) -> None:
        if layer in self._layers:
            self.setCurrentIndex(self._layers.index(layer))


class CubeLayerCombo(LayerCombo):
    """Drop-down of the datacubes: one entry per cube, the reader's 2-D sum image preferred over
    its (channels, rows, columns) stack (same cube, same placement)."""

    def __init__(self, viewer, parent=None):
        super().__init__(viewer, lambda ly: layer_cube(ly) is not None, "(open a datacube)", parent)

    def _candidates(self, viewer) -> list:
        chosen: dict[int, object] = {}
        for ly in viewer.layers:
            cube = layer_cube(ly)
            if cube is None:
                continue
            best = chosen.get(id(cube))
            if best is None or (ly.ndim == 2 and best.ndim != 2):
                chosen[id(cube)] = ly
        return [ly for ly in viewer.layers if ly in chosen.values()]

    def _label(self, layer) -> str:
        return cube_display_name(self._viewer, layer)  # "painting", not "painting sum"

    def current_cube(self):
        layer = self.current_layer()
        return None if layer is None else layer_cube(layer)


# -- running jobs ------------------------------------------------------------------------------
class JobPanel(QWidget):
    """Run / Cancel buttons and a progress bar around one background job at a time.

    `start(gen_fn, *args, on_result=..., **kwargs)` runs a core progress generator (yielding
    (done, total), returning its result) in a napari thread worker. A second start while a job is
    running is refused; errors become napari notifications and reset the panel; Cancel stops the
    job at its next yield.
    """

    run_clicked = Signal()
    finished = Signal()

    def __init__(self, run_text: str, parent=None):
        super().__init__(parent)
        self.run_button = QPushButton(run_text)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.run_button, 2)
        row.addWidget(self.cancel_button, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.progress)
        lay.addWidget(self.status)
        self.worker = None
        self._quit_on_destroy = None
        self._on_result = None
        self.last_error: BaseException | None = None
        self.run_button.clicked.connect(self.run_clicked.emit)
        self.cancel_button.clicked.connect(self.cancel)

    @property
    def is_running(self) -> bool:
        return self.worker is not None

    def start(self, gen_fn, *args, on_result: Callable, description: str = "", **kwargs):
        """Start the job; returns the worker, or None when one is already running."""
        if self.worker is not None:
            return None
        from napari.qt.threading import create_worker
        from superqt.utils import GeneratorWorker

        self.last_error = None
        # superqt's plain worker class: napari's own would also relay the error to the notification
        # manager with a traceback, and the user would see every failure twice.
        import threading

        done = threading.Event()
        worker = create_worker(gen_fn, *args, _start_thread=False, _ignore_errors=True,
                               _worker_class=GeneratorWorker, **kwargs)
        self.worker = worker
        self._on_result = on_result
        # Bound methods of this QObject: Qt drops the connections if the widget is deleted first.
        worker.yielded.connect(self._on_progress)
        worker.returned.connect(self._on_returned)
        worker.errored.connect(self._on_error)
        worker.aborted.connect(self._on_aborted)
        worker.finished.connect(self._reset)
        # set in the worker's own thread as it finishes (the GUI thread may be blocked waiting)
        worker.finished.connect(done.set, Qt.ConnectionType.DirectConnection)
        self._quit_on_destroy = _quitter(worker, done)
        self.destroyed.connect(self._quit_on_destroy)
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)  # busy until the first report
        self.status.setText(description or "Working\u2026")
        worker.start()
        return worker

    def cancel(self) -> None:
        if self.worker is not None:
            self.status.setText("Cancelling\u2026")
            self.cancel_button.setEnabled(False)
            self.worker.quit()

    def _on_progress(self, value) -> None:
        try:
            done, total = value
        except (TypeError, ValueError):
            return
        total = max(int(total), 1)
        if self.progress.maximum() != total:
            self.progress.setRange(0, total)
        self.progress.setValue(min(int(done), total))

    def _on_aborted(self) -> None:
        self.status.setText("Cancelled.")

    def _on_returned(self, value) -> None:
        on_result, self._on_result = self._on_result, None
        self.status.setText("Done.")
        try:
            on_result(value)
        except Exception as exc:  # a bad result must not leave the panel stuck
            self._on_error(exc)
            return
        self.progress.setValue(self.progress.maximum())

    def _on_error(self, exc) -> None:
        from napari.utils.notifications import show_error

        self.last_error = exc
        self.status.setText(f"Failed: {exc}")
        show_error(str(exc) or type(exc).__name__)

    def _reset(self) -> None:
        self.worker = None
        if self._quit_on_destroy is not None:
            self.destroyed.disconnect(self._quit_on_destroy)
            self._quit_on_destroy = None
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
        if self.last_error is not None or self.status.text().startswith("Cancel"):
            self.progress.setValue(0)
        self.finished.emit()


def _quitter(worker, done, wait_s: float = 10.0):
    """Called when the panel is destroyed (dock closed, napari quitting): ask the job to stop at its
    next yield and wait until it finishes (only this job, not other docks' jobs), then give
    the thread a moment to emit its last signals, so it never signals into Qt objects that are gone
    (that aborted the whole process at exit)."""
    def quit_worker(*_):
        from qtpy.QtCore import QThreadPool

        worker.quit()
        if done.wait(wait_s):
            QThreadPool.globalInstance().waitForDone(200)

    return quit_worker


def report_error(exc: BaseException, context: str = "") -> None:
    """Show an error raised in the main thread as a napari notification."""
    from napari.utils.notifications import show_error

    show_error(f"{context}{': ' if context else ''}{exc}")


# -- files ---------------------------------------------------------------------------------------
def ask_save_path(parent, title: str, filters: str, suggested: str = "") -> str:
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    return path


def ask_open_path(parent, title: str, filters: str) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, title, "", filters)
    return path


def weights_row(parent, edit, title: str) -> QHBoxLayout:
    """The weights-file line edit with a '\u2026' button that fills it from a file dialog."""
    button = QPushButton("\u2026")
    button.setMaximumWidth(30)

    def browse():
        path = ask_open_path(parent, title, "safetensors (*.safetensors)")
        if path:
            edit.setText(path)

    button.clicked.connect(browse)
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    row.addWidget(button)
    return row


def side_by_side_translate(layer, width: int, gap_fraction: float = 0.05) -> tuple[float, float]:
    """World (row, column) offset placing an image `width` pixels wide just right of the layer."""
    scale, translate = yx_transform(layer)
    return translate[0], translate[1] + width * scale[1] * (1.0 + gap_fraction)
