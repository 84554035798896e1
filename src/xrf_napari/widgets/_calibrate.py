"""The Spectrum dock's Calibrate from two peaks... dialog: two channels the user read off the
curve, the lines (or keV) they are, and whether to keep the calibration in a sidecar beside the
file. The work is the dock's (SpectrumWidget.calibrate_from_peaks) and io.user_calibration's;
an error stays in the dialog, in words, for the user to correct. give_calibration hands the
calibrated Cube to the scan's layers."""

from __future__ import annotations

from qtpy.QtCore import Qt
from qtpy.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
)

from ..layerkinds import (
    CUBE_KEY,
    CUBE_REPLACED,
    energy_axis,
    is_sum_image,
    layer_cube,
    mixed_axes,
    put_energy_axis,
)
from ._common import SURVEYS

#: What the dialog says of where the channels are read.
HOW_TO_READ = (
    "Read the channels of two peaks you know (a strong Fe Ka, Pb La, Ca Ka, Cu Ka or the tube's "
    "Rh Ka...) off the Spectrum plot, whose axis shows channel numbers while the scan has no "
    "calibration, or off napari's slider (the canvas names the channel shown). Two peaks far "
    "apart give the best calibration."
)


class TwoPeakDialog(QDialog):
    """Two (channel, line or keV) rows, a Save beside the scan box, OK / Cancel."""

    def __init__(self, dock, cube, save_refusal: str, peaks=()):
        super().__init__(dock)
        # gone once closed (OK, Cancel): a hidden dialog per press stayed a child of the dock,
        # holding the Cube it was opened for, replaced or not (its sum image: 64 MB at 4000 px)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._dock, self.cube = dock, cube
        self.setWindowTitle("Calibrate from two peaks")
        found = ", ".join(f"{ch:g}" for ch in peaks)
        intro = QLabel(
            HOW_TO_READ
            + (f" The scan's mean spectrum has peaks at channels {found}." if found else "")
        )
        intro.setWordWrap(True)
        grid = QGridLayout()
        self.channels, self.lines = [], []
        for row, example in enumerate(("Ca Ka", "Pb La"), start=1):
            spin = QDoubleSpinBox()
            spin.setDecimals(1)
            spin.setRange(0.0, float(max(cube.n_channels - 1, 0)))
            line = QLineEdit()
            line.setPlaceholderText(f"{example}, or keV")
            grid.addWidget(QLabel(f"Peak {row}: channel"), row, 0)
            grid.addWidget(spin, row, 1)
            grid.addWidget(QLabel("is"), row, 2)
            grid.addWidget(line, row, 3)
            self.channels.append(spin)
            self.lines.append(line)
        self.save_check = QCheckBox("Save it beside the scan, so the file opens calibrated")
        self.save_check.setEnabled(not save_refusal)
        self.save_check.setToolTip(save_refusal)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #e8a33d")
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.apply)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        for part in (intro, grid, self.save_check, self.error, buttons):
            (lay.addLayout if isinstance(part, QGridLayout) else lay.addWidget)(part)

    def apply(self) -> None:
        """Calibrate the scan; on an error say it here and stay open. A sidecar already there is
        replaced only once the user agrees."""
        from ..io.user_calibration import SidecarExists

        args = (
            self.channels[0].value(),
            self.lines[0].text(),
            self.channels[1].value(),
            self.lines[1].text(),
        )
        save = self.save_check.isEnabled() and self.save_check.isChecked()
        try:
            try:
                self._dock.calibrate_from_peaks(*args, save=save, cube=self.cube)
            except SidecarExists as exc:
                reply = QMessageBox.question(self, "Replace the sidecar?", str(exc))
                if reply != QMessageBox.Yes:
                    self.error.setText("Nothing changed: the sidecar was kept.")
                    return
                self._dock.calibrate_from_peaks(*args, save=save, replace=True, cube=self.cube)
        except (ValueError, OSError) as exc:  # CubeReadError is a ValueError
            self.error.setText(str(exc))
            return
        self.accept()


def running_on(viewer, cube) -> str:
    """Why `cube` cannot take a new calibration now ("" if it can): a panel's job running on it
    (Make maps, Find pigments, an embedding...) would be stopped as its scan leaves the layers
    ("Stopped: the scan x was closed."), its work lost, the scan still open. A survey is not
    counted (it runs again on the calibrated scan), nor a save (it ends writing what it had).
    The viewers are compared unwrapped: napari hands each plugin dock its own proxy of it."""
    from qtpy.QtWidgets import QApplication

    from ._common import CubeDock
    from ._layers import unwrapped

    viewer = unwrapped(viewer)
    for dock in QApplication.allWidgets():
        if (
            isinstance(dock, CubeDock)
            and unwrapped(dock.viewer) is viewer
            and dock.job.is_running
            and dock._job_cube is cube
            and not (dock._job_is_survey or dock._job_is_save)
        ):
            job = dock._job_name or dock.job.run_button.text().replace("&&", "&")
            return (
                f"{job} is running on {dock.scan_name(cube)}, and a new calibration would stop "
                "it: let it end (or cancel it), then press OK again."
            )
    return ""


def give_calibration(viewer, old, new) -> None:
    """`new`, the same scan under another calibration (Cube.with_calibration: the user's two
    peaks), replaces `old` in every layer of `viewer`, as the reader's automatic calibration does
    (_reader._deliver_sum): the stack's axis turns to keV, its slider kept on the channel it
    showed, the sum layers last, so that every dock showing the scan follows the new Cube once
    no layer holds the old one (CubeDock._layer_metadata_changed): its axis, markers, maps and
    Run buttons. The Instrument row's choice goes with it (SURVEYS.carry_instrument). A shown
    stack is sliced anew once every layer holds `new`: a read the storage refused there
    (_reader._Uncopied raises it) is told, as the reader's delivery tells it, the calibration
    whole (raised, it had left the sum layers on the old Cube, the docks on the old axis, and
    the dialog saying the read's error of a calibration half made)."""
    from napari.utils.notifications import show_error, show_warning

    from ..errors import CubeReadError

    SURVEYS.carry_instrument(old, new)
    for follow in CUBE_REPLACED:  # the stack's lazy reader marks `new` with a refused read
        follow(old, new)
    layers = [ly for ly in viewer.layers if layer_cube(ly) is old]
    layers.sort(key=lambda ly: is_sum_image(ly.metadata))
    shown = []
    for layer in layers:
        if is_sum_image(layer.metadata) or layer.ndim != 3:
            layer.metadata = {**layer.metadata, CUBE_KEY: new}
        else:
            kind, refresh = put_energy_axis(layer, new, energy_axis(new), [viewer])
            if said := mixed_axes(layer.name, kind, [viewer], "now has"):
                show_warning(said)  # another scan shares the slider: said, as on opening
            if refresh:
                shown.append(layer)
    for layer in shown:
        try:
            layer.refresh()
        except CubeReadError as exc:
            show_error(str(exc))
