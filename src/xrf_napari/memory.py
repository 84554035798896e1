"""What this process may still allocate: the one figure every memory check (readers loading a
file whole, the recolouriser's images and tiles, a photograph) compares its need with."""

from __future__ import annotations

import os
from pathlib import Path


def memory_budget() -> int:
    """Bytes this process may still allocate: the least of free memory, the cgroup's remaining
    limit and the address-space limit (RLIMIT_AS) minus what the process already maps."""
    limits = []
    try:
        import psutil

        limits.append(int(psutil.virtual_memory().available))
    except Exception:  # noqa: BLE001  # pragma: no cover - psutil missing
        try:
            limits.append(int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")))
        except (OSError, ValueError):
            pass
    try:
        cg = Path("/sys/fs/cgroup")
        mx = (cg / "memory.max").read_text(encoding="utf-8").strip()
        if mx != "max":
            limits.append(
                int(mx) - int((cg / "memory.current").read_text(encoding="utf-8").strip())
            )
    except (OSError, ValueError):
        pass
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            with open("/proc/self/statm", encoding="utf-8") as fh:
                vm = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
            limits.append(soft - vm)
    except (ImportError, OSError, ValueError):
        pass
    return max(0, min(limits)) if limits else 2**62
