"""Shared fixtures. Real instrument files live outside the repo (../shared/data/real)."""

import gc
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL_DATA = Path(os.environ.get("XRF_NAPARI_REAL_DATA", ROOT.parent / "shared" / "data" / "real"))


#: napari keeps its settings, and this plugin's Preferences page (weights folder, device), in the
#: user's config folder: each test's viewer read them, and wrote the settings file again on each
#: docked panel (4 writes a viewer). None now: every test sees napari's defaults, and no test
#: writes into the user's config. Set before napari.settings is imported (it reads it then).
os.environ.setdefault("NAPARI_CONFIG", "")


def _rewrite_only_the_tests() -> None:
    """pytest rewrites the asserts of every module of each installed package with a pytest plugin
    (napari, npe2, zarr, hypothesis...): in each worker the ~490 napari modules a GUI test imports
    were parsed, rewritten and compiled from source instead of loaded from their .pyc (about 2 s
    of CPU a process). Only the project's test modules and conftest are rewritten now (the plugin
    modules pytest imported before this conftest are already rewritten, and keep it). pytest's
    private names: another pytest without them rewrites as before."""
    import sys

    for finder in sys.meta_path:
        if type(finder).__name__ == "AssertionRewritingHook":
            for name in ("_must_rewrite", "_marked_for_rewrite_cache"):
                getattr(finder, name, {}).clear()


_rewrite_only_the_tests()


def _log_capture_under_logging_lock() -> None:
    """pytest's log capture (catching_logs), entered at each test's setup, call and teardown,
    iterates logging's dict of loggers without logging's lock: a logger made meanwhile in
    another thread (Spectrum's drawing thread imports matplotlib, 28 loggers, as its dock
    opens; a job imports scipy) failed the phase, "RuntimeError: dictionary changed size during
    iteration" (test_docks47's teardown under -n 2). Entered under that lock now, which
    logging.getLogger takes to add a logger. pytest's private names: without them, as before."""
    import logging

    from _pytest import logging as pytest_logging

    lock = getattr(logging, "_lock", None)
    cls = getattr(pytest_logging, "catching_logs", None)
    if lock is None or cls is None or getattr(cls.__enter__, "locked", False):
        return
    enter = cls.__enter__

    def locked_enter(self):
        with lock:
            return enter(self)

    locked_enter.locked = True
    cls.__enter__ = locked_enter


_log_capture_under_logging_lock()


@pytest.fixture(scope="session")
def real_data() -> Path:
    """Folder of real scans and headers; tests using it skip when it is absent (a user's clone)."""
    if not REAL_DATA.is_dir():
        pytest.skip(f"real data folder {REAL_DATA} is absent (set XRF_NAPARI_REAL_DATA to enable)")
    return REAL_DATA


def _hypothesis_profile():
    """The property tests draw the same examples on every run (derandomize), so that a landing's
    CI run is the run measured here: a random draw once hit a damaged .h5 on which libhdf5 loops
    for ever (tests/test_hdf5_hang45.py), and a hang stalls CI until its time limit. Set
    XRF_HYPOTHESIS_PROFILE=explore to draw new examples (fuzzing by hand)."""
    from hypothesis import settings

    settings.register_profile("suite", derandomize=True)
    settings.register_profile("explore", derandomize=False)
    settings.load_profile(os.environ.get("XRF_HYPOTHESIS_PROFILE", "suite"))


_hypothesis_profile()


#: Most workers `-n auto` starts (scripts/test.sh), and the memory one worker may need: a worker
#: holds torch, napari and Qt (about 1.5 GiB) plus a test's cubes and models.
MAX_WORKERS, GIB_PER_WORKER = 4, 4


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    """One worker per core, but no more than MAX_WORKERS and no more than memory holds: beyond 4
    the suite is bound by its longest files, and a many-core machine must not start a
    torch-and-napari process per core."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (AttributeError, ValueError, OSError):  # not POSIX: memory unknown
        memory_gib = GIB_PER_WORKER * MAX_WORKERS
    return max(1, min(cores or 1, MAX_WORKERS, int(memory_gib // GIB_PER_WORKER)))


def worker_threads() -> int | None:
    """BLAS/torch threads for each of several xdist workers: the cores shared among them (at
    least 1); None outside xdist or with one worker (the libraries' defaults stand)."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if not os.environ.get("PYTEST_XDIST_WORKER") or workers < 2:
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, (cores or 1) // workers)


@pytest.fixture(scope="session", autouse=True)
def _share_the_cores_among_workers():
    """Each xdist worker's BLAS and torch run on its share of the cores. Each library's default is
    a thread per core in every worker: 4 threads on CI's 2 cores, and OpenBLAS's spin-waiting
    made a 512 x 512 eigh 2.38 s instead of 0.27 s (session 50). Set once the test modules are
    imported (numpy and torch loaded), before the first test. No thread is left in control of
    OpenBLAS's pool (threadpoolctl lets one thread at a time set it, and the product's one_thread
    in a dock's worker thread must still set it). Child processes keep their own defaults. Tests
    of thread limits set the counts they need (tests/test_threads34.py)."""
    import sys

    threads = worker_threads()
    if threads is not None:
        import threadpoolctl

        threadpoolctl.threadpool_limits(threads, user_api="blas")
        controller = getattr(threadpoolctl, "OpenBLASController", None)
        if controller is not None:
            controller.clear_controlling_thread(force=True)
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(threads)
    yield


#: Refreeze the heap after this many tests, or once this many modules were imported since.
REFREEZE_TESTS, REFREEZE_MODULES = 50, 100
_freeze = {"tests": 0, "modules": 0}


def _refreeze_if_due():
    import sys

    if (
        _freeze["tests"] >= REFREEZE_TESTS
        or len(sys.modules) - _freeze["modules"] >= REFREEZE_MODULES
    ):
        gc.collect()
        gc.freeze()
        _freeze["tests"], _freeze["modules"] = 0, len(sys.modules)


@pytest.fixture(autouse=True)
def _collect_only_new_objects():
    """napari runs a full gc.collect() on every layer removal (a Windows OpenGL workaround in
    napari/_vispy/canvas.py), 0.3-0.5 s each over this suite's heap (Qt, torch, sklearn, napari):
    most of a GUI test's teardown. After heavy imports or every REFREEZE_TESTS tests, the garbage
    is collected and what is alive is frozen (gc.freeze), so later collections walk only the
    objects made since. No test loses anything: objects a test makes are collected as before,
    and a frozen object can only keep another alive longer (a leak test can fail more easily,
    never pass falsely)."""
    _freeze["tests"] += 1
    _refreeze_if_due()
    yield
    _refreeze_if_due()


@pytest.fixture(scope="session", autouse=True)
def _parse_each_plugin_manifest_once():
    """make_napari_viewer clears napari's plugin cache, so every viewer discovers the plugins
    again and parses each installed manifest's YAML anew (napari's, napari-svg's, this plugin's:
    0.27 s a viewer under load, with PyYAML's pure-Python loader). The text of a file unchanged
    since (same path, size and modification time) is parsed once; each discovery gets its own
    copy of the parsed data and builds its manifests from it as before."""
    import copy

    try:
        from npe2.manifest import _bases
    except ImportError:
        yield
        return
    real = getattr(_bases, "_load_yaml_no_duplicates", None)
    if real is None:  # another npe2: parse as it does
        yield
        return
    parsed = {}

    def load_once(stream):
        try:
            stat = os.fstat(stream.fileno())
            key = (stream.name, stat.st_mtime_ns, stat.st_size)
        except (AttributeError, OSError, ValueError):
            return real(stream)
        if key not in parsed:
            parsed[key] = real(stream)
        return copy.deepcopy(parsed[key])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_bases, "_load_yaml_no_duplicates", load_once)
        yield


def _check_each_callback_signature_once() -> None:
    """napari inspects a callback's signature (inspect.signature) on every connect and every
    disconnect of its events: ~22,000 times in a 12-test GUI file, 0.5 s of CPU under load,
    half of it in the reused viewer's cleaning (each removed layer's callbacks disconnected).
    The answer for a function, a method of one, or a partial of either (by how many arguments
    and which keywords it binds: a signature depends on nothing else) is kept, weakly keyed by
    the function (a function a test drops is freed as before), and given again; any other
    callable is inspected each time, and a refused signature raises each time. Installed for
    the process once a test uses a napari viewer (napari imported by then); another napari
    without this private name is left as is."""
    import functools
    import types
    import weakref

    from napari.utils.events.event import EventEmitter

    real = EventEmitter.__dict__.get("_check_signature")
    if not isinstance(real, staticmethod) or hasattr(real.__func__, "answers"):
        return
    real = real.__func__
    answers = weakref.WeakKeyDictionary()  # function: {(method?, partial's binding): answer}

    def check_once(callback):
        fun, bound = callback, ()
        if type(fun) is functools.partial and not vars(fun):  # no __signature__ of its own
            fun, bound = fun.func, (len(fun.args), tuple(sorted(fun.keywords)))
        method = type(fun) is types.MethodType
        key = fun.__func__ if method else fun
        if type(key) is not types.FunctionType:
            return real(callback)
        known = answers.setdefault(key, {})
        if (method, bound) not in known:
            known[method, bound] = real(callback)
        return known[method, bound]

    check_once.answers = answers
    EventEmitter._check_signature = staticmethod(check_once)


#: Fixtures that create Qt widgets: without an X display Qt aborts the whole run (exit 134).
GUI_FIXTURES = {"make_napari_viewer", "make_napari_viewer_proxy", "qtbot", "qapp"}


def missing_display_reason() -> str | None:
    """Why Qt cannot open windows here, or None. pytest-xvfb has set DISPLAY by collection time
    when it found Xvfb; QT_QPA_PLATFORM set by the user is their explicit choice."""
    import shutil

    if (
        os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
        or os.environ.get("QT_QPA_PLATFORM")
    ):
        return None
    found = (
        "found but not started (pytest-xvfb disabled?)" if shutil.which("Xvfb") else "not installed"
    )
    return (
        f"no display for the napari GUI tests and Xvfb {found}: install Xvfb "
        "(apt-get install xvfb libxcb-cursor0) and pytest-xvfb, or run them in a desktop session"
    )


def pytest_collection_modifyitems(config, items):
    reason = missing_display_reason()
    if reason is None:
        return
    skip = pytest.mark.skip(reason=reason)
    gui = [item for item in items if GUI_FIXTURES & set(getattr(item, "fixturenames", ()))]
    for item in gui:
        item.add_marker(skip)


def pytest_report_header(config):
    reason = missing_display_reason()
    return [f"xrf-napari: {reason}"] if reason else []


@pytest.fixture
def gated_pass(monkeypatch):
    """The automatic calibration's pass of a large uncalibrated scan (Cube.sum_and_max_spectra)
    waits for the returned Event: what the docks do meanwhile."""
    from _napari_helpers import gated_method

    from xrf_napari.cube import Cube

    with gated_method(monkeypatch, Cube, "sum_and_max_spectra") as gate:
        yield gate


class _ReusedViewer:
    """One napari viewer for a test module, made as napari's make_napari_viewer makes each (a
    test app model of its own, no status-checker thread, no console), cleaned and checked
    between tests, and no current viewer while no test holds it (napari.current_viewer())."""

    def __init__(self):
        self.viewer = None

    def get(self):
        """The module's viewer (made on first use, or after a leak closed the last one)."""
        if self.viewer is None:
            self._open()
        else:
            from napari import Viewer
            from napari._qt.qt_main_window import _QtMainWindow

            Viewer._instances.add(self.viewer)
            _QtMainWindow._instances.append(self.viewer.window._qt_window)
        return self.viewer

    def park(self):
        """Between tests: not napari's current viewer (a test of no viewer finds none)."""
        from napari import Viewer
        from napari._qt.qt_main_window import _QtMainWindow

        Viewer._instances.discard(self.viewer)
        window = self.viewer.window._qt_window
        while window in _QtMainWindow._instances:
            _QtMainWindow._instances.remove(window)

    def _open(self):
        from unittest.mock import patch

        from _napari_helpers import reset_parts, viewer_state
        from napari import Viewer
        from napari._app_model._app import NapariApplication, _napari_names
        from napari._qt._qapp_model.qactions import init_qactions
        from napari.plugins import _initialize_plugins
        from napari.settings import get_settings
        from qtpy.QtWidgets import QWidget

        def no_console(*_):
            widget = QWidget()
            widget._update_theme = lambda *a, **k: None
            return widget

        get_settings().reset()
        _initialize_plugins.cache_clear()
        init_qactions.cache_clear()
        app = NapariApplication("test_app")
        app.injection_store.namespace = _napari_names
        self.patches = [
            patch.object(NapariApplication, "get_app_model", return_value=app),
            patch("napari._qt.threads.status_checker.StatusChecker.start", lambda *a: None),
            patch("napari._qt.qt_viewer.QtViewer._get_console", no_console),
        ]
        for one in self.patches:
            one.start()
        try:
            self.viewer = Viewer(show=False, show_welcome_screen=False)
        except BaseException:
            self.release()
            raise
        self.status = self.viewer.status
        self.baseline = viewer_state(self.viewer)
        self.parts = reset_parts(self.viewer)

    def suspend(self):
        """Between modules: parked, and napari's app model, status checker and console no
        longer patched (the modules between see napari as it is)."""
        for one in reversed(getattr(self, "patches", ())):
            one.stop()

    def resume(self):
        """A later module takes the viewer: the patches of _open in force again."""
        for one in getattr(self, "patches", ()):
            one.start()

    def release(self):
        """Stop the patches and drop the test app model: a viewer the test closed itself left
        them behind, and every later viewer test of the worker failed "Application 'test_app'
        already exists" (post57)."""
        from app_model import Application
        from napari._qt._qapp_model.qactions import init_qactions
        from napari.plugins import _initialize_plugins

        for one in reversed(getattr(self, "patches", ())):
            one.stop()
        self.patches = []
        Application.destroy("test_app")
        _initialize_plugins.cache_clear()
        init_qactions.cache_clear()

    def close(self, check: bool = False):
        """Close the viewer and drop its app model; `check`: the viewer must then be freed (no
        failed test's traceback keeps it)."""
        from napari._qt.qt_viewer import QtViewer

        if self.viewer is None:
            return
        self.park()
        self.get()  # current again: napari's close takes it out of its lists
        viewers, self.viewer = [self.viewer], None
        try:
            _close_viewers(viewers)
        finally:
            self.release()
        gc.collect()
        left = len(QtViewer._instances)
        QtViewer._instances.clear()
        assert not (check and left), "the module's reused napari viewer was not freed once closed"


def _close_viewers(viewers):
    """Close `viewers` as make_napari_viewer does (the window's settings not saved)."""
    from unittest.mock import patch

    while viewers:
        viewer = viewers.pop()
        if getattr(viewer.window, "_qt_window", None) is None:
            continue  # the test closed it
        with patch.object(viewer.window._qt_window, "_save_current_window_settings"):
            viewer.close()


#: The _ReusedViewer a module handed on (its patches stopped, its viewer parked) and the
#: session's failed-test count when its viewer was made.
_HANDED_ON = {"reused": None, "failed": 0}


def _close_handed_on(session) -> None:
    """Close the viewer handed on between modules; it must then be freed (no failed test's
    traceback keeps it)."""
    reused = _HANDED_ON["reused"]
    if reused is not None:
        _HANDED_ON["reused"] = None
        reused.resume()  # closed in its own app model, as a module's last test left it
        reused.close(check=session.testsfailed == _HANDED_ON["failed"])


@pytest.fixture(scope="session")
def _viewer_handed_on(qapp, request):
    """Closes the viewer the last module handed on, at the session's end (Qt still up)."""
    yield
    _close_handed_on(request.session)


@pytest.fixture(scope="module")
def _reused_napari_viewer(qapp, _viewer_handed_on, request):
    """The module's _ReusedViewer, its viewer made here, before the first viewer test's own
    fixtures: made inside that test it was wired to whatever settings object the test patched
    in (test_docks41's fresh_settings), and later tests' settings never reached it (a setting
    no longer followed, test_testtime58). After the module's last test it is handed on to the
    next module that reuses a viewer (its patches stopped between: the other modules see
    napari as it is), so each xdist worker makes one viewer, not one per module (0.5-0.8 s of
    CPU a module for napari's window set-up and closing: ~100 modules). It is closed (and
    must then be freed) before a test that makes its own viewers with napari's
    make_napari_viewer (napari's fixture requires no other viewer), and at the session's end."""
    reused, _HANDED_ON["reused"] = _HANDED_ON["reused"], None
    if reused is not None and reused.viewer is not None:
        reused.resume()
    else:
        reused = _ReusedViewer()
        reused.get()
        reused.park()
        _HANDED_ON["failed"] = request.session.testsfailed
    yield reused
    if reused.viewer is not None:  # else closed after a leak, or by a test (which failed)
        reused.suspend()
        _HANDED_ON["reused"] = reused


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """napari's own make_napari_viewer fails a test if another viewer is alive: the viewer
    handed on between modules is closed first (as it was when each module closed its own)."""
    fixtures = set(getattr(item, "fixturenames", ()))
    if fixtures & {"make_reused_napari_viewer", "make_napari_viewer", "make_napari_viewer_proxy"}:
        _check_each_callback_signature_once()
    if "make_reused_napari_viewer" not in fixtures and fixtures & {
        "make_napari_viewer",
        "make_napari_viewer_proxy",
    }:
        _close_handed_on(item.session)


@pytest.fixture
def make_reused_napari_viewer(_reused_napari_viewer, qtbot):
    """make_napari_viewer for a module that opts in (its own make_napari_viewer fixture returns
    this one): every test gets the module's one viewer, 0.4-0.6 s of napari's window set-up and
    closing saved a test (session 57). Between tests the docks and layers are taken out (each
    dock stops its job and disconnects its callbacks, as when the user closes it), the jobs
    awaited, dims, camera and cursor set back; then the viewer must be as before the first test:
    no layer, dock, window, job, callback on the viewer's or its parts' events, mouse callback,
    key binding or setting of its model left over. Anything else fails the test (a leak: the
    next test would not start clean), and the next test gets a new viewer."""
    from napari.settings import get_settings

    reused = _reused_napari_viewer
    handed, extra = [], []

    def factory(*args, **kwargs):
        if args or kwargs or handed:  # a second viewer, or options: a new one, closed after
            from napari import Viewer

            if reused.viewer is None:
                # made in the module viewer's test app model, whose plugin commands are
                # registered: outside it napari's own app model got the plugin's commands again
                # once a closed module viewer had cleared the plugin cache ("Command
                # 'xrf-napari.get_reader' already registered", CI of 3495e809)
                reused.get()
                reused.park()

            kwargs.setdefault("show_welcome_screen", False)
            extra.append(Viewer(*args, **{"show": False, **kwargs}))
            if kwargs.get("show"):
                qtbot.wait_exposed(extra[-1].window._qt_window, timeout=5000)
            return extra[-1]
        handed.append(reused.get())
        return handed[0]

    yield factory
    _close_viewers(extra)
    if not handed:
        return
    from _napari_helpers import clean_viewer

    viewer = handed.pop()
    if getattr(viewer.window, "_qt_window", None) is None:
        reused.viewer = None
        reused.release()
        raise AssertionError("the test closed the module's reused viewer")
    try:
        leaks = clean_viewer(viewer, qtbot, reused.baseline, reused.parts)
    except BaseException:
        reused.close()  # cleaning failed: the next test must not get this viewer
        raise
    viewer.status = reused.status  # a status a test set is not the next test's
    get_settings().reset()  # as make_napari_viewer does after each test
    if leaks:
        reused.close()
        raise AssertionError(
            "the test left the reused napari viewer unclean:\n  " + "\n  ".join(leaks)
        )
    reused.park()
