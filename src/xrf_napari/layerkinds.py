"""What a napari layer is to xrf-napari: the Cube it shows, whether xrf-napari made it, whether it
is a photograph, and the file it was opened from. No Qt nor napari import (_writer.py, napari's
File > Save Selected Layers through xrf-napari, imports it): the docks (widgets._layers) and the
writer ask the same questions of the viewer's layers, so both refuse the same open files as
outputs (open_files). Outside widgets/: napari's reader hook (_reader.py) uses it at import and
must not load the widgets package (it had, once the energy axis moved here)."""

from __future__ import annotations

#: Layer metadata key under which the reader stores the Cube object.
CUBE_KEY = "xrf_cube"

#: Called with (old Cube, new Cube) as the user's calibration puts `new` in the layers showing
#: `old` (widgets._calibrate.give_calibration): the plugin's lazy reader behind the stack layer
#: (_reader._Uncopied, a layer above the docks, which register it here) then marks `new` with a
#: chunk the file refuses, as after the automatic calibration. It had marked `old`, in no layer:
#: the docks kept Run on over the zeros read.
CUBE_REPLACED: list = []

#: The layer metadata entry marking the reader's "<name> sum" image of a scan (_reader.cube_layers),
#: asked by the reader's calibration delivery, the two-peak dialog and the writer (is_sum_image).
KIND_KEY, SUM_KIND = "kind", "sum"

#: Metadata key of a result layer: (weak reference to the Cube it was made from, the name it was
#: made under). Weak: a result may outlive its scan, and must not keep the scan's file open.
RESULT_KEY = "xrf_result_of"

#: The axes of a 2-D layer on a scan's grid (the reader's sum image, a sample's true colours, the
#: docks' results): napari's default ("-2", "-1") stood on the axes and slider labels once the
#: scan's own layers were closed.
YX_LABELS = ("y", "x")


def layer_cube(layer):
    """The Cube behind a layer (None for layers that are not datacubes). None for a Labels
    layer: napari's Convert to Labels keeps a layer's metadata, so a cube or its sum image so
    converted kept the scan, listed by the docks through it, its counts offered as regions."""
    if layer_type(layer) == "Labels":
        return None
    meta = getattr(layer, "metadata", None) or {}
    return meta.get(CUBE_KEY)


def layer_type(layer) -> str:
    """The layer's napari class name ("Image", "Labels", ...). type() would name the
    PublicOnlyProxy napari wraps around every layer a plugin dock's viewer hands out."""
    return layer.__class__.__name__


def _made_from(layer) -> tuple:
    """(the Cube a result layer was made from, the name it was made under); (None, None) for
    other layers, and the Cube None once it is gone."""
    made = (getattr(layer, "metadata", None) or {}).get(RESULT_KEY)
    return (None, None) if made is None else (made[0](), made[1])


def is_result(layer) -> bool:
    """Whether xrf-napari made the layer (a latent, a recolouring, maps, regions), as opposed
    to one the user opened or drew."""
    return _made_from(layer)[1] is not None


def is_photograph(layer) -> bool:
    """An RGB Image the user opened or made, not one of our results (a latent's false colours or
    a model's recolouring are no photograph): the Pigments dock's Photograph list."""
    rgb = layer_type(layer) == "Image" and bool(getattr(layer, "rgb", False))
    return rgb and not is_result(layer)


def source_file(layer) -> str | None:
    """The file a layer was opened from (napari's layer.source.path), None for one made here."""
    return getattr(getattr(layer, "source", None), "path", None)


def open_files(layers) -> list[tuple]:
    """(layer, file) of every scan among `layers` (its Cube's path), every photograph opened from
    a file (is_photograph) and every regions (Labels) layer opened from a file (an earlier
    regions.tif, an embed labels.h5): the files no save may replace while they are open (a scan's
    layers read from its file; a photograph or regions file is the user's, which Pigments fits
    by). Embed & cluster's Save replaced an open regions.tif once "Replace?" was answered, where
    Pigments' Export refused it."""
    found = []
    for layer in layers:
        if (cube := layer_cube(layer)) is not None:
            path = getattr(cube, "path", None)
        elif is_photograph(layer) or layer_type(layer) == "Labels":
            path = source_file(layer)
        else:
            path = None
        if path is not None:
            found.append((layer, path))
    return found


def is_sum_image(metadata) -> bool:
    """Whether a layer's `metadata` marks the reader's sum image of its scan, not its stack."""
    return (metadata or {}).get(KIND_KEY) == SUM_KIND


def cube_layer_metadata(cube) -> dict:
    """The cube layer's metadata: the file's plain entries, the reader's own keys winning (a
    sidecar's "energy": 40...). The reader's (_reader.cube_layers), and the docks' where a
    calibration replaces the Cube (the reader's automatic one; the user's two peaks). A file's
    "kind" is left out: "kind" "sum" is what marks the reader's sum image, and a sidecar's
    {"kind": "sum"} made the cube layer taken for its own sum image (Calibrate from two peaks
    left its axis on channel numbers)."""
    return {
        # the file's entries (a survey may add one)
        **{k: v for k, v in dict(cube.metadata).items() if _plain(v) and k != KIND_KEY},
        CUBE_KEY: cube,
        "energy": cube.energy,
        "calibration": cube.calibration.to_dict(),
        "path": str(cube.path) if cube.path else None,
    }


def _plain(v) -> bool:
    return isinstance(v, (str, int, float, bool, list, dict, tuple, type(None)))


def energy_axis(cube) -> dict:
    """Axis names, units and the energy axis's scale for the (channels, y, x) layer: the slider
    steps through channels while world coordinates (status bar, dims point) read in keV.

    napari's axis is linear; a quadratic calibration whose straight line through the first and
    last channel is off by more than half a channel somewhere would show a wrong keV for the
    channel drawn, so such a cube (like an uncalibrated one) gets a channel axis; the Spectrum
    dock shows its exact energies."""
    import numpy as np

    e = np.asarray(cube.energy, dtype=np.float64)
    n = len(e)
    channels = {"axis_labels": ("channel", *YX_LABELS)}
    if cube.calibration.source == "none" or n < 2:
        return channels
    gain = float(e[-1] - e[0]) / (n - 1)
    if not gain > 0:
        return channels
    line = e[0] + gain * np.arange(n, dtype=np.float64)
    if float(np.max(np.abs(e - line))) > 0.5 * gain:
        return channels
    return {
        "axis_labels": ("energy", *YX_LABELS),
        "units": ("keV", "pixel", "pixel"),
        "scale": (gain, 1.0, 1.0),
        "translate": (float(e[0]), 0.0, 0.0),
    }


def put_energy_axis(layer, cube, axis: dict, viewers) -> tuple[str, bool]:
    """`cube` into its stack `layer` (cube_layer_metadata) and its `axis` (energy_axis) where it
    is in keV, the slider of each of `viewers` showing the layer kept on the channel it showed:
    the reader's automatic calibration arriving (_reader._deliver_axis) and the user's two peaks
    (widgets._calibrate.give_calibration). Returns (the axis's kind, "energy" or "channel";
    whether the caller must refresh the layer, which may raise a read the storage refused)."""
    steps = [
        (viewer, float(layer.world_to_data(viewer.dims.point)[0]))
        for viewer in viewers
        if layer in viewer.layers and viewer.dims.ndim == layer.ndim
    ]
    layer.metadata = cube_layer_metadata(cube)
    if axis["axis_labels"][0] != "energy":
        return axis["axis_labels"][0], False
    # one slice once the whole axis is set: each setter sliced the shown stack, and a read the
    # storage did not answer (_Uncopied raises it) stopped the delivery half-way: keV scale,
    # channel labels and units, the slider moved to the last channel (napari's scale event
    # unsent); the next setters' slices counted as more failed tries of the same chunk. Hidden
    # without napari's visible event (the layer list's box would follow it), napari slices none.
    shown = layer.visible and isinstance(getattr(layer, "_visible", None), bool)
    if shown:
        layer._visible = False
    try:
        layer.scale = axis["scale"]
        layer.translate = axis["translate"]
        layer.units = axis["units"]
        layer.axis_labels = axis["axis_labels"]
        for viewer, channel in steps:
            viewer.dims.set_point(0, float(layer.data_to_world((channel, 0, 0))[0]))
    finally:
        if shown:
            layer._visible = True
    return "energy", shown


#: The stack's (and sum's) metadata key, holding its token, while the reader's background pass
#: computes the sum (and fits the calibration): the stack's axis is not known yet.
PENDING_KEY = "xrf_sum_pending"


def mixed_axes(name: str, kind: str, viewers, how: str = "opens with") -> str:
    """The warning ("" if none) that scan `name`'s stack, whose energy axis is now `kind`
    ("energy", "channel"), differs from other cubes' in `viewers`: napari aligns both on one
    slider, whose steps then mix keV and channels. `how`: "opens with" (the reader), "now has"
    (the user's two peaks, widgets._calibrate.give_calibration, which turned one of two
    uncalibrated scans to keV untold)."""
    others = []
    for viewer in viewers:
        for layer in list(viewer.layers):
            meta = getattr(layer, "metadata", None) or {}
            if not meta.get(CUBE_KEY) or PENDING_KEY in meta:  # its axis is not known yet
                continue
            labels = tuple(getattr(layer, "axis_labels", ()) or ())
            if len(labels) == 3 and labels[0] in ("energy", "channel") and labels[0] != kind:
                others.append(layer.name)
    if not others:
        return ""
    unit = {"energy": "keV", "channel": "channel numbers"}
    theirs = unit["channel" if kind == "energy" else "energy"]
    shown = ", ".join(f"'{o}'" for o in others[:3]) + (" ..." if len(others) > 3 else "")
    verb = "is" if len(others) == 1 else "are"
    return (
        f"'{name}' {how} its energy axis in {unit.get(kind, kind)} while {shown} "
        f"{verb} in {theirs}: the channel slider now mixes keV and channel numbers, so one "
        "slider position does not show the same energy in both. Open this scan in a napari "
        "of its own (start napari again), or close the other; "
        "a channel axis means the file has no calibration napari can show in keV (none, or a "
        "curved one: the Spectrum dock shows its keV)."
    )
