"""Review of readers66 (f064b185): a zarr array's chunks are judged against the machine's memory,
not what is free at the opening, and a sharded array by its inner chunks and shard index; a read
of a file deleted or replaced meanwhile (ENOENT, ESTALE) is said so; asyncio's reports of tasks
not zarr's pass the filter on zarr's."""

import errno
import logging
import os

import numpy as np
import pytest
import zarr

from xrf_napari import memory
from xrf_napari.errors import CubeReadError, read_block
from xrf_napari.io import arrays, read_cube

CUBE = np.arange(4 * 5 * 64, dtype=np.uint16).reshape(4, 5, 64)


def _store(path, **chunking):
    zarr.open_group(str(path), mode="w").create_array("counts", data=CUBE, **chunking)


@pytest.mark.parametrize(
    "chunking",
    [{"chunks": (4, 5, 64)}, {"chunks": (1, 5, 64), "shards": (4, 5, 64)}],
    ids=["one chunk", "one shard"],
)
def test_a_zarr_chunk_larger_than_free_memory_opens(tmp_path, monkeypatch, chunking):
    """Judged against free memory at the opening, a store whose chunk (or whole-cube shard, read
    in parts) exceeded what a busy machine had free was refused "more than this machine's
    memory", and opened once other programs had closed."""
    path = tmp_path / "scan.zarr"
    _store(path, **chunking)
    monkeypatch.setattr(arrays, "available_memory", lambda: CUBE.nbytes // 4)
    cube = read_cube(path, auto_calibrate=False)
    assert np.array_equal(np.asarray(cube.data[1]), CUBE[1])


def test_a_zarr_chunk_larger_than_the_machine_is_refused_naming_its_memory(tmp_path, monkeypatch):
    path = tmp_path / "scan.zarr"
    _store(path, chunks=(4, 5, 64))
    monkeypatch.setattr(memory, "memory_total", lambda: CUBE.nbytes - 1)
    with pytest.raises(CubeReadError) as e:
        read_cube(path, auto_calibrate=False)
    said = str(e.value)
    assert "declares chunks (4, 5, 64) of " in said and "more than this machine's memory (" in said


class _Gone:
    """An array whose every read fails as one of a file deleted or replaced meanwhile."""

    shape, dtype = (4, 5, 64), np.dtype(np.uint16)

    def __init__(self, code):
        self.code = code

    def __getitem__(self, key):
        raise OSError(self.code, {errno.ENOENT: "No such file or directory"}.get(self.code, "x"))


@pytest.mark.parametrize("code", [errno.ENOENT, errno.ESTALE], ids=["ENOENT", "ESTALE"])
def test_a_read_of_a_file_gone_meanwhile_is_said_so(tmp_path, code):
    """ESTALE (a share's file deleted or replaced on the server) and ENOENT had read "the system
    refused the read (...), so the file itself may be sound: check that the drive or share it
    lies on is reachable", which no check of the drive mends."""
    with pytest.raises(CubeReadError) as e:
        read_block(_Gone(code), (slice(0, 2),), tmp_path / "scan.h5")
    said = str(e.value)
    assert "reading rows 0-1 failed: the file is gone (" in said, said
    assert f"{errno.errorcode[code]}): deleted, moved or replaced since it was opened" in said
    assert "may be sound" not in said


@pytest.mark.parametrize("sharded", [True, False], ids=["shard index", "crc32c chunk"])
def test_a_zarr_checksum_that_does_not_match_is_said_damaged(tmp_path, sharded):
    """A byte flipped in a sharded array's index (its crc32c) or in a chunk a crc32c codec
    guards had read "reading row 0 failed (ValueError: Stored and computed checksum do not
    match. Stored: b'...'. Computed: b'...'.); the file may be corrupt or truncated"."""
    path = tmp_path / "scan.zarr"
    if sharded:
        _store(path, chunks=(1, 5, 64), shards=(2, 5, 64))
    else:
        _store(path, chunks=(2, 5, 64), compressors=[zarr.codecs.Crc32cCodec()])
    first = next(f for f in sorted((path / "counts" / "c").rglob("*")) if f.is_file())
    raw = bytearray(first.read_bytes())
    raw[-10 if sharded else 7] ^= 0x40  # in the shard's index; in the chunk's data
    first.write_bytes(bytes(raw))
    with pytest.raises(CubeReadError) as e:
        read_cube(path, auto_calibrate=False)
    said = str(e.value)
    assert (
        "reading row 0 failed: a chunk of zarr array '/counts' there is damaged: its stored "
        "checksum does not match its bytes" in said
    ), said
    assert "ValueError" not in said and "may be corrupt or truncated" not in said


def _never_retrieved(defined_at: str) -> str:
    return (
        "Task exception was never retrieved\nfuture: <Task finished name='Task-9' coro=<load() "
        f"done, defined at {defined_at}:12> exception=FileNotFoundError(2, 'No such file', "
        f"'{os.sep.join(('', 'data', 'zarr', 'scan.zarr'))}')>"
    )


def test_an_asyncio_report_naming_a_folder_called_zarr_is_not_hidden(caplog):
    """The filter f064b185 puts on the "asyncio" logger, for the whole process, dropped any
    "Task exception was never retrieved" whose text held a folder called zarr, as a task of the
    user's or another plugin's reading /data/zarr/scan.zarr: now only those of zarr's own tasks
    (their coroutine defined in zarr's package folder)."""
    arrays._quiet_zarr_tasks()
    theirs = _never_retrieved(os.sep.join(("", "home", "u", "tools", "scans.py")))
    zarrs = _never_retrieved(os.path.join(os.path.dirname(zarr.__file__), "core", "group.py"))
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        logging.getLogger("asyncio").error(theirs)
        logging.getLogger("asyncio").error(zarrs)
    told = [r.getMessage() for r in caplog.records if r.name == "asyncio"]
    assert told == [theirs], told
