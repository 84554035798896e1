"""Small follow-ups of session 47's reviews: the Spectrum dock's script export before a plot, the
Instrument row's tube-only form (Recolour's Tube box), and a '-'-word given to an option for an
output not yet made."""

from __future__ import annotations

import argparse
import importlib

import pytest


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_spectrum_export_csv_before_a_plot_says_so_in_the_docks_wording(
    make_napari_viewer, tmp_path
):
    """The Export button said "nothing to export yet: plot a spectrum first" (bda9e2b) but the
    script method export_csv, called with nothing plotted, said the analysis module's "there is
    no spectrum to export"; both say the docks' one wording now."""
    from xrf_napari.widgets.spectrum import SpectrumWidget

    viewer = make_napari_viewer()
    dock = SpectrumWidget(viewer)
    viewer.window.add_dock_widget(dock)
    with pytest.raises(ValueError, match="^nothing to export yet: plot a spectrum first$"):
        dock.export_csv(tmp_path / "spectra.csv")
    assert not (tmp_path / "spectra.csv").exists()


def test_the_instrument_row_shows_the_tube_alone_when_asked(qtbot):
    """Recolour hid the row's optic, gas and kV boxes and set its tooltips by reaching into the
    row; the row does it (tube_only)."""
    from xrf_napari.widgets._instrument import InstrumentRow

    row = InstrumentRow()
    qtbot.addWidget(row)
    row.tube_only("the tube, for the notes")
    assert [w.isHidden() for w in (row.optic_combo, row.gas_combo, row.kv_spin)] == [True] * 3
    assert not row.anode_combo.isHidden()
    assert row.toolTip() == row.anode_combo.toolTip() == "the tube, for the notes"


def test_recolours_tube_box_is_the_rows_tube_alone(make_napari_viewer):
    """A guard: Recolour's Tube box still shows the anode alone, with its own tooltip."""
    from xrf_napari.widgets.recolour import TUBE_TIP, RecolourWidget

    viewer = make_napari_viewer()
    dock = RecolourWidget(viewer)
    viewer.window.add_dock_widget(dock)
    row = dock.instrument_row
    assert [w.isHidden() for w in (row.optic_combo, row.gas_combo, row.kv_spin)] == [True] * 3
    assert not row.anode_combo.isHidden()
    assert row.toolTip() == row.anode_combo.toolTip() == TUBE_TIP


@pytest.mark.parametrize(
    "argv",
    [
        ["xrf-napari", "quicklook", "scan.h5", "-o", "-new"],
        ["xrf-napari", "recolour", "scan.h5", "-o", "-new.png"],
        ["xrf-napari", "recolour", "scan.h5", "--out", "-new.png"],  # --output abbreviated
        ["xrf-napari-train", "embedder", "--out", "-o.d"],
    ],
)
def test_a_dashed_output_not_yet_made_is_told_how_to_give_it(tmp_path, monkeypatch, capsys, argv):
    """An output whose name begins with '-' and that does not exist yet got argparse's bare
    "argument --output/-o: expected one argument" (the advice came only for an existing file):
    it gets the same advice now, the option named in full."""
    from xrf_napari.cli import main, train

    monkeypatch.chdir(tmp_path)
    prog, command, *rest = argv
    entry = train.main if prog == "xrf-napari-train" else main.main
    with pytest.raises(SystemExit) as exc:
        entry([command, *rest])
    assert exc.value.code == 2
    word, name = rest[-1], "--out" if prog == "xrf-napari-train" else "--output"
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"{prog} {command}: error: '{word}' begins with '-' and is read as an option; to give "
        f"the file, write ./{word} or {name}={word}"
    )
    assert not any(tmp_path.iterdir())


def test_a_dashed_word_given_to_a_number_option_is_told_its_option_form(capsys):
    """`quicklook --kv -1e5` (a number argparse does not read as one) said "argument --kv:
    expected one argument"; it is told `--kv=-1e5`, and no ./ (it names no file)."""
    import argparse

    from xrf_napari.cli.main import main

    if argparse.ArgumentParser()._negative_number_matcher.match("-1e5"):
        pytest.skip("this Python's argparse reads -1e5 as a number: --kv takes it as its value")

    with pytest.raises(SystemExit):
        main(["quicklook", "scan.h5", "--kv", "-1e5"])
    assert capsys.readouterr().err.splitlines()[-1] == (
        "xrf-napari quicklook: error: '-1e5' begins with '-' and is read as an option; to give "
        "it to --kv, write --kv=-1e5"
    )


def _parsers():
    from xrf_napari.cli import main, train

    for prog, commands in (("xrf-napari", main.COMMANDS), ("xrf-napari-train", train.COMMANDS)):
        for name, (module, _) in commands.items():
            parser = argparse.ArgumentParser(prog=f"{prog} {name}")
            importlib.import_module(module).configure(parser)
            yield parser


@pytest.mark.parametrize("number", ["-5", "-0.5", "-.5"])
def test_negative_numbers_still_reach_every_option_taking_a_value(number):
    """A guard: a negative number after any option of either program that takes values (--kv,
    --seed, --k-range, --lr, ...) is left to the option (its own range check), never refused as
    a dashed file."""
    from xrf_napari.cli._dispatch import _refuse_dashed_files

    checked = 0
    for parser in _parsers():
        for action in parser._actions:
            if action.option_strings and action.nargs != 0:
                _refuse_dashed_files(parser, [action.option_strings[0], number])
                checked += 1
    assert checked > 50
