"""The cube and result layers of the viewer: which Cube a layer shows, which scan a result was
made from, adding or updating a result layer, placing it beside its scan, and the pick-lists of
layers the docks share (LayerCombo, CubeLayerCombo).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

from qtpy.QtCore import Signal
from qtpy.QtWidgets import QComboBox

from ..layerkinds import (  # Qt-free, shared with _writer.py; the docks import them from here
    RESULT_KEY,
    YX_LABELS,
    _made_from,
    is_photograph,
    layer_cube,
    layer_type,
    open_files,
    source_file,
)

# the re-exports only the docks use (the others are used here too), not the module's whole API
__all__ = ["is_photograph", "open_files", "source_file"]

#: Layer metadata key of File > Open Sample's scan layers (_sample_data.sample_layers): the
#: sample's file lies in the installed package (or the cache), where no save is suggested.
SAMPLE_KEY = "xrf_sample"


def cube_display_name(viewer, layer) -> str:
    """The name results of a cube are labelled with: its datacube layer's name (unique in the
    viewer), not the name of the "<name> sum" image that the pick-lists prefer; with that layer
    deleted, the scan's own name (results of "painting sum" were labelled "[painting sum]")."""
    cube = layer_cube(layer)
    return cube_layer_name(viewer, cube) or getattr(cube, "name", None) or layer.name


def cube_layer_name(viewer, cube) -> str | None:
    """The name of `cube`'s datacube layer in the viewer (unique there: a second file of one
    name opens as "NG6461 [1]"), or None when that layer is gone."""
    for ly in viewer.layers:
        if layer_cube(ly) is cube and ly.ndim == 3:
            return ly.name
    return None


def cube_layers(viewer) -> list:
    return [ly for ly in viewer.layers if layer_cube(ly) is not None]


def yx_transform(layer) -> tuple[tuple[float, float], tuple[float, float]]:
    """(scale, translate) of the layer's last two (row, column) axes."""
    return tuple(float(v) for v in layer.scale[-2:]), tuple(float(v) for v in layer.translate[-2:])


#: Metadata key of a result Labels layer that marks pixels rather than regions of paint (Recolour's
#: "ambiguous colour" outline: 1 where the lines do not fix the colour).
MASK_KEY = "xrf_mask"


def is_mask(layer) -> bool:
    """A Labels layer xrf-napari made to mark pixels (MASK_KEY), not regions to fit."""
    return MASK_KEY in (getattr(layer, "metadata", None) or {})


def result_cube(layer):
    """The Cube a result layer was made from (None for other layers, or once the Cube is gone)."""
    return _made_from(layer)[0]


def made_for(layer, cube) -> bool:
    """Whether `layer` may be used on `cube`: made from it, or made from no scan (drawn or loaded
    by the user). Another scan's result may not, also once that scan is closed: with two scans
    of one size, its regions would be averaged or fitted on the wrong scan without a word."""
    made, made_as = _made_from(layer)
    return made_as is None or (cube is not None and made is cube)


def labels_for(layer, cube, stacked: bool = False) -> bool:
    """A Labels layer made_for `cube` and of its (rows, columns) size: the regions Pigments fits
    and Spectrum averages. `stacked`: leading axes allowed (Spectrum merges them). Recolour's
    outline (is_mask) marks pixels, not regions: Spectrum offered it as a Region."""
    if layer_type(layer) != "Labels" or cube is None or is_mask(layer) or not made_for(layer, cube):
        return False
    shape = tuple(layer.data.shape)
    return (shape[-2:] if stacked else shape) == tuple(cube.shape[:2])


#: The layers upsert_layer added. napari's Duplicate Layer copies a layer's metadata, RESULT_KEY
#: included: the user's copy (kept before painting over the regions, say) is a result of the scan
#: (offered as its regions, not as a photograph), but never the layer a re-run writes into; with
#: the original deleted, a re-run replaced the copy's data.
_ADDED: weakref.WeakSet = weakref.WeakSet()


def unwrapped(layer):
    """The layer (or viewer, selection) behind napari's public-only proxy (a plugin's viewer
    hands out proxies; widgets may hold different ones)."""
    return getattr(layer, "__wrapped__", layer)


def find_result(viewer, cube, name: str):
    """The layer upsert_layer made from `cube` under `name`, or None. By what it was made from,
    not by its name alone: a renamed scan's results keep their names, and a scan opened later
    under the old name must not take them over (napari names its results "name [1]"). Not a
    duplicate the user made of it (_ADDED)."""
    for ly in viewer.layers:
        made, made_as = _made_from(ly)
        if made is cube and made_as == name and unwrapped(ly) in _ADDED:
            return ly
    return None


def result_name(viewer, cube, kind: str, source: str) -> str:
    """The name of `cube`'s "<kind> [...]" result layer: the one it was made under while that
    layer is in the viewer (the scan may have been renamed since), else "<kind> [<source>]". With
    the name of the moment, a renamed scan's re-run added a second layer beside a stale first."""
    prefix = f"{kind} ["
    for ly in viewer.layers:
        made, made_as = _made_from(ly)
        if made is cube and cube is not None and made_as.startswith(prefix):
            return made_as
    return f"{kind} [{source}]"


def follow_edits(layer, slot, seen: weakref.WeakKeyDictionary) -> None:
    """Call `slot` on each edit of a region layer: a Labels layer's strokes (paint), undo and
    redo (set_data: napari's emit only that) and new data; a Shapes layer's shapes (not its
    set_data: each refresh of a shape dragged would rasterise the shapes again). napari ignores
    a repeated connection. Pigments' fitted regions, the Spectrum dock's region curve, Embed &
    cluster's cluster curves. `seen`: the slot's record for touched_labels, which starts here."""
    kind = layer_type(layer)
    names = {"Labels": ("data", "paint", "set_data"), "Shapes": ("data",)}.get(kind, ())
    for name in names:
        getattr(layer.events, name).connect(slot)
    if kind == "Labels":
        layer = unwrapped(layer)  # (the proxy warns of private attributes)
        seen[layer] = _history_mark(layer)


def _history_mark(layer) -> tuple | None:
    """Where a Labels layer's undo and redo history stand (napari's own, private; None where
    napari has none): an undo or redo moves it, a refresh does not."""
    undo, redo = getattr(layer, "_undo_history", None), getattr(layer, "_redo_history", None)
    if undo is None or redo is None:
        return None
    return len(undo), len(redo), id(undo[-1]) if undo else 0, id(redo[-1]) if redo else 0


def touched_labels(event, seen: weakref.WeakKeyDictionary, replays: bool = False) -> set | None:
    """What a follow_edits event of a Labels layer may have changed, read without the layer's
    array: the slots compared the whole labels array on every event (190 ms at 4000 x 4000 px
    for the Spectrum region), and napari's own refresh of a large layer emits set_data on every
    move of the brush. An empty set: nothing (a set_data with the undo history where `seen`,
    the slot's record, last saw it: a refresh); a stroke's labels, those its pixels had and
    the one they got (napari's history atoms: the stroke's box only); with `replays`, an undo's
    or a redo's alike (the stroke it replayed), for a slot that needs only which labels changed;
    None: any pixel may have changed (new data, an undo or redo without `replays`, a history
    napari writes otherwise)."""
    return edit_touched(*labels_edit(event, seen), replays)


def labels_edit(event, seen: weakref.WeakKeyDictionary) -> tuple[str, list | None]:
    """(what, napari's history item) of a follow_edits event of a Labels layer (touched_labels'
    reading, for a slot that needs the stroke itself): ("refresh", None), ("paint", the stroke),
    ("undo", the stroke undone), ("redo", the stroke redone), or ("data", None) where any pixel
    may have changed (new data, a history napari writes otherwise)."""
    layer = unwrapped(event.source)
    mark, before = _history_mark(layer), seen.get(layer)
    seen[layer] = mark
    kind = getattr(event, "type", None)
    if kind == "set_data":
        if mark is not None and mark == before:
            return "refresh", None
        return _replayed(layer, before, mark)
    if kind != "paint":
        return "data", None
    return "paint", getattr(event, "value", None) or []


def edit_touched(what: str, item, replays: bool = False) -> set | None:
    """touched_labels' answer for labels_edit's (what, item)."""
    if what == "refresh":
        return set()
    if what == "paint" or (replays and what in ("undo", "redo")):
        return _item_labels(item)
    return None


def _replayed(layer, before, mark) -> tuple[str, list | None]:
    """("undo" or "redo", the history item replayed) between the marks `before` and `mark` (one
    step: the undo history one shorter and the redo one longer, or the reverse), else ("data",
    None)."""
    if before is None or mark is None:
        return "data", None
    if mark[:2] == (before[0] - 1, before[1] + 1):
        return "undo", layer._redo_history[-1]
    if mark[:2] == (before[0] + 1, before[1] - 1):
        return "redo", layer._undo_history[-1]
    return "data", None


def _item_labels(item) -> set | None:
    """The labels the pixels of napari's history `item` (its atoms) had and got; None for an
    atom of another form."""
    import numpy as np

    touched: set = set()
    for atom in item:
        values = _atom_values(atom)
        if values is None:
            return None
        for v in values:
            touched.update(int(x) for x in np.unique(np.asarray(v)))
    return touched


def _atom_values(atom) -> tuple | None:
    """(old values, new value(s)) of one atom of napari's Labels history: a masked atom's, or a
    (indices, old values, new values) tuple's; None for an atom of another form."""
    if hasattr(atom, "old_values") and hasattr(atom, "new_value"):  # a masked atom
        return atom.old_values, atom.new_value
    if isinstance(atom, tuple) and len(atom) == 3:
        return atom[1], atom[2]
    return None


def counts_after(counts, item, undone: bool = False):
    """`counts` (region_counts of a Labels layer's data) once napari's history `item` (a
    stroke's atoms) is applied, or `undone`: read from the stroke's pixels alone, where a recount
    reads the whole layer (64-270 ms at 4000 x 4000 px). A label outside 0..REGIONS_MAX is
    counted in the bin OUTSIDE_REGIONS, as the recount counts it: the areas are "not counted"
    while it holds a pixel (outside_regions), and counted again once a stroke paints over the
    last one (a script's label 5e7 made int64 arrays of 400 MB here; then every stroke recounted
    the whole layer, from the paint event, which napari emits before it writes the stroke: the
    labels painted over stayed "not counted"). None for an atom of another form or labels that
    are no integers (the caller recounts)."""
    import numpy as np

    counts = np.array(counts, np.int64)
    for atom in item:
        values = _atom_values(atom)
        if values is None:
            return None
        old, new = values
        old = np.asarray(old).ravel()
        new = np.broadcast_to(np.asarray(new), old.shape).ravel()
        if old.size == 0:
            continue
        if {old.dtype.kind, new.dtype.kind} - set("biu"):  # (bool: labels 0 and 1)
            return None
        old, new = region_bins(old), region_bins(new)
        size = int(max(old.max(), new.max())) + 1  # at most OUTSIDE_REGIONS + 1
        if size > counts.size:
            counts = np.pad(counts, (0, size - counts.size))
        change = np.bincount(new, minlength=size) - np.bincount(old, minlength=size)
        counts[:size] += -change if undone else change  # (each atom's own: in any order)
    return counts


def forget_strokes(layer) -> None:
    """Empty a Labels layer's undo and redo history (napari's own, private: nothing public does
    it; skipped where napari has none). Setting layer.data keeps it: Ctrl+Z then wrote the pixels
    of a stroke painted on the old regions into the new ones."""
    reset = getattr(unwrapped(layer), "_reset_history", None)  # (the proxy warns of privates)
    if reset is not None:
        reset()


def upsert_layer(
    viewer, name: str, data, kind: str = "image", *, cube, keep_undo: bool = False, **kwargs
):
    """Replace the data of the layer made from `cube` under `name` (keeping the user's display
    choices), or add it. A Labels layer replaced forgets the strokes painted on its old data
    (forget_strokes), unless `keep_undo`: for a caller that may put that data back (Embed &
    cluster's dropped result), which forgets them itself once the new data stays."""
    kwargs["metadata"] = {**kwargs.get("metadata", {}), RESULT_KEY: (weakref.ref(cube), name)}
    layer = find_result(viewer, cube, name)
    if layer is not None:
        expected = {"image": "Image", "labels": "Labels"}[kind]
        if layer_type(layer) == expected and getattr(layer, "rgb", False) == kwargs.get(
            "rgb", False
        ):
            layer.data = data
            if not keep_undo:
                forget_strokes(layer)
            for key in ("scale", "translate", "metadata"):
                if key in kwargs:
                    setattr(layer, key, kwargs[key])
            return layer
        viewer.layers.remove(layer)
    if getattr(data, "ndim", 0) - bool(kwargs.get("rgb")) == 2:  # the scan's rows and columns
        kwargs.setdefault("axis_labels", YX_LABELS)
    add = viewer.add_image if kind == "image" else viewer.add_labels
    layer = add(data, name=name, **kwargs)
    _ADDED.add(unwrapped(layer))
    return layer


def draw_thumbnail(layer) -> None:
    """Give a hidden 2D image layer its thumbnail in the layer list: napari slices only visible
    layers, so a map added hidden (Elemental maps past the first three, since 958ae894) showed a
    black thumbnail until shown. Drawn as napari draws it (nearest pixels within 32 px, its
    contrast limits, gamma, colormap and opacity), from public attributes only (napari 0.9 warns
    that a plugin's use of Image._update_thumbnail goes away); the canvas draws nothing. A
    visible layer napari has drawn; napari redraws this one once it is shown."""
    import numpy as np

    data = layer.data
    if layer.visible or getattr(layer, "rgb", True) or getattr(data, "ndim", 0) != 2:
        return
    side = layer.thumbnail.shape[0]
    h, w = data.shape
    zoom = min(side / h, side / w)
    # the pixels napari's ndi.zoom(order=0) picks (but where a pick falls half-way)
    rows = np.rint(np.linspace(0, h - 1, min(side, max(1, round(h * zoom))))).astype(int)
    cols = np.rint(np.linspace(0, w - 1, min(side, max(1, round(w * zoom))))).astype(int)
    small = np.asarray(data[np.ix_(rows, cols)], dtype=np.float64)
    low, high = (float(c) for c in layer.contrast_limits)
    small = np.clip(small, low, high)
    if high > low:
        small = (small - low) / (high - low)
    rgba = layer.colormap.map(small.ravel() ** layer.gamma).reshape(*small.shape, 4)
    rgba[..., 3] *= layer.opacity
    layer.thumbnail = rgba


#: Metadata key of a Labels layer of regions a run found (Embed & cluster's clusters, Pigments'
#: regions from lines + photograph): labels_digest of the labels the run put in it, to tell
#: whether the user painted on it since (the next run keeps those corrections: keep_painted). A
#: digest, not the run's array: the metadata kept that alive as long as the layer (64 MB at
#: 4000 x 4000 px, also once the scan was closed, and in every Duplicate Layer of it).
RUN_LABELS_KEY = "xrf_run_labels"


def labels_digest(labels) -> bytes:
    """A 16-byte blake2b digest of the labels' shape, dtype and values, read in place (no copy
    of a C-contiguous array): 70-140 ms at 4000 x 4000 int32 px, so the docks' runs compute it
    in their worker thread (RegionsCheck), once for the layer's array of the run's labels and
    once for a copy of the layer they replace; the GUI thread does only where a caller gives no
    RegionsCheck. Another dtype, same values, counts as another digest: a layer whose labels
    were converted is kept as painted, never overwritten."""
    import hashlib

    import numpy as np

    array = np.ascontiguousarray(labels)
    digest = hashlib.blake2b(f"{array.shape} {array.dtype.str}".encode(), digest_size=16)
    digest.update(array)
    return digest.digest()


#: The largest label a regions layer holds as uint16 (a saved labels image holds 0..65535 too).
REGIONS_MAX = 65535


#: The bin of region_counts (and counts_after) that counts the pixels of labels outside
#: 0..REGIONS_MAX (a script's int32 layer): their areas are not counted while it holds any.
OUTSIDE_REGIONS = REGIONS_MAX + 1


def region_bins(values):
    """`values` (integer labels) as int64 bins of region_counts: each label in 0..REGIONS_MAX
    its own, any other OUTSIDE_REGIONS."""
    import numpy as np

    values = np.asarray(values)
    if (values.dtype.kind == "u" and values.dtype.itemsize <= 2) or (  # uint8, uint16
        values.size and 0 <= values.min() and values.max() <= REGIONS_MAX
    ):  # all in range: no np.where over a polygon's pixels (half a 4000 px layer: 1.6x longer)
        return values.astype(np.int64, copy=False)
    wide = values.astype(np.int64)  # (a uint64 over int64's range wraps below 0: outside too)
    return np.where((wide < 0) | (wide > REGIONS_MAX), OUTSIDE_REGIONS, wide)


def region_counts(labels):
    """Pixels per label (label 0 first) of a Labels layer's data: np.bincount where every label
    lies in 0..REGIONS_MAX, else OUTSIDE_REGIONS + 1 bins, the last counting the pixels of labels
    outside that range (all of them for labels that are no integers). counts_after updates it
    from a stroke."""
    import numpy as np

    labels = np.asarray(labels)
    if in_regions_range(labels):
        return np.bincount(labels.ravel())
    counts = np.zeros(OUTSIDE_REGIONS + 1, np.int64)
    if labels.dtype.kind not in "biu":
        counts[OUTSIDE_REGIONS] = labels.size
        return counts
    return counts + np.bincount(region_bins(labels.ravel()), minlength=OUTSIDE_REGIONS + 1)


def outside_regions(counts) -> int:
    """The pixels of labels outside 0..REGIONS_MAX in region_counts' `counts` (0: none)."""
    return int(counts[OUTSIDE_REGIONS]) if len(counts) > OUTSIDE_REGIONS else 0


def in_regions_range(labels) -> bool:
    """Whether the array `labels` holds integers, at least one, all in 0..REGIONS_MAX. A bool
    array's are 0 and 1: its every pixel was counted outside the regions, and Embed & cluster's
    summary said "not counted: labels outside 0..65535" of a mask."""
    return bool(
        labels.dtype.kind in "biu"
        and labels.size
        and labels.min() >= 0
        and labels.max() <= REGIONS_MAX
    )


def regions_array(labels):
    """The array a regions layer gets of a run's `labels`: a new uint16 array when every label
    lies in 0..REGIONS_MAX, else a copy in their own dtype (never the run's array itself: the
    brush edits the layer's). Why uint16: napari shows labels of 1 or 2 bytes as they are (a
    view), but hashes wider ones (int32, int64) into its texture's dtype on every slice of the
    layer (zero_preserving_modulo, in the GUI thread: 80-240 ms at 4000 x 4000 px, three slices
    when the layer is added). The colours are the same: napari maps each label to its colormap's
    colour alike for every dtype. The docks make it in the run's worker (RegionsCheck.take)."""
    import numpy as np

    labels = np.asarray(labels)
    if in_regions_range(labels):
        return labels.astype(np.uint16)  # a new array
    return labels.copy()


class RegionsCheck:
    """What a run that finds regions (Embed & cluster's clusters, Pigments' Find regions) works
    out in its worker thread so that its landing (replace_regions, in the GUI thread) hashes
    nothing: both digests there froze the viewer 70-140 ms each at 4000 x 4000 px (the
    workspace asks for no freeze over 100 ms). Made in the GUI thread as the run starts, on the
    regions layer the run will replace (`layer`; None: none yet): references only, no copy.
    take(), in the worker at the job's end (run_in_worker), makes the layer's uint16 array of
    the run's labels (regions_array: napari then converts nothing in the GUI thread) and its
    digest (the layer's record, regions_of), and copies the layer's array as it is then and
    digests the copy.
    At the landing, unpainted(layer, record) compares the layer's labels of that moment with
    the copy (np.array_equal, about 5 ms) and, when they are the same, the copy's digest with
    the layer's record.

    Why no painted stroke is lost: napari paints into the layer's array in place, in the GUI
    thread, possibly while the worker copies it. unpainted() answers only when the layer holds,
    at the landing, exactly the copy's shape, dtype and values: the copy's digest is then the
    digest of the layer's labels of that moment, and the answer is the one a digest in the GUI
    thread gives (a stroke made before the copy is in it, so its digest is not the record's).
    A stroke made after the copy, or during it (a torn copy), an in-place write or a layer.data
    set meanwhile make the layer differ from the copy: unpainted() says None, and keep_painted
    digests the layer in the GUI thread as before, only then (the window is the job's end to
    its landing: a fraction of a second). So does a landing on another layer than the check's
    (renamed or deleted meanwhile), or a layer whose data is no NumPy array (no copy). The copy
    (64 MB at 4000 x 4000 int32 px) lives from the job's end to its landing only: unpainted()
    lets it go, used or not."""

    def __init__(self, layer=None):
        import numpy as np

        is_labels = layer is not None and layer_type(layer) == "Labels"
        self._layer = weakref.ref(unwrapped(layer)) if is_labels else None
        data = layer.data if is_labels else None
        self._live = data if isinstance(data, np.ndarray) else None
        # the run's labels, the regions_array the layer gets of them and its digest (take)
        self._labels = self._regions = self._digest = None
        self._copy = self._copy_digest = None  # the layer's labels at the job's end (take)

    def take(self, labels) -> None:
        """In the run's worker thread, as its job ends: the array the layer gets of the run's
        `labels` (regions_array; None: the job gave none) and its digest, a copy of the layer's
        labels and its digest."""
        import numpy as np

        if labels is not None:
            regions = regions_array(labels)  # what the layer gets: not made in the GUI thread
            self._labels, self._regions, self._digest = labels, regions, labels_digest(regions)
        live, self._live = self._live, None
        if live is not None:
            copy = np.array(live, copy=True)
            self._copy, self._copy_digest = copy, labels_digest(copy)

    def regions_of(self, labels) -> tuple | None:
        """(the layer's array of `labels`, its digest) as take() made them, for the very array
        the job returned, else None. Once: the array is the layer's from then on."""
        if labels is None or labels is not self._labels or self._regions is None:
            return None
        regions, self._regions = self._regions, None
        return regions, self._digest

    def unpainted(self, layer, record) -> bool | None:
        """At the landing, in the GUI thread: whether `layer` holds exactly the labels of its
        run (digest `record`: False when it was painted on since), or None when this check
        cannot tell (its labels changed since the copy, another layer, no copy taken): digest
        them then. Once: the copy is let go."""
        import numpy as np

        copy = self._copy
        self.let_go()
        if copy is None or self._layer is None or self._layer() is not unwrapped(layer):
            return None
        data = layer.data
        if (
            isinstance(data, np.ndarray)
            and data.shape == copy.shape
            and data.dtype == copy.dtype
            and np.array_equal(data, copy)
        ):
            return self._copy_digest == record
        return None  # changed since the copy, or during it

    def let_go(self) -> None:
        """Free the copy of the layer's labels (the landing is over, used or not)."""
        self._copy = None


def regions_check(viewer, cube_layer, kind: str) -> RegionsCheck:
    """The RegionsCheck of the regions layer a run on `cube_layer`'s scan will replace (its
    "<kind> [...]" result layer; none yet: a check of nothing), made as the run starts, so that
    its digests are computed in the worker, not at the landing in the GUI thread (70-140 ms
    each at 4000 x 4000 px). Embed & cluster's clusters and Pigments' Find regions alike."""
    cube = layer_cube(cube_layer)
    name = result_name(viewer, cube, kind, cube_display_name(viewer, cube_layer))
    return RegionsCheck(find_result(viewer, cube, name))


def run_in_worker(job, labels_of: Callable, check: RegionsCheck, *args):
    """`job(*args)` (a dock's generator of a run that finds regions), then, still in its worker
    thread, check.take(labels_of(the job's value)): the digests replace_regions needs, computed
    off the GUI thread. Returns the job's value unchanged; `labels_of` gives None for a value
    without labels (a test's stand-in job)."""
    value = yield from job(*args)
    check.take(labels_of(value))
    return value


#: Metadata key of keep_painted's copy: a weak reference to the regions layer it was copied
#: from, so that a fit of the painted regions follows them into the copy (kept_copy_of), and
#: back to that layer should the copy go (edits_of).
EDITS_OF_KEY = "xrf_edits_of"


def edits_of(layer):
    """The regions layer keep_painted copied `layer` from (None for any other layer, or once
    that layer is gone)."""
    ref = (getattr(layer, "metadata", None) or {}).get(EDITS_OF_KEY)
    return None if ref is None else ref()


def kept_copy_of(viewer, layer, labels):
    """keep_painted's copy of `layer` in the viewer that holds exactly `labels` (the newest,
    just above it, where several do), or None. A fit of regions painted on `layer` follows them
    there when a run replaces them: its rows then select the regions it fitted."""
    import numpy as np

    real = unwrapped(layer)
    for ly in viewer.layers:
        if (
            unwrapped(edits_of(ly)) is real
            and layer_type(ly) == "Labels"
            and np.shape(ly.data) == np.shape(labels)
            and np.array_equal(ly.data, labels)
        ):
            return ly
    return None


def keep_painted(
    viewer, layer, colormap: Callable[[], object] | None = None, check: RegionsCheck | None = None
) -> tuple:
    """Before a run replaces a Labels layer of regions `layer` (None: there is none yet): when
    the user painted on it since the run that made it (its labels are no longer that run's:
    RUN_LABELS_KEY), a copy goes to a new hidden Labels layer "<its name> (your edits)" just
    above it (where napari's Duplicate Layer puts one: below, it came first in the layer list,
    and a Pigments or Spectrum dock opened later took it as the scan's regions). Returns (the
    copy, or None when nothing was painted; whether it was kept only for want of
    RUN_LABELS_KEY: a layer that does not say which labels its run made may have been painted
    on, and is kept too). A re-run overwrote the corrections without a word, and napari's undo
    cannot bring them back (upsert_layer empties it). The copy is a result of the scan as
    napari's Duplicate Layer makes one (offered as its regions, never written by a run); the
    new run's regions go to the layer itself, which the docks keep using. Brush, fill, undo,
    layer.data set or written in place: all are seen, by comparing the labels' digest with the
    run's: `check`'s, taken in the run's worker thread (RegionsCheck: about 5 ms here), else
    (no check, or the labels changed since its copy) labels_digest in this thread (70-140 ms
    at 4000 x 4000 px). `colormap`: makes the copy's colormap (a new one per layer: a layer
    keeps its selected label in its colormap); None: napari's default, as the layer has."""
    import numpy as np

    if layer is None or layer_type(layer) != "Labels":
        return None, False
    made = (layer.metadata or {}).get(RUN_LABELS_KEY)
    unsure = not isinstance(made, bytes)
    if not unsure:
        same = None if check is None else check.unpainted(layer, made)
        if same is None:  # no check of this layer, or changed since its copy: digested here
            same = made == labels_digest(layer.data)
        if same:
            return None, False
    from napari.layers import Labels

    # napari selects a layer added: the user's selection stays as it was, none or several
    # included (the hidden copy was left selected, and a dock opened then took it as the
    # scan's regions: LayerCombo prefers the selected layer)
    selection = unwrapped(viewer.layers.selection)
    selected = [unwrapped(ly) for ly in selection]
    extra = {} if colormap is None else {"colormap": colormap()}
    copy = Labels(
        np.array(layer.data, copy=True),
        name=f"{layer.name} (your edits)",  # the user may have renamed it
        scale=layer.scale,
        translate=layer.translate,
        opacity=layer.opacity,
        visible=False,  # the new run's regions are the ones shown
        metadata={
            RESULT_KEY: layer.metadata[RESULT_KEY],
            EDITS_OF_KEY: weakref.ref(unwrapped(layer)),
        },
        **extra,
    )
    viewer.layers.insert(viewer.layers.index(layer) + 1, copy)
    selection.clear()
    selection.update(ly for ly in selected if ly in viewer.layers)
    return copy, unsure


def kept_words(kept, unsure: bool, layer_name: str) -> str:
    """The status line's sentence on the copy keep_painted made (`kept`; '' for none), the
    regions now in the layer `layer_name`."""
    if kept is None:
        return ""
    which = (  # no RUN_LABELS_KEY: painted on or not, nobody can tell
        f"\u201c{layer_name}\u201d no longer records which run made its regions, so they may "
        "have been painted on: they are"
        if unsure
        else "The regions painted on before this run are"
    )
    return (
        f"{which} kept as the hidden layer \u201c{kept.name}\u201d; \u201c{layer_name}\u201d "
        "shows the new ones."
    )


def run_labels(labels, check: RegionsCheck | None = None) -> tuple:
    """(data, metadata) for upsert_layer of the regions a run found (`labels`, the run's own
    array): the layer gets regions_array(labels), a new array (given the run's array itself, a
    stroke of the brush edited the run's result too), and records its digest under
    RUN_LABELS_KEY, which keep_painted compares the layer's with before the next run. `check`:
    the run's RegionsCheck, whose take() made both in the worker thread (regions_of); None, or
    a check of other labels: made here."""
    made = None if check is None else check.regions_of(labels)
    if made is None:
        data = regions_array(labels)
        made = data, labels_digest(data)
    data, record = made
    return data, {RUN_LABELS_KEY: record}


def replace_regions(
    viewer, name: str, labels, *, cube, colormap=None, check: RegionsCheck | None = None, **kwargs
) -> tuple:
    """Put a run's regions (`labels`, the run's own array) in the Labels layer made from `cube`
    under `name` (added if there is none): what the user painted on it since its last run is
    kept first (keep_painted), then the layer gets a uint16 copy of `labels` and its record
    (run_labels, upsert_layer). Embed & cluster's clusters and Pigments' regions from lines +
    photograph both go through here, so the two docks keep painted regions alike. `colormap`:
    makes the colormap of the layer and of the copy (keep_painted); `check`: the run's
    RegionsCheck, whose digests and uint16 copy were made in its worker thread (None: made here,
    the digests 70-140 ms each at 4000 x 4000 px); `kwargs` go to upsert_layer. Returns
    (the layer, the copy kept or None, the status line's sentence on the copy: kept_words, ''
    for none)."""
    kept, unsure = keep_painted(viewer, find_result(viewer, cube, name), colormap, check)
    if check is not None:
        check.let_go()  # also where keep_painted had no use for it
    data, metadata = run_labels(labels, check)
    if colormap is not None:
        kwargs["colormap"] = colormap()
    layer = upsert_layer(viewer, name, data, kind="labels", cube=cube, metadata=metadata, **kwargs)
    return layer, kept, kept_words(kept, unsure, layer.name)


class LayerCombo(QComboBox):
    """Drop-down of the viewer's layers that pass `accept`, kept in sync with the layer list."""

    layer_changed = Signal(object)

    def __init__(
        self,
        viewer,
        accept: Callable[[object], bool],
        placeholder: str = "(none)",
        parent=None,
        optional: bool = False,
    ):
        super().__init__(parent)
        self._viewer = viewer  # strong: plugin widgets get a viewer proxy nothing else holds
        self._accept = accept
        self._placeholder = placeholder
        # optional: the placeholder stays first and is the default (no layer unless one is chosen)
        self._offset = 1 if optional else 0
        self._layers: list = []
        events = viewer.layers.events
        for ev in (events.inserted, events.removed, events.reordered):
            ev.connect(self.refresh)
        self.currentIndexChanged.connect(lambda _: self.layer_changed.emit(self.current_layer()))
        self.refresh()

    def refresh(self, *_):
        viewer = self._viewer
        current = self.current_layer()
        layers = self._candidates(viewer)
        for ly in viewer.layers:  # follow renames (napari ignores a repeated connection)
            ly.events.name.connect(self.refresh)
        self.blockSignals(True)
        self.clear()
        self._layers = layers
        if self._offset or not layers:
            self.addItem(self._placeholder)
        for ly in layers:
            self.addItem(self._label(ly))
        chosen = self._choose(layers, current)
        if chosen is not None:
            self.setCurrentIndex(layers.index(chosen) + self._offset)
        self.blockSignals(False)
        if self.current_layer() is not current:
            self.layer_changed.emit(self.current_layer())

    def _candidates(self, viewer) -> list:
        return [ly for ly in viewer.layers if self._accept(ly)]

    def _choose(self, layers: list, current):
        """The entry to show after a refresh (None: the placeholder): the current one while it
        is listed, else (unless optional) the selected layer, else _fallback's."""
        if current in layers:
            return current
        if layers and not self._offset:
            active = self._viewer.layers.selection.active
            return active if active in layers else self._fallback(layers, current)
        return None

    def _fallback(self, layers: list, current):
        """_choose's entry where neither `current` (None, or gone) nor the selected layer is
        listed: the first."""
        return layers[0]

    def _label(self, layer) -> str:
        return layer.name

    def current_layer(self):
        i = self.currentIndex() - self._offset
        return self._layers[i] if 0 <= i < len(self._layers) else None

    def set_layer(self, layer) -> None:
        """Choose `layer` (None: the placeholder, in an optional list). A layer the list does not
        offer, or None in a list that must name one, is refused with a ValueError naming it: a
        script's choice of one chose nothing, without a word (offers: whether it would do)."""
        entry = None if layer is None else self._entry_for(layer)
        if entry is not None:
            self.setCurrentIndex(self._layers.index(entry) + self._offset)
        elif layer is None and self._offset:
            self.setCurrentIndex(0)
        else:
            name = "no layer" if layer is None else f"the layer {getattr(layer, 'name', layer)!r}"
            raise ValueError(f"{name} {self._refusal()}")

    def offers(self, layer) -> bool:
        """Whether set_layer(`layer`) chooses an entry (a layer deleted since: no)."""
        return layer is not None and self._entry_for(layer) is not None

    def _entry_for(self, layer):
        """The entry that choosing `layer` chooses; None where the list has none for it."""
        return layer if layer in self._layers else None

    def _refusal(self) -> str:
        """set_layer's refusal of a layer the list does not offer, after its name."""
        if not self._layers:
            return f"is not on this list, which is empty: {self._placeholder}"
        return "is not on this list: choose one of " + ", ".join(
            repr(ly.name) for ly in self._layers
        )

    def detach(self) -> None:
        """Its dock was closed: empty, and no longer following the viewer's layers."""
        events = self._viewer.layers.events
        for ev in (events.inserted, events.removed, events.reordered):
            ev.disconnect(self.refresh)
        for ly in self._viewer.layers:
            ly.events.name.disconnect(self.refresh)
        self.blockSignals(True)
        self.clear()
        self._layers = []
        self.blockSignals(False)


def newest_shown(layers: list):
    """The topmost visible layer of `layers` (in layer order), else the topmost: where a chosen
    region goes, the one the user drew last, not the first (a hidden "(your edits)" copy is no
    region the user sees)."""
    return ([ly for ly in layers if ly.visible] or layers)[-1]


def _ours(obj) -> bool:
    """An object of an xrf-napari class (whose methods may be connected to napari events)."""
    return type(obj).__module__.split(".")[0] == "xrf_napari"


def viewer_camera(viewer):
    """The viewer's camera: `viewer.scene.camera` from napari 0.9, where `viewer.camera` warns
    (DeprecationWarning, at every dock's closing); `viewer.camera` before it (None: none)."""
    scene = getattr(viewer, "scene", None)
    return scene.camera if scene is not None else getattr(viewer, "camera", None)


def disconnect_viewer_callbacks(viewer, owners) -> None:
    """Disconnect every method of `owners` connected to an event of the viewer, of its layer
    list, selection, dims, camera or cursor, or of one of its layers (napari holds them weakly,
    so they ran as long as the Python object lived), and remove the mouse callbacks that are
    methods of theirs (a closure, as Spectrum's is, stays: it finds no scan in a closed dock)."""
    viewer = unwrapped(viewer)
    ids = {id(o) for o in owners}
    groups = [viewer.events, viewer.layers.events, viewer.layers.selection.events]
    parts = (getattr(viewer, "dims", None), viewer_camera(viewer), getattr(viewer, "cursor", None))
    groups += [part.events for part in parts if part is not None]
    groups += [ly.events for ly in viewer.layers]
    for group in groups:
        for emitter in (group, *getattr(group, "emitters", {}).values()):
            hit = {
                id(obj): obj
                for cb in emitter.callbacks
                if isinstance(cb, tuple)
                and isinstance(cb[0], weakref.ref)
                and id(obj := cb[0]()) in ids
            }
            for obj in hit.values():
                emitter.disconnect(obj)
    for name in ("mouse_move_callbacks", "mouse_drag_callbacks", "mouse_wheel_callbacks"):
        callbacks = getattr(viewer, name, None)
        if callbacks is None:
            continue
        for cb in [c for c in callbacks if id(getattr(c, "__self__", None)) in ids]:
            callbacks.remove(cb)


class CubeLayerCombo(LayerCombo):
    """Drop-down of the datacubes: one entry per cube, the reader's 2-D sum image preferred over
    its (channels, rows, columns) stack (same cube, same placement).

    It follows the user: a scan just opened is chosen, and so is the scan of a layer selected in
    the layer list (its sum or its stack), so that five docks do not each need their pick-list
    changed."""

    def __init__(self, viewer, parent=None):
        self._known: set[int] | None = None  # ids of the cubes listed (None: never refreshed)
        super().__init__(viewer, lambda ly: layer_cube(ly) is not None, "(open a datacube)", parent)
        viewer.layers.selection.events.active.connect(self._follow_selection)

    def _choose(self, layers: list, current):
        cubes = [id(layer_cube(ly)) for ly in layers]
        known, self._known = self._known, set(cubes)
        if known is not None:
            opened = [ly for ly, key in zip(layers, cubes) if key not in known]
            if opened:
                return opened[-1]
        if current is not None and id(layer_cube(current)) in cubes:
            return layers[cubes.index(id(layer_cube(current)))]  # its sum replaced its stack
        # the selected layer's scan, its stack too: a dock opened with the stack "panel"
        # selected showed the first scan, "painting", as selecting the stack chooses its scan
        active = self._entry(layer_cube(self._viewer.layers.selection.active))
        if active is not None:
            return active
        # else the scan of the topmost layer that has one: with "panel true colours" (no
        # scan's) selected after opening painting then panel, a new dock showed "painting"
        top = next(
            (c for ly in reversed(self._viewer.layers) if (c := layer_cube(ly)) is not None), None
        )
        return self._entry(top) or super()._choose(layers, current)

    def _entry_for(self, layer):
        """`layer`'s scan: its entry is the scan's sum image where one is open (set_layer of
        the (channels, rows, columns) stack chose nothing, without a word)."""
        return self._entry(layer_cube(layer))

    def _refusal(self) -> str:
        return "shows no datacube open in the viewer: choose one of its scans"

    def take_as_known(self, cube) -> None:
        """List `cube` as one already seen, so that it is not chosen as a scan just opened: the
        calibrated Cube that replaces an uncalibrated one in its layers (_reader._deliver_sum)."""
        if self._known is not None:
            self._known.add(id(cube))

    def detach(self) -> None:
        self._viewer.layers.selection.events.active.disconnect(self._follow_selection)
        super().detach()

    def _follow_selection(self, event=None) -> None:
        active = self._viewer.layers.selection.active
        if active is None:
            return
        cube = layer_cube(active)  # not a result's scan: napari selects each layer it adds,
        if cube is None or cube is self.current_cube():  # so a job ending would pull docks back
            return
        entry = self._entry(cube)
        if entry is not None:  # (not listed yet: nothing to choose)
            self.set_layer(entry)

    def _entry(self, cube):
        """`cube`'s entry in the list (its sum image, else its stack), None if not listed."""
        if cube is None:
            return None
        return next((ly for ly in self._layers if layer_cube(ly) is cube), None)

    def _candidates(self, viewer) -> list:
        chosen: dict[int, object] = {}
        for ly in viewer.layers:
            cube = layer_cube(ly)
            if cube is None:
                continue
            best = chosen.get(id(cube))
            if best is None or (ly.ndim == 2 and best.ndim != 2):
                chosen[id(cube)] = ly
        return [ly for ly in viewer.layers if ly in chosen.values()]

    def _label(self, layer) -> str:
        return cube_display_name(self._viewer, layer)  # "painting", not "painting sum"

    def current_cube(self):
        layer = self.current_layer()
        return None if layer is None else layer_cube(layer)


# -- placing results beside their scan -------------------------------------------------------------
def side_by_side_translate(layer, width: int, gap_fraction: float = 0.05) -> tuple[float, float]:
    """World (row, column) offset placing an image `width` pixels wide just right of the layer."""
    scale, translate = yx_transform(layer)
    return translate[0], translate[1] + width * scale[1] * (1.0 + gap_fraction)


def below_translate(layer, height: int, gap_fraction: float = 0.05) -> tuple[float, float]:
    """World (row, column) offset placing an image `height` pixels tall just below the layer."""
    scale, translate = yx_transform(layer)
    return translate[0] + height * scale[0] * (1.0 + gap_fraction), translate[1]
