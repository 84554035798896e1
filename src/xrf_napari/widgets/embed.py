"""Embed & cluster dock widget: DVE latent of every spectrum (worker, progress, Cancel), K-Means
regions as a Labels layer, their mean spectra in the Spectrum widget, export of labels + spectra."""

from __future__ import annotations

import re
import weakref
from pathlib import Path

import numpy as np
from qtpy.QtWidgets import QCheckBox, QLabel, QPushButton, QSpinBox

# why the run gave one region: the core's rule and words, as `xrf-napari embed` says them
from ..analysis.embed import ONE_BY_AUTO_K, one_region_reason
from ..analysis.embed import why_one as _why_one
from ._common import (
    MADE_FOR_UNKNOWN,
    CubeDock,
    WeightsEdit,
    after_calibration,
    closed_scan_name,
    deleted_layer_refusal,
    device_combo,
    form_grid,
    nothing_yet,
    ood_made_for,
    scan_tube,
    tube_chosen,
)
from ._dialogs import ask_save_path, suggested_path, weights_row
from ._jobs import import_torch_steps, preload_labels_imports, report_error, steps_beside
from ._layers import (
    counts_after,
    cube_display_name,
    edit_touched,
    find_result,
    follow_edits,
    forget_strokes,
    labels_edit,
    layer_cube,
    outside_regions,
    region_counts,
    regions_check,
    replace_regions,
    result_name,
    run_in_worker,
    unwrapped,
    upsert_layer,
    yx_transform,
)

#: The embedding's stage, as the job starts and again once the scan is checked.
EMBEDDING = "Embedding spectra\u2026"


def _embed_cluster_job(cube, weights, device, k, pool_low_counts: bool = True, anode=None):
    """Latent, its RGB preview, clusters and cluster mean spectra: progress over the embedding,
    then over the K-Means fits (each stage announced by name; Cancel stops between fits). The
    preview is made here, not in the GUI thread, which only hands finished arrays to napari. A
    low-count scan is pooled 3 x 3 first (analysis.pooling), unless pool_low_counts is False.
    First, as Recolour does, the scan is checked against the embedder's training data
    (analysis.ood, a few thousand sampled pixels): regions of an uncalibrated or empty scan came
    out with a plain "Done." and went on to Pigments. `anode`: the user's Instrument choice
    (tube_chosen; None: check_scan takes the scan's, as scan_tube), as Recolour's line reads it."""
    from ..analysis import pooling
    from ..analysis.embed import (
        auto_k_null,
        colour_table,
        iter_cluster,
        iter_cluster_spectra,
        iter_embed,
        latent_to_rgb,
        load_embedder,
    )
    from ..analysis.ood import iter_check_scan

    yield "Checking the scan against the embedder's training data\u2026"
    # torch's import, the embedder's load and the check, each with a point to stop at after it
    # (a step that reads no stop held a Cancel, or a closed dock, until the embedding began)
    yield from import_torch_steps()
    loaded_on = str((yield from steps_beside(load_embedder, weights, device)).device)
    yield None
    ood = yield from iter_check_scan(cube, weights, loaded_on, anode=anode)  # read, then model
    # the embedding's own stage: its bar ran from 0 again under "Checking...", full a moment before
    yield EMBEDDING
    pool, note = pooling.decide(cube, pool_low_counts)
    latent = yield from iter_embed(cube, weights=weights, device=device, pool=pool)
    rgb = latent_to_rgb(latent)
    yield "Clustering (choosing K)\u2026" if k is None else f"Clustering into {k} regions\u2026"
    # automatic K's reference: one material's counting noise at the scan's level, embedded alike
    null = auto_k_null(cube, k, weights=weights, device=device, pool=pool)
    result = yield from iter_cluster(latent, k, null_points=null)
    yield "Averaging each region's spectrum\u2026"
    spectra, counts = yield from iter_cluster_spectra(cube, result.labels)
    preload_labels_imports()
    colour_table()  # the clusters layer's colours (clusters_colormap), made here once
    used = str(load_embedder(weights, device).device)
    why_one = _why_one(latent, k, result)
    return latent, rgb, result, spectra, counts, used, note, ood, why_one


def _result_labels(value):
    """The clusters' labels of _embed_cluster_job's value (None for a value without them)."""
    clusters = value[2] if isinstance(value, tuple) and len(value) > 2 else None
    return getattr(clusters, "labels", None)


def _summary(result, painted=None) -> str:
    """The summary line of a result (EmbedClusterWidget.result): its regions, their shares of
    the scan, the device, and the run's note. `painted`: the pixels per label (label 0 first:
    _layers.region_counts) of the clusters layer once painted on since the result was kept
    (_count_areas): the areas are the regions the user sees, not the run's until Save."""
    _, _, clusters, _, counts, device, note, edited, _, why_one = result
    scan = int(clusters.labels.size)
    if painted is not None and outside_regions(painted):
        uncounted = "not counted: labels outside 0..65535"
        return f"Regions as edited on the layer, {uncounted} (device {device})."
    if painted is not None:  # (its last labels may have no pixel left: not listed)
        counts, scan, edited = np.trim_zeros(painted[1:], "b"), int(painted.sum()), True
    sil = f", silhouette {clusters.silhouette:.2f}" if clusters.silhouette is not None else ""
    if edited:
        sil = ", as edited on the layer"
    # an edit may leave numbers without a pixel (a 7 painted on 3 regions): no regions
    areas = [(i + 1, c) for i, c in enumerate(counts) if c > 0 or not edited]
    if not areas:
        return f"No region left: every pixel of the clusters layer is erased (device {device})."
    # shares of the scan, not of the pixels in a region: with part of the layer erased
    # (label 0), two regions of a quarter of the scan each read "1: 50%, 2: 50%"
    scan = max(scan, 1)
    sizes = ", ".join(f"{i}: {_share(c, scan)}" for i, c in areas)
    erased = scan - int(counts.sum())
    none = f"\n{_share(erased, scan)} of the scan is in no region." if erased > 0 else ""
    if len(areas) > 1:
        said = f"{len(areas)} regions{sil} (device {device}).\nArea per region: {sizes}{none}"
    elif edited or why_one is None:
        said = f"1 region{sil} (device {device}).{none}"
    else:  # the words of `xrf-napari embed` (analysis.embed.one_region_reason)
        split = "; set K to split the scan" if why_one == ONE_BY_AUTO_K else ""
        said = f"1 region: {one_region_reason(why_one)}{split} (device {device})."
    return said + (f"\n{note[0].upper()}{note[1:]}." if note else "")


def _share(pixels, scan: int) -> str:
    """`pixels` as a share of the `scan`'s pixels: a region of a few painted pixels (or an erasure
    of a few) is "under 1%", not "0%" (its region read as empty), and all but a few is "over
    99%", not "100%" (every pixel erased but one read "100% of the scan is in no region" beside
    the region left)."""
    share = 100 * pixels / scan
    if 0 < share < 0.5:
        return "under 1%"
    return "over 99%" if 99.5 <= share < 100 else f"{share:.0f}%"


class EmbedClusterWidget(CubeDock):
    """Pigment regions from the DVE embedding of the selected datacube."""

    models_dock = "Embed & cluster"
    reads_instrument = True
    tube_notes = (
        "The training-data line of these regions was",
        "Run Embed & cluster again for a line on this tube (the regions themselves do not "
        "depend on the tube).",
    )
    tube_chosen_in = "an Instrument row or Recolour's Tube box"  # it has no Tube box of its own

    def __init__(self, napari_viewer):
        super().__init__(napari_viewer, "Embed && cluster")
        from ..analysis.embed import MAX_K

        preload_labels_imports(background=True)  # its result is a Labels layer

        # the current cube's (name, energy, ClusterResult, spectra, counts, device, pooling note,
        # edited, OODReport): `edited` once Save has taken the user's edits of the clusters layer
        self.result = None
        self.latent_layer = None
        self.labels_layer = None
        self._seen = weakref.WeakKeyDictionary()  # the clusters layers' history (touched_labels)
        self._landing = False  # a run's regions are being put in the clusters layer
        self.weights_edit = WeightsEdit("dve", "shipped embedder")
        self.device = device_combo()
        self.k_spin = QSpinBox()
        self.k_spin.setRange(1, MAX_K)  # 1 = automatic (one region is no segmentation)
        self.k_spin.setValue(1)
        self.k_spin.setSpecialValueText("automatic")
        self.k_spin.setToolTip("Number of regions; automatic picks 2-12 by the silhouette score")
        self.pool_check = QCheckBox("Pool 3 x 3 neighbours when counts are low")
        self.pool_check.setChecked(True)
        from ..analysis.pooling import POOL_BELOW_COUNTS

        self.pool_check.setToolTip(
            f"Below {POOL_BELOW_COUNTS:.0f} counts per pixel each spectrum is summed with its 8 "
            "neighbours before embedding: regions come out clearer at 100-300 counts, at the cost "
            "of one pixel of softness at their edges (docs/model_card_embedder.md)"
        )
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.ood_label = QLabel("")  # is the scan like the training data? (analysis.ood)
        self.ood_label.setWordWrap(True)
        self.save_button = QPushButton("Save labels && spectra\u2026")
        self.save_button.setEnabled(False)
        self.save_button.setToolTip(
            "The regions as the clusters layer shows them: painted corrections are saved, with "
            "each region's spectrum and pixel count recomputed. Off while Run computes new "
            "regions of the scan, and once the clusters layer was deleted"
        )

        grid = form_grid(
            [
                ("Datacube", self.cube_combo),
                ("Embedder weights", weights_row(self, self.weights_edit, "Embedder weights")),
                ("Device", self.device),
                ("Regions (K)", self.k_spin),
            ]
        )
        lay = self.body_layout
        lay.addLayout(grid)
        lay.addWidget(self.pool_check)
        lay.addWidget(self.summary)
        lay.addWidget(self.ood_label)
        lay.addStretch(1)
        # Run and Save stay in view below the body: in the docked tab at 1920 x 1080 a run's
        # summary and notes (low counts pooled, a scan unlike the training data) pushed Save
        # below the fold
        self.pin_below(self.job, self.save_button)
        for label in (self.summary, self.ood_label):  # no blank rows before a run
            label.hide()

        self.save_button.clicked.connect(self._save_clicked)
        self.follow_cube()

    @after_calibration("Embed & cluster")
    def run(self):
        """Start embedding + clustering; returns the worker (None if no cube or already running)."""
        layer = self.cube_combo.current_layer()
        if layer is None:
            self.job.refused(report_error(ValueError("open a datacube first"), "Embed & cluster"))
            return None
        weights = self.weights_edit.path()
        k = self.k_spin.value() if self.k_spin.value() > 1 else None
        cube = layer_cube(layer)
        if self.refuse_scan(cube):  # off the grid, or a spot scan: before the model loads
            return None
        n = int(cube.shape[0]) * int(cube.shape[1])  # the scan's pixels
        if k is not None and k > n:  # else said by K-Means once the scan was embedded
            from ..analysis.embed import too_few_for_k

            self.job.refused(report_error(ValueError(too_few_for_k(k, n)), "Embed & cluster"))
            return None
        check = regions_check(self.viewer, layer, "clusters")  # digested in the worker
        return self.start_job(
            run_in_worker,
            _embed_cluster_job,
            _result_labels,
            check,
            cube,
            weights,
            self.device.currentText(),
            k,
            self.pool_check.isChecked(),
            tube_chosen(cube),  # as Recolour's: none chosen, check_scan takes the scan's
            cube=cube,
            description=EMBEDDING,
            on_result=lambda res: self._add_results(layer, res, check),
        )

    def made_for(self, result):
        """The anode the training-data line was made for (its OODReport's, the run's scan_tube)."""
        return ood_made_for(result[8])

    def scan_refusal(self, cube) -> str:
        """The models' refusal (CubeDock), else a spot scan's (pigment_fit.too_few_for_regions,
        as `xrf-napari embed`): too few pixels to find regions in. Said as the scan is chosen, as
        the models' is: it came only once Run was pressed, while an off-grid scan said its refusal
        at once."""
        from ..analysis.pigment_fit import too_few_for_regions

        why = super().scan_refusal(cube)
        if why:
            return why
        scan = f"{self.models_dock}: {self.scan_name(cube)}"
        return too_few_for_regions(cube.shape, scan, "the Pigments panel") or ""

    def _add_results(self, cube_layer, res, check=None):
        """Staged (one layer per turn of the event loop: see JobPanel), the line saying "Adding
        2 layers... (1 of 2)" meanwhile and "Done." once both are in. `check`: the run's
        RegionsCheck (None: the digests are computed here)."""
        latent, rgb, result, spectra, counts, device, note, ood, why_one = res
        viewer = self.viewer
        source = cube_display_name(viewer, cube_layer)
        scale, translate = yx_transform(cube_layer)
        cube = layer_cube(cube_layer)
        name = result_name(viewer, cube, "latent RGB", source)  # a renamed scan's, kept
        latent_before = _layer_state(find_result(viewer, cube, name))
        # the line counts the two layers as they come ("Done." stood over a first run's adding
        # 2.4-2.9 s, napari's first Labels layer); no Cancel: a latent RGB alone is no result
        self.job.begin_adding(2, cancellable=False)
        self.latent_layer = upsert_layer(
            viewer,
            name,
            rgb,
            cube=cube,
            rgb=True,
            contrast_limits=(0, 255),  # uint8 preview: no scan of the data for limits
            scale=scale,
            translate=translate,
            metadata={"xrf_latent": latent},
        )
        self.job.added(1)
        try:
            yield
        except GeneratorExit:
            # the scan was closed before its clusters came: the result is dropped, its latent
            # too (it stood beside the previous run's clusters, or alone)
            self.latent_layer = _put_back(viewer, self.latent_layer, latent_before)
            self.dropped_layers_words = _dropped_words(latent_before, None, clusters=False)
            raise
        name = result_name(viewer, cube, "clusters", source)
        clusters = find_result(viewer, cube, name)
        clusters_before = _layer_state(clusters)
        # the layer gets a copy of the labels: the brush never edits the kept result. Its new
        # data is no edit of the kept result's regions (_clusters_edited): the new result's
        # summary and curves follow, or the old regions come back if it is dropped
        self._landing = True
        try:
            self.labels_layer, kept, kept_line = replace_regions(
                viewer,
                name,
                result.labels,
                cube=cube,
                colormap=clusters_colormap,
                check=check,
                scale=scale,
                translate=translate,
                opacity=0.6,
                keep_undo=True,  # forgotten below, once the new regions stay
            )
        finally:
            self._landing = False
        self.job.added(2)
        try:
            yield
        except GeneratorExit:
            # dropped after its clusters step (the scan closed, the dock closed): the viewer
            # as it was before the run, not the dropped result's two layers (and a copy of
            # the regions the clusters layer holds again). In one batch: napari runs a full
            # gc.collect() at each removal (1 s each once torch is loaded, at load 14), once
            # at a batch's end
            with viewer.layers.batched_update():
                if kept is not None and kept in viewer.layers:
                    viewer.layers.remove(kept)
                self.labels_layer = _put_back(viewer, self.labels_layer, clusters_before)
                self.latent_layer = _put_back(viewer, self.latent_layer, latent_before)
            self.dropped_layers_words = _dropped_words(latent_before, clusters_before)
            raise
        if self.labels_layer is None:  # deleted as it landed (_layer_removed): its regions are
            # let go, as a finished result's, and no curve is plotted for them (it failed here)
            import copy

            self.job.status.setText("Done, and its clusters layer was deleted.")
            result = copy.copy(result)
            result.labels = None
            return (source, cube.energy, result, spectra, counts, device, note, False, ood, why_one)
        # the previous regions' strokes are not undone into the new run's (the painted ones are
        # in the copy). Not at upsert: a result dropped above puts the painted regions back, their
        # strokes undoable
        forget_strokes(self.labels_layer)
        follow_edits(self.labels_layer, self._clusters_edited, self._seen)
        self.job.status.setText(f"Done. {kept_line}" if kept_line else "Done.")
        # the sentence goes once the copy is deleted, and names both layers as they are renamed
        self.say_while_shown(cube, [kept], kept_line, named=[self.labels_layer])
        self._send_spectra(cube, spectra, self.labels_layer, counts)
        if cube is self.current_cube():  # the summary and notes are under the form
            self.scroll_into_view(self.summary, self.ood_label)
        return (source, cube.energy, result, spectra, counts, device, note, False, ood, why_one)

    #: The Spectrum dock's status line once cluster curves were taken off its plot.
    CURVES_EDITED = (
        "{} taken off the plot: {} painted on \u201c{}\u201d. Save labels & spectra (Embed & "
        "cluster) averages the regions as painted and plots them again."
    )

    def _clusters_edited(self, event) -> None:
        """A stroke, an undo or new data on a clusters layer: the summary's areas follow the
        layer (_count_areas), and the Spectrum curves of the clusters whose pixels changed are
        taken off (they stayed, and were exported, as the means of regions that no longer were),
        those a stroke touched (touched_labels: no compare of the whole layer), all of them for an
        undo or new data unless the layer holds the kept result's regions again, whose curves
        then come back. At a run's landing (_landing) the kept result's curves go with its
        regions, and nothing is counted: the whole layer was recounted there, in the GUI thread,
        for counts the new result drops; its curves stayed one step of the event loop beside
        the new regions, in their colours, until the new ones came."""
        from .spectrum import find_spectrum_widget

        what, item = labels_edit(event, self._seen)
        touched = edit_touched(what, item)
        layer, viewer = event.source, self.viewer
        if (touched is not None and not touched) or viewer is None:
            return
        target = find_spectrum_widget(viewer)
        for cube, kept in list(self._per_cube.values()):
            result = kept.get("result")
            if result is None or result[2].labels is None:
                continue
            clusters = self._clusters_layer(cube, result)
            if unwrapped(clusters) is not layer:
                continue
            back = False  # a run's new regions, whose own summary and curves follow
            if not self._landing:
                back = touched is None and np.array_equal(layer.data, result[2].labels)
                self._count_areas(cube, result, layer, None if back else (what, item))
            if target is None:
                continue
            names = [
                n for n in target.curve_names(cube) if re.fullmatch(r"cluster \d+", n) is not None
            ]
            if back:
                if len(names) < sum(1 for c in result[4] if c > 0):  # undone: back
                    self._send_spectra(cube, result[3], layer, result[4])
                continue
            if touched is not None:
                names = [n for n in names if int(n.split()[-1]) in touched]
            held = target.drop_curves(cube, names)
            # new data is a run's (its own curves follow) or a script's: nothing was painted
            if held and cube is target.current_cube() and event.type != "data":
                which = (
                    f"The curve of {held[0]} was"
                    if len(held) == 1
                    else f"The curves of clusters {', '.join(n.split()[-1] for n in held)} were"
                )
                words = "its region was" if len(held) == 1 else "their regions were"
                said = self.CURVES_EDITED.format(which, words, layer.name)
                # it leaves the line as the curves come back (_send_spectra) or the layer goes;
                # said once a job of the Spectrum dock's own ended, not over its line
                target.say_when_idle(cube, [layer], said)

    def _count_areas(self, cube, result, layer, edit) -> None:
        """Keep the pixels per label of `cube`'s clusters `layer` after `edit` (labels_edit's;
        None: it holds `result`'s regions again) for the summary, which described the run's
        regions until Save while the user painted others: a stroke's change, undone or redone,
        is counted from its box (counts_after), new data by a recount of the layer (64-270 ms at
        4000 x 4000 px: an undo took 345 ms in this slot so)."""
        if edit is None:
            self.forget(cube, "painted")
        else:
            before = self.recall(cube, "painted")
            if before is None:  # the result's regions: its counts, label 0 first
                counts = np.asarray(result[4], np.int64)
                before = np.concatenate([[result[2].labels.size - counts.sum()], counts])
            what, item = edit
            stroke = what in ("paint", "undo", "redo")  # also on labels outside 0..65535
            counts = counts_after(before, item, undone=what == "undo") if stroke else None
            self.remember(cube, "painted", region_counts(layer.data) if counts is None else counts)
        if cube is self.current_cube():
            self.show_notes()

    def keep_result(self, cube, kept) -> None:
        """A new result's summary starts from its own regions, not the layer's earlier edits."""
        self.forget(cube, "painted")
        super().keep_result(cube, kept)

    def _layer_removed(self, event=None) -> None:
        """The last run's latent RGB and clusters layers (latent_layer, labels_layer) are let go
        once deleted: the dock held them until its next run, the latent of every pixel in the
        layer's metadata with them (240 MB at 4000 x 4000 px), also once their scan was closed.
        So are the regions of a scan whose clusters layer was deleted (its run's labels, 64 MB
        at 4000 x 4000 px, kept per scan until it was closed or clustered again): Save is off
        and the summary gone. Regions whose latent RGB alone was deleted stay: Save writes them."""
        import copy

        super()._layer_removed(event)
        viewer = self.viewer
        if viewer is None:
            return
        if self.latent_layer is not None and self.latent_layer not in viewer.layers:
            self.latent_layer = None
        if self.labels_layer is not None and self.labels_layer not in viewer.layers:
            self.labels_layer = None
        for cube, kept in list(self._per_cube.values()):
            result = kept.get("result")
            if result is None or result[2].labels is None:
                continue
            if self._deleted_clusters(cube, result) is not None:
                clusters = copy.copy(result[2])  # (a test's stand-in too)
                clusters.labels = None
                self.lighten_result(cube, (*result[:2], clusters, *result[3:]))
                self.forget(cube, "painted")

    def show_result(self, result) -> None:
        """The current cube's regions (summary, Save), or a blank dock when it has none."""
        self.result = result
        self.follow_busy()
        self.show_notes()

    def show_notes(self) -> None:
        """The regions' summary and the run's training-data line (or stale_tube's in its
        place); both gone once the regions' clusters layer was deleted (result_deleted)."""
        self.show_ood(None if self.result is None else self.result[8])
        painted = self.recall(self.current_cube(), "painted")
        deleted = self.result is None or self.result_deleted()
        said = "" if deleted else _summary(self.result, painted)
        self.summary.setText(said)
        self.summary.setVisible(bool(said))

    def follow_busy(self) -> None:
        """Save is off during a re-run, and once the chosen scan's clusters layer was deleted:
        it stayed on and saved the run's regions, shown nowhere (as Recolour's Save)."""
        shown = self._deleted_clusters() is None
        self.save_button.setEnabled(self.result is not None and shown and not self.result_busy())

    def result_deleted(self) -> bool:
        """The chosen scan's clusters layer was deleted (its Save is off then too)."""
        return self._deleted_clusters() is not None

    def _deleted_clusters(self, cube=None, result=None) -> str | None:
        """The name of the clusters layer of the chosen scan's result (`cube`'s `result`) once
        the user deleted it; None while it is shown, and without a result."""
        cube = self.current_cube() if cube is None else cube
        result = self.result if result is None else result
        if result is None or cube is None or self.viewer is None:
            return None
        name = result_name(self.viewer, cube, "clusters", result[0])
        return name if find_result(self.viewer, cube, name) is None else None

    def _refuse_deleted(self, cube, result) -> None:
        """Save's refusal (a ValueError) once the regions' clusters layer was deleted."""
        name = self._deleted_clusters(cube, result)
        if name is not None:
            raise ValueError(deleted_layer_refusal(name, "these regions", "Embed & cluster"))

    def _send_spectra(self, cube, spectra, labels_layer, counts=None) -> None:
        """Each region's mean spectrum to the Spectrum dock; a number without a pixel (`counts`
        0: a 7 painted on 3 regions leaves 4-6 empty) sends none: its curve was all zeros. The
        Spectrum line's sentence that a stroke took curves off (CURVES_EDITED) goes as they are
        drawn again (the stroke undone, Save of the painted regions, a new run): it stayed."""
        from .spectrum import find_spectrum_widget

        target = find_spectrum_widget(self.viewer)
        if target is None:
            return
        target.unsay(cube, _CURVES_EDITED.fullmatch)
        colors = [
            tuple(float(v) for v in np.asarray(labels_layer.get_color(i + 1))[:4])
            for i in range(len(spectra))
        ]
        target.replace_curves(
            "cluster ",
            {
                f"cluster {i + 1}": (cube.energy, spec, color)
                for i, (spec, color) in enumerate(zip(spectra, colors))
                if counts is None or counts[i] > 0
            },
            cube=cube,  # kept for that cube when Spectrum shows another one
            source=labels_layer,  # the curves go with the layer
        )

    def _clusters_layer(self, cube, result):
        """The clusters layer of `result` (None once the user deleted it)."""
        return find_result(self.viewer, cube, result_name(self.viewer, cube, "clusters", result[0]))

    def edited_labels(self, cube=None, result=None):
        """A copy of the clusters layer's labels when the user has painted on it since the kept
        result was made, else None: Save writes what the user sees, never the run's labels."""
        cube = self.current_cube() if cube is None else cube
        result = self.result if result is None else result
        layer = None if result is None else self._clusters_layer(cube, result)
        if layer is None:
            return None
        kept = result[2].labels
        labels = np.array(layer.data, copy=True)
        if labels.shape != kept.shape:
            raise ValueError(
                f"the clusters layer is now {labels.shape}, not the scan's {kept.shape}: "
                "run Embed & cluster again"
            )
        if labels.min(initial=0) < 0 or labels.max(initial=0) > 65535:
            raise ValueError("region labels must lie in 0..65535 to be saved")
        if not labels.any():  # else taken as the result, then "there is no spectrum to export"
            raise ValueError(
                "the clusters layer has no region left (every pixel is 0): paint regions on it, "
                "or run Embed & cluster again"
            )
        return None if np.array_equal(labels, kept) else labels

    def _take_edits(self, cube, result, labels, spectra, counts) -> tuple:
        """Keep the edited regions as the cube's result, with their own spectra and pixel counts
        and no silhouette (it scored the run's K-Means regions, not these); the summary and the
        Spectrum curves follow."""
        import dataclasses

        name, energy, clusters, _, _, device, note, _, ood, _ = result
        k = int(labels.max(initial=0))
        centers = np.full((k, clusters.centers.shape[1]), np.nan)  # an edit has no centres
        edited = dataclasses.replace(clusters, labels=labels, k=k, centers=centers, silhouette=None)
        kept = (name, energy, edited, spectra, counts, device, note, True, ood, None)
        self.keep_result(cube, kept)
        layer = self._clusters_layer(cube, kept)
        if layer is not None:
            self._send_spectra(cube, spectra, layer, counts)
        return kept

    def _painted_since(self, cube, saved, recount: bool = False) -> str | None:
        """The name of the clusters layer of `saved` (the result Save wrote: the labels taken as
        it was pressed) when it no longer holds those labels: strokes made while the save ran,
        not in the files (None: none). With `recount`, for edited regions the save has just kept
        as the result (_take_edits: their counts, their curves), the summary counts the layer
        again and the curves of the labels painted since go: they described the labels taken at
        the press, beside regions painted otherwise since, until the next Save."""
        from .spectrum import find_spectrum_widget

        layer = None if saved[2].labels is None else self._clusters_layer(cube, saved)
        if layer is None or self.viewer is None:
            return None
        data, labels = np.asarray(layer.data), saved[2].labels
        same = data.shape == labels.shape
        changed = data != labels if same else None
        if changed is not None and not changed.any():
            return None
        if recount:
            self.remember(cube, "painted", region_counts(data))
            target = find_spectrum_widget(self.viewer)
            if target is not None:
                touched = None  # (another shape: every curve)
                if changed is not None:
                    touched = set(np.unique(data[changed]).tolist())
                    touched |= set(np.unique(labels[changed]).tolist())
                names = [
                    n
                    for n in target.curve_names(cube)
                    if re.fullmatch(r"cluster \d+", n) is not None
                    and (touched is None or int(n.split()[-1]) in touched)
                ]
                target.drop_curves(cube, names)
            if cube is self.current_cube():
                self.show_notes()
        return layer.name

    def _check_targets(self, path, cube) -> tuple[Path, Path]:
        path, csv_path = save_paths(path)
        # never over the scan, nor any scan or photograph open
        self.check_outputs([path, csv_path], also=[cube.path if cube else None])
        return path, csv_path

    def save(self, path) -> tuple[Path, Path]:
        """Write the labels image and `<stem>_spectra.csv` beside it: a PNG in the CLI's label
        colours (to look at), a TIFF with the label values (to compute with). The labels are the
        clusters layer's as the user sees them; edited ones get their spectra and counts
        recomputed here (a pass over the scan: the Save button does it in a job instead)."""
        from ..analysis.embed import iter_cluster_spectra
        from ..progress import run_to_end

        if self.result is None:
            raise ValueError(nothing_yet("save", "run Embed & cluster"))
        cube, result = self.current_cube(), self.result
        self._refuse_deleted(cube, result)  # Save is off then; a script may still call this
        self._check_targets(path, cube)
        labels = self.edited_labels(cube, result)
        if labels is not None:
            spectra, counts = run_to_end(iter_cluster_spectra(cube, labels))
            result = self._take_edits(cube, result, labels, spectra, counts)
        return self._write(path, cube, result)

    def _write(self, path, cube, result) -> tuple[Path, Path]:
        """_write_files once the targets are checked, in the calling thread (save(), and the
        edited regions' save as its spectra are delivered)."""
        path, csv_path = self._check_targets(path, cube)
        return _write_files(
            path, csv_path, result, _calibration_source(cube), self._tube(cube, result)
        )

    def _tube(self, cube, result) -> str | None:
        """The tube `result`'s run used (made_for: its check's, as `embed` writes), else the
        scan's now: scan_tube at Save named the Ag chosen after a run made for Mo."""
        made = self.made_for(result)
        return scan_tube(cube) if made is MADE_FOR_UNKNOWN else made

    #: Why Save is refused while a job of the dock runs: it writes in a job (the edited regions'
    #: spectra computed first), and the panel runs one job at a time.
    BUSY_SAVE = (
        "a job of this dock is running, and Save writes in a job: wait for it to end (or Cancel "
        "it), then save again"
    )

    def _refuse_busy_save(self) -> None:
        """Say why Save does nothing now: the toast and the status line (the job's line, which
        its next stage replaces; before, the click did nothing and said nothing)."""
        self.job.status.setText(report_error(ValueError(self.BUSY_SAVE), "Save"))

    def _save_clicked(self) -> None:
        if self.job.is_running:  # refused before the dialog, not after the user chose a name
            self._refuse_busy_save()
            return
        # one question for the image and the CSV beside it (the dialog named neither, or one),
        # after refusing the scan
        cube, result = self.current_cube(), self.result
        try:
            path = ask_save_path(
                self,
                "Save labels & spectra",  # the button's words (it said "Save cluster labels")
                "PNG (*.png);;TIFF (*.tif *.tiff)",
                suggested_path(self.save_beside(), "clusters.png"),
                beside=save_paths,
                check=lambda files: self.check_outputs(files, also=[cube.path if cube else None]),
            )
        except (OSError, ValueError) as exc:
            self.job.refused(report_error(exc, "Save"))
            return
        if not path or self.refuse_busy("Save"):
            return
        try:
            if result is None:
                raise ValueError(nothing_yet("save", "run Embed & cluster"))
            self._refuse_deleted(cube, result)  # deleted while the dialog was open
            self._check_targets(path, cube)
            labels = self.edited_labels(cube, result)
            if labels is None:
                self._write_in_job(path, cube, result)
                return
        except (OSError, ValueError) as exc:
            self.job.refused(report_error(exc, "Save"))
            return
        from ..analysis.embed import iter_cluster_spectra

        def write_edited(res):  # the edited regions' spectra are in: keep them, then write
            kept = self._take_edits(cube, result, labels, *res)
            late = self._painted_since(cube, kept, recount=True)
            try:
                saved, csv_path = self._write(path, cube, kept)
            except (OSError, ValueError) as exc:  # in the job's delivery: the line is the job's
                self.job.status.setText(report_error(exc, "Save"))
            else:
                self.job.status.setText(
                    f"Saved the edited regions: {saved.name} and {csv_path.name}."
                    + _late_words(late)
                )

        def stopped() -> str:  # "its result was dropped" read as if the regions were lost
            layer = self._clusters_layer(cube, result)
            kept = "" if layer is None else f"; the edited regions are still in {layer.name}"
            scan = closed_scan_name(cube)
            return (
                f"The scan {scan} was closed, so the save was stopped: nothing was written{kept}."
            )

        worker = self.start_job(
            iter_cluster_spectra,
            cube,
            labels,
            cube=cube,
            description="Averaging the spectrum of each edited region\u2026",
            on_result=write_edited,
            keep=False,
            name="Save labels & spectra",  # not "Embed & cluster" in a notification
            closed_words=stopped,
        )
        if worker is None:  # a job started while the dialog was open
            self._refuse_busy_save()

    def _write_in_job(self, path, cube, result) -> None:
        """Write the unedited regions in a job (as Recolour's Save): a full-size PNG froze the
        viewer while it was written on napari's GUI thread. The targets are checked here."""
        path, csv_path = self._check_targets(path, cube)
        calibration, anode = _calibration_source(cube), self._tube(cube, result)
        worker = self.save_in_job(
            lambda: _write_files(path, csv_path, result, calibration, anode),
            cube=cube,
            saving=f"Saving {path.name}\u2026",
            saved=f"{path.name} was saved",
            done=lambda _: (
                f"Saved {path.name} and {csv_path.name}."
                f"{_late_words(self._painted_since(cube, result))}"
            ),
            name="Save labels & spectra",
            again=None,  # refused on the status line, in Save's own words
        )
        if worker is None:  # a job started while the dialog was open
            self._refuse_busy_save()


#: Any sentence CURVES_EDITED makes (of a layer renamed since too: _reword_renamed names it anew).
_CURVES_EDITED = re.compile(
    ".*".join(map(re.escape, EmbedClusterWidget.CURVES_EDITED.split("{}"))), re.S
)


def _late_words(layer_name: str | None) -> str:
    """What Save's status line adds once strokes were made on the clusters layer `layer_name`
    while the save ran (EmbedClusterWidget._painted_since; None: none): the files hold the
    regions as they were when Save was pressed, and said "Saved ..." of them alone."""
    if layer_name is None:
        return ""
    return (
        " They hold the regions as they were when Save was pressed: what was painted on "
        f"\u201c{layer_name}\u201d since is not in them (save again to keep it)."
    )


def _calibration_source(cube) -> str:
    """The calibration the spectra CSV names: the scan's, "unknown" without one."""
    return cube.calibration.source if cube is not None else "unknown"


def _write_files(path, csv_path, result, calibration, anode) -> tuple[Path, Path]:
    """The labels image and the CSV (targets checked), replacing earlier ones together
    (atomic_set: a failed CSV left new labels beside the old spectra), the CSV in the `embed`
    command's layout; in the Save's job or a script's thread."""
    from ..analysis.export import save_cluster_spectra, save_label_image, write_region_colours
    from ..fileutil import atomic_set, made_folder

    name, energy, clusters, spectra, counts, _, _, edited, *_ = result
    with made_folder(path.parent), atomic_set():
        if path.suffix.lower() == ".png":
            write_region_colours(path, clusters.labels, clusters.k)
        else:
            save_label_image(path, clusters.labels)
        save_cluster_spectra(
            csv_path,
            energy,
            spectra,
            counts,
            source=name,
            calibration=calibration,
            labels_file=path.name,
            edited=edited,
            anode=anode,
        )
    return path, csv_path


def clusters_colormap():
    """The clusters layer's colours: label_colours', which the saved PNG (and `xrf-napari
    embed`'s labels.png) has. With napari's own (49 random colours, cycled) the screen and the
    Spectrum curves showed other colours than the PNG, which cycled its 40 colours for a region
    painted beyond them. napari takes at most 2**16 - 1 colours with the background: labels
    1..65534 are each their own, 65535 shows label 1's colour. A new one per layer: a layer
    keeps its selected label in its colormap."""
    from napari.utils.colormaps import CyclicLabelColormap

    from ..analysis.embed import MAX_LABEL, label_colours

    rgba = np.ones((MAX_LABEL, 4), np.float32)
    rgba[:, :3] = label_colours(MAX_LABEL - 1) / 255.0
    rgba[0] = 0.0  # the background, transparent
    return CyclicLabelColormap(colors=rgba)


def _layer_state(layer):
    """(layer, its data, its metadata) as they are before a delivery updates it, for _put_back;
    None for no layer."""
    return None if layer is None else (layer, layer.data, dict(layer.metadata))


def _put_back(viewer, layer, before):
    """Undo a step of a delivery that was dropped: `layer` is the layer it updated or added,
    `before` (that layer, its data, its metadata) as it was, or None where it added one. Returns
    the layer to keep. `viewer`: the delivery's own; self.viewer is None once the dock is closed
    (a delivery dropped as the dock closed then failed here, leaving the layer it added)."""
    if before is not None and before[0] is layer:
        layer.data, layer.metadata = before[1], before[2]
        return layer
    if layer is not None and layer in viewer.layers:
        viewer.layers.remove(layer)
    return None if before is None else before[0]


def _dropped_words(latent_before, clusters_before, clusters: bool = True) -> str:
    """What a dropped delivery did with its layers (the dock's dropped_layers_words, said after
    "its result was dropped", set by _add_results as it puts them back): on a first run (no
    latent RGB or clusters layer before it) the layers it had added were removed, nothing was
    "put back"."""
    if latent_before is not None or clusters_before is not None:
        return "the latent RGB and clusters layers were put back as they were before this run"
    if clusters:
        return "the latent RGB and clusters layers this run had added were removed"
    return "the latent RGB layer this run had added was removed"


def save_paths(path) -> tuple[Path, Path]:
    """(labels image, `<stem>_spectra.csv` beside it) that Save labels & spectra writes for the
    chosen `path`; one not ending in .png, .tif or .tiff refused, as Recolour's save() does."""
    from ..analysis.export import refuse_image_suffix

    path = Path(path)
    refuse_image_suffix(path, "a label map")
    return path, path.with_name(f"{path.stem}_spectra.csv")
