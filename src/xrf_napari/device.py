"""Which torch device runs a model: one rule for inference (analysis) and training alike.

It lives at the bottom of the package so that analysis code need not import training code.
"""

from __future__ import annotations


def pick_device(name: str = "auto"):
    """auto -> cuda, then mps, then cpu. An unavailable explicit choice raises ValueError."""
    import torch

    name = (name or "auto").lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError("device 'cuda' requested but no CUDA GPU is available (use auto or cpu)")
    if name == "mps" and not (
        getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()
    ):
        raise ValueError("device 'mps' requested but Apple MPS is not available (use auto or cpu)")
    if name not in ("cpu", "mps") and not name.startswith("cuda"):
        raise ValueError(f"unknown device {name!r}: use auto, cuda, mps or cpu")
    return torch.device(name)
