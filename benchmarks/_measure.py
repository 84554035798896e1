"""Shared measuring code for the benchmarks: run one task in a fresh process and report its wall
time and peak memory.

Peak memory is RssAnon (sampled every 2 ms by a thread): what the process really allocates.
ru_maxrss also counts file pages a memmap touched (page cache, reclaimable), so it overstates
streaming readers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time


def anon_kb() -> int:
    """RssAnon of this process in kB (0 where /proc is absent)."""
    try:
        with open("/proc/self/status", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


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
    """Context manager timing a block and recording peak anonymous memory
    (absolute and above entry).

    with Measured() as m:
        work()
    m.result() -> {"seconds", "peak_anon_mb", "peak_anon_total_mb", "maxrss_delta_mb"}
    """

    def __enter__(self):
        import resource

        self._maxrss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        self._finish, self._anon0 = rss_sampler()
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        import resource

        self.seconds = time.perf_counter() - self._t0
        peak = self._finish()
        self.peak_anon_mb = (peak - self._anon0) / 1024
        self.peak_anon_total_mb = peak / 1024
        self.maxrss_delta_mb = (
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - self._maxrss0
        ) / 1024
        return False

    def result(self) -> dict:
        return {
            "seconds": self.seconds,
            "peak_anon_mb": self.peak_anon_mb,
            "peak_anon_total_mb": self.peak_anon_total_mb,
            "maxrss_delta_mb": self.maxrss_delta_mb,
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
