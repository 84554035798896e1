"""Review of 2b6d3d3 (a standard output that cannot be written is named) and eb52e7c (export-set's
.h5 free-space check as generate's): a standard output written to a file is buffered, so its full
disk was met only at Python's exit; the wrapper must leave the stream as the command found it."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")


@pytest.fixture
def cube(tmp_path):
    from xrf_napari.energy import Calibration
    from xrf_napari.io.ripple import write

    return write(tmp_path / "c.rpl", np.ones((2, 2, 8), np.uint16), Calibration(0.0, 0.01, 0.0))


def test_a_buffered_standard_output_on_a_full_disk_is_named(cube, monkeypatch, capsys):
    """`xrf-napari info CUBE > /dev/full` (no PYTHONUNBUFFERED: the output waits in an 8 KiB
    buffer) returned 0, the write failing only at exit; it now says so, exit 2, and what waited in
    the buffer is dropped, so no flush after fails again."""
    from xrf_napari.cli.main import main

    with open("/dev/full", "w", encoding="utf-8") as full:  # buffered, as a redirected stdout
        monkeypatch.setattr(sys, "stdout", full)
        assert main(["info", str(cube)]) == 2
        assert sys.stdout is full
        full.flush()  # nothing left to fail (the parent: ENOSPC here)
    err = capsys.readouterr().err
    assert "xrf-napari info: error: cannot write to standard output: No space left on device" in err


def test_the_real_command_on_a_full_disk_exits_2_without_pythons_exit_error(cube):
    """The console command, as a user's shell runs it: exit 120 with "Exception ignored ...
    OSError: [Errno 28]" before; now exit 2 and the one line."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    code = "from xrf_napari.cli.main import main; raise SystemExit(main())"
    with open("/dev/full", "wb") as full:
        run = subprocess.run(
            [sys.executable, "-c", code, "info", str(cube)],
            stdout=full, stderr=subprocess.PIPE, env=env, text=True, timeout=60,
        )  # fmt: skip
    assert run.returncode == 2, run.stderr
    assert "Exception ignored" not in run.stderr
    assert run.stderr.strip() == (
        "xrf-napari info: error: cannot write to standard output: No space left on device"
    )


def test_a_command_sees_its_standard_output_as_it_is_and_gets_it_back(tmp_path, monkeypatch):
    """The wrapper 2b6d3d3 puts on sys.stdout answers isatty, fileno, encoding and buffer as the
    stream does (colour and progress decisions), nests, and is removed after a Ctrl-C."""
    from xrf_napari.cli._dispatch import dispatch

    (tmp_path / "probe41g.py").write_text(
        textwrap.dedent(
            """
            import sys
            seen = []
            def configure(p):
                p.add_argument("--nest", action="store_true")
            def run(args):
                s = sys.stdout
                seen.append((s.isatty(), s.fileno(), s.encoding, s.buffer, s.closed))
                print("x", flush=True)
                if args.nest:
                    from xrf_napari.cli._dispatch import dispatch
                    dispatch("p", "", {"probe": ("probe41g", "")}, ["probe"])
                    seen.append(sys.stdout is s)
                raise KeyboardInterrupt
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import probe41g

    with open(tmp_path / "out.txt", "w", encoding="utf-8") as out:
        monkeypatch.setattr(sys, "stdout", out)
        assert dispatch("p", "", {"probe": ("probe41g", "")}, ["probe", "--nest"]) == 130
        assert sys.stdout is out
        expected = (False, out.fileno(), "utf-8", out.buffer, False)
    assert probe41g.seen == [expected, expected, True]
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == "x\nx\n"
