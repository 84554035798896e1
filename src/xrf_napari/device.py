"""Which torch device runs a model: one rule for inference (analysis) and training alike.

It lives at the bottom of the package so that analysis code need not import training code.
"""

from __future__ import annotations

_NAMES = ("auto", "cpu", "cuda", "mps")
#: The choices pick_device takes, as every command's --device help says them.
DEVICE_CHOICES = f"{', '.join(_NAMES[:3])}, cuda:N (N a GPU number) or {_NAMES[3]}"


def pick_device(name: str = "auto"):
    """auto -> cuda, then mps, then cpu; None too. An unknown, unavailable or missing explicit
    choice raises ValueError naming it: torch's own errors for 'cudaa' or 'cuda:x' are tracebacks,
    and 'cuda:1' on a one-GPU machine fails only at the first tensor moved there. An empty name
    is refused as the commands' `--device ""` is: it ran on auto's choice, unsaid. A misspelt
    name is told the one it resembles (`cdua`: did you mean 'cuda'?), as a misspelt choice of
    any option is."""
    import re

    import torch

    if name == "":
        raise ValueError(f"device '' is empty (an unset variable?): use {DEVICE_CHOICES}")
    given = name
    name = (name or "auto").lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    cuda = re.fullmatch(r"cuda(?::(\d+))?", name)
    if name not in ("cpu", "mps") and not cuda:
        from .argtypes import meant_choice

        # cutoff 0.7: gpu is one letter from cpu (0.67 alike), which it must not be told
        like = meant_choice(given, _NAMES, cutoff=0.7)
        raise ValueError(f"unknown device {given!r}: use {DEVICE_CHOICES}{like}")
    if cuda and not torch.cuda.is_available():
        raise ValueError(
            f"device {given!r} requested but no CUDA GPU is available (use auto or cpu)"
        )
    if cuda and cuda[1] is not None and int(cuda[1]) >= torch.cuda.device_count():
        n = torch.cuda.device_count()
        raise ValueError(
            f"device {given!r} requested but this machine has {n} CUDA GPU"
            + (f"s (cuda:0 to cuda:{n - 1})" if n > 1 else " (cuda:0)")
        )
    if name == "mps" and not (
        getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()
    ):
        raise ValueError("device 'mps' requested but Apple MPS is not available (use auto or cpu)")
    return torch.device(name)
