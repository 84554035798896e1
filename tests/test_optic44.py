"""How the user tells the element suggestion the instrument the file does not name.

1. The Spectrum and Elemental maps docks read the optic, gas and tube only from the file: a
   Bruker M6 scan without an optic in its header (its .rpl export names none) opened in napari got
   no cadmium under the M6's polycapillary lens, and the guide said to tick it by hand. Both docks
   now have one Instrument row (widgets._instrument.InstrumentRow): the choice belongs to the scan
   (SURVEYS.set_instrument), both docks show it, and the suggestion is made again from the
   survey's kept spectra (the file is not read again).
2. quicklook's --anode yielded to the file's anode while pigments' replaced it, under helps
   written apart. One helper (cli._args.add_excitation_options) now adds --anode, --kv, --optic
   and --atmosphere to both, and in both the user's value replaces the file's.
"""

import argparse
import re

import numpy as np
import pytest
from _synth_spectra import painted_spectrum

from xrf_napari.io.project_h5 import write_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


PAINTS = [("Lead white", 0.85), ("Cadmium yellow", 0.15)]


@pytest.fixture(scope="module")
def m6_counts():
    """A spot of cadmium yellow at 15 % in lead white under the M6 (Rh 50 kV, lens, helium):
    its Cd K-alpha is lost, and cadmium is found by its L lines only through a lens."""
    from xrf_napari.physics.instrument import bruker_m6

    prof = bruker_m6()
    _, spec = painted_spectrum(prof, PAINTS, seed=0)
    return prof, spec.astype(np.uint32)[None, None]


def _write(path, m6_counts, metadata):
    from xrf_napari.energy import Calibration

    prof, counts = m6_counts
    write_cube(path, counts, Calibration(prof.offset, prof.gain, source="file"), metadata=metadata)
    return path


def _docks(viewer, path, qtbot):
    from _napari_helpers import open_cube, wait_idle

    from xrf_napari.widgets.maps import ElementMapsWidget
    from xrf_napari.widgets.spectrum import SpectrumWidget

    open_cube(viewer, path)
    spectrum, maps = SpectrumWidget(viewer), ElementMapsWidget(viewer)
    for dock in (spectrum, maps):
        viewer.window.add_dock_widget(dock)
    wait_idle(qtbot, spectrum.job)
    wait_idle(qtbot, maps.job)
    qtbot.waitUntil(lambda: "Pb" in maps.suggested_label.text(), timeout=30000)
    return spectrum, maps


def _suggested(dock) -> list[str]:
    from xrf_napari.widgets._common import SURVEYS

    known = SURVEYS.get(dock.current_cube())
    return [] if known is None else list(known[1])


def test_choosing_the_lens_in_one_dock_suggests_cadmium_in_both(
    make_napari_viewer, qtbot, tmp_path, m6_counts, monkeypatch
):
    """The file names its tube (Rh, 50 kV) and no optic: no Cd; the lens chosen in Spectrum
    suggests and ticks Cd in both docks, Maps' row shows the lens, and the survey's pass over the
    file is not run again; the file's optic chosen back takes Cd away."""
    from xrf_napari.analysis import spectra

    passes = []
    survey = spectra.iter_survey

    def counted(*args, **kw):
        passes.append(1)
        return survey(*args, **kw)

    monkeypatch.setattr(spectra, "iter_survey", counted)
    path = _write(tmp_path / "m6.h5", m6_counts, {"name": "m6", "anode": "Rh", "kV": 50.0})
    viewer = make_napari_viewer()
    spectrum, maps = _docks(viewer, path, qtbot)
    assert "Cd" not in _suggested(spectrum) and "Pb" in _suggested(spectrum)
    row = spectrum.instrument_row
    assert row.anode_combo.itemText(0).endswith("(Rh)") and "(50)" in row.kv_spin.text()
    assert row.optic_combo.itemText(0).endswith("(none)")  # the file names no optic
    assert len(passes) == 1

    row.optic_combo.setCurrentText("polycapillary lens")
    qtbot.waitUntil(lambda: "Cd" in maps.suggested_label.text(), timeout=30000)
    qtbot.waitUntil(lambda: "Cd" in spectrum.suggested_label.text(), timeout=30000)
    assert maps.instrument_row.choice() == {"optic": "lens"}  # one choice per scan
    for dock in (spectrum, maps):  # the ticks were the suggestion: they follow it
        assert "Cd" in dock.checked_elements(), dock.checked_elements()
    assert len(passes) == 1  # suggested again from the kept spectra, not a second read

    maps.instrument_row.optic_combo.setCurrentIndex(0)  # the file's (none: a collimator)
    qtbot.waitUntil(lambda: "Cd" not in spectrum.suggested_label.text(), timeout=30000)
    assert spectrum.instrument_row.choice() == {}
    assert "Cd" not in spectrum.checked_elements()


def test_an_rpl_like_scan_is_told_its_lens_tube_and_kv_in_the_dock(
    make_napari_viewer, qtbot, tmp_path, m6_counts
):
    """A scan that names nothing of its instrument (as an M6 .rpl export): under a lens cadmium
    is judged by its L lines only where the tube is known, so the row takes the anode and kV too;
    the lens, Rh and 50 kV chosen in Maps suggest Cd in both docks."""
    path = _write(tmp_path / "rpl.h5", m6_counts, {"name": "rpl"})
    viewer = make_napari_viewer()
    spectrum, maps = _docks(viewer, path, qtbot)
    assert "Cd" not in _suggested(maps)
    row = maps.instrument_row
    assert row.anode_combo.itemText(0).endswith("(none)")
    row.optic_combo.setCurrentText("polycapillary lens")
    row.anode_combo.setCurrentText("Rh")
    row.kv_spin.setValue(50)
    assert row.choice() == {"optic": "lens", "anode": "Rh", "kv": 50.0}
    qtbot.waitUntil(lambda: "Cd" in spectrum.suggested_label.text(), timeout=30000)
    qtbot.waitUntil(lambda: "Cd" in maps.suggested_label.text(), timeout=30000)
    assert spectrum.instrument_row.choice() == row.choice()


# -- the command line --------------------------------------------------------------------------
def _actions(configure) -> dict:
    p = argparse.ArgumentParser()
    configure(p)
    return {a.dest: a for a in p._actions}


def test_quicklook_and_pigments_carry_the_same_excitation_options():
    """Same names, choices, parsing and defaults, and helps in one wording (the commands' own
    words aside): quicklook's --anode said "a file that names one keeps it", pigments' that it
    overrides the file's."""
    from xrf_napari.cli import pigments_cmd, quicklook_cmd

    ql, pg = _actions(quicklook_cmd.configure), _actions(pigments_cmd.configure)
    for dest in ("anode", "kv", "optic", "atmosphere", "dataset"):
        a, b = ql[dest], pg[dest]
        assert a.option_strings == b.option_strings and a.choices == b.choices
        assert a.default == b.default is None
        for text in ("mo", "Rhodium", "50", "4", "61"):
            try:
                got_a = a.type(text) if a.type else text
            except (argparse.ArgumentTypeError, ValueError) as exc:
                got_a = type(exc)
            try:
                got_b = b.type(text) if b.type else text
            except (argparse.ArgumentTypeError, ValueError) as exc:
                got_b = type(exc)
            assert got_a == got_b, (dest, text)
    for dest in ("anode", "kv", "optic", "atmosphere"):
        assert "replacing the file's" in ql[dest].help, (dest, ql[dest].help)
        ours = ql[dest].help.replace("the suggested elements", "the forward model")
        # quicklook's kV also marks the maps of lines it cannot excite (its help says so)
        ours = re.sub(r" and the maps \([^)]*\)", "", ours)
        assert ours.split("(default")[0] == pg[dest].help.split("(default")[0], dest
    assert ql["optic"].help.replace("the suggested elements", "the forward model") == (
        pg["optic"].help
    )
    assert "keeps it" not in ql["anode"].help


class _Stop(Exception):
    """Raised by the test's choose_maps once it has seen its arguments."""


def test_quicklook_anode_replaces_the_files_anode(tmp_path, monkeypatch):
    """A file naming a W tube, `--anode Rh`: the suggestion got W (the file's), where pigments'
    --anode replaced it; now Rh. Without --anode the suggestion reads the file's itself (None
    passed)."""
    from xrf_napari.cli import quicklook_cmd
    from xrf_napari.cli.main import main
    from xrf_napari.energy import Calibration

    got = []

    def stop(cube, elements=None, **kw):
        got.append(kw.get("anode"))
        raise _Stop

    monkeypatch.setattr(quicklook_cmd, "choose_maps", stop)
    scan = tmp_path / "w.h5"
    write_cube(
        scan, np.ones((2, 2, 64), np.uint16), Calibration(0.0, 0.05), metadata={"anode": "W"}
    )
    argv = ["quicklook", str(scan), "-o", str(tmp_path / "look"), "--no-progress"]
    for extra in (["--anode", "rh"], []):
        with pytest.raises(_Stop):
            main(argv + extra)
    assert got == ["Rh", None]
