"""Recolour, Embed & cluster and Pigments docks and the `embed` command, session 39 audit: what a
conservator could set or ask for that the models refuse is bounded or said plainly."""

from __future__ import annotations

import numpy as np
import pytest
from _napari_helpers import open_cube, write_painted_cube


@pytest.fixture
def make_napari_viewer(make_reused_napari_viewer):
    """One napari viewer for this file's tests, cleaned and checked between them (conftest)."""
    return make_reused_napari_viewer


def test_a_k_above_the_pixel_count_says_so_in_words_and_what_to_ask_for(tmp_path, capsys):
    """`embed -k 25` on a 4 x 5 scan said "cannot make 25 clusters from 20 pixels", and on one
    pixel "cannot make 2 clusters from 1 pixels": now regions, a singular pixel, and what to ask."""
    from _spectra import CANONICAL_CAL

    from xrf_napari.analysis.embed import cluster
    from xrf_napari.cli.main import main
    from xrf_napari.io.project_h5 import write_cube

    counts = np.random.default_rng(0).poisson(50, (4, 5, 512)).astype(np.uint16)
    path = tmp_path / "small.h5"
    write_cube(path, counts, CANONICAL_CAL)
    out = tmp_path / "out"
    argv = ["embed", str(path), "-k", "25", "--device", "cpu", "--no-progress", "-o", str(out)]
    assert main(argv) != 0
    err = capsys.readouterr().err
    assert "cannot make 25 regions from 20 pixels: ask for at most 20, or let K be chosen" in err
    with pytest.raises(ValueError, match="cannot make 2 regions from a single pixel: it is one"):
        cluster(np.zeros((1, 1, 3), np.float32), 2)


def test_the_pigments_tube_and_detector_boxes_offer_only_what_the_model_takes(
    make_napari_viewer, tmp_path
):
    """The kV box went to 100 and the FWHM box down to 100 eV: 80 kV or 110 eV were set without
    a word and refused by the forward model only when Find pigments ran. The boxes now stop at
    the model's 5-60 kV and at its detector's Fano limit; every value they offer is accepted."""
    import math

    from xrf_napari.analysis.pigment_fit import PigmentFitError, instrument_for
    from xrf_napari.physics.instrument import InstrumentProfile
    from xrf_napari.widgets._layers import layer_cube
    from xrf_napari.widgets.pigments import PigmentsWidget

    viewer = make_napari_viewer()
    scan = open_cube(viewer, write_painted_cube(tmp_path / "a.h5"))[-1]
    cube = layer_cube(scan)
    widget = PigmentsWidget(viewer)
    assert widget.instrument() == {}  # every box from the file at first
    for kv, fwhm in ((80, 110), (100, 100), (1, 300), (60, 120), (5, 150)):
        widget.instrument_row.kv_spin.setValue(kv)
        widget.fwhm_spin.setValue(fwhm)
        instrument_for(cube, **widget.instrument())  # never refused
    with pytest.raises(PigmentFitError):  # the model's bounds, which the boxes follow
        instrument_for(cube, kv=widget.instrument_row.kv_spin.maximum() + 1)
    lowest = widget.fwhm_spin.minimum() + 1  # the minimum itself reads "from the file"
    assert lowest == math.ceil(InstrumentProfile().fano_limit_ev)
    with pytest.raises(PigmentFitError):
        instrument_for(cube, fwhm_mn_ev=lowest - 1)
    widget.instrument_row.kv_spin.setValue(widget.instrument_row.kv_spin.minimum())
    widget.fwhm_spin.setValue(widget.fwhm_spin.minimum())
    assert widget.instrument() == {}
    assert widget.instrument_row.kv_spin.text().startswith("kV: file's")  # the Instrument row's


def _lead_white_band_report():
    """An ambiguity report of calcium with lead (the painted cube's lead white band: 9 pigments
    left open, calcium's four first) beside copper with lead."""
    from xrf_napari.analysis.ambiguity import ambiguity_report
    from xrf_napari.analysis.line_features import FEATURE_ELEMENTS

    f = np.zeros((4, 10, len(FEATURE_ELEMENTS)), dtype=np.float32)
    f[..., FEATURE_ELEMENTS.index("Pb")] = 0.8
    f[:, :6, FEATURE_ELEMENTS.index("Ca")] = 0.5
    f[:, 6:, FEATURE_ELEMENTS.index("Cu")] = 0.6
    return ambiguity_report(f, FEATURE_ELEMENTS)


def test_the_pigments_the_lines_leave_open_are_never_cut_unsaid():
    """ "Ca+Pb (8 %: Natural ultramarine, Bone black, Chalk, Gypsum)" on the bundled panel read as
    the whole list: the lakes, lead white and red lead were cut after four names, unsaid. Now the
    cut says how many more, the full list is at hand, and element sets past the limit are
    counted."""
    rep = _lead_white_band_report()
    short = rep.message()
    assert "Ca+Pb (60 %: Natural ultramarine, Bone black, Chalk, Gypsum and 5 more)" in short
    assert "Cu+Pb (40 %: Azurite, Malachite, Verdigris, Lead white, Red lead)" in short
    full = rep.message(None, None)
    assert "Madder lake" in full and full.count("Lead white") == 2
    assert "; 1 other element set (40 %)." in rep.message(limit=1)


def test_the_recolour_dock_and_command_name_every_pigment_left_open(
    make_napari_viewer, qtbot, tmp_path, capsys
):
    """The Recolour dock's line names four pigments of each element set, its tooltip all of them;
    `xrf-napari recolour` prints them all (its log is the record)."""
    from _napari_helpers import tiny_recolour_dock, tiny_weights, wait_idle

    from xrf_napari.cli.main import main

    viewer = make_napari_viewer()
    path = write_painted_cube(tmp_path / "a.h5")
    open_cube(viewer, path)
    widget = tiny_recolour_dock(viewer, tmp_path)
    assert widget.run() is not None
    wait_idle(qtbot, widget.job)
    assert widget.job.last_error is None, widget.job.last_error
    line, tip = widget.ambiguity_label.text(), widget.ambiguity_label.toolTip()
    assert "Ca+Pb" in line and "Gypsum and 5 more" in line and "Madder lake" not in line
    assert "Madder lake" in tip and "Ca+Pb" in tip
    dve, uvit = tiny_weights(tmp_path)
    argv = ["recolour", str(path), "-o", str(tmp_path / "c.png"), "--device", "cpu"]
    argv += ["--weights", str(uvit), "--embedder-weights", str(dve), "--no-progress"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "Madder lake" in err and "more" not in err


@pytest.mark.parametrize("dock", ["recolour", "embed"])
def test_a_scan_wholly_off_the_models_grid_is_refused_with_no_layers(
    make_napari_viewer, qtbot, tmp_path, dock
):
    """Guard of e1adcf6 in the docks: a scan whose calibrated axis lies wholly below 1 keV is
    refused with the core's words (the axis, and to check the calibration), no traceback and no
    half-made result layer, and Save stays off. Since session 40 it is refused before the job
    (tests/test_docks40.py), no longer as the job's error."""
    from _napari_helpers import tiny_embed_dock, tiny_recolour_dock

    from xrf_napari.energy import Calibration
    from xrf_napari.io.ripple import write

    data = np.random.default_rng(0).poisson(20, (20, 20, 16)).astype(np.uint16)
    path = tmp_path / "off.rpl"
    write(path, data, Calibration(offset=-0.956, gain=0.010002))
    viewer = make_napari_viewer()
    open_cube(viewer, path)
    before = [layer.name for layer in viewer.layers]
    make = tiny_recolour_dock if dock == "recolour" else tiny_embed_dock
    widget = make(viewer, tmp_path)
    assert widget.run() is None
    assert not widget.job.is_running
    status = widget.job.status.text()
    assert "wholly outside the 1-26.6 keV read by the models" in status
    assert "check the calibration" in status and "Traceback" not in status
    assert [layer.name for layer in viewer.layers] == before
    assert not widget.save_button.isEnabled()


def test_an_automatic_k_range_the_scan_cannot_fill_says_what_to_search_instead():
    """`embed --k-range 25 30` on 20 pixels said a spot spectrum is one region, and a range above
    the scan's 4 distinct embeddings said "too few pixels to find regions: 100": now each names
    its cause and the range that can be searched."""
    from xrf_napari.analysis.embed import cluster

    spread = np.random.default_rng(0).normal(size=(4, 5, 3)).astype(np.float32)
    with pytest.raises(ValueError, match="needs at least 26\\); search K from 2 to at most 19,"):
        cluster(spread, None, k_range=(25, 30))
    four = np.zeros((10, 10, 3), np.float32)
    four[:5, :, 0] = 1.0
    four[:, :3, 1] = 2.0
    with pytest.raises(ValueError, match="only 4 distinct embeddings .* at most 4, or give K"):
        cluster(four, None, k_range=(5, 8))


def test_an_instrument_value_the_file_gives_out_of_range_is_refused_with_its_override():
    """A file recording a 70 kV tube (or a 110 eV detector) was refused as 'implausible
    instrument: tube voltage 70.0 kV outside 5-60 kV', not saying the value came from the file
    nor which box or option overrides it; a value given is refused as before."""
    from types import SimpleNamespace

    from xrf_napari.analysis.pigment_fit import PigmentFitError, instrument_for

    hot = SimpleNamespace(metadata={"kV": 70, "anode": "Rh"})
    with pytest.raises(PigmentFitError, match="5-60 kV; read from the file's metadata: set the"):
        instrument_for(hot)
    with pytest.raises(PigmentFitError, match="Instrument kV\\) within the range"):
        instrument_for(hot)
    assert instrument_for(hot, kv=45.0)[0].kv == 45.0  # the override the message names
    with pytest.raises(PigmentFitError, match="outside 5-60 kV$"):
        instrument_for(hot, kv=70.0)
    sharp = SimpleNamespace(metadata={"fwhm_mn_ev": 110})
    with pytest.raises(PigmentFitError, match="set the detector FWHM \\(--fwhm, or the panel's"):
        instrument_for(sharp)
