"""How close elemental maps come to the truth: each map of `analysis.maps` (window or fitted) on
forward-model spectra of known paints, against the counts the detector records of the mapped line
family (all events: peak, tail, shelf, escape), with its Poisson noise at three count levels.
An absent element's map is printed in counts (cross-talk from its overlapping partner).

    PYTHONPATH=src python scripts/map_accuracy.py [label]

Figures in docs/user_guide.md ("How close the maps are"); about 10 s.
"""

import numpy as np

from xrf_napari.analysis import maps as M
from xrf_napari.cli import script_main
from xrf_napari.cube import cube_from_array
from xrf_napari.elements import FAMILY_OF_TRANSITION as FAM
from xrf_napari.physics.instrument import InstrumentProfile
from xrf_napari.physics.layers import Layer, ground_layer, paint_layer
from xrf_napari.physics.pigments import get_pigment
from xrf_napari.physics.spectrum import SpectrumModel
from xrf_napari.physics.xsec import fine_energy

CASES = [  # name, mixture, elements mapped (present = these + Ca)
    ("Pb", [("Lead white", 1.0)], ["Pb", "As"]),
    ("Pb(S)", [("Lead white", 1.0)], ["S", "Hg", "Pb"]),
    ("As+Pb", [("Lead white", 0.9), ("Orpiment", 0.1)], ["Pb", "As"]),
    ("As", [("Orpiment", 1.0)], ["As", "Pb"]),
    ("Ti", [("Titanium white", 1.0)], ["Ti", "Ba"]),
    ("Ba", [("Blanc fixe", 1.0)], ["Ti", "Ba"]),
    ("Ti+Ba", [("Titanium white", 0.5), ("Blanc fixe", 0.5)], ["Ti", "Ba"]),
    ("Hg", [("Vermilion", 1.0)], ["S", "Hg", "Pb"]),
    ("Hg+Pb", [("Vermilion", 0.3), ("Lead white", 0.7)], ["S", "Hg", "Pb"]),
    ("S+Pb", [("Gypsum", 0.3), ("Lead white", 0.7)], ["S", "Hg", "Pb"]),
    ("Hg+S+Pb", [("Vermilion", 0.3), ("Lead white", 0.5), ("Gypsum", 0.2)], ["S", "Hg", "Pb"]),
]
CASES += [  # 3.1-4 keV group on a cube ending at 20 keV (below the Cd/Sn/Sb K lines); gilding
    ("Sn|20", [("Lead-tin yellow II", 1.0)], ["Ca", "Sn", "Sb", "Cd", "K"]),
    ("Sb|20", [("Naples yellow", 1.0)], ["Ca", "Sn", "Sb", "Cd", "K"]),
    ("Cd|20", [("Cadmium yellow", 1.0)], ["Ca", "Sn", "Sb", "Cd", "K"]),
    ("K|20", [("Smalt", 1.0)], ["Ca", "Sn", "Sb", "Cd", "K"]),
    ("Ca|20", [("Chalk", 1.0)], ["Ca", "Sn", "Sb", "Cd", "K"]),
    ("Hg", [("Vermilion", 1.0)], ["Au", "Hg", "Zn", "Pb"]),
    ("Au/Hg", [("Vermilion", 1.0)], ["Au", "Hg", "Zn", "Pb"]),
    ("Zn", [("Zinc white", 1.0)], ["Au", "Hg", "Zn", "Pb"]),
    ("Au/Pb", [("Lead white", 1.0)], ["Au", "Hg", "Zn", "Pb"]),
]


def run(fwhm, total=1e5, levels=(1e4, 1e5, 1e6)):
    model = SpectrumModel(InstrumentProfile(fwhm_mn_ev=fwhm))
    p = model.profile
    rows = []
    for name, mix, syms in CASES:
        top = [Layer("gold leaf", (("Au", 1.0),), 19.3, 0.1)] if name.startswith("Au/") else []
        n_ch = p.n_channels if "|20" not in name else int((20.0 - p.offset) / p.gain)
        stack = [
            *top,
            paint_layer([(get_pigment(n), v) for n, v in mix], 20.0),
            ground_layer("chalk"),
        ]
        fine, parts = model.fine(stack, parts=True)
        det = model.detect(fine)[:n_ch]
        k = total / det.sum()
        counts = det * k
        lines = parts["lines"]
        area = np.interp(lines.energies, fine_energy(), model.eff) * lines.intensities * k
        cube = cube_from_array(
            np.array([[counts]], dtype=np.float32),
            p.calibration,
            profile={"fwhm_mn_ev": fwhm, "anode": p.anode},
        )
        present = syms + ["Ca"]
        # with the spectrum, as the dock and quicklook plan (maps.line_shifts reads positions)
        plans, w = M.plan_for_cube(cube, syms, present=present, spectrum=counts)
        vals = counts @ w.astype(np.float64)
        for i, pl in enumerate(plans):
            fam = pl.line.family
            truth = sum(
                a
                for el, t, a in zip(lines.elements, lines.lines, area)
                if el == pl.symbol and FAM.get(t, t[0]) == fam
            )
            # noise: sd of the map per pixel at each count level, relative to truth (Poisson)
            col = w[:, i].astype(np.float64)
            sds = [np.sqrt(((counts * lv / total) * col**2).sum()) * total / lv for lv in levels]
            rows.append((name, pl.symbol, pl.line.label, pl.method, vals[i], truth, sds))
    return rows


@script_main
def main(argv=None) -> int:
    from xrf_napari.cli import CommandParser  # options given in full

    ap = CommandParser(description=__doc__.split("\n\n")[0])
    # `--help` was taken for the label: the whole run, its tables titled "== --help FWHM ..."
    ap.add_argument("label", nargs="?", default="", help="a word for the tables' titles")
    label = ap.parse_args(argv).label
    for fwhm in (125.0, 165.0):
        print(
            f"== {label} FWHM {fwhm:.0f} eV at Mn Ka; spectra of 1e5 counts; truth = detected "
            "counts of the mapped family =="
        )
        print(
            f"{'case':9s} {'el':3s} {'line':6s} {'meth':6s} {'map':>9s} {'true':>9s} "
            f"{'ratio':>6s}  sd/true at 1e4,1e5,1e6 counts  (absent: map/partner-ish)"
        )
        for name, s, lab, meth, v, t, sds in run(fwhm):
            r = f"{v / t:6.3f}" if t > 1 else "absent"
            sd = " ".join(f"{x / max(t, 1):.3f}" if t > 1 else f"{x:.1f}" for x in sds)
            print(f"{name:9s} {s:3s} {lab:6s} {meth:6s} {v:9.1f} {t:9.1f} {r:>6s}  {sd}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
