"""An output that is a symbolic link, as fileutil.check_outputs looks at it (session 48 review of
5bcbb9d): the folder probed and the killed writers' leftovers removed are those of the file the
link leads to, where atomic_path writes it."""

import os
import sys
from pathlib import Path

import pytest

from xrf_napari import fileutil

#: Above any pid Linux gives (pid_max is at most 2**22): a writer that is gone.
GONE_PID = 2**22 + 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc refuses new files")
def test_a_link_into_a_folder_that_refuses_files_is_refused_before_the_work(tmp_path):
    """A guard: the probe asks the linked file's folder (/proc here), not the link's (tmp_path,
    writable), so the work is not done for a write that must fail."""
    link = tmp_path / "out.png"
    link.symlink_to("/proc/xrf-napari-out.png")
    with pytest.raises(fileutil.OutputError, match="folder /proc refuses new files"):
        fileutil.check_outputs(files=[link])


def test_a_dead_writers_leftover_beside_the_linked_file_is_removed(tmp_path):
    """A guard: a killed write through the link left its temporary beside the linked file
    (atomic_path); the check removes it there, and leaves the link's folder alone."""
    real = tmp_path / "real"
    real.mkdir()
    (real / "t.png").write_bytes(b"old")
    link = tmp_path / "link.png"
    link.symlink_to(real / "t.png")
    left = real / (fileutil.temp_prefix("t.png", pid=GONE_PID, suffix=".png") + "x1.png")
    left.write_bytes(b"half")
    assert fileutil.remove_stale_temporaries(real, "t.png") == [left]  # it is one
    left.write_bytes(b"half")
    fileutil.check_outputs(files=[link])
    assert not left.exists() and (real / "t.png").read_bytes() == b"old"
    assert sorted(os.listdir(tmp_path)) == ["link.png", "real"] and Path(link).is_symlink()
