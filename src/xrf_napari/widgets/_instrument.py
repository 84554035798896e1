"""The Instrument rows of the Spectrum, Elemental maps and Pigments docks (and Recolour's Tube
box, the row's tube alone): what the file does not say about the scanner, for the element
suggestion and the pigment fit. A Bruker M6's .rpl export
names no tube, optic nor gas, and cadmium, tin and antimony are judged by their L lines under a
polycapillary lens only where the tube's anode and kV are known (analysis.peaks): opened in
napari, such a scan had them unsuggested, and the docks read the file only. The choice belongs to
the scan, not to a dock: it is kept with the scan's survey (widgets._common.SURVEYS
.set_instrument), so the docks show it, re-suggest from it and the Pigments dock fits with it, as
quicklook's and pigments' --anode/--kv/--optic/--atmosphere do on the command line (the same
words: physics.instrument.OPTICS, ATMOSPHERES). Pigments had Tube and Optic, gas rows of its own:
a scan told "lens, Rh 50 kV" in Spectrum was fitted with the file's tube unless told again."""

from __future__ import annotations

from qtpy.QtCore import Signal
from qtpy.QtGui import QValidator
from qtpy.QtWidgets import QComboBox, QDoubleSpinBox, QGridLayout, QLabel, QWidget

from ..physics.instrument import OPTIC_WORDS

#: The optic entries after the file's ("optic: file's") and what each tells the suggestion and
#: the pigment fit (OPTICS), in words and order of physics.instrument.OPTIC_WORDS.
OPTIC_ENTRIES = tuple((words, optic) for optic, words in OPTIC_WORDS.items())
TIP = (
    "What the file does not say about the scanner, for this scan's suggested elements and its "
    "pigment fit (one choice, shown in Spectrum, Elemental maps and Pigments alike, its tube in "
    "Recolour too). A Bruker "
    "M6 .rpl export names no tube, optic or gas: under a polycapillary lens cadmium, tin and "
    "antimony are judged by their L lines only where the tube's anode and kV are known. Each "
    "first entry keeps what the file says, shown in brackets (none: a collimator, air, an "
    "unknown tube; the pigment fit then estimates the anode from the scattered tube lines and "
    "takes 50 kV, and its notes say so)."
)


class KvBox(QDoubleSpinBox):
    """The tube's kV: its minimum, one below the tube model's KV_MIN, reads "kV: file's". Typed
    digits count once editing is finished (Enter, or leaving the box), not on each keystroke, and
    a number outside KV_MIN-KV_MAX is never taken: "4" typed (on the way to "40", then the box
    left) was the minimum itself and chose the file's kV without a word, "1"-"3" went back to the
    value before, just as silently, and "7" then "0" refused the "0". Such a number is now kept
    on screen until editing is finished, then the box goes back to the value it had and
    `refused` carries the number typed, for the row's note. Digits typed onto "kV: file's" (a
    click puts the cursor after it) replace it: they were refused one by one."""

    refused = Signal(float)

    def __init__(self, kv_min: float, kv_max: float, parent=None):
        super().__init__(parent)
        self.kv_range = (kv_min, kv_max)  # what the tube model takes
        self._typed: str | None = None  # the user's text since editing began (textEdited)
        self.setDecimals(0)
        self.setRange(kv_min - 1, kv_max)  # its minimum reads "kV: file's"
        self.setValue(kv_min - 1)
        self.setSuffix(" kV")
        self.setSpecialValueText("kV: file's")
        self.setKeyboardTracking(False)  # "50" typed is one change, not "5" then "50"
        self.lineEdit().textEdited.connect(self._edited)
        self.editingFinished.connect(self._finished)

    def _number(self, text: str) -> float | None:
        """The number in `text` as typed (suffix and spaces aside), None if it is none."""
        text = text.strip()
        if text.endswith(self.suffix().strip()):
            text = text[: -len(self.suffix().strip())]
        try:
            return float(text.strip())
        except ValueError:
            return None

    def validate(self, text, pos):
        special = self.specialValueText()
        at = text.find(special) if special and text != special else -1
        if at >= 0:  # digits typed onto it: in its place, the cursor after them
            text = text[:at] + text[at + len(special) :]
            pos = pos - len(special) if pos >= at + len(special) else min(pos, at)
        number = self._number(text)
        if number is not None and not self.kv_range[0] <= number <= self.kv_range[1]:
            return QValidator.State.Intermediate, text, pos  # shown; not a value (_finished)
        return super().validate(text, pos)

    def _edited(self, text: str) -> None:
        self._typed = text

    def _finished(self) -> None:
        typed, self._typed = self._typed, None
        number = None if typed is None else self._number(typed)
        if number is not None and not self.kv_range[0] <= number <= self.kv_range[1]:
            self.refused.emit(number)


class InstrumentRow(QWidget):
    """Optic, gas, tube anode and kV, each the file's (its value in brackets) or the user's.
    `changed` carries choice() when the user changes one; set_choice and show_file do not emit."""

    changed = Signal(dict)

    def __init__(self, parent=None):
        from ..physics.instrument import ATMOSPHERES
        from ..physics.tube import ANODES, KV_MAX, KV_MIN

        super().__init__(parent)
        self._anodes = ANODES
        self._gases = ATMOSPHERES
        self.optic_combo = QComboBox()
        self.optic_combo.addItems(["optic: file's", *(text for text, _ in OPTIC_ENTRIES)])
        self.gas_combo = QComboBox()
        self.gas_combo.addItems(["gas: file's", *ATMOSPHERES])
        self.anode_combo = QComboBox()
        self.anode_combo.addItems(["tube: file's", *ANODES])
        self.kv_spin = KvBox(KV_MIN, KV_MAX)
        #: what became of a kV typed outside the tube model's range (hidden while empty)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.hide()
        lay = QGridLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.optic_combo, 0, 0)
        lay.addWidget(self.gas_combo, 0, 1)
        lay.addWidget(self.anode_combo, 1, 0)
        lay.addWidget(self.kv_spin, 1, 1)
        lay.addWidget(self.note, 2, 0, 1, 2)
        for w in (self, self.optic_combo, self.gas_combo, self.anode_combo, self.kv_spin):
            w.setToolTip(TIP)
        for combo in (self.optic_combo, self.gas_combo, self.anode_combo):
            combo.currentIndexChanged.connect(self._emit)
        self.kv_spin.valueChanged.connect(self._emit)
        self.kv_spin.refused.connect(self._kv_refused)

    def choice(self) -> dict:
        """What the user set: {"optic", "atmosphere", "anode", "kv"} (peaks.suggest_for_cube's
        and the pigment fit's arguments), each left out where the file's is kept."""
        out = {}
        if self.optic_combo.currentIndex() > 0:
            out["optic"] = OPTIC_ENTRIES[self.optic_combo.currentIndex() - 1][1]
        if self.gas_combo.currentIndex() > 0:
            out["atmosphere"] = self._gases[self.gas_combo.currentIndex() - 1]
        if self.anode_combo.currentIndex() > 0:
            out["anode"] = self._anodes[self.anode_combo.currentIndex() - 1]
        if self.kv_spin.value() > self.kv_spin.minimum():
            out["kv"] = float(self.kv_spin.value())
        return out

    def tube_only(self, tip: str) -> None:
        """Show the tube's anode box alone, the row and the box tipped with `tip` (Recolour's
        Tube box: of the choice only the tube bears on its notes); the optic, gas and kV are kept
        as chosen in the other docks, unseen."""
        for box in (self.optic_combo, self.gas_combo, self.kv_spin):
            box.hide()
        for widget in (self, self.anode_combo):
            widget.setToolTip(tip)

    def set_choice(self, choice: dict | None) -> None:
        """Show `choice` (choice()'s form; None or {}: every entry the file's), without emitting."""
        choice = choice or {}
        optics = [value for _, value in OPTIC_ENTRIES]
        self._say("")  # a note on the kV typed for the scan shown before
        self.blockSignals(True)
        try:
            for combo, values, key in (
                (self.optic_combo, optics, "optic"),
                (self.gas_combo, self._gases, "atmosphere"),
                (self.anode_combo, self._anodes, "anode"),
            ):
                value = choice.get(key)  # after the file's entry; unknown or absent: the file's
                combo.setCurrentIndex(values.index(value) + 1 if value in values else 0)
            kv = choice.get("kv")
            self.kv_spin.setValue(float(kv) if kv is not None else self.kv_spin.minimum())
        finally:
            self.blockSignals(False)

    def show_file(self, metadata) -> None:
        """The first entries name what the file says (the scan's metadata; None: no scan), as the
        suggestion reads it: an optic or gas it does not name is a collimator, air; a tube or kV
        it does not name is unknown ("none"; a kV "unknown"). A tube given to read_cube (anode=,
        --anode) for a file naming none is "given" (detector.given_anode): it said "file's
        (none)" of it."""
        from ..detector import given_anode, kv_from_metadata, named_anode
        from ..physics.instrument import excitation_from_metadata

        tube_from = "given" if metadata is not None and given_anode(metadata) else "file's"
        if metadata is None:
            said = {"optic": "", "gas": "", "tube": "", "kv": ""}
        else:
            excitation = excitation_from_metadata(metadata)
            kv = kv_from_metadata(metadata)
            said = {
                "optic": " (lens)" if excitation["optic_cutoff_kev"] is not None else " (none)",
                "gas": f" ({excitation['atmosphere'] or 'none'})",
                "tube": f" ({named_anode(metadata) or 'none'})",
                # "unknown", as info, quicklook and the maps' stale line say it ("none" read as
                # a tube without voltage)
                "kv": f" ({kv:g})" if kv is not None else " (unknown)",
            }
        self.optic_combo.setItemText(0, f"optic: file's{said['optic']}")
        self.gas_combo.setItemText(0, f"gas: file's{said['gas']}")
        self.anode_combo.setItemText(0, f"tube: {tube_from}{said['tube']}")
        self.kv_spin.setSpecialValueText(f"kV: file's{said['kv']}")

    def _kv_refused(self, number: float) -> None:
        lo, hi = self.kv_spin.kv_range
        self._say(
            f"{number:g} kV is {'below' if number < lo else 'above'} the {lo}-{hi} kV the tube "
            f"model takes: the kV box kept {self.kv_spin.text().strip()}."
        )

    def _say(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def _emit(self, *_) -> None:
        if not self.signalsBlocked():
            self._say("")  # what the user set now stands; a refused kV's note is old
            self.changed.emit(self.choice())
