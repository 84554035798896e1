"""The page chain of a TIFF file, walked before tifffile reads it: shared by the scan reader
(io.arrays) and the photograph reader (analysis.colour_prior), which sits below io."""

from __future__ import annotations

import contextlib
from pathlib import Path

from .errors import CubeReadError
from .fileutil import cut_in_signature

#: Most pages a TIFF stack may have (one per channel): far above any detector's channel count.
MAX_TIFF_PAGES = 65536


class TiffChainFault(CubeReadError):
    """check_tiff_pages' refusal of a file that is a TIFF cut short or corrupt in its header or
    page chain, which napari's claim takes (io.arrays.tiff_is_cube), unlike one of more than
    MAX_TIFF_PAGES pages (a sound long stack: napari's reader reads it). `whole`: the pages
    before a page the chain points to beyond the end of the file, else None."""

    def __init__(self, path, problem: str, whole: int | None = None):
        super().__init__(path, problem)
        self.whole = whole

    def __reduce__(self):
        return type(self), (self.path, self.problem, self.whole)


def check_tiff_pages(path, fh=None) -> int:
    """Walk the chain of image directories (classic and BigTIFF) before tifffile does: a corrupt
    chain that loops back or points past the end made tifffile spin for minutes. Returns the
    page count; raises CubeReadError on a loop, a bad offset or too many pages. `fh`: the file
    already open (binary), walked from its start and left open, so that a reader opens its file
    once (io.arrays.read_tiff)."""
    import os
    import struct

    path = Path(path)
    with contextlib.nullcontext(fh) if fh is not None else open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        fh.seek(0)
        head = fh.read(16)
        order = {b"II": "<", b"MM": ">"}.get(head[:2])
        if cut_in_signature(head) == "tiff":  # 'II', 'MM\0': had read 'no II/MM byte-order mark'
            raise TiffChainFault(path, _cut_header(len(head), 16 if b"+" in head else 8))
        if order is None or len(head) < 4:
            raise CubeReadError(path, "not a TIFF file (no II/MM byte-order mark)")
        version = struct.unpack(order + "H", head[2:4])[0]
        whole = {42: 8, 43: 16}.get(version, 0)
        if len(head) < whole:  # a copy cut within its header had read "not a TIFF file"
            raise TiffChainFault(path, _cut_header(len(head), whole))
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
                raise TiffChainFault(
                    path,
                    f"the TIFF's page chain loops back on itself after "
                    f"{len(seen)} pages: the file is corrupt",
                )
            if len(seen) >= MAX_TIFF_PAGES:
                raise CubeReadError(path, f"the TIFF has more than {MAX_TIFF_PAGES} pages")
            if offset + cnt_size > size:
                raise TiffChainFault(
                    path,
                    f"page {len(seen)} of the TIFF lies beyond the end of the file (at byte "
                    f"{offset}; the file holds {size} bytes): truncated or corrupt",
                    whole=len(seen),
                )
            seen.add(offset)
            fh.seek(offset)
            count = struct.unpack(order + cnt_fmt, fh.read(cnt_size))[0]
            nxt = offset + cnt_size + count * entry
            if nxt + off_size > size:
                raise TiffChainFault(
                    path,
                    f"page {len(seen) - 1} of the TIFF is cut off (its directory runs to byte "
                    f"{nxt + off_size}; the file holds {size} bytes): truncated or corrupt",
                )
            fh.seek(nxt)
            offset = struct.unpack(order + off_fmt, fh.read(off_size))[0]
    if not seen:  # tifffile then failed on its first series: "(IndexError: list index ...)"
        raise TiffChainFault(
            path,
            "the TIFF holds no page (its header points to none): a file cut short or left "
            "unfinished by the program writing it; write or copy it again",
        )
    return len(seen)


def stray_pointer_only(fh, fault: TiffChainFault) -> bool:
    """Whether check_tiff_pages' `fault` on the open TIFF `fh` is only its last page pointing to
    a page beyond the end of the file, its pages whole (a writer's slip: tifffile reads them),
    not a file cut short, within a page's data (a zlib stack cut in half) or after pages the
    chain no longer reaches (napari's reader fails on it, or shows its first pages alone). The
    pages before the pointer must lie within the file and hold as many as the first page's
    description declares (tifffile's shape, ImageJ's images=: a stack cut after 1 of its 64
    pages declares 64), or, where it declares none, end where the file does (their
    directories, tag values and image data, up to 8 bytes of padding). False where tifffile
    cannot read those pages either."""
    import os

    import tifffile

    if not fault.whole:
        return False
    size = os.fstat(fh.fileno()).st_size
    end = 0
    try:
        fh.seek(0)
        # quiet: a damaged tag of a page below the bad pointer was logged on stderr (twice in
        # napari: its claim and the read) above the warning that says the file's fault
        with quiet_tifffile(), tifffile.TiffFile(fh) as tf:
            entry = tf.tiff.tagsize + tf.tiff.offsetsize  # the last entry and the next pointer
            for i in range(fault.whole):
                page = tf.pages[i]
                ends = [o + n for o, n in zip(page.dataoffsets, page.databytecounts)]
                for tag in page.tags.values():
                    ends += [tag.offset + entry, tag.valueoffset + tag.valuebytecount]
                end = max(end, *ends)
            declared = _declared_pages(tf.pages[0])
    except Exception:
        return False
    if end > size:
        return False
    return declared <= fault.whole if declared is not None else size < end + 8


@contextlib.contextmanager
def quiet_tifffile():
    """tifffile logs a corrupt file's faults ("invalid offset to first page") on stderr before
    raising, and a stray last pointer ("invalid page offset 26090") at ERROR as it reads the
    pages: the refusal or warning that follows says it in one line."""
    import logging

    log = logging.getLogger("tifffile")
    saved, log.disabled = log.disabled, True
    try:
        yield
    finally:
        log.disabled = saved


def walk_quietly(tf) -> None:
    """Read the page chain of a TIFF whose last page points beyond its end (stray_pointer_only)
    with tifffile's log quiet, once: tifffile had logged 'invalid page offset' at ERROR beside
    our warning, at napari's claim and again at the read."""
    with quiet_tifffile():
        len(tf.pages)


def descriptions_repeat(tf, pages: int) -> bool:
    """Whether the TIFF `tf` (a tifffile.TiffFile opened with is_shaped=False) of `pages` pages
    is one series whose every page's ImageDescription shapes that page alone, as the first
    page's does (tifffile's JSON, '{"shape": [8, 8]}', other keys free: '"energy_keV": 0.01'):
    a stack written a page at a time (tifffile.imwrite in a loop), not an image followed by a
    stack of its size, whose later pages hold another shape or no description. The tags are
    read raw, each page's directory in one read: tifffile parsed 3,000 pages' tags in 1.1 s."""
    import json
    import struct

    series = tf.series[0]
    if len(series.pages) != pages:
        return False
    tiff, fh = tf.tiff, tf.filehandle
    first = None
    for page in series.pages:
        fh.seek(page.offset)
        count = struct.unpack(tiff.tagnoformat, fh.read(tiff.tagnosize))[0]
        said = b""
        for code, _, n, field in struct.iter_unpack(
            tiff.tagheaderformat, fh.read(count * tiff.tagsize)
        ):
            if code == 270:  # ImageDescription: in the entry, or at the offset it holds
                if n <= tiff.tagoffsetthreshold:
                    said = field[:n]
                else:
                    fh.seek(struct.unpack(tiff.offsetformat, field)[0])
                    said = fh.read(n)
                break
        try:
            shape = json.loads(said.rstrip(b"\0")).get("shape")
        except (ValueError, AttributeError):
            return False
        first = shape if first is None else first
        if shape is None or shape != first:
            return False
    return True


def _declared_pages(page) -> int | None:
    """The pages a TIFF's first page's description says the file holds (tifffile's shaped JSON
    '{"shape": [64, 20, 30]}': 64 pages of 20 x 30; ImageJ's 'images=64'), or None."""
    import json
    import math
    import re

    text = page.description or ""
    if found := re.search(r"^images=(\d+)$", text, re.M) if text.startswith("ImageJ=") else None:
        return int(found[1])
    if text.startswith("{"):
        shape = json.loads(text).get("shape")
        return math.prod(shape) // math.prod(page.shape) if shape else None
    return None


def _cut_header(size: int, whole: int) -> str:
    """A TIFF file cut short within its header (it starts as one, II*/MM*), in words."""
    return (
        f"the TIFF is truncated: it holds {size} bytes, less than its {whole}-byte header "
        "(an interrupted copy or save); copy or save it again"
    )
