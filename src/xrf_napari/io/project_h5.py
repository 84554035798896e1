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

import json
from pathlib import Path

import numpy as np

from ..cube import Cube
from ..energy import Calibration
from ..fileutil import atomic_path

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
    opts = (
        {"compression": compression, "compression_opts": 4}
        if compression == "gzip"
        else {"compression": compression}
    )
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        f.attrs["format"] = FORMAT
        f.attrs["metadata"] = json.dumps(metadata or {}, default=_json_default)
        d = f.create_dataset("counts", data=counts, chunks=chunk, shuffle=True, **opts)
        d.attrs["offset"] = calibration.offset
        d.attrs["gain"] = calibration.gain
        d.attrs["quadratic"] = calibration.quadratic
        d.attrs["calibration_source"] = calibration.source
        d.attrs["energy_units"] = "keV"  # of offset/gain/quadratic: /counts are counts
        f.create_dataset("energy", data=calibration.energy(c)).attrs["units"] = "keV"
        if live_time is not None:
            f.create_dataset("live_time", data=np.asarray(live_time, dtype=np.float32))
        for name, arr in (targets or {}).items():
            if name not in TARGET_NAMES:
                raise ValueError(f"unknown target {name!r}; expected one of {TARGET_NAMES}")
            f.create_dataset(f"targets/{name}", data=np.asarray(arr), **opts)
    return path


def is_project_file(f) -> bool:
    v = f.attrs.get("format", "")
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    return isinstance(v, str) and v == FORMAT and "counts" in f


def read_project_cube(f, path) -> Cube:
    """Cube from an open h5py.File in this layout (the dataset stays lazy)."""
    import h5py

    from ..errors import CubeReadError, require_3d, require_numeric
    from .lazy import open_for_row_blocks
    from .limits import check_dataset

    counts = f["counts"]
    if not isinstance(counts, h5py.Dataset):
        raise CubeReadError(path, "/counts is a group, not a dataset")
    require_3d(counts.shape, path, "dataset '/counts'")
    require_numeric(counts.dtype, path, "dataset '/counts'")
    check_dataset(counts, path)
    attrs = counts.attrs
    try:
        cal = Calibration(
            float(attrs["offset"]),
            float(attrs["gain"]),
            float(attrs.get("quadratic", 0.0)),
            source=str(attrs.get("calibration_source", "file")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CubeReadError(
            path, f"/counts has no valid offset/gain calibration attributes ({exc})"
        ) from exc
    del (
        attrs,
        counts,
    )  # no handle of /counts may stay open: the next one carries the row-block chunk cache
    d = open_for_row_blocks(f, "counts")
    try:
        meta = json.loads(f.attrs.get("metadata", "{}"))
    except (TypeError, ValueError):
        meta = {"metadata_note": "the root 'metadata' attribute is not valid JSON: ignored"}
    if not isinstance(meta, dict):
        meta = {"metadata_note": "the root 'metadata' attribute is not a JSON object: ignored"}
    meta["format"] = FORMAT
    live = f["live_time"] if "live_time" in f else None
    if live is not None and (
        not isinstance(live, h5py.Dataset)
        or tuple(live.shape) != tuple(d.shape[:2])
        or live.dtype.kind not in "uif"
    ):
        live = None
    return Cube(d, cal, live_time=live, metadata=meta, path=Path(path))


def read_targets(path) -> dict:
    """The ground-truth arrays stored with a synthetic cube (empty dict if none)."""
    import h5py

    with h5py.File(path, "r") as f:
        if "targets" not in f:
            return {}
        return {k: f["targets"][k][()] for k in f["targets"]}


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o)}")
