"""`python -m xrf_napari.train COMMAND ...` is `xrf-napari-train COMMAND ...`: the module form is
what `torchrun --nproc_per_node=N -m xrf_napari.train embedder ...` launches for multi-process
training."""

from .cli.train import main

if __name__ == "__main__":
    raise SystemExit(main())
