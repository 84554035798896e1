"""xrf-napari: MA-XRF datacubes of paintings in napari, with embedding, clustering and recolouring.

The top level stays light (no torch, h5py or sklearn import) so napari starts fast.
"""

__version__ = "0.1.0"

from .cube import Cube  # noqa: E402  (numpy only)
from .energy import Calibration  # noqa: E402


def read_cube(path, **options) -> Cube:
    """Open a datacube lazily from any supported file; see `xrf_napari.io.read_cube`."""
    from .io import read_cube as _read_cube

    return _read_cube(path, **options)


__all__ = ["Cube", "Calibration", "read_cube", "__version__"]
