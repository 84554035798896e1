"""Review of readers65 (f29afbcd, e277dda5, 97b5ddca, 5c622282): a .datastack's damaged counts
chunk is said damaged in the words its opening, metadata and energy array are."""

import zipfile

import numpy as np
import pytest
from test_readers65 import _datastack, _said_everywhere


def test_a_damaged_datastack_counts_chunk_is_said_damaged_as_its_other_members(tmp_path, capsys):
    """97b5ddca said a damaged zip archive "its zip archive is damaged (...)" at the opening, in a
    member's metadata and in the energy array, but a counts chunk's CRC (87 of its 300 fuzz cases,
    the largest share) still read "reading row 0 failed (BadZipFile: Bad CRC-32 for file
    'maxrf_cube/c/0/0/0'); the file may be corrupt or truncated"."""
    path = tmp_path / "scan.datastack"
    info = _datastack(path)["maxrf_cube/c/0/0/0"]
    data = bytearray(path.read_bytes())
    data[info.header_offset + 30 + len(info.filename) + 1] ^= 0xFF
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() == info.filename  # the damage is that chunk's, nothing else's
    said = _said_everywhere(path, capsys)
    assert (
        "scan.datastack: reading row 0 failed: its zip archive is damaged (Bad CRC-32 for file "
        "'maxrf_cube/c/0/0/0'): the file is corrupt or cut short; copy it again" in said
    )
    assert "BadZipFile" not in said and "may be corrupt or truncated" not in said


@pytest.mark.parametrize(
    ("driver", "kw", "opened", "said", "not_said"),
    [
        ("family", {"memb_size": 4096}, "scan0.h5", "is the first part of an HDF5 family", "trunc"),
        (
            "split",
            {},
            "scan-m.h5",
            "holds the metadata of an HDF5 file written by",
            "cannot be read",
        ),
    ],
)
def test_a_part_of_an_hdf5_file_written_in_parts_is_said_so(
    tmp_path, capsys, driver, kw, opened, said, not_said
):
    """The first file of an HDF5 family (h5py's driver="family") had read "the HDF5 file is
    truncated: it has 4096 bytes of the 10240 its header declares (an interrupted copy,
    download or acquisition)", a sound file; a split file's metadata part "a damaged HDF5 file:
    it starts as one, but its header cannot be read (multi driver should be used)"."""
    import h5py

    name = "scan%d.h5" if driver == "family" else "scan"
    with h5py.File(tmp_path / name, "w", driver=driver, **kw) as f:
        f["counts"] = np.ones((8, 8, 64), np.uint16)
    got = _said_everywhere(tmp_path / opened, capsys)
    assert f"{opened}: {said}" in got and not_said not in got


def test_an_encrypted_npz_member_is_said_encrypted_not_a_missing_decoder(tmp_path, capsys):
    """f29afbcd took every RuntimeError of zipfile's open for a missing bz2/lzma module: a
    member zipped with a password read "member 'counts' is compressed with zip method 8
    (deflate), whose decoder this Python was built without (File <ZipInfo ...> is encrypted,
    password required for extraction; the file is not damaged)"."""
    import io

    path = tmp_path / "scan.npz"
    buf = io.BytesIO()
    np.save(buf, np.ones((4, 5, 64), np.uint16))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("counts.npy", buf.getvalue())
    data = bytearray(path.read_bytes())  # the encrypted flag, as a zip tool given a password sets
    data[6] |= 1
    data[data.rfind(b"PK\x01\x02") + 8] |= 1
    path.write_bytes(bytes(data))
    said = _said_everywhere(path, capsys)
    assert "scan.npz: member 'counts' is encrypted (the archive was zipped with a password)" in said
    assert "decoder" not in said and "RuntimeError" not in said
