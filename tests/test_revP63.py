"""Session 63 review of the pigment hypotheses (8c196ea4): the report says what its unexplained
lines are, "misfit" included, beside them."""

from __future__ import annotations

import numpy as np

from xrf_napari.analysis import pigment_report
from xrf_napari.analysis.pigment_fit import PigmentReport
from xrf_napari.energy import canonical_energy
from xrf_napari.physics.instrument import InstrumentProfile

MEANING = "marks a line of an element the candidate holds"


def test_the_report_says_what_a_misfit_line_is(tmp_path):
    """Fails on the parent: 8c196ea4 lists a held element's line as "Ti Ka misfit 4.53 keV" in
    candidates.csv and report.html, and neither said what "misfit" means: read on its own, a
    titanium line the candidate lacks. The page's notes and the table's comment lines say it."""
    report = PigmentReport([], InstrumentProfile(), ["gypsum"], [], canonical_energy())
    page = pigment_report.render_html(report, np.zeros((4, 4), np.int32))
    assert "Unexplained:" in page and f"&quot;misfit&quot; {MEANING}" in page, page
    path = tmp_path / "candidates.csv"
    pigment_report._write_candidates(path, report, [])
    comments = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.startswith("#")]
    said = [ln for ln in comments if ln.startswith("# unexplained_lines: ")]
    assert said and MEANING in said[0], comments
