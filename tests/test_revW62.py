"""io.isolate (review of 26ea0803, abb615a6): a reading child ended from outside by a signal as it
starts, before it takes the file, is said so: not as a read of the file that ran out of memory or
out of time."""

import signal

import pytest

from xrf_napari.io import CubeReadError, isolate

poll_only = pytest.mark.skipif(
    not hasattr(__import__("select"), "poll"), reason="no warm worker without select.poll"
)
no_alarm = pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="no SIGALRM")


def _ended_at_start(tmp_path, monkeypatch, name: str) -> str:
    """A module that ends its process by signal `name` as it is imported (preloaded), first on
    the sys.path a child takes; its name."""
    module = f"ended_by_{name.lower()}_at_start"
    source = f"import os, signal\nos.kill(os.getpid(), signal.{name})\n"
    (tmp_path / f"{module}.py").write_text(source, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return module


@pytest.mark.parametrize("name", ["SIGKILL", pytest.param("SIGALRM", marks=no_alarm)])
@pytest.mark.parametrize(
    "reuse", [False, pytest.param(True, marks=poll_only)], ids=["child", "worker"]
)
def test_a_child_ended_from_outside_as_it_starts_is_not_said_to_have_read_the_file(
    tmp_path, monkeypatch, reuse, name
):
    """Ended from outside while it imports what the work needs: SIGKILL (the system's
    out-of-memory kill) read "the separate process that read it was killed ... Should that happen
    each time, reading it asks for more memory than there is (a damaged file can)", and SIGALRM
    (the child's own timer is set with the work only) "did not finish within 30 s" after 0.4 s
    (/work/runs62/revW62/repro_start_kill.py). Now: stopped as it started, before it took the
    file. Fails on the parent (abb615a6): those words."""
    module = _ended_at_start(tmp_path, monkeypatch, name)
    with pytest.raises(CubeReadError) as err:
        isolate.call_in_child(len, ((),), "scan.h5", "the look", 30, reuse=reuse, preload=(module,))
    said = str(err.value)
    assert not isinstance(err.value, isolate.NoChild), said
    assert f"killed by signal {name} before it answered, from outside" in said, said
    assert "as it started, before it took the file: no sign of a damaged file" in said, said
    assert "did not finish" not in said and "memory than there is" not in said, said


@poll_only
@no_alarm
def test_the_first_look_does_not_blame_the_file_for_a_signal_at_its_child_s_start(
    tmp_path, monkeypatch
):
    """`xrf-napari info scan.h5` whose look's child got SIGALRM from another program as it
    imported h5py refused the file as "the HDF5 library did not finish reading the file's
    structure ... within 60 s: the file is probably damaged", under a second after it began.
    Fails on the parent: those words."""
    from xrf_napari.io import hdf5

    scan = tmp_path / "scan.h5"
    scan.write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(2048))
    module = _ended_at_start(tmp_path, monkeypatch, "SIGALRM")
    monkeypatch.setattr(hdf5, "LOOK_IMPORTS", (*hdf5.LOOK_IMPORTS, module))
    isolate._close_worker()  # on the command line: no worker yet
    with pytest.raises(CubeReadError) as err:
        hdf5.first_look(scan)
    said = str(err.value)
    assert "before it took the file: no sign of a damaged file; open it again" in said, said
    assert "probably damaged" not in said and "within 60 s" not in said, said
