"""What a conservator meets on first use (session 61): our own output files given back to the
command line or to read_cube."""

from types import SimpleNamespace as NS

import numpy as np
import pytest


def _own_tables(folder):
    """The maps table Save maps writes and the Pigments report's two tables of words, written by
    their own writers (a one-region report of one candidate and one hidden partner)."""
    from xrf_napari.analysis import pigment_report as pr
    from xrf_napari.analysis.export import save_element_maps
    from xrf_napari.physics.instrument import InstrumentProfile

    line = NS(family="Ka", energy=6.4)
    plan = NS(symbol="Fe", line=line, peak=(6.2, 6.6), background=[(5.9, 6.1)], method="window")
    plan.note = ""
    save_element_maps(folder, "scan", [plan], {"Fe": np.ones((4, 5), np.float32)})
    cand = NS(pigments=["Vermilion"], fractions=[1.0], probability=0.9, elements=["Hg", "S"])
    cand.unexplained, cand.rgb, cand.chi2 = [], (0.8, 0.1, 0.1), 1.0
    hidden = NS(pigment="Carbon black", rgb=(0.1, 0.1, 0.1), fraction=0.1, suggested=False)
    hidden.why = "no lines"
    region = NS(label=1, area=10, n_pixels=8, counts=100.0, candidates=[cand], options=[cand])
    region.message, region.hidden = "", [hidden]
    report = NS(profile=InstrumentProfile(anode="Rh", kv=40.0), ground=["chalk"], notes=[])
    report.regions = [region]
    pr._write_candidates(folder / "candidates.csv", report, [0])
    pr._write_hidden(folder / "hidden_partners.csv", report)
    return folder / "scan_maps.csv", folder / "candidates.csv", folder / "hidden_partners.csv"


def test_our_own_tables_given_as_a_spectrum_say_what_they_are(tmp_path):
    """`xrf-napari info` (or read_cube) on the maps table Save maps writes, or on the Pigments
    report's candidates.csv or hidden_partners.csv, said "column 1 ('element') is not numeric
    (line 3: 'Fe'): a spectrum CSV holds numbers under its header; remove that column", as if
    our own report were a spectrum to edit. It names the table and where the spectra are."""
    from xrf_napari.errors import CubeReadError
    from xrf_napari.io.spectra import read_csv

    maps, candidates, hidden = _own_tables(tmp_path)
    said = {}
    for path in (maps, candidates, hidden):
        with pytest.raises(CubeReadError) as caught:
            read_csv(path)
        said[path.name] = str(caught.value)
        assert str(path) in said[path.name]
        assert "remove that column" not in said[path.name]
    assert "Save maps" in said["scan_maps.csv"] and "TIFFs" in said["scan_maps.csv"]
    assert "candidate paints" in said["candidates.csv"]
    assert "X-rays cannot see" in said["hidden_partners.csv"]
    for name in ("candidates.csv", "hidden_partners.csv"):
        assert "region_spectra.csv beside it" in said[name]

    # a table of the user's own with a text column is still told which column to remove
    other = tmp_path / "notes.csv"
    other.write_text("energy,counts,note\n1.0,3,a\n1.1,4,b\n", encoding="utf-8")
    with pytest.raises(CubeReadError, match="remove that column"):
        read_csv(other)
