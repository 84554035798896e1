"""The five docks on a 1920 x 1080 screen (issue 17, item 1): all open at once, each dock small
enough to share the height, and no control squeezed below its own minimum (the rest scrolls)."""

from _napari_helpers import open_cube, write_painted_cube

DOCKS = ("Spectrum", "Elemental maps", "Embed & cluster", "Recolour", "Pigments")
SCREEN = (1920, 1080)
#: Menu bar, status bar and window frame of napari's main window (generous).
CHROME = 120


def _controls(root):
    from qtpy.QtWidgets import (
        QAbstractButton,
        QAbstractSlider,
        QAbstractSpinBox,
        QComboBox,
        QLabel,
        QLineEdit,
        QProgressBar,
        QTableWidget,
    )

    kinds = (
        QAbstractButton,
        QAbstractSlider,
        QAbstractSpinBox,
        QComboBox,
        QLabel,
        QLineEdit,
        QProgressBar,
        QTableWidget,
    )
    return [w for w in root.findChildren(kinds) if w.isVisibleTo(root)]


def test_all_docks_fit_a_1080p_screen(make_napari_viewer, tmp_path, qtbot):
    from qtpy.QtWidgets import QAbstractSpinBox, QApplication, QLabel, QSizePolicy

    viewer = make_napari_viewer(show=True)
    open_cube(viewer, write_painted_cube(tmp_path / "painted.h5"))
    window = viewer.window._qt_window
    window.resize(*SCREEN)
    QApplication.processEvents()
    docks = {}
    for name in DOCKS:  # as from the Plugins menu, one after the other
        dock, widget = viewer.window.add_plugin_dock_widget("xrf-napari", name)
        docks[name] = (dock, widget)
        for _ in range(5):
            QApplication.processEvents()
    for _, widget in docks.values():
        qtbot.waitUntil(lambda w=widget: not w.job.is_running, timeout=30000)
    QApplication.processEvents()
    assert window.minimumSizeHint().height() <= SCREEN[1], window.minimumSizeHint()
    assert window.height() <= SCREEN[1]
    # Spectrum above, the three job docks as tabs of one place below it
    spectrum_dock = docks["Spectrum"][0]
    tabbed = {name: window.tabifiedDockWidgets(dock) for name, (dock, _) in docks.items()}
    assert tabbed["Spectrum"] == []
    for name in DOCKS[1:]:
        titles = [d.windowTitle() for d in tabbed[name]]
        # a tab shows its dock's title with & as a mnemonic: "Embed & cluster" must be "&&"
        assert all("&" not in t.replace("&&", "") for t in titles), titles
        others = {t.replace("&&", "&").replace(" (xrf-napari)", "") for t in titles}
        assert others == set(DOCKS[1:]) - {name}, (name, others)
    heights = {name: dock.minimumSizeHint().height() for name, (dock, _) in docks.items()}
    print("dock minimum heights", heights, "actual", {n: d.height() for n, (d, _) in docks.items()})
    assert heights["Spectrum"] + max(heights[n] for n in DOCKS[1:]) <= SCREEN[1] - CHROME, heights
    for name, (dock, widget) in docks.items():
        dock.raise_()  # bring its tab to the front
        for _ in range(5):
            QApplication.processEvents()
        assert dock.isVisible() and dock.height() >= 250, (name, dock.height())
        assert spectrum_dock.isVisible() and spectrum_dock.height() >= 250
        # the scrollable body (and what is pinned below it) fills the dock (no blank stretch
        # below a clipped body)
        footer = 0 if widget.footer.isHidden() else widget.footer.height()
        assert widget.scroll.height() + footer >= widget.height() - 2, (
            name,
            widget.scroll.height(),
            footer,
            widget.height(),
        )
        assert widget.height() >= dock.height() - 40, (name, widget.height(), dock.height())
        body = widget.body
        # the scroll area never squeezes the body: whatever does not fit is reached by scrolling
        assert body.height() >= body.minimumSizeHint().height(), name
        for ctl in _controls(body):
            # what Qt's layouts grant at least (qSmartMinSize): an explicit minimum height (napari's
            # style sets some), else the size hint of a fixed-height control, else its minimum hint
            fixed = ctl.sizePolicy().verticalPolicy() == QSizePolicy.Policy.Fixed
            hint = (
                ctl.minimumHeight() or (ctl.sizeHint() if fixed else ctl.minimumSizeHint()).height()
            )
            hint = min(hint, ctl.maximumHeight())
            text = ctl.text()[:30] if hasattr(ctl, "text") else ""
            if isinstance(ctl, QLabel) and ctl.wordWrap() and ctl.text():
                hint = max(hint, ctl.heightForWidth(ctl.width()))
            assert ctl.height() >= hint, (name, type(ctl).__name__, text, ctl.height(), hint)
            if isinstance(ctl, QAbstractSpinBox):  # its text ("kV from the file") not cut off
                edit = ctl.lineEdit()
                want = edit.fontMetrics().horizontalAdvance(ctl.text())
                assert edit.width() >= want, (name, ctl.text(), edit.width(), want)
    maps = docks["Elemental maps"][1]
    row = maps.table.verticalHeader().defaultSectionSize()
    assert maps.table.height() >= 6 * row  # at least six element rows visible without scrolling
