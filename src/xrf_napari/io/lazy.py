"""Small lazy array views: the reader's (H, W, C) face over data stored in another layout.

Each view has `shape`, `dtype`, `ndim` and `__getitem__` taking ints/slices (what `Cube.iter_blocks`
and `dask.array.from_array` use); only the requested region is read from the underlying store.
`open_for_row_blocks` opens an HDF5 dataset with a chunk cache sized for those row-block reads;
`open_external` one kept in external raw files, with the folder they were found in.
"""

from __future__ import annotations

import os

import numpy as np


def _normalise_key(key, ndim: int):
    """Key -> (list of slices with step 1 over the full ndim, axes to squeeze, post-steps)."""
    if not isinstance(key, tuple):
        key = (key,)
    if any(k is Ellipsis for k in key):
        i = next(i for i, k in enumerate(key) if k is Ellipsis)
        key = key[:i] + (slice(None),) * (ndim - len(key) + 1) + key[i + 1 :]
    key = key + (slice(None),) * (ndim - len(key))
    if len(key) != ndim:
        raise IndexError(f"too many indices for a {ndim}-D array")
    return key


class _ArrayFace:
    """What an array stand-in answers from its `shape` and `dtype` alone (ndim, size, nbytes,
    len) and how numpy reads it whole (`self[...]`): the lazy views below and ExternalDataset
    each face Cube, dask and napari as an ndarray does, and answer these the same way."""

    shape: tuple
    dtype: np.dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def nbytes(self) -> int:
        return self.size * np.dtype(self.dtype).itemsize

    def __len__(self) -> int:
        return int(self.shape[0])

    def __array__(self, dtype=None, copy=None):
        out = self[...]
        return out.astype(dtype) if dtype is not None else out


class LazyArray(_ArrayFace):
    """Base: subclasses implement `_read(slices)` for a tuple of step-1 slices in (H, W, C)
    order."""

    def __getitem__(self, key):
        key = _normalise_key(key, self.ndim)
        slices, post, squeeze = [], [], []
        for ax, (k, n) in enumerate(zip(key, self.shape)):
            if isinstance(k, slice):
                start, stop, step = k.indices(n)
                if step > 0:
                    stop = max(start, stop)
                    slices.append(slice(start, stop))
                    post.append(slice(None, None, step))
                else:  # negative step: read the covered range, reverse in memory
                    lo = stop + 1
                    slices.append(slice(lo, start + 1))
                    post.append(slice(None, None, step))
            elif isinstance(k, (int, np.integer)):
                i = int(k) + (n if k < 0 else 0)
                if not 0 <= i < n:
                    raise IndexError(f"index {k} out of range for axis {ax} of size {n}")
                slices.append(slice(i, i + 1))
                post.append(slice(None))
                squeeze.append(ax)
            else:
                raise TypeError(
                    f"{type(self).__name__} supports only int and slice indices, got {k!r}"
                )
        out = self._read(tuple(slices))[tuple(post)]
        return out.squeeze(axis=tuple(squeeze)) if squeeze else out

    def _read(self, slices: tuple) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


class ChannelFirstView(LazyArray):
    """(C, H, W) storage (APS MAPS_RAW, TIFF page stacks, ripple `record-by image`) seen as
    (H, W, C); `axes` names other storage orders: the storage axes of (y, x, channel), e.g.
    (2, 1, 0) for a MATLAB [H W C] array, which HDF5 holds as (C, W, H).

    `sources` may hold several same-shape arrays (detector elements): they are summed on read.
    """

    def __init__(self, sources, dtype=None, axes=(1, 2, 0)):
        self.sources = list(sources) if isinstance(sources, (list, tuple)) else [sources]
        self.axes = tuple(int(a) for a in axes)
        if sorted(self.axes) != [0, 1, 2]:
            raise ValueError(f"axes {axes} is not an order of (0, 1, 2)")
        stored = tuple(int(s) for s in self.sources[0].shape)
        for s in self.sources[1:]:
            if tuple(s.shape) != stored:
                raise ValueError(f"detector arrays differ in shape: {tuple(s.shape)} vs {stored}")
        self.shape = tuple(stored[a] for a in self.axes)
        base = np.dtype(self.sources[0].dtype)
        if dtype is None:
            dtype = base if len(self.sources) == 1 else _sum_dtype(base)
        self.dtype = np.dtype(dtype)

    def _read(self, slices):
        key = [None, None, None]
        for out_axis, stored_axis in enumerate(self.axes):
            key[stored_axis] = slices[out_axis]
        total = None
        for src in self.sources:
            part = np.asarray(src[tuple(key)])
            if total is None:
                total = part.astype(self.dtype)
            elif np.can_cast(part.dtype, total.dtype):
                total += part  # in place: no second block-sized array
            else:
                total = total + part
        return np.ascontiguousarray(np.transpose(total, self.axes))


class DetectorElement:
    """One detector element of a 4-D store (its element axis `axis` fixed at `index`) seen as a
    3-D array, so that ChannelFirstView sums the elements as it sums APS's data_a..d, reading
    only the requested region. The elements of one store share one read per region (`views`):
    reading each element apart would decompress every chunk once per element (a pass over 4
    elements in chunks holding all of them took 3.7x as long)."""

    def __init__(self, store, axis: int, index: int, shared: dict):
        self.store, self.axis, self.index, self.shared = store, int(axis), int(index), shared
        shape = tuple(int(s) for s in store.shape)
        self.shape = shape[: self.axis] + shape[self.axis + 1 :]
        self.dtype = np.dtype(store.dtype)

    @classmethod
    def views(cls, store, axis: int) -> list:
        shared: dict = {}
        return [cls(store, axis, i, shared) for i in range(int(store.shape[axis]))]

    def __getitem__(self, key):
        key = tuple(key)
        whole = key[: self.axis] + (slice(None),) + key[self.axis :]
        last = self.shared.get("read")  # one (key, block) tuple: threads may race, not corrupt
        if last is None or last[0] != whole:
            last = self.shared["read"] = (whole, np.asarray(self.store[whole]))
        if self.index == self.store.shape[self.axis] - 1:
            self.shared.pop("read", None)  # the last element: do not keep the block
        return last[1][(slice(None),) * self.axis + (self.index,)]  # a view, not a copy


class GriddedSpectra(LazyArray):
    """Spectra stored as a list (N, C) placed on an (H, W) grid by an index map (Crono HDF5).

    Pixels whose index is negative or beyond N (not measured) read as zeros.
    """

    def __init__(self, spectra, index_map: np.ndarray):
        self.spectra = spectra
        self.index = (
            np.asarray(index_map).reshape(index_map.shape[0], index_map.shape[1]).astype(np.int64)
        )
        n, c = (int(s) for s in spectra.shape)
        self.n_spectra = n
        self.shape = (self.index.shape[0], self.index.shape[1], c)
        self.dtype = np.dtype(spectra.dtype)

    def _read(self, slices):
        ys, xs, cs = slices
        idx = self.index[ys, xs]
        out = np.zeros(idx.shape + (cs.stop - cs.start,), dtype=self.dtype)
        valid = (idx >= 0) & (idx < self.n_spectra)
        if valid.any():
            wanted = np.unique(idx[valid])
            # one contiguous read covering the wanted spectra: h5py needs sorted indices and a
            # block of a few rows is contiguous in acquisition order anyway
            lo, hi = int(wanted[0]), int(wanted[-1]) + 1
            if hi - lo <= 2 * len(wanted) + 64:
                block = np.asarray(self.spectra[lo:hi, cs])
                out[valid] = block[idx[valid] - lo]
            else:  # scattered indices: read only those rows (sorted, as h5py requires)
                block = np.asarray(self.spectra[wanted.tolist(), cs])
                out[valid] = block[np.searchsorted(wanted, idx[valid])]
        return out


def _sum_dtype(dt: np.dtype) -> np.dtype:
    """A type that holds the sum of a few detector elements without overflow."""
    if dt.kind == "f":
        return np.dtype(np.float32) if dt.itemsize <= 4 else dt
    if dt.kind == "u":
        return np.dtype(np.uint32) if dt.itemsize <= 2 else np.dtype(np.uint64)
    return np.dtype(np.int32) if dt.itemsize <= 2 else np.dtype(np.int64)


# -- chunk cache -------------------------------------------------------------------------------
#: Most memory the chunk cache of one dataset may hold.
MAX_CHUNK_CACHE_BYTES = 256 * 2**20


def row_band_bytes(shape, chunks, itemsize: int, row_axis: int = 0) -> int:
    """Bytes of one band of chunks across the row axis (all chunks sharing a chunk row).

    Cube operations read row blocks whose edges need not fall on chunk edges: a chunk cut by a block
    edge is read by two blocks, and unless the whole band stays cached it is read and decompressed
    twice (or, with blocks thinner than chunks, once per block).
    """
    n = 1
    for ax, (s, c) in enumerate(zip(shape, chunks)):
        if ax != row_axis:
            n *= -(-int(s) // int(c))
    return n * int(np.prod(chunks)) * int(itemsize)


def open_for_row_blocks(f, name: str, row_axis: int = 0):
    """Dataset `name` opened with a chunk cache holding one band of chunks (capped at
    MAX_CHUNK_CACHE_BYTES), so streaming row blocks decompresses every chunk once.

    HDF5 gives every handle of an open dataset the first handle's cache: the caller must hold no
    other handle of it. The cache fills only with chunks actually read. A dataset kept in
    external raw files (contiguous: no chunk cache) is opened by open_external instead, so that
    HDF5 finds them from any working directory.
    """
    import h5py

    d = f[name]
    # re-opened by the path it was reached by: d.name is its path in the file holding it, which
    # an external link makes another file (that path in this one named nothing, or another
    # dataset)
    path = name if isinstance(name, bytes) else str(name).encode()
    if isinstance(d, h5py.Dataset) and d.external:
        del d
        return open_external(f, path)
    if not isinstance(d, h5py.Dataset) or d.chunks is None or d.ndim not in (3, 4):
        return d
    need = row_band_bytes(d.shape, d.chunks, d.dtype.itemsize, row_axis)
    nslots, nbytes, w0 = d.id.get_access_plist().get_chunk_cache()
    if need <= nbytes:
        return d
    chunk_bytes = int(np.prod(d.chunks)) * d.dtype.itemsize
    size = int(min(need + chunk_bytes, MAX_CHUNK_CACHE_BYTES))
    dapl = h5py.h5p.create(h5py.h5p.DATASET_ACCESS)
    dapl.set_chunk_cache(_prime_at_least(max(nslots, 10 * (size // chunk_bytes + 1))), size, w0)
    del d
    return h5py.Dataset(h5py.h5d.open(f.id, path, dapl))


def open_external(f, name: bytes) -> ExternalDataset:
    """Dataset `name`, whose data lies in external raw files, read with the folder where
    limits.check_dataset found them (limits.external_folder: beside the file, or beside the file
    a symbolic link points to) as HDF5's external-file prefix. Without it HDF5 looks for a
    relative raw file in the working directory, and such a scan opened only from its own folder.
    The caller must hold no other handle of it (see ExternalDataset)."""
    import h5py

    from .limits import external_folder

    d = h5py.Dataset(h5py.h5d.open(f.id, name))
    folder = os.path.abspath(external_folder(d, f.filename))
    del d
    dapl = h5py.h5p.create(h5py.h5p.DATASET_ACCESS)
    dapl.set_efile_prefix(os.fsencode(folder))
    return ExternalDataset(f.id, name, dapl)


def read_whole(d, path) -> np.ndarray:
    """Dataset `d` of the file `path` read whole; one kept in external raw files read from beside
    the file (read_external), not looked for by HDF5 in the working directory ("unable to open
    external raw data file" from anywhere but the file's folder): an auxiliary dataset
    (hdf5.small), a training cube's counts and labels (training.data.read_cube_arrays)."""
    if getattr(d, "external", None):
        return read_external(d, path)
    return np.asarray(d[()])


def read_external(d, path) -> np.ndarray:
    """The whole of a small dataset `d` (an energy vector, live times, an index map) kept in
    external raw files, read from the files limits.check_dataset found and checked (beside the
    file holding it: limits.external_segments), segment by segment as HDF5 would. Read through
    h5py, HDF5 looked for them in the working directory, so such a side dataset failed 'unable
    to open external raw data file' from anywhere but the scan's folder; and it cannot be opened
    with an external-file prefix while the caller holds the plain handle it was found by (HDF5:
    'new external file prefix does not match'), as open_external does for the cube."""
    from .limits import StorageError, external_segments

    dtype = np.dtype(d.dtype)
    total = int(d.size) * dtype.itemsize
    parts, got = [], 0
    for _name, src, offset, size in external_segments(d, path):
        if got >= total:
            break
        want = min(int(size), total - got)  # an unlimited last segment holds the rest
        try:
            with open(src, "rb") as fh:
                fh.seek(int(offset))
                part = fh.read(want)
        except OSError as exc:
            raise StorageError(
                path, f"cannot read {src}, which holds dataset '{d.name}' ({exc.strerror or exc})"
            ) from None
        if len(part) < want:  # shortened since check_dataset looked
            raise StorageError(
                path, f"dataset '{d.name}': {src} ended before its {want} bytes: it is truncated"
            )
        parts.append(part)
        got += want
    return np.frombuffer(b"".join(parts), dtype=dtype, count=int(d.size)).reshape(d.shape).copy()


class ExternalDataset(_ArrayFace):
    """An h5py dataset with external raw files, opened with its external-file prefix for each
    read and each attribute asked, and closed after. HDF5 refuses to open a dataset that is open
    with another prefix ('new external file prefix does not match'): a handle held for the
    cube's life made every later plain open of it fail, e.g. reading the same scan again while
    it is open in napari. Holds the file's id, which keeps the file open."""

    chunks = None  # external storage is contiguous

    def __init__(self, fid, name: bytes, dapl):
        self._fid, self._name, self._dapl = fid, name, dapl
        d = self._open()
        self.shape, self.dtype, self.name = tuple(d.shape), d.dtype, d.name

    def _open(self):
        import h5py

        return h5py.Dataset(h5py.h5d.open(self._fid, self._name, self._dapl), readonly=True)

    def __getitem__(self, key):  # any key h5py takes (GriddedSpectra reads sorted index lists)
        return self._open()[key]

    def __getattr__(self, attr):  # attrs, parent, external, id...: asked of a handle opened now
        if attr.startswith("_"):
            raise AttributeError(attr)
        return getattr(self._open(), attr)


def _prime_at_least(n: int) -> int:
    """HDF5 hashes chunks into rdcc_nslots slots: a prime count spreads them best."""
    n = max(int(n), 2)
    while any(n % p == 0 for p in range(2, int(n**0.5) + 1)):
        n += 1
    return n
