"""Session 35, small35b: benchmark --help descriptions are whole sentences; (from test_core36)
the command lines they show stand apart from the prose."""

from __future__ import annotations

import ast
import functools
import re
import subprocess
import sys

import pytest
from _bench_scripts import BENCH

SCRIPTS = sorted(p for p in BENCH.glob("*.py") if not p.name.startswith("_"))


def _description(help_text: str) -> str:
    """The description argparse prints: between the usage block and the first argument group."""
    blocks = re.split(r"\n\s*\n", help_text.strip())
    return " ".join(blocks[1].split()) if len(blocks) > 1 else ""


#: Runs each script given as `script --help` would (argv, its folder first on sys.path, as
#: __main__), one after another in ONE child: a child a script cost 6.7 s CPU for the 17, this
#: one 2.5 s (session 58; the same exit codes and output, byte for byte).
_HELP_ALL = r"""
import contextlib, io, json, runpy, sys, traceback
out = {}
for path in sys.argv[1:]:
    sys.argv = [path, "--help"]
    sys.path.insert(0, path.rsplit("/", 1)[0])
    stdout, stderr, code = io.StringIO(), io.StringIO(), 0
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            runpy.run_path(path, run_name="__main__")
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
        except BaseException:
            traceback.print_exc()
            code = 1
    del sys.path[0]
    out[path] = [code, stdout.getvalue(), stderr.getvalue()]
print(json.dumps(out))
"""


@functools.cache
def _helps() -> dict:
    """Every script's `--help` (exit code, stdout, stderr), run once for the two tests below."""
    import json

    run = subprocess.run(
        [sys.executable, "-c", _HELP_ALL, *map(str, SCRIPTS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def _help(script):
    """`script --help`'s exit code, stdout and stderr (from _helps)."""
    code, out, err = _helps()[str(script)]
    return subprocess.CompletedProcess([str(script), "--help"], code, out, err)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_benchmark_help_description_is_not_cut_mid_sentence(script):
    """description=__doc__.splitlines()[0] cut five scripts' first sentence at its first line
    break ("... the ARI of the Embed dock's regions, with"). A description that is the whole
    docstring may end in a usage line; any other must end a sentence."""
    out = _help(script)
    assert out.returncode == 0, out.stderr
    desc = _description(out.stdout)
    assert desc and not desc.startswith(("options:", "positional arguments:")), out.stdout
    doc = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8"))) or ""
    doc = " ".join(doc.split())
    assert desc.endswith(".") or desc == doc, f"{script.name}: description cut off: {desc!r}"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_benchmark_help_keeps_its_usage_lines_apart_from_the_prose(script):
    """argparse reflowed bench_maps' and bench_synth's docstrings, squashing the command lines
    into the prose ("... background windows). python benchmarks/bench_maps.py [--size 256]").
    A command the help shows stands on a line of its own, after a blank line or another one.
    (Moved from test_core36: the same --help run as the test above.)"""
    out = _help(script)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    squashed = [
        line
        for i, line in enumerate(lines)
        if "python benchmarks/" in line
        and not (
            line.strip().startswith(("python benchmarks/", "nice "))
            and (not lines[i - 1].strip() or "python benchmarks/" in lines[i - 1])
        )
    ]
    assert not squashed, f"{script.name} --help:\n{out.stdout}"


@pytest.fixture(scope="module")
def painted(tmp_path_factory):
    from _napari_helpers import write_painted_cube

    return write_painted_cube(tmp_path_factory.mktemp("small35b") / "painted.h5")


def _label_files(folder, shape) -> dict:
    """Damaged label images of the scan's size: cut in half (Pillow: "image file is truncated"),
    not an image at all, a PNG whose IDAT length is wrong (Pillow's SyntaxError "broken PNG
    file" escaped as a traceback) and a TIFF cut inside its first page."""
    import io
    import struct

    import numpy as np
    import tifffile
    from PIL import Image

    lab = (np.arange(shape[0] * shape[1]) % 4 + 1).astype(np.uint8).reshape(shape)
    buf = io.BytesIO()
    Image.fromarray(lab).save(buf, format="PNG")
    png = buf.getvalue()
    idat = png.index(b"IDAT") - 4
    (length,) = struct.unpack(">I", png[idat : idat + 4])
    buf = io.BytesIO()
    tifffile.imwrite(buf, lab)
    files = {
        "cut.png": png[: len(png) // 2],
        "garbage.png": b"not a PNG at all " * 20,
        "idat.png": png[:idat] + struct.pack(">I", length // 2) + png[idat + 4 :],
        "cut.tif": buf.getvalue()[:100],
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return files


def test_a_truncated_or_corrupt_labels_image_is_one_clear_line(painted, tmp_path, capsys):
    """`pigments --labels` on a damaged PNG/TIFF printed Pillow's own words ("cannot identify
    image file", a stray "warning: Truncated File Read", or a SyntaxError traceback); it says in
    one line, as --photo does, which file is truncated or corrupt."""
    import h5py

    from xrf_napari.cli.main import main

    with h5py.File(painted, "r") as f:
        shape = f["counts"].shape[:2]
    wrong = {}
    for name in _label_files(tmp_path, shape):
        argv = ["pigments", str(painted), "--labels", str(tmp_path / name), "-o", str(tmp_path)]
        try:
            rc = main(argv)
        except Exception as exc:  # noqa: BLE001 - the parent's SyntaxError
            rc = repr(exc)
        err = capsys.readouterr().err.strip().splitlines()
        said = err[0].replace(str(tmp_path / name), "") if err else ""  # its folder says corrupt
        # text bytes are named as what they are (cli61): "it is a text file, not a picture"
        told = "it is a text file" in said if name == "garbage.png" else "truncated" in said
        if not (
            rc == 2
            and len(err) == 1
            and f"--labels {tmp_path / name}:" in err[0]
            and told
            and ("corrupt" in said or name == "garbage.png")
        ):
            wrong[name] = (rc, err)
    assert not wrong, wrong
