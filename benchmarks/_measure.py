"""Shared measuring code for the benchmarks: run one task in a fresh process and report its wall
time and peak memory, and the header every benchmark prints (machine, load, OpenMP policy).

Import this module first, before torch or scikit-learn: it imports xrf_napari, which sets
OMP_WAIT_POLICY=PASSIVE (unless the user chose one). libgomp reads the variable once, when torch or
scikit-learn loads it; a benchmark that imported torch first ran with spinning OpenMP threads, 3-4x
slower on a busy machine than the plugin runs (benchmarks audit 28, finding 1). Children started
with run_child, or as `python this_script.py --part ...`, inherit the variable and import this
module again.

Peak memory, two meters:
- RssAnon (sampled every 2 ms by a thread): what the process really allocates;
- VmHWM, the resident high-water mark of this process's own address space (anonymous and file
  pages: a memmap's page cache counts). Not ru_maxrss: a child started by fork or vfork + exec
  inherits its parent's ru_maxrss, so a child of a parent that had generated a 488 MiB cube
  reported the parent's 1.1 GB as its own peak (audit 28, finding 2). VmHWM starts afresh with
  the address space exec makes, and /proc/self/clear_refs resets it to the current RSS before a
  timed block.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

_OPENMP_LIBS = ("libgomp", "libiomp", "libomp")


def _openmp_loaded() -> bool:
    """Whether an OpenMP runtime is mapped into this process (it has read its environment)."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as fh:
            return any(lib in line for line in fh for lib in _OPENMP_LIBS)
    except OSError:
        return False


def _initial_env_has(name: str) -> bool:
    """Whether `name` was in this process's environment when it started."""
    try:
        with open("/proc/self/environ", "rb") as fh:
            return any(v.startswith(name.encode() + b"=") for v in fh.read().split(b"\0"))
    except OSError:
        return False


# An OpenMP runtime loaded before xrf_napari set the policy has not seen it.
_POLICY_LATE = (
    "xrf_napari" not in sys.modules and _openmp_loaded() and not _initial_env_has("OMP_WAIT_POLICY")
)

import xrf_napari  # noqa: E402, F401  (sets OMP_WAIT_POLICY before torch / sklearn load OpenMP)


def omp_state() -> dict:
    """This process's OpenMP settings: the wait policy, whether it is in effect, the thread
    counts (torch's only when torch is loaded)."""
    state = {
        "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY"),
        "policy_in_effect": not _POLICY_LATE,
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
    }
    if "torch" in sys.modules:
        state["torch_threads"] = sys.modules["torch"].get_num_threads()
    return state


def omp_line(state: dict | None = None) -> str:
    """One line saying what omp_state says (this process's, or a child's reported state)."""
    s = omp_state() if state is None else state
    line = (
        f"OMP_WAIT_POLICY={s.get('OMP_WAIT_POLICY') or 'unset (libgomp spins)'}, "
        f"OMP_NUM_THREADS={s.get('OMP_NUM_THREADS') or 'unset'}"
    )
    if "torch_threads" in s:
        line += f", torch threads {s['torch_threads']}"
    if not s.get("policy_in_effect", True):
        line += " (NOT in effect: an OpenMP runtime was loaded before it was set)"
    return line


def machine_header(threads: int | None = None) -> str:
    """Machine, load and OpenMP lines for the top of a benchmark's output."""
    import platform

    import numpy as np

    load = os.getloadavg()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cpu = ""
    try:
        cpu = next(
            (
                ln.split(":", 1)[1].strip()
                for ln in subprocess.run(
                    ["lscpu"], capture_output=True, text=True
                ).stdout.splitlines()
                if ln.startswith("Model name")
            ),
            "",
        )
    except OSError:
        pass
    per_task = f"; {threads} threads per task (torch, BLAS)" if threads else ""
    return (
        f"machine: {os.cpu_count()} cores ({cpu or platform.processor()}), {mem:.1f} GiB RAM, "
        f"python {platform.python_version()}, numpy {np.__version__}; nice {os.nice(0)}\n"
        f"load average (1/5/15 min) at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        f"(timings under load are pessimistic)\n"
        f"OpenMP: {omp_line()}{per_task}"
    )


# -- memory ---------------------------------------------------------------------------------------
def status_kb(field: str) -> int | None:
    """A kB field of /proc/self/status (RssAnon, VmRSS, VmHWM), None where /proc is absent."""
    try:
        with open("/proc/self/status", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def anon_kb() -> int:
    """RssAnon of this process in kB (0 where /proc is absent)."""
    return status_kb("RssAnon") or 0


def peak_rss_mb() -> float:
    """Peak resident memory (MiB) of this process's own address space: VmHWM. Where /proc is
    absent, ru_maxrss (which on Linux would include a parent's peak)."""
    kb = status_kb("VmHWM")
    if kb is None:
        import resource

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024.0


def memory_target(peak_mib: float, target_mb: float) -> str:
    """'target < 500 MB (476.8 MiB): met'. The issues state memory targets in MB (10^6 bytes)
    and the benchmarks print MiB; comparing the MiB figure with 500 loosened the target by 5 %."""
    limit_mib = target_mb * 1e6 / 2**20
    return f"target < {target_mb:g} MB ({limit_mib:.1f} MiB): " + (
        "met" if peak_mib < limit_mib else "NOT met"
    )


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0: /proc/self/clear_refs, value 5); False where
    that is not allowed."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def rss_sampler():
    """Start a thread sampling RssAnon (kB) of this process; returns
    (finish() -> peak kB, start kB)."""
    peak = [0]
    stop = [False]

    def loop():
        while not stop[0]:
            peak[0] = max(peak[0], anon_kb())
            time.sleep(0.002)

    t = threading.Thread(target=loop, daemon=True)
    start = anon_kb()
    t.start()

    def finish():
        stop[0] = True
        t.join()
        return max(peak[0], anon_kb())

    return finish, start


class Measured:
    """Context manager timing a block and recording its peak memory: anonymous (absolute and
    above entry) and resident (VmHWM above the RSS at entry, file pages included).

    with Measured() as m:
        work()
    m.result() -> {"seconds", "peak_anon_mb", "peak_anon_total_mb", "peak_rss_delta_mb"}
    """

    def __enter__(self):
        # reset the high-water mark to now; where that is refused, growth of the mark is measured
        self._rss0 = status_kb("VmRSS" if reset_peak_rss() else "VmHWM") or 0
        self._finish, self._anon0 = rss_sampler()
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._t0
        peak = self._finish()
        self.peak_anon_mb = (peak - self._anon0) / 1024
        self.peak_anon_total_mb = peak / 1024
        self.peak_rss_delta_mb = max(0, (status_kb("VmHWM") or 0) - self._rss0) / 1024
        return False

    def result(self) -> dict:
        return {
            "seconds": self.seconds,
            "peak_anon_mb": self.peak_anon_mb,
            "peak_anon_total_mb": self.peak_anon_total_mb,
            "peak_rss_delta_mb": self.peak_rss_delta_mb,
        }


def run_child(argv: list[str], *, nice: int = 0, timeout: float | None = None) -> tuple[dict, str]:
    """Run `python argv...` in a fresh process; its last stdout line is a JSON dict. Returns
    (that dict, its stderr). A failing child raises RuntimeError with its stderr tail."""
    cmd = [sys.executable, *argv]
    if nice:
        cmd = ["nice", "-n", str(nice), *cmd]
    out = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    if out.returncode != 0:
        tail = "\n".join(out.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"{' '.join(argv[:3])} ... failed (exit {out.returncode}):\n{tail}")
    return json.loads(out.stdout.strip().splitlines()[-1]), out.stderr
