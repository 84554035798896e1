"""Without an X display (no DISPLAY, Xvfb not started) the GUI tests are skipped with a one-line
reason saying what to install, instead of Qt aborting the whole run (exit 134)."""

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_gui_tests_skip_with_a_reason_without_display(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    node = f"{TESTS / 'test_widgets_maps.py'}::test_opened_from_the_plugin_menu"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:xvfb",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:warnings",
            # two plugins that never touch Qt, and whose imports were half of this run's time
            "-p",
            "no:hypothesispytest",
            "-p",
            "no:zarr",
            node,
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "1 skipped" in out and "install Xvfb" in out, out[-3000:]
