"""napari writer contribution: File > Save Selected Layers on a cube layer writes the project HDF5
(io.project_h5) that the reader opens again, energy calibration included.

napari's own TIFF writer asks the lazy cube layer for one channel page at a time, so it re-read
the whole file once per channel (8 GB read for a 256 MiB cube) and dropped the calibration. Here
the cube is streamed once in bounded row blocks (Cube.iter_blocks) into a temporary beside the
output, which replaces the output only when complete. The source file of the cube, and the file
of any other scan, photograph or regions layer opened from a file in the viewer, is never
overwritten, as in the docks' saves. Only `.h5`/`.hdf5` is claimed, so every other image layer
and suffix stays with napari's builtin writers; any other layer sent here is refused with a
message saying what to do (raised, not `[]`: napari would only say that the plugin wrote
nothing). Several cube layers saved at once go one file each (write_cube_layers).
"""

from __future__ import annotations

#: Suffixes this writer writes (the first is added to a name without one).
SUFFIXES = (".h5", ".hdf5")


class CubeSaveError(RuntimeError):
    """A layer was not saved; the message names the layer, the file and why. Not a ValueError:
    napari's write_layers takes a ValueError from the writer search for "no writer found" and
    shows "No data written! A plugin could not be found ..." in place of the message."""


#: Layer-metadata keys of the Cube that describe the open session, not the scan: the reader sets
#: them again on opening ("values_checked" would make it skip validating the saved values).
SESSION_KEYS = ("values_checked", "format", "calibration_source")


def write_cube_layer(path: str, data, meta: dict) -> list[str]:
    """npe2 single-layer writer: the xrf-napari cube layer `(data, meta)` to the project HDF5 at
    `path` (".h5" added to a name without a suffix, by npe2 for a script's save or here for the
    Save dialog's; refused if that completed name exists, which nobody named). Returns [path
    written]. Raises CubeSaveError, whose message napari shows, for a layer that is not a cube
    layer, another suffix, the cube's own file, the file of another scan, photograph or regions
    open in napari, or a source that fails to read (the reader's message)."""
    import os
    from pathlib import Path

    from .analysis.export import file_stem
    from .errors import CubeReadError
    from .fileutil import OutputError, check_outputs, hidden_name, printable
    from .io.project_h5 import write_cube_streamed

    name = str(meta.get("name") or "layer")
    cube = _layer_cube(name, data, meta)
    out = Path(path)
    given = _given_without_suffix(path)  # a script's name, which npe2 gave our suffix
    typed = os.path.basename(given if given is not None else path)  # Path drops a last "."
    # "scan." is "scan", as the docks' dialogs read it (not "scan..h5"), and "scan.h5." is
    # "scan.h5" (not "scan.h5.h5"); asked of os.path, since Python 3.14's Path.suffix calls the
    # "." a suffix (refused as another file type)
    bare = typed.rstrip(".")
    if bare.lower() in ("", *SUFFIXES):  # "...", ".h5": "....h5", ".h5.h5" were written
        raise CubeSaveError(
            f"layer {name!r} not saved: {printable(typed or path)!r} has no file name before the "
            f"suffix; give a name such as {printable(cube.name)}{SUFFIXES[0]}"
        )
    # ".x.h5" was written, a hidden file the docks' save dialogs and recolour -o refuse to make
    hidden = hidden_name(bare, f"{file_stem(cube.name)}{SUFFIXES[0]}")
    if hidden:
        raise CubeSaveError(f"layer {name!r} not saved: {printable(typed)!r}: {hidden}")
    ext = os.path.splitext(bare)[1].lower()
    if ext in SUFFIXES:
        out = out.with_name(bare)
    elif given is not None or bare != typed or not ext:
        out = out.with_name(bare + SUFFIXES[0])
    else:
        raise CubeSaveError(
            f"{printable(out)} not written: xrf-napari saves the cube layer {name!r} as HDF5; "
            f"choose a name ending in {' or '.join(SUFFIXES)} (for {out.suffix} pick one of "
            "napari's writers in the Save dialog's file-type list)"
        )
    if out.name != typed and os.path.lexists(out):  # completed: nobody named this file
        raise CubeSaveError(
            f"layer {name!r} not saved: {printable(out)} already exists and "
            + (
                f"was given as {printable(typed)!r}, without its suffix (napari added "
                f"{SUFFIXES[0]!r}); give"
                if given is not None
                else f"the Save dialog asked about {printable(typed)!r} only; type"
            )
            + f" {printable(out.name)!r} in full to replace it, or choose another name"
        )
    try:
        check_outputs(files=[out], inputs=[cube.path] if cube.path is not None else [])
    except OutputError as exc:  # the why of an unwritable folder is not the source's
        why = f"{exc}" + (
            " (a cube is saved to a new file; its source file is never replaced)"
            if exc.clash is not None  # a clash with the source, not an unwritable output
            else ""
        )
        raise CubeSaveError(f"layer {name!r} not saved: {why}") from None
    layer, scan = _open_file_layer(out, cube)
    if layer is not None:
        what = (
            f"the open scan {layer!r}, which napari reads from while it is open"
            if scan
            else f"the layer {layer!r} open in napari, which saving would replace"
        )
        raise CubeSaveError(
            f"layer {name!r} not saved: {printable(out)} is the file of {what}; choose another "
            f"name, or close {layer!r} first"
        )
    try:
        write_cube_streamed(out, cube, metadata=_file_metadata(cube))
    except (CubeReadError, ValueError, OSError) as exc:  # nothing was left under `out`
        raise CubeSaveError(f"layer {name!r} not saved to {printable(out)}: {exc}") from exc
    return [str(out)]


def write_cube_layers(path: str, layer_data: list) -> list[str]:
    """npe2 multi-layer writer: several cube layers saved at once (Save Selected Layers with a
    `.h5` name) each to its own project HDF5 beside `path`, `<name>_<layer>.h5` (a project HDF5
    holds one cube). napari said "No data written! A plugin could not be found to write these
    2 layers", write_cube_layer taking exactly one. Every layer must be a cube layer and every
    file new (nobody typed its name), and no two names the same file where capitals are ignored
    (Windows, macOS), before any is written; where one then fails, those written before it are
    removed, so that saving again is not refused by them. A cube's sum image saved with the cube
    (File > Save All Layers sends both) is left out, with a warning: the cube's file gives it
    again when opened, and the save was refused for it. Returns the paths written."""
    import os
    from pathlib import Path

    from .analysis.export import file_stem
    from .fileutil import hidden_name, printable

    layer_data = _without_own_sums(layer_data)
    if len(layer_data) == 1:  # one cube and its sum image: the cube to the name given
        return write_cube_layer(path, *layer_data[0][:2])
    out = Path(path)
    # npe2 sends a name ending in one of SUFFIXES; the Save dialog, with this file type chosen,
    # the name as typed: "cubes" (or "cubes.") is cubes.h5, as write_cube_layer reads it, so that
    # the files checked below are those written
    stem, ext = os.path.splitext(out.name.rstrip("."))
    ext = ext or SUFFIXES[0]
    if not stem.strip(".") or stem.lower() in SUFFIXES:  # ".h5": ".h5_scan.h5" was written
        raise CubeSaveError(
            f"{len(layer_data)} layers not saved: {printable(out.name)!r} has no file name before "
            f"the suffix; give a name such as cubes{SUFFIXES[0]}"
        )
    hidden = hidden_name(stem, f"cubes{ext}")  # ".x.h5": the hidden ".x_<layer>.h5" files
    if hidden:
        raise CubeSaveError(
            f"{len(layer_data)} layers not saved: {printable(out.name)!r}: {hidden}"
        )
    names = [str(meta.get("name") or "layer") for _, meta, *_ in layer_data]
    for name, (data, meta, *_) in zip(names, layer_data, strict=True):
        _layer_cube(name, data, meta)  # refuses a layer that is not a cube layer, saying why
    targets = [out.with_name(f"{stem}_{file_stem(n)}{ext}") for n in names]
    folded = [str(t).casefold() for t in targets]  # "Scan", "scan": one file on Windows, macOS
    for i, target in enumerate(targets):
        if folded[i] in folded[:i]:
            j = folded.index(folded[i])
            raise CubeSaveError(
                f"layers {names[j]!r} and {names[i]!r} not saved: both would be written to "
                f"{printable(targets[j])}"
                + (" (one file where capitals are ignored)" if targets[j] != target else "")
                + "; rename one of the layers"
            )
        if os.path.lexists(target):
            raise CubeSaveError(
                f"layer {names[i]!r} not saved: {printable(target)} already exists (several "
                f"cubes are saved one file each, {stem}_<layer>{ext}, names nobody typed); "
                "choose another name, or move that file away"
            )
    written: list[str] = []
    try:
        for target, (data, meta, *_) in zip(targets, layer_data, strict=True):
            written += write_cube_layer(str(target), data, meta)
    except CubeSaveError as exc:
        if not written:
            raise
        left = []  # new files (checked above): kept, saving again was refused ("already exists")
        for done in written:
            try:
                os.remove(done)
            except OSError:
                left.append(printable(done))
        raise CubeSaveError(
            f"{exc} ({', '.join(left)}, written before it, could not be removed)"
            if left
            else f"{exc}; nothing saved (the {len(written)} file(s) written before it removed)"
        ) from exc
    return written


def _without_own_sums(layer_data: list) -> list:
    """`layer_data` less the sum images of cubes whose own layer is in it (the reader's "<name>
    sum" layers), said in a warning: File > Save All Layers with a .h5 name sent every scan's
    sum image beside its cube, and the save was refused ("... is the sum image of the cube").
    A sum image alone, or with another cube, stays (and is refused, _layer_cube); so does
    another 2-D image carrying the cube (napari's Layers > Projections copies the cube layer's
    metadata): it had been left out as "the sum image of a cube ... made again from the cube's
    file", which it is not."""
    import warnings

    from .cube import Cube

    def cube_of(meta):
        cube = (meta.get("metadata") or {}).get("xrf_cube")
        return cube if isinstance(cube, Cube) else None

    def shape(data) -> tuple:
        return tuple(int(s) for s in getattr(data, "shape", ()))

    saved = {
        id(c)
        for data, meta, *_ in layer_data
        if (c := cube_of(meta)) is not None
        if shape(data) == (c.shape[2], *c.shape[:2])
    }
    kept, left = [], []
    for layer in layer_data:
        cube = cube_of(layer[1])
        own_sum = (
            cube is not None
            and id(cube) in saved
            and shape(layer[0]) == cube.shape[:2]
            and _is_sum(layer[1])
        )
        (left if own_sum else kept).append(layer)
    if left:
        names = ", ".join(repr(str(meta.get("name") or "layer")) for _, meta, *_ in left)
        warnings.warn(
            f"{names} not saved: the sum image of a cube saved here, made again from the "
            "cube's file when it is opened",
            stacklevel=3,
        )
    return kept


def _given_without_suffix(path) -> str | None:
    """The name a script gave napari.save_layers or viewer.layers.save when npe2 added our
    suffix to it, else None. With no writer chosen (a script's save; the Save dialog passes its
    writer and the name as typed), npe2's _write asks PluginManager.get_writer, which gives a
    single layer's name without a suffix the writer's first extension, so "c" reaches us as
    "c.h5" and an existing c.h5 was replaced unasked. Read from the call stack (npe2's `_write`
    frame and its `path`); None where it cannot be read or npe2's names change (saved as
    before)."""
    import os

    from ._reader import _calling_frame

    frame = _calling_frame("npe2.io_utils", "_write")
    given = frame.f_locals.get("path") if frame is not None else None
    return given if isinstance(given, str) and given + SUFFIXES[0] == os.fspath(path) else None


def _open_file_layer(out, cube) -> tuple[str | None, bool]:
    """(the name of a layer open in a napari viewer whose file is `out`, or its .rpl/.raw
    partner; whether it is a scan's), else (None, False): the files the docks refuse too
    (layerkinds.open_files: another scan, a photograph, regions opened from a file,
    such as the latent.h5 and labels.h5 of `xrf-napari embed`). napari's Save dialog asks only
    whether to replace the file; replacing the file of an open scan left its layers reading a
    file that no longer exists (Linux) or failed half-way (Windows), and the docks re-reading it
    by path got another cube; replacing a photograph's or regions' file lost the user's image."""
    import os

    from ._reader import _viewers
    from .fileutil import input_files, same_file
    from .layerkinds import layer_cube, open_files

    if not os.path.lexists(out):
        return None, False
    for viewer in _viewers():
        for layer, path in open_files(list(viewer.layers)):
            if (other := layer_cube(layer)) is cube:  # its own file: check_outputs refused it
                continue
            if any(same_file(out, p) for p in input_files(path) if os.path.exists(p)):
                return layer.name, other is not None
    return None, False


def _layer_cube(name: str, data, meta: dict):
    """The Cube behind an xrf-napari cube layer, or a CubeSaveError saying why this layer is not
    one: a plain image, the cube's sum image, or data no longer the cube's."""
    from .cube import Cube

    cube = (meta.get("metadata") or {}).get("xrf_cube")
    if not isinstance(cube, Cube):
        raise CubeSaveError(
            f"layer {name!r} is not an XRF datacube opened by xrf-napari: xrf-napari's .h5 "
            "writer saves only cube layers; save this layer with one of napari's writers "
            "(e.g. a .tif name), or, saving all layers, select the cube layers alone and use "
            "Save Selected Layers, or give a name without a suffix: napari's writer saves each "
            "layer to a folder (a cube there as a TIFF stack, without its calibration)"
        )
    h, w, c = cube.shape
    shape = tuple(int(s) for s in getattr(data, "shape", ()))
    if shape != (c, h, w):
        what = (
            "not the (channels, y, x) layer of"
            if shape != (h, w)
            else "the sum image of"
            if _is_sum(meta)
            else "a 2-D image made from"  # a projection of the cube layer (napari's)
        )
        raise CubeSaveError(
            f"layer {name!r} is {what} the cube {cube.name!r} (shape {shape}, the cube's layer "
            f"is {(c, h, w)}): select the cube layer itself to save the cube as .h5, or save "
            "this layer with one of napari's writers (e.g. a .tif name)"
        )
    return cube


def _is_sum(meta: dict) -> bool:
    """Whether a layer's `meta` (napari's layer data: its metadata under "metadata") is that of
    the reader's "<name> sum" image (layerkinds.is_sum_image)."""
    from .layerkinds import is_sum_image

    return is_sum_image(meta.get("metadata"))


def _file_metadata(cube) -> dict:
    """The cube's metadata that belongs in the file (JSON values, no session keys), plus where
    it was saved from; values that are not JSON are named under 'metadata_dropped'. A reader's
    notes on the file it read ('*_note': a ripple header's byte order, its .raw's size, a
    calibration set aside, and their advice, "set 'byte-order big-endian' in the header") go
    under 'source_notes' with that file's name: kept at the top they read, on opening the
    saved file, as said of it (`info`, the calibration's tooltip, the fit's notes). So do the
    keys that say how that file lays out its data (io.registry.SOURCE_KEYS: a ripple header's
    `record_by`, `byte_order`, `data_file`), which read as the saved file's own at the top."""
    import json

    from .fileutil import printable
    from .io.project_h5 import _json_default
    from .io.registry import SOURCE_KEYS

    out, dropped, notes = {}, [], {}
    # a snapshot: a worker (the sum pass, the survey) may add "values_checked" meanwhile
    from .detector import SEEN_ANODE_KEY
    from .io import AUTO_PENDING, AUTO_SAVED_KEY, READ_ERROR_KEY

    for key, value in dict(cube.metadata).items():
        # this session's pass; whether the calibration was read from the file, the tube read
        # under the file's (read_cube's, set again at every read: not the file's word)
        if key in SESSION_KEYS or key in (READ_ERROR_KEY, AUTO_SAVED_KEY, SEEN_ANODE_KEY):
            continue
        if key == "auto_calibration" and value == AUTO_PENDING:  # saved while the pass ran
            continue
        try:
            json.dumps(value, default=_json_default)
        except (TypeError, ValueError):
            dropped.append(str(key))
            continue
        of_source = str(key).endswith("_note") or key in SOURCE_KEYS
        (notes if of_source else out)[str(key)] = value
    if cube.path is not None:
        out["saved_from"] = printable(cube.path)
    if notes:  # a source's own source_notes (a saved file saved again) go with its notes
        earlier = {"source_notes": out.pop("source_notes")} if "source_notes" in out else {}
        out["source_notes"] = {"file": out.get("saved_from", cube.name), **notes, **earlier}
    if dropped:
        out["metadata_dropped"] = dropped
    return out
