"""`xrf-napari-train export-set`: a generated dataset written the way users receive scans, so that
`evaluate` scores the models through the normal reader path (io.read_cube) and not through our
project layout.

Formats: `rpl` (ripple .rpl/.raw pair with calibration keys, as the Bruker M6 exports it),
`rpl-nocal` (the same without calibration keys: the reader calibrates automatically) and `h5` (a
plain HDF5 file: one `datacube` dataset (H, W, C) and an `energy` vector in keV, found by the
reader's discovery). Each cube is the instrument's native channel grid when the set was generated
with --native, else the canonical grid. Beside each cube a sidecar `<name>.targets.npz` holds what
the file format cannot: the colour targets (palette, rgb, labels) and the generator's metadata
(recipes, swatch names, instrument profile), which `evaluate` reads to score the cube.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

FORMATS = ("rpl", "rpl-nocal", "h5")
SIDECAR = ".targets.npz"


def configure(p) -> None:
    p.add_argument("--data", required=True, help="generated dataset folder (manifest.json)")
    p.add_argument(
        "--format",
        required=True,
        choices=FORMATS + ("all",),
        help="rpl (ripple with calibration keys), rpl-nocal (without: auto-calibrated on "
        "reading), h5 (plain HDF5 datacube + energy); all: one subfolder per format",
    )
    p.add_argument("--out", required=True, help="output folder")
    from ..argtypes import int_in

    p.add_argument(
        "--max-cubes",
        type=int_in(1, None, "the number of cubes"),
        default=None,
        help="export the first N cubes only (default: all)",
    )


def run(args) -> int:
    from ..fileutil import check_outputs

    formats = FORMATS if args.format == "all" else (args.format,)
    outs = {f: Path(args.out) / f if args.format == "all" else Path(args.out) for f in formats}
    check_outputs(folders=list(outs.values()), inputs=[args.data])
    for fmt, out in outs.items():
        files = export_set(args.data, out, fmt, args.max_cubes)
        print(f"wrote {len(files)} {fmt} cubes (+ {SIDECAR} targets) to {out}")
    return 0


def source_files(data_dir) -> list[tuple[Path, Path]]:
    """(canonical project file, file to export) per cube of a generated set: the native-grid file
    when there is one (what the instrument wrote), else the canonical one."""
    from .dataset import check_set_complete, native_path

    data_dir = Path(data_dir)
    mpath = data_dir / "manifest.json"
    if not mpath.is_file():
        raise ValueError(f"{data_dir} has no manifest.json: not a generated dataset")
    check_set_complete(data_dir)
    try:
        names = [c["file"] for c in json.loads(mpath.read_text())["cubes"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{mpath}: unreadable manifest ({exc})") from None
    out = []
    for n in names:
        canon = data_dir / n
        native = native_path(canon)
        if not canon.is_file():
            raise ValueError(f"{canon} is listed in {mpath} but missing")
        out.append((canon, native if native.is_file() else canon))
    return out


def export_set(data_dir, out, fmt: str, max_cubes: int | None = None) -> list[Path]:
    """Write every cube of a generated set in format `fmt` into `out`; returns the cube paths."""
    import h5py

    from ..io.project_h5 import read_project_cube, read_targets

    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {FORMATS}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for canon, src in source_files(data_dir)[:max_cubes]:
        with h5py.File(src, "r") as f:
            cube = read_project_cube(f, src)
            counts = cube.data[()]
            cal, meta = cube.calibration, dict(cube.metadata)
        targets = read_targets(canon)
        meta["export"] = {
            "format": fmt,
            "from": src.name,
            "true_calibration": {"offset": cal.offset, "gain": cal.gain},
        }
        name = canon.stem
        if fmt == "h5":
            path = _write_plain_h5(out / f"{name}.h5", counts, cal)
        else:
            from ..io.ripple import write

            path = write(out / f"{name}.rpl", counts, cal if fmt == "rpl" else None)
        _write_sidecar(out / f"{name}{SIDECAR}", targets, meta)
        written.append(path)
    return written


def _write_plain_h5(path: Path, counts: np.ndarray, cal) -> Path:
    """A datacube as many labs write one: no layout marker, the energy axis beside it."""
    import h5py

    from ..fileutil import atomic_path

    h, w, c = counts.shape
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        f.create_dataset(
            "datacube", data=counts, chunks=(1, w, c), compression="gzip", compression_opts=1
        )
        e = f.create_dataset("energy", data=cal.energy(c))
        e.attrs["units"] = "keV"
    return path


def _write_sidecar(path: Path, targets: dict, meta: dict) -> None:
    from ..fileutil import atomic_path

    arrays = {k: np.asarray(v) for k, v in targets.items() if k in ("palette", "rgb", "labels")}
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(
                fh, metadata=np.array(json.dumps(meta, default=_jsonable)), **arrays
            )


def _jsonable(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON-serialisable: {type(o).__name__}")


# -- reading an exported set (evaluate) ------------------------------------------------------------
def sidecar_of(path) -> Path:
    path = Path(path)
    return path.with_name(path.stem + SIDECAR)


def exported_cubes(data_dir) -> list[Path]:
    """The cube files of an exported set (each with its sidecar), sorted; [] for other folders."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        return []
    stems = sorted(p.name[: -len(SIDECAR)] for p in data_dir.glob(f"*{SIDECAR}"))
    cubes = []
    for s in stems:
        found = [
            data_dir / f"{s}{suf}" for suf in (".rpl", ".h5") if (data_dir / f"{s}{suf}").is_file()
        ]
        if not found:
            raise ValueError(
                f"{data_dir / (s + SIDECAR)} has no cube ({s}.rpl or {s}.h5) beside it"
            )
        cubes.append(found[0])
    return cubes


def is_exported(path) -> bool:
    return sidecar_of(path).is_file()


def read_exported(path):
    """(cube, targets, metadata) of an exported cube: the cube through io.read_cube, exactly as a
    user's file is read (auto-calibration included), the targets and metadata from its sidecar;
    metadata["export"] gains the calibration the reader found."""
    from ..io import read_cube

    cube = read_cube(path)
    side = sidecar_of(path)
    try:
        with np.load(side, allow_pickle=False) as z:
            targets = {k: z[k] for k in ("palette", "rgb", "labels") if k in z.files}
            meta = json.loads(str(z["metadata"]))
    except (OSError, ValueError, KeyError) as exc:
        raise ValueError(f"cannot read the targets sidecar {side}: {exc}") from None
    if "palette" not in targets or "rgb" not in targets:
        raise ValueError(f"{side} has no palette or rgb target")
    cal = cube.calibration
    meta.setdefault("export", {})["read_calibration"] = {
        "source": cal.source,
        "offset": cal.offset,
        "gain": cal.gain,
    }
    return cube, targets, meta
