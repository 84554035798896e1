"""Session 60's review of the CLI/scripts commits: in-process main(argv) calls, no subprocess."""

from __future__ import annotations

import numpy as np
import pytest
from _bench_scripts import CHECKOUT, load_module


def test_eval_suggestions_judges_a_paper_style_cube(tmp_path, monkeypatch):
    """`eval_suggestions.py` on a cube of `xrf-napari-train generate --style paper` said "not a
    cube of xrf-napari-train generate: its metadata records no synthesis" (ecc05837; a KeyError
    'ground' before it): such a cube records its gypsum ground as paint.ground. Its truth now
    holds the ground's Ca and S beside the tube's Mo, the air's Ar and the paint's Hg."""
    import xrf_napari.synth.dataset as dataset
    from xrf_napari.energy import Calibration
    from xrf_napari.io.hdf5_looked import remember_looked
    from xrf_napari.io.project_h5 import write_cube
    from xrf_napari.synth import paper_style as ps

    meta = {  # the keys synthesize_paper writes (12 s to make one: its pigment spectra)
        "generator": ps.GENERATOR,
        "style": "paper",
        "profile": ps.paper_profile().to_dict(),
        "regions": [{"colour_rgb": [0.8, 0.1, 0.1], "pigments": {"Vermilion": 1.0}}],
        "paint": {"ground": f"gypsum {ps.GROUND_UM} um"},  # as synthesize_paper writes it
    }
    path = write_cube(
        tmp_path / "paper.h5", np.ones((4, 4, 64), np.uint16), Calibration(1, 0.2), metadata=meta
    )
    remember_looked(path)
    real, truths = dataset.elements_in, []

    class Judged(Exception):
        pass

    def elements_in(metadata):  # the survey's first step: its truth, then no survey
        truths.append(real(metadata))
        raise Judged

    monkeypatch.setattr(dataset, "elements_in", elements_in)
    mod = load_module(CHECKOUT / "scripts" / "eval_suggestions.py", "_revC60_eval_suggestions")
    with pytest.raises(Judged):
        mod.main([str(path)])
    assert len(truths) == 1 and {"Ar", "Mo", "Hg", "S", "Ca"} <= truths[0], truths


def test_a_ctrl_c_in_a_finaliser_stops_a_script(capsys):
    """A Ctrl-C landing in a finaliser (a close run by the garbage collector) while a scripts/
    program ran was "Exception ignored in: ... KeyboardInterrupt", 5 lines, and the script ran on
    to exit 0 (cli.script_main, c789a428); the commands keep it (_keep_interrupts): so does
    script_main, "interrupted", exit 130."""
    from xrf_napari.cli import script_main

    went_on = []

    class Closing:
        def __del__(self):  # the Ctrl-C lands here
            raise KeyboardInterrupt

    @script_main
    def main(argv=None):
        Closing()
        went_on.append("after the Ctrl-C")
        return 0

    assert main([]) == 130
    assert went_on == []
    assert capsys.readouterr().err == "test_revC60.py: interrupted\n"
