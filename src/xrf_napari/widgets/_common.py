"""Pieces every xrf-napari dock widget shares: picking cube layers, running core generators in a
worker with progress and Cancel, plugin settings, save dialogs, layer placement.

Only UI wiring lives here; computations are in xrf_napari.analysis.
"""

from __future__ import annotations

import functools
import os
import types
import weakref
from collections.abc import Callable

from qtpy.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from qtpy.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

#: Layer metadata key under which the reader stores the Cube object.
CUBE_KEY = "xrf_cube"

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


def form_grid(rows) -> QGridLayout:
    """A two-column form: (label text, widget or layout) per row, in order."""
    grid = QGridLayout()
    for i, (text, field) in enumerate(rows):
        grid.addWidget(QLabel(text), i, 0)
        (grid.addLayout if isinstance(field, QLayout) else grid.addWidget)(field, i, 1)
    return grid


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


def layer_type(layer) -> str:
    """The layer's napari class name ("Image", "Labels", ...). type() would name the
    PublicOnlyProxy napari wraps around every layer a plugin dock's viewer hands out."""
    return layer.__class__.__name__


#: Metadata key of a result layer: (weak reference to the Cube it was made from, the name it was
#: made under). Weak: a result may outlive its scan, and must not keep the scan's file open.
RESULT_KEY = "xrf_result_of"


def _made_from(layer) -> tuple:
    """(the Cube a result layer was made from, the name it was made under); (None, None) for
    other layers, and the Cube None once it is gone."""
    made = (getattr(layer, "metadata", None) or {}).get(RESULT_KEY)
    return (None, None) if made is None else (made[0](), made[1])


def result_cube(layer):
    """The Cube a result layer was made from (None for other layers, or once the Cube is gone)."""
    return _made_from(layer)[0]


def made_for(layer, cube) -> bool:
    """Whether `layer` may be used on `cube`: made from it, or made from no scan (drawn or loaded
    by the user). Another scan's result may not, also once that scan is closed: with two scans
    of one size, its regions would be averaged or fitted on the wrong scan without a word."""
    made, made_as = _made_from(layer)
    return made_as is None or (cube is not None and made is cube)


def labels_for(layer, cube, stacked: bool = False) -> bool:
    """A Labels layer made_for `cube` and of its (rows, columns) size: the regions Pigments fits
    and Spectrum averages. `stacked`: leading axes allowed (Spectrum merges them)."""
    if layer_type(layer) != "Labels" or cube is None or not made_for(layer, cube):
        return False
    shape = tuple(layer.data.shape)
    return (shape[-2:] if stacked else shape) == tuple(cube.shape[:2])


def find_result(viewer, cube, name: str):
    """The layer upsert_layer made from `cube` under `name`, or None. By what it was made from,
    not by its name alone: a renamed scan's results keep their names, and a scan opened later
    under the old name must not take them over (napari names its results "name [1]")."""
    for ly in viewer.layers:
        made, made_as = _made_from(ly)
        if made is cube and made_as == name:
            return ly
    return None


def upsert_layer(viewer, name: str, data, kind: str = "image", *, cube, **kwargs):
    """Replace the data of the layer made from `cube` under `name` (keeping the user's display
    choices), or add it."""
    kwargs["metadata"] = {**kwargs.get("metadata", {}), RESULT_KEY: (weakref.ref(cube), name)}
    layer = find_result(viewer, cube, name)
    if layer is not None:
        expected = {"image": "Image", "labels": "Labels"}[kind]
        if layer_type(layer) == expected and getattr(layer, "rgb", False) == kwargs.get(
            "rgb", False
        ):
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

    def __init__(
        self,
        viewer,
        accept: Callable[[object], bool],
        placeholder: str = "(none)",
        parent=None,
        optional: bool = False,
    ):
        super().__init__(parent)
        self._viewer = viewer  # strong: plugin widgets get a viewer proxy nothing else holds
        self._accept = accept
        self._placeholder = placeholder
        # optional: the placeholder stays first and is the default (no layer unless one is chosen)
        self._offset = 1 if optional else 0
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
        if self._offset or not layers:
            self.addItem(self._placeholder)
        for ly in layers:
            self.addItem(self._label(ly))
        chosen = self._choose(layers, current)
        if chosen is not None:
            self.setCurrentIndex(layers.index(chosen) + self._offset)
        self.blockSignals(False)
        if self.current_layer() is not current:
            self.layer_changed.emit(self.current_layer())

    def _candidates(self, viewer) -> list:
        return [ly for ly in viewer.layers if self._accept(ly)]

    def _choose(self, layers: list, current):
        """The entry to show after a refresh (None: the placeholder): the current one while it
        is listed, else (unless optional) the selected layer, else the first."""
        if current in layers:
            return current
        if layers and not self._offset:
            active = self._viewer.layers.selection.active
            return active if active in layers else layers[0]
        return None

    def _label(self, layer) -> str:
        return layer.name

    def current_layer(self):
        i = self.currentIndex() - self._offset
        return self._layers[i] if 0 <= i < len(self._layers) else None

    def set_layer(self, layer) -> None:
        if layer in self._layers:
            self.setCurrentIndex(self._layers.index(layer) + self._offset)
        elif layer is None and self._offset:
            self.setCurrentIndex(0)

    def detach(self) -> None:
        """Its dock was closed: empty, and no longer following the viewer's layers."""
        events = self._viewer.layers.events
        for ev in (events.inserted, events.removed, events.reordered):
            ev.disconnect(self.refresh)
        for ly in self._viewer.layers:
            ly.events.name.disconnect(self.refresh)
        self.blockSignals(True)
        self.clear()
        self._layers = []
        self.blockSignals(False)


def _ours(obj) -> bool:
    """An object of an xrf-napari class (whose methods may be connected to napari events)."""
    return type(obj).__module__.split(".")[0] == "xrf_napari"


def disconnect_viewer_callbacks(viewer, owners) -> None:
    """Disconnect every method of `owners` connected to an event of the viewer, of its layer
    list, selection, dims, camera or cursor, or of one of its layers (napari holds them weakly,
    so they ran as long as the Python object lived), and remove the mouse callbacks that are
    methods of theirs (a closure, as Spectrum's is, stays: it finds no scan in a closed dock)."""
    viewer = getattr(viewer, "__wrapped__", viewer)  # napari's public-only proxy
    ids = {id(o) for o in owners}
    groups = [viewer.events, viewer.layers.events, viewer.layers.selection.events]
    groups += [
        getattr(viewer, n).events for n in ("dims", "camera", "cursor") if hasattr(viewer, n)
    ]
    groups += [ly.events for ly in viewer.layers]
    for group in groups:
        for emitter in (group, *getattr(group, "emitters", {}).values()):
            hit = {
                id(obj): obj
                for cb in emitter.callbacks
                if isinstance(cb, tuple)
                and isinstance(cb[0], weakref.ref)
                and id(obj := cb[0]()) in ids
            }
            for obj in hit.values():
                emitter.disconnect(obj)
    for name in ("mouse_move_callbacks", "mouse_drag_callbacks", "mouse_wheel_callbacks"):
        callbacks = getattr(viewer, name, None)
        if callbacks is None:
            continue
        for cb in [c for c in callbacks if id(getattr(c, "__self__", None)) in ids]:
            callbacks.remove(cb)


class CubeLayerCombo(LayerCombo):
    """Drop-down of the datacubes: one entry per cube, the reader's 2-D sum image preferred over
    its (channels, rows, columns) stack (same cube, same placement).

    It follows the user: a scan just opened is chosen, and so is the scan of a layer selected in
    the layer list (its sum or its stack), so that five docks do not each need their pick-list
    changed."""

    def __init__(self, viewer, parent=None):
        self._known: set[int] | None = None  # ids of the cubes listed (None: never refreshed)
        super().__init__(viewer, lambda ly: layer_cube(ly) is not None, "(open a datacube)", parent)
        viewer.layers.selection.events.active.connect(self._follow_selection)

    def _choose(self, layers: list, current):
        cubes = [id(layer_cube(ly)) for ly in layers]
        known, self._known = self._known, set(cubes)
        if known is not None:
            opened = [ly for ly, key in zip(layers, cubes) if key not in known]
            if opened:
                return opened[-1]
        if current is not None and id(layer_cube(current)) in cubes:
            return layers[cubes.index(id(layer_cube(current)))]  # its sum replaced its stack
        return super()._choose(layers, current)

    def detach(self) -> None:
        self._viewer.layers.selection.events.active.disconnect(self._follow_selection)
        super().detach()

    def _follow_selection(self, event=None) -> None:
        active = self._viewer.layers.selection.active
        if active is None:
            return
        cube = layer_cube(active)  # not a result's scan: napari selects each layer it adds,
        if cube is None or cube is self.current_cube():  # so a job ending would pull docks back
            return
        for ly in self._layers:
            if layer_cube(ly) is cube:
                self.set_layer(ly)
                return

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
    (done, total), returning its result) in a napari thread worker; a yielded string names the
    job's next stage. A second start while a job is
    running is refused; errors become napari notifications and reset the panel; Cancel stops the
    job at its next yield.

    Each repaint of the bar repaints the whole napari window, which a software renderer (Xvfb,
    remote desktops) takes tens of milliseconds to do, so the bar changes at most
    `MAX_UPDATES_PER_S` times a second and never animates: a stage without a (done, total) yet
    shows an empty bar under its name (Qt's "busy" bar repaints about 15 times a second for as
    long as it shows, and slowed every job about twofold there).

    `on_result` may be a generator function: each of its `yield`s hands the event loop back
    before the next step (napari takes 100-150 ms of the GUI thread to add one layer here, so a
    job adding several at once froze the viewer for their sum); the job counts as running until
    its last step.
    """

    MAX_UPDATES_PER_S = 2
    STEP_PAUSE_MS = 10  # between the steps of a staged result

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
        self._abandoned = False  # its dock was closed (abandon)
        self._on_result = None
        self._delivery = None  # the on_result generator still adding results, if any
        self._finish_after_delivery = False
        self.last_error: BaseException | None = None
        self.run_button.clicked.connect(self.run_clicked.emit)
        self.cancel_button.clicked.connect(self.cancel)

    @property
    def is_running(self) -> bool:
        return self.worker is not None

    def start(
        self,
        gen_fn,
        *args,
        on_result: Callable,
        description: str = "",
        where: str = "",
        pass_pool: bool = False,
        **kwargs,
    ):
        """Start the job; returns the worker, or None when one is already running (or the
        panel's dock was closed). `where` (the scan's file) and the stage then running name an
        error the job did not word itself (torch's RuntimeErrors: _throttled). `pass_pool`: in
        the pool of the short passes the user waits on (start_in_pass_pool), not queued behind
        the dock jobs that fill napari's."""
        if self.worker is not None or self._abandoned:
            return None
        import threading

        from napari.qt.threading import create_worker

        self.last_error = None
        stop = threading.Event()  # set by the worker's quit(): the job stops at its next step
        # superqt's plain worker class (_job_worker_class): napari's own would also relay the
        # error to the notification manager with a traceback, and the user would see every
        # failure twice.
        worker = create_worker(
            _throttled,
            gen_fn,
            1.0 / self.MAX_UPDATES_PER_S,
            (where, description, stop),
            *args,
            _start_thread=False,
            _ignore_errors=True,
            _worker_class=_job_worker_class(),
            **kwargs,
        )
        worker.stop_flag = stop
        self.worker = worker
        self._on_result = on_result
        # Bound methods of this QObject: Qt drops the connections if the widget is deleted first.
        worker.yielded.connect(self._on_progress)
        worker.returned.connect(self._on_returned)
        worker.errored.connect(self._on_error)
        worker.aborted.connect(self._on_aborted)
        worker.finished.connect(self._reset)
        self._quit_on_destroy = _quitter(worker)
        self.destroyed.connect(self._quit_on_destroy)
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self._idle_bar()  # until the first report
        self.status.setText(description or "Working\u2026")
        if pass_pool:
            start_in_pass_pool(worker)
        else:
            worker.start()
        return worker

    def cancel(self) -> None:
        worker = self.worker
        if worker is None:
            return
        self.status.setText("Cancelling\u2026")
        self.cancel_button.setEnabled(False)
        worker.quit()
        if not worker.began.is_set():
            # still queued behind other jobs: once a thread takes it, it stops before its first
            # step (quit came first). The panel is free now, not when a thread frees up.
            self._let_go(worker)
            self._on_aborted()
            self._reset()

    def abandon(self) -> None:
        """Its dock was closed: stop the job at its next yield without waiting for it, add none
        of its results (a result being added stops between two steps), start no other job."""
        self._abandoned = True
        self._on_result = None
        delivery, self._delivery = self._delivery, None
        if delivery is not None:
            delivery.close()
            if self._finish_after_delivery:
                self._finish_after_delivery = False
                self._reset()
        self.cancel()

    def _let_go(self, worker) -> None:
        """Disconnect the panel from a worker it no longer waits for."""
        for signal, slot in (
            (worker.yielded, self._on_progress),
            (worker.returned, self._on_returned),
            (worker.errored, self._on_error),
            (worker.aborted, self._on_aborted),
            (worker.finished, self._reset),
        ):
            try:
                signal.disconnect(slot)
            except (TypeError, RuntimeError):  # not connected (any more)
                pass

    def _on_progress(self, value) -> None:
        if isinstance(value, str):  # a job announcing its next stage (e.g. "Clustering...")
            self.status.setText(value)
            self._idle_bar()  # until that stage's first (done, total)
            return
        try:
            done, total = value
        except (TypeError, ValueError):
            return
        total = max(int(total), 1)
        if self.progress.maximum() != total:
            self.progress.setRange(0, total)
        if self.progress.value() != min(int(done), total):
            self.progress.setValue(min(int(done), total))

    def _idle_bar(self) -> None:
        """An empty, still bar (never Qt's animated busy bar: see the class docstring)."""
        self.progress.setRange(0, 1)
        self.progress.setValue(0)

    def _on_aborted(self) -> None:
        self.status.setText("Cancelled.")

    def refused(self, message: str | None) -> None:
        """Show why the dock refused an action (report_error's message) in the status line, as
        the user guide (section 6) says, with an empty bar: the toast alone vanished, and the
        line went on showing an earlier success ("100 %, Saved ..."). While a job runs the line
        is that job's, and None (nothing reported) changes nothing."""
        if message and not self.is_running:
            self.status.setText(message)
            self._idle_bar()

    def state(self) -> tuple[str, int, int]:
        """(status text, bar value, bar maximum): what the panel says, to show again later."""
        return self.status.text(), self.progress.value(), self.progress.maximum()

    def show_state(self, state: tuple[str, int, int] | None) -> None:
        """Show a state() again; None: a blank line and an empty bar."""
        text, value, maximum = state or ("", 0, 1)
        self.status.setText(text)
        self.progress.setRange(0, max(int(maximum), 1))
        self.progress.setValue(int(value))

    def _on_returned(self, value) -> None:
        on_result, self._on_result = self._on_result, None
        if on_result is None:  # abandoned: its dock was closed
            return
        self.status.setText("Done.")
        # the work is done; its layers are being added (under a second): nothing left to cancel,
        # and a Cancel now said "Cancelling..." while every layer still came
        self.cancel_button.setEnabled(False)
        try:
            out = on_result(value)
        except Exception as exc:  # a bad result must not leave the panel stuck
            self._on_error(exc)
            return
        if isinstance(out, types.GeneratorType):
            self._delivery = out
            self._deliver_step()
        else:
            self.progress.setValue(self.progress.maximum())

    def _deliver_step(self) -> None:
        """One step of a staged result, then the next on a later turn of the event loop."""
        gen = self._delivery
        if gen is None:
            return
        try:
            next(gen)
        except StopIteration:
            self._delivery = None
            self.progress.setValue(self.progress.maximum())
        except Exception as exc:  # as in _on_returned
            self._delivery = None
            self._on_error(exc)
        else:
            # a real timer, not a 0 ms one: those are posted events, served before repaints,
            # input and other timers, so the steps would still run back to back
            QTimer.singleShot(self.STEP_PAUSE_MS, self._deliver_step)
            return
        if self._finish_after_delivery:
            self._finish_after_delivery = False
            self._reset()

    def _on_error(self, exc) -> None:
        from napari.utils.notifications import show_error

        self.last_error = exc
        self.status.setText(f"Failed: {exc}")
        show_error(str(exc) or type(exc).__name__)

    def _reset(self) -> None:
        if self._delivery is not None:  # the worker finished; its result is still being added
            self._finish_after_delivery = True
            return
        self.worker = None
        if self._quit_on_destroy is not None:
            self.destroyed.disconnect(self._quit_on_destroy)
            self._quit_on_destroy = None
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if self.last_error is not None or self.status.text().startswith("Cancel"):
            self.progress.setValue(0)
        self.finished.emit()


_CLOSED = object()


def _checked_steps(steps, still_wanted):
    """Yield from a staged result while still_wanted() (its cube may be closed between steps);
    returns its value, or _CLOSED when it was abandoned."""
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value
        yield
        if not still_wanted():
            steps.close()
            return _CLOSED


class JobFailed(Exception):
    """A job's RuntimeError (torch's "can't allocate memory", CUDA out of memory, an operator
    MPS lacks), reworded with the file and the stage it stopped in. Not a RuntimeError: superqt's
    GeneratorWorker takes every RuntimeError for a sign that the worker was deleted and only
    warns, emitting neither `errored` nor `finished`, so the dock stayed "running" forever."""


def _throttled(gen_fn, min_interval_s: float, context: tuple, *args, **kwargs):
    """The job's generator with its progress reports thinned out (progress.throttle), run at a
    lower CPU priority than the GUI thread. `context`: (the scan's file, the first stage's name,
    the worker's stop Event); a RuntimeError becomes a JobFailed naming the file and the stage
    announced last."""
    from ..progress import throttle

    where, stage, stop = context
    yield_cpu_to_gui()
    steps = throttle(_until(gen_fn(*args, **kwargs), stop), min_interval_s)
    try:
        value = None
        while True:
            report = steps.send(value)
            if isinstance(report, str):
                stage = report
            value = yield report
    except StopIteration as end:
        return end.value
    except RuntimeError as exc:
        raise JobFailed(_failure_text(exc, where, stage)) from exc
    finally:
        steps.close()


def _until(gen, stop):
    """`gen`, with a None report as soon as `stop` is set: throttle passes it on at once and
    superqt's loop, which checks for a quit only when a report comes through, stops at that step
    rather than at the next report throttle lets through (half a second later: a dock being
    closed waited for it)."""
    while True:
        try:
            report = next(gen)
        except StopIteration as done:
            return done.value
        if stop.is_set():
            yield None
        yield report


def _failure_text(exc: BaseException, where: str, stage: str) -> str:
    stage = stage.rstrip("\u2026. ")
    text = f"{type(exc).__name__}: {exc}"
    if "out of memory" in str(exc).lower() or "allocate" in str(exc).lower():
        text += " (not enough memory for this step: close other programs, or choose another device)"
    return ": ".join(part for part in (where, stage.lower() if stage else "", text) if part)


@functools.cache
def _job_worker_class():
    """superqt's GeneratorWorker that says, from its own thread, when it began and when it is
    over (after its last signal): a dock being destroyed knows whether there is anything to
    wait for, without a Qt connection (PyQt holds the slot of one made to a threading.Event's
    bound method weakly, and a garbage-collection pass cleared it first: the wait ran out)."""
    import threading

    from superqt.utils import GeneratorWorker

    class JobWorker(GeneratorWorker):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.began = threading.Event()
            self.over = threading.Event()

        def quit(self) -> None:
            super().quit()
            flag = getattr(self, "stop_flag", None)  # JobPanel.start's: _until
            if flag is not None:
                flag.set()

        def run(self) -> None:
            self.began.set()
            try:
                super().run()
            finally:
                self.over.set()

    return JobWorker


#: Threads of the pool for the short passes the user waits on (a scan's sum image, its element
#: survey): mostly reading the file; one of each for the scan just opened.
PASS_THREADS = 2


@functools.cache
def _pass_pool():
    """The pool of start_in_pass_pool. napari waits for its own pool's workers when the
    application quits (a thread still running Python then could abort the process): so for
    this one, once superqt's quit() reached its workers (they stop at their next block)."""
    from qtpy.QtCore import QCoreApplication, QThreadPool

    pool = QThreadPool()
    pool.setMaxThreadCount(PASS_THREADS)
    app = QCoreApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(pool.waitForDone)
    return pool


def start_in_pass_pool(worker) -> None:
    """Start a superqt worker in a pool of its own (_pass_pool), registered as WorkerBase.start
    registers it (napari quits it at exit), not in napari's global pool: that has a thread per
    core (2 on a small laptop), which two long dock jobs filled, and a scan's sum image and
    element survey waited for them to end (an hour for a long recolour). Dock jobs keep napari's
    pool and queue there: more jobs at once than cores would not end sooner."""
    from superqt.utils._qthreading import WorkerBase

    pool = _pass_pool()
    worker.pool = pool
    if hasattr(WorkerBase, "_worker_set"):
        WorkerBase._worker_set.add(worker)
        worker._finished.connect(WorkerBase._set_discard)
    pool.start(worker)


WORKER_NICENESS = 5


def yield_cpu_to_gui() -> None:
    """Give the calling (worker) thread, and the torch/OpenMP threads it goes on to create, a
    lower scheduling priority than napari's GUI thread. A job keeps every core busy; at equal
    priority the GUI thread got a third of a core on 2 cores and each repaint of the window took
    2-3 times as long (a visible freeze). Linux niceness is per thread; elsewhere a no-op."""
    import threading

    if not hasattr(os, "setpriority") or threading.current_thread() is threading.main_thread():
        return
    try:
        tid = threading.get_native_id()
        if os.getpriority(os.PRIO_PROCESS, tid) < WORKER_NICENESS:
            os.setpriority(os.PRIO_PROCESS, tid, WORKER_NICENESS)
    except OSError:  # not allowed or not supported: run at the normal priority
        pass


def preload_labels_imports(background: bool = False) -> None:
    """Import what napari's first Labels layer of a session imports (pandas, skimage.color: 0.5-0.8
    s here, a freeze of the viewer when done while the layer is added). Jobs that end in a Labels
    layer call it in their worker thread; their docks call it with `background` as they open, on a
    low-priority daemon thread, so that the import is usually over before the first job needs it
    (a job that starts sooner waits on Python's import lock: nothing is imported twice)."""
    import importlib
    import threading

    if background:
        threading.Thread(target=_preload_quietly, daemon=True, name="xrf-preload").start()
        return
    for name in ("pandas", "skimage.color"):
        try:
            importlib.import_module(name)
        except ImportError:  # napari will say so itself
            pass


def _preload_quietly() -> None:
    yield_cpu_to_gui()
    preload_labels_imports()


#: The longest a dock being destroyed (closed, napari quitting) waits for its job to stop.
QUIT_WAIT_S = 0.4


def _quitter(worker, wait_s: float = QUIT_WAIT_S):
    """Called when the panel is destroyed (dock closed, napari quitting): ask the job to stop at
    its next yield and wait a moment (only for this job, and only once its thread took it: a
    job still queued stops before its first step) so a test or a script does not go on with
    its thread still running. Never longer: a step that does not yield (a K-Means fit) may take
    minutes, and the GUI thread froze meanwhile; napari itself waits for every worker before
    the application quits."""

    def quit_worker(*_):
        from qtpy.QtCore import QThreadPool

        worker.quit()
        if worker.began.is_set() and worker.over.wait(wait_s):
            pool = getattr(worker, "pool", None) or QThreadPool.globalInstance()
            pool.waitForDone(50)  # its thread back in the pool

    return quit_worker


def report_error(exc: BaseException, context: str = "") -> str:
    """Show an error raised in the main thread as a napari notification; returns its message, for
    the dock's status line: `self.job.refused(report_error(exc, "Save"))`."""
    from napari.utils.notifications import show_error

    message = f"{context}{': ' if context else ''}{exc}"
    show_error(message)
    return message


# -- files ---------------------------------------------------------------------------------------
def ask_save_path(parent, title: str, filters: str, suggested: str = "", beside=None) -> str:
    """The path chosen in a save dialog ("" if cancelled). A name typed without a suffix gets the
    chosen filter's first one ("PNG (*.png)": name.png), as native dialogs add it: Qt's own
    returned it bare, and each dock coped differently (a CSV napari would not reopen, a refusal
    after the dialog closed, a silent .png). The dialog asked about the bare name only, so
    replacing a file of the completed name is asked here, in one question with the files the
    save writes next to it (`beside(path)`: paths, the chosen one left out), which no dialog
    named."""
    path, chosen = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    if not path:
        return path
    ask = []
    if not os.path.splitext(os.path.basename(path))[1]:
        suffix = filter_suffix(chosen or filters.split(";;")[0])
        if suffix:
            path += suffix
            ask.append(path)
    ask += [str(p) for p in (beside(path) if beside else []) if str(p) != path]
    return path if confirm_replace(parent, ask, "the files" if len(ask) > 1 else "the file") else ""


def filter_suffix(name_filter: str) -> str:
    """The first suffix of a dialog filter ("TIFF (*.tif *.tiff)": ".tif"; "All (*)": "")."""
    import re

    found = re.search(r"\*(\.[^\s;()*]+)", name_filter)
    return found.group(1) if found else ""


def ask_folder(parent, title: str) -> str:
    return QFileDialog.getExistingDirectory(parent, title)


def ask_open_path(parent, title: str, filters: str) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, title, "", filters)
    return path


def confirm_replace(parent, paths, what: str) -> bool:
    """True unless some of `paths` exist and the user declines to replace them: files a dialog
    never named (a folder dialog names none; a file dialog not the files written beside it)."""
    existing = [os.path.basename(p) for p in map(str, paths) if os.path.exists(p)]
    if not existing:
        return True
    answer = QMessageBox.question(
        parent,
        f"Replace {what}?",
        f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''}. Replace?",
        QMessageBox.Yes | QMessageBox.No,
        QMessageBox.No,
    )
    return answer == QMessageBox.Yes


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


def below_translate(layer, height: int, gap_fraction: float = 0.05) -> tuple[float, float]:
    """World (row, column) offset placing an image `height` pixels tall just below the layer."""
    scale, translate = yx_transform(layer)
    return translate[0] + height * scale[0] * (1.0 + gap_fraction), translate[1]


# -- what is computed once per cube --------------------------------------------------------------
def _survey_job(cube):
    """Mean spectrum (counts per pixel) and suggested elements of a cube, in one pass."""
    from ..analysis.peaks import suggest_for_cube
    from ..analysis.spectra import iter_survey

    mean, tiles = yield from iter_survey(cube)
    h, w, _ = cube.shape
    return mean, list(suggest_for_cube(cube, mean * (h * w), tiles))


class _SurveyHub(QObject):
    """The one per-process cache of cube surveys (mean spectrum + suggested elements).

    Spectrum and Elemental maps both need the survey of the selected cube: whichever asks first runs
    it in its own JobPanel, the other waits for `ready` instead of scanning the cube a second time.
    Entries are keyed by id(cube) and dropped when the Cube is garbage collected (weakref.finalize),
    so an id is never reused for a stale entry.
    """

    ready = Signal(object)  # the Cube whose survey just arrived
    failed = Signal(object)  # the Cube whose survey was cancelled or failed
    #: the Cube whose survey stopped because the dock running it was closed: another dock
    #: showing that cube runs it again (not a failure to report, nor the user's Cancel)
    orphaned = Signal(object)

    def __init__(self):
        super().__init__()
        self._done: dict[int, tuple] = {}
        self._running: dict[int, tuple] = {}  # id(cube) -> (panel, ended, gone, weakref to cube)

    def get(self, cube):
        """(mean, suggested) of the cube, or None when not computed yet."""
        return self._done.get(id(cube))

    def is_running(self, cube) -> bool:
        return id(cube) in self._running

    def start(self, cube, panel: JobPanel, description: str) -> bool:
        """Survey the cube in `panel` unless known or already running; False if `panel` is busy.
        In the pass pool: a survey is a short first look the docks wait on, and queued behind
        two long jobs (napari's pool has a thread per core) it came after them."""
        key = id(cube)
        if key in self._done or key in self._running:
            return True
        ref = weakref.ref(cube)

        def store(result):
            if ref() is not None:
                if key not in self._done:
                    weakref.finalize(ref(), self._done.pop, key, None)
                self._done[key] = (result[0], list(result[1]))
                self.ready.emit(ref())

        def ended():
            self._unhook(key)
            gone()

        def gone(*_):  # also when its dock is destroyed mid-survey: the panel then never finishes
            self._running.pop(key, None)
            if key not in self._done and ref() is not None:
                self.failed.emit(ref())

        where = str(cube.path) if getattr(cube, "path", None) else getattr(cube, "name", "")
        worker = panel.start(
            _survey_job,
            cube,
            on_result=store,
            description=description,
            where=where,
            pass_pool=True,
        )
        if worker is None:
            return False
        self._running[key] = (panel, ended, gone, ref)
        panel.finished.connect(ended)
        panel.destroyed.connect(gone)
        return True

    def abandon(self, panel: JobPanel) -> None:
        """`panel`'s dock was closed: forget the surveys it ran (its job is being stopped) and let
        the docks still showing their cubes run them again (`orphaned`)."""
        for key in [k for k, entry in self._running.items() if entry[0] is panel]:
            self._unhook(key)
            cube = self._running.pop(key)[3]()
            if cube is not None and key not in self._done:
                self.orphaned.emit(cube)

    def _unhook(self, key) -> None:
        if key not in self._running:
            return
        panel, ended, gone, _ = self._running[key]
        for signal, slot in ((panel.finished, ended), (panel.destroyed, gone)):
            try:
                signal.disconnect(slot)
            except (TypeError, RuntimeError):
                pass


SURVEYS = _SurveyHub()


class CubeDock(QWidget):
    """Base of the five docks: the viewer, a cube pick-list, one JobPanel, a scrollable body, and
    results remembered per cube.

    A dock's results belong to the cube they were computed from: switching cubes shows that cube's
    results (`show_result(None)` when it has none) and removing a cube from the viewer forgets them
    and cancels a job still running on it. Docks that need the survey (mean spectrum + suggested
    elements) set `uses_survey` and implement `show_survey`.

    Closing the dock (its title bar's x: napari takes it out of its QDockWidget) ends it at once,
    not when the garbage collector finds it: see `dock_closed`. Hiding it (the title bar's other
    button, the Window menu) changes nothing.
    """

    #: Emitted once, when the dock is closed (dock_closed).
    closed = Signal()

    uses_survey = False
    #: Maps, Embed & cluster, Recolour and Pigments open as tabs of one dock place, so that with
    #: the Spectrum dock above them all five fit a 1080p screen
    #: (each stays a separate dock the user may drag out).
    tab_group = True
    #: Height a dock asks for (its body scrolls when given less).
    PREFERRED_HEIGHT = 560

    def __init__(self, napari_viewer, run_text: str):
        super().__init__()
        # A strong reference: plugin widgets receive a proxy of the viewer that nothing else holds.
        self._viewer = napari_viewer
        self._per_cube: dict[int, tuple[object, dict]] = {}  # id(cube) -> (cube, {key: value})
        self._job_cube = None
        self._cube = None
        self._survey_when_idle = False
        self._placed = False
        self._grouped = False  # joined (or founded) the tab group
        self._docked = False  # has been inside a QDockWidget
        self._closed = False
        self.cube_combo = CubeLayerCombo(napari_viewer)
        self.job = JobPanel(run_text)
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setWidget(self.body)
        # Expanding: the body fills its dock (napari pads other docks with a stretch at the bottom)
        scroll.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Expanding)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.scroll = scroll
        self.cube_combo.layer_changed.connect(self._cube_changed)
        self.job.run_clicked.connect(self.run)
        self.job.finished.connect(self._job_ended)
        napari_viewer.layers.events.removed.connect(self._layer_removed)
        if self.uses_survey:
            SURVEYS.ready.connect(self._survey_ready)
            SURVEYS.failed.connect(self._survey_failed)
            SURVEYS.orphaned.connect(self._survey_orphaned)

    # -- for subclasses ---------------------------------------------------------------------------
    @property
    def viewer(self):
        """The viewer; None once the dock was closed (a closed dock acts on no viewer, and
        find_spectrum_widget passes over it)."""
        return None if self._closed else self._viewer

    def current_layer(self):
        return self.cube_combo.current_layer()

    def current_cube(self):
        return self.cube_combo.current_cube()

    def run(self):  # pragma: no cover - every dock overrides it
        raise NotImplementedError

    def follow_cube(self) -> None:
        """Show the selected cube's state; subclasses call it once their controls exist."""
        self._cube_changed(self.current_layer())

    def on_cube(self, layer) -> None:
        """The selected cube changed (layer None: no cube open). Called before show_result."""

    def show_result(self, result) -> None:
        """Show the current cube's result, or clear what showed a result when None."""

    def show_survey(self, mean, suggested) -> None:
        """The current cube's survey (mean counts per pixel, suggested elements) is known."""

    def remember(self, cube, key: str, value) -> None:
        self._per_cube.setdefault(id(cube), (cube, {}))[1][key] = value

    def recall(self, cube, key: str, default=None):
        entry = self._per_cube.get(id(cube))
        return default if entry is None or entry[0] is not cube else entry[1].get(key, default)

    def start_job(
        self, gen_fn, *args, cube, on_result: Callable, description: str = "", keep: bool = True
    ):
        """JobPanel.start for a job on `cube`. `on_result(value)` adds the layers and returns what
        the dock keeps for that cube (shown by show_result while the cube is selected; with
        keep=False nothing is kept: a step towards the result, such as drawing regions); a job
        whose cube was closed meanwhile is dropped."""

        def deliver(value):  # a generator: JobPanel steps it (on_result may be staged too)
            def is_open():
                return self._cube_is_open(cube)

            kept = _CLOSED
            if is_open():
                kept = on_result(value)
                if isinstance(kept, types.GeneratorType):
                    kept = yield from _checked_steps(kept, is_open)
            if kept is _CLOSED:
                self.job.status.setText("The datacube was closed; its result was dropped.")
                return
            if not keep:
                return
            self.remember(cube, "result", kept)
            if cube is self.current_cube():
                self.show_result(kept)

        where = str(cube.path) if getattr(cube, "path", None) else getattr(cube, "name", "")
        worker = self.job.start(
            gen_fn, *args, on_result=deliver, description=description, where=where
        )
        if worker is not None:
            self._job_cube = cube
        return worker

    def request_survey(self) -> None:
        """Show the current cube's survey, computing it once (shared with the other docks)."""
        cube = self.current_cube()
        if cube is None:
            return
        known = SURVEYS.get(cube)
        if known is not None:
            self.show_survey(*known)
        elif SURVEYS.is_running(cube):
            if not self.job.is_running:
                self.job.status.setText("Finding elements (in another dock)\u2026")
        elif SURVEYS.start(cube, self.job, "Reading the cube\u2026"):
            self._job_cube = cube  # started here: closing the cube stops it
        else:
            self._survey_when_idle = True  # our panel is busy: survey when it is free

    # -- placement ---------------------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        hint = self.body.sizeHint()
        bar = self.scroll.verticalScrollBar().sizeHint().width()
        return QSize(hint.width() + bar, min(hint.height(), self.PREFERRED_HEIGHT))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._placed:
            self._placed = True
            QTimer.singleShot(0, self._join_tab_group)  # once napari has placed the dock

    def _join_tab_group(self) -> None:
        """Tabify this dock with an xrf-napari dock of the tab group already in the same area."""
        dock = self.parentWidget()
        while dock is not None and not isinstance(dock, QDockWidget):
            dock = dock.parentWidget()
        if not self.tab_group or dock is None or dock.isFloating():
            return
        title = dock.windowTitle()
        if "&" in title.replace("&&", ""):  # a tab reads its title as a mnemonic: "Embed _cluster"
            dock.setWindowTitle(title.replace("&", "&&"))
        main = dock.parentWidget()
        if not isinstance(main, QMainWindow):
            return
        area = main.dockWidgetArea(dock)
        for other in main.findChildren(QDockWidget):
            w = other.widget()
            if (
                other is not dock
                and isinstance(w, CubeDock)
                and w.tab_group
                and w._grouped
                and other.toggleViewAction().isChecked()
                and not other.isFloating()
                and main.dockWidgetArea(other) == area
            ):
                main.tabifyDockWidget(other, dock)
                dock.raise_()
                break
        self._grouped = True
        # the Spectrum dock above gets a little more than half of the column (its plot and list)
        for other in main.findChildren(QDockWidget):
            w = other.widget()
            if (
                isinstance(w, CubeDock)
                and not w.tab_group
                and other.isVisible()
                and not other.isFloating()
                and main.dockWidgetArea(other) == area
            ):
                total = other.height() + dock.height()
                main.resizeDocks(
                    [other, dock],
                    [int(0.56 * total), total - int(0.56 * total)],
                    Qt.Orientation.Vertical,
                )
                break

    # -- internals ---------------------------------------------------------------------------------
    def _cube_is_open(self, cube) -> bool:
        return any(layer_cube(ly) is cube for ly in self._viewer.layers)

    def _cube_changed(self, layer) -> None:
        # The status line and bar belong to a scan, as its results do ("Saved clusters_2.png"
        # must not stay up on another scan); while a job runs they are the job's (_job_ended).
        if self._cube is not None:
            self.leave_cube(self._cube)
            if not self.job.is_running:
                self.remember(self._cube, "status", self.job.state())
        cube = None if layer is None else layer_cube(layer)
        self._cube = cube
        if not self.job.is_running:
            self.job.show_state(None if cube is None else self.recall(cube, "status"))
        self.on_cube(layer)
        self.show_result(None if cube is None else self.recall(cube, "result"))
        if self.uses_survey and cube is not None:
            self.request_survey()

    def leave_cube(self, cube) -> None:
        """The user switches away from `cube`: remember what should come back (e.g. ticks)."""

    def _job_ended(self) -> None:
        cube, self._job_cube = self._job_cube, None
        if self._closed:
            return
        if cube is not None and cube is not self._cube:
            # it ran on a scan the user has left: its last words are that scan's, and go with it
            # once it was closed ("Cancelled." stayed on the scan shown now); with no scan shown,
            # they stay ("The datacube was closed; ...")
            if self._cube_is_open(cube):
                self.remember(cube, "status", self.job.state())
                self.job.show_state(
                    None if self._cube is None else self.recall(self._cube, "status")
                )
            elif self._cube is not None:
                self.job.show_state(self.recall(self._cube, "status"))
        if self._survey_when_idle:
            self._survey_when_idle = False
            self.request_survey()

    def _layer_removed(self, event=None) -> None:
        open_ids = {id(layer_cube(ly)) for ly in self._viewer.layers if layer_cube(ly) is not None}
        for key in [k for k in self._per_cube if k not in open_ids]:
            del self._per_cube[key]
        if self._cube is not None and id(self._cube) not in open_ids:
            self._cube = None  # closed: nothing to remember for it
        if (
            self._job_cube is not None
            and id(self._job_cube) not in open_ids
            and self.job.is_running
        ):
            self.job.cancel()

    # -- closing -----------------------------------------------------------------------------------
    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.ParentChange:
            if self.parent() is not None:
                self._docked = True
            elif self._docked:
                self.dock_closed()

    def dock_closed(self) -> None:
        """The dock was closed: napari's remove_dock_widget (the title bar's x) takes it out of
        its QDockWidget and keeps it, and nothing else ended it until the garbage collector did:
        meanwhile it ran its job to the end and added its layers, followed new scans and
        surveyed them in its hidden panel, and Embed sent cluster spectra to it rather than to a
        Spectrum dock opened again. Now: its job is stopped without waiting, its results are
        dropped, its surveys go to the other docks, and every viewer, layer and survey callback
        of it (and of its pick-lists) is disconnected. Once; hiding the dock does not call it."""
        if self._closed:
            return
        self._closed = True
        self._survey_when_idle = False
        if self.uses_survey:
            for signal, slot in (
                (SURVEYS.ready, self._survey_ready),
                (SURVEYS.failed, self._survey_failed),
                (SURVEYS.orphaned, self._survey_orphaned),
            ):
                try:
                    signal.disconnect(slot)
                except (TypeError, RuntimeError):
                    pass
        self.job.abandon()
        SURVEYS.abandon(self.job)
        combos = self.findChildren(LayerCombo)
        owners = [self, *combos]
        owners += [o for o in self.findChildren(QObject) if _ours(o) and o not in owners]
        disconnect_viewer_callbacks(self._viewer, owners)
        for combo in combos:
            combo.detach()
        self.closed.emit()

    def _survey_ready(self, cube) -> None:
        try:
            if cube is self.current_cube():
                if not self.job.is_running and not self.job.status.text().startswith("Done"):
                    self.job.status.setText("")
                self.show_survey(*SURVEYS.get(cube))
        except RuntimeError:  # this dock's Qt side is already deleted
            pass

    def _survey_orphaned(self, cube) -> None:
        try:
            if cube is self.current_cube():
                self.request_survey()
        except RuntimeError:
            pass

    def _survey_failed(self, cube) -> None:
        try:
            if cube is self.current_cube() and not self.job.is_running:
                self.job.status.setText(
                    "Element survey stopped or failed; switch cubes or press "
                    "the button to run it again."
                )
        except RuntimeError:
            pass
