"""Running a core progress generator in a background worker from a dock: JobPanel (Run, Cancel,
progress bar, status line), the worker it uses, the pool of the short passes the user waits on,
the lower CPU priority of worker threads, and error reports.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import types
import weakref
from collections.abc import Callable
from pathlib import Path

from qtpy.QtCore import QTimer, Signal
from qtpy.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

#: The status line between a Cancel and the job's end.
CANCELLING = "Cancelling\u2026"
#: The status line of a job the user cancelled before its result came.
CANCELLED = "Cancelled."
#: The status line between a stop (JobPanel.stop: its scan closed) and the job's end.
STOPPING = "Stopping\u2026"


class PaintLaterBar(QProgressBar):
    """A progress bar whose changes paint at the event loop's next turn, with whatever else
    changed, not at once: QProgressBar.setValue, and setRange where it resets the bar, repaint
    synchronously, and beside napari's OpenGL canvas a repaint of any widget composes the whole
    window (160-330 ms each under Xvfb on two busy cores). Each of Elemental maps' 13 added maps
    paid it beside the layer's own repaint (13.5 s of a 38 s landing), and each stage a job
    announced (_idle_bar) paid it again."""

    def _later(self, change, *args) -> None:
        self.setUpdatesEnabled(False)  # its repaint() does nothing; enabling again updates
        try:
            change(self, *args)
        finally:
            self.setUpdatesEnabled(True)

    def setValue(self, value: int) -> None:
        if value != self.value():
            self._later(QProgressBar.setValue, value)

    def setRange(self, minimum: int, maximum: int) -> None:
        self._later(QProgressBar.setRange, minimum, maximum)

    def setMinimum(self, minimum: int) -> None:  # each resets the bar, repainting it at once
        self._later(QProgressBar.setMinimum, minimum)

    def setMaximum(self, maximum: int) -> None:
        self._later(QProgressBar.setMaximum, maximum)

    def reset(self) -> None:
        self._later(QProgressBar.reset)


class StatusLine(QLabel):
    """A panel's status line. While its job runs on a scan other than the one its dock shows
    (name_scan), every line is shown after that scan's name: "Integrating line windows..." of
    Make maps on one scan stood over another scan chosen meanwhile, as if of that one. text()
    is the line as said, without the name (what the dock keeps and compares)."""

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self._said = text
        self._scan = ""

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        self._said = text
        super().setText(f"On {self._scan}: {text}" if self._scan and text else text)

    def text(self) -> str:
        return self._said

    def shown(self) -> str:
        """The line as shown, the scan's name included."""
        return super().text()

    def name_scan(self, name: str) -> None:
        """Show the lines after `name` ("": none) from now on, the current one too."""
        if name != self._scan:
            self._scan = name
            self.setText(self._said)


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
    its last step. A staged result that says what it adds (begin_adding, then added after each
    step) shows it on the line and the bar, and may be cancelled between two steps: Cancel then
    sets `adding_cancelled`, which the result reads to stop and say what it added.
    """

    MAX_UPDATES_PER_S = 2
    STEP_PAUSE_MS = 10  # between the steps of a staged result

    run_clicked = Signal()
    finished = Signal()

    def __init__(self, run_text: str, parent=None, viewer=None):
        super().__init__(parent)
        #: the viewer whose window tracks this panel's jobs (create_worker); None: none does
        self.viewer = viewer
        self.run_button = QPushButton(run_text)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.progress = PaintLaterBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.status = StatusLine()
        self.status.setWordWrap(True)
        self.button_row = QHBoxLayout()
        self.button_row.addWidget(self.run_button, 2)
        self.button_row.addWidget(self.cancel_button, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(self.button_row)
        lay.addWidget(self.progress)
        lay.addWidget(self.status)
        self.worker = None
        self._quit_on_destroy = None
        self._abandoned = False  # its dock was closed (abandon)
        self._stop_reason = None  # why the job was stopped, when not the user's Cancel (stop)
        #: () -> the line once the running job is cancelled, None for "Cancelled." (None: always
        #: "Cancelled."): a save's write, one step, goes on through a Cancel (save_in_job)
        self.cancelled_words = None
        self._on_result = None
        self._delivery = None  # the on_result generator still adding results, if any
        self._finish_after_delivery = False
        self._adding = False  # a staged result counts what it adds (begin_adding)
        self._adding_cancelled = False
        self._adding_cancellable = True  # begin_adding's cancellable: Cancel may stop the adding
        self._adding_what = (1, "layer")  # begin_adding's count and noun, for added
        self.last_error: BaseException | None = None
        self._refusal = ""  # why Run cannot work on the chosen scan (refuse_runs)
        self._unready = ""  # what Run still needs from the user (hold_run)
        self.run_button.clicked.connect(self.run_clicked.emit)
        self.cancel_button.clicked.connect(self.cancel)

    def add_beside_run(self, button) -> None:
        """A button that acts on the job's result (Save) at the end of the Run/Cancel row: a row of
        its own cost a dock with a tall form its last controls' place above the fold at 1080p."""
        self.button_row.addWidget(button, 1)

    @property
    def is_running(self) -> bool:
        return self.worker is not None

    @property
    def is_stopping(self) -> bool:
        """A job runs, asked to stop (Cancel, stop, abandon): it ends at its next step."""
        flag = getattr(self.worker, "stop_flag", None)
        return flag is not None and flag.is_set()

    @property
    def refusal(self) -> str:
        """Why no run works on the chosen scan (refuse_runs; "": none): a dock's other buttons
        starting a job on the scan (Pigments' Find regions) follow it as Run does."""
        return self._refusal

    def refuse_runs(self, why: str) -> None:
        """Run is off while `why` (the dock's scan_refusal of the chosen scan; "": none) says
        it cannot work, its tooltip saying why: on a scan refused as it was chosen, Run stayed on
        and a click only said the status line's refusal again. A job keeps Run off until it
        ends (_reset), which follows this."""
        self._refusal = why
        self._follow_run()

    def hold_run(self, why: str) -> None:
        """Run is off while `why` ("": nothing) says what the user must do first (Pigments: draw
        or cluster regions), its tooltip saying so. Unlike refuse_runs, the dock's other buttons
        (Find regions, which makes the regions) stay on."""
        self._unready = why
        self._follow_run()

    def _follow_run(self) -> None:
        why = self._refusal or self._unready
        self.run_button.setToolTip(why)
        self.run_button.setEnabled(not self.is_running and not why)

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
        self.last_error = None
        self._stop_reason = None
        self.cancelled_words = None
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
            _viewer=self.viewer,
            _task=description or self.run_button.text().replace("&&", "&"),
            **kwargs,
        )
        worker.stop_flag = stop
        _stop_jobs_at_exit()
        _job_workers.add(worker)
        self.worker = worker
        self._on_result = on_result
        # Bound methods of this QObject: Qt drops the connections if the widget is deleted first.
        worker.yielded.connect(self._on_progress)
        worker.returned.connect(self._on_returned)
        worker.errored.connect(self._on_error)
        worker.warned.connect(self._on_warned)
        worker.aborted.connect(self._on_aborted)
        worker.finished.connect(self._reset)
        self._quit_on_destroy = _quitter(worker)
        self.destroyed.connect(self._quit_on_destroy)
        # Cancel on first: the keyboard focus Run gives up goes to the next control on, Cancel
        # beside it, not out of the dock (onto napari's "hide this panel" button)
        self.cancel_button.setEnabled(True)
        self.run_button.setEnabled(False)
        self._idle_bar()  # until the first report
        self.status.setText(description or "Working\u2026")
        if pass_pool:
            start_in_pass_pool(worker)
        else:
            worker.start()
        return worker

    def cancel(self) -> None:
        """The user's Cancel (or a script's cancel()): the job stops at its next step, a staged
        result's adding (begin_adding) between two of its layers. Nothing where there is
        nothing it may stop: an adding begun with cancellable=False (Embed & cluster's two
        layers: the line said "Cancelling..." as both came, then "Done."), or a job already
        stopping (stop: "Stopping..." became "Cancelling..." before the stop's reason)."""
        if self._stop_reason is not None or (self._adding and not self._adding_cancellable):
            return
        self._end_job(CANCELLING)

    def _end_job(self, line: str) -> None:
        """Ask the job to stop (cancel, stop, abandon), the line saying `line` until it did."""
        worker = self.worker
        if worker is None:
            return
        if self._adding and self._delivery is not None:
            # the job is over; its result stops adding layers at its next step and says so
            self._adding_cancelled = True
            self.status.setText(line)
            self.cancel_button.setEnabled(False)
            return
        self.status.setText(line)
        self.cancel_button.setEnabled(False)
        worker.quit()
        if not worker.began.is_set():
            # still queued behind other jobs: once a thread takes it, it stops before its first
            # step (quit came first). The panel is free now, not when a thread frees up.
            self._let_go(worker)
            self._on_aborted()
            self._reset()

    def stop(self, reason: str) -> bool:
        """Stop the job for a reason other than the user's Cancel (its scan was closed): the
        status line ends with `reason` (e.g. "Stopped: the scan x.h5 was closed."), not
        "Cancelled.", which told the user they had cancelled a job they had not. True when
        this call stopped it; False without a job, or for one already stopped so and still
        ending (at its next step): the layers removed meanwhile (several scans closed at once)
        stopped it again, and each said so in a notification of its own."""
        if self.worker is None or self._stop_reason is not None:
            return False
        self._stop_reason = reason
        # it stops at its next step, which may be seconds away (a first Recolour's torch import
        # and model loads: about 3 s, 13 s on two busy cores): the reason, said at once, read as
        # if it had stopped while Run stayed off. It comes as it ends (_on_aborted)
        self._end_job(STOPPING)
        return True

    def abandon(self) -> None:
        """Its dock was closed: stop the job at its next yield without waiting for it, add none
        of its results (a result being added stops between two steps), start no other job."""
        self._abandoned = True
        self._on_result = None
        delivery, self._delivery = self._delivery, None
        self._adding = self._adding_cancelled = False
        if delivery is not None:
            if not delivery.gi_running:
                delivery.close()
            # else: abandoned from inside one of its steps (closing it there raised "generator
            # already executing"): _deliver_step closes it once that step is over
            if self._finish_after_delivery:
                self._finish_after_delivery = False
                self._reset()
        self._end_job(CANCELLING)

    def begin_adding(self, total: int, what: str = "layer", cancellable: bool = True) -> None:
        """A staged result (on_result a generator) is adding `total` layers (`what`: "map"): the
        line says "Adding 13 maps... (0 of 13)" (adding_words), the bar is at 0 of `total`, and
        Cancel is on again where `cancellable` (it stops the adding between two steps:
        adding_cancelled; a result that cannot keep part of what it adds passes False). The
        job's own "Done." said it all was done while the viewer froze for seconds as the layers
        came (13 maps: 8.8 s under Xvfb; Embed & cluster's two layers: 2.4-2.9 s on a first run)."""
        self._adding, self._adding_cancelled = True, False
        self._adding_cancellable = bool(cancellable)
        self._adding_what = (int(total), what)
        self.status.setText(adding_words(0, int(total), what))
        self.progress.setRange(0, max(int(total), 1))
        self.progress.setValue(0)
        self.cancel_button.setEnabled(cancellable)

    def added(self, done: int) -> None:
        """`done` of begin_adding's layers are in: the bar and the line (unless Cancel's
        "Cancelling..." holds it) say so."""
        total, what = self._adding_what
        self.progress.setValue(min(int(done), self.progress.maximum()))
        if not self._adding_cancelled:
            self.status.setText(adding_words(done, total, what))

    @property
    def adding_cancelled(self) -> bool:
        """Cancel was pressed while a staged result added its layers (begin_adding)."""
        return self._adding_cancelled

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
            # a name queued before Cancel or a stop: the line keeps their word
            if self.status.text() not in (CANCELLING, STOPPING):
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
        said = None if self._stop_reason or self.cancelled_words is None else self.cancelled_words()
        self.status.setText(self._stop_reason or said or CANCELLED)

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
        if self._stop_reason is None and self.worker is not None and self.worker.abort_requested:
            # Cancel came after the job's last step but before its result was handed here: the
            # result is dropped, as Cancel said (a fast Make maps added every map, its line
            # ending "2 map(s) added ..."). A stop (its scan closed) still hands it over: the
            # dock's own words say what became of it (a save: "nothing was written; the edited
            # regions are still in ...")
            self._on_aborted()
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
            if self._delivery is not gen:  # abandoned during its last step: nothing to show
                return
            self._delivery = None
            if self._stop_reason is not None:
                # stopped before or as it added (its scan closed): dropped, the bar empty as for
                # any job stopped so. It stayed at "2 of 5" under "... its result was dropped."
                # when the scan closed during the adding, and was full under it when the scan
                # closed after the job's last step, before its result was handed over
                self.progress.setValue(0)
            elif not self._adding_cancelled:
                self.progress.setValue(self.progress.maximum())
            # else the user's Cancel of the adding: the bar stays where it stopped ("2 of 5"),
            # as the line names the layers added, which stay (_reset leaves it so)
        except Exception as exc:  # as in _on_returned
            self._delivery = None
            self._on_error(exc)
        else:
            if self._delivery is not gen:  # abandoned during that step (abandon)
                gen.close()
                return
            # a real timer, not a 0 ms one: those are posted events, served before repaints,
            # input and other timers, so the steps would still run back to back
            QTimer.singleShot(self.STEP_PAUSE_MS, self._deliver_step)
            return
        # the adding is over: a Cancel of it (read by the result as it ended) is not the next
        # job's, whose full bar it held back (a save after a cancelled Make maps ended empty)
        self._adding = self._adding_cancelled = False
        if self._finish_after_delivery:
            self._finish_after_delivery = False
            self._reset()

    def _on_error(self, exc) -> None:
        from napari.utils.notifications import show_error

        self.last_error = exc
        self.status.setText(f"Failed: {exc}")
        show_error(str(exc) or type(exc).__name__)

    def _on_warned(self, shown: tuple) -> None:
        """A warning of this package the job raised (errors.ours_to_tell), told in a notification
        once a session, as napari tells one raised outside a job: superqt's worker sends each to
        its `warned` signal, which nothing read, so a Recolour panel given an embedder its
        recolouriser was not trained on recoloured without a word (`recolour` warns). Not one
        already told (a weights folder that is no folder, said as the panel opened)."""
        from napari.utils.notifications import notification_manager, show_warning

        from ..errors import ours_to_tell

        message, category, filename = shown[:3]
        text = str(message)
        if ours_to_tell(category, filename) and all(
            str(n.message) != text for n in notification_manager.records
        ):
            show_warning(text)

    def _reset(self) -> None:
        if self._delivery is not None:  # the worker finished; its result is still being added
            self._finish_after_delivery = True
            return
        self.worker = None
        if self._quit_on_destroy is not None:
            self.destroyed.disconnect(self._quit_on_destroy)
            self._quit_on_destroy = None
        self.run_button.setEnabled(not (self._refusal or self._unready))
        self.cancel_button.setEnabled(False)
        if self.status.text() in (CANCELLING, STOPPING):
            # Cancel (or a stop) came during the job's last step: superqt then emits neither
            # `aborted` (the generator ended first) nor `returned` (a quit was asked), and the
            # line said "Cancelling..." for good (a small scan's survey, cancelled at once,
            # always did)
            self._on_aborted()
        # a job cancelled or stopped before its result: an empty bar. Not under the line of a
        # Cancel that kept part of a result ("Cancelled: 2 of 5 maps added (...)"), whose bar
        # stays at what was kept (_deliver_step): it emptied for any line beginning "Cancel"
        if (
            self.last_error is not None
            or self.status.text() == CANCELLED
            or (self._stop_reason is not None and self.status.text() == self._stop_reason)
        ):
            self.progress.setValue(0)
        self.finished.emit()


def adding_words(done: int, total: int, what: str = "layer") -> str:
    """A staged result's line while its layers are added (JobPanel.begin_adding): "Adding 13
    maps... (4 of 13)"."""
    return f"Adding {total} {what}{'s' * (total != 1)}\u2026 ({done} of {total})"


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


def create_worker(func, *args, _viewer=None, _task: str = "", **kwargs):
    """superqt's create_worker (same arguments), the worker tracked as a task by the window of
    `_viewer` (None: by no window), `_task` naming it there. napari's own registers every
    worker with the window of napari's current viewer (the last one opened or activated), and
    closing a window cancels every task it tracks: a job of viewer A's dock started while
    viewer B was current was cancelled by B's closing ("Cancelled." in A's dock)."""
    from superqt.utils import create_worker as superqt_worker

    worker = superqt_worker(func, *args, **kwargs)
    if _viewer is not None:
        _track_task(_viewer, worker, _task or getattr(func, "__name__", "a job"))
    return worker


def _track_task(viewer, worker, task: str) -> None:
    """Register `worker` with `viewer`'s window as napari's create_worker does with the current
    viewer's: the window asks before it closes over it (a window closed by the user) and cancels
    it as it closes. Nothing where napari tracks no tasks (a private API)."""
    window = getattr(getattr(viewer, "__wrapped__", viewer), "window", None)
    register = getattr(window, "_register_task_status", None)
    update = getattr(window, "_update_task_status", None)
    if register is None or update is None:
        return
    from napari.utils.task_status import Status

    task = task.rstrip("\u2026. ")
    # the window keeps its tasks as long as it is open: through a weak reference, not the
    # worker's bound quit, which kept every worker and what it was given (a Pigments repaint's
    # fit, a sum pass's scan) for the window's life
    task_id = register(
        "xrf-napari", Status.PENDING, f"{task} (queued)", cancel_callback=_quit_if_alive(worker)
    )

    def to(status, words):
        return lambda *_: update(task_id, status, words)

    worker.started.connect(to(Status.BUSY, task))
    worker.errored.connect(to(Status.FAILED, f"{task}: failed"))
    aborted = getattr(worker, "aborted", None)  # a GeneratorWorker's; a FunctionWorker has none
    if aborted is not None:
        aborted.connect(to(Status.CANCELLED, f"{task}: cancelled"))
    worker.finished.connect(to(Status.COMPLETED, f"{task}: over"))


def _quit_if_alive(worker):
    """A callable asking `worker` to stop (quit) while something else still holds it."""
    ref = weakref.ref(worker)

    def quit_it() -> None:
        alive = ref()
        if alive is not None:
            alive.quit()

    return quit_it


@functools.cache
def _job_worker_class():
    """superqt's GeneratorWorker that says, from its own thread, when it began and when it is
    over (after its last signal): a dock being destroyed knows whether there is anything to
    wait for, without a Qt connection (PyQt holds the slot of one made to a threading.Event's
    bound method weakly, and a garbage-collection pass cleared it first: the wait ran out)."""
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


#: The longest the interpreter's exit waits for the passes still running to stop: each stops at
#: its next block (0.4 s at most here, for a 488 MiB scan); this bounds a step that checks for no
#: stop (a survey's suggestions, a calibration's fit).
EXIT_WAIT_S = 3.0

#: The workers start_in_pass_pool started and that have not finished (as the event loop knows).
_pass_workers: set = set()


@functools.cache
def _pass_pool():
    """The pool of start_in_pass_pool. napari waits for its own pool's workers when the
    application quits (a thread still running Python then could abort the process): so for
    this one, once superqt's quit() reached its workers (they stop at their next block). A
    script that never runs the event loop (viewer.close() and the end of the script, or no
    close at all) has no aboutToQuit: _stop_passes, at the interpreter's exit."""
    import atexit

    from qtpy.QtCore import QCoreApplication, QThreadPool

    pool = QThreadPool()
    pool.setMaxThreadCount(PASS_THREADS)
    app = QCoreApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(pool.waitForDone)
    # registered after PyQt's and napari's own exit functions, so it runs before them (LIFO)
    atexit.register(_stop_passes, pool)
    return pool


def _stop_passes(pool, wait_s: float = EXIT_WAIT_S) -> None:
    """At the interpreter's exit: ask the passes still running to stop and wait for them (at
    most `wait_s`). A pass left running went on reading the file while the interpreter tore
    down Qt's wrappers, then emitted a signal of a deleted object, and PyQt aborted the process
    (SIGABRT, exit code 134) in about half of the scripts that ended while one ran."""
    _quit_all(list(_pass_workers))
    try:
        pool.waitForDone(int(wait_s * 1000))
    except RuntimeError:  # its wrapper already gone: nothing left to wait for
        pass


#: Every JobPanel job's worker (dock jobs in napari's pool, surveys in the pass pool) until it is
#: collected: _stop_jobs asks those not over to stop at the interpreter's exit.
_job_workers = weakref.WeakSet()


@functools.cache
def _stop_jobs_at_exit() -> None:
    """Register _stop_jobs once, at the first job: after napari's and PyQt's exit functions, so
    it runs before them (LIFO)."""
    import atexit

    atexit.register(_stop_jobs)


def _stop_jobs(wait_s: float = EXIT_WAIT_S) -> None:
    """At the interpreter's exit: ask the dock jobs still running to stop at their next step and
    wait for them (at most `wait_s` in all). napari's pool is awaited only when its application
    quits, which a script never does (viewer.close() and the end of the script): a job left
    running (Embed & cluster loading its weights, embedding) went on while the interpreter tore
    down Qt's and torch's objects, and the process aborted (SIGABRT 134) or crashed (SIGSEGV)."""
    import time

    workers = [w for w in list(_job_workers) if not w.over.is_set()]
    _quit_all(workers)
    end = time.monotonic() + wait_s
    for worker in workers:
        if worker.began.is_set():  # one still queued stops before its first step
            worker.over.wait(max(0.0, end - time.monotonic()))


def _quit_all(workers) -> None:
    """Ask each worker to stop at its next step (at the interpreter's exit)."""
    for worker in workers:
        try:
            worker.quit()
        except RuntimeError:  # its wrapper already gone: so is its thread
            pass


def _forget_pass(worker) -> None:
    _pass_workers.discard(worker)


def start_in_pass_pool(worker) -> None:
    """Start a superqt worker in a pool of its own (_pass_pool), registered as WorkerBase.start
    registers it (napari quits it at exit), not in napari's global pool: that has a thread per
    core (2 on a small laptop), which two long dock jobs filled, and a scan's sum image and
    element survey waited for them to end (an hour for a long recolour). Dock jobs keep napari's
    pool and queue there: more jobs at once than cores would not end sooner."""
    from superqt.utils._qthreading import WorkerBase

    pool = _pass_pool()
    worker.pool = pool
    _pass_workers.add(worker)
    worker._finished.connect(_forget_pass)
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
    if not hasattr(os, "setpriority") or threading.current_thread() is threading.main_thread():
        return
    try:
        tid = threading.get_native_id()
        if os.getpriority(os.PRIO_PROCESS, tid) < WORKER_NICENESS:
            os.setpriority(os.PRIO_PROCESS, tid, WORKER_NICENESS)
    except OSError:  # not allowed or not supported: run at the normal priority
        pass


#: How often a job waiting for torch's import (import_torch_steps) reads its stop, in seconds.
TORCH_POLL_S = 0.1


#: [the Event of torch's import on its thread (_importing_torch)], once started; under its lock
_TORCH_IMPORT: list = []
_TORCH_IMPORT_LOCK = threading.Lock()


def _importing_torch() -> threading.Event:
    """torch imported on a low-priority daemon thread of its own, started once (under a lock:
    two docks' jobs asking at once started two); returns the Event set when that import is
    over, its `error` the import's exception (None: imported) raised from its `traceback`."""
    with _TORCH_IMPORT_LOCK:
        if _TORCH_IMPORT:
            return _TORCH_IMPORT[0]
        done = threading.Event()
        done.error = None
        _TORCH_IMPORT.append(done)

    def run() -> None:
        yield_cpu_to_gui()
        try:
            if "torch" not in sys.modules:
                preload_torch_libraries()
            import torch  # noqa: F401
        except Exception as exc:  # noqa: BLE001 - the job raises it (import_torch_steps)
            done.error, done.traceback = exc, exc.__traceback__
        finally:
            done.set()

    threading.Thread(target=run, daemon=True, name="xrf-import-torch").start()
    return done


def torch_native_libraries() -> list[str]:
    """The shared libraries torch's import loads first that hold no Python code (its global
    deps, then libtorch_cpu, which links c10), found without importing torch; [] where there are
    none to find (not Linux, torch not installed, another layout). torch._C and libtorch_python
    are left to the import: their static initialisers call into Python, which needs the GIL."""
    import importlib.util

    if not sys.platform.startswith("linux"):
        return []
    try:
        spec = importlib.util.find_spec("torch")
    except (ImportError, ValueError):
        return []
    if spec is None or not spec.submodule_search_locations:
        return []
    lib = Path(list(spec.submodule_search_locations)[0]) / "lib"
    found = [lib / "libtorch_global_deps.so", lib / "libtorch_cpu.so"]
    return [str(p) for p in found if p.is_file()]


def preload_torch_libraries() -> list[str]:
    """Load torch's native libraries (torch_native_libraries) by calling the C library's dlopen
    through ctypes, which lets go of the GIL during the call; returns those loaded. Python's
    import of torch._C holds the GIL while dlopen maps, relocates and initialises libtorch_cpu
    (which it links): napari froze up to 0.73 s (1.8-5.3 s on two busy cores) however the import
    was threaded. torch's import then finds it loaded. Flags as torch's own (its global deps
    RTLD_GLOBAL) and as a linked library's (RTLD_LOCAL); any failure leaves it to the import."""
    import ctypes

    paths = torch_native_libraries()
    if not paths:
        return []
    try:
        dlopen = ctypes.CDLL(None).dlopen  # a CDLL function: called without the GIL
        dlopen.restype, dlopen.argtypes = ctypes.c_void_p, [ctypes.c_char_p, ctypes.c_int]
    except (OSError, AttributeError):
        return []
    loaded = []
    for path in paths:
        glob = path.endswith("libtorch_global_deps.so")
        flags = os.RTLD_NOW | (os.RTLD_GLOBAL if glob else os.RTLD_LOCAL)
        if not dlopen(os.fsencode(path), flags):
            break  # the import says why
        loaded.append(path)
    return loaded


def import_torch_steps(poll_s: float = TORCH_POLL_S):
    """A job's first import of torch, as steps (None: no report) every `poll_s` while it runs on
    a thread of its own (_importing_torch): an import cannot be stopped, and a Cancel or a dock
    closed meanwhile waited for its end (Embed & cluster: 6.2 s after a Cancel on a first run,
    Recolour 4.3 s, on two busy cores). The job stops at the next step; the import goes on in
    the background for the next run. Once torch is imported nothing is yielded. An import that
    failed raises its own error in every job: imported again, a torch that failed half-way
    (a missing shared library) fails with another, which names no cause ("function
    '_has_torch_function' already has a docstring"), after a second import's wait."""
    done = _importing_torch()
    while not done.wait(poll_s):
        yield None
    error = getattr(done, "error", None)
    if error is not None:
        raise error.with_traceback(done.traceback)  # not one frame longer each run
    import torch  # noqa: F401 (at once now)


#: loads running on steps_beside's threads: (fn, args) -> (Event set at the load's end, its out)
_LOADS: dict = {}
_LOADS_LOCK = threading.Lock()


def steps_beside(fn, *args, poll_s: float = TORCH_POLL_S):
    """`fn(*args)` (a model's load) on a low-priority daemon thread of its own, as steps (None:
    no report) every `poll_s` while it runs; returns its value or raises its error. A job read
    no stop inside a load (the recolouriser's: 1-6 s on two busy cores): a Cancel meanwhile
    waited for its end. Stopped, the job leaves the load to finish in the background (its cache
    keeps the model for the next run), and a job that asks for the same load meanwhile (Run
    again at once) waits for that one: it started a second beside it, two loads of one model at
    once on the same cores."""
    try:
        key = (fn, args)
        hash(key)
    except TypeError:  # unhashable arguments: a load of its own
        key = None
    with _LOADS_LOCK:
        running = _LOADS.get(key) if key is not None else None
        if running is None:
            running = threading.Event(), {}
            if key is not None:
                _LOADS[key] = running
            start = True
        else:
            start = False
    done, out = running

    def run() -> None:
        yield_cpu_to_gui()
        try:
            out["value"] = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - raised in the job below
            out["error"] = exc
        finally:
            with _LOADS_LOCK:
                if key is not None and _LOADS.get(key) is running:
                    del _LOADS[key]
            done.set()

    if start:
        threading.Thread(target=run, daemon=True, name="xrf-load").start()
    while not done.wait(poll_s):
        yield None
    if "error" in out:
        raise out["error"]
    return out["value"]


def preload_labels_imports(background: bool = False) -> None:
    """Import what napari's first Labels layer of a session imports (pandas, skimage.color: 0.5-0.8
    s here, a freeze of the viewer when done while the layer is added). Jobs that end in a Labels
    layer call it in their worker thread; their docks call it with `background` as they open, on a
    low-priority daemon thread, so that the import is usually over before the first job needs it
    (a job that starts sooner waits on Python's import lock: nothing is imported twice)."""
    import importlib

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
            try:
                pool.waitForDone(50)  # its thread back in the pool
            except RuntimeError:  # the interpreter's exit deleted the pool first: PyQt aborted
                pass

    return quit_worker


def report_error(exc: BaseException, context: str = "") -> str:
    """Show an error raised in the main thread as a napari notification; returns its message, for
    the dock's status line: `self.job.refused(report_error(exc, "Save"))`."""
    from napari.utils.notifications import show_error

    message = f"{context}{': ' if context else ''}{exc}"
    show_error(message)
    return message
