"""What this process may still allocate: the one figure every memory check (readers loading a
file whole, the recolouriser's images and tiles, a photograph) compares its need with."""

from __future__ import annotations

import os
from pathlib import Path


def memory_budget() -> int:
    """Bytes this process may still allocate: the least of free memory, the cgroup's remaining
    limit and the address-space limit (RLIMIT_AS) minus what the process already maps."""
    return _least_limit(left=True)


def memory_total() -> int:
    """Bytes this process could hold with nothing else running: the least of the machine's
    memory, the cgroup's limit and RLIMIT_AS. The same figure however busy the machine is, for
    a need no free memory could meet (a corrupt length), where memory_budget's moves with
    whatever else runs."""
    return _least_limit(left=False)


def _least_limit(left: bool) -> int:
    """memory_budget's figure (`left`: what remains of each limit) or memory_total's."""
    limits = []
    try:
        import psutil

        vm = psutil.virtual_memory()
        limits.append(int(vm.available if left else vm.total))
    except Exception:  # noqa: BLE001  # pragma: no cover - psutil missing
        try:
            pages = os.sysconf("SC_AVPHYS_PAGES" if left else "SC_PHYS_PAGES")
            limits.append(int(pages * os.sysconf("SC_PAGE_SIZE")))
        except (OSError, ValueError):
            pass
    try:
        cg = Path("/sys/fs/cgroup")
        mx = (cg / "memory.max").read_text(encoding="utf-8").strip()
        if mx != "max":
            used = (cg / "memory.current").read_text(encoding="utf-8").strip() if left else 0
            limits.append(int(mx) - int(used))
    except (OSError, ValueError):
        pass
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            mapped = 0  # what the process already maps (statm's first field, in pages)
            if left:
                with open("/proc/self/statm", encoding="utf-8") as fh:
                    mapped = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
            limits.append(soft - mapped)
    except (ImportError, OSError, ValueError):
        pass
    return max(0, min(limits)) if limits else 2**62
