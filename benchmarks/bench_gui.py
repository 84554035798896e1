"""GUI against CLI on a Bruker-M6-sized cube (414 x 302 x 4096 uint8 .rpl/.raw, made by
bench_embed.make_cube): wall time of the mean spectrum, embed + cluster and recolour run by the
napari docks and by the same core calls the CLI makes, and the longest freeze of napari's event
loop while each dock job runs and for 0.5 s after it, while its results are drawn (a 10 ms QTimer;
a gap over 100 ms is a visible freeze).

The GUI's mean-spectrum time includes building the Spectrum dock. Embed and recolour are broken
down into the time until their worker thread reported first, the worker from then (stamped in its
own thread) and adding the results, so that the GUI's overhead over the CLI can be placed; the mean
spectrum into building the dock, its worker (survey and suggestions) and the time until the plot
shows the mean (drawn after the result).

    python benchmarks/bench_gui.py [--workdir /tmp/xrf_bench_embed] [--device cpu] [--k 8]
                                   [--cube other.rpl]   # any cube file instead (e.g. a smaller one)
                                   [--why]   # what the GUI thread ran in each freeze over 100 ms
                                   [--collect-first]   # a full garbage collection before each task
    python benchmarks/bench_gui.py --actions 4000 [--curves 22] [--repeat 3]

`--actions SIZE` measures only the freezes of three dock actions, each run `--repeat` times: a
Pigments candidate chosen on a SIZE x SIZE scan (a stand-in fit, no model), its Export report...
and the Spectrum dock's Export CSV... (see action_freezes), beside napari's floor and an idle 0.5 s.

The "GC ms" column is the longest garbage collection of Python's heap during the task's window: a
generation-2 collection walks every object napari, Qt, torch and the models made (about 500,000
here, 230-300 ms) holding the GIL, a freeze whichever thread triggers it. The debt that triggers one
builds up from napari's start-up and this script's warm-up, so it falls on whichever task runs
first (the mean spectrum); `--collect-first` pays it before each task, outside the timing, to
measure what a task's own allocations cost. Paid earlier in the session (at open), the next one
comes sooner: napari's floor rows carry the column too, to see where it went. "CPU GUI/CLI"
compares the CPU seconds the process used on each side (all threads: the GUI's drawing and
event loop count too); other programs' load stretches both sides' wall times, unevenly when it
changes within a run, and these much less.

It also prints napari's own floor in the same window: the freeze of adding one 2 x 2 layer (a dock
whose job ends in a new layer cannot freeze the viewer for less). `--why` samples the GUI thread's
stack every 2 ms and reports, per freeze, the functions on it, the garbage collections of Python's
heap that overlapped it, and every thread's position after a wait for the GIL.

Re-runs itself under xvfb-run when there is no display. The cube file is read once first, so both
sides start from the page cache, and the imports and models both sides use are loaded before either
is timed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# first: applies xrf_napari's OpenMP wait policy before torch or sklearn is imported
from _measure import machine_header  # noqa: E402


def _ensure_display() -> None:
    if os.environ.get("DISPLAY") or os.environ.get("XRF_BENCH_CHILD"):
        return
    xvfb = shutil.which("xvfb-run")
    if xvfb is None:
        sys.exit("no display and no xvfb-run: install xvfb (apt-get install xvfb)")
    env = dict(os.environ, XRF_BENCH_CHILD="1")
    sys.exit(
        subprocess.call(
            [xvfb, "-a", "-s", "-screen 0 1920x1080x24", sys.executable, *sys.argv], env=env
        )
    )


def warm_up(device: str) -> None:
    """Load what both sides share within this one process (torch, scikit-learn, SciPy, the two
    models, which stay cached): the GUI runs after the CLI and would otherwise get them free."""
    import scipy.signal  # noqa: F401
    import sklearn.cluster  # noqa: F401

    from xrf_napari.analysis.embed import load_embedder
    from xrf_napari.analysis.recolour import load_recolouriser

    load_embedder(None, device)
    load_recolouriser(None, device)


def cli_times(path, device: str, k: int, collect: bool = False, cpu: dict | None = None) -> dict:
    """The core calls `xrf-napari embed` and `recolour` make, files apart: embed + cluster also
    checks the scan against the embedder's training data (check_scan, 0.2-0.3 s on the bench
    cube) and makes the latent's picture, as the command and the Embed dock both do. `cpu`, if
    given, gets each task's process CPU seconds."""
    from xrf_napari.analysis.embed import (
        cluster,
        cluster_spectra,
        iter_embed,
        latent_to_rgb,
        load_embedder,
    )
    from xrf_napari.analysis.ood import check_scan
    from xrf_napari.analysis.peaks import suggest_for_cube
    from xrf_napari.analysis.recolour import iter_recolour
    from xrf_napari.analysis.spectra import iter_survey
    from xrf_napari.io import read_cube
    from xrf_napari.progress import run_to_end

    cube = read_cube(path)
    out, cpu_used = {}, ({} if cpu is None else cpu)
    collect_first(collect)
    t, c = time.perf_counter(), process_cpu()
    mean, spectra = run_to_end(iter_survey(cube, groups=True))  # what the Spectrum dock computes:
    suggest_for_cube(cube, mean * cube.shape[0] * cube.shape[1], spectra)  # mean, suggestions
    out["mean spectrum"] = time.perf_counter() - t
    cpu_used["mean spectrum"] = process_cpu() - c
    from xrf_napari.analysis.pooling import decide

    collect_first(collect)
    t, c = time.perf_counter(), process_cpu()

    check_scan(cube, None, str(load_embedder(None, device).device))  # as embed_cmd.run
    pool = decide(cube).pool  # as `xrf-napari embed` and the dock decide
    latent = run_to_end(iter_embed(cube, device=device, pool=pool))
    latent_to_rgb(latent)  # the command's latent.png, the dock's preview
    cluster_spectra(cube, cluster(latent, k).labels)
    out["embed + cluster"] = time.perf_counter() - t
    cpu_used["embed + cluster"] = process_cpu() - c
    collect_first(collect)
    t, c = time.perf_counter(), process_cpu()
    run_to_end(iter_recolour(cube, device=device))
    out["recolour"] = time.perf_counter() - t
    cpu_used["recolour"] = process_cpu() - c
    return out


class FreezeMeter:
    """Longest gap between ticks of a 10 ms timer on the GUI thread since the last reset; with
    `why`, also every gap over 100 ms, to be matched with StackSampler's samples."""

    def __init__(self, why: bool = False):
        from qtpy.QtCore import QTimer

        self.worst = 0.0
        self.gaps: list[tuple[float, float]] | None = [] if why else None
        self._last = self.since = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self):
        now = time.perf_counter()
        self.worst = max(self.worst, now - self._last)
        if self.gaps is not None and now - self._last > 0.1:
            self.gaps.append((self._last, now))
        self._last = now

    def reset(self):
        self.worst, self._last = 0.0, time.perf_counter()
        self.since = self._last
        if self.gaps is not None:
            self.gaps.clear()


def process_cpu() -> float:
    """CPU seconds this process has used, all its threads (GIL or not) together: the GUI/CLI
    ratio of these barely moves with other programs' load, which stretches the wall times."""
    t = os.times()
    return t.user + t.system


class GcLog:
    """Python's garbage collections: (start, end, generation), stamped from gc.callbacks."""

    def __init__(self):
        import gc

        self.collections: list[tuple[float, float, int]] = []
        self._start = 0.0
        gc.callbacks.append(self._gc)

    def _gc(self, phase, info):
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.collections.append((self._start, time.perf_counter(), info["generation"]))

    def longest(self, since: float, until: float) -> float:
        """The longest collection that overlapped [since, until], in seconds."""
        return max((b - a for a, b, _ in self.collections if a < until and b > since), default=0.0)

    def close(self) -> None:
        import gc

        gc.callbacks.remove(self._gc)


def collect_first(enabled: bool) -> None:
    """With --collect-first: a full collection now, outside any timing (see the module doc)."""
    if enabled:
        import gc

        gc.collect()


class StackSampler:
    """The GUI thread's Python stack every 2 ms (from a daemon thread), so that a freeze can be
    attributed to the code that ran during it (`--why`)."""

    def __init__(self, gc_log: GcLog):
        import threading

        self.samples: list[tuple[float, tuple[str, ...]]] = []
        self.gil_waits: list = []  # (from, to, every thread's innermost frames just after)
        self.collections = gc_log.collections  # Python's garbage collections
        self._ident = threading.get_ident()
        self._stop = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        import threading

        last = time.perf_counter()
        while not self._stop.wait(0.002):
            now = time.perf_counter()
            frames = sys._current_frames()
            self.samples.append((now, _stack(frames.get(self._ident))))
            if now - last > 0.05:  # this thread waited for the GIL: who held it?
                names = {t.ident: t.name for t in threading.enumerate()}
                self.gil_waits.append(
                    (last, now, [(names.get(i, i), _stack(f)[:6]) for i, f in frames.items()])
                )
            last = now

    def report(self, gaps, since: float, label: str, top: int = 12) -> None:
        """The functions most often on the GUI thread's stack during the gaps (inclusive)."""
        from collections import Counter

        counts: Counter = Counter()
        n = 0
        for t, stack in self.samples:
            if any(a <= t <= b for a, b in gaps):
                n += 1
                counts.update(set(stack))
        at = ", ".join(f"{b - a:.2f} s at {a - since:.2f} s" for a, b in gaps)
        print(f"-- {label}: {len(gaps)} freezes over 100 ms ({at}), {n} stack samples in them")
        for frame, c in counts.most_common(top):
            print(f"   {100 * c / max(n, 1):5.1f}%  {frame}")
        for a, b, gen in self.collections:
            if b - a > 0.02 and any(a < g1 and b > g0 for g0, g1 in gaps):
                print(f"   a garbage collection of generation {gen} took {1000 * (b - a):.0f} ms")
        for a, b, threads in self.gil_waits:
            if any(a < g1 and b > g0 for g0, g1 in gaps):
                held = 1000 * (b - a)
                print(f"   the GIL was held {held:.0f} ms; just after, the threads were at:")
                for name, stack in threads:
                    print(f"      {name}: {' < '.join(stack)}")


def _stack(frame) -> tuple[str, ...]:
    stack = []
    while frame is not None:
        code = frame.f_code
        stack.append(f"{Path(code.co_filename).name}:{frame.f_lineno} {code.co_name}")
        frame = frame.f_back
    return tuple(stack)


def run_events(meter, done, timeout=1800.0, reset=True) -> float:
    """Run Qt's event loop (as napari.run does) until done(), the meter reset first unless
    `reset` is False; returns the seconds it took. A loop of processEvents() calls would never
    run deleteLater(), and napari's "Opening Files" spinner would then animate, repainting the
    whole window, for the rest of the session."""
    from qtpy.QtCore import QEventLoop, QTimer

    t = time.perf_counter()
    if reset:
        meter.reset()
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(5)
    poll.timeout.connect(lambda: (done() or time.perf_counter() - t > timeout) and loop.quit())
    poll.start()
    loop.exec()
    poll.stop()
    if not done():
        raise TimeoutError("dock job did not finish")
    return time.perf_counter() - t


def settle_events(meter, seconds=0.5) -> None:
    """Keep the freeze meter on while the result is drawn (plots redraw after the job)."""
    t = time.perf_counter()
    run_events(meter, lambda: time.perf_counter() - t > seconds, reset=False)


def _stand_in_fit(cube, labels, **_):
    """iter_fit_regions without a fit (for action_freezes): each region two candidates, of two
    colours of its own."""
    import numpy as np

    from xrf_napari.analysis.pigment_fit import Candidate, PigmentReport, RegionResult
    from xrf_napari.energy import canonical_energy
    from xrf_napari.physics.instrument import InstrumentProfile

    yield 0, 1
    regions = []
    for k in np.unique(labels[labels > 0]):
        region = RegionResult(int(k), 1000, 900.0, np.ones(512), region_pixels=1000)
        region.candidates = [
            Candidate([name], [1.0], ["Hg"], [], (0.08 * int(k) % 1.0, shade, 0.3), p, 1.0, 0.0)
            for name, shade, p in (("Vermilion", 0.5, 0.6), ("Red lead", 0.9, 0.4))
        ]
        regions.append(region)
    return PigmentReport(regions, InstrumentProfile(), ["gypsum"], [], canonical_energy())


def action_freezes(size: int, n_curves: int, folder: Path, repeat: int = 3) -> dict:
    """The longest freeze of napari's event loop (s), `repeat` times each: while the Spectrum
    dock's Export CSV... writes `n_curves` curves of 4096 channels (the save dialog answered at
    once), until the file is written and 0.5 s after; while the Pigments dock repaints a region's
    other candidate on a `size` x `size` scan of 10 regions (a stand-in fit: no model), until
    the layer shows it and 0.5 s after; while its Export report... writes, and 0.5 s after;
    napari's floor, adding a 2 x 2 layer; and 0.5 s of nothing (what other programs' load costs
    the event loop here)."""
    from unittest import mock

    import napari
    import numpy as np

    from xrf_napari.analysis import pigment_fit
    from xrf_napari.analysis.pigment_report import paint_regions
    from xrf_napari.cube import Cube
    from xrf_napari.energy import Calibration
    from xrf_napari.layerkinds import CUBE_KEY
    from xrf_napari.widgets import _dialogs, pigments
    from xrf_napari.widgets.pigments import PigmentsWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = napari.Viewer(show=True)
    viewer.window.resize(1920, 1080)
    meter = FreezeMeter()
    out: dict[str, list[float]] = {}

    def timed(key: str, act, done) -> None:
        settle_events(meter)
        meter.reset()
        act()
        run_events(meter, done, 120, reset=False)
        settle_events(meter)
        out.setdefault(key, []).append(meter.worst)

    cal = Calibration(0.0, 0.01)
    small = Cube(np.zeros((64, 64, 4096), np.uint16), cal, metadata={"name": "small"})
    viewer.add_image(np.zeros((64, 64), np.float32), name="small", metadata={CUBE_KEY: small})
    spectrum = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(spectrum, name="Spectrum")
    run_events(meter, lambda: not spectrum.job.is_running and "mean" in spectrum.curves, 120)
    energy = cal.energy(4096)
    rng = np.random.default_rng(0)
    for i in range(n_curves - 1):  # and the mean
        spectrum.add_curve(f"cluster {i + 1}", energy, rng.random(4096) * 100, cube=small)
    csv = folder / "spectra.csv"
    with mock.patch.object(_dialogs, "ask_save_path", lambda *a, **k: str(csv)):
        for _ in range(repeat):
            csv.unlink(missing_ok=True)
            timed(
                f"Spectrum: Export CSV..., {n_curves} curves",
                spectrum._export_clicked,
                lambda: csv.is_file() and not spectrum.job.is_running,
            )
    viewer.window.remove_dock_widget(spectrum)  # it would survey the next scan meanwhile

    big = Cube(np.zeros((size, size, 16), np.uint8), Calibration(0.0, 2.5))
    big_layer = viewer.add_image(
        np.zeros((size, size), np.float32), name="big", metadata={CUBE_KEY: big}
    )
    labels = (np.arange(size) * 10 // size + 1).astype(np.int32)[:, None].repeat(size, axis=1)
    viewer.add_labels(labels, name="regions")
    dock = PigmentsWidget(viewer)
    viewer.window.add_dock_widget(dock, name="Pigments")
    dock.cube_combo.set_layer(big_layer)
    with mock.patch.object(pigment_fit, "iter_fit_regions", _stand_in_fit):
        if dock.run() is None:
            raise RuntimeError(f"Find pigments refused: {dock.job.status.text()}")
        run_events(meter, lambda: not dock.job.is_running, 600)
    if dock.job.last_error is not None:
        raise RuntimeError(f"Find pigments failed: {dock.job.last_error}")
    layer = dock.result_layer
    for i in range(repeat):  # the other candidate of the first region, then back
        before = layer.data
        timed(
            f"Pigments: choose a candidate, {size} x {size} px",
            lambda i=i: dock.choose(0, 1 - i % 2),
            lambda b=before: layer.data is not b,
        )
        want = paint_regions(dock.report, dock.result.labels, dock.result.choices)
        if dock.result.choices[0] != 1 - i % 2 or not np.array_equal(layer.data, want):
            raise RuntimeError("the pigment recolour layer does not show the choice")
    report = folder / "report"
    with mock.patch.object(pigments, "ask_folder", lambda *a, **k: str(report)):
        for _ in range(repeat):
            shutil.rmtree(report, ignore_errors=True)  # no "Replace?" question
            timed(
                f"Pigments: Export report..., {size} x {size} px",
                dock._export_clicked,
                lambda: not dock.job.is_running,
            )
            if not (report / "report.html").is_file():
                raise RuntimeError(f"Export report failed: {dock.job.status.text()}")
    for _ in range(repeat):
        timed(
            "(napari: add a 2 x 2 Image)",
            lambda: viewer.add_image(np.zeros((2, 2), np.float32)),
            lambda: True,
        )
        timed("(nothing, 0.5 s)", lambda: None, lambda: True)
    viewer.close()
    return out


def gui_times(path, device: str, k: int, why: bool = False, collect: bool = False) -> tuple:
    import napari
    from qtpy.QtCore import Qt

    from xrf_napari.widgets._common import SURVEYS
    from xrf_napari.widgets.embed import EmbedClusterWidget
    from xrf_napari.widgets.recolour import RecolourWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = napari.Viewer(show=True)
    viewer.window.resize(1920, 1080)
    meter = FreezeMeter(why)
    gc_log = GcLog()
    sampler = StackSampler(gc_log) if why else None

    def run_until(done, timeout=1800.0, reset=True) -> float:
        return run_events(meter, done, timeout, reset)

    def settle(seconds=0.5) -> None:
        settle_events(meter, seconds)

    viewer.open(str(path), plugin="xrf-napari")
    settle(1.0)

    out, freeze, gc_worst = {}, {}, {}
    collect_first(collect)
    t0, c0 = time.perf_counter(), process_cpu()
    spectrum = SpectrumWidget(viewer)  # starts the survey of the selected cube
    viewer.window.add_dock_widget(spectrum, name="Spectrum")
    cube = spectrum.current_cube()
    returned = []
    spectrum.job.worker.returned.connect(
        lambda *_: returned.append(time.perf_counter()), Qt.ConnectionType.DirectConnection
    )
    out["(building the Spectrum dock)"] = time.perf_counter() - t0  # included in the next line
    out["mean spectrum"] = out["(building the Spectrum dock)"] + run_until(
        # and the stamp: the worker thread makes it just after queueing the result, which the
        # GUI thread could store first (an IndexError below in 3 runs of 4 of a session-31 trial)
        lambda: SURVEYS.get(cube) is not None and bool(returned)
    )
    out["(cpu: mean spectrum)"] = process_cpu() - c0
    out["(mean spectrum: the worker)"] = returned[0] - t0 - out["(building the Spectrum dock)"]
    t = time.perf_counter()  # the plot is drawn after the result, in the plot's own thread
    run_until(lambda: spectrum.plot_is_current() and "mean" in spectrum.curves, reset=False)
    out["(mean spectrum: then the plot shown)"] = time.perf_counter() - t
    settle()
    freeze["mean spectrum"] = meter.worst
    gc_worst["mean spectrum"] = gc_log.longest(meter.since, time.perf_counter())
    if why:
        sampler.report(meter.gaps, meter.since, "mean spectrum")
        meter.gaps.clear()
    for key, cls in (("embed + cluster", EmbedClusterWidget), ("recolour", RecolourWidget)):
        widget = cls(viewer)
        viewer.window.add_dock_widget(widget, name=key)
        widget.device.setCurrentText(device)
        if key.startswith("embed"):
            widget.k_spin.setValue(k)
        settle()
        collect_first(collect)
        t_run, c_run, started, returned = time.perf_counter(), process_cpu(), [], []
        worker = widget.run()
        # stamped in the worker's own thread (direct connections): its first progress report
        # (`started` may come before a connection made here) and its end
        direct = Qt.ConnectionType.DirectConnection
        worker.yielded.connect(lambda *_, r=started: r.append(time.perf_counter()), direct)
        worker.returned.connect(lambda *_, r=returned: r.append(time.perf_counter()), direct)
        out[key] = run_until(lambda w=widget: not w.job.is_running)
        out[f"(cpu: {key})"] = process_cpu() - c_run
        out[f"({key}: adding the results)"] = t_run + out[key] - returned[0]
        out[f"({key}: until the worker reported)"] = started[0] - t_run
        out[f"({key}: the worker)"] = returned[0] - started[0]
        settle()
        freeze[key] = meter.worst
        gc_worst[key] = gc_log.longest(meter.since, time.perf_counter())
        if why:
            sampler.report(meter.gaps, meter.since, key)
            meter.gaps.clear()
        if widget.job.last_error is not None:
            raise RuntimeError(f"{key} failed: {widget.job.last_error}")
    # napari's own floor: the freeze of adding one small layer of each kind in this same window
    import numpy as np

    for key, add in (
        ("(napari: add a 2 x 2 Image)", lambda: viewer.add_image(np.zeros((2, 2), np.float32))),
        ("(napari: add a 2 x 2 Labels)", lambda: viewer.add_labels(np.zeros((2, 2), np.uint8))),
    ):
        settle()
        collect_first(collect)
        meter.reset()
        add()
        settle()
        freeze[key] = meter.worst
        gc_worst[key] = gc_log.longest(meter.since, time.perf_counter())
    viewer.close()
    gc_log.close()
    return out, freeze, gc_worst


def main() -> None:
    from xrf_napari.cli import CommandParser  # options given in full

    p = CommandParser(description=__doc__.split("\n\n")[0])  # the first paragraph
    p.add_argument("--workdir", default="/tmp/xrf_bench_embed")
    p.add_argument("--device", default="cpu")
    p.add_argument("--k", type=int, default=8)
    p.add_argument("--cube", type=Path, help="time this cube file instead of the generated one")
    p.add_argument(
        "--why", action="store_true", help="sample the GUI thread and print what ran in freezes"
    )
    p.add_argument(
        "--collect-first",
        action="store_true",
        help="a full garbage collection before each task, outside the timing (see the doc)",
    )
    p.add_argument(
        "--actions",
        type=int,
        metavar="SIZE",
        help="only the freezes of a Pigments candidate choice on a SIZE x SIZE scan and of a "
        "Spectrum CSV export (no model, no CLI side)",
    )
    p.add_argument("--curves", type=int, default=22, help="curves the --actions export writes")
    p.add_argument("--repeat", type=int, default=3, help="runs of each --actions measure")
    args = p.parse_args()
    _ensure_display()
    print(machine_header(), flush=True)
    if args.actions:
        folder = Path(args.workdir)
        folder.mkdir(parents=True, exist_ok=True)
        print(f"{'worst freeze ms, each run':<50}runs")
        for key, worst in action_freezes(args.actions, args.curves, folder, args.repeat).items():
            print(f"{key:<50}{' '.join(f'{1000 * w:.0f}' for w in worst)}")
        return
    from bench_embed import make_cube

    from xrf_napari.io import read_cube

    rpl = args.cube or make_cube(Path(args.workdir))[0]
    raw = rpl.with_suffix(".raw") if rpl.with_suffix(".raw").is_file() else rpl
    with open(raw, "rb") as fh:  # into the page cache for both sides
        while fh.read(64 << 20):
            pass
    warm_up(args.device)
    cli_cpu: dict = {}
    cli = cli_times(rpl, args.device, args.k, args.collect_first, cli_cpu)
    gui, freeze, gc_worst = gui_times(rpl, args.device, args.k, args.why, args.collect_first)
    h, w, c = read_cube(rpl).shape
    print(f"cube {rpl} ({h} x {w} px x {c} channels), device {args.device}, {os.cpu_count()} CPUs")
    if args.collect_first:
        print("a full garbage collection before each task (--collect-first)")
    print(
        f"{'task':<18}{'CLI s':>8}{'GUI s':>8}{'GUI/CLI':>9}{'worst freeze ms':>17}{'GC ms':>7}"
        f"{'CPU GUI/CLI':>13}"
    )
    for key in cli:
        cpu = gui[f"(cpu: {key})"] / cli_cpu[key]
        print(
            f"{key:<18}{cli[key]:>8.1f}{gui[key]:>8.1f}{gui[key] / cli[key]:>9.2f}"
            f"{1000 * freeze[key]:>17.0f}{1000 * gc_worst[key]:>7.0f}{cpu:>13.2f}"
        )
    print(
        f"of which mean spectrum: building the dock {gui['(building the Spectrum dock)']:.2f} s, "
        f"the worker (survey + suggestions) {gui['(mean spectrum: the worker)']:.2f} s; then "
        f"the plot shown {gui['(mean spectrum: then the plot shown)']:.2f} s after the result"
    )
    for key in ("embed + cluster", "recolour"):
        parts = ("until the worker reported", "the worker", "adding the results")
        print(
            f"of which {key}: "
            + ", ".join(f"{part} {gui[f'({key}: {part})']:.2f} s" for part in parts)
            + f" (the worker against the CLI: {gui[f'({key}: the worker)'] / cli[key]:.2f})"
        )
    for key in freeze:
        if key.startswith("(napari"):
            print(f"{key[1:-1]:<37}{'':>16}{1000 * freeze[key]:>17.0f}{1000 * gc_worst[key]:>7.0f}")
    if hasattr(os, "getloadavg"):
        print(
            "load average (1/5/15 min) at the end: " + " ".join(f"{x:.2f}" for x in os.getloadavg())
        )


if __name__ == "__main__":
    main()
