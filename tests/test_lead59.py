"""Lead's fixes of session 59 (Qt-free)."""

import subprocess
import sys


def test_killing_a_worker_whose_stdin_is_closed_says_it_ended():
    """_Worker.close closes the worker's stdin, waits 1 s, then _kill()s a worker still busy
    (a slow exit at load): _kill's communicate() flushed the closed stdin and the look failed
    "ValueError: I/O operation on closed file" (seen in 1 of 6 stress runs of 180 looks)."""
    from xrf_napari.io.isolate import _kill

    proc = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(30)"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    proc.stdin.close()
    assert _kill(proc) is None
    assert proc.returncode is not None
    assert proc.stdout.closed
