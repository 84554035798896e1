"""The energy of the channel napari's slider is on, written on the canvas.

napari 0.9's slider prints its step ("137 | 511") and no world coordinate or unit, so a scan's
keV stood only in the status bar, under the mouse. A text overlay of our own
(viewer.canvas.overlays[OVERLAY_KEY], bottom left) says "aps: 7.875 keV (channel 137)" for the
scan being browsed: the selected layer's scan (its cube, sum image or a result made from it),
else the topmost visible cube. It follows the slider (dims point), the selection, layers
added or closed and a calibration delivered later (the layer's metadata), and hides where no
cube is open, its energy axis is not on a slider (3-D view) or the slider is beyond its
channels. The user's own viewer.text_overlay is never touched; an overlay the user hid
(visible = False while it showed) stays hidden.
"""

from __future__ import annotations

from .layerkinds import _made_from, layer_cube  # no Qt nor napari import

#: The key of our overlay in viewer.canvas.overlays (beside napari's 'text', 'scale_bar', ...).
OVERLAY_KEY = "xrf_energy"


def watch_energy(viewer) -> None:
    """Give `viewer` the energy readout while it shows a cube: called as a cube's layers are
    made, before napari adds them; taken out again (overlay and callbacks) once no cube layer is
    left, or none came by the next turn of the event loop (an overlay the user deleted: its
    callbacks as the next layer goes). Later calls meanwhile do nothing; never raises (a
    readout must not stop a file opening)."""
    try:
        overlays = viewer.canvas.overlays
        if OVERLAY_KEY in overlays:
            return
        from napari.components.overlays import TextOverlay
        from qtpy.QtCore import QTimer

        overlay = TextOverlay(position="bottom_left", visible=False)
        shown = False  # whether update last showed it

        def update(_event=None):
            nonlocal shown
            if shown and not overlay.visible:  # the user hid it: left hidden
                return
            text = readout(viewer)
            if text is not None:
                overlay.text = text
            shown = overlay.visible = text is not None

        def watch(layer):
            """A calibration delivered later (the layer's metadata): a sum image's too, since
            the reader hands the stack its Cube first and the sum last."""
            if layer_cube(layer) is not None:
                layer.events.metadata.connect(update)

        def inserted(event):
            watch(event.value)
            update()

        def removed(event):
            event.value.events.metadata.disconnect(update)
            if not unwatch_if_done():
                update()

        def unwatch_if_done() -> bool:
            ours = overlays.get(OVERLAY_KEY) is overlay  # else taken out (del) by the user
            if ours and _stacks(viewer):
                return False
            for emitter, callback in hooks:
                emitter.disconnect(callback)
            for layer in viewer.layers:
                layer.events.metadata.disconnect(update)
            if ours:
                del overlays[OVERLAY_KEY]
            return True

        dims, layers = viewer.dims.events, viewer.layers.events
        hooks = [(dims.point, update), (dims.order, update), (dims.ndisplay, update)]
        hooks += [(viewer.layers.selection.events.active, update), (layers.reordered, update)]
        hooks += [(layers.inserted, inserted), (layers.removed, removed)]
        for emitter, callback in hooks:
            emitter.connect(callback)
        for layer in viewer.layers:  # added without the reader (a script's own layers)
            watch(layer)
        overlays[OVERLAY_KEY] = overlay
        QTimer.singleShot(0, lambda: _quietly(unwatch_if_done))  # the layers never came
    except Exception:  # napari without canvas overlays (before 0.9): the status bar says keV
        pass


def _quietly(call) -> None:
    """A timer's callback must not raise into Qt's event loop (the viewer may be closed)."""
    try:
        call()
    except Exception:
        pass


def readout(viewer) -> str | None:
    """The overlay's text for the scan being browsed, None where nothing is to be said."""
    import numpy as np

    from .energy import channel_energy_text

    stack = _browsed(viewer)
    if stack is None:
        return None
    dims = viewer.dims
    axis = dims.ndim - stack.ndim  # napari lines up a layer's axes with the viewer's last ones
    if axis < 0 or axis not in dims.not_displayed:
        return None
    channel = int(np.round(stack.world_to_data(dims.point[axis:])[0]))
    cube = layer_cube(stack)
    if not 0 <= channel < cube.shape[-1]:
        return None
    return f"{stack.name}: {channel_energy_text(cube, channel)}"


def _stacks(viewer) -> list:
    """The viewer's cube layers (a scan's (channels, y, x) stack), bottom to top."""
    return [ly for ly in viewer.layers if layer_cube(ly) is not None and ly.ndim == 3]


def _browsed(viewer):
    """The cube layer of the selected layer's scan, else the topmost visible (else topmost)
    cube layer; None without one."""
    stacks = _stacks(viewer)
    if not stacks:
        return None
    active = viewer.layers.selection.active
    if active is not None:
        scan = layer_cube(active)
        scan = _made_from(active)[0] if scan is None else scan
        for stack in stacks:
            if layer_cube(stack) is scan:
                return stack
    shown = [ly for ly in stacks if ly.visible]
    return (shown or stacks)[-1]
