"""Elemental maps dock widget: choose elements and lines, compute all maps in one pass in a worker,
add one image layer per element and RGB composites of any three."""

from __future__ import annotations

import numpy as np
from qtpy.QtCore import Qt
from qtpy.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
)

from ._common import (
    NO_SUGGESTION,
    SURVEYS,
    CubeDock,
    after_calibration,
    awaits_calibration,
    nothing_yet,
    read_failure_refusal,
    suggestions_text,
)
from ._dialogs import ask_folder, confirm_replace, suggested_folder
from ._jobs import report_error
from ._layers import (
    cube_display_name,
    draw_thumbnail,
    find_result,
    layer_cube,
    result_cube,
    result_name,
    unwrapped,
    upsert_layer,
    yx_transform,
)

LINE_CHOICES = ("auto", "Ka", "Kb", "La", "Lb", "Lg", "Ma")
#: Single-hue colormaps, so maps blended additively still tell elements apart.
MAP_COLORMAPS = ("red", "green", "blue", "cyan", "magenta", "yellow", "gray", "inferno")
#: Maps shown at once after a run (more additive layers only muddy the picture).
VISIBLE_MAPS = 3
#: Metadata key of a map layer: the (colormap, blending) Make maps gave it, so that a run replacing
#: it gives it its new place's unless the user chose another since.
SHOWN_AS_KEY = "xrf_shown_as"


def _shown_as(layer) -> tuple[str, str]:
    return layer.colormap.name, str(layer.blending)


def _spot_words(source: str, plans, maps) -> str:
    """Make maps' status line on a single spectrum: "1 map(s) added" over 1 x 1 layers said
    nothing of there being no image, where `xrf-napari quicklook` says "a single spectrum ...
    no element maps" and writes each line's net counts (--tiff). Here the counts themselves,
    which Save maps writes as quicklook --tiff does."""
    counts = ", ".join(f"{p.label} {float(np.ravel(maps[p.symbol])[0]):.0f}" for p in plans)
    return (
        f"{source} is a single spectrum (1 x 1 px): there is no image to map; each layer holds "
        f"its line's net counts: {counts} (Save maps writes them, as `xrf-napari quicklook "
        "--tiff` does)."
    )


#: Add composite's tooltip; on a single spectrum it is off, its tooltip saying why (SPOT_RGB_TIP).
RGB_TIP = (
    "One RGB layer of the three maps chosen as red, green and blue. Off without maps, while "
    "Make maps makes the scan's maps again, and while a composite is being made"
)
SPOT_RGB_TIP = (
    "A single spectrum has no image: each of its maps is one pixel, scaled to its own "
    "brightest, so a composite would be one pixel, white wherever the three lines have counts. "
    "Read the lines' net counts in the status line (Save maps writes them)"
)


class FwhmBox(QDoubleSpinBox):
    """The detector FWHM at Mn K-alpha for the maps: 0 ("from the file") or a width a detector
    can have that the map code takes (detector.FWHM_OFFERED_MIN_EV-FWHM_MAX_EV). A plain 0-1000
    eV box offered 1-19 eV, which the maps refused only once run ("detector FWHM must be 20-1000
    eV"), and 20-99 eV, narrower than any detector's and refused on scans of coarse channels.
    Its minimum, one below the lowest width, shows the special "from file" text and reads as 0
    (value, setValue)."""

    def __init__(self, parent=None):
        from ..detector import FWHM_MAX_EV, FWHM_OFFERED_MIN_EV

        super().__init__(parent)
        self.setDecimals(0)
        self.setRange(FWHM_OFFERED_MIN_EV - 1, FWHM_MAX_EV)
        self.setSingleStep(5)
        self.setSuffix(" eV")
        self.setToolTip(
            f"Detector resolution, FWHM at Mn K\u03b1 ({FWHM_OFFERED_MIN_EV:.0f}-"
            f"{FWHM_MAX_EV:.0f} eV; a silicon drift detector is typically 120-180 eV). At its "
            "lowest it reads the file's value, else the width of the scan's own K\u03b1 peaks, "
            "else 140 eV"
        )

    def value(self) -> float:
        v = super().value()
        return 0.0 if v <= self.minimum() else v

    def setValue(self, value: float) -> None:  # noqa: N802 (Qt's name)
        super().setValue(float(value) if value else self.minimum())


def _kept_words(layers) -> str:
    """What became of the maps Make maps had added when its scan closed (its dock's
    dropped_layers_words, said after "its result was dropped"): they stay in the viewer."""
    if not layers:
        return ""
    if len(layers) == 1:
        return f"the map added before it closed ({', '.join(layers)}) stays in the viewer"
    return f"the {len(layers)} maps added before it closed ({', '.join(layers)}) stay in the viewer"


def _maps_job(
    cube,
    symbols,
    fwhm_ev,
    background,
    present,
    lines,
    anode=None,
    spectrum=None,
    kv=None,
    tiles=None,
):
    """(plans, maps, display maximum of each map): the maxima (analysis.maps.display_top) are
    computed here, so the GUI thread only hands finished arrays and contrast limits to napari.
    `anode`: the Instrument row's tube, over the file's (as quicklook's --anode); `spectrum`: the
    survey's sum spectrum, where the fits read the elements' positions (as quicklook's); `kv`: the
    row's tube voltage, over the file's (as quicklook's --kv); `tiles`: the survey's tile and
    group sums, where a neighbour in a small patch shows (as quicklook's)."""
    from ..analysis.maps import display_top, iter_planned_maps, plan_for_cube

    # planned once: the plans name the layers, and the same (plans, W) make the maps
    # (iter_element_maps planned them all again: the overlaps, windows and weight matrix)
    planned = plan_for_cube(
        cube,
        list(dict.fromkeys(symbols)),
        fwhm_ev=fwhm_ev,
        background=background,
        present=present,
        lines=lines,
        anode=anode,
        spectrum=spectrum,
        kv=kv,
        tiles=tiles,
    )
    plans = planned[0]
    maps = yield from iter_planned_maps(cube, planned)
    tops = {s: display_top(m) for s, m in maps.items()}
    return plans, maps, tops


def _survey_sum(cube):
    """The scan's sum spectrum from its survey (a mean per pixel), None before one."""
    known = SURVEYS.get(cube)
    if known is None or known[0] is None:
        return None
    return known[0] * (cube.shape[0] * cube.shape[1])


def _instrument_words(instrument: dict, keys) -> list[str]:
    """Elemental maps' words for the `keys` of their instrument (instrument_now) that changed."""
    from ..physics.instrument import OPTIC_WORDS

    words = {
        "kv": f"{instrument['kv']:g} kV" if instrument["kv"] else "an unknown kV",
        "optic_cutoff_kev": "a "
        + OPTIC_WORDS["collimator" if instrument["optic_cutoff_kev"] is None else "lens"],
        "atmosphere": instrument["atmosphere"],
    }
    return [words[k] for k in keys]


def _lens_words(cutoff_kev: float) -> str:
    """What a polycapillary lens changes in the suggestion the maps follow (peaks.k_lines_unseen),
    for the stale line: "a polycapillary lens" alone did not say which elements it bears on."""
    return (
        f"A polycapillary lens passes half the tube's photons at {cutoff_kev:g} keV and few "
        "above: cadmium, tin and antimony, whose K lines need 27-31 keV, are then judged by their "
        "L lines (where the tube and its kV are known)."
    )


class ElementMapsWidget(CubeDock):
    """Net line-count maps of chosen elements of the selected datacube."""

    uses_survey = True
    #: leave_cube's: the elements ticked on the scan and the FWHM set for it
    kept_on_calibration = ("ticks", "fwhm")
    #: the tube counts as present (a line near its scattered lines is fitted beside them), and
    #: the elements suggested for the whole Instrument row (kV, optic, gas) too
    reads_instrument = True
    tube_notes = (
        "These maps were",
        "Make maps again to separate the lines from this tube's scattered lines (and for "
        "their notes).",
    )
    tube_chosen_in = "an Instrument row"

    def __init__(self, napari_viewer):
        super().__init__(napari_viewer, "Make maps")
        from ..elements import PAINTING_ELEMENTS

        self.map_layers: dict[str, object] = {}
        self.map_plans: list = []  # analysis.maps.MapPlan of each map, for Save maps
        self._composite_worker = None  # Add composite's job (making_composite)
        self.table = QTableWidget(len(PAINTING_ELEMENTS), 2)
        self.table.setHorizontalHeaderLabels(["Element", "Line"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.setMinimumHeight(6 * self.table.verticalHeader().defaultSectionSize())
        self.table.setTabKeyNavigation(False)  # Tab leaves the table for the next control
        # (cell to cell, Tab cycled its rows' boxes for ever and never reached Make maps); the
        # arrow keys move between rows, Space ticks
        self._line_combos: dict[str, QComboBox] = {}
        for row, sym in enumerate(PAINTING_ELEMENTS):
            item = QTableWidgetItem(sym)
            item.setFlags(Qt.ItemIsUserCheckable | Qt.ItemIsEnabled)
            item.setCheckState(Qt.Unchecked)
            self.table.setItem(row, 0, item)
            combo = QComboBox()
            combo.addItems(LINE_CHOICES)
            self.table.setCellWidget(row, 1, combo)
            self._line_combos[sym] = combo
        self.suggest_button = QPushButton("Select suggested")
        self.suggest_button.setToolTip(
            "Tick the elements whose lines are found in the mean spectrum (off until some are)"
        )
        self.suggest_button.setEnabled(False)
        self.suggested_label = QLabel(NO_SUGGESTION)
        self.suggested_label.setWordWrap(True)
        self.suggested_label.setTextFormat(Qt.TextFormat.RichText)
        self.fwhm_spin = FwhmBox()
        self._name_unset_fwhm(None)  # no scan yet: no file to take it from
        self.background_check = QCheckBox("Subtract background")
        self.background_check.setChecked(True)
        self.notes_label = QLabel("")
        self.notes_label.setWordWrap(True)
        self.rgb_combos = [QComboBox() for _ in range(3)]
        for combo, colour in zip(self.rgb_combos, ("red", "green", "blue")):
            # sized for an element's name, not for the widest entry: the row stays narrow
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(2)
            combo.setToolTip(f"The map shown in {colour}")
        self.rgb_button = QPushButton("Add composite")
        self.rgb_button.setToolTip(RGB_TIP)
        self.save_button = QPushButton("Save maps\u2026")
        self.save_button.setToolTip(
            "Each map as a 32-bit float TIFF of net line counts per pixel, and a table of the "
            "lines and energy windows used"
        )
        self.save_button.setEnabled(False)

        grid = QGridLayout()
        grid.addWidget(QLabel("Datacube"), 0, 0)
        grid.addWidget(self.cube_combo, 0, 1, 1, 2)
        fwhm_label = QLabel("FWHM")  # short: this row also holds the background box
        fwhm_label.setToolTip(self.fwhm_spin.toolTip())
        grid.addWidget(fwhm_label, 1, 0)
        grid.addWidget(self.fwhm_spin, 1, 1)
        grid.addWidget(self.background_check, 1, 2)
        # what the file does not say of the scanner, for the suggestion (shared with Spectrum)
        grid.addWidget(QLabel("Instrument"), 2, 0)
        grid.addWidget(self.make_instrument_row(), 2, 1, 1, 2)
        sug = QHBoxLayout()
        sug.addWidget(self.suggested_label, 1)
        sug.addWidget(self.suggest_button)
        rgb = QHBoxLayout()
        for name, combo in zip("RGB", self.rgb_combos):
            rgb.addWidget(QLabel(name))
            rgb.addWidget(combo, 1)
        rgb.addWidget(self.rgb_button)
        lay = self.body_layout
        lay.addLayout(grid)
        lay.addLayout(sug)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.notes_label)
        # Make maps, Save and the composite row stay in view below the body: in the docked tab at
        # 1920 x 1080 the element table (six rows at least) and a run's notes put them below the
        # fold. Save shares the Run row, so the table keeps its six rows in view too.
        self.job.add_beside_run(self.save_button)
        self.pin_below(self.job, rgb)
        self.notes_label.hide()  # no blank row before a run
        # Tab: the Make maps row (Cancel with it: it took the focus Make maps gave up as it
        # ran) before the table, whose ~32 Line boxes took 33 presses from Select suggested to
        # Make maps (the buttons come after them as laid out, pinned)
        order = (self.suggest_button, self.job.run_button, self.job.cancel_button)
        order += (self.save_button, self.table)
        for before, after in zip(order, order[1:]):
            self.setTabOrder(before, after)

        self.suggest_button.clicked.connect(self.select_suggested)
        self.rgb_button.clicked.connect(self._rgb_clicked)
        self.save_button.clicked.connect(self._save_clicked)
        self.follow_cube()

    # -- element table ------------------------------------------------------------------------
    def checked_elements(self) -> list[str]:
        return [
            self.table.item(r, 0).text()
            for r in range(self.table.rowCount())
            if self.table.item(r, 0).checkState() == Qt.Checked
        ]

    def set_checked_elements(self, symbols) -> None:
        symbols = set(symbols)
        for r in range(self.table.rowCount()):
            item = self.table.item(r, 0)
            item.setCheckState(Qt.Checked if item.text() in symbols else Qt.Unchecked)

    def set_line(self, symbol: str, family: str) -> None:
        self._line_combos[symbol].setCurrentText(family)

    def chosen_lines(self) -> dict[str, str]:
        return {
            s: c.currentText() for s, c in self._line_combos.items() if c.currentText() != "auto"
        }

    def suggested(self) -> list[str]:
        known = SURVEYS.get(self.current_cube())
        return list(known[1]) if known is not None else []

    def seen(self) -> list[str]:
        """The suggested elements and a usual anode left out of them, the tube unknown
        (peaks.Suggestions.seen): the maps' overlaps count every element the peaks show."""
        known = SURVEYS.get(self.current_cube())
        return list(getattr(known[1], "seen", known[1])) if known is not None else []

    def select_suggested(self) -> None:
        known = SURVEYS.get(self.current_cube())
        if known is not None:
            self.set_checked_elements(known[1])
        else:
            self.request_survey()

    def _follow_suggested(self) -> None:
        """Select suggested is on only while the chosen scan has suggested elements: with no
        scan it did nothing, and with none suggested it cleared the ticks, without a word."""
        self.suggest_button.setEnabled(bool(self.suggested()) and not self.job.refusal)

    def scan_refusal(self, cube) -> str:
        """A scan without an energy calibration, as the Pigments dock's (energy.
        uncalibrated_refusal; not while one is being fitted: Make maps waits for it; a file a
        pass failed reading says so, read_failure_refusal), or whose energy axis holds
        no line of the elements offered (energy.no_lines_refusal), said as it is chosen, Make
        maps off; on again as a calibration arrives (CubeDock._layer_metadata_changed).
        Uncalibrated, Make maps stayed on and failed once run ("the cube ... has no energy
        calibration") with an error notification."""
        from ..energy import no_lines_refusal, uncalibrated_refusal

        name = self.scan_name(cube)
        why = read_failure_refusal(cube, name)
        if not why and not awaits_calibration(cube):
            why = uncalibrated_refusal(cube, name)
        why = why or no_lines_refusal(cube, name)
        return f"Elemental maps: {why}" if why else ""

    def on_cube(self, layer) -> None:
        self.suggested_label.setText(NO_SUGGESTION)
        self._follow_suggested()
        cube = None if layer is None else layer_cube(layer)
        # the ticks the user left on this cube, else (once surveyed) its suggested elements
        self.set_checked_elements(self.recall(cube, "ticks", []) if cube is not None else [])
        # the FWHM set for a scan is that scan's: another scan, maybe of another detector, was
        # mapped with it unasked; one not set shows the file's value (0)
        self.fwhm_spin.setValue(0.0 if cube is None else self.recall(cube, "fwhm", 0.0))
        self._name_unset_fwhm(cube)

    def _name_unset_fwhm(self, cube) -> None:
        """The FWHM box's "from file" text: the width Make maps takes where none is set, the
        file's, else the one read from the scan's own peaks once it is surveyed (analysis.maps.
        scan_fwhm_mn_ev, worked out by the survey), else the default. A scan whose file gives
        none said "default (140 eV)" while its maps were made with the 197 eV read from it. With
        no scan chosen, the default: the box said "from file (140 eV)" (no file), or kept the
        last scan's words after it closed."""
        from ..analysis.maps import scan_fwhm_mn_ev
        from ..detector import DEFAULT_FWHM_MN_EV, fwhm_from_metadata

        if cube is None:
            self.fwhm_spin.setSpecialValueText(f"default ({DEFAULT_FWHM_MN_EV:.0f} eV)")
            return
        known = fwhm_from_metadata(cube.metadata)
        spectrum = _survey_sum(cube)
        read = None if known else scan_fwhm_mn_ev(cube, spectrum)
        if known:
            words = f"from file ({known:.0f} eV)"
        elif read:
            words = f"from scan ({read:.0f} eV)"
        elif spectrum is None and cube.calibration.source != "none":
            words = "from scan"  # its survey, which Make maps waits for, reads it
        else:
            words = f"default ({DEFAULT_FWHM_MN_EV:.0f} eV)"
        self.fwhm_spin.setSpecialValueText(words)

    def leave_cube(self, cube) -> None:
        self.keep_ticks(cube)
        self.remember(cube, "fwhm", self.fwhm_spin.value())
        self.remember(cube, "composite", self._rgb_chosen())  # comes back with its maps

    def show_survey(self, mean, suggested) -> None:
        self.suggested_label.setText(suggestions_text(suggested))
        self.tick_suggested_once(self.current_cube(), suggested)
        self._follow_suggested()
        if (cube := self.current_cube()) is not None:
            self._name_unset_fwhm(cube)  # the width read from its peaks, known now

    def _instrument_changed(self, cube) -> None:
        super()._instrument_changed(cube)
        self._follow_suggested()  # off while suggested again for the new instrument

    # -- maps -----------------------------------------------------------------------------------
    @after_calibration("Make maps")
    def run(self):
        """Start computing the ticked elements' maps; None if nothing to do, already running, or
        waiting for the scan's calibration or elements."""
        layer = self.cube_combo.current_layer()
        symbols = self.checked_elements()
        if layer is not None and self.refuse_scan(layer_cube(layer)):
            return None  # not once per element ticked ("no line of Fe between ...")
        if (
            layer is not None
            and not symbols
            and self.uses_survey
            and SURVEYS.get(layer_cube(layer)) is None
            and self.defer_until_surveyed(self.run, "Make maps")
        ):
            # nothing ticked yet as the scan opened: its suggestions, ticked as they come, are
            # mapped (it refused "tick at least one element to map" with an error pop-up while
            # the line said "Finding elements..."); none suggested, it refuses then
            return None
        if layer is None or not symbols:
            # with a scan chosen, "choose a datacube" read as if it were not (a scan of no
            # suggested element: nothing ticked)
            why = "choose a datacube and tick" if layer is None else "tick"
            self.job.refused(
                report_error(ValueError(f"{why} at least one element to map"), "Elemental maps")
            )
            return None
        cube = layer_cube(layer)
        # the overlaps are resolved with every element present: wait for the scan's survey
        if self.defer_until_surveyed(self.run, "Make maps"):
            return None
        fwhm = self.fwhm_spin.value() or None
        rank = {s: i for i, s in enumerate(self.suggested())}  # strongest evidence first
        symbols.sort(key=lambda s: rank.get(s, len(rank)))
        # the ticked elements count present where the scan shows them (plan_for_cube): Cd and
        # Sn ticked on the APS scan read its Ca map -61 %
        present = set(self.seen())
        made_for = self.instrument_now(cube)
        return self.start_job(
            _maps_job,
            cube,
            symbols,
            fwhm,
            self.background_check.isChecked(),
            sorted(present),
            self.chosen_lines(),
            SURVEYS.instrument(cube).get("anode"),  # the row's tube, as the suggestion's
            _survey_sum(cube),
            SURVEYS.instrument(cube).get("kv"),  # what the tube can excite, as quicklook's
            SURVEYS.spectra(cube),  # a neighbour in a small patch, as quicklook's
            cube=cube,
            description="Integrating line windows\u2026",
            on_result=lambda res: self._add_maps(layer, res, made_for),
        )

    def _add_maps(self, cube_layer, result, made_for):
        """Map layers from the job's (plans, maps, tops), one per turn of the event loop (see
        JobPanel), the line saying "Adding 13 maps... (4 of 13)" meanwhile (napari takes about
        0.5 s to add each under Xvfb: "Done." stood on a frozen viewer for 8.8 s); keeps (layers,
        notes, plans, the instrument they were made for: made_for) as the result. The maps past
        the first VISIBLE_MAPS are added hidden, not hidden once drawn. Cancel stops between two
        maps: those added stay, as the result, and the line names them."""
        from ..analysis.export import map_values

        plans, maps, tops = result
        viewer = self.viewer
        source = cube_display_name(viewer, cube_layer)
        scale, translate = yx_transform(cube_layer)
        notes, layers = [], {}
        cube = layer_cube(cube_layer)
        values = map_values(cube)  # brought to the median live time where the pixels' differ
        self.forget(cube, "composite")  # new maps: the first three, as after every Make maps
        _hide_results_of(viewer, cube)  # the new maps replace the scan's older maps and composites
        total = len(plans)
        self.job.begin_adding(total, "map")
        for i, plan in enumerate(plans):
            try:
                yield  # the line (and the map before) drawn first; Cancel or a closed scan seen
            except GeneratorExit:
                # dropped (the scan closed): the maps added stay, and the line says so; it said
                # "its result was dropped" over the two maps still in the viewer
                self.dropped_layers_words = _kept_words(layers)
                raise
            if self.job.adding_cancelled:
                break
            data, hi = maps[plan.symbol], tops[plan.symbol]
            name = result_name(viewer, cube, plan.label, source)  # a renamed scan's, kept
            # the place's colour: a map replaced had kept its last run's (Make maps again with Pb
            # unticked showed Cu, Fe, Ca in green, blue and cyan, all added onto the sum image);
            # a colour or blending the user chose is kept
            # (the first map hides the layers below; the next ones add their colour to it)
            place = (
                MAP_COLORMAPS[i % len(MAP_COLORMAPS)],
                "translucent_no_depth" if i == 0 else "additive",
            )
            shown_as = place
            old = find_result(viewer, cube, name)
            if old is not None and tuple(old.metadata.get(SHOWN_AS_KEY, ())) != _shown_as(old):
                shown_as = None  # the user's
            layer = upsert_layer(
                viewer,
                name,
                data,
                cube=cube,
                scale=scale,
                translate=translate,
                colormap=place[0],
                blending=place[1],
                contrast_limits=(0.0, hi),
                visible=i < VISIBLE_MAPS,  # a new layer only: a replaced one keeps its own
                metadata={
                    "xrf_element": plan.symbol,
                    "xrf_line": plan.line.family,
                    "xrf_source": source,
                    "xrf_values": values,
                    SHOWN_AS_KEY: shown_as or (),
                },
            )
            if shown_as is not None:
                layer.colormap, layer.blending = shown_as
            layer.visible = i < VISIBLE_MAPS
            if i == 0 and shown_as is not None:
                _under_the_scans_maps(viewer, cube, layer)
            draw_thumbnail(layer)  # a hidden map's was black in the layer list
            layers[plan.symbol] = layer
            if plan.note:
                notes.append(f"{plan.symbol}: {plan.note}")
            self.job.added(i + 1)
        if len(layers) < total:  # cancelled: the maps added are the result, and said to be
            plans = [p for p in plans if p.symbol in layers]
            said = (
                f"Cancelled: {len(layers)} of {total} maps added ({', '.join(layers)}); Make "
                "maps again for the others."
                if layers
                else f"Cancelled: none of the {total} maps was added."
            )
        elif tuple(cube.shape[:2]) == (1, 1):
            said = _spot_words(source, plans, maps)
        else:
            said = f"{len(plans)} map(s) added ({values})."
        said += _older_maps_words(viewer, cube, layers.values())
        self.job.status.setText(said)
        self.say_while_shown(cube, layers.values(), said)  # it goes once every map was deleted
        if notes and cube is self.current_cube():  # under the table, below the fold
            self.scroll_into_view(self.notes_label)
        return layers, "\n".join(notes), plans, made_for

    def instrument_now(self, cube) -> dict:
        """The instrument Make maps would now read of `cube`: the suggestion's
        (peaks.suggestion_instrument of the scan's choice over the file's), whose elements the
        overlaps count, the tube among them. Choosing what the file says is no change; nor is
        air, which a file naming no gas means."""
        from ..analysis.peaks import suggestion_instrument

        read = suggestion_instrument(cube, **SURVEYS.instrument(cube))
        return dict(read, atmosphere=read["atmosphere"] or "air")

    def made_for(self, result):
        return result[3]

    def tube_of(self, instrument):
        return instrument["anode"]

    def stale_words(self, made, now) -> str:
        """The tube's line (CubeDock), else, the tube the same, one naming what else of the
        Instrument row changed since Make maps: the maps' overlaps counted the elements suggested
        for it, and their notes said nothing of the change."""
        if made["anode"] != now["anode"]:
            return super().stale_words(made, now)
        changed = [k for k in ("kv", "optic_cutoff_kev", "atmosphere") if made[k] != now[k]]
        was, became = (", ".join(_instrument_words(i, changed)) for i in (made, now))
        lens = made["optic_cutoff_kev"] or now["optic_cutoff_kev"]
        lens = f" {_lens_words(lens)}" if "optic_cutoff_kev" in changed else ""
        return (
            f"\u26a0 These maps were made for {was}; the scan's Instrument row now says "
            f"{became}.{lens} Make maps again for the elements suggested for it (and for their "
            "notes)."
        )

    def show_result(self, result) -> None:
        """The current cube's maps (their notes, the composite choices), or nothing."""
        layers, notes, plans, _ = result if result is not None else ({}, "", [], None)
        self.map_layers = dict(layers)
        self.map_plans = list(plans)
        self.show_notes()  # or, made for another tube, why not
        live = list(self.live_maps())  # the user may have deleted them meanwhile
        self.follow_busy()
        cube = self.current_cube()
        self._refresh_rgb_choices(live, self.recall(cube, "composite", ()))
        self.forget(cube, "composite")  # shown: the row itself holds the choice now

    def follow_instrument(self, cube) -> None:
        """The maps' notes give way to stale_tube's line once another instrument is chosen for
        their scan, and come back with it: only the notes, the composite row keeps its choices."""
        if cube is self.current_cube():
            self.show_notes()

    def show_notes(self) -> None:
        """The notes of the chosen scan's maps (overlaps, weak lines), withheld once made for
        another instrument, and gone once every map was deleted (result_deleted)."""
        result = self.recall(self.current_cube(), "result")
        self.show_tube_notes(self.notes_label, "" if result is None else result[1])

    def result_deleted(self) -> bool:
        """Every map of the chosen scan was deleted (Save maps is off then too)."""
        return bool(self.map_layers) and self.viewer is not None and not self.live_maps()

    def live_maps(self) -> dict:
        """{symbol: map layer} of the current cube's maps still in the viewer (the user may
        delete some): what Save and the RGB composite may use."""
        return {s: ly for s, ly in self.map_layers.items() if ly in self.viewer.layers}

    def _layer_removed(self, event=None) -> None:
        """A deleted map is let go, of every scan's maps (each an (H, W) float32 array: 64 MB at
        4000 x 4000 px, held until its scan was closed or mapped again), its element still
        known as deleted (None: _composite_inputs says so), and no longer offered for a
        composite. Save maps and Add composite follow the maps left in CubeDock's own
        follow_busy (called here too, it ran twice on every layer's removal)."""
        super()._layer_removed(event)
        viewer = self.viewer
        if viewer is None:
            return
        shown = False  # a map of the scan shown was deleted
        for layers in (self.map_layers, *(result[0] for result in self.recall_all("result"))):
            for symbol, layer in list(layers.items()):
                if layer is not None and layer not in viewer.layers:
                    layers[symbol] = None
                    shown |= layers is self.map_layers
        if shown:
            try:  # the composite row offers the maps left
                self._refresh_rgb_choices(list(self.live_maps()), self._rgb_chosen())
            except RuntimeError:  # this dock's Qt side is already deleted
                pass

    def follow_busy(self) -> None:
        """Save maps and Add composite use the maps shown: off without any (Add composite stayed
        on, its colour boxes empty, and a click only said "make the maps first"), and while Make
        maps makes the scan's maps again (a composite then mixed old maps with new ones, as they
        were replaced). Add composite is off while its own job makes a composite, too, and on a
        single spectrum (SPOT_RGB_TIP: it added "RGB Ca/P/As", one white pixel filling the
        canvas, where Make maps says there is no image to map)."""
        ready = bool(self.live_maps()) and not self.result_busy()
        self.save_button.setEnabled(ready)
        cube = self.current_cube()
        spot = cube is not None and tuple(cube.shape[:2]) == (1, 1)
        self.rgb_button.setEnabled(ready and not spot and not self.making_composite())
        self.rgb_button.setToolTip(SPOT_RGB_TIP if spot else RGB_TIP)

    def save(self, folder) -> list:
        """Write the current cube's maps into `folder` (analysis.export.save_element_maps): the
        values of the map layers, so a map the user edited is saved as edited."""
        from ..analysis.export import save_element_maps

        return save_element_maps(folder, **self._to_save())

    def _to_save(self) -> dict:
        """save_element_maps' arguments but the folder, taken now (the layers' arrays by
        reference: a layer deleted or replaced afterwards changes nothing of them)."""
        from ..analysis.export import map_values

        cube = self.current_cube()
        layers = self.live_maps()
        if cube is None or not layers:
            raise ValueError(nothing_yet("save", "run Make maps"))
        inputs = self.scan_files(cube.path)
        return dict(
            name=self._source(),
            plans=list(self.map_plans),
            maps={s: np.asarray(ly.data) for s, ly in layers.items()},
            inputs=inputs,
            folder_inputs=inputs,  # as CubeDock.check_outputs: none is a path the user typed
            calibration=cube.calibration,
            values=map_values(cube),
        )

    def _source(self) -> str:
        return cube_display_name(self.viewer, self.cube_combo.current_layer())

    def map_files(self, folder) -> list:
        """The files `save(folder)` writes: `<scan>_<element>_<line>.tif` per map and
        `<scan>_maps.csv` (the names analysis.export.save_element_maps gives them)."""
        from pathlib import Path

        from ..analysis.export import file_stem

        layers = self.live_maps()
        if self.current_cube() is None or not layers:
            raise ValueError(nothing_yet("save", "run Make maps"))
        stem = file_stem(self._source())
        names = [
            f"{stem}_{p.symbol}_{p.line.family}.tif" for p in self.map_plans if p.symbol in layers
        ]
        return [Path(folder) / n for n in names + [f"{stem}_maps.csv"]]

    def _save_clicked(self) -> None:
        start = suggested_folder(self.save_beside())
        folder = ask_folder(self, "Folder for the element maps", start)
        if not folder or self.refuse_busy("Save maps"):
            return
        try:  # a folder dialog names no file: ask before replacing earlier (maybe edited) maps,
            # once an input in the way is refused (it was only after "Replace?" was answered)
            files = self.map_files(folder)
            self.check_outputs(files, [folder], also=[self.current_cube().path])
            if not confirm_replace(self, files, "the maps"):
                return
            if self.refuse_busy("Save maps"):  # Make maps may have started as it asked
                return
            self._save_in_job(folder)
        except (OSError, ValueError) as exc:
            self.job.refused(report_error(exc, "Save maps"))

    def _save_in_job(self, folder) -> None:
        """Write the maps in a job (as Recolour's Save): full-size TIFFs froze the viewer while
        they were written on napari's GUI thread. What is written is taken now (_to_save)."""
        from pathlib import Path

        from ..analysis.export import save_element_maps

        args, name = self._to_save(), Path(folder).name
        self.save_in_job(
            lambda: save_element_maps(folder, **args),
            cube=self.current_cube(),
            saving=f"Saving the maps in {name}\u2026",
            saved=f"the maps were saved in {name}",
            done=lambda written: f"Saved {len(written) - 1} map(s) and {written[-1].name}.",
            name="Save maps",
        )

    def _rgb_chosen(self) -> list[str]:
        """The composite row's red, green and blue choices ("" where nothing is offered)."""
        return [c.currentText() for c in self.rgb_combos]

    def _refresh_rgb_choices(self, symbols, chosen=()) -> None:
        """Offer `symbols` and NO_MAP (a black channel) for red, green and blue (nothing without
        maps), the first three maps by default, NO_MAP where there are fewer (two maps offered
        [a, b, b]: Add composite showed b in both green and blue, a cyan that no element's map
        is). `chosen` (red, green, blue: _rgb_chosen): each choice still offered stays (the
        row's own as a map is deleted; the scan's as it is chosen again, where the first three
        maps replaced what the user had chosen), and one whose map was deleted takes a map not
        chosen for another colour, else NO_MAP (it took the first map, often the green's, and
        Add composite made "RGB Fe/Fe/Cu" of two maps)."""
        kept = [*chosen, None, None, None][:3]
        kept = [k if k in symbols or k == NO_MAP else None for k in kept]
        spare = [s for s in symbols if s not in kept]
        for i, combo in enumerate(self.rgb_combos):
            combo.clear()
            if not symbols:  # no maps: nothing to offer
                continue
            combo.addItems([*symbols, NO_MAP])
            if kept[i] is None:
                kept[i] = spare.pop(0) if spare else NO_MAP
            combo.setCurrentIndex(combo.findText(kept[i]))

    def _composite_inputs(self, symbols=None) -> tuple:
        """(symbols, layers) of the maps chosen for red, green and blue (`symbols`: three map
        symbols, NO_MAP or None for a channel left black; None: the composite row's choices);
        a ValueError says why there is no composite to make."""
        symbols = list(symbols or self._rgb_chosen())
        symbols = [None if s in (None, NO_MAP) else s for s in symbols]
        live = self.live_maps()
        deleted = [s for s in symbols if s in self.map_layers and s not in live]
        if deleted:
            raise ValueError(
                f"the map layer of {', '.join(deleted)} was deleted: make the maps again, or "
                "choose another map"
            )
        missing = [s for s in symbols if s is not None and s not in live]
        if len(symbols) != 3 or missing or not any(symbols):
            raise ValueError("make the maps first, then choose the maps for red, green and blue")
        return symbols, [None if s is None else live[s] for s in symbols]

    def add_composite(self, symbols=None):
        """Add an RGB image of the maps chosen for red, green and blue (`symbols`: three map
        symbols, NO_MAP or None for a channel left black); returns the layer, named after its
        three channels ("none" for a black one). Made here, in the calling thread (a script's);
        the Add composite button makes it in a job (_rgb_clicked)."""
        from ..analysis.maps import composite_rgb

        symbols, layers = self._composite_inputs(symbols)
        return self._add_composite_layer(symbols, layers, composite_rgb(_channels(layers)))

    def _add_composite_layer(self, symbols, layers, rgb):
        first = next(ly for ly in layers if ly is not None)
        src = first.metadata.get("xrf_source", "")
        cube = result_cube(first)
        # one picture at a time: the composite replaces its scan's single maps and older composites
        _hide_results_of(self.viewer, cube)
        names = "/".join("none" if s is None else s for s in symbols)
        layer = upsert_layer(
            self.viewer,
            result_name(self.viewer, cube, f"RGB {names}", src),
            rgb,
            cube=cube,
            rgb=True,
            # the values are already 0..1 (composite_rgb): napari's guess took the data's range
            # (a composite with no black pixel stretched), and above 10^7 values a central
            # patch's, so the same composite looked different at another size
            contrast_limits=(0.0, 1.0),
            scale=first.scale,
            translate=first.translate,
            metadata={"xrf_composite": symbols, "xrf_source": src},
        )
        layer.contrast_limits = (0.0, 1.0)  # also on a composite layer reused (upsert_layer)
        layer.visible = True
        return layer

    def _say_added(self, layer) -> None:
        black = [
            colour
            for colour, s in zip(("red", "green", "blue"), layer.metadata["xrf_composite"])
            if s is None
        ]
        self.job.status.setText(
            f"Added \u201c{layer.name}\u201d"
            + (f": {' and '.join(black)} left black (no map chosen)." if black else ".")
        )

    def making_composite(self) -> bool:
        """Add composite's job is running (the button is off meanwhile: follow_busy)."""
        worker = self.job.worker
        return worker is not None and worker is self._composite_worker

    def _rgb_clicked(self) -> None:
        """Add composite: the composite (three 99.5th percentiles and the scaling of three maps:
        0.15-0.2 s at 4000 x 4000 px here, 0.5 s and up at load 4) is made in a job of its own
        (keep=False) in the pool of the short passes the user waits on, not behind the dock jobs
        that fill napari's two threads here; the GUI thread only adds the layer. The button is
        off and the status line says "Making the composite..." meanwhile; Cancel drops it, and
        so does its scan's closing (start_job). A map deleted meanwhile is not composited: the
        line says so. Made here, as before, when the dock's panel already runs a job (the
        survey, or Make maps on another scan: the panel runs one at a time) or its scan is
        closed."""
        try:
            symbols, layers = self._composite_inputs()
        except ValueError as exc:
            self.job.refused(report_error(exc, "RGB composite"))
            return
        cube = result_cube(next(ly for ly in layers if ly is not None))
        if self.job.is_running or cube is None or not self._cube_is_open(cube):
            self._say_added(self.add_composite(symbols))  # the same maps, checked again
            return
        self._composite_worker = self.start_job(
            _composite_job,
            _channels(layers),
            cube=cube,
            description=MAKING_COMPOSITE,
            on_result=lambda rgb: self._composite_made(symbols, layers, rgb),
            keep=False,
            pass_pool=True,
            name="Add composite",  # not "Make maps" in a notification (scan closed)
        )
        self.follow_busy()  # off while it runs: start_job's call came before the worker was known

    def _composite_made(self, symbols, layers, rgb) -> None:
        """The job's composite: added unless one of its maps was deleted while it was made."""
        deleted = [
            s for s, ly in zip(symbols, layers) if ly is not None and ly not in self.viewer.layers
        ]
        if deleted:
            self.job.status.setText(
                f"The composite was not added: the map layer of {', '.join(deleted)} was deleted "
                "while it was made."
            )
            return
        self._say_added(self._add_composite_layer(symbols, layers, rgb))


#: Add composite's status line while its job runs.
MAKING_COMPOSITE = "Making the composite\u2026"


def _channels(layers) -> list:
    """The red, green and blue maps' arrays of a composite's layers (None: a black channel)."""
    return [None if ly is None else ly.data for ly in layers]


def _composite_job(channels):
    """Add composite's job: composite_rgb, off the GUI thread; a Cancel stops it between maps."""
    from ..analysis.maps import iter_composite_rgb

    return (yield from iter_composite_rgb(channels))


#: The composite row's choice of no map: that colour stays black.
NO_MAP = "(none)"


def _under_the_scans_maps(viewer, cube, layer) -> None:
    """Move a run's first map (opaque: it hides the layers below) under `cube`'s other maps. A
    map replaced keeps its place in the layer list and a new one goes on top, so Fe and Cu
    mapped, then Pb, Fe and Cu, showed Pb's red alone: its opaque layer above hid the two."""
    layers = viewer.layers
    here = layers.index(layer)
    below = [
        k
        for k, ly in enumerate(list(layers)[:here])
        if result_cube(ly) is cube and "xrf_element" in (getattr(ly, "metadata", None) or {})
    ]
    if below:
        layers.move(here, below[0])


def _older_maps_words(viewer, cube, made) -> str:
    """Make maps' words on `cube`'s maps of an earlier run that this one did not replace (an
    element unticked since): hidden with the others (_hide_results_of), they stay in the layer
    list, where nothing said so, and a user took them to be gone. By the layers behind napari's
    proxies: docked from the Plugins menu, every layer the viewer hands out is a new proxy, and
    a first run named all its own maps "earlier maps"."""
    made = {id(unwrapped(ly)) for ly in made}
    older = [
        ly.metadata["xrf_element"]
        for ly in viewer.layers
        if result_cube(ly) is cube
        and "xrf_element" in (getattr(ly, "metadata", None) or {})
        and id(unwrapped(ly)) not in made
    ]
    if not older:
        return ""
    names = ", ".join(dict.fromkeys(older))
    return (
        f" The earlier {'map' if len(older) == 1 else 'maps'} of {names} "
        f"{'stays' if len(older) == 1 else 'stay'} in the layer list, hidden."
    )


def _hide_results_of(viewer, cube) -> None:
    """Hide the map and composite layers made from `cube` (they pile up opaque)."""
    for ly in viewer.layers:
        meta = getattr(ly, "metadata", None) or {}
        if result_cube(ly) is cube and ("xrf_element" in meta or "xrf_composite" in meta):
            ly.visible = False
