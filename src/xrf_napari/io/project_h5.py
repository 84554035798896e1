"""The project's own HDF5 layout (`format = "xrf-napari/1"`), used by the synthetic generator and
for saving results. Documented in docs/file_format.md.

    /counts        (H, W, C) counts, chunked per pixel tile, compressed; attrs offset, gain,
                   quadratic, energy_units = "keV" and calibration_source
    /energy        (C,) keV at channel centres (redundant, for other tools); attr units = "keV"
    /live_time     optional (H, W) seconds
    /targets/rgb, /targets/palette (H, W, 3) uint8 and /targets/labels (H, W) int32: optional;
                   labels count regions from 0 (`pigments --labels` adds 1: 0 is "no region")
    root attrs     format, metadata (a JSON string: instrument profile, recipes, source image, seed)
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from ..cube import Cube
from ..energy import Calibration
from ..fileutil import atomic_path, check_free_space
from .hdf5_looked import remember_looked

FORMAT = "xrf-napari/1"
TARGET_NAMES = ("rgb", "palette", "labels")


def write_cube(
    path,
    counts: np.ndarray,
    calibration: Calibration,
    *,
    targets: dict | None = None,
    metadata: dict | None = None,
    live_time: np.ndarray | None = None,
    compression: str = "gzip",
) -> Path:
    """Write a cube atomically. targets: optional {"rgb", "palette", "labels"} arrays.

    Counts `read_cube` would refuse (not 3-D, not numbers, NaN/inf, negative) are refused here
    first, in the reader's words and before any temporary exists: a saved result must reopen."""
    import h5py

    from ..errors import CubeReadError, check_values, require_3d, require_numeric

    path = Path(path)
    counts = np.asarray(counts)
    try:
        require_3d(counts.shape, path, "counts array")
        require_numeric(counts.dtype, path, "counts array")
        check_values(counts, path, "the array given")
    except CubeReadError as exc:
        raise ValueError(f"{path} not written: {exc.problem}") from None
    h, w, c = counts.shape
    chunk = (min(h, 16), min(w, 16), c)
    opts = _compression_opts(compression)
    meta_json = json.dumps(metadata or {}, default=_json_default)
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        d = f.create_dataset("counts", data=counts, chunks=chunk, shuffle=True, **opts)
        _write_layout(f, d, calibration, meta_json, live_time)
        for name, arr in (targets or {}).items():
            if name not in TARGET_NAMES:
                raise ValueError(f"unknown target {name!r}; expected one of {TARGET_NAMES}")
            f.create_dataset(f"targets/{name}", data=np.asarray(arr), **opts)
    remember_looked(path)
    return path


# napari runs a writer on its GUI thread (npe2 writers are synchronous), so the viewer waits for
# the whole save: gzip level 1 writes about twice as fast as level 4 for 1.2-1.3x the bytes
# (shuffled 16 x 16 x channels chunks, one core: 101 vs 51 MiB/s on bench_io's counts, 338 vs
# 190 MiB/s on sparse uint16 counts; benchmarks/bench_io.py times the save, task save_h5).
STREAMED_GZIP_LEVEL = 1


def write_cube_streamed(
    path,
    cube: Cube,
    *,
    metadata: dict | None = None,
    compression: str = "gzip",
    block_bytes: int | None = None,
) -> Path:
    """Write a (lazy) Cube in this layout atomically, in one pass of bounded row blocks
    (Cube.iter_blocks): a cube larger than memory is read once and never held whole, as
    write_cube's array would be. Its calibration and live time go with it; `metadata` is the
    root metadata (the caller picks what is JSON). A store error or bad values in the source
    raise the reader's CubeReadError naming the source file, and no output is left."""
    import h5py

    from ..cube import DEFAULT_BLOCK_BYTES

    path = Path(path)
    h, w, c = cube.shape
    dtype = np.dtype(cube.dtype)
    if dtype.kind not in "uif":
        raise ValueError(f"{path} not written: the cube has dtype {dtype}, not integer or float")
    # blocks of whole chunk rows: no compressed chunk is written twice (read back, re-packed)
    row_bytes = w * c * max(dtype.itemsize, 4)  # as Cube.rows_per_block counts a row
    step = cube.rows_per_block(block_bytes or DEFAULT_BLOCK_BYTES)
    chunk_rows = min(h, 16, step)
    step = max(chunk_rows, step // chunk_rows * chunk_rows)
    meta_json = json.dumps(metadata or {}, default=_json_default)  # fails before the pass
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        d = f.create_dataset(
            "counts",
            shape=(h, w, c),
            dtype=dtype,
            chunks=(chunk_rows, min(w, 16), c),
            shuffle=True,
            **_compression_opts(compression, STREAMED_GZIP_LEVEL),
        )
        for sl, block in cube.iter_blocks(step * row_bytes):
            check_free_space(path, block.nbytes)  # before HDF5 meets a full disk (it crashed)
            d[sl] = block
        _write_layout(f, d, cube.calibration, meta_json, cube.live_time)
    remember_looked(path)
    return path


def _compression_opts(compression: str, level: int = 4) -> dict:
    if compression == "gzip":
        return {"compression": compression, "compression_opts": level}
    return {"compression": compression}


def _write_layout(f, counts, calibration: Calibration, meta_json: str, live_time) -> None:
    """Everything of the layout beside the counts and targets: format, metadata (JSON text),
    calibration attributes, /energy and /live_time."""
    f.attrs["format"] = FORMAT
    f.attrs["metadata"] = meta_json
    counts.attrs["offset"] = calibration.offset
    counts.attrs["gain"] = calibration.gain
    counts.attrs["quadratic"] = calibration.quadratic
    counts.attrs["calibration_source"] = calibration.source
    counts.attrs["energy_units"] = "keV"  # of offset/gain/quadratic: /counts are counts
    c = counts.shape[2]
    f.create_dataset("energy", data=calibration.energy(c)).attrs["units"] = "keV"
    if live_time is not None:
        f.create_dataset("live_time", data=np.asarray(live_time, dtype=np.float32))


def is_project_file(f) -> bool:
    v = f.attrs.get("format", "")
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    return isinstance(v, str) and v == FORMAT and "counts" in f


def check_project_file(f, path) -> None:
    """A ValueError naming `path` unless the open HDF5 file `f` is in the project layout that
    `generate` writes (every training command, and export-set, reads cubes through this check)."""
    if not is_project_file(f):
        raise ValueError(
            f"{path} is not an xrf-napari project file (format {FORMAT!r}, with /counts): "
            "give a folder that generate wrote"
        )


def project_metadata(f) -> dict:
    """The root 'metadata' attribute of an open project file; one that is no JSON object is
    ignored with a metadata_note (a damaged note must not cost the scan)."""
    try:
        meta = json.loads(f.attrs.get("metadata", "{}"))
    except (TypeError, ValueError):
        return {"metadata_note": "the root 'metadata' attribute is not valid JSON: ignored"}
    if not isinstance(meta, dict):
        return {"metadata_note": "the root 'metadata' attribute is not a JSON object: ignored"}
    return meta


def read_project_cube(f, path) -> Cube:
    """Cube from an open h5py.File in this layout (the dataset stays lazy)."""
    import h5py

    from .lazy import open_for_row_blocks

    cal = project_calibration(f, path)
    d = open_for_row_blocks(f, "counts")
    meta = {**project_metadata(f), "format": FORMAT}
    live = f["live_time"] if "live_time" in f else None
    if live is not None and (
        not isinstance(live, h5py.Dataset)
        or tuple(live.shape) != tuple(d.shape[:2])
        or live.dtype.kind not in "uif"
    ):
        live = None
    return Cube(d, cal, live_time=live, metadata=meta, path=Path(path))


def project_calibration(f, path) -> Calibration:
    """The energy calibration of /counts in an open project file, whose dataset is checked
    (3-D, numeric, within the reader's limits): read_project_cube's, and read_cube_arrays',
    which needs no more of the cube (it parsed the root metadata twice)."""
    import h5py

    from ..errors import CubeReadError, require_3d, require_numeric
    from .limits import check_dataset

    counts = f["counts"]
    if not isinstance(counts, h5py.Dataset):
        raise CubeReadError(path, "/counts is a group, not a dataset")
    require_3d(counts.shape, path, "dataset '/counts'")
    require_numeric(counts.dtype, path, "dataset '/counts'")
    check_dataset(counts, path)
    attrs = counts.attrs
    from .calibration import _text, calibration_from_mapping

    # offset/gain/quadratic in `energy_units` (absent: the gain's size says, unitless_unit), as
    # scalars or the 1-element arrays MATLAB writes, strings fixed-length or not: read as every
    # reader reads such attributes (a file another tool wrote in eV had its gain read as 10
    # keV/channel and dropped)
    try:
        found = calibration_from_mapping(dict(attrs), path)
        if found is None:
            raise KeyError("offset/gain missing")
        cal = dataclasses.replace(found, source=_text(attrs.get("calibration_source", "file")))
    except (KeyError, TypeError, ValueError) as exc:
        raise CubeReadError(
            path, f"/counts has no valid offset/gain calibration attributes ({exc})"
        ) from exc
    # its handles of /counts close on return: read_project_cube's next one carries the row-block
    # chunk cache
    return cal


def read_targets(path) -> dict:
    """The ground-truth arrays stored with a synthetic cube (empty dict if none), each read as
    the counts are (lazy.read_whole): one kept in an external raw file beside the cube was
    looked for by HDF5 in the working directory ("unable to open external raw data file"). A
    file that is no HDF5 is refused naming it and what it is (limits.misnamed; hdf5.open_hdf5,
    which words it so too, imports this module), not with h5py's bare "file signature not
    found"."""
    import h5py

    from ..errors import CubeReadError
    from .limits import misnamed

    why = misnamed(path, "hdf5", "an HDF5 file", "its bytes match no format xrf-napari reads")
    if why:
        raise CubeReadError(path, why)
    with h5py.File(path, "r") as f:
        return targets_of(f, path)


def targets_of(f, path, names=None) -> dict:
    """The arrays under /targets of the open project file `f` (of `path`), those of `names` only
    where given (each one the file holds), read as read_targets reads them (lazy.read_whole): the
    training and evaluation of the recolouriser read /targets/palette and /targets/rgb through
    h5py, which failed for targets kept in an external raw file, read from another folder."""
    from .lazy import read_whole

    if "targets" not in f:
        return {}
    group = f["targets"]
    return {
        k: read_whole(group[k], path) for k in (group if names is None else names) if k in group
    }


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o)}")
