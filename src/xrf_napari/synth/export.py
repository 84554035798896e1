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

`export.json` says what the folder holds (format, the source set's manifest SHA-256, the cube
files): `evaluate` scores exactly the cubes it lists, and `export-set` refuses an --out holding a
generated set, another set's or format's export, or cube files it did not write, so a folder never
mixes two exports (an earlier export's cubes stayed beside a smaller one and were scored with it).
Rerun into its folder, the same export keeps the cubes whose sidecars record the same source
files' SHA-256 and the cube files' present sizes (`already_exported`), and writes the others.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
import zlib
from pathlib import Path

import numpy as np

FORMATS = ("rpl", "rpl-nocal", "h5")
SIDECAR = ".targets.npz"
EXPORT_MANIFEST = "export.json"
#: export.json keys that say which set and format a folder holds: a re-export must match them.
_SAME_EXPORT = ("format", "source_manifest_sha256")
#: Names of cube or sidecar files (lower case): an --out holding ones this export would not write
#: is refused, since they would sit beside the export as if part of it.
_SET_SUFFIXES = (".rpl", ".raw", ".h5", ".hdf5", ".npz")


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
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args) -> int:
    from ..fileutil import check_not_a_file_name, check_outputs, printable
    from ..io.registry import SUPPORTED_SUFFIXES

    # `--out set.h5` made a folder "set.h5"
    check_not_a_file_name(args.out, "export-set", scans=SUPPORTED_SUFFIXES)
    formats = FORMATS if args.format == "all" else (args.format,)
    outs = {f: Path(args.out) / f if args.format == "all" else Path(args.out) for f in formats}
    check_outputs(
        folders=list(outs.values()),
        inputs=[args.data],
        folder_inputs=[args.data],
        option="--out",
    )
    if args.format == "all":
        _check_not_a_set(Path(args.out), parent=True)
    plans = {}
    for fmt, out in outs.items():  # every folder checked before any is written
        plans[fmt] = plan_export(args.data, out, fmt, args.max_cubes)[0]
    check_export_room(args.out, {fmt: (outs[fmt], src) for fmt, src in plans.items()})
    for fmt, out in outs.items():
        kept: list[Path] = []
        files = export_set(
            args.data, out, fmt, args.max_cubes, progress=not args.no_progress, kept=kept
        )
        n = len(files) - len(kept)
        print(
            f"wrote {n} {fmt} cube{'' if n == 1 else 's'} (+ {SIDECAR} targets) to {printable(out)}"
            + (f"; kept {len(kept)} already exported from the same source files" if kept else "")
        )
    return 0


def source_files(data_dir) -> list[tuple[Path, Path]]:
    """(canonical project file, file to export) per cube of a generated set: the native-grid file
    when the set was generated with --native (what the instrument wrote), else the canonical one.
    A --native set missing a native file is refused: it was exported half native, half canonical,
    and the transfer evaluation measured the canonical path for those cubes without saying so."""
    from ..fileutil import option_first
    from .dataset import check_set_complete, native_path, require_folder

    with option_first("--data"):  # worded as the trainers' and evaluate's (list_cubes)
        data_dir = require_folder(
            data_dir, "dataset folder", "the generated set, with its manifest.json"
        )
    mpath = data_dir / "manifest.json"
    if not mpath.is_file():
        raise ValueError(f"{data_dir} has no manifest.json: not a generated dataset")
    check_set_complete(data_dir)
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
        names = [c["file"] for c in manifest["cubes"]]
        is_native = manifest.get("native")  # None: a manifest not from generate
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{mpath}: unreadable manifest ({exc})") from None
    out = []
    for n in names:
        canon = data_dir / n
        native = native_path(canon)
        if not canon.is_file():
            raise ValueError(f"{canon} is listed in {mpath} but missing")
        if is_native and not native.is_file():
            raise ValueError(
                f"{native} is missing: {mpath} says the set was generated with --native, so "
                "every cube is exported at its native channels; regenerate it (rerun the same "
                "generate command) or export another set"
            )
        if is_native is None:
            is_native_cube = native.is_file()
        else:
            is_native_cube = bool(is_native)
        out.append((canon, native if is_native_cube else canon))
    return out


def plan_export(data_dir, out, fmt: str, max_cubes: int | None = None):
    """(source files, export.json head) of exporting `data_dir` into `out`, after refusing an
    `out` whose files would mix with this export's (check_export_folder)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {FORMATS}")
    sources = source_files(data_dir)[:max_cubes]
    mpath = Path(data_dir) / "manifest.json"
    head = {
        "exporter": "xrf-napari-train export-set",
        "format": fmt,
        "source": str(mpath.parent.resolve()),
        "source_manifest_sha256": hashlib.sha256(mpath.read_bytes()).hexdigest(),
        "max_cubes": max_cubes,
    }
    check_export_folder(out, head, [canon.stem for canon, _ in sources])
    return sources, head


#: Sidecar bytes beyond the targets and the source's metadata text (the export record, zip).
_SIDECAR_EXTRA = 4096


def _cube_bytes(canon: Path, src: Path, counts_share: dict | None = None) -> tuple[int, int]:
    """(counts bytes, sidecar bytes) of exporting one cube, from its files' headers: the counts
    as a .raw holds them and the sidecar's arrays and metadata uncompressed. `counts_share`:
    {item size: share} of the counts' bytes to count instead (an HDF5 export, gzipped, before
    its cube is read: generate's FIRST_CUBES_SHARE)."""
    with _set_cube(src) as f:
        d = f["counts"]
        share = 1.0 if counts_share is None else counts_share.get(d.dtype.itemsize, 1.0)
        counts = int(int(np.prod(d.shape)) * d.dtype.itemsize * share)
    with _set_cube(canon) as f:
        side = len(f.attrs.get("metadata", "")) + _SIDECAR_EXTRA
        group = f.get("targets")
        for name in ("palette", "rgb", "labels"):
            if group is not None and name in group:
                side += int(np.prod(group[name].shape)) * group[name].dtype.itemsize
    return counts, side


def _set_cube(path: Path):
    """A cube file of the set, open read-only: one that is no HDF5, cut short or damaged is
    refused in words naming it, as a scan is (export-set said only "Unable to synchronously open
    file (truncated file: ...)", naming no file), and one not in generate's layout as the
    trainers refuse it (a KeyError traceback: "object 'counts' doesn't exist")."""
    from ..io.hdf5 import open_hdf5
    from ..io.project_h5 import check_project_file

    f = open_hdf5(path)
    try:
        check_project_file(f, path)
    except ValueError:
        f.close()
        raise
    return f


def check_export_room(folder, plans: dict) -> None:
    """Refuse, before anything is written, exports whose files cannot fit on `folder`'s disk.
    `plans`: {format: (out folder, source files)}. A ripple export takes its counts' bytes
    exactly (less the files it replaces, but its largest cube's beside them while it is
    written); an HDF5 export is gzipped, to a share no header tells, so only its largest cube is
    asked for here, its counts at generate's FIRST_CUBES_SHARE (uint16 at half their bytes: the
    whole bytes refused disks with room for the export), and each cube's compression is measured
    before it is written (export_set)."""
    from ..fileutil import check_room
    from .dataset import FILE_OVERHEAD, FIRST_CUBES_SHARE

    need, cubes = 0, 0
    for fmt, (out, sources) in plans.items():
        share = FIRST_CUBES_SHARE if fmt == "h5" else None
        sizes = [sum(_cube_bytes(canon, src, share)) for canon, src in sources]
        if not sizes:
            continue
        cubes += len(sizes)
        if fmt == "h5":
            need += max(sizes) + FILE_OVERHEAD
            continue
        stems = [canon.stem for canon, _ in sources]
        replaced = sum(
            (Path(out) / n).stat().st_size
            for n in _export_names(stems, fmt)
            if (Path(out) / n).is_file()
        )
        need += max(sum(sizes) - replaced, max(sizes))
    if cubes:
        check_room(folder, need, f"the export ({', '.join(plans)}, {cubes} cube files)")


def _export_names(stems, fmt: str) -> set[str]:
    """The files an export of cubes `stems` in format `fmt` writes (besides export.json)."""
    cube = (".h5",) if fmt == "h5" else (".rpl", ".raw")
    return {f"{s}{suf}" for s in stems for suf in (*cube, SIDECAR)}


def _check_not_a_set(out: Path, parent: bool = False) -> None:
    """Refuse a generated set's folder as --out; with `parent` (--format all writes a subfolder
    per format into it), an export folder too."""
    if (out / "manifest.json").exists():
        raise ValueError(
            f"{out} is a generated set's folder (it holds manifest.json): the export would sit "
            "among that set's files; give --out a folder of its own"
        )
    if parent and (out / EXPORT_MANIFEST).exists():
        raise ValueError(
            f"{out} holds an export (its {EXPORT_MANIFEST}): --format all writes a subfolder per "
            "format; give --out a folder of its own"
        )


def check_export_folder(out, head: dict, stems) -> None:
    """A ValueError naming `out` unless exporting there keeps one export per folder: refused are
    a generated set's folder, an export of another set or format (export.json), cube or sidecar
    files without an export.json (another set's, or put there by hand: never replaced), and files
    this export would not write (a larger earlier export's cubes, which would stay beside it).
    Redoing the same export (same source set, same format) keeps the cubes already exported from
    the same source files and replaces the others (export_set)."""
    from ..fileutil import is_temporary

    out = Path(out)
    if not out.is_dir():
        return
    _check_not_a_set(out)
    nested = [f"{f}/" for f in FORMATS if (out / f / EXPORT_MANIFEST).exists()]
    if nested:
        raise ValueError(
            f"{out} holds a --format all export ({', '.join(nested)}): give --out a folder of "
            "its own"
        )
    present = sorted(
        p.name
        for p in out.iterdir()
        if not is_temporary(p) and p.name.lower().endswith(_SET_SUFFIXES)
    )
    epath = out / EXPORT_MANIFEST
    if not epath.exists():
        if present:
            raise ValueError(
                f"{out} holds {len(present)} cube or sidecar file(s) (e.g. {present[0]}) but no "
                f"{EXPORT_MANIFEST} (another set's files, or an export made before export-set "
                "wrote export.json): nothing there is replaced; use another --out"
            )
        return
    old = read_export_manifest(epath)
    differ = [k for k in _SAME_EXPORT if old.get(k) != head.get(k)]
    if differ:
        details = ", ".join(f"{k} {old.get(k)!r} there, {head.get(k)!r} now" for k in differ)
        raise ValueError(
            f"{out} holds an export of another set or format ({details}; from "
            f"{old.get('source')}): use another --out, or that export's --data and --format to "
            "redo it"
        )
    foreign = [n for n in present if n not in _export_names(stems, head["format"])]
    if foreign:
        raise ValueError(
            f"{out} holds {len(foreign)} file(s) this export would not write (e.g. {foreign[0]}: "
            "an earlier export of more cubes, or other files), which would stay beside it as if "
            "part of it: use another --out, or export at least as many cubes (--max-cubes)"
        )


def read_export_manifest(path) -> dict:
    """An export folder's export.json; a ValueError naming it when unreadable."""
    try:
        head = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: unreadable export manifest ({exc})") from None
    if not isinstance(head, dict) or "format" not in head:
        raise ValueError(f"{path}: not an export-set manifest (no 'format')")
    return head


def export_set(
    data_dir,
    out,
    fmt: str,
    max_cubes: int | None = None,
    progress: bool = False,
    kept: list | None = None,
) -> list[Path]:
    """Write every cube of a generated set in format `fmt` into `out`; returns the cube paths.
    As `generate`: export.json is written with the options before the first cube and gains the
    cube list after the last, so an interrupted export is known as one (evaluate refuses it,
    rerunning the same command finishes it). A cube already exported there from the same source
    files (`already_exported`) is kept, not written again, and its path added to `kept`: a rerun
    rewrote every file, gigabytes of .raw for an export that was complete or nearly. `progress`:
    a bar per cube on stderr, as the other training commands show (--no-progress for logs)."""
    import h5py
    from tqdm import tqdm

    from ..fileutil import atomic_path, check_room
    from ..io.project_h5 import read_project_cube, read_targets
    from .dataset import stored_counts_bytes

    sources, head = plan_export(data_dir, out, fmt, max_cubes)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / EXPORT_MANIFEST) as tmp:
        tmp.write_text(json.dumps(head, indent=1), encoding="utf-8")
    written = []
    # closed on an error too: a bar left open garbles the refusal printed after it
    with tqdm(sources, desc=f"exporting {fmt}", unit="cube", disable=not progress) as bar:
        for canon, src in bar:
            name = canon.stem
            sources_sha = _sources_sha256(canon, src)
            if already_exported(out, name, fmt, sources_sha):
                written.append(_cube_files(out, name, fmt)[0])
                if kept is not None:
                    kept.append(written[-1])
                continue
            with h5py.File(src, "r") as f:
                cube = read_project_cube(f, src)
                counts = cube.data[()]
                cal, meta = cube.calibration, dict(cube.metadata)
            targets = read_targets(canon)
            meta["export"] = {
                "format": fmt,
                "from": src.name,
                "true_calibration": {"offset": cal.offset, "gain": cal.gain},
                "source_sha256": sources_sha,
            }
            side = sum(np.asarray(v).nbytes for v in targets.values())
            side += len(json.dumps(meta, default=_jsonable)) + _SIDECAR_EXTRA
            # HDF5 meeting a full disk crashes the process: refused first. The .h5's counts as
            # they compress (gzip 1, no shuffle: _write_plain_h5), measured on a sample as
            # generate measures its cubes (counted whole, a disk with room was refused); a .raw
            # takes its bytes exactly.
            stored = (
                stored_counts_bytes(counts, level=1, shuffle=False)
                if fmt == "h5"
                else counts.nbytes
            )
            check_room(
                out,
                stored + side,
                f"{name}{'.h5' if fmt == 'h5' else '.rpl/.raw'} and its sidecar",
                f" ({len(written)} of {len(sources)} cubes were written: rerun the same command to "
                "finish)"
                if written
                else "",
            )
            if fmt == "h5":
                path = _write_plain_h5(out / f"{name}.h5", counts, cal)
            else:
                from ..io.ripple import write

                path = write(out / f"{name}.rpl", counts, cal if fmt == "rpl" else None)
            # written after the cube: a sidecar naming these sizes says its cube is complete
            meta["export"]["files"] = _file_sizes(_cube_files(out, name, fmt))
            _write_sidecar(out / f"{name}{SIDECAR}", targets, meta)
            written.append(path)
    with atomic_path(out / EXPORT_MANIFEST) as tmp:
        tmp.write_text(
            json.dumps({**head, "cubes": [p.name for p in written]}, indent=1), encoding="utf-8"
        )
    return written


def _sources_sha256(canon: Path, src: Path) -> dict:
    """{file name: SHA-256} of what one exported cube is made from: the file whose counts it
    holds and, when that is the native copy, the canonical file its targets and metadata come
    from. The set's manifest hash alone does not tell a cube regenerated by other code."""
    from ..models.weights import sha256_of

    return {p.name: sha256_of(p) for p in dict.fromkeys((src, canon))}


def _cube_files(out: Path, name: str, fmt: str) -> list[Path]:
    """The files of one exported cube, the one export.json lists first."""
    return [out / f"{name}.h5"] if fmt == "h5" else [out / f"{name}.rpl", out / f"{name}.raw"]


def _file_sizes(files) -> dict:
    """{name: size in bytes}: what a sidecar records of its cube's files, and a rerun compares."""
    return {p.name: p.stat().st_size for p in files}


def already_exported(out: Path, name: str, fmt: str, sources_sha: dict) -> bool:
    """Whether cube `name` is in `out` as this export would write it: its sidecar (written after
    the cube files) records this format, the same source files' SHA-256 and the cube files' sizes
    as they are now. A sidecar of an export made before it recorded them (or unreadable) says no:
    that cube is written again."""
    files = _cube_files(out, name, fmt)
    side = out / f"{name}{SIDECAR}"
    if not side.is_file() or not all(p.is_file() for p in files):
        return False
    try:
        with np.load(side, allow_pickle=False) as z:
            record = json.loads(str(z["metadata"])).get("export")
    except (
        OSError,
        ValueError,
        KeyError,
        EOFError,
        AttributeError,
        zipfile.BadZipFile,
        zlib.error,
    ):
        return False
    return (
        isinstance(record, dict)
        and record.get("format") == fmt
        and record.get("source_sha256") == sources_sha
        and record.get("files") == _file_sizes(files)
    )


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
    """The cube files of an exported set, exactly those its export.json lists (each with its
    sidecar); [] for folders holding no export. Refused: an export.json without its cube list (the
    export is running or was interrupted), and sidecars without an export.json (such a folder may
    mix exports or hold part of one, and nothing tells which)."""
    from ..fileutil import is_temporary

    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        return []
    epath = data_dir / EXPORT_MANIFEST
    if not epath.is_file():
        sides = sorted(p.name for p in data_dir.glob(f"*{SIDECAR}") if not is_temporary(p))
        if sides:
            raise ValueError(
                f"{data_dir} holds export-set sidecars (e.g. {sides[0]}) but no {EXPORT_MANIFEST} "
                "listing a finished export's cubes (an export made before export-set wrote one, "
                "or files put together by hand): export the generated set again into a new folder"
            )
        return []
    head = read_export_manifest(epath)
    if "cubes" not in head:
        raise ValueError(
            f"{data_dir} is an incomplete export: its {EXPORT_MANIFEST} lists no cubes yet "
            "(export-set is still running there, or was interrupted: rerun the same export-set "
            "command to finish it)"
        )
    names = head["cubes"]
    if not isinstance(names, list) or not all(
        isinstance(n, str) and Path(n).name == n and Path(n).suffix in (".rpl", ".h5")
        for n in names
    ):
        raise ValueError(f"{epath}: unreadable export manifest (its 'cubes' are not cube files)")
    cubes = []
    for n in names:
        path = data_dir / n
        if not path.is_file() or not sidecar_of(path).is_file():
            raise ValueError(
                f"{path} or its sidecar {sidecar_of(path).name} is listed in {epath} but missing"
            )
        other = path.with_suffix(".h5" if path.suffix == ".rpl" else ".rpl")
        if other.is_file():  # one sidecar, two cubes: which it describes is unknown
            raise ValueError(
                f"{path} and {other.name} both sit beside the sidecar {sidecar_of(path).name}: "
                "export the generated set again into a new folder"
            )
        cubes.append(path)
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
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        # a damaged archive raises BadZipFile, a damaged member EOFError or zlib.error: neither is
        # an OSError or ValueError, so they ended evaluate in a traceback
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
