"""xrf-napari: MA-XRF datacubes of paintings in napari, with embedding, clustering and recolouring.

The top level stays light (no torch, h5py or sklearn import) so napari starts fast.
"""

__version__ = "0.1.0"

import os as _os

# The OpenMP runtimes torch and scikit-learn load read this once, when first loaded (after this
# package: both are imported inside functions). By default their threads spin while they wait,
# which on a busy machine made embedding and recolouring 3-4x slower (benchmarks audit 28);
# passive threads sleep. A value the user set is kept.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:
    from .cube import Cube
    from .energy import Calibration


def __getattr__(name: str):
    """Cube and Calibration, imported on first use (numpy, 0.35 s): the commands' entry points
    import this package before their main runs, and a Ctrl-C in that import was a traceback
    (cli._dispatch.dispatch turns one after it into "interrupted", exit 130)."""
    if name == "Cube":
        from .cube import Cube

        return Cube
    if name == "Calibration":
        from .energy import Calibration

        return Calibration
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: Our plugin's name in napari (napari.yaml's `name`): what napari's reader lists and plugin
#: settings call it. Here, Qt-free, for the reader and the docks alike.
PLUGIN_NAME = "xrf-napari"


def read_cube(path, **options) -> "Cube":
    """Open a datacube lazily from any supported file; see `xrf_napari.io.read_cube`."""
    from .io import read_cube as _read_cube

    return _read_cube(path, **options)


__all__ = ["Cube", "Calibration", "read_cube", "__version__"]
