"""Figures for docs/physics.md and docs/pigments.md (deterministic; run from the repo root):

    docs/images/m6_realism.png      real Bruker M6 spectrum vs the simulation under its profile
    docs/images/pigment_spectra.png simulated spectra of pigments over a gypsum ground, lines
                                    labelled

Usage: python scripts/make_physics_figures.py [--real ../shared/data/real] [--out docs/images]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from xrf_napari.cli import script_main

ROOT = Path(__file__).resolve().parents[1]


def m6_figure(real_dir: Path, out: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from xrf_napari.fileutil import atomic_path
    from xrf_napari.physics.instrument import bruker_m6
    from xrf_napari.physics.realism import fit_peak, m6_like_stack, read_spx
    from xrf_napari.physics.spectrum import SpectrumModel

    counts, offset, gain = read_spx(real_dir / M6_SPX)
    e = offset + gain * np.arange(len(counts))
    sim = SpectrumModel(bruker_m6()).spectrum(m6_like_stack()).native
    band = (e > 1.2) & (e < 25)
    sim = sim * counts[band].sum() / sim[band].sum()
    fig, axes = plt.subplots(2, 1, figsize=(10, 7), gridspec_kw={"height_ratios": [3, 2]})
    ax = axes[0]
    ax.semilogy(
        e,
        np.maximum(counts, 0.5),
        lw=0.7,
        color="k",
        label="real: Bruker M6 Jetstream (.spx, 4096 ch)",
    )
    ax.semilogy(
        e,
        np.maximum(sim, 0.5),
        lw=1.0,
        color="tab:red",
        alpha=0.85,
        label=(
            "simulated: M6 profile, bone-black paint (traces of ochre, lead and zinc white) "
            "over chalk"
        ),
    )
    ax.set_xlim(0.8, 25)
    ax.set_ylim(5, counts[band].max() * 3)
    ax.set_xlabel("energy (keV)")
    ax.set_ylabel("counts per channel")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(
        "Real vs simulated MA-XRF spectrum (Rh tube 50 kV; total counts 1.2-25 keV matched)"
    )
    for x, lab in (
        (2.01, "P K"),
        (3.69, "Ca K\u03b1"),
        (4.01, "Ca K\u03b2"),
        (6.40, "Fe K\u03b1"),
        (8.64, "Zn K\u03b1"),
        (10.55, "Pb L\u03b1"),
        (12.61, "Pb L\u03b2"),
        (18.76, "Rh Compton"),
        (20.17, "Rh Rayleigh"),
    ):
        ax.annotate(
            lab,
            (x, counts[np.argmin(abs(e - x))]),
            xytext=(0, 12),
            textcoords="offset points",
            ha="center",
            fontsize=7,
            arrowprops={"arrowstyle": "-", "lw": 0.5},
        )
    ax = axes[1]
    m = (e > 17.5) & (e < 21.5)
    ax.plot(e[m], counts[m], color="k", lw=0.8, label="real")
    ax.plot(e[m], sim[m], color="tab:red", lw=1.0, label="simulated")
    text = []
    for name, lo, hi in (
        ("Compton", 18.1, 19.4),
        ("Rayleigh", 19.9, 20.45),
        ("Fe K\u03b1", 6.1, 6.75),
        ("Ca K\u03b1", 3.45, 3.9),
    ):
        cr, wr, _ = fit_peak(e, counts, lo, hi)
        cs, ws, _ = fit_peak(e, sim, lo, hi)
        text.append(
            f"{name}: centre real {cr:.3f} / sim {cs:.3f} keV ({(cs - cr) * 1e3:+.0f} eV); "
            f"FWHM real {wr * 1e3:.0f} / sim {ws * 1e3:.0f} eV"
        )
    ax.text(
        0.45,
        0.97,
        "\n".join(text),
        transform=ax.transAxes,
        va="top",
        fontsize=6.5,
        family="monospace",
    )
    ax.set_xlabel("energy (keV)")
    ax.set_ylabel("counts per channel")
    ax.legend(loc="center right", fontsize=8)
    fig.tight_layout()
    with atomic_path(out / "m6_realism.png") as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    print("\n".join(text))


def pigment_figure(out: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from xrf_napari.elements import element_lines
    from xrf_napari.fileutil import atomic_path
    from xrf_napari.physics.instrument import InstrumentProfile
    from xrf_napari.physics.layers import ground_layer, paint_layer, support_layer
    from xrf_napari.physics.pigments import get_pigment
    from xrf_napari.physics.spectrum import SpectrumModel

    prof = InstrumentProfile(
        anode="Rh",
        kv=50.0,
        n_channels=2048,
        offset=0.0,
        gain=0.0135,
        fwhm_mn_ev=140.0,
        name="Rh 50 kV, 140 eV",
    )
    model = SpectrumModel(prof)
    e = prof.energy
    names = [
        "Lead white",
        "Vermilion",
        "Azurite",
        "Smalt",
        "Naples yellow",
        "Emerald green",
        "Cadmium red",
        "Red lake",
    ]
    ground = [ground_layer("gypsum", 250.0), support_layer()]
    fig, axes = plt.subplots(len(names), 1, figsize=(10, 2.0 * len(names)), sharex=True)
    for ax, name in zip(axes, names):
        pig = get_pigment(name)
        spec = model.spectrum([paint_layer([(pig, 1.0)], 20.0, 0.4)] + ground).native
        spec = spec / spec.max()
        ax.semilogy(
            e, np.maximum(spec, 1e-6), color=pig.srgb_hex if name != "Lead white" else "0.4", lw=1.0
        )
        ax.set_ylim(1e-4, 3)
        ax.text(
            0.995,
            0.9,
            f"{name} ({pig.formula.split(' + ')[0]}), 20 \u00b5m in oil over gypsum ground",
            transform=ax.transAxes,
            fontsize=8,
            va="top",
            ha="right",
        )
        # label the strongest lines of the pigment's elements and of the ground
        labelled = []
        for el in list(pig.elements) + ["Ca", "S", "Sr"]:
            for ln in element_lines(el):
                if not 1.0 < ln.energy < 26 or ln.family not in ("Ka", "Kb", "La", "Lb", "Ma"):
                    continue
                i = int(np.argmin(abs(e - ln.energy)))
                y = spec[max(0, i - 2) : i + 3].max()
                local = np.median(spec[max(0, i - 40) : i + 40])
                if y > 3 * local and all(abs(ln.energy - x) > 0.25 for x in labelled):
                    labelled.append(ln.energy)
                    ax.annotate(
                        ln.label,
                        (ln.energy, y),
                        xytext=(0, 4),
                        textcoords="offset points",
                        ha="center",
                        fontsize=7,
                    )
        for x, lab in ((20.17, "Rh Ray."), (18.78, "Compt.")):
            i = int(np.argmin(abs(e - x)))
            ax.annotate(
                lab,
                (x, spec[i]),
                xytext=(0, 4),
                textcoords="offset points",
                ha="center",
                fontsize=6,
                color="0.4",
            )
        ax.set_ylabel("rel.")
    axes[-1].set_xlim(1.0, 26.0)
    axes[-1].set_xlabel("energy (keV)")
    fig.suptitle(
        "Simulated expected spectra (Rh 50 kV, 140 eV at Mn K\u03b1; normalised to the maximum)",
        fontsize=10,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.98))
    with atomic_path(out / "pigment_spectra.png") as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    plt.close(fig)


#: The real spectrum m6_figure reads in --real.
M6_SPX = "bruker_m6_jetstream_file_example.spx"
FIGURES = ("m6_realism.png", "pigment_spectra.png")


@script_main
def main(argv=None):
    from xrf_napari.argtypes import existing
    from xrf_napari.cli import CommandParser  # options given in full
    from xrf_napari.fileutil import check_not_a_file_name, check_output_folder

    ap = CommandParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--real",
        type=existing("folder"),
        default=str(ROOT.parent / "shared" / "data" / "real"),
        help=f"the folder holding {M6_SPX} (default: ../shared/data/real)",
    )
    ap.add_argument("--out", default=str(ROOT / "docs" / "images"))
    args = ap.parse_args(argv)
    # refused before any folder is made: a --real without the .spx, or an --out that is a file,
    # ended in a traceback (FileNotFoundError, FileExistsError), the first after making --out
    from xrf_napari.analysis.colour_prior import not_a_file

    spx = Path(args.real) / M6_SPX
    if not spx.exists():
        ap.error(f"--real {args.real}: no {M6_SPX} in it (the real M6 spectrum the figure shows)")
    why = not_a_file(spx, "the real M6 spectrum the figure shows")  # a folder was "no .spx in it"
    if why:
        ap.error(f"--real {args.real}: {spx} {why}")
    try:  # `--out fig.png` made a folder of that name
        check_not_a_file_name(args.out, "make_physics_figures.py")
        check_output_folder(args.out, FIGURES, inputs=[spx], option="--out")
    except ValueError as exc:
        ap.error(str(exc))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    m6_figure(Path(args.real), out)
    pigment_figure(out)
    print(f"wrote {out / 'm6_realism.png'} and {out / 'pigment_spectra.png'}")


if __name__ == "__main__":
    raise SystemExit(main())
