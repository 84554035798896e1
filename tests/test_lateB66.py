"""Session 66 follow-ups of a user walk-through (lateB66): the estimated detector resolution at
the end of the widths the fit tries, and an --output folder named like a scan file."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest


class _Cube:
    def __init__(self, metadata):
        self.metadata = metadata


def _resolution_note(width: float) -> tuple[float, str]:
    """(the estimated FWHM, its note) for spectra of lead white and vermilion made at `width` eV
    by a file that names the tube but no resolution."""
    from xrf_napari.analysis import pigment_fit as pf

    profile, notes = pf.instrument_for(_Cube({"profile": {"anode": "Rh", "kv": 40.0}}))
    assert pf._missing(notes) == (False, True), notes
    lib = pf.component_library(replace(profile, fwhm_mn_ev=width))
    names = [p.name for p in lib.pigments]
    col = lib.paint[names.index("Lead white"), 1] + lib.paint[names.index("Vermilion"), 1]
    spectra = np.random.default_rng(0).poisson(2e4 * col / col.max() + 1.0, (4, col.size))
    got, said = pf.estimate_missing(profile, notes, spectra.astype(float))
    (note,) = [n for n in said if n.startswith("detector resolution")]
    return got.fwhm_mn_ev, note


def test_an_estimated_resolution_at_the_widest_the_fit_tries_says_it_may_be_wider(monkeypatch):
    """The real APS scan's K-alpha peaks read 197 eV (the element maps' width); Pigments said
    "about 185 eV at Mn K-alpha, estimated from the peak widths", 185 eV being the widest of
    FWHM_GRID, with no word of that. A 230 eV detector's spectra now read "185 eV or wider ...
    the widest the fit tries"; the estimate itself (the fit's width) is as before."""
    pytest.importorskip("xraylib")
    from xrf_napari.analysis import pigment_fit as pf
    from xrf_napari.analysis.pigment_fit import FWHM_GRID

    monkeypatch.setattr(pf, "FWHM_GRID", tuple(sorted(FWHM_GRID)[-2:]))  # its widest two: faster
    got, note = _resolution_note(230.0)
    assert got == max(FWHM_GRID)  # the fit's result is unchanged: the grid's top
    assert f"{got:g} eV or wider at Mn K-alpha, estimated from the peak widths" in note, note
    assert f"{got:g} eV is the widest the fit tries" in note and "--fwhm" in note, note
    assert "about" not in note, note
    # inside the grid the note reads as before; at its narrow end it says so
    from xrf_napari.analysis.pigment_fit import fwhm_estimate_words

    words = fwhm_estimate_words(sorted(FWHM_GRID)[1], FWHM_GRID)
    assert (
        words == f"about {sorted(FWHM_GRID)[1]:g} eV at Mn K-alpha, estimated from the peak widths"
    )
    assert "is the narrowest the fit tries" in fwhm_estimate_words(min(FWHM_GRID), FWHM_GRID)


def _noise_scan(tmp_path):
    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import write_cube

    data = np.random.default_rng(0).poisson(3, (4, 4, 512)).astype(np.uint16)
    return write_cube(tmp_path / "flat.h5", data, Calibration(1.0, 0.05))


@pytest.mark.parametrize("name", ["scan.mca", "scan.rpl", "scan.spx", "scan.zarr"])
def test_an_output_folder_named_like_a_scan_file_is_refused(tmp_path, capsys, name):
    """`quicklook X -o out/scan.mca` quietly made a folder named scan.mca (holding PNGs), where
    `-o x.h5` was refused: every ending the readers open (their own list) is refused alike."""
    from xrf_napari.cli.main import main
    from xrf_napari.io.registry import SUPPORTED_SUFFIXES

    assert name[name.index(".") :] in SUPPORTED_SUFFIXES
    scan = _noise_scan(tmp_path)
    out = tmp_path / "out" / name
    assert main(["quicklook", str(scan), "-o", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"--output {out}: names a scan ({out.suffix}, an ending xrf-napari opens" in err, err
    assert f"give a folder, e.g. {out.with_suffix('')}" in err, err
    assert not out.exists()
