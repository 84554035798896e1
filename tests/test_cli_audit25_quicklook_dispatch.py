"""CLI audit 25 (/work/runs25/audit_cli/report.md) items 3, 6, 7, 8 and 9: quicklook writes its
files as one set and a rerun removes the earlier run's maps; every command expands a leading ~ of
--output/--out and refuses an empty one; quicklook and info --sum show progress and take
--no-progress; a Ctrl-C or SIGTERM that lands where Python drops it still ends the command."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from _napari_helpers import write_painted_cube

import xrf_napari
from xrf_napari.cli.main import main


@pytest.fixture(scope="module")
def painted(tmp_path_factory):
    return write_painted_cube(tmp_path_factory.mktemp("ql") / "painted.h5")


def _contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_an_interrupted_quicklook_leaves_the_earlier_run_whole(painted, tmp_path, monkeypatch):
    """Item 3: Ctrl-C after the plots, before the TIFFs, replaced the sum spectrum and the maps
    over an earlier run of another scan of the same name (a mix of two scans); into a new folder
    it left part of the set."""
    out = tmp_path / "look"
    assert main(["quicklook", str(painted), "-o", str(out), "--tiff"]) == 0
    before = _contents(out)
    other = write_painted_cube(tmp_path / "b" / "painted.h5", seed=1)  # same name, other counts
    import xrf_napari.analysis.export

    def interrupted(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(xrf_napari.analysis.export, "save_element_maps", interrupted)
    argv = ["quicklook", str(other), "--tiff", "--elements", "Fe,Cu", "-o"]
    assert main([*argv, str(out)]) == 130
    assert _contents(out) == before  # byte for byte, and no temporary left
    assert main([*argv, str(tmp_path / "new")]) == 130
    assert not (tmp_path / "new").exists()


def test_a_rerun_removes_the_earlier_quicklooks_maps_and_nothing_else(painted, tmp_path, capsys):
    """Item 6: a rerun with other elements left the first run's maps and TIFFs beside the new
    ones, while <name>_maps.csv listed only the new."""
    out = tmp_path / "look"
    assert main(["quicklook", str(painted), "-o", str(out), "--tiff"]) == 0
    first = {p.name for p in out.iterdir()}
    assert len(first) > 4 and "painted_Fe_Ka.tif" in first
    mine = ["painted_notes.txt", "painted_Fe_Ka copy.png", "other_Pb_La.png", "painted_Xx_Ka.png"]
    mine += ["painted_sum_spectrum_old.png", "painted_Fe_Ka.png.bak", "Painted_Cu_Ka.png"]
    for name in mine:
        (out / name).write_text("the user's")
    capsys.readouterr()
    assert main(["quicklook", str(painted), "-o", str(out), "--tiff", "--elements", "Fe"]) == 0
    new = {"painted_sum_spectrum.png", "painted_Fe_Ka.png", "painted_Fe_Ka.tif", "painted_maps.csv"}
    assert {p.name for p in out.iterdir()} == new | set(mine)
    rows = (out / "painted_maps.csv").read_text().splitlines()[2:]
    assert [row.split(",")[0] for row in rows] == ["Fe"]
    assert "removed" in capsys.readouterr().err
    assert main(["quicklook", str(painted), "-o", str(out), "--elements", "Cu"]) == 0  # no --tiff
    assert {p.name for p in out.iterdir()} == {  # without --tiff the TIFF and table stay
        "painted_sum_spectrum.png",
        "painted_Cu_Ka.png",
        "painted_Fe_Ka.tif",
        "painted_maps.csv",
        *mine,
    }
    with pytest.raises(SystemExit):
        main(["quicklook", "--help"])
    assert "existing files of the same names are replaced" in " ".join(
        capsys.readouterr().out.split()
    )


def test_every_quicklook_file_of_a_scan_has_one_safe_stem(painted, tmp_path):
    """The PNGs were named by the scan's raw name, the TIFFs and CSV by its safe stem: a scan
    called '.odd:name' gave a hidden '.odd:name_Fe_Ka.png' (':' refused on Windows) beside
    'odd_name_Fe_Ka.tif', and a rerun did not find the PNGs to replace."""
    import shutil

    odd = tmp_path / ".odd:name.h5"
    shutil.copy(painted, odd)
    out = tmp_path / "look"
    argv = ["quicklook", str(odd), "-o", str(out), "--tiff", "--elements"]
    assert main([*argv, "Fe,Cu"]) == 0
    names = {p.name for p in out.iterdir()}
    assert names == {
        "odd_name_sum_spectrum.png",
        *(f"odd_name_{el}_Ka.{ext}" for el in ("Fe", "Cu") for ext in ("png", "tif")),
        "odd_name_maps.csv",
    }
    assert main([*argv, "Fe"]) == 0  # the rerun finds the Cu map it did not rewrite
    assert {p.name for p in out.iterdir()} == names - {"odd_name_Cu_Ka.png", "odd_name_Cu_Ka.tif"}


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


def test_quicklook_and_info_sum_show_progress_unless_told_not_to(painted, tmp_path, capsys):
    """Item 8: quicklook's two passes and info --sum read the whole cube in silence (97 s on a
    3.2 GB file), and `quicklook --no-progress` was refused though the other commands take it."""
    assert main(["quicklook", str(painted), "-o", str(tmp_path / "a")]) == 0
    err = capsys.readouterr().err
    assert "survey" in err and "maps" in err
    assert "24/24 [" in err and "24.0/24.0" not in err, err  # counts, not "24.0/24.0"
    assert main(["quicklook", str(painted), "-o", str(tmp_path / "b"), "--no-progress"]) == 0
    err = capsys.readouterr().err  # no bar; the notes of the suggestion's instrument and count
    lines = err.splitlines()
    assert len(lines) == 2 and "instrument of the suggestion" in lines[0], err
    assert "elements suggested, strongest first" in lines[1], err
    assert main(["info", str(painted), "--sum", "--json"]) == 0
    assert "summing" in capsys.readouterr().err
    assert main(["info", str(painted), "--sum", "--no-progress"]) == 0
    assert capsys.readouterr().err == ""


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
        import signal, sys
        # as from a terminal: a shell's background job (`pytest ... &`) starts with SIGINT ignored
        signal.signal(signal.SIGINT, signal.default_int_handler)
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
    assert (p.returncode, p.stderr) == (code, f"xrf-napari fake: {word}\n")
    assert p.stdout == ("done\n" if where == "atexit" else "")


def test_running_out_of_memory_is_one_line_not_a_traceback(painted, tmp_path, monkeypatch, capsys):
    """An allocation no check foresaw (numpy's 'Unable to allocate ...') ended in a traceback."""
    import xrf_napari.cli.quicklook_cmd as quicklook

    def starved(*args, **kwargs):
        raise MemoryError("Unable to allocate 7.28 TiB for an array with shape (1000000, 1000000)")

    monkeypatch.setattr(quicklook, "run", starved)
    assert main(["quicklook", str(painted), "-o", str(tmp_path / "q")]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("xrf-napari quicklook: error: out of memory"), err
    assert "Unable to allocate 7.28 TiB" in err, err
