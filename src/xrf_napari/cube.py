"""The datacube: a lazy (height, width, channels) array with its energy calibration.

Every part of the plugin (readers, maps, embedding, recolouring, widgets) passes `Cube` objects.
The data stays where the reader put it (numpy memmap, h5py dataset, zarr or dask array) and is
only read in row blocks of bounded size, so whole-painting scans larger than memory work.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .energy import CALIBRATION_TERMS, Calibration

#: Default bytes per block read from the file. Large enough to amortise per-call overhead of
#: h5py/zarr, small enough that a few blocks in flight stay far below the machine's memory.
DEFAULT_BLOCK_BYTES = 64 * 2**20


@dataclass(eq=False)
class Cube:
    """A spectral image. `data[y, x, :]` is the spectrum of pixel (y, x); `energy` in keV.

    Equality and hash are by identity (eq=False): comparing the data of two lazy cubes would read
    them, and a cube must be usable as a key of per-cube caches. The data is treated as read-only:
    the per-pixel sum and the sum and max-pixel spectra, once a pass has computed them, are kept
    (opening an uncalibrated file needs the sum right after the automatic calibration's pass, which
    computes it on the way; the napari reader makes that pass itself, stoppable, in a worker).
    """

    data: Any
    calibration: Calibration
    live_time: Any | None = None
    metadata: dict = field(default_factory=dict)
    path: Path | None = None
    _sum_image: np.ndarray | None = field(default=None, init=False, repr=False)
    _spectra: tuple[np.ndarray, np.ndarray] | None = field(default=None, init=False, repr=False)
    #: The cube layer's contrast sample, kept from read_cube's opening check (errors.sample_counts)
    #: for the napari reader, which asks for it (keep_contrast_sample) and takes it; else None.
    opening_sample: np.ndarray | None = field(default=None, init=False, repr=False)
    #: What the scan's files were when read (io.mapped.FileStamp, set by read_cube), to tell
    #: once that one was replaced or changed on disk meanwhile; None: not looked at.
    file_stamp: Any = field(default=None, repr=False)
    #: (live_time, its LiveTimeScale) once asked for: live_time_scale's, made once per live time.
    _live_time_scale: tuple | None = field(default=None, init=False, repr=False)

    def __post_init__(self):
        shape = getattr(self.data, "shape", None)
        if shape is None or len(shape) != 3:
            where = f" in {self.path}" if self.path else ""
            raise ValueError(
                f"a cube must be 3-D (height, width, channels); got shape {shape}{where}"
            )
        if min(shape) < 1:
            raise ValueError(f"cube has an empty axis: shape {shape}")

    # -- basic properties -------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(int(s) for s in self.data.shape)

    @property
    def n_channels(self) -> int:
        return self.shape[2]

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.data.dtype)

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape)) * self.dtype.itemsize

    @property
    def energy(self) -> np.ndarray:
        return self.calibration.energy(self.n_channels)

    @property
    def name(self) -> str:
        return self.path.stem if self.path else self.metadata.get("name", "cube")

    def with_calibration(self, calibration: Calibration) -> Cube:
        """The same data with another calibration (e.g. one the user fitted). The tube read off
        the scatter lines under the old one (detector.SEEN_ANODE_KEY) is dropped where the energies
        change: a reading of peaks at energies no longer theirs, which known_anode kept naming."""
        from .detector import SEEN_ANODE_KEY

        metadata = dict(self.metadata)
        if any(getattr(calibration, t) != getattr(self.calibration, t) for t in CALIBRATION_TERMS):
            metadata.pop(SEEN_ANODE_KEY, None)
        out = Cube(self.data, calibration, self.live_time, metadata, self.path)
        out.file_stamp = self.file_stamp  # one file read: told once, whichever cube reads it
        out._sum_image = self._sum_image  # same data, same per-pixel sums and spectra
        out._spectra = self._spectra
        out.opening_sample = self.opening_sample
        out._live_time_scale = self._live_time_scale  # the same live times
        return out

    def live_time_scale(self) -> LiveTimeScale | None:
        """What brings each pixel's counts to those of the scan's median live time (the maps
        and the sum image: LiveTimeScale), or None where the cube has no live times or all its
        pixels share one (the (H, W) live times are read whole: small). Made once per live time
        (a live_time assigned anew is looked at again): 0.1 s of CPU at 2000 x 2000 pixels, and
        opening a scan, Make maps (on the GUI thread too) and quicklook each asked 2-5 times."""
        known = self._live_time_scale
        if known is None or known[0] is not self.live_time:
            known = (self.live_time, LiveTimeScale.of(self.live_time, self.shape[:2]))
            self._live_time_scale = known
        return known[1]

    def pixel_live_s(self, row: int, col: int) -> float | None:
        """Pixel (row, col)'s live time in seconds where the scan's pixels' differ (its maps and
        sum image are then scaled, its spectrum is not: the Spectrum panel's legend says it);
        None where they do not, or the pixel's is not a number."""
        if self.live_time_scale() is None:
            return None
        t = float(self.live_time[row, col])
        return t if np.isfinite(t) else None

    def at_median_live_time(self, image: np.ndarray) -> np.ndarray:
        """`image` (H, W) or (H, W, n), of this cube's counts (its maps, its sum image), brought
        in place to the scan's median live time where its pixels' live times differ
        (live_time_scale), and returned."""
        scale = self.live_time_scale()
        return image if scale is None else scale.apply(image)

    # -- streaming --------------------------------------------------------------------------
    def rows_per_block(self, block_bytes: int = DEFAULT_BLOCK_BYTES) -> int:
        h, w, c = self.shape
        row_bytes = w * c * max(self.dtype.itemsize, 4)  # blocks are converted to >= 4-byte types
        return int(max(1, min(h, block_bytes // max(row_bytes, 1))))

    def iter_blocks(
        self, block_bytes: int = DEFAULT_BLOCK_BYTES
    ) -> Iterator[tuple[slice, np.ndarray]]:
        """Yield (row slice, block) with block a numpy array of shape (rows, width, channels)."""
        h = self.shape[0]
        step = self.rows_per_block(block_bytes)
        for y0 in range(0, h, step):
            sl = slice(y0, min(h, y0 + step))
            yield sl, self.read_rows(sl)
            release_mapped_pages(self.data)
        self.metadata["values_checked"] = True  # a whole pass validated every value

    def read_rows(self, sl: slice, channels: slice = slice(None)) -> np.ndarray:
        """Rows `sl` (all or `channels`) as a numpy array, without a whole pass; for a cube read
        from a file, a store error or bad values (NaN, inf, negative) become a CubeReadError
        naming the file and rows (errors.py)."""
        return self._read((sl, slice(None), channels))

    def read_pixel(self, y: int, x: int) -> np.ndarray:
        """The spectrum of pixel (y, x) (C,), read as read_rows reads: a store error or bad
        values in words naming the file and pixel, a file changed on disk told once. The
        Spectrum dock's pixel curve and recolour read cube.data[y, x] directly: a damaged
        chunk said "OSError: Can't synchronously read data (filter returned failure ...)", a
        mapped file cut short its bare refusal, and a file replaced was never told there."""
        return self._read((slice(y, y + 1), slice(x, x + 1), slice(None)))[0, 0]

    def read_region(self, rows: slice, cols: slice) -> np.ndarray:
        """Rows `rows`, columns `cols`, all channels, read as read_rows reads (the napari
        reader's contrast sample: it read cube.data straight, and a file replaced since the scan
        was read was not told there)."""
        return self._read((rows, cols, slice(None)))

    def _read(self, key: tuple) -> np.ndarray:
        """data[key] (a key of slices), checked as read_rows says."""
        if self.path is None:
            return np.asarray(self.data[key])
        from .errors import CubeReadError, check_block, read_block, warn_outside

        try:
            block = read_block(self.data, key, self.path, check=False)
        except CubeReadError as exc:
            told = self.failure_with_news(exc)
            if told is exc:
                raise
            raise told from exc
        news = self.file_changed()
        if news:
            warn_outside(news)
        if not self.metadata.get("values_checked"):
            # after the notice: bad values of a file rewritten in place (the notice is why) had
            # used it up, and the user was told of the values only
            check_block(block, key, self.path)
        return block

    def file_changed(self, every: bool = False) -> str | None:
        """The first time the scan's file is seen replaced, changed or gone on disk since it was
        read (file_stamp), what that means, naming it; else None. every: look at all the files
        it reads (FileStamp.changed), as after a failed read."""
        stamp = self.file_stamp
        return None if stamp is None else stamp.changed(every)

    def failure_with_news(self, error: BaseException) -> BaseException:
        """`error` (a read of the scan that failed), saying also the file it reads that was
        replaced, changed or gone since (file_changed, all files looked at), where the error
        does not name that file already (the file shrank...: the refusal says what to do). The
        news had been used up there unseen: an HDF5 scan's replaced external source read as
        "reading rows 0-15 failed ...; the file may be corrupt or truncated", naming the .h5."""
        from .errors import CubeReadError

        news = self.file_changed(every=True)
        if news is None or news.split(": ", 1)[0] in str(error):
            return error
        problem = error.problem if isinstance(error, CubeReadError) else str(error)
        return CubeReadError(self.path, f"{problem}. It may be why: {news}")

    def iter_sum_spectrum(self, block_bytes: int = DEFAULT_BLOCK_BYTES):
        """Progress generator (rows done, rows total) returning sum_spectrum (see progress.py)."""
        h = self.shape[0]
        total = np.zeros(self.n_channels, dtype=np.float64)
        yield 0, h
        for sl, block in self.iter_blocks(block_bytes):
            total += block.sum(axis=(0, 1), dtype=np.float64)
            yield sl.stop, h
        return total

    def sum_spectrum(self, block_bytes: int = DEFAULT_BLOCK_BYTES) -> np.ndarray:
        """Counts summed over all pixels, per channel (float64)."""
        from .progress import run_to_end

        return run_to_end(self.iter_sum_spectrum(block_bytes))

    def sum_and_max_spectra(
        self, block_bytes: int = DEFAULT_BLOCK_BYTES, on_block=None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(sum spectrum, max-pixel spectrum) in one pass over the file, which also leaves the sum
        image; computed once per cube. The max-pixel spectrum shows minor, local elements that the
        sum drowns (used by automatic calibration). on_block(row slice, block) sees each block of
        that pass, if one is made (an exception it raises stops the pass, nothing kept)."""
        if self._spectra is None:
            total = np.zeros(self.n_channels, dtype=np.float64)
            peak = np.full(self.n_channels, -np.inf)
            image = np.empty(self.shape[:2], dtype=np.float64)
            for sl, block in self.iter_blocks(block_bytes):
                if on_block is not None:
                    on_block(sl, block)
                image[sl] = block.sum(axis=2, dtype=np.float64)
                total += block.sum(axis=(0, 1), dtype=np.float64)
                np.maximum(peak, block.max(axis=(0, 1)), out=peak)
            self._sum_image = image
            self._spectra = (total, peak)
        return self._spectra[0].copy(), self._spectra[1].copy()

    def max_spectrum(self, block_bytes: int = DEFAULT_BLOCK_BYTES) -> np.ndarray:
        """Per-channel maximum over pixels ('max-pixel spectrum')."""
        return self.sum_and_max_spectra(block_bytes)[1]

    @property
    def has_sum_image(self) -> bool:
        """sum_image() is known: asking for it reads nothing."""
        return self._sum_image is not None

    def sum_image(self, block_bytes: int = DEFAULT_BLOCK_BYTES, on_block=None) -> np.ndarray:
        """Total counts per pixel (H, W); computed once per cube (see the class docstring).
        on_block(row slice, block) sees each block of that pass, if one is made: a caller gathers
        what else it needs from the same read (the napari reader's contrast sample)."""
        if self._sum_image is None:
            out = np.empty(self.shape[:2], dtype=np.float64)
            for sl, block in self.iter_blocks(block_bytes):
                out[sl] = block.sum(axis=2, dtype=np.float64)
                if on_block is not None:
                    on_block(sl, block)
            self._sum_image = out
        return self._sum_image.copy()

    def window_maps(self, windows, block_bytes: int = DEFAULT_BLOCK_BYTES) -> np.ndarray:
        """Counts integrated in energy windows: (n_windows, H, W) float32, one pass over the file.

        windows: sequence of (e_lo, e_hi) in keV. Channels whose centre lies in [e_lo, e_hi) count.
        A window is a contiguous channel range (energy rises with channel), so each block is summed
        over channel slices only: the other channels of a spectrum are never converted or multiplied
        (15x faster than a block @ selection-matrix product on a uint8 M6 cube).
        """
        windows = np.asarray(windows, dtype=np.float64).reshape(-1, 2)
        e = self.energy
        ranges = []
        for lo, hi in windows:
            idx = np.nonzero((e >= lo) & (e < hi))[0]
            if idx.size and idx[-1] - idx[0] + 1 != idx.size:  # not contiguous: general fallback
                return self._window_maps_matrix(windows, block_bytes)
            ranges.append((int(idx[0]), int(idx[-1]) + 1) if idx.size else (0, 0))
        acc = np.float64 if self.dtype.kind == "f" else np.int64
        out = np.zeros((len(windows),) + self.shape[:2], dtype=np.float32)
        lo_all = min((a for a, b in ranges if b > a), default=0)
        hi_all = max((b for a, b in ranges if b > a), default=0)
        if hi_all <= lo_all:
            return out
        for sl, block in self._iter_channel_blocks(lo_all, hi_all, block_bytes):
            for k, (a, b) in enumerate(ranges):
                if b > a:
                    out[k, sl] = block[..., a - lo_all : b - lo_all].sum(axis=-1, dtype=acc)
        return out

    def _iter_channel_blocks(self, c0: int, c1: int, block_bytes: int):
        """Row blocks restricted to channels [c0, c1): lazy stores read only that channel span."""
        h, w, _ = self.shape
        row_bytes = w * (c1 - c0) * max(self.dtype.itemsize, 4)
        step = int(max(1, min(h, block_bytes // max(row_bytes, 1))))
        for y0 in range(0, h, step):
            sl = slice(y0, min(h, y0 + step))
            yield sl, self.read_rows(sl, slice(c0, c1))

    def _window_maps_matrix(self, windows, block_bytes: int) -> np.ndarray:
        e = self.energy
        sel = np.stack([(e >= lo) & (e < hi) for lo, hi in windows], axis=1).astype(np.float32)
        out = np.empty((len(windows),) + self.shape[:2], dtype=np.float32)
        for sl, block in self.iter_blocks(block_bytes):
            # (rows, W, C) @ (C, n) -> (rows, W, n)
            out[:, sl] = np.moveaxis(block.astype(np.float32, copy=False) @ sel, -1, 0)
        return out

    # -- canonical resampling -------------------------------------------------------------
    def canonical_rebinner(self):
        """A function mapping a (..., C) block of this cube to (..., 512) canonical-grid counts."""
        from .energy import canonical_rebinner

        return canonical_rebinner(self.calibration, self.n_channels)

    def iter_canonical_blocks(self, block_bytes: int = DEFAULT_BLOCK_BYTES):
        """Yield (row slice, (rows, W, 512) float32 canonical counts)."""
        rebin = self.canonical_rebinner()
        for sl, block in self.iter_blocks(block_bytes):
            yield sl, rebin(block)

    def to_canonical(self, block_bytes: int = DEFAULT_BLOCK_BYTES) -> np.ndarray:
        """The whole cube on the canonical grid, (H, W, 512) float32: for cubes that fit memory."""
        from .energy import CANONICAL_N_CHANNELS

        h, w, _ = self.shape
        out = np.empty((h, w, CANONICAL_N_CHANNELS), dtype=np.float32)
        for sl, block in self.iter_canonical_blocks(block_bytes):
            out[sl] = block
        return out


@dataclass(frozen=True, eq=False)
class LiveTimeScale:
    """Counts of pixels counted for different live times (APS XRF-Maps' first column 1.21 s,
    the rest 0.50 s: its maps and sum image 2.4x brighter there, read as more Ca, Fe and Cu along
    the edge) brought to the scan's median live time: `factor` (H, W) = median / live time.
    The median, not counts per second: the values stay counts per pixel (those of a pixel of the
    scan's usual live time, most pixels' own), so the maps' totals, noise and the contrast of
    earlier work stay on their scale. Pixels of no positive live time (Crono's pixels no spectrum
    fills, 0 s) keep their counts (factor 1)."""

    factor: np.ndarray
    median_s: float
    low_s: float
    high_s: float

    @classmethod
    def of(cls, live_time, hw) -> LiveTimeScale | None:
        if live_time is None or tuple(live_time.shape) != tuple(hw):
            return None
        t = np.asarray(live_time[...], dtype=np.float64)
        ok = np.isfinite(t) & (t > 0)
        if not ok.any():
            return None
        lo, hi = float(t[ok].min()), float(t[ok].max())
        if hi <= lo * (1 + 1e-6):  # one live time throughout: the counts stay as they are
            return None
        median = float(np.median(t[ok]))
        factor = np.ones(t.shape, dtype=np.float32)
        factor[ok] = median / t[ok]
        factor.flags.writeable = False  # shared by every caller of the cube's scale
        return cls(factor, median, lo, hi)

    @property
    def words(self) -> str:
        """How the values were scaled, for a status line, a layer's or a TIFF's record."""
        return (
            f"scaled to the scan's median live time of {self.median_s:.3g} s; its pixels' "
            f"live times run {self.low_s:.3g}-{self.high_s:.3g} s"
        )

    def apply(self, image: np.ndarray) -> np.ndarray:
        """`image` (H, W) or (H, W, n) scaled in place, and returned."""
        f = self.factor if image.ndim == 2 else self.factor[..., None]
        image *= f
        return image


def release_mapped_pages(data) -> None:
    """Release the pages of a read-only np.memmap that a pass or a sample has already read, so
    streaming a large file keeps the process's resident memory near one block (the OS page cache
    still holds the file, so touching them again costs no disk read). No-op for other stores and
    for writable maps: a copy-on-write map (mode "c") would lose its changes, the file's values
    coming back in their place. A lazy view's maps are released (stores_under): behind a
    ChannelFirstView (TIFF page stacks, a ripple image layout, a channel-first .npy) nothing was,
    and a pass kept every page it had read."""
    from .errors import stores_under

    for store in stores_under(data):
        _release_map(store)


def _release_map(data) -> None:
    import mmap

    mm = getattr(data, "_mmap", None)
    if mm is None or not hasattr(mm, "madvise") or not hasattr(mmap, "MADV_DONTNEED"):
        return
    if data.flags.writeable:
        return
    try:
        mm.madvise(mmap.MADV_DONTNEED)
    except (OSError, ValueError):
        pass


def cube_from_array(array, calibration: Calibration | None = None, **metadata) -> Cube:
    """Wrap an in-memory (H, W, C) array (tests, scripts, synthetic data)."""
    cal = calibration or Calibration.uncalibrated()
    return Cube(np.asarray(array) if not hasattr(array, "shape") else array, cal, metadata=metadata)


def pixels_text(shape, order: bool = False) -> str:
    """A scan's (or an image's) first two dimensions as every message says a size, "H x W px":
    the Embed & cluster dock wrote "1 × 1 px" where Recolour and the commands wrote "1 x 1 px"
    of the same single spectrum. `order`: " (H x W)" after it, where a line gives a scan's or a
    written image's size: image viewers and a .rpl header say width first ("414 x 302"), and
    `xrf-napari recolour` said "wrote out.png (302 x 414 px, ...)" of that scan's PNG."""
    return f"{int(shape[0])} x {int(shape[1])} px" + (" (H x W)" if order else "")
