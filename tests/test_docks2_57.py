"""Docks closed while their jobs ran (session 57): a closed dock's element survey went on for
the seconds of its suggestions, as nothing there read a stop; and Pigments' stage line named the
anode trials it then skipped."""

from __future__ import annotations

import numpy as np
from _napari_helpers import painted_counts
from _spectra import CANONICAL_CAL, element_spectrum_lines, line_spectrum


def test_a_survey_hands_back_between_the_suggestions_of_its_spectra(monkeypatch):
    """Closing every dock while a 288 x 240 px scan's survey ran left it running for 2-3 s (5.9
    s to the last worker's end, measured): after its pass over the file it suggested elements
    for each of its 322 tile and group spectra in one step, and a stop (JobPanel's quit, the
    dock's abandon) is read only between steps. It now hands back after each spectrum."""
    from xrf_napari.analysis import peaks
    from xrf_napari.cube import cube_from_array
    from xrf_napari.widgets._common import _survey_job

    counts, _ = painted_counts()
    cube = cube_from_array(counts, CANONICAL_CAL)
    suggested = []
    real = peaks._suggest
    monkeypatch.setattr(peaks, "_suggest", lambda *a, **k: suggested.append(1) or real(*a, **k))
    steps = _survey_job(cube)
    h = cube.shape[0]
    while next(steps) != (h, h):  # the pass over the file
        pass
    seen = [next(steps) for _ in range(3)]  # the survey has not ended: no StopIteration
    steps.close()  # the job stopped here (superqt's quit, read between two steps)
    assert seen[-1][0] < seen[-1][1], seen  # steps of the suggestions, not their end
    assert len(suggested) <= 1, len(suggested)  # at most the sum spectrum's


def _drained(gen, on_stage=lambda _: None):
    from xrf_napari.progress import run_to_end

    return run_to_end(gen, on_stage=on_stage)


def test_pigments_stage_line_names_only_the_trials_it_runs():
    """An iron-only scan without scatter lines, neither anode nor resolution in the file: the
    anode trials are skipped (faf82157: no tube line stands out) but the stage line said
    "Estimating the tube anode and detector resolution from the spectra..."; it now names the
    resolution alone, what is tried."""
    from xrf_napari.analysis.pigment_fit import instrument_for, iter_region_inputs
    from xrf_napari.cube import cube_from_array

    fe = line_spectrum(element_spectrum_lines("Fe", 4000.0), background=(0.5, 0))
    data = np.random.default_rng(0).poisson(np.broadcast_to(fe, (4, 4, fe.size)))
    cube = cube_from_array(data.astype(np.float32), CANONICAL_CAL)
    profile, notes = instrument_for(cube)  # anode and resolution missing
    labels = np.ones((4, 4), np.int32)
    gen = iter_region_inputs(cube, labels, profile, notes, stages=True)
    stages = []
    _drained(gen, stages.append)
    estimating = [s for s in stages if s.startswith("Estimating")]
    assert estimating == ["Estimating the detector resolution from the spectra\u2026"], stages
