"""Review of readers65 (f29afbcd, e277dda5, 97b5ddca, 5c622282): a .datastack's damaged counts
chunk is said damaged in the words its opening, metadata and energy array are."""

import zipfile

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
