"""Where a region's colour prior comes from: a recolouring or a registered photograph.

X-rays cannot tell some paints apart (lead white / red lead, yellow / red ochre, orpiment /
realgar: the same elements), so the pigment ranking (`pigment_fit.rank_region`) lets a colour
order such twins. The SmallUViT's colours proved too far off to help; a photograph of the scanned
area, which a conservator nearly always has, is the colour of the surface itself. It only
reorders candidates X-rays tie; the lines still decide everything else.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ..cube import pixels_text
from ..fileutil import TIFF_SUFFIXES
from ..tiff_pages import quiet_tifffile
from .image_rgb import EXIF_ORIENTATION, UnknownRangeError, exif_turn

#: Largest relative difference between the photograph's and the scan's aspect ratios: beyond
#: it the photograph does not show the scanned area and must be cropped and registered first.
MAX_ASPECT_MISMATCH = 0.02


def region_mean_colours(rgb, labels) -> dict[int, tuple[float, float, float]]:
    """{label: mean sRGB in [0, 1]} of each region (labels > 0) of an (H, W, 3|4) image, uint8
    (0-255) or float (0-1); an alpha channel is ignored."""
    img = np.asarray(rgb)
    lab = np.asarray(labels).reshape(-1)
    flat = img[..., :3].reshape(-1, 3).astype(np.float64)
    if np.issubdtype(img.dtype, np.integer):
        flat /= float(np.iinfo(img.dtype).max)
    if len(flat) != len(lab):
        raise ValueError(f"colour image {img.shape[:2]} and labels {np.shape(labels)} differ")
    out = {}
    for v in np.unique(lab[lab > 0]):
        out[int(v)] = tuple(float(c) for c in flat[lab == v].mean(axis=0))
    return out


def check_photo(photo_shape, shape, name: str = "the photograph") -> None:
    """Raise ValueError unless an image of `photo_shape` is a colour image showing the scanned
    area of `shape` (H, W): the same aspect ratio within MAX_ASPECT_MISMATCH."""
    ps = tuple(int(v) for v in photo_shape)
    if len(ps) != 3 or ps[2] not in (3, 4):
        raise ValueError(
            f"{name}: expected a colour image (height x width x 3 or 4), got shape {ps}"
            + (": a grey image gives no colour" if len(ps) == 2 else "")
        )
    h, w = (int(v) for v in shape)
    ph, pw = ps[:2]
    mismatch = abs((pw / ph) / (w / h) - 1.0)
    if mismatch > MAX_ASPECT_MISMATCH:
        raise ValueError(
            f"{name} is {pixels_text(ps)}, the scan {pixels_text(shape)}: their aspect "
            f"ratios differ by {mismatch:.0%}. Crop the photograph to the scanned area and "
            "register it to the scan first"
        )


def window_over_scan(
    photo_hw,
    photo_scale,
    photo_translate,
    scan_hw,
    scan_scale,
    scan_translate,
    name="the photograph",
) -> tuple[slice, slice]:
    """The photograph's pixel window covering the scan, both placed in one world frame by
    (scale, translate) per (row, column) axis, as napari places layers: pixel i spans
    translate + (i - 1/2, i + 1/2) * scale. For a photograph registered in the viewer by moving
    and scaling its layer over the scan; it must cover the whole scan."""
    rows, cols = [], []
    for ax, out in ((0, rows), (1, cols)):
        ps, pt, ss, st = (
            float(v[ax]) for v in (photo_scale, photo_translate, scan_scale, scan_translate)
        )
        if ps <= 0 or ss <= 0:
            raise ValueError(f"{name}: its layer or the scan's has a non-positive scale")
        lo = (st - 0.5 * ss - pt) / ps + 0.5  # scan's edges in the photograph's pixel edges
        hi = (st + (scan_hw[ax] - 0.5) * ss - pt) / ps + 0.5
        a, b = int(round(lo)), int(round(hi))
        if a < 0 or b > photo_hw[ax] or b - a < 1:
            raise ValueError(
                f"{name} does not cover the scan where its layer is placed (the scan spans its "
                f"{'rows' if ax == 0 else 'columns'} {lo:.0f} to {hi:.0f}, it has "
                f"{photo_hw[ax]}): move or scale the photograph's layer over the scan"
            )
        out.append(slice(a, b))
    return rows[0], cols[0]


#: A float photograph is read as 0-1 while at most FLOAT_SCALE_SHARE of its samples exceed
#: FLOAT_ONE_MAX (a colour-corrected float TIFF overshoots white a little; the excess is
#: clipped), as 0-255 when more than that share exceed FLOAT_255_MIN (on a 0-1 scale, twice
#: white or more); anything between is refused as ambiguous. One stray sample above 1 made the
#: whole image 0-255 and black (audit 30, finding 5).
FLOAT_ONE_MAX = 1.5
FLOAT_255_MIN = 3.0
FLOAT_SCALE_SHARE = 0.01


def check_photo_values(photo, name: str = "the photograph") -> None:
    """Raise ValueError, naming `name`, when a float photograph has pixels without a value (NaN
    or infinite), as a registration tool leaves outside the warped picture: the region colours
    failed with "cannot convert float NaN to integer", and Find regions said "too few pixels to
    find regions: 0 ... a spot spectrum is one region". A pixel of an RGBA photograph whose alpha
    is 0 is not one: its colour is hidden and compositing makes it white (`_on_white`), as a
    cut-out saved as float leaves NaN colours around it, which were refused.

    The Pigments dock calls it on the GUI thread as Find pigments is pressed, so it reads no
    lazy array (a dask layer: photo_on_scan checks it in the worker, once read) and makes no
    copy: one summing pass clears a photograph with no such pixel (a float64 sum of float
    samples is finite only if each is, or on overflow, which the count then clears), and only
    otherwise are the pixels counted. Counting first made three boolean arrays of it: 1.7 s and
    ~200 MB for a 48-megapixel float32 photograph, the window frozen meanwhile."""
    if not isinstance(photo, np.ndarray) and hasattr(photo, "dtype"):
        return  # lazy: read (and checked) in the worker
    img = np.asarray(photo)
    if img.dtype.kind not in "fc" or len(img.shape) != 3:
        return
    rgb = img[..., :3]
    if img.dtype.kind == "f" and np.isfinite(rgb.sum(dtype=np.float64)):
        return
    missing = ~np.isfinite(rgb).all(axis=-1)
    if img.shape[2] == 4:  # a fully transparent pixel's colour is hidden: _on_white makes it white
        missing &= img[..., 3] != 0  # (a NaN alpha is read as opaque, and counts)
    bad = int(np.count_nonzero(missing))
    if bad:
        total = img.shape[0] * img.shape[1]
        row, col = (int(v) for v in np.argwhere(missing)[0])
        raise ValueError(
            f"{name}: {bad:,} of its {total:,} pixels over the scan have no value (NaN or "
            f"infinite; the first at row {row}, column {col}), as a registration leaves outside "
            "the picture: crop it to the scanned area, or fill those pixels, first"
        )


def float_photo_scale(rgb, name: str = "the photograph") -> float:
    """1.0 or 255.0: the scale of a float photograph's samples, decided by the share of them
    above FLOAT_ONE_MAX and FLOAT_255_MIN rather than by its largest one; ValueError, naming
    `name`, when it is neither 0-1 nor 0-255."""
    rgb = np.asarray(rgb)
    if not rgb.size or not np.nanmax(rgb, initial=0.0) > 1.0:
        return 1.0
    limit = FLOAT_SCALE_SHARE * rgb.size
    if np.count_nonzero(rgb > FLOAT_ONE_MAX) <= limit:
        return 1.0
    if np.count_nonzero(rgb > FLOAT_255_MIN) > limit:
        if np.count_nonzero(rgb > 255.0 * FLOAT_ONE_MAX) <= limit:
            return 255.0
        raise ValueError(
            f"{name}: a float image with values up to {np.nanmax(rgb):.4g}, neither on a 0-1 "
            "nor on a 0-255 scale: save it as an 8- or 16-bit image, or as float scaled to 0-1"
        )
    share = np.count_nonzero(rgb > FLOAT_ONE_MAX) / rgb.size
    raise ValueError(
        f"{name}: a float image of unclear scale: {share:.1%} of its values exceed "
        f"{FLOAT_ONE_MAX:g} (up to {np.nanmax(rgb):.4g}), too many for a 0-1 image, too few "
        f"above {FLOAT_255_MIN:g} for a 0-255 one: save it as an 8- or 16-bit image, or as "
        "float scaled to 0-1"
    )


def photo_on_scan(photo, shape, name: str = "the photograph") -> np.ndarray:
    """The photograph as (H, W, 3) float sRGB in [0, 1] on the scan's pixel grid `shape` (H, W).

    It must show exactly the scanned area (`check_photo`: cropped and registered); it is then
    resampled to the scan's pixels, averaging where it is finer. A float image is 0-1 or 0-255
    as most of its values say (`float_photo_scale`); values above white are clipped. An alpha
    channel (a cut-out PNG opened in napari) is composited on white before the resampling, as
    `read_photo` reads the file (image_rgb.rgb_image): its alpha was dropped, so a transparent
    surround took its hidden colour values (often black) into the region colours."""
    from skimage.transform import resize

    img = np.asarray(photo)
    check_photo(img.shape, shape, name)
    check_photo_values(img, name)
    if img.shape[2] == 4:
        img = _on_white(img, name)
    h, w = (int(v) for v in shape)
    if img.dtype == np.uint8 and img.shape[:2] != (h, w):
        # a camera's 8-bit image: Pillow's box filter averages each scan pixel's footprint in C,
        # in a tenth of the time of a float resampling (24 Mpx: 5.9 s -> 0.57 s; its peak, with
        # Pillow's own buffers, is 280 MiB of anonymous memory; benchmarks/bench_pigments.py)
        from PIL import Image

        box = Image.fromarray(np.ascontiguousarray(img[..., :3])).resize(
            (w, h), Image.Resampling.BOX
        )
        return np.asarray(box, dtype=np.float32) / 255.0
    rgb = img[..., :3].astype(np.float32)  # half the memory of float64 for a large photograph
    if np.issubdtype(img.dtype, np.integer):
        rgb /= float(np.iinfo(img.dtype).max)
    elif float_photo_scale(rgb, name) == 255.0:
        rgb /= 255.0
    if img.shape[:2] != (h, w):
        finer = img.shape[0] > h or img.shape[1] > w
        rgb = resize(rgb, (h, w), order=1, anti_aliasing=finer, preserve_range=True)
    return np.clip(rgb, 0.0, 1.0)


def _on_white(rgba, name: str) -> np.ndarray:
    """An (H, W, 4) photograph composited on white as (H, W, 3): 8-bit through Pillow, as
    image_rgb.rgb_image composites a file (`image_rgb.on_white`: the same values), any other as
    float32 0-1 by the same formula (alpha on the colour's scale: an integer type's maximum, a
    float image's `float_photo_scale`)."""
    if rgba.dtype == np.uint8:
        from PIL import Image

        from .image_rgb import on_white

        return np.asarray(on_white(Image.fromarray(np.ascontiguousarray(rgba), "RGBA")))
    values = rgba.astype(np.float32)
    # a fully transparent pixel's colour is hidden, NaN included (check_photo_values lets it
    # through): it composites to white, where NaN * 0 made the pixel NaN
    if not np.isfinite(values[..., :3].sum(dtype=np.float64)):  # no mask pass for most photos
        hidden = (values[..., 3] == 0) & ~np.isfinite(values[..., :3]).all(axis=-1)
        values[..., :3][hidden] = 0.0
    if np.issubdtype(rgba.dtype, np.integer):
        values /= float(np.iinfo(rgba.dtype).max)
    elif float_photo_scale(values[..., :3], name) == 255.0:
        values /= 255.0
    alpha = values[..., 3:]
    # an alpha without a value (NaN) is read as opaque, as the alpha was read before it counted
    alpha = np.clip(np.where(np.isfinite(alpha), alpha, 1.0), 0.0, 1.0)
    return np.clip(values[..., :3], 0.0, 1.0) * alpha + (1.0 - alpha)


#: Bytes held per sample (pixel x colour) while a photograph is read and put on the scan's grid:
#: an 8-bit one is decoded, made an array and box-filtered by Pillow (about 4 copies: a 24-Mpx
#: camera photograph needs 0.3 GB); a 16-bit or float one is resampled by skimage in float32 and
#: float64 (about 32 bytes).
PHOTO_BYTES_PER_SAMPLE = {1: 4}
PHOTO_BYTES_OTHER = 32


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def check_png_chunks(path, fh=None) -> None:
    """Walk a PNG's chunks (if `path` is a PNG) before Pillow reads it: Pillow reads a chunk's
    declared length in one call, so an IDAT length byte flipped to 4 GB in a 204-byte label map
    ran it out of memory (MemoryError, unhandled). Raises CubeReadError, naming the chunk, on one
    that runs past the end of the file; anything else is Pillow's to judge. `fh`: the file
    already open (binary), walked from its start and left open (check_tiff_pages' `fh`)."""
    import os
    import struct

    from ..errors import CubeReadError

    path = Path(path)
    with contextlib.nullcontext(fh) if fh is not None else open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        fh.seek(0)
        if fh.read(8) != PNG_SIGNATURE:
            return
        offset = 8
        while offset + 8 <= size:
            length, kind = struct.unpack(">I4s", fh.read(8))
            end = offset + 12 + length  # length, type, data, CRC
            if end > size:
                name = kind.decode("latin-1")
                raise CubeReadError(
                    path,
                    f"cannot read an image: truncated or corrupt (its PNG chunk {name!r} at byte "
                    f"{offset:,} declares {length:,} bytes, past the end of the {size:,}-byte "
                    "file)",
                )
            if kind == b"IEND":
                return
            offset = end
            fh.seek(offset)


@contextlib.contextmanager
def open_image(path, fh=None):
    """Pillow's image of `path`, opened and decoded without Pillow's decompression-bomb limit
    (179 Mpx, a guard for web servers: a large photograph ended in its traceback). Callers check
    the size the header declares before decoding: against the scan, or against memory. It lifts a
    module setting for the block: for the command line, not for threads. A TIFF's page chain is
    walked first (check_tiff_pages), as for a photograph and a scan, and a PNG's chunks
    (check_png_chunks). Faults: IMAGE_FAULTS. `fh`: the file already open (binary), read
    through, a TIFF's page chain walked by the caller, and left open (read_photo's one opening)."""
    from PIL import Image

    if fh is None and Path(path).suffix.lower() in TIFF_SUFFIXES:
        from ..tiff_pages import check_tiff_pages

        check_tiff_pages(path)
    check_png_chunks(path, fh)
    if fh is not None:
        fh.seek(0)
    saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        with Image.open(path if fh is None else fh) as im:
            _refuse_stub(im)
            yield im
    finally:
        Image.MAX_IMAGE_PIXELS = saved


class NotAnImageError(OSError):
    """A file Pillow names by its format but holds no picture it can read (a stub plugin's:
    HDF5, FITS, GRIB, BUFR, WMF)."""


def _refuse_stub(im) -> None:
    """Pillow identifies an HDF5 file (a scan given as --photo) as a 0 x 0 grey image, which was
    refused as "expected a colour image ..., got shape (0, 0): a grey image gives no colour"."""
    from PIL import ImageFile

    if isinstance(im, ImageFile.StubImageFile):
        raise NotAnImageError(
            f"it is {im.format} data, not a picture (give a .png, .jpg or .tif image)"
        )


_CONVERTED = ("P", "CMYK", "YCbCr")  # read as RGB (and a transparent one: on white)

#: What reading a truncated or corrupt image raises: OSError (Pillow's "cannot identify image
#: file", "image file is truncated"), SyntaxError (Pillow's "broken PNG file" while decoding),
#: ValueError (CubeReadError from the TIFF page and PNG chunk checks), IndexError (a TIFF without
#: an image), MemoryError (a decoder allocating what a corrupt field declares, past those checks).
IMAGE_FAULTS = (OSError, SyntaxError, ValueError, IndexError, MemoryError)


def image_fault(path, exc: BaseException, arrays: bool = False) -> str:
    """`path` and what is wrong with it, in one line, for an image that could not be read (a
    photograph, a label map): Pillow's own text ("cannot identify image file '...'", "Truncated
    File Read") did not say the file is damaged. A file Pillow does not know that is another
    kind (fileutil.file_kind: an .npy array, an HDF5 scan, text) is named so: `--photo x.npy`
    read "truncated, corrupt or not an image format". `arrays`: the caller reads .npy and .h5
    files too (a label map), so the file's right name is said instead of asking for a picture."""
    from PIL import UnidentifiedImageError

    from ..errors import CubeReadError

    if isinstance(exc, CubeReadError):  # the TIFF page and PNG chunk checks say it already
        return f"{path}: {exc.problem}"
    if isinstance(exc, MemoryError):
        return f"{path}: cannot read an image: decoding it ran out of memory (corrupt or too big)"
    if isinstance(exc, NotAnImageError):
        return f"{path}: cannot read an image: {exc}"
    if isinstance(exc, UnidentifiedImageError):
        return f"{path}: cannot read an image: {_not_image_kind(path, arrays)}"
    why = str(exc).replace(repr(str(path)), "the file").strip() or type(exc).__name__
    return f"{path}: cannot read an image: truncated or corrupt ({why})"


def _not_image_kind(path, arrays: bool) -> str:
    """What a file Pillow cannot identify is (fileutil.file_kind), for image_fault. An empty one
    is said to be: a 0-byte image of an --images folder was "a text file" (kind_of: no bytes
    decode as text)."""
    from ..fileutil import KIND_HINTS, KIND_NAMES, kind_if_readable

    kind = kind_if_readable(path)
    if kind == "text" and Path(path).stat().st_size == 0:
        return "the file is empty (0 bytes)"
    if kind not in KIND_NAMES or kind == "tiff":  # a TIFF Pillow cannot identify is damaged
        return "truncated, corrupt or not an image format"
    if arrays and kind in ("npy", "hdf5"):
        return KIND_HINTS[kind]
    return f"it is {KIND_NAMES[kind]}, not a picture (give a .png, .jpg or .tif image)"


def not_a_file(path: Path, what: str) -> str | None:
    """Why `path` given for `what` (a photograph, a label map) cannot be read as a file, or None:
    a folder was called "no such file"."""
    if path.is_dir():
        return f"is a folder, not {what}: give the file"
    if not path.exists():
        return "no such file"
    if not path.is_file():
        return f"is not a regular file (a device or pipe), not {what}"
    return None


class _Header(NamedTuple):
    """What read_photo learns of a photograph from one opening of it (_declared)."""

    shape: tuple  # as read_photo's array will have it
    itemsize: int  # bytes per sample
    im: object  # the Pillow image that decodes it, None where tifffile reads it
    fh: object  # the file, open in read_photo's ExitStack until it is decoded
    marks: tuple[str, str]  # (Software, Description): saved_marks.image_marks'
    page: tuple | None  # a TIFF's first page (software, dtype, shape): _napari_saved's


def _declared(path: Path, opened: contextlib.ExitStack) -> _Header:
    """A photograph's _Header, the file opened once and left open in `opened` for read_photo to
    decode (an 8-bit TIFF had been opened 7 times per read_photo: for its marks, its page chain
    twice, tifffile's and Pillow's headers, the napari-layer test; a 16-bit one 5 times), from the
    file's header: Pillow had opened it again to decode it, walking a PNG's chunks a second time
    (0.13 s of read_photo's 0.43 s CPU for a 4000 x 3000 px PNG). A TIFF's page chain is walked
    first (the scan reader's check_tiff_pages): a bad first offset ended in "list index out of
    range" after a stray tifffile log line. Only a TIFF of more than 8 bits a sample (16-bit colour,
    float), or whose image spans pages (an RGB array tifffile wrote as grey rows: Pillow read the
    first, a grey strip), is read by tifffile; an 8-bit one is read by Pillow as a PNG or JPEG is
    (image_rgb.rgb_image): tifffile read it as stored, so an alpha channel was dropped (a cut-out's
    surround black), a CMYK TIFF's inks taken for red, green and blue (cyan read red), and an
    EXIF-turned one refused as of another aspect ratio. Pillow failing on one tifffile reads,
    tifffile reads it as before. Its upright size comes from its own tags: Pillow 13 gives a turned
    TIFF's upright size on opening it yet keeps the tag until loading it, older Pillows the size as
    stored."""
    fh = opened.enter_context(open(path, "rb"))
    if path.suffix.lower() in TIFF_SUFFIXES:
        import tifffile

        from ..saved_marks import tiff_marks
        from ..tiff_pages import check_tiff_pages

        check_tiff_pages(path, fh)
        fh.seek(0)
        with quiet_tifffile(), tifffile.TiffFile(fh) as tf:  # leaves fh open
            series = tf.series[0]
            page = tf.pages[0]
            marks = tiff_marks(page)
            facts = _page_facts(page)
            by_tifffile = _Header(
                tuple(series.shape), series.dtype.itemsize, None, fh, marks, facts
            )
            turn = page.tags.get(EXIF_ORIENTATION)
            upright = (page.imagelength, page.imagewidth)[
                :: -1 if turn is not None and turn.value in (5, 6, 7, 8) else 1
            ]
        if series.dtype.itemsize > 1 or len(series.pages) > 1:
            # a series across pages (an RGB array tifffile wrote as grey rows): Pillow reads
            # its first page only, a grey strip
            return by_tifffile
        try:
            return _pillow_declared(path, opened, fh, upright)._replace(marks=marks, page=facts)
        except (OSError, SyntaxError):  # a compression or layout this Pillow cannot read
            return by_tifffile
    return _pillow_declared(path, opened, fh)


def _pillow_declared(path: Path, opened, fh, upright: tuple | None = None) -> _Header:
    """_declared's answer for a file Pillow reads from `fh`, its image kept in `opened` (a
    TIFF's `upright` size from its own tags)."""
    from PIL import ImageMode

    im = opened.enter_context(open_image(path, fh))
    hw = upright or (im.height, im.width)[:: -1 if exif_turn(im) in (5, 6, 7, 8) else 1]
    marks = im.info.get("Software", ""), im.info.get("Description", "")
    if im.mode in _CONVERTED or im.mode in ("RGBA", "RGBa", "PA"):
        return _Header(hw + (3,), 1, im, fh, marks, None)
    mode = ImageMode.getmode(im.mode)
    bands = len(mode.bands)
    shape = hw + ((bands,) if bands > 1 else ())
    return _Header(shape, np.dtype(mode.typestr).itemsize, im, fh, marks, None)


#: What to do about a photograph too big for memory.
_SMALLER = (
    "save it smaller (any size of the scan's aspect ratio), or close other scans or programs "
    "and try again"
)


def check_photo_memory(declared, itemsize: int, path, budget: int) -> None:
    """Refuse a photograph whose reading needs more than half of `budget`, what this process may
    still allocate (the caller's memory.memory_budget()): the limit is memory, not a pixel
    count. Refused as errors.CubeOutOfMemory, memory's fault and not the file's: a command exits
    1 (out of memory), where it exited 2 (bad input) as for a damaged file."""
    from ..errors import CubeOutOfMemory
    from ..fileutil import size_text

    h, w = declared[:2]
    samples = h * w * (declared[2] if len(declared) > 2 else 1)
    need = samples * PHOTO_BYTES_PER_SAMPLE.get(itemsize, PHOTO_BYTES_OTHER)
    if need > 0.5 * budget:
        raise CubeOutOfMemory(
            path,
            f"the photograph is {pixels_text(declared)} ({h * w / 1e6:.0f} Mpx) and reading it "
            f"needs about {size_text(need)}, more than half of the {size_text(budget)} this "
            f"process may still allocate: {_SMALLER}",
        )


def saved_layer_warning(path, shape) -> str:
    """Why `path`, given as the photograph of a scan of `shape` (H, W), may be a result layer
    napari saved ("" if not): a float RGB TIFF of exactly the scan's size that tifffile wrote
    with nothing else said of it, as napari's File > Save Selected Layers writes an image layer.
    A Recolour layer saved so bears none of write_image's marks (made_by_xrf_napari), and was
    taken as the painting's photograph, the SmallUViT's guess fed back as evidence. Said, not
    refused: a photograph registered in a script may be saved so too. The header alone is read."""
    path = Path(path)
    if path.suffix.lower() not in TIFF_SUFFIXES:
        return ""
    try:
        import tifffile

        with quiet_tifffile(), tifffile.TiffFile(path) as tif:
            page = tif.pages[0]
            saved = _napari_saved(_page_facts(page), shape)
    except Exception:  # not a TIFF it can read: read_photo names the fault
        return ""
    return _saved_layer_text(path, shape) if saved else ""


def _page_facts(page) -> tuple:
    """A TIFF page's (software, dtype, shape): what _napari_saved tests, read by _declared
    (_Header.page) and by saved_layer_warning."""
    return page.software, page.dtype, tuple(page.shape)


def _napari_saved(page: tuple, shape) -> bool:
    """saved_layer_warning's test on a TIFF's first page (_page_facts)."""
    software, dtype, page_shape = page
    return (
        software == "tifffile.py"
        and np.dtype(dtype).kind == "f"
        and len(page_shape) == 3
        and page_shape[2] in (3, 4)
        and tuple(page_shape[:2]) == tuple(shape)
    )


def _saved_layer_text(path, shape) -> str:
    """saved_layer_warning's words."""
    return (
        f"{path}: a float RGB TIFF of exactly the scan's {shape[0]} x {shape[1]} pixels that "
        "tifffile wrote with nothing else said of it, as napari saves an image layer "
        "(File > Save Selected Layers): if it is a Recolour layer saved so, its colours are the "
        "SmallUViT's guess, and read as the painting's photograph the fit only repeats them. "
        "Give a photograph of the painting; the SmallUViT's colours have their own option "
        "(the Pigments panel's SmallUViT box, `pigments --colour-prior`)"
    )


def read_photo(path, shape, budget: int | None = None) -> np.ndarray:
    """A photograph file (.png, .jpg, .tif, ...) on the scan's grid (`photo_on_scan`). Its header
    is checked first (a colour image of the scan's aspect ratio, `check_photo`; with `budget`,
    the bytes this process may still allocate, memory: `check_photo_memory`), so an unusable or
    oversized one is refused before it is decoded."""
    path = Path(path)
    why = not_a_file(path, "a photograph")
    if why:
        raise ValueError(f"{path}: {why}")
    from ..saved_marks import xrf_napari_image

    with contextlib.ExitStack() as opened:  # the file and its Pillow image, decoded below
        try:
            header = _declared(path, opened)
        except IMAGE_FAULTS as exc:
            raise ValueError(image_fault(path, exc)) from None
        declared, itemsize, im, fh = header[:4]
        made = xrf_napari_image(*header.marks)
        if made:
            raise ValueError(
                f"{path}: {made}, not a photograph: its colours are xrf-napari's own, and read as"
                " the painting's they would only repeat them; give a photograph of the painting"
                " (the SmallUViT's colours are --colour-prior's)"
            )
        check_photo(declared, shape, name=str(path))
        if header.page is not None and _napari_saved(header.page, shape):
            from ..errors import warn_outside

            warn_outside(_saved_layer_text(path, shape))
        if budget is not None:
            check_photo_memory(declared, itemsize, path, budget)
        try:
            if im is None:  # 16-bit colour and float TIFFs
                img = _tifffile_read(fh)
            else:
                from .image_rgb import rgb_image

                # as the generator reads a painting (image_rgb.rgb_image): upright by its EXIF
                # Orientation, a transparent surround white (it was its hidden black), a CMYK
                # image through its ICC profile (the plain conversion made it too dark)
                img = np.asarray(rgb_image(im, path))
        except UnknownRangeError as exc:
            raise ValueError(f"{path}: {exc}") from None
        except MemoryError as exc:  # its size was checked above: memory's fault, not the file's
            raise _photo_out_of_memory(path, declared, exc) from None
        except IMAGE_FAULTS as exc:
            img = None
            if im is not None and path.suffix.lower() in TIFF_SUFFIXES:
                # an 8-bit TIFF Pillow opened but cannot decode (a compression it lacks): as before
                with contextlib.suppress(*IMAGE_FAULTS):
                    img = _tifffile_read(fh)
            if img is None:
                raise ValueError(image_fault(path, exc)) from None
    try:
        return photo_on_scan(img, shape, name=str(path))
    except MemoryError as exc:
        raise _photo_out_of_memory(path, declared, exc) from None


def _photo_out_of_memory(path, declared, exc: MemoryError):
    """read_photo's MemoryError past check_photo_memory (an estimate: the system may refuse what
    it seemed to have) as errors.out_of_memory, naming the file and its size, exit 1 in a command:
    it was "cannot read an image: decoding it ran out of memory (corrupt or too big)", exit 2,
    for a header already read whole and a size already checked."""
    from ..errors import out_of_memory

    return out_of_memory(
        path, exc, f"reading it as a photograph ({pixels_text(declared)})", advice=_SMALLER
    )


def _tifffile_read(fh) -> np.ndarray:
    """The TIFF open as `fh` (binary), read whole by tifffile, the file left open."""
    import tifffile

    fh.seek(0)
    with quiet_tifffile():
        return tifffile.imread(fh)


#: Weight of the photograph's CIELAB against the element-line shares (each in [0, 1]) when both
#: place pixels for K-Means: Lab / 50, so lightness spans 0-2 and a, b about -1 to 1.
PHOTO_LAB_SCALE = 1 / 50


def lines_and_photo_points(cube, photo_on_grid, pool: bool = False) -> np.ndarray:
    """`iter_lines_and_photo_points` run to the end."""
    from ..progress import run_to_end

    return run_to_end(iter_lines_and_photo_points(cube, photo_on_grid, pool))


#: Automatic K for regions from element lines + photograph (`embed.cluster` keywords): finer than
#: Embed & cluster's, since the pigment fit reads each region's summed spectrum and a split region
#: costs little while a merged one names half its pixels wrong. Tuning cubes (seed 101), pixels
#: named right with the photograph's prior: K 2-12, tolerance 0.1 (Embed & cluster's) 41.9 %;
#: 2-20, 0.1: 42.8 %; 2-20, 0.2: 48.5 %. Session 64 tried 0.1 (K sat on its bound 20 on both
#: samples and 6 of 24 held-out cubes): mean ARI against the true regions rose (seed 5 0.618 ->
#: 0.692, seed 11 0.591 -> 0.673) but pixels named right fell, 52.5 -> 45.7 % on the 36 seed-101
#: cubes (0.1 worse on 18, better on 9) and 52.8 -> 47.2 % on 10 seed-5 cubes: the closer K merges
#: paints the fit then names as one (/work/runs64/revK64/tune101.py, agg101.py, panel.py;
#: docs/pigments_guide.md, "Find regions' K"). Regions serve the naming, so 0.2 stays.
#: neighbour_null: the Gaussian blob's one region holds only where the points spread under
#: embed.NOISE_SPREAD times the differences of pixels 3 apart (embed.neighbour_noise). The blob
#: alone (its NULL_MARGIN measured on the embedder's 3-D latent) made held-out cubes of 8 and 7
#: paints one region (ARI 0): 0.41 / 0.36 against 0.34 / 0.29. Spread: one-paint scans 0.99-1.24
#: (31 synthetic, 30-50000 counts per pixel), the 24 held-out cubes of seeds 5 and 11 and the two
#: samples 2.6-12.3 (docs/pigments_guide.md).
REGION_K = {"k_range": (2, 20), "tolerance": 0.2, "neighbour_null": True}


def iter_lines_and_photo_points(cube, photo_on_grid, pool: bool = False):
    """Progress generator (rows done, rows) returning (H, W, 22) float32 points for K-Means
    regions when a photograph is at hand: each pixel's element-line shares
    (analysis/line_features.py; what the pigment fit explains) beside its colour in the
    photograph (CIELAB * PHOTO_LAB_SCALE; what X-rays cannot tell). The lines alone merge paints
    of one element and two colours, the photograph alone paints of one colour and two elements.
    Streams the cube in row blocks: one pass over the file. pool: the element lines of each
    pixel's 3 x 3 neighbourhood sum (analysis.pooling: a low-count scan)."""
    from skimage.color import rgb2lab

    from .line_features import line_features

    h, w = cube.shape[:2]
    photo_on_grid = np.asarray(photo_on_grid)
    if photo_on_grid.shape[:2] != (h, w):
        raise ValueError(
            f"the photograph on the scan's grid is {photo_on_grid.shape[:2]}, the scan {(h, w)}"
        )
    feats = line_features()
    out = np.empty((h, w, len(feats.elements) + 3), np.float32)
    yield 0, h
    from .pooling import canonical_blocks

    for sl, block in canonical_blocks(cube, pool):
        rows = block.shape[0]
        out[sl, :, :-3] = feats(block.reshape(rows * w, -1)).reshape(rows, w, -1)
        yield sl.stop, h
    out[..., -3:] = rgb2lab(photo_on_grid[..., :3].astype(np.float64)) * PHOTO_LAB_SCALE
    return out
