"""The base of the xrf-napari docks (CubeDock), the survey they share per cube (SURVEYS), and
the plugin settings and form pieces they are built from. Layers and pick-lists are in _layers,
background jobs in _jobs, file dialogs in _dialogs.

Only UI wiring lives here; computations are in xrf_napari.analysis.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import os
import re
import types
import weakref
from collections.abc import Callable

from qtpy.QtCore import QCoreApplication, QEvent, QObject, QSize, Qt, QTimer, Signal
from qtpy.QtWidgets import (
    QApplication,
    QComboBox,
    QDockWidget,
    QFrame,
    QGridLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from .. import PLUGIN_NAME
from ..io import read_failed, tell_read_failure
from ._jobs import JobPanel
from ._layers import (
    SAMPLE_KEY,
    CubeLayerCombo,
    LayerCombo,
    _ours,
    cube_layer_name,
    disconnect_viewer_callbacks,
    layer_cube,
    open_files,
    unwrapped,
)

DEVICES = ("auto", "cuda", "mps", "cpu")


def _weak_layer(layer) -> weakref.ref:
    """A weak reference to `layer`, to the layer behind napari's public-only proxy: a dock
    opened from the Plugins menu gets a new proxy from each viewer.add_labels (and each
    viewer.layers[...]), referenced by nothing else, so its weak reference was dead at once."""
    return weakref.ref(unwrapped(layer))


#: Environment variables that override the plugin settings (and work without napari's settings).
ENV_SETTINGS = {"device": "XRF_NAPARI_DEVICE", "weights_folder": "XRF_NAPARI_WEIGHTS"}


def awaits_calibration(cube) -> bool:
    """A large uncalibrated scan whose automatic calibration its sum's worker is still fitting."""
    from ..io import AUTO_PENDING

    return cube is not None and cube.metadata.get("auto_calibration") == AUTO_PENDING


#: A dock's status line on a scan whose file a pass failed reading (io.read_failed): the docks do
#: not survey it again, which read the broken file again and told the same error twice.
NOT_SURVEYED = "Not surveyed: reading the file failed (see the message)."


def read_failure_refusal(cube, name: str) -> str:
    """Why no dock's Run works on a scan whose file a pass failed reading (io.read_failed; ""
    if none did): each would read the broken file again, for the same error. The docks' Run
    refusals (scan_refusal) start with it: Pigments said "no energy calibration ... open the
    file with one" of an uncalibrated such scan, and Elemental maps, Recolour and Embed &
    cluster kept Run on, a click running on channel numbers or failing again."""
    if not read_failed(cube):
        return ""
    path = getattr(cube, "path", None)
    about = f" about {os.path.basename(str(path))}" if path else ""
    return f"{name}: reading the file failed (see the message{about})"


#: Why a save is refused while Run computes a new result of the scan (CubeDock.refuse_busy).
RESULT_BUSY = (
    "a new result of this scan is being computed: save once it is shown, or Cancel it to save "
    "the one shown"
)
#: Run's tooltip while no scan is open (Run is off): on, a click only refused with "open a
#: datacube first" in every dock.
NO_SCAN = "Open a datacube first (File > Open File(s)\u2026)"
#: A dock's status line while another dock's panel surveys its scan.
SURVEYED_ELSEWHERE = "Finding elements (in another dock)\u2026"


@dataclasses.dataclass(frozen=True)
class _Waiting:
    """An action pressed before its scan was ready (CubeDock._deferred): it runs on `cube` once
    the calibration (and, with `needs_survey`, the element survey) is in; `what` names it in the
    status line."""

    cube: object
    action: Callable[[], object]
    what: str
    needs_survey: bool
    #: pressed while the survey it waits for was being stopped (Cancel): that survey's end
    #: runs it again, rather than dropping the action (defer_until_surveyed)
    after_stop: bool = False


#: (id(scan), what the refusal is of: _refusal_kind) -> a weak reference to the scan, for the
#: refusals a waiting action already told in a notification as its wait ended (_told_after_wait)
_REFUSED_AFTER_WAIT: dict[tuple[int, str], weakref.ref] = {}


def _refusal_kind(cube, why: str) -> str:
    """What a dock's refusal `why` of `cube` is of: the scan's own failure, which every dock
    refuses in words of its own (its file failed reading; no calibration: "cannot be found",
    "... read by the models"), or else the dock's reason itself, less the dock's name."""
    from ..energy import uncalibrated_refusal

    if read_failed(cube):
        return "reading the file failed"
    if uncalibrated_refusal(cube):
        return "no energy calibration"
    return why.partition(": ")[2] or why


def _told_after_wait(cube, why: str = "") -> bool:
    """True when a dock's action that waited for `cube`'s calibration was already refused with a
    notification, for what `why` refuses (_refusal_kind), as the wait ended; else notes that
    this one tells it. Run pressed in Elemental maps, Recolour and Embed & cluster while the
    calibration was fitted, the fit then refused: three error notifications of the one failure
    (with the reader's own); the first dock's is enough, the others' lines say theirs. A reason
    of the dock's own (Recolour's: an axis calibrated off the models' grid) is told: keyed per
    scan, it was said only on the line of a dock maybe in a hidden tab, after another dock's
    refusal of another reason."""
    key = (id(cube), _refusal_kind(cube, why))
    ref = _REFUSED_AFTER_WAIT.get(key)
    if ref is not None and ref() is cube:
        return True
    for old in [k for k, r in _REFUSED_AFTER_WAIT.items() if r() is None]:
        del _REFUSED_AFTER_WAIT[old]
    _REFUSED_AFTER_WAIT[key] = weakref.ref(cube)
    return False


def nothing_yet(verb: str, action: str) -> str:
    """What a dock's save or export says before there is a result to write (`verb`: "save",
    "export"; `action`: what makes one, "run Recolour"), one wording in every dock: Elemental
    maps said "there are no maps to save: make them first" where the others said "nothing to
    save yet: run ... first"."""
    return f"nothing to {verb} yet: {action} first"


def deleted_layer_refusal(name: str, what: str, run: str) -> str:
    """What a dock's save() (a script's: the button is off then, follow_busy on each layer's
    removal) says once the layer `name` that showed its result (`what`: "these colours") was
    deleted: Recolour's and Embed & cluster's Save stayed on and saved a result shown nowhere."""
    return f"the layer \u201c{name}\u201d of {what} was deleted: run {run} again to save new ones"


def after_calibration(what: str):
    """Decorator of a dock's action (Run, Find regions, Region spectrum) that starts a job on
    the selected scan: on a scan whose automatic calibration is still being fitted, the action
    waits for it (the status line says so; Cancel, another scan or closing this one drops it)
    and then starts on the calibrated scan. Started at once, it ran on channel numbers: its
    result, wrong for a calibrated scan, was silently cancelled when the calibration arrived, or
    stayed (regions that Pigments then took for another scan's); Pigments refused with "no
    energy calibration"; and its read of the file slowed the calibration's own pass."""

    def wrap(method):
        @functools.wraps(method)
        def action(self, *_):  # a button's `checked` is not the action's
            if self._defer_until_calibrated(lambda: action(self), what):
                return None
            return method(self)

        return action

    return wrap


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
    """The model's weights file (dve, uvit) in the settings' weights folder if there, else ''
    (the shipped one). A folder setting naming no folder (mistyped) is said once a session per
    model in a napari notification: the commands' warning (models.weights.resolve_weights) went,
    from a panel's job, to a worker signal nothing reads, and the panels used the shipped pair
    without a word."""
    from ..models.weights import WEIGHTS_FILES

    folder = plugin_setting("weights_folder")
    if folder:
        expanded = os.path.expanduser(folder)
        candidate = os.path.join(expanded, WEIGHTS_FILES[name])
        if os.path.isfile(candidate):
            return candidate
        if not os.path.isdir(expanded):
            from_env = bool(os.environ.get(ENV_SETTINGS["weights_folder"]))
            _say_no_weights_folder(from_env, folder, WEIGHTS_FILES[name])
    return ""


class WeightsEdit(QLineEdit):
    """A panel's weights box for model `name` (dve, uvit): filled from the weights folder
    (default_weights) and following it while it holds what was filled (or nothing): the Recolour
    and Embed & cluster panels took the folder's files once, as they opened, so a folder chosen
    afterwards in Preferences (or XRF_NAPARI_WEIGHTS) was not used until napari was started
    again. A path the user typed or browsed to is kept. Preferences are followed as they change
    (`follow`), the environment variable when a run reads the box (`path`)."""

    def __init__(self, name: str, placeholder: str):
        self._name = name
        self._filled = default_weights(name)
        super().__init__(self._filled)
        self.setPlaceholderText(placeholder)
        try:
            from napari.settings import get_plugin_settings

            self._events = get_plugin_settings(PLUGIN_NAME).models.events.weights_folder
        except (ImportError, KeyError, AttributeError):
            self._events = None
        else:
            self._events.connect(self.follow)

    def follow(self, event=None) -> None:
        """Fill the box from the weights folder now, unless the user put another path in it."""
        try:
            text = self.text().strip()
        except RuntimeError:  # deleted with a dock that never said it closed: stop following
            self.stop_following()
            return
        if text == self._filled:
            self._filled = default_weights(self._name)
            self.setText(self._filled)

    def path(self) -> str | None:
        """The weights file a run uses (None: the shipped one), after `follow`."""
        self.follow()
        return self.text().strip() or None

    def stop_following(self) -> None:
        """Disconnect from the settings (the dock closed)."""
        if self._events is not None:
            self._events.disconnect(self.follow)
            self._events = None


@functools.cache
def _say_no_weights_folder(from_env: bool, folder: str, file: str) -> None:
    from napari.utils.notifications import show_warning

    from ..models.weights import no_folder_words

    setting = (
        f"${ENV_SETTINGS['weights_folder']}"
        if from_env
        else "The weights folder of File > Preferences > XRF recolouring"
    )
    show_warning(no_folder_words(setting, folder, file))


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


# -- what is computed once per cube --------------------------------------------------------------
#: What a survey returns that stopped at a bad block the sum pass already told the user of.
_TOLD = object()


class _Survey(tuple):
    """A survey's (mean counts per pixel, suggested elements), with the survey's `spectra` and
    the `instrument` the elements were suggested for (SURVEYS.set_instrument): the hub keeps the
    spectra, so that another instrument is suggested from them without reading the file again."""

    spectra = None
    instrument: dict | None = None


def _survey_job(cube):
    """Mean spectrum (counts per pixel) and suggested elements of a cube (peaks.Suggestions), in
    one pass (a _Survey); tiles and groups of similar cells find pigments of small areas."""
    from ..analysis.spectra import iter_survey
    from ..errors import CubeReadError

    try:
        mean, spectra = yield from iter_survey(cube, groups=True)
    except CubeReadError as exc:
        if not tell_read_failure(cube, exc):
            return _TOLD  # the scan's sum pass met the bad block first and told the user
        raise
    return (yield from _suggested(cube, mean, spectra))


def _suggest_job(cube, mean, spectra):
    """The suggestion again from a survey's kept mean and spectra (the instrument changed)."""
    yield 0, 1
    return (yield from _suggested(cube, mean, spectra))


def _suggested(cube, mean, spectra) -> _Survey:
    """The survey's result, its elements suggested for the instrument the user set for `cube`
    (SURVEYS.instrument; {}: the file's), as quicklook's --anode/--kv/--optic/--atmosphere. A
    progress generator: its 2-3 s over a survey's spectra (322 for 288 x 240 px) went on after
    the dock that ran it was closed, as nothing there read a stop."""
    from ..analysis.maps import scan_fwhm_mn_ev
    from ..analysis.peaks import iter_suggest_for_cube

    chosen = SURVEYS.instrument(cube)
    h, w, _ = cube.shape
    total = mean * (h * w)  # the sum spectrum
    # the detector width Make maps reads from the scan where its file gives none, worked out
    # here, off the GUI thread, for the Elemental maps dock's FWHM box to name (it is kept)
    scan_fwhm_mn_ev(cube, total)
    yield 0, 1  # a stop is read here too (a first call: 1-2 s of imports and peak finding)
    # a list with .warning
    out = _Survey((mean, (yield from iter_suggest_for_cube(cube, total, spectra, **chosen))))
    out.spectra, out.instrument = spectra, chosen
    return out


#: The Spectrum and Elemental maps docks' "Suggested" line while no suggestion of the shown scan
#: is known: none yet, or the one there was made for the instrument before its row changed.
NO_SUGGESTION = "Suggested: \u2014"


def suggestions_text(suggested) -> str:
    """The Spectrum and Elemental maps docks' "Suggested: ..." line (rich text), with the
    suggestions' calibration warning (peaks.Suggestions.warning) in orange under it: suggestions
    from a shifted axis are wrong in ways the list alone does not show."""
    import html

    text = html.escape("Suggested: " + (", ".join(suggested) or "none found"))
    if getattr(suggested, "tube", ()):  # peaks.Suggestions.tube: a usual anode, the tube unknown
        text += "<br>" + html.escape(suggested.tube_note("in the \u2018tube: file's\u2019 box"))
    warning = getattr(suggested, "warning", "")
    if warning:
        text += f'<br><span style="color:#e08a00">\u26a0 {html.escape(warning)}</span>'
    return text


class _SurveyHub(QObject):
    """The one per-process cache of cube surveys (mean spectrum + suggested elements).

    Spectrum and Elemental maps both need the survey of the selected cube: whichever asks first runs
    it in its own JobPanel, the other waits for `ready` instead of scanning the cube a second time.
    Entries are keyed by id(cube) and dropped when the Cube is garbage collected (weakref.finalize),
    so an id is never reused for a stale entry.
    """

    ready = Signal(object)  # the Cube whose survey just arrived
    #: the Cube whose instrument the user changed (set_instrument): the docks showing it show
    #: the choice and ask for its survey again, suggested anew from the spectra kept
    instrument_changed = Signal(object)
    #: the Cube whose survey was cancelled or failed, and the JobPanel that ran it (its dock's
    #: status line already says why: "Failed: <file>: <stage>: <reason>", "Cancelled.")
    failed = Signal(object, object)
    #: the Cube whose survey stopped because the dock running it was closed: another dock
    #: showing that cube runs it again (not a failure to report, nor the user's Cancel)
    orphaned = Signal(object)

    def __init__(self):
        super().__init__()
        self._done: dict[int, tuple] = {}
        self._running: dict[int, tuple] = {}  # id(cube) -> (panel, ended, gone, weakref to cube)
        #: id(cube) -> the survey's (mean, spectra): a change of instrument suggests again from
        #: them (a pass over a large file takes a minute; the suggestion from its at most 1084
        #: spectra, 1-3 s). At most 18 MB a scan (float32, 4096 channels), freed with its Cube
        self._spectra: dict[int, tuple] = {}
        self._instrument: dict[int, dict] = {}  # id(cube) -> what the user set (set_instrument)
        #: id(cube) -> the suggestion the instrument's change replaced (previous)
        self._before: dict[int, list] = {}
        self._stale: set[int] = set()  # surveys suggested for an instrument changed since

    def get(self, cube):
        """(mean, suggested) of the cube, or None when not computed yet."""
        return self._done.get(id(cube))

    def spectra(self, cube):
        """The survey's tile and group sums of the cube (iter_survey(groups=True)), or None:
        the maps judge a neighbour in a small patch by them (analysis.maps.plan_for_cube)."""
        kept = self._spectra.get(id(cube))
        return None if kept is None else kept[1]

    def instrument(self, cube) -> dict:
        """What the user set of `cube`'s scanner (the Instrument rows: InstrumentRow.choice()),
        {} where the file's is kept."""
        return dict(self._instrument.get(id(cube), {}))

    def previous(self, cube) -> list:
        """The suggestion that the last change of `cube`'s instrument replaced ([] if none)."""
        return list(self._before.get(id(cube), []))

    def set_instrument(self, cube, choice: dict) -> None:
        """The user's instrument for `cube` (peaks.suggest_for_cube's anode, kv, optic,
        atmosphere). A surveyed cube is suggested again from its kept spectra, by the next dock
        asking for its survey (instrument_changed asks the docks showing it); a survey running
        is suggested again once it ends. One choice per scan, so Spectrum and Elemental maps
        cannot suggest different elements for it."""
        key = id(cube)
        choice = {k: v for k, v in (choice or {}).items() if v is not None}
        if choice == self._instrument.get(key, {}):
            return
        if key not in self._instrument:
            weakref.finalize(cube, self._forget, key)
        self._instrument[key] = choice
        self._outdate(key)
        self.instrument_changed.emit(cube)

    def carry_instrument(self, old, cube) -> None:
        """`cube` is about to replace `old` in its layers (an automatic calibration arrived):
        the same scan, the same instrument, unless one is set on `cube` already. Called by the
        reader's delivery (_reader._deliver_sum) before any layer takes `cube`, whatever docks
        are open, so that a dock following the new Cube already finds the choice."""
        if id(old) in self._instrument and id(cube) not in self._instrument:
            weakref.finalize(cube, self._forget, id(cube))
            self._instrument[id(cube)] = dict(self._instrument[id(old)])

    def _outdate(self, key) -> None:
        """The survey of `key` was suggested for another instrument: dropped (the next request
        suggests again, from its spectra where they are kept); marked stale while it runs."""
        if key in self._running:
            self._stale.add(key)
        elif key in self._done:
            self._before[key] = list(self._done.pop(key)[1])

    def _forget(self, key) -> None:
        for kept in (self._done, self._spectra, self._instrument, self._before):
            kept.pop(key, None)
        self._stale.discard(key)

    def is_running(self, cube) -> bool:
        return id(cube) in self._running

    def is_stopping(self, cube) -> bool:
        """`cube`'s survey runs, asked to stop (its dock's Cancel): it ends at its next step."""
        entry = self._running.get(id(cube))
        return entry is not None and entry[0].is_stopping

    def start(self, cube, panel: JobPanel, description: str, name=None) -> bool:
        """Survey the cube in `panel` unless known or already running; False if `panel` is busy.
        In the pass pool: a survey is a short first look the docks wait on, and queued behind
        two long jobs (napari's pool has a thread per core) it came after them. name(cube): what
        `panel`'s line calls the scan as the survey ends (CubeDock.scan_name, its layer's name:
        cube.name without, which named "neg" a layer renamed, or "NG6461 [1]" in the list)."""
        key = id(cube)
        if key in self._done or key in self._running:
            return True
        # a mark left by a run that never ended (its dock closed mid-survey: abandon, gone) is
        # not this run's: kept, it suggested this run's result again though nothing changed
        self._stale.discard(key)
        ref = weakref.ref(cube)

        def store(result):
            if result is _TOLD:  # not stored: `failed` follows
                panel.status.setText(NOT_SURVEYED)
            elif ref() is not None:
                if key not in self._done and key not in self._spectra:
                    weakref.finalize(ref(), self._forget, key)
                spectra = getattr(result, "spectra", None)
                if spectra is not None:
                    self._spectra[key] = (result[0], spectra)
                used = getattr(result, "instrument", None) or {}
                if used != self._instrument.get(key, {}):  # changed while it ran
                    self._stale.add(key)
                # a copy of the same type: peaks.Suggestions keeps its warning and its tube
                self._done[key] = (result[0], copy.copy(result[1]))
                # the panel's own "Done." read as if the dock's action (maps) had run
                panel.status.setText(surveyed_words(ref(), result[1], name))
                self.ready.emit(ref())

        def ended():
            self._unhook(key)
            gone()
            if key in self._stale:  # suggested for an instrument changed since: again
                self._stale.discard(key)
                self._outdate(key)
                if ref() is not None and key not in self._done:
                    self.instrument_changed.emit(ref())

        def gone(*_):  # also when its dock is destroyed mid-survey: the panel then never finishes
            self._running.pop(key, None)
            if key not in self._done and ref() is not None:
                try:
                    self.failed.emit(ref(), panel)
                except RuntimeError:
                    # the interpreter's exit deleted the hub before the panel (PyQt deletes in
                    # no set order): raised in a Qt slot, this aborted the process (SIGABRT)
                    pass

        where = str(cube.path) if getattr(cube, "path", None) else getattr(cube, "name", "")
        job = (_survey_job, cube)
        if key in self._spectra:  # the instrument changed: the same spectra, suggested again
            job = (_suggest_job, cube, *self._spectra[key])
            description = "Suggesting elements for the instrument set\u2026"
        worker = panel.start(
            *job,
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
        the docks still showing their cubes run them again (`orphaned`), at the event loop's next
        turn: docks closed in one go (Spectrum, then Elemental maps) handed the survey to the
        next one closing, which started it only to stop it at once."""
        orphans = []
        for key in [k for k, entry in self._running.items() if entry[0] is panel]:
            self._unhook(key)
            ref = self._running.pop(key)[3]
            if ref() is not None and key not in self._done:
                orphans.append(ref)
        if orphans:
            QTimer.singleShot(0, lambda: self._hand_over(orphans))

    def _hand_over(self, refs) -> None:
        """abandon's surveys to the docks open now (weak references: a scan closed meanwhile
        is not kept), unless one already runs or ended."""
        for ref in refs:
            cube = ref()
            if cube is not None and id(cube) not in self._done and id(cube) not in self._running:
                try:
                    self.orphaned.emit(cube)
                except RuntimeError:  # the interpreter's exit deleted the hub first
                    return

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


def surveyed_words(cube, suggested, name=None) -> str:
    """The line of a survey of `cube` that ended well, suggesting `suggested` ("Scan surveyed: 5
    elements suggested."); name(cube): what the line calls the scan (CubeDock.scan_name). A scan
    without an energy calibration, whose survey suggests nothing as it finds no line, says so
    (energy.uncalibrated_refusal, as the other docks' Run): it read "Scan surveyed: 0 elements
    suggested.", as if its spectrum held no element."""
    from ..energy import no_lines_refusal, uncalibrated_refusal

    n = len(suggested)
    called = name and name(cube)
    if not n and (why := uncalibrated_refusal(cube, called) or no_lines_refusal(cube, called)):
        return f"Scan surveyed: no element suggested: {why}"
    return f"Scan surveyed: {n} element{'s' * (n != 1)} suggested."


def tube_chosen(cube) -> str | None:
    """The anode of the scan's Instrument choice (an Instrument row, Recolour's Tube box), None
    where none is chosen: what Recolour and Embed & cluster pass to their check as named. Passed
    scan_tube, a Rh chosen for a scan whose calibration read Rh off its scatter lines was taken
    for the read one: "a tube that looks like Rh (...; the file does not name it)"."""
    return SURVEYS.instrument(cube).get("anode")


def scan_tube(cube) -> str | None:
    """The anode a dock's notes on `cube` are made for: the scan's Instrument choice
    (tube_chosen), else the scan's as info, quicklook and Pigments tell it (detector.known_anode:
    the file's, the one given to read_cube, or the one the automatic calibration read off the
    scatter lines; None: none names one, or no scan). Read by named_anode, a tube read off the
    scatter lines was none to Recolour's and Embed's notes. Also the tube the docks' exports
    name ("# tube anode:"), as `pigments --anode` does: they named the scan's alone, not the
    Mo chosen in the Instrument row that the run used."""
    from ..detector import known_anode

    return None if cube is None else tube_chosen(cube) or known_anode(cube.metadata)


#: What CubeDock.made_for says of a result that does not record what it was made for (a
#: RecolourResult without its OODReport): its notes are taken to hold.
MADE_FOR_UNKNOWN = object()


def ood_made_for(ood):
    """CubeDock.made_for of a result whose tube notes are its run's OODReport `ood` (Recolour,
    Embed & cluster): the anode it was made for (the run's scan_tube); MADE_FOR_UNKNOWN without."""
    return MADE_FOR_UNKNOWN if ood is None else ood.anode


def _tube_words(anode: str | None, chosen_in: str) -> str:
    return f"a {anode} tube" if anode else f"a tube neither the file nor {chosen_in} names"


# -- the docks' base -------------------------------------------------------------------------------
_CLOSED = object()


def closed_scan_name(cube) -> str:
    """What a dock's line calls a scan once closed (its layer gone): its file's name, so that
    words left on a dock now showing another scan say which one was closed."""
    return cube.path.name if getattr(cube, "path", None) else cube.name


def _checked_steps(steps, still_wanted):
    """Yield from a staged result while still_wanted() (its cube may be closed between steps);
    returns its value, or _CLOSED when it was abandoned."""
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value
        try:
            yield
        except GeneratorExit:  # the delivery was dropped (its dock closed): this result too, now
            steps.close()  # not whenever the garbage collector finds it
            raise
        if not still_wanted():
            steps.close()
            return _CLOSED


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
    #: What leave_cube keeps of a scan that the calibrated Cube replacing it takes over (the
    #: same scan): the elements ticked while its calibration was fitted.
    kept_on_calibration: tuple[str, ...] = ("ticks",)
    #: The dock's name starting its refusal of a scan off the models' energy grid
    #: ("Recolour: ..."; scan_refusal), for the docks that read a scan through the models
    #: (Embed & cluster, Recolour); "" for the others, which refuse no scan for it.
    models_dock = ""
    #: What a staged result dropped as its scan closed did with the layers it had updated, said
    #: after "its result was dropped" (start_job): set by a staged on_result as it undoes its
    #: steps (Embed & cluster puts them back as they were; Make maps names the maps it had added,
    #: which stay); "" where nothing is left to say.
    dropped_layers_words = ""
    #: The dock's result reads the scan's Instrument choice (instrument_now, made_for): Recolour's
    #: notes and Embed & cluster's training-data line its tube, Elemental maps' overlaps too,
    #: Pigments' fit all of it. The result shown follows a change of the choice
    #: (follow_instrument), in whichever dock it is made.
    reads_instrument = False
    #: For the docks whose result reads the scan's tube: (what was made for it, with its verb;
    #: what to do about it), the words of stale_tube; () for the others.
    tube_notes: tuple[str, str] = ()
    #: Where the user names a tube the file does not, for those notes: the dock's own Tube box,
    #: or (a dock without one) the other docks' boxes.
    tube_chosen_in = "the Tube box"

    def __init__(self, napari_viewer, run_text: str):
        super().__init__()
        # A strong reference: plugin widgets receive a proxy of the viewer that nothing else holds.
        self._viewer = napari_viewer
        self._per_cube: dict[int, tuple[object, dict]] = {}  # id(cube) -> (cube, {key: value})
        self._job_cube = None
        #: the running job makes a new result of _job_cube (start_job's keep): result_busy
        self._result_job = False
        #: the running job is a survey the dock started itself (request_survey), not the user's
        self._job_is_survey = False
        #: the running job is a save (save_in_job): its scan's closing does not stop it
        self._job_is_save = False
        #: the running job's name in a notification (start_job's `name`; "": the Run button's)
        self._job_name = ""
        self._cube = None
        #: the line a job on a scan since closed ended with, shown over another scan's (_job_ended)
        self._closed_notice: str | None = None
        #: the line last put up of the shown scan's survey (its wait, its failure, the end of
        #: this dock's own): what _survey_ready replaces, and nothing else
        self._survey_words: str | None = None
        self._awaits_calibration = False  # the shown Cube waits for its calibration (_reader)
        self._survey_when_idle = False
        #: an action waiting for its Cube's calibration (after_calibration) or survey
        #: (defer_until_surveyed)
        self._deferred: _Waiting | None = None
        self._starting_deferred = False  # _start_deferred runs the waiting action (refuse_scan)
        self._placed = False
        self._grouped = False  # joined (or founded) the tab group
        self._docked = False  # has been inside a QDockWidget
        self._closed = False
        #: [(weak reference to the scan, its layers, the status line's sentence of them, [(weak
        #: reference to a layer it names, the name it says)])]: say_while_shown
        self._said_of_layers: list[tuple[weakref.ref, tuple, str, list]] = []
        #: [(weak reference to the scan, weak references to its layers, a sentence)] another
        #: dock gave while a job of this one ran: said once it ends (say_when_idle)
        self._said_when_idle: list[tuple[weakref.ref, tuple, str]] = []
        self.cube_combo = CubeLayerCombo(napari_viewer)
        self.job = JobPanel(run_text, viewer=napari_viewer)  # its window tracks the jobs
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setWidget(self.body)
        # Expanding: the body fills its dock (napari pads other docks with a stretch at the bottom)
        scroll.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Expanding)
        # no Tab stop of its own (Qt gives a scroll area one): Tab rested on it, showing nothing,
        # between the dock's controls; they stay Tab stops, scrolled into view as Tab reaches
        # them (QScrollArea.focusNextPrevChild)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(scroll)
        self.scroll = scroll
        # what stays in view under the scrolling body (pin_below); empty and hidden unless used
        self.footer = QWidget()
        self.footer_layout = QVBoxLayout(self.footer)
        margins = self.body_layout.contentsMargins()
        self.footer_layout.setContentsMargins(
            margins.left(), self.body_layout.spacing(), margins.right(), margins.bottom()
        )
        self.footer.hide()
        outer.addWidget(self.footer)
        self.cube_combo.layer_changed.connect(self._cube_changed)
        self.job.run_clicked.connect(self.run)
        self.job.cancel_button.clicked.connect(self._cancel_deferred)
        self.job.finished.connect(self._job_ended)
        napari_viewer.layers.events.removed.connect(self._layer_removed)
        napari_viewer.layers.events.inserted.connect(self._watch_layer)
        for layer in napari_viewer.layers:
            self._follow_layer(layer)
        #: the Instrument row (make_instrument_row): Spectrum, Elemental maps, Pigments; its
        #: tube alone in Recolour
        self.instrument_row = None
        #: (signal, the name of this dock's method) of its connections to the survey hub, which
        #: outlives every dock: each is undone when the dock closes (dock_closed). Names, not
        #: bound methods: the dock would hold itself
        self._hub_slots: list[tuple] = []
        if self.uses_survey:
            self._to_hub(SURVEYS.ready, self._survey_ready)
            self._to_hub(SURVEYS.orphaned, self._survey_orphaned)
        # every dock: a survey that met a bad block turns Run off on that scan (_survey_failed)
        self._to_hub(SURVEYS.failed, self._survey_failed)
        # every dock: its Instrument row, survey or result follows the scan's choice
        self._to_hub(SURVEYS.instrument_changed, self._instrument_changed)

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """Enter or Return presses the dock's focused push button as Space does: down while the
        key is held, clicked as it is let go (keyReleaseEvent), once however long it is held.
        Qt presses a button on Enter only in a dialog (autoDefault), so from the keyboard Enter
        on Make maps, Run or Save did nothing; clicked at once and again at each auto-repeat, a
        held Enter on Export CSV... saved through the dialog it had opened, unseen."""
        button = self._enter_button(event)
        if button is None:
            super().keyPressEvent(event)
            return
        if not event.isAutoRepeat():
            button.setDown(True)
        event.accept()

    def keyReleaseEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """The click of the button Enter set down (keyPressEvent)."""
        button = self._enter_button(event)
        if button is None or event.isAutoRepeat() or not button.isDown():
            super().keyReleaseEvent(event)
            return
        button.setDown(False)
        button.click()
        event.accept()

    def _enter_button(self, event):
        """The focused, enabled push button of this dock an Enter or Return `event` is for (a
        button leaves the key to its parents), else None."""
        focus = QApplication.focusWidget()
        if (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and isinstance(focus, QPushButton)
            and focus.isEnabled()
            and self.isAncestorOf(focus)
        ):
            return focus
        return None

    def _to_hub(self, signal, slot) -> None:
        """Connect `slot` to the survey hub's `signal` until the dock closes (dock_closed)."""
        signal.connect(slot)
        self._hub_slots.append((signal, slot.__name__))

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

    def save_beside(self):
        """The file the chosen scan's saves are first suggested beside (_dialogs.suggested_path,
        suggested_folder); None without a scan, and for a sample of File > Open Sample, whose
        file is the installed package's (or the cache's): every save dialog suggested
        sample_data/panel_recoloured.png, and the folder dialogs opened in sample_data, where
        the user guide promises the bare name in the current folder."""
        layer = self.current_layer()
        if layer is None or (getattr(layer, "metadata", None) or {}).get(SAMPLE_KEY):
            return None
        return getattr(layer_cube(layer), "path", None)

    def scan_files(self, *also) -> list:
        """The files no save of this dock may replace: `also` (the scan saved from, a regions
        file), the file of every scan open in the viewer and of every photograph or regions layer
        opened from a file (open_files, as napari's Save Selected Layers refuses them). Only the
        current scan's was refused: Recolour's image saved as *other.tif*, the file of another
        open scan, replaced it once the dialog asked 'Replace?' (its layers then read a file gone
        from the folder, and the scan was lost once napari closed), where the user guide says
        'Nothing ever writes into your scan files'; Recolour's and Embed & cluster's PNG so
        replaced the photograph the Pigments dock orders its paints by."""
        files = [p for p in also if p]
        viewer = self.viewer
        for _layer, path in open_files(viewer.layers if viewer is not None else []):
            if path not in files:
                files.append(path)
        return files

    def check_outputs(self, files=(), folders=(), also=()) -> None:
        """fileutil.check_outputs of a save's `files` and `folders` against scan_files(*also),
        each a folder by design where it is one (a .zarr scan): in a dock no input is a path the
        user typed, so a command's advice for a folder given as --weights or --photo ("if
        scan.zarr was meant to be a file ...: give the file") does not apply. A file name
        starting with a dot is refused as the save dialogs refuse it (fileutil.hidden_name): a
        script's save(".x.png") or export_csv(".x.csv") wrote the hidden file."""
        from ..fileutil import check_outputs
        from ._dialogs import refuse_hidden

        for f in files:
            name = os.path.basename(f).lstrip(".")
            refuse_hidden(f, name if "." in name else "results")
        inputs = self.scan_files(*also)
        check_outputs(files=files, folders=folders, inputs=inputs, folder_inputs=inputs)

    def save_with_dialog(
        self, title, filters, suggested, save, what="Save", said: bool = True
    ) -> None:
        """Ask for a path (first suggested after the scan and beside it: `suggested_path`; the
        file of the scan, or of any scan or photograph open, refused before the question whether
        to replace it), `save(path)` there and say "Saved <name>." (`said`: False where `save`
        starts a job that says it) or, in the panel, why not."""
        from ._dialogs import ask_save_path, suggested_path
        from ._jobs import report_error

        scan = self.current_cube()
        scan_path = scan.path if scan else None
        try:
            path = ask_save_path(
                self,
                title,
                filters,
                suggested_path(self.save_beside(), suggested),
                check=lambda files: self.check_outputs(files, also=[scan_path]),
            )
            if path and not self.refuse_busy(what):
                save(path)
                if said:
                    self.job.status.setText(f"Saved {os.path.basename(path)}.")
        except (OSError, ValueError) as exc:
            self.job.refused(report_error(exc, what))

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

    def forget(self, cube, key: str) -> None:
        entry = self._per_cube.get(id(cube))
        if entry is not None and entry[0] is cube:
            entry[1].pop(key, None)

    def recall(self, cube, key: str, default=None):
        entry = self._per_cube.get(id(cube))
        return default if entry is None or entry[0] is not cube else entry[1].get(key, default)

    def remember_weakly(self, cube, key: str, layer) -> None:
        """Keep `layer` (None: none) for `cube` by a weak reference: a layer deleted while
        another scan was shown is let go, not held with its pixels until the scan is closed.
        To the layer behind napari's proxy: docked from the Plugins menu, viewer.add_labels
        hands out a new proxy, whose weak reference died at once (_weak_layer)."""
        self.remember(cube, key, None if layer is None else _weak_layer(layer))

    def recall_weakly(self, cube, key: str):
        """The layer remember_weakly kept for `cube` under `key`; None once it is deleted."""
        ref = self.recall(cube, key)
        return None if ref is None else ref()

    def recall_all(self, key: str) -> list:
        """What is kept under `key` for every open scan that has it."""
        return [kept[key] for _, kept in self._per_cube.values() if kept.get(key) is not None]

    def keep_result(self, cube, kept) -> None:
        """Keep `kept` as `cube`'s result, shown at once where `cube` is the scan shown."""
        self.remember(cube, "result", kept)
        if cube is self.current_cube():
            self.show_result(kept)

    def lighten_result(self, cube, light) -> None:
        """`cube`'s result is now `light`: the same less the arrays only its deleted layer
        needed (Recolour's colours, Embed & cluster's regions), which the dock held per scan
        until the scan was closed or run again. What the dock says and refuses of a deleted
        result (result_deleted) reads none of them."""
        if self.result is self.recall(cube, "result"):
            self.result = light
        self.remember(cube, "result", light)

    def start_job(
        self,
        gen_fn,
        *args,
        cube,
        on_result: Callable,
        description: str = "",
        keep: bool = True,
        pass_pool: bool = False,
        name: str = "",
        closed_words: Callable[[], str] | None = None,
    ):
        """JobPanel.start for a job on `cube`. `on_result(value)` adds the layers and returns what
        the dock keeps for that cube (shown by show_result while the cube is selected; with
        keep=False nothing is kept: a step towards the result, such as drawing regions); a job
        whose cube was closed meanwhile is dropped. `pass_pool`: a short job the user waits on
        (Add composite), not queued behind the dock jobs filling napari's pool (JobPanel.start).
        `name`: the job's name where a notification speaks of it (a region spectrum stopped by
        its scan's closing was announced as "Mean spectrum: Stopped..."); "": the Run button's.
        `closed_words()`: the status line once the cube closed before the value came, where "its
        result was dropped" is not what happened (a save stopped: no result of the dock's lost)."""

        def deliver(value):  # a generator: JobPanel steps it (on_result may be staged too)
            def is_open():
                return self._cube_is_open(cube)

            kept = _CLOSED
            said = f"The scan {closed_scan_name(cube)} was closed; its result was dropped"
            if is_open():
                kept = on_result(value)
                if isinstance(kept, types.GeneratorType):
                    kept = yield from _checked_steps(kept, is_open)
                    if kept is _CLOSED and self.dropped_layers_words:  # its steps were undone
                        said += f" and {self.dropped_layers_words}"
            if kept is _CLOSED:
                self.job.status.setText(said + "." if closed_words is None else closed_words())
                return
            if keep:
                self.keep_result(cube, kept)

        where = str(cube.path) if getattr(cube, "path", None) else getattr(cube, "name", "")
        worker = self.job.start(
            gen_fn,
            *args,
            on_result=deliver,
            description=description,
            where=where,
            pass_pool=pass_pool,
        )
        if worker is not None:
            self._job_cube = cube
            self._survey_words = None  # the line is this job's now
            self._result_job = keep
            self._job_is_survey = False
            self._job_is_save = False
            self._job_name = name
            self.follow_busy()
        return worker

    def save_in_job(
        self,
        write: Callable[[], list],
        *,
        cube,
        saving,
        saved,
        done,
        name,
        stopped="the save",
        again: str | None = "save",
    ):
        """Run a save's `write()` (returning the paths written) in a job: full-size images froze
        the viewer while written on napari's GUI thread (Recolour's Save, Save maps, Embed's
        Save). `saving`: the status line meanwhile; `done(paths)`: the one once written;
        `saved` ("x.png was saved") or `stopped` ("the export"): what was, or what stopped,
        where the scan closed before the job ended (a save is not stopped by its scan's closing:
        it writes what it took as it started). Pigments' and Spectrum's Export too. While a
        job of the dock runs (it started as the dialog was open) the save is refused here, a
        ValueError saying to `again` ("save", "export") after it; with `again` None, the
        caller refuses it (None is returned)."""
        written: list = []

        def job():  # in the worker
            yield saving
            written.extend(write())

        def closed() -> str:
            scan = f"The scan {closed_scan_name(cube)} was closed"
            if written:
                return f"{scan}; {saved} all the same."
            return f"{scan}, so {stopped} was stopped: nothing was written."

        worker = self.start_job(
            job,
            cube=cube,
            on_result=lambda _: self.job.status.setText(done(written)),
            description=saving,
            keep=False,
            name=name,
            closed_words=closed,
        )
        if worker is not None:
            # not stopped as its scan closes (_layer_removed): what it writes was taken as it
            # started, and a stop, taking effect at the job's next step only, came while the
            # files were written (one step: seconds at 2000 x 2000 px), so the report or image
            # was written whole while the line said "Stopped: the scan a.h5 was closed."
            self._job_is_save = True
            # nor by a Cancel during the write (its one step): "Cancelled." was said of files
            # written whole, earlier ones replaced
            self.job.cancelled_words = lambda: (
                f"Not cancelled: {saved} (the Cancel came as it was written)." if written else None
            )
        if worker is None and again is not None:
            raise ValueError(
                f"a job of this dock is running: wait for it to end (or Cancel it), then {again} "
                "again"
            )
        return worker

    def result_busy(self) -> bool:
        """A job of this dock is computing a new result of the scan shown (Run pressed again):
        the result shown is about to be replaced, and its layers are replaced one by one as the
        job delivers. Its saves are off meanwhile (follow_busy): Save during a re-run wrote the
        previous run's result, not what the dock's settings now ask for, or a half state (a
        clusters layer already replaced, beside the previous regions' spectra). A job that is
        a step (keep=False: regions found for Pigments) or runs on another scan changes nothing
        of the result shown."""
        return (
            self.job.is_running
            and self._result_job
            and self._job_cube is not None
            and self._job_cube is self._cube
        )

    def follow_busy(self) -> None:
        """Enable the buttons that save the shown result only when it is not result_busy();
        called as a job starts and ends, and from show_result."""

    def refuse_busy(self, what: str) -> bool:
        """In a save's click, after its dialog (a waiting Run may start while it is open):
        True, and the toast and status line say why, while result_busy()."""
        from ._jobs import report_error

        if not self.result_busy():
            return False
        self.job.status.setText(report_error(ValueError(RESULT_BUSY), what))
        return True

    def request_survey(self) -> None:
        """Show the current cube's survey, computing it once (shared with the other docks)."""
        cube = self.current_cube()
        if cube is None or self.job.refusal:  # its line says why nothing is suggested
            return
        if read_failed(cube):
            if not self.job.is_running:
                self._say_of_survey(NOT_SURVEYED)
            return
        if awaits_calibration(cube):
            # a survey of channel numbers suggests nothing, and its read of the file slowed the
            # calibration's own pass; the calibrated scan is surveyed when it arrives
            if not self.job.is_running:
                self._say_of_survey("Waiting for the automatic energy calibration\u2026")
            return
        known = SURVEYS.get(cube)
        if known is not None:
            if not self.job.is_running and not self.job.status.text():
                self._say_surveyed(cube)
            self.show_survey(*known)
        elif SURVEYS.is_running(cube):
            if not self.job.is_running:
                self._say_of_survey(SURVEYED_ELSEWHERE)
        elif SURVEYS.start(cube, self.job, "Reading the cube\u2026", self.scan_name):
            self._job_cube = cube  # started here: closing the cube stops it
            self._job_is_survey = True
        else:
            self._survey_when_idle = True  # our panel is busy: survey when it is free

    def _say_of_survey(self, words: str) -> None:
        """The line says `words` of the shown scan's survey, which _survey_ready replaces once
        the survey arrives. It cleared every idle line but one beginning "Done": Make maps'
        "5 map(s) added ..." went as another dock's survey of the scan ended."""
        self.job.status.setText(words)
        self._survey_words = words

    def _say_surveyed(self, cube) -> None:
        """The line says how the shown scan's survey ended (surveyed_words), whichever dock ran
        it: the dock that ran it said "Scan surveyed: 5 elements suggested." and the other
        (Elemental maps beside Spectrum, or opened after it) a blank line, its "Finding elements
        (in another dock)..." cleared as the survey arrived."""
        self._say_of_survey(surveyed_words(cube, SURVEYS.get(cube)[1], self.scan_name))

    def pin_below(self, *items) -> None:
        """Keep `items` (widgets or layouts: the Run row, Save) under the scrolling body, always
        in view: in a docked tab at 1920 x 1080 the body is about 400 px tall, and the form above
        them, or notes that come with a result (Recolour's, Embed's), pushed them below the fold,
        where only scrolling found them."""
        for item in items:
            if isinstance(item, QLayout):
                self.footer_layout.addLayout(item)
            else:
                self.footer_layout.addWidget(item)
        self.footer.show()

    def scroll_into_view(self, *widgets) -> None:
        """Once the body is laid out with what was just set, scroll it so that `widgets` (a
        result's notes, its table) are in view, the first named winning where not all fit: with
        the buttons pinned below, a result's notes sit under the form, below the fold."""

        def scroll():
            try:
                # the labels' heights and the scroll range follow layout requests still queued
                QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
                for widget in reversed(widgets):
                    if widget.isVisibleTo(self.body):
                        self.scroll.ensureWidgetVisible(widget, 0, 0)
            except RuntimeError:  # the dock was deleted meanwhile
                pass

        QTimer.singleShot(0, scroll)

    # -- placement ---------------------------------------------------------------------------------
    def minimumSizeHint(self) -> QSize:
        """At least as wide as the form and its vertical scroll bar, every dock: Pigments could be
        narrowed (or opened alone) to 374 px over a 433 px form, which then scrolled sideways, its
        Instrument row's boxes cut at the dock's edge ("gas: file's (non"), Recolour to 184 px
        over a 397 px form, and Elemental maps to the width of its pinned Run and composite rows
        alone (tests/test_maps63.py)."""
        hint = super().minimumSizeHint()
        # the bar, and the scroll area's frame (napari's style sheet draws one, 1 px: the form
        # was cut by 2 px at 59855d6e's minimum)
        chrome = self.scroll.verticalScrollBar().sizeHint().width() + 2 * self.scroll.frameWidth()
        return QSize(max(hint.width(), self.body.minimumSizeHint().width() + chrome), hint.height())

    def sizeHint(self) -> QSize:
        hint = self.body.sizeHint()
        bar = self.scroll.verticalScrollBar().sizeHint().width()
        footer = QSize(0, 0) if self.footer.isHidden() else self.footer.sizeHint()
        return QSize(
            max(hint.width() + bar, footer.width()),
            min(hint.height() + footer.height(), self.PREFERRED_HEIGHT),
        )

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
        self._widen(main, dock)
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

    def _widen(self, main, dock) -> None:
        """Widen a dock placed narrower than its form's narrowest (body and vertical scroll bar),
        up to a third of the window: napari gave Recolour 410 px at 1920 x 1080 for a form of
        438 px, which then scrolled sideways, its "(8\u00d7 slower)" and "\u2026" buttons cut."""
        bar = self.scroll.verticalScrollBar()  # room for it, shown or to come with a result
        room = self.scroll.viewport().width() - (0 if bar.isVisible() else bar.sizeHint().width())
        need = dock.width() + self.body.minimumSizeHint().width() - room
        if dock.width() < need <= main.width() // 3:
            main.resizeDocks([dock], [need], Qt.Orientation.Horizontal)

    # -- internals ---------------------------------------------------------------------------------
    def _cube_is_open(self, cube) -> bool:
        return any(layer_cube(ly) is cube for ly in self._viewer.layers)

    def _cube_changed(self, layer) -> None:
        # The status line and bar belong to a scan, as its results do ("Saved clusters_2.png"
        # must not stay up on another scan); while a job runs they are the job's (_job_ended).
        cube = None if layer is None else layer_cube(layer)
        if self._deferred is not None and self._deferred.cube is not cube:
            # another scan: the waiting action was for this one, whose status line says so
            waited = self._deferred.cube
            note = (
                f"{self._deferred.what} was not started: another scan was chosen while it waited; "
                "press it again."
            )
            if self.job.is_running:
                # the line is the job's (mostly the waiting scan's own survey), whose last words
                # were kept for that scan without these: Make maps, pressed as the scan opened,
                # came to nothing with no word of it once the user looked back at the scan
                self.remember(waited, "status", (note, 0, 1))
                if self._job_cube is waited:  # its words are added to the job's (_job_ended)
                    self.remember(waited, "not_started", note)
            self._drop_deferred(note)
        if self._cube is not None:
            self.leave_cube(self._cube)
            if not self.job.is_running and not self._showing_closed_notice():
                self.remember(self._cube, "status", self.job.state())
        self._closed_notice = None
        self._cube = cube
        self._awaits_calibration = awaits_calibration(cube)
        # a calibration arriving replaces the Cube, which is chosen anew (_layer_metadata_changed)
        self.job.refuse_runs(NO_SCAN if cube is None else self.scan_refusal(cube))
        if not self.job.is_running:
            self.job.show_state(self._scan_state(cube))
            self.forget(cube, "not_started")  # shown now
        self._show_instrument(cube)
        self.on_cube(layer)
        self.show_result(None if cube is None else self.recall(cube, "result"))
        if self.uses_survey and cube is not None:
            self.request_survey()
        self._name_job_scan()

    def _name_job_scan(self) -> None:
        """A job running on a scan other than the one shown has its lines shown after that
        scan's name (StatusLine.name_scan); the shown scan's job, or none, without."""
        job = self._job_cube if self.job.is_running else None
        other = job is not None and job is not self._cube
        self.job.status.name_scan(self.scan_name(job) if other else "")

    def _scan_state(self, cube):
        """The status line (and bar) `cube` had when the dock left it, to show again; None for a
        blank one. Not "Finding elements (in another dock)…" once that survey ended: back on a
        scan surveyed meanwhile, the line still said it was being surveyed."""
        state = None if cube is None else self.recall(cube, "status")
        if state is not None and state[0] == SURVEYED_ELSEWHERE and not SURVEYS.is_running(cube):
            state = None
        if cube is not None and (why := self.scan_refusal(cube)):
            # said as the scan is chosen, not only once Run was pressed, whatever line the scan
            # had: no Run works on it, so a line kept while its automatic calibration was fitted
            # (blank, or "Find pigments was not started: ... press it again") is out of date
            # once that fit failed
            return why, 0, 1
        return state

    def scan_refusal(self, cube) -> str:
        """Why this dock's Run cannot work on `cube` whatever is set ("" if it can), in full
        ("Recolour: <scan>: its energy axis ..."): a scan wholly off the models' energy grid. It
        is the scan's status line as soon as the scan is chosen, and Run refuses with it before
        any work (refuse_scan). Said only once Run was pressed, the refusal came as the job's
        error after the models had loaded, and Pigments left a "whole scan" layer behind. Here
        the models' refusal, for docks naming themselves in `models_dock`: a scan without an
        energy calibration (energy.uncalibrated_refusal, as Elemental maps'; not while one is
        being fitted; a file a pass failed reading says so, read_failure_refusal), whose
        channel numbers the models read as keV (an .npy with Fe K at 6.4 keV: 0.4 % of its
        counts read, the strongest at 17.5 keV) and Run went on to garbage; Recolour and Embed
        & cluster add a scan of too few pixels for them. On again as a calibration arrives
        (_layer_metadata_changed)."""
        if not self.models_dock:
            return ""
        from ..energy import off_grid_refusal, uncalibrated_refusal

        name = self.scan_name(cube)
        why = read_failure_refusal(cube, name)
        if not why and not awaits_calibration(cube):
            why = uncalibrated_refusal(cube, name, "read by the models")
        why = why or off_grid_refusal(cube, "the models", name)
        return f"{self.models_dock}: {why}" if why else ""

    def scan_name(self, cube) -> str:
        """What the docks' messages call `cube`: its datacube layer's name, as cube_display_name
        (two files of one name open as "NG6461" and "NG6461 [1]"), else the scan's own name."""
        viewer = self.viewer
        return (cube_layer_name(viewer, cube) if viewer is not None else None) or cube.name

    def refuse_scan(self, cube) -> bool:
        """In Run: True, and the toast and status line say why, when scan_refusal(cube) has a
        reason."""
        from ._jobs import report_error

        why = self.scan_refusal(cube)
        if why and self._starting_deferred and _told_after_wait(cube, why):
            self.job.refused(why)  # the line alone: another dock's waiting action told it
        elif why:
            self.job.refused(report_error(ValueError(why)))
        return bool(why)

    def leave_cube(self, cube) -> None:
        """The user switches away from `cube`: remember what should come back (e.g. ticks)."""

    # -- the Instrument row of Spectrum, Elemental maps, Pigments, Recolour (widgets._instrument) --
    def make_instrument_row(self):
        """The dock's InstrumentRow, showing and setting the chosen scan's instrument in the
        survey hub (SURVEYS.set_instrument): one choice per scan, whichever dock it is set in.
        A dock that suggests no elements (Pigments, whose fit reads the choice) follows it too:
        told "lens, Rh 50 kV" in Spectrum, its own Tube and Optic rows still said the file's,
        and it fitted the same scan with another tube without a word."""
        from ._instrument import InstrumentRow

        self.instrument_row = InstrumentRow()
        self.instrument_row.changed.connect(self._instrument_chosen)
        return self.instrument_row

    def instrument_now(self, cube):
        """What of `cube`'s instrument a Run of this dock would read now, in a dock that
        reads_instrument: its tube (scan_tube), the choice's or the file's."""
        return scan_tube(cube)

    def made_for(self, result):
        """What of the instrument `result` was made for (instrument_now at its Run), kept in the
        result itself: the anode of its OODReport (Recolour, Embed & cluster) or of its maps;
        MADE_FOR_UNKNOWN where the result does not say."""
        raise NotImplementedError  # every dock that reads_instrument says

    def instrument_changed_since(self, cube, result) -> bool:
        """`result`, this dock's of `cube`, was made for another instrument than the scan's now
        (made_for, instrument_now): what it says of the tube no longer holds."""
        return self._made_and_now(cube, result) is not None

    def _made_and_now(self, cube, result) -> tuple | None:
        """(made_for, instrument_now) where `result` was made for another instrument than
        `cube`'s now, else None: each read once, for instrument_changed_since and stale_tube."""
        made = MADE_FOR_UNKNOWN if result is None else self.made_for(result)
        if made is MADE_FOR_UNKNOWN:
            return None
        now = self.instrument_now(cube)
        return None if made == now else (made, now)

    def follow_instrument(self, cube) -> None:
        """`cube`'s Instrument choice changed, in a dock that reads_instrument: its result, shown,
        is shown again (its notes, stale_tube)."""
        if cube is self.current_cube():
            self.show_result(self.recall(cube, "result"))

    def stale_tube(self) -> str:
        """Why the chosen scan's result no longer holds, in a dock with tube_notes ("" while
        it does): the scan's tube changed since its Run. Recolour's notes, Embed & cluster's
        training-data line and Elemental maps' notes stayed, stating things of the tube no
        longer chosen (copper unread under a Cu tube, an untrained anode or none named, a line
        fitted beside the old tube's); they come from the run's reads of the scan, not kept, so
        they are withheld until Run again."""
        cube = self.current_cube()
        result = None if cube is None else self.recall(cube, "result")
        changed = self._made_and_now(cube, result) if self.tube_notes else None
        return "" if changed is None else self.stale_words(*changed)

    def stale_words(self, made, now) -> str:
        """stale_tube's line for a result made for `made`, the scan's now `now` (made_for,
        instrument_now, which differ)."""
        notes, again = self.tube_notes
        made, now = (_tube_words(self.tube_of(a), self.tube_chosen_in) for a in (made, now))
        return f"\u26a0 {notes} made for {made}; the scan's tube is now {now}. {again}"

    def tube_of(self, instrument):
        """The tube of what made_for and instrument_now say, for stale_tube's words: the tube
        itself, but for Elemental maps' whole instrument."""
        return instrument

    def result_deleted(self) -> bool:
        """The chosen scan's result is shown by no layer any more (the user deleted it): its
        notes (show_tube_notes) and the lines describing it (Embed & cluster's summary,
        Recolour's device) go with it (show_notes), as its Save goes off (follow_busy). False
        in a dock whose result has no layer to delete."""
        return False

    def show_notes(self) -> None:
        """Show the chosen scan's result notes (through show_tube_notes) and the lines
        describing the result again: on a layer's removal, those of a result whose layer was
        deleted go (Recolour's stayed under no colours); on a change of tube, notes made for
        another give way to stale_tube's line."""

    def show_tube_notes(self, label, text: str, warn: bool = False) -> bool:
        """`label` shows the result's notes `text` (orange with `warn`), or stale_tube's line in
        their place, or nothing once the result's layer was deleted (result_deleted); hidden
        while it has no text. True when the notes are withheld, for the dock's other notes."""
        gone = self.result_deleted()
        stale = "" if gone else self.stale_tube()
        label.setText("" if gone else stale or text)
        label.setStyleSheet("color: #d08000;" if stale or warn else "")
        label.setVisible(bool(label.text()))
        return gone or bool(stale)

    def show_ood(self, ood) -> bool:
        """The dock's ood_label: the run's training-data line (analysis.ood's OODReport; None:
        none), or stale_tube's in its place (show_tube_notes, whose answer it returns)."""
        line = "" if ood is None else ("\u26a0 " if ood.warn else "") + ood.message()
        return self.show_tube_notes(self.ood_label, line, ood is not None and ood.warn)

    def _show_instrument(self, cube) -> None:
        row = self.instrument_row
        if row is None:
            return
        row.set_choice(None if cube is None else SURVEYS.instrument(cube))
        row.show_file(None if cube is None else cube.metadata)
        row.setEnabled(cube is not None)

    def _instrument_chosen(self, choice: dict) -> None:
        cube = self.current_cube()
        if cube is not None:
            SURVEYS.set_instrument(cube, choice)

    def _instrument_changed(self, cube) -> None:
        """`cube`'s instrument changed (in this dock or another): ticks that were its suggestion
        follow the new one (ticks the user changed stay), and the dock showing it asks for its
        survey, suggested again from the spectra kept. Its "Suggested" line, made for the
        instrument before, is not shown while that runs (1-3 s on a large scan), nor after it
        was cancelled or failed (NO_SUGGESTION until the new one arrives): Spectrum and Elemental
        maps showed the file's Rh suggestion under W. A dock whose result reads the instrument
        shows it again (follow_instrument); one that suggests nothing only shows the choice."""
        try:
            if self.reads_instrument:
                self.follow_instrument(cube)
            if not self.uses_survey:
                if cube is self.current_cube():
                    self._show_instrument(cube)
                return
            before = set(SURVEYS.previous(cube))
            if cube is not self.current_cube():
                kept = self.recall(cube, "ticks")
                if kept is not None and set(kept) == before:
                    self.forget(cube, "ticks")
                return
            self._show_instrument(cube)
            if set(self.checked_elements()) == before:
                self.forget(cube, "ticks")
                self.set_checked_elements([])
            if not SURVEYS.is_running(cube):  # else suggested again when it ends, or started
                self.request_survey()  # by the dock told first
            if cube is not None and SURVEYS.get(cube) is None:  # outdated, not yet suggested
                self.suggested_label.setText(NO_SUGGESTION)
        except RuntimeError:  # this dock's Qt side is already deleted
            pass

    # -- for docks with an element list (checked_elements / set_checked_elements) ---------------
    def keep_ticks(self, cube) -> None:
        """In leave_cube: the elements ticked on `cube` come back with it, those ticked before
        its suggestions arrived too (they were replaced by the suggestions)."""
        ticks = self.checked_elements()
        if ticks or self.recall(cube, "ticks") is not None or SURVEYS.get(cube) is not None:
            self.remember(cube, "ticks", ticks)

    def tick_suggested_once(self, cube, suggested) -> bool:
        """In show_survey: the first time `cube`'s suggestions are shown, tick them unless the
        user already ticked elements; True when the ticks were set (and redrawn)."""
        if self.recall(cube, "ticks") is not None:
            return False
        ticks = self.checked_elements() or list(suggested)
        self.remember(cube, "ticks", ticks)
        self.set_checked_elements(ticks)
        return True

    def _job_ended(self) -> None:
        cube, self._job_cube = self._job_cube, None
        self.job.status.name_scan("")
        survey, self._job_is_survey = self._job_is_survey, False
        self._job_is_save = False
        self._result_job = False
        if self._closed:
            return
        self.follow_busy()
        if survey:  # how the dock's own survey ended ("Cancelled."): replaced by the survey
            self._survey_words = self.job.status.text()
        if (note := self.recall(cube, "not_started")) is not None:  # _cube_changed
            self.forget(cube, "not_started")
            self.job.status.setText(f"{self.job.status.text()} {note}".strip())
        if cube is not None and cube is not self._cube:
            # it ran on a scan the user has left: its last words are that scan's, and go with it
            # once it was closed ("Cancelled." stayed on the scan shown now); with no scan shown,
            # they stay ("The scan b.h5 was closed; ...")
            if self._cube_is_open(cube):
                self.remember(cube, "status", self.job.state())
                self.job.show_state(self._scan_state(self._cube))
                if self._cube is not None and self.uses_survey:
                    # Make maps ran on the painting while the panel, chosen meanwhile, was
                    # surveyed in the Spectrum dock: the panel's line went blank as the maps
                    # landed, where choosing it again said "Scan surveyed: ..."
                    self._say_survey_on_blank_line()
            elif self._cube is not None and survey:  # one the user did not ask for: the
                self.job.show_state(self._scan_state(self._cube))  # scan shown's line
                # surveyed (or being surveyed) in another dock: the line went blank after
                # "Stopping...", where this dock's own survey of it said how it went
                self._say_survey_on_blank_line()
            elif self._cube is not None:
                # closed ("Stopped: the scan b.h5 was closed.", "The scan b.h5 was closed; its
                # result was dropped."): the line keeps those words, the only ones saying what
                # became of the job. The scan shown kept its own line, which comes back when it
                # is chosen again; the words were replaced by it at once, and the scan chosen
                # as its file closed hid them, so that nothing said why the job had stopped
                self._closed_notice = self.job.status.text()
        self._say_held_sentences()
        if self._survey_when_idle:
            self._survey_when_idle = False
            self.request_survey()
        self._start_deferred()

    def _say_survey_on_blank_line(self) -> None:
        """A blank line of the shown scan, after another scan's job ended, says how that scan's
        survey stands when another dock ran it (surveyed, or being surveyed)."""
        if self.job.status.text():
            return
        if SURVEYS.get(self._cube) is not None:
            self._say_surveyed(self._cube)
        elif SURVEYS.is_running(self._cube):
            self._say_of_survey(SURVEYED_ELSEWHERE)

    def _showing_closed_notice(self) -> bool:
        """The line still says what became of a job whose scan was closed (_job_ended): not the
        shown scan's own line, which is not remembered over."""
        return self._closed_notice is not None and self.job.status.text() == self._closed_notice

    def _layer_removed(self, event=None) -> None:
        open_ids = {id(layer_cube(ly)) for ly in self._viewer.layers if layer_cube(ly) is not None}
        for key in [k for k in self._per_cube if k not in open_ids]:
            del self._per_cube[key]
        if self._cube is not None and id(self._cube) not in open_ids:
            self._cube = None  # closed: nothing to remember for it
        if self._deferred is not None and id(self._deferred.cube) not in open_ids:
            self._drop_deferred()
        if (
            self._job_cube is not None
            and id(self._job_cube) not in open_ids
            and self.job.is_running
            and not self._job_is_save  # it ends saying what it wrote (save_in_job's closed)
        ):
            from napari.utils.notifications import show_info

            cube = self._job_cube
            reason = f"Stopped: the scan {closed_scan_name(cube)} was closed."
            survey = self._job_is_survey
            # once: a job stopped so ends at its next step, and the layers removed meanwhile
            # (other scans closed with it) find it still running
            if self.job.stop(reason) and not survey:  # the user's job: a notification too
                # (the dock may be a hidden tab); none for the survey the dock started itself
                job = self._job_name or self.job.run_button.text().replace("&&", "&")
                show_info(f"{job}: {reason}")
        if self._closed:
            return
        self._forget_deleted_sentences()
        # a job on another scan whose datacube layer went (its sum image left) is named anew:
        # "On <the deleted layer's name>:" stayed over its lines
        self._name_job_scan()
        try:  # a save's button and the result's notes follow the layer showing the result
            self.follow_busy()  # (deleted_layer_refusal)
            self.show_notes()  # (result_deleted)
        except RuntimeError:  # this dock's Qt side is already deleted
            pass

    def say_while_shown(self, cube, layers, sentence: str, named=()) -> None:
        """The status line of `cube` now says `sentence` of `layers`: the "(your edits)" copy
        replace_regions made (kept_words), Make maps' maps. Once the user deleted every one of
        them, the sentence leaves that scan's line, which went on naming a layer no longer
        there, or "4 map(s) added" over no map. Per scan: another scan's line saying the same
        words of its own layers keeps them. Kept by a weak reference to the scan, not its id:
        a closed scan's id, reused by a scan opened later while the closed one's layers stayed,
        made the new scan's sentence stay over its deleted layers as long as the old ones were
        there (and the old ones' deletion take it from the new scan's line). A layer the sentence
        names (“name”: one of `layers`, or of `named`) renamed is named anew (_reword_renamed)."""
        layers = tuple(layer for layer in layers if layer is not None)
        if cube is not None and layers and sentence:
            names = [(_weak_layer(ly), ly.name) for ly in (*layers, *named) if ly is not None]
            self._said_of_layers.append((weakref.ref(cube), layers, sentence, names))

    def say_when_idle(self, cube, layers, sentence: str) -> None:
        """The status line says `sentence` of `cube`'s `layers` (say_while_shown), given by
        another dock (Embed & cluster's stroke on its clusters took curves off this plot): at
        once while no job of this dock runs, else after the job's own words once it ended. It was
        written over the running job's line ("Reading the cube..."), one dock writing in
        another's, and went as the job's end replaced it."""
        if not self.job.is_running:
            self.job.status.setText(sentence)
            self.say_while_shown(cube, layers, sentence)
            return
        # the latest of a scan replaces the one before, as on the line; its layers held weakly
        # (one deleted meanwhile is let go, not kept with its pixels until the job ends)
        held = [entry for entry in self._said_when_idle if entry[0]() is not cube]
        refs = tuple(_weak_layer(ly) for ly in layers if ly is not None)
        self._said_when_idle = [*held, (weakref.ref(cube), refs, sentence)]

    def _say_held_sentences(self) -> None:
        """In _job_ended: what say_when_idle held while the job ran, of layers still in the
        viewer, after the job's last words: on the line of its scan, shown now or kept for it
        (said as it is chosen again). It was dropped where the dock showed another scan as the
        job ended, and nothing said why the curves had gone once the user came back."""
        held, self._said_when_idle = self._said_when_idle, []
        for of, refs, sentence in held:
            cube = of()
            layers = [ly for ly in (ref() for ref in refs) if ly is not None]
            layers = [ly for ly in layers if ly in self._viewer.layers]
            if cube is None or not layers or not self._cube_is_open(cube):
                continue
            if cube is self._cube:
                self.job.status.setText(f"{self.job.status.text()} {sentence}".strip())
            else:
                text, value, maximum = self.recall(cube, "status") or ("", 0, 1)
                self.remember(cube, "status", (f"{text} {sentence}".strip(), value, maximum))
            self.say_while_shown(cube, layers, sentence)

    def unsay(self, cube, which) -> None:
        """The sentences say_while_shown keeps of `cube` for which `which(sentence)` is true
        leave its line, shown or kept, and are no longer watched: what they said is over before
        their layers are deleted (Embed & cluster's curves of painted regions, drawn again)."""
        self._said_when_idle = [
            e for e in self._said_when_idle if e[0]() is not cube or not which(e[2])
        ]
        said = [(of, s) for of, _, s, _ in self._said_of_layers if of() is cube and which(s)]
        if said:
            self._said_of_layers = [e for e in self._said_of_layers if (e[0], e[2]) not in said]
            self._edit_lines([(of, s, "") for of, s in said])

    def _reword_renamed(self, layer) -> None:
        """`layer` was renamed: a sentence of say_while_shown naming it names it anew, on the
        status line shown and those kept per scan. The "(your edits)" copy's sentence went on
        naming the copy and its regions layer by their old names (the user's name for a copy
        kept: “clusters (your edits)” no longer in the layer list)."""
        changed = []
        for i, (of, layers, sentence, names) in enumerate(self._said_of_layers):
            new, renamed = sentence, []
            for ref, name in names:
                if ref() is layer and layer.name != name:
                    new = new.replace(f"\u201c{name}\u201d", f"\u201c{layer.name}\u201d")
                    name = layer.name
                renamed.append((ref, name))
            self._said_of_layers[i] = (of, layers, new, renamed)
            if new != sentence:
                changed.append((of, sentence, new))
        if changed:
            self._edit_lines(changed)

    def _edit_lines(self, edits) -> None:
        """In the status line shown and those kept per scan, each sentence of [(weak reference
        to its scan, the sentence, what replaces it)] replaced, as a whole sentence ("2 map(s)
        added" is not in "12 ..."), in its own scan's line only."""

        def edited(text: str, cube) -> str:
            for of, sentence, new in edits:
                if cube is None or of() is cube:  # (no scan shown: any)
                    put = (lambda m, new=new: m[1] + new) if new else ""  # "": gone, with its space
                    text = re.sub(rf"(^|\s){re.escape(sentence)}", put, text)
            return text.strip()

        # a line left empty takes its bar with it: every map deleted, "2 map(s) added" went and
        # the bar stayed at 100 %, for no job
        try:
            text = edited(self.job.status.text(), self._cube)
            if text or self.job.is_running:
                self.job.status.setText(text)
            else:
                self.job.show_state(None)
        except RuntimeError:  # this dock's Qt side is already deleted
            return
        for cube, kept in self._per_cube.values():
            if kept.get("status") is not None:
                text, value, maximum = kept["status"]
                text = edited(text, cube)
                kept["status"] = (text, value, maximum) if text else ("", 0, 1)

    def _forget_deleted_sentences(self) -> None:
        """On a layer's removal: a sentence of say_while_shown none of whose layers of its scan
        is in the viewer any more leaves that scan's line, shown or kept (the scan shown later
        would say it again), and is no longer watched; one said again of that scan's layers
        still there (a re-run's) stays."""
        layers = self._viewer.layers
        # the deleted layers let go (a map is 64 MB at 4000 x 4000 px), the others watched
        said = [
            (of, tuple(ly for ly in of_layers if ly in layers), s, names)
            for of, of_layers, s, names in self._said_of_layers
        ]
        live = [entry for entry in said if entry[1]]
        # lists, not sets: a weak reference whose scan died unhashed cannot be hashed
        held = [(of, s) for of, _, s, _ in live]
        gone = [(of, s, "") for of, _, s, _ in self._said_of_layers if (of, s) not in held]
        self._said_of_layers = live
        if gone:
            self._edit_lines(gone)

    def _watch_layer(self, event=None) -> None:
        layer = getattr(event, "value", None)
        if layer is not None:
            self._follow_layer(layer)

    def _follow_layer(self, layer) -> None:
        """Follow a layer's metadata (a calibrated Cube arriving) and name (the refusal's)."""
        layer.events.metadata.connect(self._layer_metadata_changed)
        layer.events.name.connect(self._layer_renamed)

    def _layer_renamed(self, event=None) -> None:
        """A layer was renamed: Run's refusal names the scan by its layer (scan_name), and its
        tooltip and the status line kept the old name until the scan was chosen again; a
        sentence of say_while_shown names the layer anew (_reword_renamed), and so does the
        line of a job on another scan ("On <scan>: ...", _name_job_scan)."""
        if self._closed:
            return
        layer = getattr(event, "source", None)
        self._reword_renamed(layer)
        self._name_job_scan()
        if layer_cube(layer) is self._cube:
            self.follow_refusal()

    def follow_refusal(self, *_) -> None:
        """Run's refusal of the chosen scan again (scan_refusal), after something it reads
        changed while the scan stayed chosen (its layer's name; Pigments' SmallUViT box and
        Photograph): the status line says a new refusal as it comes (JobPanel.refused: not
        over a running job's line), and drops the old one as it goes."""
        cube = self.current_cube()
        before = self.job.refusal
        why = NO_SCAN if cube is None else self.scan_refusal(cube)
        if why == before:
            return
        self.job.refuse_runs(why)
        if why:
            self.job.refused(why)
        elif not self.job.is_running and self.job.status.text() == before:
            self.job.show_state(None)

    def _layer_metadata_changed(self, event=None) -> None:
        """A layer's Cube may have been replaced: a large uncalibrated scan opens at once, and
        its automatic calibration arrives later as a new Cube in its layers (_reader._deliver_sum).
        The pick-list does not take the new Cube for a scan just opened (it would jump to it),
        and once no layer shows the old Cube, a dock that showed it shows the new one as if
        chosen anew: its axis, survey and results were of the uncalibrated scan."""
        cube = layer_cube(getattr(event, "source", None))
        if cube is not None:
            self.cube_combo.take_as_known(cube)
        # an action waiting for the shown scan's calibration (after_calibration) is not dropped
        # as the old Cube leaves: the calibrated one is the same scan
        shown, deferred, self._deferred = self._cube, self._deferred, None
        if (
            self._awaits_calibration
            and cube is not None
            and cube is not shown
            and not self._cube_is_open(shown)
        ):  # the calibrated Cube replaced the shown one: what is on screen is remembered first
            self.leave_cube(shown)
        if cube is not None:
            self._keep_for_calibrated(cube)
        self._layer_removed()  # the old Cube, in no layer now, is closed to this dock
        if shown is None or self._closed:
            return
        if self._cube is None:
            self.follow_cube()
        elif cube is shown and self._awaits_calibration and not awaits_calibration(cube):
            self.follow_cube()  # refused or failed: the same Cube, its axis now final
        else:
            self._deferred = deferred
            if cube is shown and read_failed(cube):
                # a calibrated scan's sum pass failed reading the file: Run's refusal says so (it
                # followed only the sum layer's renaming "(failed)", none for a name the user
                # gave it meanwhile: Recolour kept Run on, with a blank line)
                self.follow_refusal()
            return
        if deferred is not None and self.current_cube() is not None:
            self._deferred = dataclasses.replace(deferred, cube=self.current_cube())
            self._start_deferred()

    def _keep_for_calibrated(self, cube) -> None:
        """What the user chose on a scan waiting for its calibration (kept_on_calibration) goes
        to `cube`, the calibrated Cube that replaced it in its layers: shown or not, it is the
        same scan. Only the shown scan's was kept: ticks made on a scan, then another scan
        chosen while its calibration was fitted, were lost when it arrived. The replaced Cube is
        one in no layer now, still waiting, of the same file (a file opened twice is calibrated
        twice, each delivery replacing one Cube while the other is still in its layers)."""
        for old, kept in list(self._per_cube.values()):
            if (
                old is cube
                or self._cube_is_open(old)
                or not awaits_calibration(old)
                or getattr(old, "path", None) != getattr(cube, "path", None)
            ):
                continue
            for key in self.kept_on_calibration:
                if kept.get(key) is not None and self.recall(cube, key) is None:
                    self.remember(cube, key, kept[key])
            # the Instrument row's choice is not carried here: the reader's delivery carried it
            # before this Cube reached a layer (SURVEYS.carry_instrument)

    def _defer_until_calibrated(self, action, what: str) -> bool:
        """after_calibration's test: True when the selected scan waits for its calibration and
        `action` now waits for it too (a job already running refuses the action as before)."""
        cube = self.current_cube()
        if not awaits_calibration(cube) or self.job.is_running or self._closed:
            return False
        self._deferred = _Waiting(cube, action, what, needs_survey=False)
        self.job.status.setText(
            f"Waiting for the automatic energy calibration\u2026 {what} starts once it arrives."
        )
        self.job.cancel_button.setEnabled(True)
        return True

    def defer_until_surveyed(self, action, what: str) -> bool:
        """For an action that needs the selected scan's elements (Make maps resolves overlaps
        with every element present): True when the survey is not known yet and `action` now
        waits for it, the survey started if need be. Pressed as a scan opened, it had refused
        with an error pop-up ("the scan's elements are still being found")."""
        cube = self.current_cube()
        if cube is None or self._closed:
            return False
        self.request_survey()
        if SURVEYS.get(cube) is not None:
            return False
        # pressed after the survey's Cancel, as it ends: that survey's end starts another
        # (_survey_stopped). It ended "was not started: ... press it again", the press lost
        stopping = SURVEYS.is_stopping(cube)
        self._deferred = _Waiting(cube, action, what, needs_survey=True, after_stop=stopping)
        if read_failed(cube):  # no survey comes: dropped, saying why
            self._start_deferred()
            return True
        if stopping:
            self.job.status.setText(
                f"Waiting for the cancelled element survey to end\u2026 {what} then surveys the "
                "scan again and starts once its elements are shown."
            )
        elif not self.job.is_running:  # else the survey's own progress shows in this panel
            self.job.status.setText(
                f"Finding the scan's elements\u2026 {what} starts once they are shown."
            )
        self.job.cancel_button.setEnabled(True)
        return True

    def _start_deferred(self) -> None:
        """Start the action that waited for its scan's calibration (and survey, for Make maps),
        once they are in and the panel is free (the survey of the calibrated scan may run
        first); drop it, saying why, where the file could not be read."""
        deferred = self._deferred
        if deferred is None or self.job.is_running or awaits_calibration(deferred.cube):
            return
        if read_failed(deferred.cube):  # it would read the broken file again, for the same error
            self._drop_deferred(
                f"{deferred.what} was not started: reading the file failed (see the message)."
            )
            return
        if deferred.needs_survey and SURVEYS.get(deferred.cube) is None:
            return  # its survey runs (in this panel or another dock's)
        self._deferred = None
        self.job.cancel_button.setEnabled(False)
        if deferred.cube is self.current_cube() and not self._closed:
            self._starting_deferred = True
            try:
                deferred.action()
            finally:
                self._starting_deferred = False

    def _drop_deferred(self, status: str | None = None) -> None:
        """Forget the waiting action; `status` replaces its "Waiting..." line (None: kept)."""
        if self._deferred is None:
            return
        self._deferred = None
        if not self.job.is_running:
            self.job.cancel_button.setEnabled(False)
            if status is not None:
                self.job.status.setText(status)

    def _cancel_deferred(self) -> None:
        if self._deferred is not None and not self.job.is_running:
            self._drop_deferred("Cancelled.")
        else:
            self._deferred = None  # Cancel during the survey that runs first drops it too

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
        self._deferred = None
        for signal, name in self._hub_slots:
            try:
                signal.disconnect(getattr(self, name))
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
        for edit in self.findChildren(WeightsEdit):
            edit.stop_following()
        self.closed.emit()

    def _survey_ready(self, cube) -> None:
        try:
            if cube is self.current_cube():
                line = self.job.status.text()
                if not self.job.is_running and line == self._survey_words and not self.job.refusal:
                    self._say_surveyed(cube)
                self.show_survey(*SURVEYS.get(cube))
                self._start_deferred()
        except RuntimeError:  # this dock's Qt side is already deleted
            pass

    def _survey_orphaned(self, cube) -> None:
        try:
            if cube is self.current_cube():
                self.request_survey()
        except RuntimeError:
            pass

    def _survey_failed(self, cube, panel=None) -> None:
        """A dock waiting on another dock's survey of its cube says it stopped; the dock that ran
        it keeps its own line, which says why ("Failed: <file>: <stage>: <reason>"). A survey
        that met a bad block (io.read_failed) turns Run off in every dock showing the scan,
        saying so (scan_refusal, read_failure_refusal), as when the scan is chosen: on a
        calibrated scan Run stayed on until the scan was chosen again (Elemental maps dropped a
        click with "was not started", Recolour and Embed & cluster refused it with a toast)."""
        try:
            refused = (
                cube is self.current_cube() and read_failed(cube) and bool(self.scan_refusal(cube))
            )
            if self.uses_survey:
                self._survey_stopped(cube, panel, say=not refused)
            if refused:
                self.follow_refusal()
        except RuntimeError:
            pass

    def _survey_stopped(self, cube, panel, say: bool) -> None:
        """_survey_failed in a dock that waits on surveys: its waiting action dropped, saying
        why, or (`say`) its line saying the survey of the scan shown stopped."""
        deferred = self._deferred
        waits_here = deferred is not None and deferred.needs_survey and deferred.cube is cube
        if waits_here and read_failed(cube):
            self._start_deferred()  # drops it, saying why
        elif waits_here and deferred.after_stop and cube is self.current_cube():
            # pressed after that survey's Cancel: surveyed again, the action still waiting (a
            # second stop or failure drops it)
            self._deferred = dataclasses.replace(deferred, after_stop=False)
            self.request_survey()
            if not self.job.is_running:  # the survey runs in another dock, or waits for ours
                self.job.status.setText(
                    f"Finding the scan's elements\u2026 {deferred.what} starts once they are shown."
                )
            self.job.cancel_button.setEnabled(True)
        elif waits_here:
            # a survey that failed in this panel says why, as its line said before the action
            # (run again as the panel fell idle, before the hub let go) waited anew
            error = self.job.last_error if panel is self.job else None
            self._drop_deferred(
                f"Failed: {error}"
                if error is not None
                else f"{deferred.what} was not started: the element survey stopped or failed; "
                "press it again."
            )
        elif (
            say
            and cube is self.current_cube()
            and not self.job.is_running
            and panel is not self.job
            and SURVEYS.get(cube) is None  # surveyed before the channel slider's chunk failed
        ):
            self._say_of_survey(
                NOT_SURVEYED
                if read_failed(cube)
                else "Element survey stopped or failed; switch cubes or press "
                "the button to run it again."
            )
