"""What a napari layer is to xrf-napari: the Cube it shows, whether xrf-napari made it, whether it
is a photograph, and the file it was opened from. No Qt nor napari import (_writer.py, napari's
File > Save Selected Layers through xrf-napari, imports it): the docks (widgets._layers) and the
writer ask the same questions of the viewer's layers, so both refuse the same open files as
outputs (open_files)."""

from __future__ import annotations

#: Layer metadata key under which the reader stores the Cube object.
CUBE_KEY = "xrf_cube"

#: Metadata key of a result layer: (weak reference to the Cube it was made from, the name it was
#: made under). Weak: a result may outlive its scan, and must not keep the scan's file open.
RESULT_KEY = "xrf_result_of"

#: The axes of a 2-D layer on a scan's grid (the reader's sum image, a sample's true colours, the
#: docks' results): napari's default ("-2", "-1") stood on the axes and slider labels once the
#: scan's own layers were closed.
YX_LABELS = ("y", "x")


def layer_cube(layer):
    """The Cube behind a layer (None for layers that are not datacubes)."""
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
