"""Recolour dock widget: SmallUViT colours of the selected datacube, shown beside the scan (or over
it with an opacity blend), on the device the user picks; saves the image."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
from qtpy.QtCore import Qt
from qtpy.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QPushButton,
    QSlider,
)

from ._common import (
    CubeDock,
    WeightsEdit,
    after_calibration,
    deleted_layer_refusal,
    device_combo,
    form_grid,
    nothing_yet,
    ood_made_for,
    tube_chosen,
)
from ._dialogs import weights_row
from ._jobs import import_torch_steps, preload_labels_imports, report_error, steps_beside
from ._layers import (
    MASK_KEY,
    cube_display_name,
    find_result,
    layer_cube,
    result_cube,
    result_name,
    side_by_side_translate,
    upsert_layer,
    yx_transform,
)

PLACEMENTS = ("Beside the scan", "Over the scan")
#: What the measured ceilings (docs/model_card_recolouriser.md) mean for the person looking: a short
#: line in the dock, the reasons in its tooltip.
CAVEAT = "Colours are a hypothesis: X-ray lines do not fix a colour."
CAVEAT_WHY = (
    "Lead is in lead white and red lead; iron in ochres, umber and Prussian blue; lakes and "
    "carbon black show no lines. The model was trained on synthetic scans; see its model card "
    "(docs/model_card_recolouriser.md) before relying on a colour."
)
TUBE_TIP = (
    "The X-ray tube's anode where the file does not name it (or names it wrongly), for the "
    "notes under the colours: under a copper tube every pixel shows the tube's scattered Cu "
    "lines, so copper is not read as a pigment's, and an anode outside training is warned of "
    "(as `xrf-napari recolour --anode`). One choice per scan, shown in the Spectrum, "
    "Elemental maps and Pigments panels' Instrument rows too."
)


def _lightened(result):
    """A copy of `result` without the arrays only its colours layer needed (its colours, their
    latent, the outline's mask), kept once that layer was deleted (a script's or a test's
    stand-in result too)."""
    light = copy.copy(result)
    light.rgb = light.latent = light.ambiguity = None
    return light


def _kept_words(names, rerun: bool) -> str:
    """What became of the layers a Recolour delivery had added (or, `rerun`, given new colours)
    when its scan closed (the dock's dropped_layers_words, said after "its result was
    dropped"): they stay in the viewer."""
    done = "given the new colours" if rerun else "added"
    verb = "stays" if len(names) == 1 else "stay"
    return f"{' and '.join(names)}, {done} before it closed, {verb} in the viewer"


def iter_dock_recolour(cube, **kwargs):
    """iter_recolour for a dock (Recolour, Pigments' SmallUViT colours): what would not fit in
    memory is refused before the scan is read, and the refusal says where tile and batch are set,
    since a dock has neither.

    The models are loaded first, one step each with a point to stop at after it (torch's import,
    the recolouriser, the embedder; iter_recolour then finds them cached): a first run spent
    about 3 s in them, 13 s on two busy cores, and a Cancel or the scan's closing meanwhile said
    "Stopping..." until all were loaded."""
    from ..analysis.embed import load_embedder
    from ..analysis.recolour import TilingMemoryError, iter_recolour, load_recolouriser

    device = kwargs.get("device", "auto")
    yield from import_torch_steps()  # the longest step of a first run, with points to stop at
    yield None  # a point to stop at (JobPanel's stop flag); no report
    # each load on a thread of its own, the job stepping meanwhile (a stop inside a load)
    yield from steps_beside(load_recolouriser, kwargs.get("weights"), device)
    yield None
    yield from steps_beside(load_embedder, kwargs.get("embedder_weights"), device)
    yield None
    try:
        steps = iter_recolour(cube, **kwargs)
    except TilingMemoryError as exc:
        raise TilingMemoryError(
            f"{exc} with `xrf-napari recolour --tile --batch` (this panel uses the defaults), "
            "or free memory"
        ) from None
    return (yield from steps)


def _recolour_job(
    cube, weights, embedder_weights, device, average_flips=False, outline=False, anode=None
):
    result = yield from iter_dock_recolour(
        cube,
        weights=weights,
        embedder_weights=embedder_weights,
        device=device,
        average_flips=average_flips,
        anode=anode,
    )
    if outline and result.ambiguity.ambiguous.any():
        preload_labels_imports()  # for the "ambiguous colour" layer (0.8 s, once a session)
    return result


class RecolourWidget(CubeDock):
    """Virtual colour image of the selected datacube."""

    models_dock = "Recolour"
    reads_instrument = True
    tube_notes = (
        "The notes on these colours were",
        "Run Recolour again for notes on this tube (the colours themselves do not depend on the "
        "tube).",
    )

    def __init__(self, napari_viewer):
        super().__init__(napari_viewer, "Recolour")
        self.result = None  # the current cube's RecolourResult
        self.weights_edit = WeightsEdit("uvit", "shipped recolouriser")
        self.embedder_edit = WeightsEdit("dve", "shipped embedder")
        self.device = device_combo()
        self.device_label = QLabel("Device used: \u2014")
        self.flips_box = QCheckBox("average 8 flips and turns (8\u00d7 slower)")
        self.flips_box.setToolTip(
            "Each tile is recoloured in its 8 orientations and the colours averaged: slightly "
            "sharper and closer on held-out scans (docs/model_card_recolouriser.md), at 8 times "
            "the transformer's time"
        )
        self.caveat = QLabel(CAVEAT)
        self.caveat.setWordWrap(True)
        self.caveat.setToolTip(CAVEAT_WHY)
        self.placement = QComboBox()
        self.placement.addItems(PLACEMENTS)
        self.opacity = QSlider(Qt.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(100)
        self.save_button = QPushButton("Save image\u2026")
        self.save_button.setEnabled(False)
        self.save_button.setToolTip(
            "Off while Run computes new colours of the scan, and once their layer was deleted"
        )
        # On demand, not with every result: each layer napari adds freezes the viewer ~150 ms here.
        self.outline_box = QCheckBox("Outline where the colour is a guess")
        self.outline_box.setToolTip(
            "A labels layer over the colours marking the pixels whose X-ray lines do not fix the "
            "colour family (lead, iron, copper or calcium alone, or no lines)"
        )
        self.outline_box.setEnabled(False)
        # Of the scan's Instrument choice only the tube bears on the colours' notes (copper
        # anode: its scattered Cu lines name no pigment)
        self.make_instrument_row().tube_only(TUBE_TIP)

        grid = form_grid(
            [
                ("Datacube", self.cube_combo),
                (
                    "Recolouriser weights",
                    weights_row(self, self.weights_edit, "Recolouriser weights"),
                ),
                ("Embedder weights", weights_row(self, self.embedder_edit, "Embedder weights")),
                ("Device", self.device),
                ("Tube", self.instrument_row),
                ("Orientations", self.flips_box),
                ("Show", self.placement),
                ("Opacity", self.opacity),
            ]
        )
        lay = self.body_layout
        lay.addLayout(grid)
        lay.addWidget(self.device_label)
        lay.addWidget(self.caveat)
        self.ood_label = QLabel("")  # is the scan like the training data? (analysis.ood)
        self.ood_label.setWordWrap(True)
        lay.addWidget(self.ood_label)
        self.ambiguity_label = QLabel("")  # where the lines do not fix the colour
        self.ambiguity_label.setWordWrap(True)
        lay.addWidget(self.ambiguity_label)
        lay.addWidget(self.outline_box)
        lay.addStretch(1)
        # Run and Save stay in view below the body: the notes a run adds (up to eight lines)
        # pushed them below the fold of the docked tab at 1920 x 1080
        self.pin_below(self.job, self.save_button)

        self.save_button.clicked.connect(self._save_clicked)
        self.placement.currentIndexChanged.connect(self._place)
        self.opacity.valueChanged.connect(self._set_opacity)
        self.outline_box.toggled.connect(self._outline_toggled)
        self.follow_cube()

    @after_calibration("Recolouring")
    def run(self):
        """Start recolouring; returns the worker (None if no cube or already running)."""
        layer = self.cube_combo.current_layer()
        if layer is None:
            self.job.refused(report_error(ValueError("open a datacube first"), "Recolour"))
            return None
        cube = layer_cube(layer)
        if self.refuse_scan(cube):  # off the grid, or a single spectrum
            return None
        # The outline box and Show follow the chosen scan's colours: read now, for the scan this
        # run is on, not when the result arrives (another scan may be chosen by then)
        outline = self.outline_box.isChecked()
        over = self._shows_over()
        return self.start_job(
            _recolour_job,
            cube,
            self.weights_edit.path(),
            self.embedder_edit.path(),
            self.device.currentText(),
            self.flips_box.isChecked(),
            outline,
            tube_chosen(cube),  # named in the notes; none: the scan's (made_for: scan_tube)
            cube=cube,
            description="Embedding, then recolouring tiles\u2026",
            on_result=lambda res: self._add_result(layer, res, outline, over),
        )

    def _add_result(self, cube_layer, result, outline_wanted: bool, over: bool):
        """Staged (one layer per turn of the event loop: see JobPanel). `outline_wanted` and
        `over`: the outline box and Show as they were at Run."""
        viewer = self.viewer
        cube = layer_cube(cube_layer)
        # a tube chosen during the run: the outline would be made for the other (follow_instrument)
        outline_wanted = outline_wanted and not self.instrument_changed_since(cube, result)
        scale, _ = yx_transform(cube_layer)
        name = result_name(viewer, cube, "recoloured", cube_display_name(viewer, cube_layer))
        rerun = find_result(viewer, cube, name) is not None
        with_outline = outline_wanted and result.ambiguity.ambiguous.any()
        # the line counts the layers as they come, as Embed & cluster's does: "Done." stood over
        # the outline's adding, Run and Cancel off. No Cancel: the colours and their outline are
        # one result
        self.job.begin_adding(1 + bool(with_outline), cancellable=False)
        layer = upsert_layer(
            viewer,
            name,
            result.rgb,
            cube=cube,
            rgb=True,
            scale=scale,
            contrast_limits=(0.0, 1.0),
            metadata={"xrf_device": result.device},
        )
        self.remember(cube, "layer", layer)  # the slider and Show act on it while cube is chosen
        self.job.added(1)
        outline = self._outline_layer(cube)
        added = [layer.name]
        try:
            if with_outline:
                yield
                self._add_outline(cube_layer, result)
                added.append(self._outline_name(cube_layer))
                self.job.added(2)
            elif outline is not None:  # an earlier run's outline would now be stale
                viewer.layers.remove(outline)
            yield
        except GeneratorExit:
            # dropped (the scan closed): the layers it added stay, and the line says so; it
            # said "its result was dropped" alone, over the new colours still in the viewer
            self.dropped_layers_words = _kept_words(added, rerun)
            raise
        self._place_on(layer, cube_layer, over)
        # the slider follows the layer (opacity set in napari's layer controls survives a re-run)
        layer.events.opacity.connect(self._follow_opacity)
        if not rerun:
            layer.blending = "translucent"
            viewer.reset_view()  # bring the new layer into view; a re-run keeps the user's zoom
        self.job.status.setText("Done.")
        if layer not in viewer.layers:  # deleted as it landed: as _layer_removed, its outline
            self._remove_outline(cube)  # (added after it) goes, and its arrays are let go
            return _lightened(result)
        return result

    @property
    def result_layer(self):
        """The chosen scan's "recoloured" layer (None before a run, or once removed)."""
        layer = self.recall(self._cube, "layer")
        return layer if layer is not None and layer in self.viewer.layers else None

    def _outline_name(self, cube_layer) -> str:
        source = cube_display_name(self.viewer, cube_layer)
        return result_name(self.viewer, layer_cube(cube_layer), "ambiguous colour", source)

    def _outline_layer(self, cube):
        """`cube`'s "ambiguous colour" layer, or None (result_name: the name it was made under)."""
        return find_result(
            self.viewer, cube, result_name(self.viewer, cube, "ambiguous colour", "")
        )

    def _remove_outline(self, cube) -> None:
        """Remove `cube`'s "ambiguous colour" layer (its outline) where the viewer has one."""
        if (outline := self._outline_layer(cube)) is not None:
            self.viewer.layers.remove(outline)

    def _add_outline(self, cube_layer, result) -> None:
        scale, _ = yx_transform(cube_layer)
        upsert_layer(
            self.viewer,
            self._outline_name(cube_layer),
            result.ambiguity.ambiguous.astype(np.uint8),
            kind="labels",
            cube=layer_cube(cube_layer),
            scale=scale,
            metadata={MASK_KEY: "ambiguous colour"},  # no regions: Pigments does not offer it
        )

    def _outline_toggled(self, on: bool) -> None:
        cube_layer = self.cube_combo.current_layer()
        if cube_layer is None or self.result is None:
            return
        if on and self.result.ambiguity.ambiguous.any():
            self._add_outline(cube_layer, self.result)
            self._place()
        else:
            self._remove_outline(layer_cube(cube_layer))

    def scan_refusal(self, cube) -> str:
        """The models' refusal (CubeDock), else a single spectrum's (recolour.check_image): no
        image to recolour. Said as the scan is chosen, as the models' is (Embed & cluster's)."""
        from ..analysis.recolour import check_image

        why = super().scan_refusal(cube)
        if not why:
            try:
                check_image(self.scan_name(cube), cube.shape)
            except ValueError as exc:
                why = f"{self.models_dock}: {exc}"
        return why

    def show_result(self, result) -> None:
        """The current cube's colours (device used, Save, opacity of its layer), or a blank dock
        when it has none."""
        self.result = result
        self.follow_busy()  # Save, and the outline box and opacity slider (_follow_layers)
        self.show_notes()
        if result is not None:  # its notes (is the scan like the training data, where the
            # lines do not fix the colour) end below the fold of a docked tab, under the form
            self.scroll_into_view(self.ood_label, self.outline_box)

    def show_notes(self) -> None:
        """The device the colours were made on, is the scan like the training data (ood_label),
        and where do its lines not fix the colour (ambiguity_label): the notes withheld once
        made for another tube, and all three once the colours they describe were deleted
        (result_deleted), the device line back to a blank dock's."""
        shown = self.result is not None and not self.result_deleted()
        self.device_label.setText(
            f"Device used: {self.result.device}" if shown else "Device used: \u2014"
        )
        amb = getattr(self.result, "ambiguity", None)
        if self.show_ood(getattr(self.result, "ood", None)):
            amb = None
        self.ambiguity_label.setText("" if amb is None else amb.message())
        # every element set and every pigment left open, which the line counts but cannot name
        self.ambiguity_label.setToolTip("" if amb is None else amb.message(None, None))
        # no blank row before a run (the ood_label's is show_ood's)
        self.ambiguity_label.setVisible(bool(self.ambiguity_label.text()))

    def result_deleted(self) -> bool:
        """The chosen scan's colours layer was deleted (its Save is off then too)."""
        return self.result is not None and self.viewer is not None and self.result_layer is None

    def made_for(self, result):
        """The anode the notes were made for (their OODReport's, the run's scan_tube)."""
        return ood_made_for(result.ood)

    def follow_instrument(self, cube) -> None:
        """The notes follow the tube (CubeDock), and so does the outline: where the colour is a
        guess reads the tube (copper unread under a Cu tube), so an outline made for another
        tube is removed. It stayed over the colours, its box ticked and off, so that nothing
        in the dock took it away."""
        # the scan's, shown here or not (another dock set its tube)
        if self.instrument_changed_since(cube, self.recall(cube, "result")):
            self._remove_outline(cube)
        super().follow_instrument(cube)

    def _layer_removed(self, event=None) -> None:
        """A scan's colours deleted take their outline with them (of any scan, shown or not): it
        marks where those colours are a guess, and stayed over nothing (beside the scan, where
        Show put them) with its box ticked and off (_follow_layers), so that nothing in the dock
        took it away, as after a change of tube (follow_instrument). The colours, the latent
        they came from and the outline's mask are let go (400 MB at 4000 x 4000 px, kept until
        the scan was closed or recoloured again): Save is off, the notes are withheld, and Save's
        refusal needs only the layer's name."""
        super()._layer_removed(event)
        viewer = self.viewer
        if viewer is None:
            return
        for colours in self.recall_all("layer"):
            cube = result_cube(colours)
            if colours not in viewer.layers and cube is not None:
                self.remember(cube, "layer", None)
                self.remember(cube, "deleted", colours.name)
                if (result := self.recall(cube, "result")) is not None:
                    self.lighten_result(cube, _lightened(result))
                self._remove_outline(cube)  # (which calls this again: none left then)

    def follow_busy(self) -> None:
        """Save is off during a re-run, and once the chosen scan's colours layer was deleted:
        it stayed on and saved colours no longer shown anywhere (Save maps, likewise, is off
        once the maps are gone)."""
        shown = self.viewer is not None and self.result_layer is not None
        self.save_button.setEnabled(self.result is not None and shown and not self.result_busy())
        if self.viewer is not None:
            self._follow_layers()

    def _follow_layers(self) -> None:
        """The outline box and the opacity slider mirror the chosen scan's layers (they add
        nothing): after a run, and once the user deleted one (the box stayed ticked without
        an outline, the slider on without colours to act on). The box is off without the
        colours it qualifies: with their layer deleted it added an outline over nothing (over
        the scan, where Show put no colours)."""
        cube_layer = self.cube_combo.current_layer()
        amb = getattr(self.result, "ambiguity", None)
        outlined = (
            amb is not None
            and cube_layer is not None
            and self._outline_layer(layer_cube(cube_layer)) is not None
        )
        self.outline_box.blockSignals(True)
        self.outline_box.setChecked(outlined)
        self.outline_box.blockSignals(False)
        # off during a re-run too: ticked then, it outlined the previous colours, and the new
        # ones (run with the box as it was at Run) took the outline away and unticked the box
        self.outline_box.setEnabled(
            amb is not None
            and not self.stale_tube()  # where the colour is a guess depends on the tube
            and bool(amb.ambiguous.any())
            and self.result_layer is not None
            and not self.result_busy()
        )
        self._follow_opacity()
        self._follow_placement()

    def _follow_placement(self) -> None:
        """Show says where the chosen scan's colours are. It is one box for every scan, and
        acts on the scan shown: set to "Over the scan" for one scan, it went on saying so on
        another whose colours stayed beside it, and choosing "Over" there did nothing. Colours
        put over their scan read as "Over", anything else (beside it, or moved by the user)
        as "Beside"; no colours: the box keeps its choice for the next run."""
        layer, src = self.result_layer, self.current_layer()
        if layer is None or src is None:
            return
        over = tuple(float(v) for v in layer.translate[-2:]) == yx_transform(src)[1]
        self.placement.blockSignals(True)
        self.placement.setCurrentIndex(1 if over else 0)
        self.placement.blockSignals(False)

    def _shows_over(self) -> bool:
        """Whether Show says "Over the scan" (PLACEMENTS[1]), else "Beside the scan"."""
        return self.placement.currentIndex() == 1

    def _place(self, *_) -> None:
        layer, src = self.result_layer, self.current_layer()
        if layer is not None and src is not None:
            self._place_on(layer, src, self._shows_over())

    def _place_on(self, layer, src, over: bool) -> None:
        """Put a result layer (and its outline) over its scan's layer `src`, or beside it."""
        if not over:
            layer.translate = side_by_side_translate(src, layer_cube(src).shape[1])
        else:
            layer.translate = yx_transform(src)[1]
        outline = self._outline_layer(layer_cube(src))
        if outline is not None:
            outline.translate = layer.translate  # over the colours it qualifies

    def _set_opacity(self, value: int) -> None:
        if (layer := self.result_layer) is not None:
            layer.opacity = value / 100.0

    def _follow_opacity(self, event=None) -> None:
        """The slider shows the chosen scan's layer opacity (also set in napari's controls), and
        is off while that scan has no colours."""
        layer = self.result_layer
        source = getattr(event, "source", None)
        if source is not None and (layer is None or source.name != layer.name):
            return  # another scan's result layer (by name: the dock may hold a proxy of it)
        self.opacity.blockSignals(True)
        self.opacity.setValue(100 if layer is None else round(layer.opacity * 100))
        self.opacity.blockSignals(False)
        self.opacity.setEnabled(layer is not None)

    def save(self, path) -> Path:
        from ..analysis.recolour import save_rgb

        return save_rgb(path, *self._to_save(path))

    def _to_save(self, path) -> tuple:
        """The image and provenance a save of `path` writes (references: the result is never
        changed in place), once refused what may not be saved there."""
        if self.result is None:
            raise ValueError(nothing_yet("save", "run Recolour"))
        if self.result_layer is None:  # Save is off then; a script may still call this
            name = self.recall(self._cube, "deleted", "recoloured")
            raise ValueError(deleted_layer_refusal(name, "these colours", "Recolour"))
        scan = self.current_cube()
        self.check_outputs([path], also=[scan.path if scan else None])
        return self.result.rgb, self.result.provenance

    def _save_clicked(self) -> None:
        """Save in a job: a 2000 x 2000 PNG took 2 s to write, the viewer frozen meanwhile. The
        image is taken when the path is chosen, so deleting its layer meanwhile loses nothing."""
        self.save_with_dialog(
            "Save recoloured image",
            "PNG (*.png);;TIFF (*.tif *.tiff)",
            "recoloured.png",
            self._save_in_job,
            said=False,
        )

    def _save_in_job(self, path) -> None:
        from ..analysis.recolour import save_rgb

        rgb, provenance = self._to_save(path)
        name = Path(path).name
        self.save_in_job(
            lambda: [save_rgb(path, rgb, provenance)],
            cube=self.current_cube(),
            saving=f"Saving {name}\u2026",
            saved=f"{name} was saved",
            done=lambda _: f"Saved {name}.",
            name="Save",
        )
