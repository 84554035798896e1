"""GUI against CLI on a Bruker-M6-sized cube (414 x 302 x 4096 uint8 .rpl/.raw, made by
bench_embed.make_cube): wall time of the mean spectrum, embed + cluster and recolour run by the
napari docks and by the same core calls the CLI makes, and the longest freeze of napari's event
loop while each dock job runs and for 0.5 s after it, while its results are drawn (a 10 ms QTimer;
a gap over 100 ms is a visible freeze). The GUI's mean-spectrum time includes building the
Spectrum dock.

    python benchmarks/bench_gui.py [--workdir /tmp/xrf_bench_embed] [--device cpu] [--k 8]
                                   [--cube other.rpl]   # any cube file instead (e.g. a smaller one)

Re-runs itself under xvfb-run when there is no display. The cube file is read once first, so both
sides start from the page cache, and the imports and models both sides use are loaded before either
is timed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


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


def cli_times(path, device: str, k: int) -> dict:
    from xrf_napari.analysis.embed import cluster, cluster_spectra, iter_embed
    from xrf_napari.analysis.peaks import suggest_for_cube
    from xrf_napari.analysis.recolour import iter_recolour
    from xrf_napari.analysis.spectra import iter_survey
    from xrf_napari.io import read_cube
    from xrf_napari.progress import run_to_end

    cube = read_cube(path)
    out = {}
    t = time.perf_counter()
    mean, tiles = run_to_end(iter_survey(cube))  # what the Spectrum dock computes: the mean
    suggest_for_cube(cube, mean * cube.shape[0] * cube.shape[1], tiles)  # and the suggestions
    out["mean spectrum"] = time.perf_counter() - t
    t = time.perf_counter()
    latent = run_to_end(iter_embed(cube, device=device))
    cluster_spectra(cube, cluster(latent, k).labels)
    out["embed + cluster"] = time.perf_counter() - t
    t = time.perf_counter()
    run_to_end(iter_recolour(cube, device=device))
    out["recolour"] = time.perf_counter() - t
    return out


class FreezeMeter:
    """Longest gap between ticks of a 10 ms timer on the GUI thread since the last reset."""

    def __init__(self):
        from qtpy.QtCore import QTimer

        self.worst = 0.0
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self):
        now = time.perf_counter()
        self.worst = max(self.worst, now - self._last)
        self._last = now

    def reset(self):
        self.worst, self._last = 0.0, time.perf_counter()


def gui_times(path, device: str, k: int) -> dict:
    import napari
    from qtpy.QtCore import QEventLoop, QTimer

    from xrf_napari.widgets._common import SURVEYS
    from xrf_napari.widgets.embed import EmbedClusterWidget
    from xrf_napari.widgets.recolour import RecolourWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = napari.Viewer(show=True)
    viewer.window.resize(1920, 1080)
    meter = FreezeMeter()

    def run_until(done, timeout=1800.0, reset=True) -> float:
        """Run Qt's event loop (as napari.run does) until done(); a loop of processEvents() calls
        would never run deleteLater(), and napari's "Opening Files" spinner would then animate,
        repainting the whole window, for the rest of the session."""
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

    def settle(seconds=0.5) -> None:
        """Keep the freeze meter on while the result is drawn (plots redraw after the job)."""
        t = time.perf_counter()
        run_until(lambda: time.perf_counter() - t > seconds, reset=False)

    viewer.open(str(path), plugin="xrf-napari")
    settle(1.0)

    out, freeze = {}, {}
    t0 = time.perf_counter()
    spectrum = SpectrumWidget(viewer)  # starts the survey of the selected cube
    viewer.window.add_dock_widget(spectrum, name="Spectrum")
    cube = spectrum.current_cube()
    out["(building the Spectrum dock)"] = time.perf_counter() - t0  # included in the next line
    out["mean spectrum"] = out["(building the Spectrum dock)"] + run_until(
        lambda: SURVEYS.get(cube) is not None
    )
    settle()
    freeze["mean spectrum"] = meter.worst
    for key, cls in (("embed + cluster", EmbedClusterWidget), ("recolour", RecolourWidget)):
        widget = cls(viewer)
        viewer.window.add_dock_widget(widget, name=key)
        widget.device.setCurrentText(device)
        if key.startswith("embed"):
            widget.k_spin.setValue(k)
        settle()
        widget.run()
        out[key] = run_until(lambda w=widget: not w.job.is_running)
        settle()
        freeze[key] = meter.worst
        if widget.job.last_error is not None:
            raise RuntimeError(f"{key} failed: {widget.job.last_error}")
    viewer.close()
    return out, freeze


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workdir", default="/tmp/xrf_bench_embed")
    p.add_argument("--device", default="cpu")
    p.add_argument("--k", type=int, default=8)
    p.add_argument("--cube", type=Path, help="time this cube file instead of the generated one")
    args = p.parse_args()
    _ensure_display()
    from bench_embed import make_cube

    from xrf_napari.io import read_cube

    rpl = args.cube or make_cube(Path(args.workdir))[0]
    raw = rpl.with_suffix(".raw") if rpl.with_suffix(".raw").is_file() else rpl
    with open(raw, "rb") as fh:  # into the page cache for both sides
        while fh.read(64 << 20):
            pass
    warm_up(args.device)
    cli = cli_times(rpl, args.device, args.k)
    gui, freeze = gui_times(rpl, args.device, args.k)
    h, w, c = read_cube(rpl).shape
    print(f"cube {rpl} ({h} x {w} px x {c} channels), device {args.device}, {os.cpu_count()} CPUs")
    print(f"{'task':<18}{'CLI s':>8}{'GUI s':>8}{'GUI/CLI':>9}{'worst freeze ms':>17}")
    for key in cli:
        print(
            f"{key:<18}{cli[key]:>8.1f}{gui[key]:>8.1f}{gui[key] / cli[key]:>9.2f}"
            f"{1000 * freeze[key]:>17.0f}"
        )
    print(f"of which building the Spectrum dock: {gui['(building the Spectrum dock)']:.1f} s")


if __name__ == "__main__":
    main()
