"""Spectrum dock widget: mean spectrum of a cube, the pixel under the mouse or a region, element
line markers and suggested elements, other widgets' curves (cluster means), CSV export."""

from __future__ import annotations

import weakref
from pathlib import Path

import numpy as np
from qtpy.QtCore import Qt
from qtpy.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
)

from ..cube import pixels_text
from ._common import (
    NO_SCAN,
    NO_SUGGESTION,
    CubeDock,
    after_calibration,
    awaits_calibration,
    nothing_yet,
    scan_tube,
    suggestions_text,
)
from ._jobs import report_error
from ._layers import (
    LayerCombo,
    cube_display_name,
    follow_edits,
    labels_for,
    layer_cube,
    layer_type,
    made_for,
    newest_shown,
    touched_labels,
    unwrapped,
)

#: Families shown for each marker group.
MARKER_GROUPS = {"K": ("Ka", "Kb"), "L": ("La", "Lb", "Lg"), "M": ("Ma",)}
MEAN_CURVE = "mean"
PIXEL_CURVE = "pixel"
REGION_CURVE = "region"
#: The Log scale box's tooltip while every curve is zero (an all-zero scan): matplotlib has no
#: log axis without a count above zero, and the box stayed ticked over a linear axis, unsaid
LOG_NEEDS_COUNTS = (
    "Log scale needs counts above zero: every curve plotted is zero, so the axis is shown "
    "linear. Your choice comes back with a scan that has counts."
)

# A spectrum widget per viewer, so other widgets (Embed & cluster) can send it curves.
_INSTANCES: weakref.WeakSet[SpectrumWidget] = weakref.WeakSet()


def find_spectrum_widget(viewer) -> SpectrumWidget | None:
    target = unwrapped(viewer)
    for w in list(_INSTANCES):
        try:
            if unwrapped(w.viewer) is target:
                return w
        except RuntimeError:  # Qt object already deleted
            continue
    return None


def _region_job(cube, mask):
    from ..analysis.spectra import iter_mean_spectrum

    return (yield from iter_mean_spectrum(cube, mask))


def _is_region_for(layer, cube) -> bool:
    """A region Spectrum may average on `cube`: a Shapes layer, or a Labels layer of the scan's
    size, made from that scan or from none (made_for: as Pigments' Regions). Another scan's
    clusters were offered, and kept after that scan was closed; on two scans of one size the
    region spectrum averaged the other scan's regions without a word. None on a single spectrum
    (a spot), which has no regions."""
    if layer_cube(layer) is not None or _one_pixel(cube):
        return False
    if layer_type(layer) == "Shapes":
        return made_for(layer, cube)
    return labels_for(layer, cube, stacked=True)


class RegionCombo(LayerCombo):
    """The Region list. Where the chosen region goes (deleted, or not this scan's), the layer
    selected in the layer list is chosen where it is a region (as LayerCombo), else the newest
    region shown (the topmost visible layer; a hidden "(your edits)" copy is not): the first
    was, so deleting the third region drawn chose the first. With none chosen yet, the first."""

    def _fallback(self, layers: list, current):
        if current is None:
            return super()._fallback(layers, current)
        return newest_shown(layers)

    def say_when_empty(self, text: str) -> None:
        """The entry shown while no region is listed (at the next refresh)."""
        self._placeholder = text


class SpectrumWidget(CubeDock):
    """Spectra of the selected datacube layer."""

    uses_survey = True
    tab_group = False  # the canvas's companion: stays in view beside the other docks' tabs

    def __init__(self, napari_viewer):
        super().__init__(napari_viewer, "Mean spectrum")
        from ..elements import PAINTING_ELEMENTS
        from ._plot import FigureView
        from ._spectrum_plot import SpectrumPlot

        self.curves: dict[str, tuple[np.ndarray, np.ndarray, object]] = {}
        self._plot = SpectrumPlot()  # its figure lives in the drawing thread (_spectrum_plot.py)
        self._markers = (None, ())  # (what they were made for, markers): xraylib once per ticks
        self._last_pixel = None
        self._energy = None
        self._seen = weakref.WeakKeyDictionary()  # the region layers' history (touched_labels)
        self._x_label = "Energy (keV)"

        self.calibration_label = QLabel("")
        self.calibration_label.setWordWrap(True)
        self.calibrate_button = QPushButton("Calibrate from two peaks\u2026")
        self.log_check = QCheckBox("Log scale")
        self.log_check.setChecked(True)
        self._log_wanted = True  # the user's choice; the box shows it where it can (_follow_log)
        self.follow_mouse = QCheckBox("Pixel under the mouse")
        self.follow_mouse.setChecked(True)
        self.region_combo = RegionCombo(
            napari_viewer, lambda ly: _is_region_for(ly, self.current_cube()), self.DRAW_REGION
        )
        self.region_button = QPushButton("Region spectrum")  # its tooltip: _follow_region_button
        self.family_checks = {g: QCheckBox(g) for g in MARKER_GROUPS}
        for g, box in self.family_checks.items():
            box.setChecked(g != "M")
            box.toggled.connect(self.redraw)
        self.element_list = QListWidget()
        self.element_list.setFlow(QListWidget.LeftToRight)
        self.element_list.setWrapping(True)
        self.element_list.setResizeMode(QListWidget.Adjust)
        self.element_list.setMaximumHeight(64)
        for sym in PAINTING_ELEMENTS:
            item = QListWidgetItem(sym)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Unchecked)
            self.element_list.addItem(item)
        self.element_list.itemChanged.connect(self.redraw)
        self.suggested_label = QLabel(NO_SUGGESTION)
        self.suggested_label.setWordWrap(True)
        self.suggested_label.setTextFormat(Qt.TextFormat.RichText)
        self.clear_button = QPushButton("Clear extra curves")
        self.export_button = QPushButton("Export CSV\u2026")

        # Built and drawn off the GUI thread (widgets/_plot.py), with fixed margins:
        # constrained_layout measured every label on every draw, a third of each redraw's time.
        self.canvas = FigureView(self.MARGINS_IN)
        self.canvas.setMinimumHeight(180)
        self._plot_failure = ""  # the status line said of the latest failed draw (_plot_failed)
        self.canvas.drawing_failed.connect(self._plot_failed)

        grid = QGridLayout()
        grid.addWidget(QLabel("Datacube"), 0, 0)
        grid.addWidget(self.cube_combo, 0, 1, 1, 2)
        grid.addWidget(self.log_check, 1, 0)
        grid.addWidget(self.follow_mouse, 1, 1, 1, 2)
        grid.addWidget(QLabel("Region"), 2, 0)
        grid.addWidget(self.region_combo, 2, 1)
        grid.addWidget(self.region_button, 2, 2)
        # what the file does not say of the scanner, for the suggestion (shared with Maps)
        grid.addWidget(QLabel("Instrument"), 3, 0)
        grid.addWidget(self.make_instrument_row(), 3, 1, 1, 2)
        fam_row = QHBoxLayout()
        fam_row.addWidget(QLabel("Line markers:"))
        for box in self.family_checks.values():
            fam_row.addWidget(box)
        fam_row.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.export_button)
        lay = self.body_layout
        lay.addLayout(grid)
        cal_row = QHBoxLayout()
        cal_row.addWidget(self.calibration_label, 1)
        cal_row.addWidget(self.calibrate_button)
        lay.addLayout(cal_row)
        lay.addWidget(self.canvas, 1)
        # right under the plot, above the markers' controls: with the five docks open at
        # 1920 x 1080 the plot (at its minimum) and this line are in view, the element list
        # below the fold; under the list it sat 150 px below the fold
        lay.addWidget(self.suggested_label)
        lay.addLayout(fam_row)
        lay.addWidget(self.element_list)
        # the status line, progress, Mean spectrum / Cancel and Export CSV stay in view below the
        # body, as the job docks' do: with the five docks open at 1920 x 1080 they sat 56-163 px
        # below its fold, and a survey under way showed an empty plot and no sign of work
        self.pin_below(self.job, buttons)
        # so that its minimum stays near the 89 px it had, the body may shrink below a scroll
        # area's own 69 px: five docks added in one go are laid out in one column before the job
        # docks join their tabs, and a minimum 123 px taller grew napari's window 1080 -> 1139 px
        self.scroll.setMinimumHeight(1)

        self.region_button.clicked.connect(self.region_spectrum)
        self.region_combo.layer_changed.connect(self._follow_region_button)
        self._follow_region_button()
        self.log_check.toggled.connect(self._log_toggled)
        self.clear_button.clicked.connect(self.clear_extra_curves)
        self.export_button.clicked.connect(self._export_clicked)
        self.calibrate_button.clicked.connect(self._calibrate_clicked)
        napari_viewer.events.theme.connect(self._apply_theme)
        self._mouse_cb = _make_mouse_callback(self)
        napari_viewer.mouse_move_callbacks.append(self._mouse_cb)
        self.destroyed.connect(_detach_callback(napari_viewer, self._mouse_cb))
        self.closed.connect(_detach_callback(napari_viewer, self._mouse_cb))  # its x: not destroyed
        _INSTANCES.add(self)
        self._apply_theme()
        self.follow_cube()

    # -- public API --------------------------------------------------------------------------
    def add_curve(self, name: str, energy, counts, color=None, cube=None, source=None) -> None:
        """Plot (or replace) a named curve, in mean counts per pixel over energy (keV); a curve
        of a `cube` other than the one shown is kept for it (see _set_curves), one of a `source`
        layer goes with it (_drop_orphans)."""
        energy = np.asarray(energy, dtype=np.float64)
        counts = np.asarray(counts, dtype=np.float64)
        if energy.shape != counts.shape or energy.ndim != 1:
            raise ValueError(f"curve {name!r}: energy and counts must be 1-D of equal length")
        self._set_curves(cube, {name: (energy, counts, color)}, source=source)

    def replace_curves(self, prefix: str, curves: dict, cube=None, source=None) -> None:
        """Drop the curves named `prefix...` and plot `curves` {name: (energy, counts, color)}, with
        one redraw (a redraw per curve froze napari for a second after Embed & cluster); made
        from a `source` layer (a clusters layer), they go with it (_drop_orphans)."""
        self._set_curves(cube, curves, prefix, source)

    def _set_curves(self, cube, curves: dict, prefix: str | None = None, source=None) -> None:
        """Add `curves` (after dropping those named `prefix...`) to the plot; for a `cube` other
        than the one shown, to the curves kept for it, which come back when it is chosen again.
        Curves of a `source` layer already deleted (during the job that made them) are not. A
        curve with a NaN or infinite value is refused, nothing added: a script's add_curve of one
        (one NaN among 512 channels) was kept and broke every redraw, an ERROR "Spectrum plot:
        ValueError: Axis limits cannot be NaN or Inf" each time, until it was removed."""
        for name, (energy, counts, _) in curves.items():
            for what, values in (("count", counts), ("energy", energy)):
                values = np.asarray(values, dtype=np.float64)
                if bad := int(np.count_nonzero(~np.isfinite(values))):
                    raise ValueError(
                        f"curve {name!r} is not finite: {bad} of its {values.size} {what} values "
                        "are NaN or infinite; give finite values (np.nan_to_num, or drop those "
                        "channels)"
                    )
        if source is not None and source not in self.viewer.layers:
            curves = {}
        shown = cube is None or cube is self.current_cube()
        target = self.curves if shown else dict(self.recall(cube, "curves", {}))
        for name in [n for n in target if prefix is not None and n.startswith(prefix)]:
            del target[name]
        for name, (energy, counts, color) in curves.items():
            target[name] = (
                np.asarray(energy, dtype=np.float64),
                np.asarray(counts, dtype=np.float64),
                color,
            )
        kept = cube if cube is not None else self.current_cube()
        if kept is not None:  # which layer each curve came from (None: none), whatever is shown
            sources = dict(self.recall(kept, "sources", {}))
            sources.update(dict.fromkeys(curves, source))
            self.remember(kept, "sources", {n: s for n, s in sources.items() if n in target})
        if shown:
            self.redraw()
        else:
            self.remember(cube, "curves", target)

    def _drop_orphans(self) -> None:
        """Drop the curves whose layer was deleted, of every open scan: the region curve of its
        Shapes or Labels layer, the cluster means of their clusters layer. They stayed, and the
        CSV export wrote them, as if of a region still there (a removed result clears what came
        from it, as a closed scan's do)."""
        layers = self.viewer.layers
        for cube, kept in list(self._per_cube.values()):
            sources = kept.get("sources") or {}
            gone = [n for n, s in sources.items() if s is not None and s not in layers]
            if gone:
                self.drop_curves(cube, gone)

    def drop_curves(self, cube, names) -> list[str]:
        """Take the curves `names` and their sources off `cube`'s plot: the one shown (redrawn)
        or the one kept for when the scan is shown again. Returns those it held."""
        sources = self.recall(cube, "sources") or {}
        self.remember(cube, "sources", {n: s for n, s in sources.items() if n not in names})
        shown = cube is self.current_cube()
        curves = self.curves if shown else dict(self.recall(cube, "curves") or {})
        held = [name for name in names if curves.pop(name, None) is not None]
        if shown and held:
            self.redraw()
        elif not shown:
            self.remember(cube, "curves", curves)
        return held

    def curve_names(self, cube) -> list[str]:
        """The names of `cube`'s curves, shown or kept for when it is shown again."""
        return list(
            self.curves if cube is self.current_cube() else self.recall(cube, "curves") or {}
        )

    def _layer_removed(self, event=None) -> None:
        keys = {i: kept.get("image keys", ()) for i, (_, kept) in self._per_cube.items()}
        super()._layer_removed(event)
        if not self._closed:
            # a closed scan's plot images let go (those of a plot alike on a scan still open kept)
            gone, held = set(), set()
            for i, keys_of in keys.items():
                (held if i in self._per_cube else gone).update(keys_of)
            self.canvas.drop_images(gone - held)
            self._drop_orphans()
            for cube, kept in list(self._per_cube.values()):  # a deleted region let go
                made = kept.get("region made")
                if made is not None and made[0] not in self.viewer.layers:
                    self.forget(cube, "region made")

    def remove_curves(self, prefix: str = "") -> None:
        for name in [n for n in self.curves if n.startswith(prefix)]:
            del self.curves[name]
        self.redraw()

    def clear_extra_curves(self) -> None:
        for name in self._extra_curves():
            del self.curves[name]
        self.redraw()

    def _extra_curves(self) -> list[str]:
        """The curves Clear extra curves removes: all but the scan's mean, the pixel and the
        region curve (the regions' means Embed & cluster sends)."""
        return [n for n in self.curves if n not in (MEAN_CURVE, PIXEL_CURVE, REGION_CURVE)]

    def checked_elements(self) -> list[str]:
        return [
            self.element_list.item(i).text()
            for i in range(self.element_list.count())
            if self.element_list.item(i).checkState() == Qt.Checked
        ]

    def set_checked_elements(self, symbols) -> None:
        symbols = set(symbols)
        self.element_list.blockSignals(True)
        for i in range(self.element_list.count()):
            item = self.element_list.item(i)
            item.setCheckState(Qt.Checked if item.text() in symbols else Qt.Unchecked)
        self.element_list.blockSignals(False)
        self.redraw()

    def compute_mean(self):
        """Show the selected cube's mean spectrum and suggested elements, surveying the cube once
        (shared with Elemental maps); returns the running worker, if any."""
        self.request_survey()
        return self.job.worker

    run = compute_mean

    @after_calibration("Region spectrum")
    def region_spectrum(self):
        """Start the job averaging the spectrum inside the selected Shapes/Labels layer."""
        layer, region = self.cube_combo.current_layer(), self.region_combo.current_layer()
        if layer is None or region is None:
            self.job.refused(
                report_error(ValueError("choose a datacube and a Shapes or Labels region first"))
            )
            return None
        if self.job.is_running:  # the panel runs one job at a time: say so, not drop the click
            self.job.refused(
                report_error(
                    ValueError("wait for the current job to end (or Cancel it), then try again"),
                    "Region spectrum",
                )
            )
            return None
        cube = layer_cube(layer)
        label = getattr(region, "selected_label", None)  # the Labels layer's region
        try:
            mask = region_mask(region, layer, cube.shape[:2], label)
        except EmptyRegion as exc:  # nothing drawn yet: what to do, not an error
            from napari.utils.notifications import show_info

            self.job.refused(f"Region spectrum: {exc}")
            show_info(f"Region spectrum: {exc}")
            return None
        except ValueError as exc:
            self.job.refused(report_error(exc, "Region"))
            return None
        # what the curve is the mean of, and the labels whose edit may change it: the label
        # alone where the mask is its pixels, else (every label's pixels) also 0
        watch = None
        if label is not None:
            watch = {label} if np.any(np.asarray(region.data) == label) else {label, 0}
        made = (region, layer, label, np.packbits(mask), watch)

        return self.start_job(
            _region_job,
            cube,
            mask,
            cube=cube,  # closing the cube stops the job
            name="Region spectrum",  # its notification named the dock's "Mean spectrum"
            keep=False,
            description="Averaging the region\u2026",
            on_result=lambda mean: self._add_region_curve(cube, made, mean),
        )

    #: The status line once the region a region curve was averaged over was edited.
    REGION_EDITED = (
        "The region curve of \u201c{}\u201d was taken off the plot: the region was edited "
        "after it was averaged. Press Region spectrum to average it again."
    )

    #: The status line once the region's layer was deleted while it was averaged.
    REGION_DELETED = (
        "No region curve: the layer \u201c{}\u201d was deleted while its region was averaged."
    )

    def _add_region_curve(self, cube, made, mean) -> None:
        """Plot the region curve of `made` (region layer, scan layer, label, packed mask), unless
        the region was edited or its layer deleted while it was averaged (the line says which:
        a deleted one's curve was dropped under a bare "Done."); its edits are followed
        (_region_edited)."""
        if made[0] not in self.viewer.layers:
            self.job.status.setText(self.REGION_DELETED.format(made[0].name))
            return
        if self._region_changed(cube, made):
            self.job.status.setText(self.REGION_EDITED.format(made[0].name))
            return
        self.add_curve(REGION_CURVE, cube.energy, mean, cube=cube, source=made[0])
        self.remember(cube, "region made", made)
        follow_edits(made[0], self._region_edited, self._seen)

    def _region_changed(self, cube, made) -> bool:
        """Whether the pixels of the region `made` were averaged over are no longer the region's
        (a stroke, an undo, a shape moved; a region left empty or deleted)."""
        region, layer, label, packed, _ = made
        try:
            mask = region_mask(region, layer, cube.shape[:2], label)
        except ValueError:
            return True
        return not np.array_equal(np.packbits(mask), packed)

    def _region_edited(self, event=None) -> None:
        """A region curve's layer was edited: the curve, the mean of pixels that are no longer
        its region's, is taken off the plot (of every scan), with a sentence on the shown scan's
        status line. It stayed, and was exported, as the region's spectrum. A stroke or a
        refresh is told by touched_labels, not by averaging the region again and comparing: that
        froze the viewer 190 ms at 4000 x 4000 px at each stroke's end and each move of the
        brush over a large layer."""
        layer = getattr(event, "source", None)
        if self._closed or str(getattr(event, "action", "")).endswith("ing"):
            return  # a shape being drawn or dragged: once it is done
        labels = layer_type(layer) == "Labels"
        touched = touched_labels(event, self._seen, replays=True) if labels else None
        for cube, kept in list(self._per_cube.values()):
            made = kept.get("region made")
            if made is None or made[0] is not layer:
                continue
            if touched is not None:  # a stroke, or an undo or redo of one: the region
                # changed where it changed a pixel of the region's labels (made[4]); not
                # compared, as napari emits a script's stroke before it writes the pixels. On
                # a stacked layer, also where another plane keeps that pixel in the region.
                if not touched & made[4]:
                    continue
            elif not self._region_changed(cube, made):
                continue
            self.forget(cube, "region made")
            self.drop_curves(cube, [REGION_CURVE])
            if cube is self.current_cube():
                self.job.status.setText(self.REGION_EDITED.format(layer.name))

    def export_csv(self, path) -> None:
        """Write the plotted curves to `path` now (Export CSV... writes them in a job:
        _export_in_job)."""
        from ..analysis.export import save_spectra_csv

        args, kwargs = self._to_export(path)
        save_spectra_csv(*args, **kwargs)

    def _to_export(self, path) -> tuple[tuple, dict]:
        """save_spectra_csv's arguments for `path` (copies of the curves plotted now), once
        refused what may not be written there."""
        cube = self.current_cube()
        # a file no save may replace first, whether or not the mean has been plotted yet
        self.check_outputs([path], also=[cube.path if cube else None])
        # a script's name not ending in .csv ("x.jpg", "spectra.dat", "spectra"), as Embed's and
        # Recolour's save(path) refuse one not of their type: written as named, napari did not
        # reopen it (Export CSV... adds .csv to a name with none of its own)
        if Path(path).suffix.lower() != ".csv":
            raise ValueError(f"cannot write {path}: the spectra are saved as .csv")
        if not self.curves:  # as the Export button: not analysis.export's own wording
            raise ValueError(nothing_yet("export", "plot a spectrum"))
        layer = self.cube_combo.current_layer()
        comments = ["xrf-napari spectra, mean counts per pixel"]
        if layer is not None:
            cal = cube.calibration
            comments.append(
                f"cube: {cube_display_name(self.viewer, layer)}; "
                + (
                    "no energy calibration (x = channel number)"
                    if cal.source == "none"
                    else f"calibration offset {cal.offset:.6g} keV, gain {cal.gain:.6g} "
                    "keV/channel"
                    # a curved calibration's energies are not offset + gain x channel: the
                    # line stated a straight one that disagreed with the energy column
                    + (f", quadratic {cal.quadratic:.6g} keV/channel^2" if cal.quadratic else "")
                    # where it came from, as the dock's label says it ("auto, assuming a Rh
                    # tube"): io.spectra.read_csv reads it back (exported_calibration)
                    + f" ({calibration_origin(cube)[0]})"
                )
            )
        curves = {
            csv_column(n, self._last_pixel): (np.array(e), np.array(y))
            for n, (e, y, _) in export_order(self.curves)
        }
        return (path, curves), {
            "comments": comments,
            "anode": scan_tube(cube) if layer is not None else None,
            "x_name": "energy_keV" if "keV" in self._x_label else "channel",
        }

    def _export_in_job(self, path) -> None:
        """Write the CSV in a job, not in napari's GUI thread (as the other docks' saves:
        CubeDock.save_in_job); what it writes is taken now."""
        from ..analysis.export import save_spectra_csv

        args, kwargs = self._to_export(path)
        name = Path(path).name
        self.save_in_job(
            lambda: [save_spectra_csv(*args, **kwargs)],
            cube=self.current_cube(),
            saving=f"Saving {name}\u2026",
            saved=f"{name} was saved",
            done=lambda _: f"Saved {name}.",
            name="Export",
            again="export",
        )

    # -- internals ---------------------------------------------------------------------------
    def on_cube(self, layer) -> None:
        spot = layer is not None and _one_pixel(layer_cube(layer))
        self.region_combo.say_when_empty(self.SPOT_REGION if spot else self.DRAW_REGION)
        self.region_combo.refresh()  # the regions made for this scan (none on a spot)
        had = None if layer is None else self.recall_weakly(layer_cube(layer), "region")
        if self.region_combo.offers(had):  # the one chosen on it before
            self.region_combo.set_layer(had)
        self._follow_region_button()  # off on a spot, which has no region
        self.curves.clear()  # then the curves this cube had when the user left it
        self._last_pixel = None
        self.suggested_label.setText(NO_SUGGESTION)
        self._follow_calibrate_button(None if layer is None else layer_cube(layer))
        if layer is None:
            self._energy = None
            self.follow_mouse.setEnabled(True)
            self.follow_mouse.setToolTip("")
            self.set_checked_elements([])
            self.calibration_label.setText(
                "Open a datacube (File > Open File(s)\u2026) to see its spectra."
            )
            self.redraw()
            return
        cube = layer_cube(layer)
        cal = cube.calibration
        self._energy = cube.energy
        self.calibration_label.setToolTip("")
        # a spot's only pixel is its mean curve: the box would do nothing (show_pixel)
        self.follow_mouse.setEnabled(not _one_pixel(cube))
        self.follow_mouse.setToolTip(
            "A single spectrum: its only pixel is the curve shown." if _one_pixel(cube) else ""
        )
        if cal.source == "none" and awaits_calibration(cube):
            self._x_label = "Channel"
            self.calibration_label.setText(
                "The file has no energy calibration: xrf-napari is fitting one from the scan's "
                "peaks while the sum image is computed. Channel numbers until then."
            )
        elif cal.source == "none":
            from ..energy import HOW_TO_CALIBRATE

            self._x_label = "Channel"
            self.calibration_label.setText(
                "No energy calibration: the axis shows channel numbers, and maps, markers and "
                "pigments need one. Give it one with Calibrate from two peaks\u2026 (hover here "
                "for the other ways, or see 'Fixing a calibration' in the user guide)."
            )
            self.calibration_label.setToolTip(HOW_TO_CALIBRATE[0].upper() + HOW_TO_CALIBRATE[1:])
        else:
            from ..energy import energy_range_text

            self._x_label = "Energy (keV)"
            source, tip = calibration_origin(cube)
            self.calibration_label.setText(
                f"{pixels_text(cube.shape, order=True)}, {cube.n_channels} "
                f"channels, {energy_range_text(self._energy)} (calibration: {source})"
            )
            self.calibration_label.setToolTip(tip)
        self.curves.update(self.recall(cube, "curves", {}))
        # the ticks the user left on this cube, else (once surveyed) its suggested elements
        self.set_checked_elements(self.recall(cube, "ticks", []))

    def leave_cube(self, cube) -> None:
        self.keep_ticks(cube)
        # region and cluster means come back with their cube; the mouse's pixel does not
        self.remember(cube, "curves", {n: c for n, c in self.curves.items() if n != PIXEL_CURVE})
        # the region chosen on this scan comes back with it (weakly: a deleted layer's labels)
        self.remember_weakly(cube, "region", self.region_combo.current_layer())

    def show_survey(self, mean, suggested) -> None:
        cube = self.current_cube()
        self.suggested_label.setText(suggestions_text(suggested))
        self.curves[MEAN_CURVE] = (self._energy, np.asarray(mean, dtype=np.float64), None)
        if not self.tick_suggested_once(cube, suggested):  # (which redraws)
            self.redraw()

    def show_pixel(self, row: int, col: int) -> bool:
        """Plot the spectrum of pixel (row, col) of the selected cube; False outside it. A scan of
        one pixel (a .mca, .msa or .spx spot) gets no pixel curve: it would be the mean curve
        again, drawn over it (the legend says the mean is that pixel)."""
        from ..analysis.spectra import pixel_spectrum

        layer = self.cube_combo.current_layer()
        if layer is None or self._energy is None:
            return False
        if self._last_pixel == (row, col):
            return True
        cube = layer_cube(layer)
        if _one_pixel(cube):
            return (row, col) == (0, 0)
        spec = pixel_spectrum(cube, row, col)
        if spec is None:
            return False
        self._last_pixel = (row, col)
        self.curves[PIXEL_CURVE] = (self._energy, spec, None)
        self.redraw()
        return True

    def _theme(self):
        from napari.utils.theme import get_theme

        viewer = self.viewer
        try:
            return get_theme(viewer.theme if viewer is not None else "dark")
        except ValueError:
            return get_theme("dark")

    def _apply_theme(self, *_) -> None:
        t = self._theme()
        self._colors = {
            "bg": t.background.as_hex(),
            "canvas": t.canvas.as_hex() if t.type == "dark" else "#ffffff",
            "text": t.text.as_hex(),
            "grid": t.primary.as_hex(),
            "accent": t.current.as_hex(),
            "dark": t.type == "dark",
        }
        self.redraw()

    #: Room around the plot's axes in inches (left, right, bottom, top): tick labels in 8 pt and
    #: axis labels in 9 pt, log-scale labels like 10^-2 included.
    MARGINS_IN = (0.62, 0.12, 0.45, 0.12)

    @property
    def figure(self):
        """The figure last drawn (None without curves). It belongs to the drawing thread: look at
        it only once plot_is_current()."""
        return self._plot.figure if self.curves else None

    @property
    def ax(self):
        return self._plot.ax if self.curves else None

    def _log_toggled(self, checked: bool) -> None:
        self._log_wanted = bool(checked)
        self.redraw()

    def _follow_log(self) -> None:
        """The Log scale box shows whether the axis is logarithmic: with every curve zero (an
        all-zero scan) it is linear, so the box is unticked and off, its tooltip saying why;
        the user's choice (_log_wanted) comes back with curves that have counts. It stayed
        ticked over a linear axis, with nothing saying why."""
        zero = bool(self.curves) and not any(np.any(y > 0) for _, y, _ in self.curves.values())
        box = self.log_check
        box.blockSignals(True)  # not the user's choice: _log_toggled is not told
        box.setChecked(self._log_wanted and not zero)
        box.blockSignals(False)
        box.setEnabled(not zero)
        box.setToolTip(LOG_NEEDS_COUNTS if zero else "")

    def redraw(self, *_) -> None:
        """Hand the plot widget a snapshot of the curves and markers (a PlotSpec): its drawing
        thread builds the figure, or, when only curve data changed (a new pixel under the
        mouse), updates the kept one, and draws it. No matplotlib runs in the GUI thread, so the
        dock opens without waiting for its import. Without a curve the plot stays empty."""
        self._follow_log()
        self._follow_curve_buttons()
        if not self.curves:
            self.canvas.show_figure(None)
            return
        import functools

        spec = self._plot_spec()
        key, cube = _image_key(spec), self.current_cube()
        if key is not None and cube is not None:  # let go as the scan is closed (_layer_removed)
            kept = self.canvas.kept_keys()
            keys = {k for k in self.recall(cube, "image keys", ()) if k in kept}
            self.remember(cube, "image keys", keys | {key})
        self.canvas.show_built(functools.partial(self._plot.render, spec), key)

    def _plot_failed(self, message: str) -> None:
        """The plot could not be drawn (FigureView.drawing_failed): said in a notification and
        on the status line (not over a job's), where it was printed to the terminal alone and
        the plot went on showing its last image as if of the curves asked for. The words say
        which image stays: an image kept for the curves asked for, shown at once, is theirs (it
        said "what it showed before" over it). "" (drawn again): the line still saying so is
        cleared."""
        said, self._plot_failure = self._plot_failure, ""
        if message:
            shown = (
                "the image drawn earlier for these curves"
                if self.canvas.shows_asked
                else "what it showed before"
            )
            self._plot_failure = report_error(
                RuntimeError(f"{message}; the plot shows {shown}"), "Spectrum plot"
            )
            self.job.refused(self._plot_failure)
        elif said and not self.job.is_running and self.job.status.text() == said:
            self.job.show_state(None)

    #: Region spectrum's tooltip while no region of the scan is listed (the button is off).
    NO_REGION_TIP = (
        "Draw a rectangle or polygon in a Shapes layer, or paint a Labels layer of the scan's "
        "size, then choose it under Region"
    )

    #: Region spectrum's tooltip on a single spectrum (the button is off).
    SPOT_TIP = "A single spectrum has no regions: its only pixel is the curve shown."
    #: The Region list while no region of the scan is listed.
    DRAW_REGION = "(draw a Shapes or Labels layer)"
    #: The Region list on a single spectrum (off): it asked to draw a region on one pixel, and
    #: listed the Shapes layers drawn on other scans.
    SPOT_REGION = "(none: a single spectrum)"

    def _follow_region_button(self, *_) -> None:
        """Region spectrum is on only while a region is chosen: with none it stayed on, and a
        click only refused ("choose a datacube and a Shapes or Labels region first"), as
        Pigments' Find pigments is off without regions. On a single spectrum (a spot) it is off
        and says so: its tooltip asked to draw a rectangle on a scan of one pixel."""
        spot = _one_pixel(self.current_cube())
        has = self.region_combo.current_layer() is not None and not spot
        self.region_button.setEnabled(has)
        self.region_combo.setEnabled(not spot)
        self.region_combo.setToolTip(self.SPOT_TIP if spot else "")
        self.region_button.setToolTip(
            self.SPOT_TIP
            if spot
            else "Mean spectrum of the pixels inside the shapes / labels"
            if has
            else self.NO_REGION_TIP
        )

    def _follow_curve_buttons(self) -> None:
        """Clear extra curves is on only while the plot holds a curve it removes
        (_extra_curves): with the scan's mean alone it stayed on and did nothing. Export CSV is
        on only while a curve is plotted: with no scan open it stayed on, and a click only
        refused ("nothing to export yet: plot a spectrum first"). redraw follows the curves."""
        self.clear_button.setEnabled(bool(self._extra_curves()))
        self.export_button.setEnabled(bool(self.curves))

    def _plot_spec(self):
        from ._spectrum_plot import Curve, PlotSpec

        c, cube, pixel = self._colors, self.current_cube(), self._last_pixel
        mean = "spectrum (the scan's only pixel)" if _one_pixel(cube) else None
        live_s = None if pixel is None or cube is None else cube.pixel_live_s(*pixel)
        default = {
            MEAN_CURVE: ("#e0e0e0" if c["dark"] else "#202020", 1.4, mean or "mean of the scan"),
            PIXEL_CURVE: ("#f0a030", 0.9, pixel_label(pixel, live_s)),
            REGION_CURVE: ("#40c0f0", 1.2, "region"),
        }
        curves = []
        for name, (e, y, color) in self.curves.items():
            col, lw, label = default.get(name, (color, 1.0, name))
            curves.append(Curve(name, label, e, y, col, lw))
        energy = self._energy
        calibrated = energy is not None and self._x_label.startswith("Energy")
        return PlotSpec(
            curves=tuple(curves),
            markers=self._marker_spec() if calibrated else (),
            x_label=self._x_label,
            xlim=None if energy is None else (float(energy[0]), float(energy[-1])),
            log=self.log_check.isChecked(),
            colors=tuple((k, c[k]) for k in ("bg", "canvas", "text", "grid")),
        )

    def plot_is_current(self) -> bool:
        """Whether the plot shows the latest curves (not while its drawing thread works)."""
        return self.canvas.is_current()

    def _marker_spec(self) -> tuple:
        """The ticked elements' lines of the ticked families within the energy range, remade only
        when those change (xraylib is asked for each element's lines)."""
        from ..elements import element_lines
        from ._spectrum_plot import Marker

        families = tuple(
            f for g, box in self.family_checks.items() if box.isChecked() for f in MARKER_GROUPS[g]
        )
        e0, e1 = float(self._energy[0]), float(self._energy[-1])
        wanted = (tuple(self.checked_elements()), families, e0, e1)
        if self._markers[0] != wanted:
            markers = tuple(
                Marker(ln.energy, i, ln.family in ("Ka", "La", "Ma"), ln.label)
                for i, sym in enumerate(wanted[0])
                for ln in element_lines(sym)
                if ln.family in families and e0 <= ln.energy <= e1
            )
            self._markers = (wanted, markers)
        return self._markers[1]

    def _follow_calibrate_button(self, cube) -> None:
        """Calibrate from two peaks... is offered for any scan but one whose automatic
        calibration is still being fitted (it would replace the user's): first for a scan with
        none, also to replace a wrong one (a calibration fitted for the wrong tube)."""
        self.calibrate_button.setVisible(cube is not None and not awaits_calibration(cube))
        none = cube is not None and cube.calibration.source == "none"
        self.calibrate_button.setToolTip(
            "Give this scan an energy calibration from two peaks you know: their channels, "
            "read off the plot, and their lines (Fe Ka) or energies in keV"
            if none
            else "Replace this scan's energy calibration by one from two peaks you know"
        )

    def _calibrate_clicked(self) -> None:
        from ..io.user_calibration import sidecar_refusal, strongest_peaks
        from ._calibrate import TwoPeakDialog

        cube = self.current_cube()
        if cube is None:
            return
        mean = self.curves.get(MEAN_CURVE)  # the survey's, once in: its peaks are offered
        peaks = () if mean is None else strongest_peaks(mean[1] * cube.shape[0] * cube.shape[1])
        TwoPeakDialog(self, cube, sidecar_refusal(cube.path), peaks).open()

    def calibrate_from_peaks(
        self, ch1: float, peak1: str, ch2: float, peak2: str, save=False, replace=False, cube=None
    ) -> str:
        """Calibrate the shown scan (or `cube`, the dialog's, refused once no layer shows it)
        from two peaks: channel `ch1` is `peak1` (a line, "Fe Ka", or keV), `ch2` is `peak2`
        (io.user_calibration). Every layer and dock showing the scan
        takes the calibrated Cube (give_calibration): the axis in keV, markers, maps, Run. With
        `save`, the JSON sidecar is written first (io.user_calibration.write_sidecar; `replace`
        one there), so that the file opens calibrated next time; nothing changes where it
        fails. ValueError (and OSError, SidecarExists) in words for the dialog; returns what
        was done, also notified."""
        from napari.utils.notifications import show_info

        from ..energy import energy_range_text
        from ..io.user_calibration import calibration_from_peaks, peak_energy, write_sidecar
        from ._calibrate import give_calibration, running_on

        if cube is None:
            cube = self.current_cube()
        elif not any(layer_cube(ly) is cube for ly in self._viewer.layers):
            raise ValueError(
                "That scan was closed, or its calibration changed meanwhile: press Calibrate "
                "from two peaks\u2026 again."
            )
        if cube is None:
            raise ValueError(NO_SCAN)
        if awaits_calibration(cube):
            raise ValueError("The automatic calibration is still being fitted: wait for it.")
        if why := running_on(self._viewer, cube):
            raise ValueError(why)
        named = []
        for n, text in enumerate((peak1, peak2), 1):
            try:
                named.append(peak_energy(text))
            except ValueError as exc:  # the dialog has two rows: say which one
                raise ValueError(f"Peak {n}: {exc}") from None
        (e1, named1), (e2, named2) = named
        last = cube.n_channels - 1
        for ch in (ch1, ch2):
            if ch > last:
                raise ValueError(f"channel {ch:g} is beyond the scan's channels (0-{last})")
        cal = calibration_from_peaks(ch1, e1, ch2, e2)
        how = f"two peaks: channel {ch1:g} is {named1}, channel {ch2:g} is {named2}"
        saved = ""
        if save:
            side = write_sidecar(cube.path, cal, replace=replace, note=how)
            saved = f"; saved in {side.name} beside it, read when the file is opened again"
        new = cube.with_calibration(cal)
        new.metadata.pop("auto_calibration", None)  # a refusal or fit the user's replaced
        new.metadata["calibration_source"] = cal.source
        new.metadata["calibrated_by"] = how
        give_calibration(self._viewer, cube, new)
        said = (
            f"{cube.name}: calibrated from {how} (E = {cal.offset:.4g} + {cal.gain * 1000:.4g} "
            f"eV \u00d7 channel, {energy_range_text(new.energy)}){saved}."
        )
        show_info(said)
        return said

    def _export_clicked(self) -> None:
        if not self.curves:
            self.job.refused(
                report_error(ValueError(nothing_yet("export", "plot a spectrum")), "Export")
            )
            return
        self.save_with_dialog(
            "Export spectra",
            "CSV (*.csv)",
            "spectra.csv",
            self._export_in_job,
            what="Export",
            said=False,
        )


def pixel_label(pixel, live_s: float | None = None) -> str:
    """The pixel curve's legend: row and column named, y before x as in napari's status bar
    ("[y x]"); "(x, y)" read as the other pixel beside napari's coordinates. With the pixel's
    live time where the scan's pixels' differ: its curve is counts as counted, the maps and sum
    image are at the median live time (Cube.at_median_live_time): the APS scan's 1.2 s pixels'
    curves read 2.4 times their neighbours' where their maps did not, without a word."""
    if pixel is None:
        return "pixel"
    live = "" if live_s is None else f", live {live_s:.3g} s"
    return f"pixel y={pixel[0]}, x={pixel[1]}{live}"


def csv_column(name: str, pixel) -> str:
    """A curve's column in the exported CSV: the pixel under the mouse named as its legend names
    it ("pixel y=3 x=4", without the legend's comma), where the column said only "pixel" and the
    exported file no longer told which pixel it was; the other curves by their names."""
    if name == PIXEL_CURVE and pixel is not None:
        return pixel_label(pixel).replace(",", "")
    return name


def _image_key(spec):
    """What the plot of `spec` shows, for its image to be kept (FigureView.show_built): the
    figure's layout, each curve's legend and values. None with the pixel under the mouse,
    whose images would push out those of the scans chosen again."""
    if any(cv.name == PIXEL_CURVE for cv in spec.curves):
        return None
    values = tuple((cv.label, hash(cv.x.tobytes()), hash(cv.y.tobytes())) for cv in spec.curves)
    return spec.layout(), values


def _one_pixel(cube) -> bool:
    return cube is not None and cube.shape[0] * cube.shape[1] == 1


def export_order(curves: dict) -> list:
    """(name, curve) pairs in the CSV's column order: the scan's mean first (a CSV opened again
    is read as its first curve, which the guide says is the mean), then the region, the other
    curves as plotted, and the passing pixel under the mouse last (it arrived first when the
    mouse moved before the survey ended)."""
    first = [n for n in (MEAN_CURVE, REGION_CURVE) if n in curves]
    last = [PIXEL_CURVE] if PIXEL_CURVE in curves else []
    rest = [n for n in curves if n not in first and n not in last]
    return [(n, curves[n]) for n in first + rest + last]


class EmptyRegion(ValueError):
    """The chosen region layer holds no region yet (a new Labels layer, a Shapes layer with no
    shape): Region spectrum says to paint or draw one, as an info, not an error; it said
    "the region 'Labels' does not cover any pixel of the cube" as an ERROR notification."""


def region_mask(region_layer, cube_layer, shape, label=None) -> np.ndarray:
    """(H, W) bool mask of a Shapes or Labels layer, in the cube layer's pixel grid: a Labels
    layer's `label` (None: its selected label) where it has one, else all its labels."""
    kind = layer_type(region_layer)
    if not made_for(region_layer, layer_cube(cube_layer)):
        raise ValueError(
            f"{region_layer.name!r} holds another scan's regions: choose a region of this scan, "
            "or draw one on it"
        )
    if kind == "Labels":
        data = np.asarray(region_layer.data)
        if data.shape[-2:] != tuple(shape):
            raise ValueError(
                f"labels layer {region_layer.name!r} is {pixels_text(data.shape[-2:])}, the scan "
                f"{pixels_text(shape)}: choose or paint a Labels layer of the scan's "
                "size (Embed & cluster makes one), or draw Shapes"
            )
        if not data.any():
            raise EmptyRegion(
                f"labels layer {region_layer.name!r} is empty: paint a region on it first"
            )
        sel = region_layer.selected_label if label is None else label
        mask = data[..., :, :] == sel if (data == sel).any() else data > 0
        mask = mask.reshape(-1, *shape).any(axis=0)
    elif kind == "Shapes":
        if len(region_layer.data) == 0:
            raise EmptyRegion(f"shapes layer {region_layer.name!r} has no shape: draw one first")
        # Shapes vertices are in their own data coordinates: bring them into the cube's pixels.
        scale, translate = np.asarray(cube_layer.scale[-2:]), np.asarray(cube_layer.translate[-2:])
        r_scale, r_translate = (
            np.asarray(region_layer.scale[-2:]),
            np.asarray(region_layer.translate[-2:]),
        )
        from napari.layers import Shapes

        shapes = Shapes(
            [
                ((np.asarray(v)[:, -2:] * r_scale + r_translate) - translate) / scale
                for v in region_layer.data
            ],
            shape_type=[t for t in region_layer.shape_type],
        )
        masks = shapes.to_masks(mask_shape=tuple(shape))
        mask = np.asarray(masks).reshape(-1, *shape).any(axis=0)
    else:
        raise ValueError(f"layer {region_layer.name!r} is not a Shapes or Labels layer")
    if not mask.any():
        raise ValueError(f"the region {region_layer.name!r} does not cover any pixel of the cube")
    return mask


def calibration_origin(cube) -> tuple[str, str]:
    """(where the cube's calibration came from, for the label; the details, for its tooltip).
    An automatic calibration names the tube it assumed: fitted from the wrong anode's scatter,
    every energy is off, and the label is where a user looks first."""
    cal = cube.calibration
    terms = f"E = {cal.offset:.6g} + {cal.gain:.6g} \u00d7 channel keV" + (
        f" + {cal.quadratic:.3g} \u00d7 channel\u00b2" if cal.quadratic else ""
    )
    meta = cube.metadata or {}
    from ..detector import (
        ANODE_FROM_SCATTER,
        calibration_anode,
        calibration_anode_origin,
        dict_from_metadata,
        refit_failed_for,
        tube_source,
        why_calibrated,
    )

    note = why_calibrated(meta)  # a saved scan's: its first read's, kept under source_notes

    auto = dict_from_metadata(meta, "auto_calibration")  # JSON text too, as the fit reads it
    exported = meta.get("exported_calibration")
    if cal.source == "file" and isinstance(exported, str) and exported.startswith("auto"):
        # this dock's CSV export of an automatically calibrated scan, opened again: its energy
        # column is the file's, but the calibration was fitted, not measured (it said "file")
        from ..io.spectra import EXPORTED_AUTO

        rest = exported[len("auto") :].strip(" ,")
        source = EXPORTED_AUTO + (f" {rest}" if rest else "")
        return source, f"{terms} ({source})" + (f"\n{note}" if note else "")
    if cal.source != "auto" or auto is None:
        how = meta.get("calibrated_by")  # the user's two peaks (Calibrate from two peaks...)
        tip = f"{terms} ({cal.source}" + (f", from {how})" if isinstance(how, str) else ")")
        return cal.source, tip + (f"\n{note}" if note else "")
    anode = calibration_anode(meta) or "unknown"  # a saved "rh" is Rh, as everywhere
    matched = ", ".join(auto.get("matched", [])) or "none listed"
    residual = auto.get("residual_ev_rms")
    residual = "" if residual is None else f", residual {float(residual):.0f} eV rms"
    from ..io import AUTO_SAVED_KEY

    # a saved scan's (a project .h5 of a scan so calibrated): fitted then, read from the file now
    when = " when it was first read, saved in the file" if meta.get(AUTO_SAVED_KEY) else ""
    # a saved calibration kept as the fit for the tube given failed (io._refitted_for_given):
    # opening the file with that anode again changes nothing (none tried: --no-auto-calibration)
    failed = refit_failed_for(meta)
    fix = (
        f"a fit for the {failed} tube given failed, so open the file with a calibration"
        if failed
        else 'open the file with its anode (command line --anode, or read_cube(path, anode="Mo")) '
        "or with a calibration"
    )
    tip = (
        f"{terms}, fitted by xrf-napari from the scan's peaks{when}, assuming a {anode} tube "
        f"({calibration_anode_origin(meta, napari=True)}; matched: {matched}{residual}). "
        f"If the tube was not {anode}, the energies, markers and maps are wrong: {fix}, "
        "or replace it with Calibrate from two peaks\u2026 (user guide, 'Fixing a calibration')."
    )
    # read off the scan's scatter lines, as tube_source words it for info and quicklook: the label
    # said "assuming" of such a tube, only its tooltip "read from the scan's scattered tube lines"
    seen = tube_source(meta) == ANODE_FROM_SCATTER
    label = (
        f"auto, for a {anode} tube read from its scatter lines"
        if seen
        else f"auto, assuming a {anode} tube"
    )
    return label, tip + (f"\n{note}" if note else "")


def _make_mouse_callback(widget: SpectrumWidget):
    ref = weakref.ref(widget)

    def on_mouse_move(viewer, event):
        w = ref()
        if w is None:
            return
        try:
            if not w.follow_mouse.isChecked():
                return
            layer = w.cube_combo.current_layer()
            if layer is None:
                return
            pos = layer.world_to_data(event.position)
            w.show_pixel(int(np.floor(pos[-2] + 0.5)), int(np.floor(pos[-1] + 0.5)))
        except RuntimeError:  # widget deleted while the viewer lives on
            return
        except (OSError, ValueError) as exc:  # the file became unreadable (a drive gone): once,
            w.follow_mouse.setChecked(False)  # not a traceback on every move of the mouse
            w.job.refused(report_error(exc, "Pixel under the mouse"))

    return on_mouse_move


def _detach_callback(viewer, callback):
    def detach(*_):
        if callback in viewer.mouse_move_callbacks:
            viewer.mouse_move_callbacks.remove(callback)

    return detach
