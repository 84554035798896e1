"""Pigments dock widget: candidate paints per region (analysis.pigment_fit), one row per region.

The regions come from a Labels layer of the scan's size (Embed & cluster, or drawn; listed first
and chosen when the scan changes); with a photograph of the scanned area, "Find regions" makes
them from each pixel's element lines and colour. Each row shows the region's colour, its
candidates as swatches with names and relative probabilities, and the elements they explain.
Choosing a candidate paints the region in a "pigment recolour [scan]" RGB layer beside (or over)
the scan; clicking a row selects the region in its Labels layer, while that layer still holds
the fitted regions. Export writes the same report folder as `xrf-napari pigments`. Like the
other docks (CubeDock), each scan keeps its own fit, shown again when the scan is chosen again.
"""

from __future__ import annotations

import functools
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from qtpy.QtGui import QColor, QIcon, QPixmap
from qtpy.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
)

from ..physics.instrument import profile_optic_words
from ._common import (
    SURVEYS,
    CubeDock,
    after_calibration,
    awaits_calibration,
    default_weights,
    device_combo,
    form_grid,
    nothing_yet,
    read_failure_refusal,
    scan_tube,
)
from ._dialogs import ask_folder, confirm_replace, suggested_folder
from ._jobs import preload_labels_imports, report_error
from ._layers import (
    LayerCombo,
    below_translate,
    cube_display_name,
    edits_of,
    find_result,
    follow_edits,
    is_mask,
    is_photograph,
    kept_copy_of,
    labels_for,
    layer_cube,
    layer_type,
    made_for,
    newest_shown,
    regions_check,
    replace_regions,
    result_name,
    run_in_worker,
    source_file,
    touched_labels,
    upsert_layer,
    yx_transform,
)

#: Below, not beside: the Recolour dock's result stands beside the scan, and two layers in one
#: place hid one of them (walk audit 27).
PLACEMENTS = ("Below the scan", "Over the scan")
#: The kV box (the Instrument row's, widgets._instrument) and the Detector box offer only what
#: the forward model takes (physics.instrument's InstrumentProfile: KV_MIN-KV_MAX, 5-60 kV, the
#: tube model's range in physics.tube; FWHM at Mn K-alpha from the Fano limit of its detector,
#: 119.8 eV, to 300 eV): 0-100 kV and 100-300 eV let a user set 80 kV or 110 eV, which the fit
#: refused only once run. Each box's minimum, one below, is shown as the file's.
FWHM_MIN, FWHM_MAX = 120, 300
FWHM_FROM_FILE = FWHM_MIN - 1
COLUMNS = ("Region", "Candidate paint", "Elements", "Notes")
#: The info line of a fit whose Labels layer changed since (`_regions_changed`).
STALE_NOTE = "The regions changed since this fit: press Find pigments again."
#: The info line of a fit whose Labels layer was deleted (`_layer_removed`): STALE_NOTE's "press
#: Find pigments again" named a button that is off once the scan has no regions left.
GONE_NOTE = (
    "The regions of this fit (\u201c{}\u201d) were deleted: choose or make regions, then press "
    "Find pigments again."
)
#: The info line's first words once the scan's Instrument row differs from what a fit was made
#: with (the table is of the instrument the line names, not of the row's), or its Detector box
#: does ("The Instrument row and the Detector FWHM changed since this fit: ...": both;
#: `_info_text` fills in what changed)
CHANGED_NOTE = "{} changed since this fit: press Find pigments again."
#: Find regions' tooltip; first, while no Photograph is chosen, why the button is off (it was
#: on, and a click only refused: "choose a Photograph of the scanned area first")
REGIONS_TIP = (
    "K-Means on each pixel's element lines and its colour in the photograph: regions "
    "that split paints of one element and two colours (which the DVE latent merges). "
    "Held-out synthetic scans: 52-55 % of pixels named right, against 44-47 % with the "
    "Embed & cluster regions (docs/pigments_guide.md). Check them against the maps and "
    "paint over them before finding pigments. Off while the panel runs a job"
)
#: The calibration note's words for giving another tube (pigment_fit.calibration_notes): it
#: said "--anode for another tube", a command-line option, in the panel. The Instrument row's
#: Tube box sets the fit's tube, not the energy axis (the contradiction note says how to fix that)
TUBE_ADVICE = "the Tube box sets another tube for the fit, not for this calibration"
#: The way on where the SmallUViT's colours would pair a recolouriser with an embedder it was
#: not trained on (recolour.refuse_default_embedder): this panel has no Embedder weights box.
UVIT_INSTEAD = (
    "untick SmallUViT region colours (this panel takes no Embedder weights: the weights "
    "folder's pair, File > Preferences > XRF recolouring)"
)
NO_PHOTO_TIP = (
    "Off until a Photograph of the scanned area is chosen above (without one, the Embed & "
    "cluster dock finds regions from the spectra alone).\n\n"
)


def _pigments_job(
    cube,
    labels,
    use_uvit: bool,
    device: str,
    weights,
    embedder_weights,
    photo=None,
    instrument=None,
    photo_name: str = "the photograph",
):
    """Progress generator: the colour prior (a registered photograph, or the SmallUViT's region
    colours), then the pigment fit. instrument: what the user set of anode, kv, fwhm_mn_ev,
    optic and atmosphere (`iter_fit_regions`' arguments); photo_name: the photograph's layer, as
    its errors name it (`_photo_name`). Returns (report, {label: sRGB} or None, the image
    the colours came from as uint8 RGB on the scan's grid (the photograph, or the SmallUViT's
    colours) or None, the colour's source, each region painted in its top candidate's colour):
    the report's thumbnails show the image, as `xrf-napari pigments` shows its --photo or
    --colour-prior colours; the painting is made here, not in the GUI thread as the fit lands
    (paint_regions: 0.3-0.9 s at 2000-4000 px square)."""
    from ..analysis.colour_prior import photo_on_scan, region_mean_colours
    from ..analysis.pigment_fit import iter_fit_regions
    from ..analysis.pigment_report import as_uint8, paint_regions, top_choices

    colours, rgb, source = None, None, ""
    if photo is not None:
        rgb = photo_on_scan(photo, labels.shape, photo_name)
        colours = region_mean_colours(rgb, labels)
        source = "photograph"
    elif use_uvit:
        from .recolour import iter_dock_recolour

        rgb = (
            yield from iter_dock_recolour(
                cube,
                weights=weights,
                embedder_weights=embedder_weights,
                device=device,
                instead=UVIT_INSTEAD,  # this panel takes no embedder
            )
        ).rgb
        colours, source = region_mean_colours(rgb, labels), "SmallUViT colour"
    report = yield from iter_fit_regions(
        cube,
        labels,
        colour_priors=colours,
        colour_source="photograph" if photo is not None else "model",
        stages=True,  # each stage named in the status (the pass over the file, the instrument...)
        tube_advice=TUBE_ADVICE,
        **(instrument or {}),
    )
    painted = paint_regions(report, labels, top_choices(report))
    return report, colours, None if rgb is None else as_uint8(rgb), source, painted


def _painting(result, choices):
    """In a worker: (result, each region painted in its chosen candidate's colour)."""
    from ..analysis.pigment_report import paint_regions
    from ._jobs import yield_cpu_to_gui

    yield_cpu_to_gui()
    return result, paint_regions(result.report, result.labels, choices)


def _regions_job(cube, photo, k, photo_name: str = "the photograph"):
    """Regions for the pigment fit from what the fit and the photograph see: K-Means on each
    pixel's element-line shares beside its colour in the photograph (as `xrf-napari pigments
    --photo` without --labels). Progress over the pass through the file, then over the K-Means
    fits. Returns the ClusterResult. photo_name: as in `_pigments_job`."""
    from ..analysis import pooling
    from ..analysis.colour_prior import REGION_K, iter_lines_and_photo_points, photo_on_scan
    from ..analysis.embed import iter_cluster

    pool = pooling.decide(cube).pool  # a low-count scan: 3 x 3 neighbourhoods, as Embed does
    yield "Reading each pixel's element lines" + (" (3 x 3 pooled)" if pool else "") + "\u2026"
    points = yield from iter_lines_and_photo_points(
        cube, photo_on_scan(photo, cube.shape[:2], photo_name), pool
    )
    yield "Clustering (choosing K)\u2026" if k is None else f"Clustering into {k} regions\u2026"
    result = yield from iter_cluster(points, k, **REGION_K)
    preload_labels_imports()
    return result


@functools.lru_cache(maxsize=256)
def _made_by_us(path: str, stamp: tuple) -> str | None:
    """saved_marks.made_by_xrf_napari of `path`, remembered per (path, stamp) so that the
    Photograph list's refreshes (every layer added, removed or renamed) read each file's header
    once; `stamp`: its size and modification time (weights.file_stamp), so a file replaced
    since is read again."""
    from ..saved_marks import made_by_xrf_napari

    return made_by_xrf_napari(Path(path))


def is_photograph_choice(layer) -> bool:
    """A layer the Photograph list offers: is_photograph (an RGB image that is none of our
    results), less an image xrf-napari wrote that napari opened from its file (a recoloured.png
    saved by Recolour, a latent.png, a report's pigment_recolour.png): opened so, it is no
    result layer, and the dock ordered the paints by the SmallUViT's guess as if it were the
    painting's colours, where `pigments --photo` refuses that file; nor a latent's false colours
    (metadata "xrf_latent"), which the reader shows for embed's latent.h5: no mark in an HDF5
    file told it apart from a photograph."""
    if not is_photograph(layer) or "xrf_latent" in (layer.metadata or {}):
        return False
    from ..models.weights import file_stamp

    path = source_file(layer)
    if not path:
        return True
    try:
        stamp = file_stamp(path)
    except OSError:  # gone or unreadable since it was opened: the layer's pixels are what counts
        return True
    return _made_by_us(str(path), stamp) is None


def _photo_name(photo_layer) -> str:
    """How errors name the chosen photograph: by its layer, the one the user picked (a float
    image of unclear scale is only found in the worker, by `photo_on_scan`)."""
    return f"photograph '{photo_layer.name}'"


def _photo_over_scan(photo_layer, scan_layer, scan_hw):
    """The part of an RGB Image layer that shows the scan (resampled later, in the worker).

    Left where napari put it (unmoved, unscaled), the photograph is taken to show exactly the
    scanned area; moved or scaled over the scan in the viewer, its pixels under the scan are
    used. Rotated or sheared layers are refused: register by moving and scaling."""
    from ..analysis.colour_prior import (
        check_photo,
        check_photo_values,
        saved_layer_warning,
        window_over_scan,
    )

    name = _photo_name(photo_layer)
    photo = photo_layer.data
    origin = np.asarray(photo_layer.data_to_world((0, 0)), float)[-2:]
    steps = [
        np.asarray(photo_layer.data_to_world(p), float)[-2:] - origin for p in ((1, 0), (0, 1))
    ]
    if abs(steps[0][1]) > 1e-9 or abs(steps[1][0]) > 1e-9:
        raise ValueError(f"{name} is rotated or sheared: register it by moving and scaling only")
    scale = (steps[0][0], steps[1][1])
    if not (np.allclose(scale, 1.0) and np.allclose(origin, 0.0)):
        rows, cols = window_over_scan(
            np.shape(photo)[:2], scale, origin, scan_hw, *yx_transform(scan_layer), name
        )
        photo = photo[rows, cols]
    check_photo(np.shape(photo), scan_hw, name)
    check_photo_values(photo, name)  # before any work, as its size and place
    path = source_file(photo_layer)
    if path and (saved := saved_layer_warning(path, scan_hw)):
        from napari.utils.notifications import show_warning

        show_warning(f"Pigments: {name}: {saved}")  # said as the job starts, not refused
    return photo


def _labels_refusal(labels_layer) -> str:
    """Why a Labels layer cannot be fitted ("" if it can), before any work, in the command line's
    words (pigment_report.labels_refusal), naming the layer."""
    from ..analysis.pigment_fit import EMPTY_LABELS
    from ..analysis.pigment_report import labels_refusal

    why = labels_refusal(np.asarray(labels_layer.data))
    if why == EMPTY_LABELS:
        why += "; paint regions, or make them with Embed & cluster"
    return f"{labels_layer.name}: {why}" if why else ""


def _draw_hint(cube_layer) -> str:
    """How to draw regions of the scan's size: napari's New labels layer button makes a layer of
    the selected layer's size, so one made with the photograph (the last layer opened) or the
    channel stack selected was refused with only "got (96, 80)" or "got (512, 24, 20)".
    `cube_layer` is the pick-list's layer of the scan, its sum image while one is open; with
    only the channel stack left, naming it made a (channels, H, W) layer, refused again."""
    if cube_layer.ndim == 2:
        return (
            ": a new Labels layer takes the size of the layer selected in the layer list; select "
            f"'{cube_layer.name}' before napari's New labels layer button"
        )
    return (
        ": a new Labels layer takes the size of the layer selected in the layer list, and the "
        f"scan's only layer, its channel stack '{cube_layer.name}', gives it a channel axis: let "
        "Embed & cluster make the regions (then paint on them), or open the file again for its "
        "sum image to select"
    )


def _unset_fwhm_words(cube) -> str:
    """The Detector box's words where no FWHM is set: the file's (its value), else what the fit
    does (pigment_fit estimates it from the regions' peak widths). It said "resolution from the
    file" of every file that gives none (a Bruker .rpl export, the real APS scan), beside a fit
    line reading "detector resolution not in the metadata: about 145 eV ..., estimated"."""
    from ..detector import fwhm_from_metadata

    if cube is None:
        return "resolution from the file"
    known = fwhm_from_metadata(cube.metadata)
    return "estimated from the spectra" if known is None else f"from the file ({known:.0f} eV)"


def region_note(region, hint: str = "") -> tuple[str, str]:
    """A region row's Note (text, tooltip): the tooltip says what its unexplained lines are in
    report.html's and candidates.csv's words ("Ti Ka misfit 4.53 keV" read as titanium the
    candidate lacks)."""
    from ..analysis.pigment_report import UNEXPLAINED_WORDS

    best = region.best
    lines = "" if region.message or not best else ", ".join(best.unexplained)
    note = region.message or (f"unexplained: {lines}" if lines else "")
    note = "; ".join(t for t in (hint, note) if t)
    return note, f"{note}\n\nUnexplained: {UNEXPLAINED_WORDS}." if lines else note


def swatch_icon(rgb, size: int = 18) -> QIcon:
    pix = QPixmap(size, size)
    r, g, b = (round(float(np.clip(c, 0, 1)) * 255) for c in rgb)
    pix.fill(QColor(r, g, b))
    return QIcon(pix)


class CandidateCombo(QComboBox):
    """A region's candidate paints: the choice's name elided at its end, its probability kept
    whole ("Yellow och\u2026  \u2014 40%"), whole in the tooltip and in the drop-down, as wide as
    its longest entry. In a docked table (about 530 px) the text was cut at the box's edge,
    probability and all, the rest nowhere to be read; elided in the middle, at 420 px
    "Azurite  \u2014 100%" read "Az\u20260%"."""

    def __init__(self, note: str = ""):
        super().__init__()
        self._note = note  # said under the choice in the tooltip (hidden pigments)
        self.currentIndexChanged.connect(self.follow_choice)

    def follow_choice(self, *_) -> None:
        """The tooltip says the choice whole; the drop-down fits the longest entry."""
        self.setToolTip("\n".join(t for t in (self.currentText(), self._note) if t))
        metrics, icon = self.fontMetrics(), self.iconSize().width()
        texts = (self.itemText(i) for i in range(self.count()))
        widest = max((metrics.horizontalAdvance(t) for t in texts), default=0)
        self.view().setMinimumWidth(widest + icon + 32)  # the icon, margins, a scroll bar

    def shown_text(self) -> str:
        """The current text as painted: elided to the box's text field."""
        from qtpy.QtCore import Qt
        from qtpy.QtWidgets import QStyle, QStyleOptionComboBox

        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        field = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox, opt, QStyle.SubControl.SC_ComboBoxEditField, self
        )
        room = field.width() - (self.iconSize().width() + 4 if not opt.currentIcon.isNull() else 0)
        metrics, text = self.fontMetrics(), opt.currentText
        name, dash, share = text.rpartition("  \u2014 ")
        tail = dash + share
        if name and metrics.horizontalAdvance(text) > room:  # the name gives way, not the share
            short = metrics.elidedText(
                name, Qt.TextElideMode.ElideRight, room - metrics.horizontalAdvance(tail)
            )
            if len(short) > 1:  # a letter of it at least
                return short + tail
        return metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, room)

    def paintEvent(self, event) -> None:
        from qtpy.QtWidgets import QStyle, QStyleOptionComboBox, QStylePainter

        painter = QStylePainter(self)
        opt = QStyleOptionComboBox()
        self.initStyleOption(opt)
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, opt)
        opt.currentText = self.shown_text()
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, opt)


class RegionsCombo(LayerCombo):
    """The Labels layers, those that fit the chosen scan first. One that does not fit stays on
    the list, marked with why, so a choice of it gets the reason; a choice that stops fitting
    (another scan chosen, a layer added) or goes moves to the newest shown that fits (as
    Spectrum's Region list; the first was). Recolour's "ambiguous colour" outline is no regions
    (is_mask): it was chosen, and fitted as one paint region."""

    #: the empty list's entry: an image scan needs regions; a spot spectrum (or a few points)
    #: is fitted whole, where "(draw or cluster regions first)" sat beside a Find pigments that
    #: was on and fitted it without any (and Embed & cluster refuses such a scan)
    NEEDS_REGIONS = "(draw or cluster regions first)"
    WHOLE_SCAN = "(none needed: the whole scan is one region)"

    def __init__(self, viewer, current_cube):
        self._current_cube = current_cube  # set before LayerCombo's first refresh
        super().__init__(
            viewer,
            lambda ly: layer_type(ly) == "Labels" and not is_mask(ly),
            self.NEEDS_REGIONS,
        )

    def _fits(self, layer) -> bool:
        return labels_for(layer, self._current_cube())

    def _candidates(self, viewer) -> list:
        labels = super()._candidates(viewer)
        spot = self._spot()
        # LayerCombo.refresh adds the placeholder after asking for candidates: one look at the scan
        self._placeholder = self.WHOLE_SCAN if spot else self.NEEDS_REGIONS
        if spot:  # fitted whole unless regions of its own are chosen (PigmentsWidget.run)
            return [ly for ly in labels if self._fits(ly)]
        return sorted(labels, key=lambda ly: not self._fits(ly))  # stable: layer order within

    def _spot(self) -> bool:
        """A spot spectrum (or a few points) chosen: other scans' Labels layers are not listed,
        as its fit never reads them. A second .spx showed the first's "whole scan [first]
        (another scan's regions)" as its Regions, and fitted itself whole all the same."""
        from ..analysis.pigment_fit import is_spot_scan

        cube = self._current_cube()
        return cube is not None and is_spot_scan(cube.shape)

    def _label(self, layer) -> str:
        cube = self._current_cube()
        if cube is None or self._fits(layer):
            return layer.name
        if tuple(layer.data.shape) != tuple(cube.shape[:2]):
            shape = "x".join(str(n) for n in layer.data.shape)
            return f"{layer.name}  ({shape}: not the scan's size)"
        return f"{layer.name}  (another scan's regions)"

    def _fallback(self, layers: list, current):
        if current is None:
            return super()._fallback(layers, current)
        return newest_shown([ly for ly in layers if self._fits(ly)] or layers)

    def refresh(self, *_):
        super().refresh()
        current = self.current_layer()
        if current is not None and not self._fits(current):
            fitting = [ly for ly in self._layers if self._fits(ly)]
            if fitting:
                self.set_layer(newest_shown(fitting))


def _report_words(files: dict) -> str:
    """Export's status line once the report is written: its folder and every file by kind (it
    said "Wrote report.html and CSV files.", naming neither the folder nor the region map and
    the recoloured scan the user guide lists among the report's files)."""
    paths = list(files.values())
    images = ", ".join(f.name for f in paths if f.suffix == ".png")
    tables = sum(f.suffix == ".csv" for f in paths)
    html = files["report.html"]
    folder = html.parent.name
    return f"Wrote the report in the folder {folder}: {html.name}, {tables} CSV tables, {images}."


def fit_instrument(cube, choice: dict):
    """What of the instrument a fit of `cube` under the Instrument `choice` reads: the profile
    instrument_for makes of the choice over the file's (its FWHM aside: the Detector box's,
    told apart) and the instruments tried on the spectra (for an anode the file lacks). Two
    choices that give the same are the same fit; the choice itself where instrument_for refuses
    it (the fit says why)."""
    from dataclasses import asdict

    from ..analysis.pigment_fit import PigmentFitError, estimation_trials, instrument_for

    try:
        profile, notes = instrument_for(
            cube, **{k: v for k, v in choice.items() if k != "fwhm_mn_ev"}
        )
    except PigmentFitError:
        return dict(choice)
    read = asdict(profile)
    read.pop("fwhm_mn_ev")
    return read, estimation_trials(notes)


@dataclass
class PigmentsResult:
    """What a fit leaves for its scan: shown again when the scan is chosen again."""

    report: object  # analysis.pigment_fit.PigmentReport
    colours: dict | None  # {label: sRGB} of the colour prior, or None
    colour_source: str
    labels: np.ndarray  # the regions as they were fitted (the user may paint on afterwards)
    labels_layer: object
    cube_layer: object
    #: the instrument the fit was asked for (fit_instrument of the scan's Instrument choice),
    #: what the info line compares with the scan's now (CubeDock.made_for)
    instrument: object
    choices: list = field(default_factory=list)  # chosen option per row (RegionResult.options)
    #: labels_layer no longer holds the fitted regions: its numbers may name other pixels now
    stale: bool = False
    #: the image the colour prior came from (uint8 RGB on the scan's grid: the photograph, or
    #: the SmallUViT's colours), under the report's thumbnails; None without a colour prior
    background: np.ndarray | None = None
    #: the Detector box as the fit was asked for (FWHM_FROM_FILE: the file's); None: unknown
    detector: int | None = None
    #: the file of the Photograph the fit's colours came from (None: none, or not from a file),
    #: which the report's export must not replace (its path, not the layer: a deleted
    #: photograph's pixels are not kept for it)
    photo_file: str | None = None
    #: the tube the fit used, as the export names it (scan_tube at Run; None: none known): read
    #: at export, it named the Ag chosen after a fit for Mo (report.profile.anode may name a tube
    #: the fit estimated, where `pigments` writes none)
    tube: str | None = None


class PigmentsWidget(CubeDock):
    """Which paints could each region be, and what colour would each give."""

    #: leave_cube's: the Photograph and the Detector set for the scan (its Instrument row's
    #: choice is the scan's in every dock: SURVEYS.set_instrument)
    kept_on_calibration = ("photo", "fwhm")
    reads_instrument = True  # the fit reads the tube, kV, optic and gas

    def __init__(self, napari_viewer):
        super().__init__(napari_viewer, "Find pigments")
        from ..analysis.embed import MAX_K

        preload_labels_imports(background=True)  # Find regions ends in a Labels layer

        self.result: PigmentsResult | None = None  # the current scan's fit
        #: the Labels layer whose "show selected" a row click turned on (release_highlight)
        self._highlighted = None
        #: the hidden Labels layer a row click showed (select_row), hidden again on release
        self._shown = None
        self._painter = None  # the worker painting a choice of candidates (_repaint)
        self._seen = weakref.WeakKeyDictionary()  # the fitted layers' history (touched_labels)
        # the recolouriser's weights a script chose; None: the settings' weights folder's files
        # as each run starts (a folder chosen in Preferences after the panel opened was not
        # used), else the shipped ones
        self.uvit_weights = None
        self.dve_weights = None
        self.labels_combo = RegionsCombo(napari_viewer, lambda: self.cube_combo.current_cube())
        self.cube_combo.layer_changed.connect(self.labels_combo.refresh)
        self.cube_combo.layer_changed.connect(self._follow_regions)  # after the refresh
        self.labels_combo.layer_changed.connect(self._follow_regions)
        self._follow_regions()
        self.photo_combo = LayerCombo(
            napari_viewer,
            # not our own results: a latent's false colours or a model's recolouring are no
            # photograph, and would order the twins by what they were made from (nor are they
            # once saved and opened again from their files)
            is_photograph_choice,
            "(none)",
            optional=True,
        )
        self.photo_combo.setToolTip(
            "An RGB image of the scanned area (open the photograph in napari, cropped and "
            "registered to the scan): its region colours order the paints X-rays cannot tell "
            "apart (lead white / red lead, yellow / red ochre) and settle traces the lines leave "
            "close. Measured on held-out synthetic "
            "scans: top-1 +7 to +11 points (docs/pigments_guide.md)"
        )
        self.k_spin = QSpinBox()
        self.k_spin.setRange(1, MAX_K)  # 1 = automatic, as in Embed & cluster
        self.k_spin.setValue(1)
        self.k_spin.setSpecialValueText("automatic")
        self.k_spin.setToolTip(
            "Regions to find; automatic picks 2-20 by the silhouette score, leaning to more "
            "regions (a split region costs the fit little, a merged one names pixels wrong)"
        )
        self.regions_button = QPushButton("Find regions from lines + photograph")
        self.regions_button.setToolTip(NO_PHOTO_TIP + REGIONS_TIP)  # (_follow_photo)
        self.regions_button.setEnabled(False)
        self.use_uvit = QCheckBox("SmallUViT region colours (prior and swatch)")
        self.use_uvit.setChecked(False)  # measured: its colours did not improve the ranking (docs)
        self.use_uvit.setToolTip(
            "Runs the recolouriser first: its region colour orders pigments X-rays "
            "cannot tell apart (lead white / red lead, azurite / malachite). Off by "
            "default: on our held-out scans it made the ranking worse "
            "(docs/pigments_guide.md)"
        )
        self.device = device_combo()
        self._instrument_controls()
        self.placement = QComboBox()
        self.placement.addItems(PLACEMENTS)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setMinimumHeight(160)  # a few rows; the dock's body scrolls below that
        self.table.setTabKeyNavigation(False)  # Tab leaves it (see ElementMapsWidget)
        self.info = QLabel("")
        self.info.setWordWrap(True)
        self.export_button = QPushButton("Export report\u2026")
        self.export_button.setEnabled(False)
        self.export_button.setToolTip("Off while Find pigments fits the scan again")
        self.suggested_button = QPushButton("Paint the photograph's suggestions")
        self._suggests = False  # the fit shown suggests a partner somewhere (show_result)
        self.suggested_button.setEnabled(False)
        self.suggested_button.setToolTip(
            "Choose, for every region where the photograph suggests a hidden partner (a lake, "
            "indigo, a black), its best candidate with that partner mixed in: the pigment "
            "recolour then matches the photograph there. X-rays cannot see the partner; the "
            "photograph's colour is the only evidence for it. Off while Find pigments fits the "
            "scan again"
        )

        grid = form_grid(
            [
                ("Datacube", self.cube_combo),
                ("Regions", self.labels_combo),
                ("Photograph", self.photo_combo),
                ("Regions (K)", self.k_spin),
                ("Instrument", self.instrument_row),
                ("Detector", self.fwhm_spin),
                ("Device", self.device),
                ("Show", self.placement),
            ]
        )
        lay = self.body_layout
        lay.addLayout(grid)
        lay.addWidget(self.regions_button)
        lay.addWidget(self.use_uvit)
        lay.addWidget(self.info)
        lay.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.suggested_button)
        buttons.addWidget(self.export_button)
        # Find pigments and Export stay in view below the body (the table scrolls in it): in the
        # docked tab at 1920 x 1080 the form put the table and Export below the fold
        self.pin_below(self.job, buttons)
        self.info.hide()  # no blank row before a fit

        self.regions_button.clicked.connect(self.find_regions)
        self.photo_combo.layer_changed.connect(self.follow_refusal)
        self.use_uvit.toggled.connect(self.follow_refusal)
        self.export_button.clicked.connect(self._export_clicked)
        self.suggested_button.clicked.connect(self.paint_suggested)
        self.placement.currentIndexChanged.connect(self._place)
        self.table.currentCellChanged.connect(lambda row, *_: self.select_row(row))
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.follow_cube()

    def _instrument_controls(self) -> None:
        """What the file may not say about the scanner (a Bruker .rpl export says nothing): each
        control's first entry keeps the file's value, or the estimate from the spectra. Optic,
        gas, tube and kV are the Instrument row Spectrum and Elemental maps show (one choice per
        scan, widgets._instrument); the detector's resolution is this dock's own."""
        self.make_instrument_row()  # its kV box stops at the tube model's KV_MAX too
        self.fwhm_spin = QSpinBox()
        self.fwhm_spin.setRange(FWHM_FROM_FILE, FWHM_MAX)
        self.fwhm_spin.setSingleStep(5)
        self.fwhm_spin.setPrefix("FWHM at Mn K\u03b1 ")
        self.fwhm_spin.setSuffix(" eV")
        self.fwhm_spin.setSpecialValueText("resolution from the file")
        self.fwhm_spin.setToolTip(
            f"Detector resolution, FWHM at Mn K-alpha ({FWHM_MIN}-{FWHM_MAX} eV: a silicon "
            "detector is no sharper than its Fano limit, 119.8 eV); from the file: its metadata, "
            "else estimated from the region spectra"
        )
        # a fit shown says when the Detector differs from its own (as for the Instrument row)
        self.fwhm_spin.valueChanged.connect(self._detector_changed)

    def instrument(self) -> dict:
        """The instrument the user set (arguments of `iter_fit_regions`); empty: the file's. The
        optic, gas, tube and kV are the scan's choice, wherever it was made (SURVEYS)."""
        cube = self.current_cube()
        out = self.instrument_row.choice() if cube is None else SURVEYS.instrument(cube)
        if self.fwhm_spin.value() > FWHM_FROM_FILE:
            out["fwhm_mn_ev"] = float(self.fwhm_spin.value())
        return out

    # what earlier versions (and the tests) read off the dock
    @property
    def report(self):
        return None if self.result is None else self.result.report

    @property
    def colours(self):
        return None if self.result is None else self.result.colours

    @property
    def colour_source(self) -> str:
        return "" if self.result is None else self.result.colour_source

    # -- running --------------------------------------------------------------------------------
    @after_calibration("Find pigments")
    def run(self):
        """Start the fit; returns the worker (None without a cube / labels, or while running)."""
        layer = self.cube_combo.current_layer()
        labels_layer = self.labels_combo.current_layer()
        cube = layer_cube(layer) if layer is not None else None
        if cube is None:
            self.job.refused(report_error(ValueError("open a datacube first"), "Pigments"))
            return None
        if self.refuse_scan(cube):  # before a spot scan's "whole scan" layer is added
            return None
        from ..analysis.pigment_fit import is_spot_scan

        if is_spot_scan(cube.shape) and (
            labels_layer is None or not labels_for(labels_layer, cube)
        ):  # a spot spectrum is one region, whatever other scans' Labels layers are open
            labels_layer = self._whole_scan_region(layer, cube)
        if labels_layer is None or not labels_for(labels_layer, cube):
            shape = None if labels_layer is None else tuple(labels_layer.data.shape)
            other = labels_layer is not None and not made_for(labels_layer, cube)
            self.job.refused(
                report_error(
                    ValueError(
                        f"choose a Labels layer of the scan's size {tuple(cube.shape[:2])} "
                        "(Embed & cluster makes one, or draw one)"
                        + (
                            f"; {labels_layer.name} holds another scan's regions"
                            if other
                            else ("" if shape is None else f"; got {shape}" + _draw_hint(layer))
                        )
                    ),
                    "Pigments",
                )
            )
            return None
        refusal = _labels_refusal(labels_layer)
        if refusal:
            self.job.refused(report_error(ValueError(refusal), "Pigments"))
            return None
        labels = np.asarray(labels_layer.data).astype(
            np.int32, copy=True
        )  # a snapshot: the user may paint on
        photo_layer = self.photo_combo.current_layer()
        photo = None
        if photo_layer is not None:
            try:  # a photograph of another area is the user's to fix, before any work
                photo = _photo_over_scan(photo_layer, layer, labels.shape)
            except ValueError as exc:
                self.job.refused(report_error(exc, "Pigments"))
                return None
        chosen = self.instrument_now(cube)  # what a later change of the row is compared with
        detector = self.fwhm_spin.value()  # and of the Detector
        tube = scan_tube(cube)  # what its export names
        return self.start_job(
            _pigments_job,
            cube,
            labels,
            self.use_uvit.isChecked(),
            self.device.currentText(),
            # the weights folder's files as of this run: a dve.safetensors put beside its
            # uvit.safetensors (as the refusal of the shipped embedder says) was not seen
            self.uvit_weights or default_weights("uvit") or None,
            self.dve_weights or default_weights("dve") or None,
            photo,
            self.instrument(),
            _photo_name(photo_layer) if photo_layer is not None else "the photograph",
            cube=cube,
            description="Fitting each region's mean spectrum\u2026",
            on_result=lambda res: self._fitted(
                layer, labels_layer, labels, res, chosen, detector, source_file(photo_layer), tube
            ),
        )

    @after_calibration("Find regions")
    def find_regions(self):
        """Start finding regions from the element lines and the photograph; the result is a
        Labels layer "regions (lines + photograph) [scan]", chosen as the Regions to fit. Returns
        the worker (None without a cube or a photograph, or while a job runs)."""
        layer = self.cube_combo.current_layer()
        cube = layer_cube(layer) if layer is not None else None
        photo_layer = self.photo_combo.current_layer()
        if cube is None or photo_layer is None:
            self.job.refused(
                report_error(
                    ValueError(
                        "open a datacube first"
                        if cube is None
                        else "choose a Photograph of the scanned area first (without one, the "
                        "Embed & cluster dock finds regions from the spectra alone)"
                    ),
                    "Pigments",
                )
            )
            return None
        if self.refuse_scan(cube):
            return None
        try:
            photo = _photo_over_scan(photo_layer, layer, cube.shape[:2])
        except ValueError as exc:
            self.job.refused(report_error(exc, "Pigments"))
            return None
        k = self.k_spin.value() if self.k_spin.value() > 1 else None
        # the regions layer this run will replace, digested in the worker
        check = regions_check(self.viewer, layer, "regions (lines + photograph)")
        photo_ref = weakref.ref(photo_layer)  # a photograph deleted meanwhile is let go
        return self.start_job(
            run_in_worker,
            _regions_job,
            lambda result: getattr(result, "labels", None),
            check,
            cube,
            photo,
            k,
            _photo_name(photo_layer),
            cube=cube,
            name="Find regions",  # not "Find pigments" in a notification (scan closed)
            keep=False,  # regions are a step: the scan's last fit stays what the dock shows
            description="Reading each pixel's element lines\u2026",
            on_result=lambda res: self._add_regions(layer, res, check, photo_ref),
        )

    def scan_refusal(self, cube) -> str:
        """A file a pass failed reading (read_failure_refusal), no calibration (unless one is
        being fitted: Run waits for it), or an axis wholly off the fit's grid: the fit's own
        words (pigment_fit.fit_refusal); else SmallUViT colours ticked without a photograph on
        a single spectrum (_uvit_refusal), which turns Run off as the others do
        (follow_refusal): it stayed on, and a click only refused."""
        from ..analysis.pigment_fit import fit_refusal

        name = self.scan_name(cube)
        why = read_failure_refusal(cube, name)  # not "no energy calibration": it failed reading
        if not why and not awaits_calibration(cube):
            why = fit_refusal(cube, name)
        why = why or self._uvit_refusal(cube)
        return f"Pigments: {why}" if why else ""

    def follow_refusal(self, *_) -> None:
        """Run's refusal (CubeDock: on the scan's renaming, and here as the SmallUViT box or
        the Photograph changes), then Find regions, whose tooltip says it too: renamed, the
        scan's old name stayed there; so did Find pigments' "Needs regions of <scan>"."""
        super().follow_refusal()
        self._follow_photo()
        self._follow_regions()

    def _follow_regions(self, *_) -> None:
        """Find pigments is off on an image scan with no regions of its own chosen, its tooltip
        saying how to get them, and on again as they come: it was on, and a click only refused.
        A spot spectrum (or a few points) is one region, fitted whole (_whole_scan_region)."""
        from ..analysis.pigment_fit import is_spot_scan

        cube = self.current_cube()
        regions = self.labels_combo.current_layer()
        why = ""
        if cube is not None and not is_spot_scan(cube.shape) and not labels_for(regions, cube):
            rows, cols = cube.shape[:2]
            why = (
                f"Needs regions of {self.scan_name(cube)}: draw a Labels layer of its size "
                f"({rows} x {cols}), or make one with Embed & cluster or Find regions"
            )
        self.job.hold_run(why)

    def _uvit_refusal(self, cube) -> str:
        """Why the SmallUViT colours ticked (and no photograph chosen) cannot be had: a single
        spectrum has no image to recolour, as the Recolour panel and `xrf-napari pigments
        --colour-prior` say; here it was recoloured without a word, its "colour" the model's
        guess at one padded pixel. The fit of the spot itself needs no colour."""
        from ..analysis.recolour import check_image

        if not self.use_uvit.isChecked() or self.photo_combo.current_layer() is not None:
            return ""
        try:
            check_image(self.scan_name(cube), cube.shape)
        except ValueError as exc:
            return (
                f"{exc} (as the Recolour panel says), so the SmallUViT gives no colour to weigh "
                "the paints by: untick SmallUViT region colours to fit the spot"
            )
        return ""

    def _whole_scan_region(self, cube_layer, cube):
        """A Labels layer "whole scan [scan]" holding one region: a spot spectrum or a scan of a
        few points has nothing to cluster (`pigment_fit.SPOT_PIXELS`)."""
        scale, translate = yx_transform(cube_layer)
        labels_layer = upsert_layer(
            self.viewer,
            result_name(
                self.viewer, cube, "whole scan", cube_display_name(self.viewer, cube_layer)
            ),
            np.ones(cube.shape[:2], np.int32),
            kind="labels",
            cube=cube,
            scale=scale,
            translate=translate,
            opacity=0.6,
        )
        self.labels_combo.set_layer(labels_layer)
        return labels_layer

    def _add_regions(self, cube_layer, result, check=None, photo=None) -> None:
        """Add the regions and choose them as the Regions to fit: at once if their scan is the
        one shown, else when it is chosen again (on_cube); the scan shown now would get regions
        it may not use ("another scan's regions") in its pick-list. Regions the user painted on
        the layer since the last Find regions are kept first in a hidden "(your edits)" layer
        (keep_painted, as Embed & cluster's clusters): Find pigments fits the layer's regions
        as painted, and Find regions again overwrote them without a copy or an undo. `check`:
        the run's RegionsCheck (None: the digests are computed here). `photo`: a weak reference
        to the photograph layer they were found with; the line sends the user to it only while
        it is in the viewer (deleted during the run, it named a layer that was gone)."""
        scale, translate = yx_transform(cube_layer)
        source = cube_display_name(self.viewer, cube_layer)
        cube = layer_cube(cube_layer)
        # a renamed regions layer is kept (result_name)
        name = result_name(self.viewer, cube, "regions (lines + photograph)", source)
        labels_layer, kept, kept_line = replace_regions(
            self.viewer,
            name,
            result.labels,
            cube=cube,
            check=check,
            scale=scale,
            translate=translate,
            opacity=0.6,
        )
        if cube is self.current_cube():
            self.labels_combo.set_layer(labels_layer)
        else:
            self.remember_weakly(cube, "regions", labels_layer)  # let go if deleted meanwhile
        sil = f", silhouette {result.silhouette:.2f}" if result.silhouette is not None else ""
        photo_layer = photo() if photo is not None else None
        if photo is None or (photo_layer is not None and photo_layer in self.viewer.layers):
            against = "the maps and the photograph"
        else:  # deleted during the run (let go: the weak reference may be dead)
            against = "the maps (the photograph they were found with was deleted)"
        self.job.status.setText(
            f"{result.k} region{'' if result.k == 1 else 's'}{sil}: check them against "
            f"{against}, then Find pigments." + (f" {kept_line}" if kept_line else "")
        )
        # the sentence goes once the copy is deleted, and names both layers as they are renamed
        self.say_while_shown(cube, [kept], kept_line, named=[labels_layer])

    def leave_cube(self, cube) -> None:
        # weakly, as Spectrum's region: a photograph deleted while another scan was shown stayed
        # in memory (its full-resolution pixels) as long as this scan was open
        self.remember_weakly(cube, "photo", self.photo_combo.current_layer())
        self.remember(cube, "fwhm", self.fwhm_spin.value())

    def on_cube(self, layer) -> None:
        cube = None if layer is None else layer_cube(layer)
        # what the user set of the instrument is for the scan it was set on: another scan, maybe
        # of another scanner, was fitted with it unasked (its info line named the tube it used).
        # The Instrument row shows the scan's choice (CubeDock._show_instrument); the Detector:
        self.fwhm_spin.setValue(
            FWHM_FROM_FILE if cube is None else self.recall(cube, "fwhm", FWHM_FROM_FILE)
        )
        self.fwhm_spin.setSpecialValueText(_unset_fwhm_words(cube))
        # a photograph shows one scan's area: another scan of its size took its colours unasked
        photo = None if cube is None else self.recall_weakly(cube, "photo")
        self.photo_combo.set_layer(photo if self.photo_combo.offers(photo) else None)
        regions = None if cube is None else self.recall_weakly(cube, "regions")
        if regions is not None:  # found while another scan was shown: chosen now, once
            self.forget(cube, "regions")
            self.labels_combo.refresh()  # lists what fits this scan (it follows right after)
            if self.labels_combo.offers(regions):  # (not deleted meanwhile)
                self.labels_combo.set_layer(regions)

    def _fitted(
        self,
        cube_layer,
        labels_layer,
        labels,
        value,
        chosen,
        detector=None,
        photo_file=None,
        tube=None,
    ) -> PigmentsResult:
        from ..analysis.pigment_report import top_choices

        report, colours, background, source, painted = value
        result = PigmentsResult(
            report,
            colours,
            source,
            labels,
            labels_layer,
            cube_layer,
            background=background,
            instrument=chosen,
            detector=detector,
            photo_file=photo_file,
            tube=tube,
        )
        result.choices = top_choices(report)
        # changed or deleted during the fit (_layer_removed ran before there was a fit to mark)
        result.stale = labels_layer not in self.viewer.layers or not np.array_equal(
            labels, labels_layer.data
        )
        self._watch(labels_layer)
        self._paint(result, painted)  # each region in its top candidate's colour
        if layer_cube(cube_layer) is self.current_cube():  # the table is under the form
            self.scroll_into_view(self.info, self.table)
        return result  # kept for its scan, and shown while that scan is selected

    def _watch(self, labels_layer) -> None:
        """Follow what happens to a fitted Labels layer's labels (_regions_changed)."""
        follow_edits(labels_layer, self._regions_changed, self._seen)

    def _regions_changed(self, event) -> None:
        """A fitted Labels layer was rewritten (Embed & cluster run again with another K: the same
        layer, other regions under the old numbers), painted on, or undone: its fits' rows would
        select other pixels, so they stop selecting and the info line says so, until the labels
        are again those the fit read. Always compared with the fit: napari's undo and redo emit
        only set_data, so a flag a brush stroke set could not be cleared by undoing the stroke
        (np.array_equal of a 2000 x 2000 map: 0.9 ms here). Regions the user painted and then
        fitted, rewritten by Find regions or Embed & cluster run again, are not gone: the run
        kept them in a hidden "(your edits)" copy first (keep_painted), and the fit follows them
        there (kept_copy_of), its rows selecting its regions in the copy. It went stale instead,
        saying "press Find pigments again", which fitted the new run's regions, not those.
        Not compared where touched_labels tells: a refresh changed nothing (napari's refresh of
        a large layer on each move of the brush), and a stroke on the fitted labels made them
        other labels (the compare cost 50 ms per move at 4000 x 4000 px)."""
        layer, viewer = event.source, self.viewer  # None once the dock was closed
        touched = touched_labels(event, self._seen)
        if touched is not None and not touched:
            return
        changed, moved = False, []
        for result in self.recall_all("result"):
            if result.labels_layer is layer:
                if touched is not None and not result.stale:
                    stale = True  # a stroke changed pixels of the labels the fit read
                else:
                    stale = not np.array_equal(result.labels, layer.data)
                kept = kept_copy_of(viewer, layer, result.labels) if stale and viewer else None
                if kept is not None:
                    result.labels_layer, stale = kept, False
                    self._watch(kept)
                    moved.append(result)
                changed |= stale != result.stale
                result.stale = stale
        if changed or moved:
            self._refresh_info()
            if self.result is not None and (
                self.result.stale or any(r is self.result for r in moved)
            ):
                self.release_highlight()  # its row's number may name other pixels now

    def _layer_removed(self, event=None) -> None:
        """A fitted Labels layer deleted leaves its fits' rows selecting nothing: the info line
        says it was deleted (it said nothing, the rows went dead; then "changed", as for a
        stroke, and "press Find pigments again", off with no regions left). A fit
        that followed its painted regions into a kept "(your edits)" copy (_regions_changed)
        goes back to the regions layer the copy was made from, current there once it holds the
        fitted regions again."""
        super()._layer_removed(event)
        if self.viewer is None:
            return
        # no reference to a deleted layer (a "(your edits)" copy holds a whole labels array)
        if self._highlighted is not None and self._highlighted not in self.viewer.layers:
            self._highlighted = None
        if self._shown is not None and self._shown not in self.viewer.layers:
            self._shown = None
        changed = False
        for result in self.recall_all("result"):
            lab = result.labels_layer
            if lab is None or lab in self.viewer.layers:
                continue
            back = edits_of(lab)  # a kept copy it followed (_regions_changed): back to its layer
            if back is not None and back in self.viewer.layers:
                # current there where it holds the fitted regions (a dropped Embed run puts
                # them back)
                result.labels_layer, changed = back, True
                result.stale = not np.array_equal(result.labels, back.data)
                self._watch(back)
            else:  # the line says it was deleted (GONE_NOTE), also where it said changed
                result.stale = changed = True
        if changed:
            self._refresh_info()

    def _watch_layer(self, event=None) -> None:
        """A fitted Labels layer added back (the same layer, from a script or the console):
        its fits are current again where it holds the labels they read, as after an undone
        stroke (_regions_changed); the line said it was deleted while it was in the list."""
        super()._watch_layer(event)
        layer = getattr(event, "value", None)
        back = [r for r in self.recall_all("result") if r.labels_layer is layer]
        for result in back:
            result.stale = not np.array_equal(result.labels, layer.data)
        if back:
            self._refresh_info()

    def instrument_now(self, cube):
        """The instrument Find pigments would now fit `cube` with (fit_instrument): choosing
        "Rh" for a file that names Rh is no change, where the row's choice itself was."""
        return fit_instrument(cube, SURVEYS.instrument(cube))

    def made_for(self, result):
        return result.instrument

    def follow_instrument(self, cube) -> None:
        """The scan's Instrument choice changed (here or in another dock's row): its fit's line
        says so (_info_text). Before, a fit made under the file's lens still read as the scan's
        after "collimator" was chosen: the line named no optic nor gas, and nothing said the
        table was not of the row's instrument."""
        if cube is not None and cube is self.current_cube():
            self._refresh_info()

    def _detector_changed(self, *_) -> None:
        """The Detector box changed: the shown fit's line says so when the fit was made with
        another FWHM, as for the Instrument row (it said nothing: a table fitted at 140 eV read
        as the scan's after 180 eV was set). Not while the box shows the next scan's value and
        the table still the last scan's fit (on_cube, before show_result)."""
        result = self.result
        if result is not None and layer_cube(result.cube_layer) is self.current_cube():
            self._refresh_info()

    def _refresh_info(self) -> None:
        """The info line again, after a fit's regions went stale or fresh, or the scan's
        Instrument row or Detector changed."""
        try:
            if self.viewer is not None and self.result is not None:
                self.info.setText(self._info_text(self.result))
        except RuntimeError:  # this dock's Qt side is already deleted
            pass

    def show_result(self, result) -> None:
        """The current scan's fit in the table, or an empty table when it has none."""
        from ..analysis.pigment_report import INTERIOR_NOTE, pixels_text

        self.release_highlight()  # no row of this table is selected yet
        self.result = result
        self.table.setRowCount(0)
        self._suggests = result is not None and any(r.suggested for r in result.report.regions)
        self.follow_busy()
        self.info.setVisible(result is not None)
        if result is None:
            self.info.setText("")
            return
        rep = result.report
        self.info.setText(self._info_text(result))
        self.table.setRowCount(len(rep.regions))
        previous = self.table  # each box follows the table in Tab's order, row by row (below)
        for row, r in enumerate(rep.regions):
            item = QTableWidgetItem(f"{r.label}  ({pixels_text(r)})")
            tip = [INTERIOR_NOTE[0].upper() + INTERIOR_NOTE[1:], f"region {item.text()}"]
            if result.colours and r.label in result.colours:
                item.setIcon(swatch_icon(result.colours[r.label]))
                tip.insert(0, f"{result.colour_source} of the region")
            item.setToolTip("; ".join(tip))
            self.table.setItem(row, 0, item)
            hidden = ", ".join(h.pigment for h in r.hidden)
            combo = CandidateCombo(f"possibly hidden (no X-ray lines): {hidden}" if hidden else "")
            for c in r.candidates:
                combo.addItem(swatch_icon(c.rgb), f"{c.label}  \u2014 {c.probability:.0%}")
            if (mix := r.suggested) is not None:  # opt-in: X-rays cannot tell it from the first
                combo.addItem(
                    swatch_icon(mix.rgb), f"{mix.label}  \u2014 {result.colour_source}'s colour"
                )
            hint = next(
                (
                    f"{result.colour_source} suggests + {h.pigment} ({h.fraction:.0%}, hidden)"
                    for h in r.hidden
                    if h.suggested
                ),
                "",
            )
            if not r.candidates:  # its box says why, off (follow_busy below)
                combo.addItem(r.message or "no candidate")
            else:
                combo.setCurrentIndex(max(result.choices[row], 0))
            combo.follow_choice()  # its tooltip and drop-down width, all entries added
            combo.currentIndexChanged.connect(lambda i, row=row: self.choose(row, i))
            self.table.setCellWidget(row, 1, combo)
            # made after the dock's buttons, a box came last in the window's Tab order, after
            # every napari control (the table does not Tab from cell to cell: __init__)
            self.setTabOrder(previous, combo)
            previous = combo
            best = r.best
            elements = QTableWidgetItem(", ".join(best.elements) if best else "")
            elements.setToolTip(elements.text())
            self.table.setItem(row, 2, elements)
            note, tip = region_note(r, hint)
            note_item = QTableWidgetItem(note)
            note_item.setToolTip(tip)
            self.table.setItem(row, 3, note_item)
        self._size_columns(rep.regions)
        self.follow_busy()  # the candidate boxes just made too

    def follow_busy(self) -> None:
        """Export, Paint the photograph's suggestions and each region's candidate box act on the
        fit shown: off while Find pigments fits the scan again (the suggestions painted, or a
        candidate chosen, then went to the old fit's layer, which the new fit replaced)."""
        busy = self.result_busy()
        self._follow_photo()
        self.export_button.setEnabled(self.result is not None and not busy)
        self.suggested_button.setEnabled(self._suggests and not busy)
        for row in range(self.table.rowCount()):
            combo = self.table.cellWidget(row, 1)
            if combo is not None:
                combo.setEnabled(self._has_candidates(row) and not busy)

    def _follow_photo(self) -> None:
        """Find regions is on only with a Photograph chosen, no job running (one job at a time)
        and a scan Run does not refuse (JobPanel.refusal: no calibration), its tooltip first
        saying why it is off: it was on, and a click only refused."""
        photo = self.photo_combo.current_layer() is not None
        why = self.job.refusal if photo else ""  # without one, no photograph is the reason
        self.regions_button.setEnabled(photo and not why and not self.job.is_running)
        tip = f"{why}\n\n" if why else "" if photo else NO_PHOTO_TIP
        self.regions_button.setToolTip(tip + REGIONS_TIP)

    def _has_candidates(self, row: int) -> bool:
        """The region in `row` has candidates (its box, else, names why it has none)."""
        regions = [] if self.result is None else self.result.report.regions
        return 0 <= row < len(regions) and bool(regions[row].candidates)

    def _info_text(self, result) -> str:
        """The line above the table: the instrument (tube, kV, optic, gas, detector) and ground
        the fit used, and whether its Labels layer, the scan's Instrument row or its Detector
        changed since (then first)."""
        rep = result.report
        p = rep.profile
        notes = "; ".join(rep.notes)
        notes = notes[:1].upper() + notes[1:]  # a sentence after the ground's ("ground. no ...")
        cube = layer_cube(result.cube_layer)
        changed = []
        if cube is not None and self.instrument_changed_since(cube, result):
            changed.append("The Instrument row")
        if cube is not None and result.detector is not None:
            now = (
                self.fwhm_spin.value()
                if cube is self.current_cube()
                else self.recall(cube, "fwhm", FWHM_FROM_FILE)
            )
            if now != result.detector:
                changed.append("the Detector FWHM" if changed else "The Detector FWHM")
        lab = result.labels_layer
        if result.stale and lab is not None and lab not in getattr(self.viewer, "layers", [lab]):
            first = GONE_NOTE.format(lab.name) + " "
        elif result.stale:
            first = STALE_NOTE + " "
        elif edits_of(lab) is not None:  # painted regions it fitted, kept aside by a run
            first = f"Fitted regions: \u201c{lab.name}\u201d. "  # (_regions_changed)
        else:
            first = ""
        return (
            first
            + (CHANGED_NOTE.format(" and ".join(changed)) + " " if changed else "")
            + f"{p.anode} {p.kv:g} kV, {profile_optic_words(p.optic)}, in {p.atmosphere}, "
            f"FWHM {p.fwhm_mn_ev:.0f} eV; ground: {', '.join(rep.ground)}"
            + (f". {notes}" if notes else "")
            + (f". Colour prior: {result.colour_source}" if result.colour_source else "")
        )

    def _size_columns(self, regions) -> None:
        """Region only as wide as "label (N px)" (the rest, "spectrum from N interior px", is
        elided and in its tooltip) and at most a fifth of the table, Elements and Notes to
        their contents up to a sixth each (whole in their tooltips), and the Candidate paint
        column, the answer, gets the rest, about half: a wide Region column, then a long
        element list, pushed the candidates, header and all, out of sight, and at a quarter and
        two fifths their names read "Az\u2026" in a 420 px dock."""
        from qtpy.QtWidgets import QHeaderView

        table, header = self.table, self.table.horizontalHeader()
        header.setStretchLastSection(False)
        for col in (0, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        table.resizeColumnsToContents()
        metrics = table.fontMetrics()
        short = max(
            (metrics.horizontalAdvance(f"{r.label}  ({r.area:,} px)") for r in regions), default=0
        )
        room = short + 18 + 24  # the swatch (swatch_icon's size), the cell's margins
        width = table.viewport().width()
        table.setColumnWidth(0, min(table.columnWidth(0), room, max(width // 5, 80)))
        for col in (2, 3):
            table.setColumnWidth(col, min(table.columnWidth(col), max(width // 6, 60)))
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)

    # -- candidates and the recolour layer -------------------------------------------------------
    def chosen(self, row: int) -> int:
        combo = self.table.cellWidget(row, 1)
        return combo.currentIndex() if combo is not None and self._has_candidates(row) else -1

    def choose(self, row: int, index: int) -> None:
        """Choose candidate `index` of the region in `row` (the combo box does this too)."""
        combo = self.table.cellWidget(row, 1)
        if combo is not None and combo.currentIndex() != index:
            combo.setCurrentIndex(index)  # re-enters through the signal
            return
        if self.result is not None and 0 <= row < len(self.result.choices):
            self.result.choices[row] = self.chosen(row)
            self._repaint(self.result)

    def paint_suggested(self) -> None:
        """Choose each region's suggested mixture where there is one (one repaint)."""
        from ..analysis.pigment_report import suggested_choices

        if self.result is None:
            return
        self.result.choices = suggested_choices(self.result.report)
        for row, index in enumerate(self.result.choices):
            combo = self.table.cellWidget(row, 1)
            if combo is not None and self._has_candidates(row):
                combo.blockSignals(True)  # choose() would repaint once per row
                combo.setCurrentIndex(index)
                combo.blockSignals(False)
        self._repaint(self.result)

    def _recolour_name(self, cube_layer) -> str:
        """The scan's "pigment recolour" layer's name: the one it was made under while it lives
        (the scan may have been renamed since; choices and new fits repaint that layer)."""
        source = cube_display_name(self.viewer, cube_layer)
        return result_name(self.viewer, layer_cube(cube_layer), "pigment recolour", source)

    def _recolour_layer(self, result):
        """The scan's "pigment recolour" layer, if the user kept it."""
        cube = layer_cube(result.cube_layer)
        return find_result(self.viewer, cube, self._recolour_name(result.cube_layer))

    @property
    def result_layer(self):
        """The current scan's "pigment recolour" layer (None before a fit, or once removed)."""
        return None if self.result is None else self._recolour_layer(self.result)

    @property
    def repainting(self) -> bool:
        """A choice of a candidate is still being painted (_repaint)."""
        return self._painter is not None or bool(self.recall_all("repaint"))

    def _repaint(self, result: PigmentsResult) -> None:
        """Paint `result`'s choices in a worker (_painting), not in napari's GUI thread, which
        paint_regions froze for 0.9 s at 4000 x 4000 px. One painting at a time: choices made
        meanwhile are painted once it ends, the scan's latest only, and a painting no longer
        wanted as it lands (a later choice, a new fit, the scan or the dock closed) is dropped,
        so the layer ends with the last choice's colours."""
        self.remember(layer_cube(result.cube_layer), "repaint", (result, list(result.choices)))
        if self._painter is None:
            self._next_repaint()

    def _next_repaint(self) -> None:
        """Start painting the choices still waiting (_repaint), if any."""
        from superqt.utils import FunctionWorker

        from ._jobs import create_worker, start_in_pass_pool

        self._painter = None
        if self.viewer is None:  # the dock was closed
            return
        for result, choices in self.recall_all("repaint"):
            cube = layer_cube(result.cube_layer)
            self.forget(cube, "repaint")
            if self.recall(cube, "result") is not result:  # a new fit replaced it
                continue
            worker = create_worker(  # superqt's class: its errors are said once (_repaint_failed)
                _painting,
                result,
                choices,
                _start_thread=False,
                _ignore_errors=True,
                _worker_class=FunctionWorker,
                _viewer=self.viewer,  # its window's (napari's: the current viewer's)
                _task="Painting the pigment choices",
            )
            worker.returned.connect(self._repainted)
            worker.errored.connect(self._repaint_failed)
            worker.finished.connect(self._next_repaint)
            self._painter = worker
            start_in_pass_pool(worker)  # the pool of the short passes the user waits on
            return

    def _repainted(self, value) -> None:
        """A painting of choices landed: shown unless no longer wanted (_repaint)."""
        result, rgb = value
        cube = layer_cube(result.cube_layer)
        if (
            self.viewer is not None
            and self.recall(cube, "result") is result
            and self.recall(cube, "repaint") is None
        ):
            self._paint(result, rgb)

    def _repaint_failed(self, exc) -> None:
        self.job.refused(report_error(exc, "Pigments: painting the chosen candidates"))

    def _paint(self, result: PigmentsResult, rgb) -> None:
        """Show `rgb`, the painting of `result`'s choices (made in a worker: the fit's, or
        _repaint's), in the scan's "pigment recolour" layer."""
        scale, _ = yx_transform(result.cube_layer)
        layer = upsert_layer(
            self.viewer,
            self._recolour_name(result.cube_layer),
            rgb,
            cube=layer_cube(result.cube_layer),
            rgb=True,
            scale=scale,
            contrast_limits=(0.0, 1.0),
        )
        self._place_layer(layer, result)

    def _place(self, *_) -> None:
        if self.result is not None:
            self._place_layer(self.result_layer, self.result)

    def _place_layer(self, layer, result: PigmentsResult) -> None:
        if layer is None:
            return
        src = result.cube_layer
        if self.placement.currentIndex() == 0:
            layer.translate = below_translate(src, result.labels.shape[0])
        else:
            layer.translate = yx_transform(src)[1]

    def select_row(self, row: int) -> None:
        """Select the row's region in its Labels layer (clicking a row does this), unless the
        layer changed since the fit (the info line says so): the row's number may name other
        pixels now."""
        if self.result is None or not 0 <= row < len(self.result.report.regions):
            return
        lab = self.result.labels_layer
        if lab is not None and lab in self.viewer.layers and not self.result.stale:
            if self._highlighted is not lab:
                self.release_highlight()
                if not lab.show_selected_label:  # the user's own setting is left alone
                    self._highlighted = lab
            if not lab.visible:  # the hidden "(your edits)" copy the fit followed: shown while
                lab.visible, self._shown = True, lab  # a row selects one of its regions
            lab.selected_label = self.result.report.regions[row].label
            lab.show_selected_label = True
        if self.table.currentRow() != row:
            self.table.selectRow(row)

    def release_highlight(self) -> None:
        """Give the Labels layer back its "show selected" setting, which a row click turned on:
        it stayed on once the row was no longer selected, another scan or fit shown, the regions
        changed, or the dock closed, hiding every other region of the layer."""
        lab, self._highlighted = self._highlighted, None
        if lab is not None and self._viewer is not None and lab in self._viewer.layers:
            lab.show_selected_label = False
        shown, self._shown = self._shown, None  # hidden again, as select_row found it
        if shown is not None and self._viewer is not None and shown in self._viewer.layers:
            shown.visible = False

    def _selection_changed(self) -> None:
        """A row selected again after a deselection (its cell was current all along: no
        currentCellChanged) selects its region; no row selected gives the layer back."""
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.select_row(rows[0].row())
        else:
            self.release_highlight()

    def dock_closed(self) -> None:
        self.release_highlight()
        super().dock_closed()

    # -- export ------------------------------------------------------------------------------------
    def _check_export(self, folder) -> None:
        """Refuse, before anything is written, a report folder whose files would overwrite the
        scan, the regions' file (a report's region_spectra.csv or regions.png opened again) or
        the photograph's (the fit's, and any open: scan_files), as every other save and
        `xrf-napari pigments` (its --photo) do: a photograph named regions.png in that folder
        was replaced once "Replace?" was answered."""
        from ..analysis.pigment_report import REPORT_FILES

        result = self.result
        if result is None:
            raise ValueError(nothing_yet("export", "run Find pigments"))
        self.check_outputs(
            [Path(folder) / n for n in REPORT_FILES],
            [folder],
            also=[
                layer_cube(result.cube_layer).path,
                source_file(result.labels_layer),
                result.photo_file,
            ],
        )

    def export(self, folder) -> dict:
        from ..analysis.pigment_report import write_report

        args, kwargs = self._to_export(folder)
        return write_report(*args, **kwargs)

    def _to_export(self, folder) -> tuple[tuple, dict]:
        """write_report's arguments for `folder` (the result's arrays by reference: a new result
        replaces them, never changes them), once refused what may not be written there."""
        self._check_export(folder)
        result = self.result
        # under the thumbnails, as `xrf-napari pigments` puts them: the photograph the colours
        # came from (or the SmallUViT's colours); the dock's report showed the pigment recolour
        # there, with a photograph too. Without either, the pigment recolour, as before
        bg = result.background
        layer = self.result_layer
        if bg is None and layer is not None:  # its sRGB floats, rounded as the report's own
            bg = layer.data  # colours by render_html in Export's job (0.9 s at 4000 x 4000 px)
        return (folder, result.report, result.labels), {
            "scan_name": layer_cube(result.cube_layer).name,
            "background": bg,
            "region_colours": result.colours,
            "colour_source": result.colour_source or "SmallUViT colour",
            "choices": list(result.choices),  # the combos change it in place
            "origin": self._origin(result),
            "anode": result.tube,  # the fit's, not the one chosen since
        }

    def _export_in_job(self, folder) -> None:
        """Write the report in a job: its full-size PNGs of a 2000 x 2000 scan took seconds, the
        viewer frozen meanwhile. What it writes is taken now: a layer deleted meanwhile, or a
        new result, changes nothing of it."""
        from ..analysis.pigment_report import write_report

        args, kwargs = self._to_export(folder)
        self.save_in_job(
            lambda: [write_report(*args, **kwargs)],
            cube=layer_cube(self.result.cube_layer),
            saving="Writing the pigment report\u2026",
            saved="the report was written",
            stopped="the export",
            done=lambda written: _report_words(written[0]),
            name="Export",
            again="export",
        )

    def _origin(self, result) -> str:
        """Where this report's scan and regions came from, for its page."""
        from ..fileutil import printable

        cube = layer_cube(result.cube_layer)
        regions = getattr(result.labels_layer, "name", None) or "the whole scan"
        return (
            f"Pigments panel: scan {printable(cube.path or cube.name)} (calibration "
            f"{cube.calibration.source}), regions from layer '{printable(regions)}'"
        )

    def _export_clicked(self) -> None:
        from ..analysis.pigment_report import REPORT_FILES

        folder = ask_folder(
            self, "Export pigment report to folder", suggested_folder(self.save_beside())
        )
        if not folder or self.refuse_busy("Export"):
            return
        try:  # an input in the way is refused before asking whether to replace it
            self._check_export(Path(folder))
            if confirm_replace(
                self, [Path(folder) / n for n in REPORT_FILES], "the report's files"
            ) and not self.refuse_busy("Export"):  # Find pigments may have started as it asked
                self._export_in_job(Path(folder))
        except (OSError, ValueError) as exc:
            self.job.refused(report_error(exc, "Export"))
