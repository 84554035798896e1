"""Fuzz every reader with thousands of mutated files, each in a capped child process.

Seeds: the real instrument files in ../shared/data/real (skipped with a message when absent) and
small generated files of every format. Mutations: byte flips, truncations, inserted/deleted bytes,
header edits (evil numbers: 0, -1, inf, NaN, 400 digits, empty), HDF5 NeXus `axes` and live-time
edits, huge declared shapes (.npy, .npz,
zarr, HDF5, ripple), FIFOs, symlink loops, symlinks to /dev/zero, directories and empty files in
place of files. Each case runs `read_cube`, the whole data (`sum_spectrum`), one pixel and, for
a calibrated cube, its first block on the canonical grid (what every model pass reads) in a
child forked from a process that has imported everything, under RLIMIT_AS and a timeout; its
outcome is one of:

    error     a clean CubeReadError           readable  a cube that read end to end
    other     any other exception (a bug)     hang      killed at the timeout
    crash     killed by a signal (segfault)   memory    MemoryError / out of address space

and it prints the counts, the clean errors that only wrap a Python exception (IndexError, TypeError:
a reader bug in words), the peak resident memory of any case above its state when forked (a
forked child starts with its parent's pages: that shared start is printed apart), and whether any
input changed.

    nice -n 10 python benchmarks/fuzz_readers.py --cases 5000        (the full run)
    nice -n 10 python benchmarks/fuzz_readers.py --cases 300 --seed 1  (a quick look)

    nice -n 10 python benchmarks/fuzz_readers.py --cases 600 --models  (readable cases through
                                                                         recolour and pigments)

Options: --timeout 20 (s per case), --mem-cap-mb 1024 (RLIMIT_AS), --extra-path DIR (e.g. a folder
holding rosettasciio to fuzz .bcf decoding too), --show 20 (examples per outcome), --keep DIR.
Cases run one at a time.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import resource
import select
import shutil
import signal
import stat
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "benchmarks")]  # this checkout's package; _measure
# imports xrf_napari: its OpenMP wait policy is set before torch (--models) is imported
from _measure import machine_header, status_kb  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "real"
OUTCOMES = ("error", "readable", "other", "hang", "crash", "memory")
EVIL = [
    "0",
    "-1",
    "inf",
    "-inf",
    "nan",
    "1e308",
    "9" * 400,
    "",
    "1e-320",
    "99999999999",
    "4294967296",
    "-0",
    "1.5",
    "0x10",
    "1e12",
    "\x00",
    "18446744073709551617",
    "3.0e+10",
]
#: A CubeReadError that only wraps a Python exception ('could not be read as hdf5 (IndexError:
#: list index out of range)') is clean in type but tells the user nothing: listed apart.
CRYPTIC = re.compile(
    r"\b(IndexError|TypeError|KeyError|AttributeError|UnboundLocalError|ZeroDivisionError|"
    r"AssertionError|RecursionError|NameError)\b"
)
WRAPPED = "error wrapping a Python exception"
TEXT_SUFFIXES = {".rpl", ".msa", ".emsa", ".spe", ".mca", ".csv", ".spx", ".json"}


# -- seeds ----------------------------------------------------------------------------------------
#: Seed calibration (keV) and the lines drawn into the seed spectra: Ca, Fe, Pb, Rh-scatter.
SEED_OFFSET, SEED_GAIN = -0.1, 0.08
SEED_LINES = (
    (3.69, 200),
    (6.40, 400),
    (7.06, 60),
    (10.55, 250),
    (12.61, 200),
    (20.22, 150),
    (22.72, 30),
)


def _spectra(rng, h, w, c):
    """Poisson spectra with detector-like peaks at real line energies under the seed calibration."""
    import numpy as np

    e = SEED_OFFSET + SEED_GAIN * np.arange(c)
    base = 8 * np.exp(-(((e - 12.0) / 9.0) ** 2)) + 1
    for line, amp in SEED_LINES:
        sigma = np.sqrt(0.09**2 + 2.355**2 * 0.00385 * 0.114 * line) / 2.355
        base = base + amp * SEED_GAIN / (sigma * 2.5066) * np.exp(-0.5 * ((e - line) / sigma) ** 2)
    return rng.poisson(np.broadcast_to(base, (h, w, c))).astype(np.uint16)


def make_seeds(out: Path) -> None:
    """Small valid files of every format (run in a child: zarr's event loop must not be forked)."""
    import h5py
    import numpy as np
    import tifffile
    import zarr

    sys.path.insert(0, str(ROOT / "src"))
    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import write_cube

    rng = np.random.default_rng(0)
    cube = _spectra(rng, 8, 10, 256)
    cal = Calibration(SEED_OFFSET, SEED_GAIN)
    e = cal.energy(256)

    def group(name):
        d = out / name
        d.mkdir(parents=True)
        return d

    d = group("ripple_vector")
    (d / "s.rpl").write_text(
        "key\tvalue\nwidth\t10\nheight\t8\ndepth\t256\noffset\t0\ndata-length\t2\n"
        "data-type\tunsigned\nbyte-order\tlittle-endian\nrecord-by\tvector\n"
        "ev-per-chan\t80\ndepth-origin\t-100\n"
    )
    (d / "s.raw").write_bytes(cube.astype("<u2").tobytes())
    d = group("ripple_big_endian")  # torch reads native byte order only (session 21's bug)
    (d / "s.rpl").write_text(
        "key\tvalue\nwidth\t10\nheight\t8\ndepth\t256\noffset\t0\ndata-length\t4\n"
        "data-type\tfloat\nbyte-order\tbig-endian\nrecord-by\tvector\n"
        "ev-per-chan\t80\ndepth-origin\t-100\n"
    )
    (d / "s.raw").write_bytes(cube.astype(">f4").tobytes())
    d = group("ripple_image")
    (d / "s.rpl").write_text(
        "width 10\nheight 8\ndepth 256\noffset 0\ndata-length 1\ndata-type unsigned\n"
        "byte-order dont-care\nrecord-by image\n"
    )
    (d / "s.raw").write_bytes(np.moveaxis(np.clip(cube, 0, 255).astype("u1"), -1, 0).tobytes())
    write_cube(group("project") / "s.h5", cube, cal, metadata={"seed": 1})
    with h5py.File(group("generic_h5") / "s.h5", "w") as f:
        f["entry/data"] = cube
        f["entry/energy"] = e
    with h5py.File(group("crono") / "s.h5", "w") as f:
        f["XRF/Spectra"] = cube.reshape(-1, 256)
        f["XRF/SpectraSelectedIndex"] = np.arange(80).reshape(8, 10, 1)
        f["XRF/EnergyVector"] = e * 1000
        f["XRF/LiveTimes"] = np.ones(80)
    with h5py.File(group("aps") / "s.h5", "w") as f:
        for k in "ab":
            f.create_dataset(
                f"MAPS_RAW/data_{k}",
                data=np.moveaxis(cube, -1, 0).astype(np.int16),
                compression="gzip",
            )
        f["MAPS_RAW/livetime"] = np.ones((2, 8, 10), np.float32)
    with h5py.File(group("nexus") / "s.nxs", "w") as f:
        g = f.create_group("entry/xrf")
        g.attrs.update(NX_class="NXdata", signal="spectra", axes=["energy", "y", "x"])
        g["spectra"] = np.moveaxis(cube, -1, 0)
        g["energy"] = e
    d = group("npy_sidecar")
    np.save(d / "s.npy", cube.astype(np.float32))
    (d / "s.json").write_text(json.dumps({"offset": SEED_OFFSET, "gain": SEED_GAIN}))
    np.savez_compressed(group("npz") / "s.npz", counts=cube, energy=e)
    tifffile.imwrite(group("tif_stack") / "s.tif", np.moveaxis(cube, -1, 0))
    tifffile.imwrite(group("tif_zlib") / "s.tif", np.moveaxis(cube, -1, 0), compression="zlib")
    z = zarr.open_group(str(group("zarr") / "s.zarr"), mode="w")
    z.create_array("counts", data=cube, chunks=(4, 5, 256))
    z.create_array("energy", data=e)
    store = zarr.storage.ZipStore(str(group("datastack") / "s.datastack"), mode="w")
    z = zarr.open_group(store=store, mode="w")
    z.create_array("maxrf_cube", data=cube.astype(np.float32), chunks=(4, 5, 256))
    z.create_array("maxrf_energies", data=e)
    store.close()
    # the session-39 layouts: NeXus axes naming the middle axis energy, a 4-D detector-element
    # cube with per-element live times, a zarr whose root is the array, channel-first arrays
    # (the sidecar's channel_axis, and the shape rule), tifffile's default (H, W, C) page order
    with h5py.File(group("nexus_mid") / "s.nxs", "w") as f:
        g = f.create_group("entry/xrf")
        g.attrs.update(NX_class="NXdata", signal="spectra", axes=["y", "energy", "x"])
        g["spectra"] = np.moveaxis(cube, -1, 1)
        g["energy"] = e
    with h5py.File(group("elements4d") / "s.h5", "w") as f:
        tall = np.concatenate([cube] * 3)  # 24 rows: only the 2-entry axis can be the elements
        f["entry/data"] = np.stack([tall // 2, tall - tall // 2], axis=2)  # (H, W, 2, C)
        f["entry/energy"] = e
        f["entry/live_time"] = np.full((24, 10, 2), 0.9)
    zarr.save(str(group("zarr_root") / "s.zarr"), np.moveaxis(cube, -1, 0))
    d = group("npy_channel_first")
    np.save(d / "s.npy", np.moveaxis(cube, -1, 0))
    (d / "s.json").write_text(json.dumps({"channel_axis": "first", "offset": -0.1, "gain": 0.08}))
    np.savez(group("npz_channel_first") / "s.npz", counts=np.moveaxis(cube, -1, 0))
    wide = np.concatenate([cube, cube], axis=2)  # 512 channels: the TIFF row rule's width
    tifffile.imwrite(group("tif_rows") / "s.tif", wide)
    spec = cube.sum(axis=(0, 1))
    (group("msa") / "s.msa").write_text(
        "#FORMAT : EMSA/MAS Spectral Data File\n#VERSION : 1.0\n#NPOINTS : 256\n#NCOLUMNS : 1\n"
        "#XUNITS : eV\n#XPERCHAN : 80\n#OFFSET : -100\n#DATATYPE : Y\n#SPECTRUM :\n"
        + "\n".join(f"{v}," for v in spec)
        + "\n#ENDOFDATA :\n"
    )
    (group("msa_no_xunits") / "s.msa").write_text(  # keV, told by the numbers alone
        "#FORMAT : EMSA/MAS Spectral Data File\n#VERSION : 1.0\n#NPOINTS : 256\n"
        "#XPERCHAN : 0.08\n#OFFSET : -0.1\n#DATATYPE : Y\n#SPECTRUM :\n"
        + "\n".join(", ".join(map(str, spec[i : i + 4])) for i in range(0, 256, 4))
        + "\n#ENDOFDATA :\n"
    )
    (group("csv_axes") / "s.csv").write_text(
        "channel;energy;counts\n"
        + "\n".join(f"{i};{a:.4f};{b}" for i, (a, b) in enumerate(zip(e, spec)))
    )
    (group("spe") / "s.spe").write_text(
        "$SPEC_ID:\nfuzz\n$MEAS_TIM:\n10 11\n$DATA:\n0 255\n"
        + "\n".join(map(str, spec))
        + "\n$MCA_CAL:\n2\n-1.0E-001 8.0E-002 keV\n"
    )
    (group("csv") / "s.csv").write_text(
        "energy,counts\n" + "\n".join(f"{a:.4f},{b}" for a, b in zip(e, spec))
    )
    (group("mca") / "s.mca").write_text("#@CALIB -0.1 0.08 0\n" + "\n".join(map(str, spec)) + "\n")
    (group("spx") / "s.spx").write_text(
        "<TRTSpectrum><ClassInstance Type='TRTSpectrum' Name='s'><ClassInstance "
        "Type='TRTSpectrumHeader'>"
        "<CalibAbs>-0.1</CalibAbs><CalibLin>0.08</CalibLin></ClassInstance><Channels>"
        + ",".join(map(str, spec))
        + "</Channels></ClassInstance></TRTSpectrum>"
    )


def seed_groups(gen: Path, use_real: bool) -> list[tuple[Path, str]]:
    """(folder holding the case's files, name of the file to read)."""
    groups = []
    for d in sorted(p for p in gen.iterdir() if p.is_dir()):
        main = next(p for p in sorted(d.iterdir()) if p.suffix not in (".raw", ".json"))
        groups.append((d, main.name))
    if use_real:
        for p in sorted(REAL.iterdir()):
            if p.suffix in (".md", ".raw"):
                continue
            groups.append((p, p.name))  # a single real file (its .raw partner joins below)
    return groups


def copy_group(src: Path, main: str, dst: Path) -> Path:
    if src.is_dir():
        shutil.copytree(src, dst)
    else:
        dst.mkdir()
        shutil.copy2(src, dst / src.name)
        partner = src.with_suffix(".raw")
        if src.suffix == ".rpl" and partner.exists():
            shutil.copy2(partner, dst / partner.name)
    for p in dst.rglob("*"):
        if p.is_file():
            p.chmod(0o644)
    return dst / main


# -- mutations ------------------------------------------------------------------------------------
def _files(case_dir: Path) -> list[Path]:
    return sorted(p for p in case_dir.rglob("*") if p.is_file() and not p.is_symlink())


def mutate(rng: random.Random, case_dir: Path, main: Path) -> str:
    kinds = [
        "flip",
        "flip",
        "flip",
        "truncate",
        "truncate",
        "splice",
        "header",
        "header",
        "header",
        "huge",
        "huge",
        "special",
    ]
    kind = rng.choice(kinds)
    files = _files(case_dir)
    target = main if main.is_file() and rng.random() < 0.6 else rng.choice(files)
    data = bytearray(target.read_bytes())
    if kind == "flip" and data:
        n = rng.choice([1, 2, 4, 16, 64, 256])
        for _ in range(n):
            i = (
                rng.randrange(len(data))
                if rng.random() < 0.5
                else rng.randrange(min(len(data), 4096))
            )
            data[i] = rng.randrange(256)
        target.write_bytes(bytes(data))
        return f"flip {n} bytes of {target.name}"
    if kind == "truncate":
        cut = rng.choice(
            [
                0,
                1,
                8,
                64,
                512,
                rng.randrange(len(data) + 1),
                max(0, len(data) - rng.randrange(1, 64)),
            ]
        )
        target.write_bytes(bytes(data[:cut]))
        return f"truncate {target.name} to {cut} bytes"
    if kind == "splice" and data:
        i = rng.randrange(len(data))
        n = rng.choice([1, 7, 100, 4096])
        if rng.random() < 0.5:
            data[i:i] = bytes(rng.randrange(256) for _ in range(n))
        else:
            del data[i : i + n]
        target.write_bytes(bytes(data))
        return f"splice {n} bytes at {i} of {target.name}"
    if kind == "header" and main.suffix.lower() in (".h5", ".nxs") and rng.random() < 0.5:
        return _edit_hdf5(rng, main)
    if kind == "header":
        return _edit_header(rng, case_dir, target, data)
    if kind == "huge":
        return _huge(rng, case_dir, main)
    return _special(rng, case_dir, main)


def _edit_hdf5(rng, main: Path) -> str:
    """What the HDF5 reader reads beside the data: a NeXus `axes` of another form or length
    (a scalar, too few or many names, numbers, bytes), or a live-time dataset of evil values or
    a wrong shape."""
    import h5py
    import numpy as np

    try:
        with h5py.File(main, "a") as f:
            names = []
            f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
            data = max(names, key=lambda n: f[n].size)
            g = f[data].parent
            if rng.random() < 0.5:
                axes = rng.choice(
                    [
                        "energy",
                        ["energy"],
                        ["energy", "x"],
                        ["y", "x", "z", "energy"],
                        [".", ".", "."],
                        ["energy", "energy", "energy"],
                        [1, 2, 3],
                        [b"y", b"energy", b"x"],
                        ["", "", ""],
                    ]
                )
                g.attrs.update(NX_class="NXdata", signal=data.rsplit("/", 1)[-1], axes=axes)
                return f"hdf5 {g.name} axes -> {axes!r}"
            shape = tuple(f[data].shape[:-1])
            shape = rng.choice([shape, shape[:2], (3, *shape[:2]), (0, *shape[:2]), ()])
            value = float(rng.choice(EVIL[:6] + ["0.5"]))
            name = rng.choice(["live_time", "livetime", "LiveTime", "elapsed_live_time"])
            for n in ("live_time", "livetime", "LiveTime", "elapsed_live_time"):
                if n in g:
                    del g[n]
            g[name] = np.full(shape, value)
            return f"hdf5 {g.name}/{name} -> {shape} of {value}"
    except Exception as exc:  # noqa: BLE001 - the seed itself was unreadable by h5py
        return f"hdf5 attribute edit failed ({type(exc).__name__})"


def _edit_header(rng, case_dir, target, data) -> str:
    import re

    if target.suffix.lower() not in TEXT_SUFFIXES and target.name not in ("zarr.json", ".zarray"):
        target = next(
            (
                p
                for p in _files(case_dir)
                if p.suffix.lower() in TEXT_SUFFIXES | {""} or p.name in ("zarr.json", ".zarray")
            ),
            target,
        )
        data = bytearray(target.read_bytes())
    text = data.decode("latin-1")
    nums = list(re.finditer(rb"-?\d+(\.\d+)?([eE][-+]?\d+)?".decode(), text[:20000]))
    if not nums:
        pos = rng.randrange(len(data) + 1)
        data[pos:pos] = rng.choice(EVIL).encode("latin-1")
        target.write_bytes(bytes(data))
        return f"insert evil token in {target.name}"
    m = rng.choice(nums[:200])
    evil = rng.choice(EVIL)
    text = text[: m.start()] + evil + text[m.end() :]
    target.write_bytes(text.encode("latin-1", "replace"))
    return f"header {target.name}: {m.group()[:12]!r} -> {evil[:12]!r}"


def _huge(rng, case_dir, main) -> str:
    """Declare a shape the file does not hold."""
    import re

    shape = rng.choice(
        [
            "100000, 100000, 4096",
            "1, 1, 1000000000000",
            "2147483648, 2, 2",
            "4000, 4000, 4096",
            "0, 5, 5",
        ]
    )
    suffix = main.suffix.lower()
    if suffix == ".npy":
        data = main.read_bytes()
        head_end = data.index(b"\n") + 1 if b"\n" in data[:4096] else 128
        head = data[:head_end].decode("latin-1")
        head = re.sub(r"'shape': \([^)]*\)", f"'shape': ({shape})", head)
        main.write_bytes(head.encode("latin-1") + data[head_end:])
        return f"npy header shape -> ({shape})"
    meta = next((p for p in _files(case_dir) if p.name in ("zarr.json", ".zarray")), None)
    if meta is not None:
        j = json.loads(meta.read_text())
        if "shape" in j and len(j["shape"]) >= 1:
            j["shape"] = [int(v) for v in shape.split(",")][: len(j["shape"])] + [1] * max(
                0, len(j["shape"]) - 3
            )
            meta.write_text(json.dumps(j))
            return f"zarr {meta.parent.name} shape -> {j['shape']}"
    if suffix == ".rpl":
        text = main.read_text(errors="replace")
        key = rng.choice(["width", "height", "depth"])
        text = re.sub(
            rf"(?im)^({key}\s+)\S+",
            lambda mm: mm.group(1) + rng.choice(["100000", "4096000", "0"]),
            text,
        )
        main.write_text(text)
        return f"ripple {key} enlarged"
    if suffix in (".h5", ".nxs", ".hdf5"):
        import h5py

        try:
            with h5py.File(main, "a") as f:
                if "counts" in f:
                    attrs = dict(f["counts"].attrs)
                    del f["counts"]
                    d = f.create_dataset(
                        "counts", shape=(100000, 100000, 4096), dtype="u2", chunks=(16, 16, 4096)
                    )
                    d.attrs.update(attrs)
                else:
                    f.create_dataset(
                        "huge/data", shape=(100000, 100000, 4096), dtype="u2", chunks=(16, 16, 4096)
                    )
            return "hdf5: unallocated 100000 x 100000 x 4096 dataset"
        except Exception as exc:  # noqa: BLE001 - the seed itself was unreadable by h5py
            return f"hdf5 huge edit failed ({type(exc).__name__})"
    return _edit_header(rng, case_dir, main, bytearray(main.read_bytes()))


def _special(rng, case_dir, main) -> str:
    kind = rng.choice(["fifo", "loop", "devzero", "dir", "empty", "fifo_partner", "dangling"])
    if main.is_dir():
        shutil.rmtree(main)
    elif main.exists() or main.is_symlink():
        main.unlink()
    if kind == "fifo":
        os.mkfifo(main)
    elif kind == "loop":
        other = main.with_name("loop" + main.suffix)
        main.symlink_to(other)
        other.symlink_to(main)
    elif kind == "devzero":
        main.symlink_to("/dev/zero")
    elif kind == "dir":
        main.mkdir()
    elif kind == "empty":
        main.write_bytes(b"")
    elif kind == "dangling":
        main.symlink_to(case_dir / "nowhere")
    else:  # the partner of a ripple header is a FIFO; otherwise a FIFO named like the file
        raw = main.with_suffix(".raw")
        if raw.exists():
            raw.unlink()
            main.write_text(
                "width 2\nheight 2\ndepth 64\noffset 0\ndata-length 1\ndata-type unsigned\n"
            )
            os.mkfifo(raw)
        else:
            os.mkfifo(main)
    return f"special: {kind} as {main.name}"


# -- running a case -----------------------------------------------------------------------------
#: --models: a readable, calibrated case of at most MODEL_PIXELS pixels is also recoloured and its
#: pixels fitted as one pigment region (the shipped models, loaded once before the forks).
MODELS = False
MODEL_PIXELS = 4096


def run_models(cube) -> None:
    import numpy as np

    from xrf_napari.analysis import pigment_fit
    from xrf_napari.analysis.recolour import recolour

    h, w, _ = cube.shape
    recolour(cube, device="cpu")
    try:
        pigment_fit.fit_regions(cube, np.ones((h, w), np.int32))
    except pigment_fit.PigmentFitError:  # a clear refusal (too few counts, no lines): fine
        pass


def run_case(path: str) -> tuple[str, str]:
    import logging
    import traceback
    import warnings

    import numpy as np

    from xrf_napari.io import CubeReadError, read_cube

    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)  # tifffile logs every corrupt page it meets
    try:
        cube = read_cube(path)
        h, w, _ = cube.shape
        total = cube.sum_spectrum()
        np.asarray(cube.data[h // 2, w // 2])
        if cube.calibration.source != "none":  # what every model pass reads: the canonical grid
            next(cube.iter_canonical_blocks(), None)
            if MODELS and h * w <= MODEL_PIXELS:
                run_models(cube)
        return (
            "readable",
            f"{cube.shape} {cube.dtype} cal={cube.calibration.source} sum={float(total.sum()):.3g}",
        )
    except CubeReadError as exc:
        return "error", str(exc)[:240]
    except MemoryError:
        return "memory", "MemoryError"
    except Exception as exc:  # noqa: BLE001 - what the fuzzer is for
        tb = traceback.extract_tb(exc.__traceback__)
        where = next(
            (
                f"{Path(f.filename).name}:{f.lineno}"
                for f in reversed(tb)
                if "xrf_napari" in f.filename
            ),
            f"{Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else "?",
        )
        return "other", f"{type(exc).__name__} at {where}: {str(exc)[:200]}"


def fork_case(path: Path, timeout: float, mem_cap: int) -> tuple[str, str, int, float, int]:
    """(outcome, detail, peak RSS bytes above the child's RSS when forked, seconds, that RSS in
    bytes) of one case in a forked, capped child. A forked child starts with its parent's
    resident pages (shared, copy-on-write), so its ru_maxrss alone is mostly the parent's: a child
    that did nothing reported 86 MiB (219 MiB with --models)."""
    r, w = os.pipe()
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        code = 0
        os.write(w, f"{status_kb('VmRSS') or 0}\n".encode())  # first, before anything can fail
        try:
            resource.setrlimit(resource.RLIMIT_AS, (mem_cap, mem_cap))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            out = json.dumps(run_case(str(path))).encode()
        except MemoryError:
            out = json.dumps(["memory", "MemoryError outside the reader"]).encode()
        except BaseException as exc:  # noqa: BLE001
            out = json.dumps(["other", f"{type(exc).__name__}: {exc}"[:240]]).encode()
        try:
            os.write(w, out)
        except OSError:
            code = 3
        os._exit(code)
    os.close(w)
    chunks, deadline = [], t0 + timeout
    timed_out = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([r], [], [], left)
        if not ready:
            continue
        chunk = os.read(r, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(r)
    if timed_out:
        os.kill(pid, signal.SIGKILL)
    _, status, usage = os.wait4(pid, 0)
    secs = time.monotonic() - t0
    head, _, body = b"".join(chunks).partition(b"\n")
    start = int(head) * 1024 if head.isdigit() else 0
    rss = max(0, int(usage.ru_maxrss) * 1024 - start)
    if timed_out:
        return "hang", f"no answer within {timeout:g} s", rss, secs, start
    if os.WIFSIGNALED(status):
        sig = signal.Signals(os.WTERMSIG(status)).name
        return ("memory" if sig == "SIGKILL" else "crash"), f"killed by {sig}", rss, secs, start
    try:
        outcome, detail = json.loads(body.decode())
    except ValueError:
        return "crash", f"no result (exit status {os.WEXITSTATUS(status)})", rss, secs, start
    return outcome, detail, rss, secs, start


def tree_hash(root: Path) -> str:
    """Hash of the regular files under root (or of root), never opening special files."""
    h = hashlib.sha256()
    paths = [root] if not root.is_dir() else sorted(root.rglob("*"))
    for p in paths:
        try:
            st = os.lstat(p)
        except OSError:
            continue
        h.update(str(p.relative_to(root.parent)).encode())
        if stat.S_ISREG(st.st_mode):
            h.update(p.read_bytes())
            h.update(str(st.st_mtime_ns).encode())
    return h.hexdigest()


# -- main -----------------------------------------------------------------------------------------
def main(argv=None) -> int:
    from xrf_napari.cli import CommandParser  # options given in full

    ap = CommandParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--mem-cap-mb", type=int, default=None, help="1024 (4096 with --models)")
    ap.add_argument(
        "--models",
        action="store_true",
        help=f"also recolour and pigment-fit readable calibrated cases of <= {MODEL_PIXELS} px",
    )
    ap.add_argument("--extra-path", action="append", default=[])
    ap.add_argument("--show", type=int, default=12)
    ap.add_argument("--keep", help="keep the cases that did not end well in this folder")
    args = ap.parse_args(argv)
    global MODELS
    MODELS = args.models
    if args.mem_cap_mb is None:  # torch's address space alone is over 1 GiB
        args.mem_cap_mb = 4096 if args.models else 1024

    if os.environ.get("MALLOC_ARENA_MAX") is None:  # per-thread malloc arenas eat address space
        env = dict(
            os.environ,
            MALLOC_ARENA_MAX="2",
            OPENBLAS_NUM_THREADS="1",
            OMP_NUM_THREADS="1",
            MKL_NUM_THREADS="1",
        )
        os.execve(
            sys.executable,
            [sys.executable, __file__] + (argv if argv is not None else sys.argv[1:]),
            env,
        )
    sys.path[:0] = [str(ROOT / "src")] + args.extra_path
    print(machine_header(), flush=True)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "src")] + args.extra_path + [os.environ.get("PYTHONPATH", "")]
    )
    work = Path(tempfile.mkdtemp(prefix="xrf-fuzz-"))
    gen = work / "seeds"
    pid = os.fork()
    if pid == 0:
        try:
            make_seeds(gen)
            os._exit(0)
        except BaseException:  # noqa: BLE001
            import traceback

            traceback.print_exc()
            os._exit(1)
    if os.waitpid(pid, 0)[1] != 0:
        print("could not generate the seed files")
        return 2
    use_real = REAL.is_dir()
    if not use_real:
        print(f"note: {REAL} is absent: fuzzing generated files only")
    # import what the cases use once, here, so each forked case starts warm
    import h5py  # noqa: F401
    import numpy as np  # noqa: F401
    import scipy.ndimage
    import scipy.optimize
    import scipy.signal  # noqa: F401
    import tifffile  # noqa: F401
    import zarr  # noqa: F401

    import xrf_napari.analysis.autocal
    import xrf_napari.io  # noqa: F401
    from xrf_napari.io import arrays, bruker, hdf5, project_h5, ripple, spectra  # noqa: F401

    if MODELS:
        from xrf_napari.analysis.embed import load_embedder
        from xrf_napari.analysis.recolour import load_recolouriser

        load_embedder(None, "cpu")
        load_recolouriser(None, "cpu")

    groups = seed_groups(gen, use_real)
    warm = next((g for g in groups if g[1] == "s.npy"), None)  # fill lazy imports and caches once
    if warm is not None:  # (never a zarr seed: its event-loop thread must not exist at fork)
        run_case(str(warm[0] / warm[1]))
        run_case(str(next(g for g in groups if g[1] == "s.h5")[0] / "s.h5"))
    real_before = tree_hash(REAL) if use_real else None
    seeds_before = tree_hash(gen)
    print(
        f"{len(groups)} seeds ({sum(1 for g in groups if not str(g[0]).startswith(str(gen)))} "
        f"real); {args.cases} cases, timeout {args.timeout:g} s, RLIMIT_AS {args.mem_cap_mb} MiB"
    )
    rng = random.Random(args.seed)
    tally: Counter = Counter()
    by_format: dict = defaultdict(Counter)
    examples: dict = defaultdict(list)
    modified, peak, peak_case, slowest, start_max = 0, 0, "", (0.0, ""), 0
    t_start = time.monotonic()
    for i in range(args.cases):
        src, main_name = groups[i % len(groups)] if i < len(groups) else rng.choice(groups)
        case_dir = work / f"case{i:05d}"
        main = copy_group(src, main_name, case_dir)
        what = "unmutated" if i < len(groups) else mutate(rng, case_dir, main)
        before = tree_hash(case_dir)
        outcome, detail, rss, secs, start = fork_case(main, args.timeout, args.mem_cap_mb * 2**20)
        start_max = max(start_max, start)
        if tree_hash(case_dir) != before:
            modified += 1
            examples["modified input"].append(f"{main_name} [{what}]")
        fmt = Path(main_name).suffix.lower()
        tally[outcome] += 1
        by_format[fmt][outcome] += 1
        if rss > peak:
            peak, peak_case = rss, f"{main_name} [{what}] -> {outcome}"
        if secs > slowest[0]:
            slowest = (secs, f"{main_name} [{what}] -> {outcome}")
        if outcome not in ("error", "readable") and args.keep:
            shutil.copytree(case_dir, Path(args.keep) / case_dir.name, symlinks=True)
        if outcome not in ("error", "readable") or len(examples[outcome]) < 3:
            examples[outcome].append(f"{main_name} [{what}]: {detail}")
        # clean type, a bug's words inside (HDF5's own 'Unable to ...' reasons come as KeyError)
        if outcome == "error" and CRYPTIC.search(detail) and "Unable to" not in detail:
            examples[WRAPPED].append(f"{main_name} [{what}]: {detail}")
        shutil.rmtree(case_dir, ignore_errors=True)
        if (i + 1) % 250 == 0:
            print(f"  {i + 1} cases, {time.monotonic() - t_start:.0f} s: {dict(tally)}", flush=True)
    elapsed = time.monotonic() - t_start
    print(
        f"\n{args.cases} cases in {elapsed:.0f} s ({elapsed / max(args.cases, 1) * 1e3:.0f} ms per "
        "case)"
    )
    for o in OUTCOMES:
        print(f"  {o:9s} {tally[o]}")
    print("per format: " + "; ".join(f"{k} {dict(v)}" for k, v in sorted(by_format.items())))
    print(
        f"peak resident memory of any case above its fork: {peak / 2**20:.0f} MiB ({peak_case}); "
        f"each case starts with up to {start_max / 2**20:.0f} MiB of this process's pages (shared)"
    )
    print(f"slowest case: {slowest[0]:.1f} s ({slowest[1]})")
    real_same = tree_hash(REAL) == real_before if use_real else True
    seeds_same = tree_hash(gen) == seeds_before
    print(
        f"inputs modified: {modified} cases; real files unchanged: {real_same}; seeds unchanged: "
        f"{seeds_same}"
    )
    print(
        f"clean errors wrapping a Python exception (a reader bug, worded): {len(examples[WRAPPED])}"
    )
    for o in OUTCOMES + ("modified input", WRAPPED):
        if examples[o] and (o not in ("error", "readable") or args.show):
            print(f"\n{o} (examples):")
            for line in examples[o][: args.show]:
                print("   ", line)
    shutil.rmtree(work, ignore_errors=True)
    bad = (
        sum(tally[o] for o in ("other", "hang", "crash", "memory"))
        + modified
        + (not real_same)
        + (not seeds_same)
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
