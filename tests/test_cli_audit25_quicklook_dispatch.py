"""CLI audit 25 (/work/runs25/audit_cli/report.md) items 7 and 9: every command expands a leading ~
of --output/--out and refuses an empty one; a Ctrl-C or SIGTERM that lands where Python drops it
still ends the command."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import xrf_napari


def _commands():
    from xrf_napari.cli import main as cli_main
    from xrf_napari.cli import train

    base = {"recolour": ["scan.h5", "-o"], "info": None}
    for name in cli_main.COMMANDS:
        if name != "info":
            argv = base.get(name, ["scan.h5", "-o"])
            yield pytest.param(cli_main.main, name, argv, "output", id=f"xrf-napari {name}")
    train_args = {
        "generate": ["--n-cubes", "1"],
        "export-set": ["--data", "d", "--format", "h5"],
        "embedder": ["--data", "d"],
        "recolouriser": ["--data", "d"],
        "evaluate": ["--data", "d"],
    }
    for name in train.COMMANDS:
        argv = [*train_args[name], "--out"]
        yield pytest.param(train.main, name, argv, "out", id=f"xrf-napari-train {name}")


@pytest.mark.parametrize("entry, command, argv, dest", list(_commands()))
def test_output_tilde_is_expanded_and_an_empty_output_refused(
    entry, command, argv, dest, tmp_path, monkeypatch, capsys
):
    """Item 7: `--output=~/x` (no shell expands it) or a quoted "~/x" wrote into a folder literally
    named ~; `-o ""` (an unset $OUT) wrote into the working folder. Both entry points."""
    import importlib

    from xrf_napari.cli import main as cli_main
    from xrf_napari.cli import train

    commands = {**cli_main.COMMANDS, **train.COMMANDS}
    mod = importlib.import_module(commands[command][0])
    seen = []
    monkeypatch.setattr(mod, "run", lambda args: seen.append(getattr(args, dest)) or 0)
    monkeypatch.setenv("HOME", str(tmp_path))
    name = "o.png" if command == "recolour" else "x"
    assert entry([command, *argv, f"~/{name}"]) == 0
    opt = argv[-1]
    assert entry([command, *argv[:-1], f"{opt}=~/{name}"]) == 0
    assert seen == [str(tmp_path / name)] * 2
    with pytest.raises(SystemExit) as exc:
        entry([command, *argv, ""])
    assert exc.value.code == 2 and f"--{dest}: is empty" in capsys.readouterr().err
    assert len(seen) == 2


FAKE_COMMAND = """
import atexit, os, signal, sys, time

SIG = signal.SIG{sig}

class Finaliser:
    def __del__(self):
        os.kill(os.getpid(), SIG)  # the signal's handler runs here, where Python drops its error

def configure(p):
    pass

def run(args):
    where = "{where}"
    if where == "run":
        os.kill(os.getpid(), SIG)
    elif where == "finaliser":
        f = Finaliser()
        del f
    else:  # during the interpreter's shutdown, as torch's atexit functions run
        atexit.register(os.kill, os.getpid(), SIG)
        print("done", flush=True)
        return 0
    for _ in range(50):  # the command would run on
        time.sleep(0.01)
    print("done", flush=True)
    return 0
"""


@pytest.mark.parametrize("where", ["run", "finaliser", "atexit"])
@pytest.mark.parametrize(
    "sig, code, word", [("INT", 130, "interrupted"), ("TERM", 143, "terminated")]
)
def test_a_signal_ends_the_command_wherever_it_lands(where, sig, code, word, tmp_path):
    """Item 9: a Ctrl-C that landed in a finaliser (a weakref callback of h5py) was printed as
    'Exception ignored ... KeyboardInterrupt' and the command ran on to exit 0; one during the
    interpreter's shutdown printed a torch traceback; SIGTERM exited 143 without a word."""
    (tmp_path / "fakecmd.py").write_text(FAKE_COMMAND.format(sig=sig, where=where))
    driver = textwrap.dedent(
        """
        import sys
        from xrf_napari.cli._dispatch import dispatch
        sys.argv = ["xrf-napari", "fake"]
        raise SystemExit(dispatch("xrf-napari", "test", {"fake": ("fakecmd", "a fake")}))
        """
    )
    src = str(Path(xrf_napari.__file__).resolve().parents[1])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), src]))
    p = subprocess.run(
        [sys.executable, "-c", driver], capture_output=True, text=True, env=env, timeout=60
    )
    assert (p.returncode, p.stderr) == (code, f"xrf-napari: {word}\n")
    assert p.stdout == ("done\n" if where == "atexit" else "")
