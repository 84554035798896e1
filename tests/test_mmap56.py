"""Memory-mapped readers whose file shrinks while the scan is open (io.mapped.guard_map)."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import tifffile
from test_io_ripple import write_ripple

from xrf_napari.io import read_cube

CUBE = (np.arange(8 * 8 * 256) % 7).astype(np.uint16).reshape(8, 8, 256)

#: Opens each (scan, mapped file), cuts the mapped file to 1000 bytes, then reads rows past that
#: as a pass does (Cube.read_rows: rows 2-3) and as napari's dask chunks do (cube.data[6]), and
#: prints the map.
CHILD = textwrap.dedent(
    """
    import json, os, sys, warnings
    from xrf_napari.io import read_cube
    out = []
    for scan, mapped in json.loads(sys.argv[1]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cube = read_cube(scan, auto_calibrate=False)
        os.truncate(mapped, 1000)
        for read in (lambda: cube.read_rows(slice(2, 4)), lambda: cube.data[6]):
            try:
                read()
                out.append("read")
            except ValueError as exc:
                out.append(f"{type(exc).__name__}: {exc}")
        mapped = getattr(cube.data, "sources", [cube.data])[0]  # under a ChannelFirstView
        out.append(repr(mapped))  # napari's error notification prints a traceback's locals
    print(json.dumps(out))
    """
)


def test_a_mapped_file_cut_short_while_open_is_refused_not_a_crash(tmp_path):
    """Reading a memory map past its file's new end raised SIGBUS: Python died (napari with
    every unsaved layer), exit 135. Each memory-mapped reader (ripple vector and image layout,
    .npy, uncompressed TIFF) now says which file shrank, from and to how many bytes, and so does
    the map's repr. In a child: unguarded, the read kills the process."""
    rpl = write_ripple(tmp_path, CUBE, name="vector")
    image = write_ripple(tmp_path, CUBE, name="image", record_by="image")
    np.save(tmp_path / "scan.npy", CUBE)
    tifffile.imwrite(tmp_path / "scan.tif", np.moveaxis(CUBE, 2, 0))
    pairs = [
        (str(rpl), str(rpl.with_suffix(".raw"))),
        (str(image), str(image.with_suffix(".raw"))),
        (str(tmp_path / "scan.npy"),) * 2,
        (str(tmp_path / "scan.tif"),) * 2,
    ]
    run = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(pairs)], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, (run.returncode, run.stderr[-2000:])
    said = json.loads(run.stdout.strip().splitlines()[-1])
    assert len(said) == 3 * len(pairs)
    assert all("shrank since it was opened" in r for r in said[2::3]), said[2::3]
    said = [told for i, told in enumerate(said) if i % 3 != 2]
    for (_scan, mapped), told in zip([p for p in pairs for _ in (0, 1)], said):
        assert told.startswith(f"CubeReadError: {mapped}: "), told
        assert "shrank since it was opened" in told and "to 1,000 bytes" in told, told
    row = CUBE.shape[1] * CUBE.shape[2] * 2  # the bytes each read needs, up to its last row
    assert f"from {CUBE.nbytes:,} to 1,000 bytes; this read needs its first {4 * row:,}" in said[0]
    assert f"needs its first {7 * row:,}" in said[1]


def test_what_the_shortened_file_still_holds_reads_and_a_replaced_file_reads_the_scan_opened(
    tmp_path,
):
    """The guard asks for the bytes each read needs, of the file the map holds: rows the file
    still holds after it shrank read as before, and all of it once it is as long again (written
    in place: what it holds now); a file replaced by a shorter one (a new inode: renamed over)
    leaves the opened one to the map, read whole, no refusal. (Rows no longer in the file are
    read in the child above: unguarded, SIGBUS.)"""
    rpl = write_ripple(tmp_path, CUBE)
    cube = read_cube(rpl, auto_calibrate=False)
    raw = rpl.with_suffix(".raw")
    os.truncate(raw, 4 * CUBE.shape[1] * CUBE.shape[2] * 2 + 10)
    assert np.array_equal(cube.read_rows(slice(0, 4)), CUBE[:4])  # 10 bytes of row 4 are left
    os.truncate(raw, CUBE.nbytes + 100)  # written again in place, longer: its bytes are read
    block = cube.read_rows(slice(0, 8))
    assert np.array_equal(block[:4], CUBE[:4]) and not block[5:].any()

    np.save(tmp_path / "scan.npy", CUBE)
    cube = read_cube(tmp_path / "scan.npy", auto_calibrate=False)
    (tmp_path / "new.npy").write_bytes(b"")
    os.replace(tmp_path / "new.npy", tmp_path / "scan.npy")  # renamed over: an empty new file
    assert np.array_equal(cube.read_rows(slice(0, 8)), CUBE)
