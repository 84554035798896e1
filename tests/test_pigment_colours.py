"""One colour per pigment: rows whose measured Lab lies outside sRGB are listed in the docs, and
the generators compare colours with the colour they paint (the hex), not the unclipped Lab."""

import re
from pathlib import Path

import numpy as np
import pytest
from skimage.color import deltaE_ciede2000

from xrf_napari.physics.colour import rgb_to_lab
from xrf_napari.physics.pigments import get_pigment, load_pigments, paint_labs, resolve_table

DOCS = Path(__file__).resolve().parents[1] / "docs" / "pigments.md"


def _computed_rows():
    rows = []
    for table in ("main", "reference"):
        for p in load_pigments(resolve_table(table)):
            if p.out_of_srgb:
                de = float(deltaE_ciede2000(np.array(p.paint_lab), np.array(p.lab)))
                lab = " ".join(f"{x:.1f}" for x in p.lab)
                rows.append(f"| {table} | {p.name} | {lab} | {p.srgb_hex.lower()} | {de:.1f} |")
    return rows


def test_the_docs_list_every_pigment_colour_outside_srgb():
    text = DOCS.read_text(encoding="utf-8")
    m = re.search(r"<!-- out-of-srgb:begin -->\n(.*?)<!-- out-of-srgb:end -->", text, re.S)
    assert m, "docs/pigments.md lacks the out-of-srgb list"
    listed = [r.strip() for r in m.group(1).splitlines() if r.startswith("| ")][1:]  # no header
    want = _computed_rows()
    assert listed == want, "docs/pigments.md out-of-srgb list should read:\n" + "\n".join(want)
    assert len(want) == 10  # 3 in the main table, 7 in the reference table


def test_paint_lab_is_the_hex_and_close_to_the_lab_inside_the_gamut():
    for table in ("main", "reference"):
        pigs = load_pigments(resolve_table(table))
        labs = paint_labs(pigs)
        assert np.allclose(labs, rgb_to_lab(np.array([p.rgb for p in pigs])))
        de = deltaE_ciede2000(labs, np.array([p.lab for p in pigs]))
        inside = np.array([not p.out_of_srgb for p in pigs])
        assert de[inside].max() < 1.0  # hex = Lab rounded to 8 bits
        assert de[~inside].max() > 2.5  # main cadmium yellow 3.0, reference viridian 5.7


def test_the_painters_prior_charges_nothing_for_a_pigments_own_colour():
    from xrf_napari.synth.recipes import painter_prior

    for name in ("Cadmium yellow", "Chrome yellow", "Viridian"):  # outside sRGB
        p = get_pigment(name)
        pigs = [p, get_pigment("Lead white")]
        charge = painter_prior(p.paint_lab, pigs, np.array([[0, 0, 0]]), np.array([[1.0, 0, 0]]))
        assert charge[0] == pytest.approx(0.0, abs=1e-6), name  # cadmium yellow: 3.0 before
