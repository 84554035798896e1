"""The page chain of a TIFF file, walked before tifffile reads it: shared by the scan reader
(io.arrays) and the photograph reader (analysis.colour_prior), which sits below io."""

from __future__ import annotations

from pathlib import Path

from .errors import CubeReadError
from .fileutil import cut_in_signature

#: Most pages a TIFF stack may have (one per channel): far above any detector's channel count.
MAX_TIFF_PAGES = 65536


def check_tiff_pages(path, fh=None) -> int:
    """Walk the chain of image directories (classic and BigTIFF) before tifffile does: a corrupt
    chain that loops back or points past the end made tifffile spin for minutes. Returns the
    page count; raises CubeReadError on a loop, a bad offset or too many pages. `fh`: the file
    already open (binary), walked from its start and left open, so that a reader opens its file
    once (io.arrays.read_tiff)."""
    import contextlib
    import os
    import struct

    path = Path(path)
    with contextlib.nullcontext(fh) if fh is not None else open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        fh.seek(0)
        head = fh.read(16)
        order = {b"II": "<", b"MM": ">"}.get(head[:2])
        if cut_in_signature(head) == "tiff":  # 'II', 'MM\0': had read 'no II/MM byte-order mark'
            raise CubeReadError(path, _cut_header(len(head), 16 if b"+" in head else 8))
        if order is None or len(head) < 4:
            raise CubeReadError(path, "not a TIFF file (no II/MM byte-order mark)")
        version = struct.unpack(order + "H", head[2:4])[0]
        whole = {42: 8, 43: 16}.get(version, 0)
        if len(head) < whole:  # a copy cut within its header had read "not a TIFF file"
            raise CubeReadError(path, _cut_header(len(head), whole))
        if version == 42:
            off_fmt, cnt_fmt, entry, first = "I", "H", 12, struct.unpack(order + "I", head[4:8])[0]
        elif version == 43 and len(head) == 16:
            off_fmt, cnt_fmt, entry, first = "Q", "Q", 20, struct.unpack(order + "Q", head[8:16])[0]
        else:
            raise CubeReadError(path, f"not a TIFF file (version {version})")
        off_size, cnt_size = struct.calcsize(off_fmt), struct.calcsize(cnt_fmt)
        seen, offset = set(), first
        while offset:
            if offset in seen:
                raise CubeReadError(
                    path,
                    f"the TIFF's page chain loops back on itself after "
                    f"{len(seen)} pages: the file is corrupt",
                )
            if len(seen) >= MAX_TIFF_PAGES:
                raise CubeReadError(path, f"the TIFF has more than {MAX_TIFF_PAGES} pages")
            if offset + cnt_size > size:
                raise CubeReadError(
                    path,
                    f"page {len(seen)} of the TIFF lies beyond the end of the file (at byte "
                    f"{offset}; the file holds {size} bytes): truncated or corrupt",
                )
            seen.add(offset)
            fh.seek(offset)
            count = struct.unpack(order + cnt_fmt, fh.read(cnt_size))[0]
            nxt = offset + cnt_size + count * entry
            if nxt + off_size > size:
                raise CubeReadError(
                    path,
                    f"page {len(seen) - 1} of the TIFF is cut off (its directory runs to byte "
                    f"{nxt + off_size}; the file holds {size} bytes): truncated or corrupt",
                )
            fh.seek(nxt)
            offset = struct.unpack(order + off_fmt, fh.read(off_size))[0]
    if not seen:  # tifffile then failed on its first series: "(IndexError: list index ...)"
        raise CubeReadError(
            path,
            "the TIFF holds no page (its header points to none): a file cut short or left "
            "unfinished by the program writing it; write or copy it again",
        )
    return len(seen)


def _cut_header(size: int, whole: int) -> str:
    """A TIFF file cut short within its header (it starts as one, II*/MM*), in words."""
    return (
        f"the TIFF is truncated: it holds {size} bytes, less than its {whole}-byte header "
        "(an interrupted copy or save); copy or save it again"
    )
