"""The pigments report names the instrument the fit used as the Pigments panel's line does (docs
pigments_guide.md, user_guide.md: "the pigments report says its instrument"): its tube and kV,
and also its optic and gas. It named only the tube, kV and detector, so `pigments --optic lens
--atmosphere helium` on a file with a full instrument profile wrote no word of the lens or the
helium the fit used."""

from types import SimpleNamespace

import numpy as np

from xrf_napari.analysis import pigment_report
from xrf_napari.physics.instrument import InstrumentProfile


def _report(**profile):
    return SimpleNamespace(
        profile=InstrumentProfile(**profile),
        ground=["gypsum or chalk ground"],
        notes=[],
        regions=[],
    )


def test_the_csv_comment_names_the_optic_and_the_gas():
    lens = pigment_report._comments(_report(optic="polycapillary", atmosphere="helium"))[0]
    assert lens.startswith("instrument: Rh anode, 50 kV, polycapillary lens, in helium, FWHM ")
    plain = pigment_report._comments(_report())[0]
    assert ", collimator, in air, FWHM " in plain


def test_the_report_page_names_the_optic_and_the_gas():
    page = pigment_report.render_html(
        _report(optic="polycapillary", atmosphere="vacuum"), np.zeros((4, 4), np.int32)
    )
    assert "Instrument: Rh anode, 50 kV, polycapillary lens, in vacuum, detector FWHM" in page
