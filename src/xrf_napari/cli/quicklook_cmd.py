"""`xrf-napari quicklook INPUT --output DIR`: sum-spectrum plot and element maps as PNG, headless.

The fastest check that a scan opened right: lines land on peaks if the calibration is right, and
maps show the painting if the file layout is right.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

DEFAULT_MAX_ELEMENTS = 6


def configure(p):
    p.add_argument("input", help="datacube file")
    p.add_argument("--output", "-o", required=True, help="folder for the PNG files (created if needed)")
    p.add_argument("--elements", help="comma-separated symbols to map, e.g. Fe,Pb,Hg (default: the strongest)")
    p.add_argument("--anode", default="Rh", help="tube anode for automatic calibration (default Rh)")
    p.add_argument("--dataset", help="HDF5 dataset / zarr array path")


def element_windows(symbols, e_min: float, e_max: float):
    """[(Line, (lo, hi))] for each symbol's main line inside the energy range."""
    from ..detector import detector_fwhm_kev
    from ..elements import main_line

    out = []
    for sym in symbols:
        ln = main_line(sym, e_min=max(e_min, 0.5), e_max=e_max)
        if ln is not None:
            half = float(detector_fwhm_kev(ln.energy))  # +- one FWHM holds ~98% of the peak
            out.append((ln, (ln.energy - half, ln.energy + half)))
    return out


def run(args) -> int:
    from ..fileutil import atomic_path, check_outputs

    out = Path(args.output)
    check_outputs(folders=[out], inputs=[args.input])

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..analysis.peaks import suggest_for_cube
    from ..io import read_cube

    cube = read_cube(args.input, anode=args.anode, dataset=args.dataset)
    check_outputs(files=[out / f"{cube.name}_sum_spectrum.png"], inputs=[args.input])
    out.mkdir(parents=True, exist_ok=True)
    spectrum = cube.sum_spectrum()
    energy = cube.energy
    calibrated = cube.calibration.source != "none"
    if args.elements:
        symbols = [s.strip() for s in args.elements.split(",") if s.strip()]
    else:
        # The plugin's suggestions: lines confirmed in pairs, overlaps and the tube's anode
        # resolved (a plain window score took Hg L-beta for Br and Pb L-alpha for As).
        symbols = suggest_for_cube(cube, spectrum)[:DEFAULT_MAX_ELEMENTS] if calibrated else []
    windows = element_windows(symbols, energy[0], energy[-1]) if calibrated else []

    fig, ax = plt.subplots(figsize=(10, 4), dpi=110)
    ax.semilogy(energy, np.maximum(spectrum, 0.5), lw=0.8, color="k")
    ax.set_xlabel("energy (keV)" if calibrated else "channel (no calibration)")
    ax.set_ylabel("counts (sum over pixels)")
    ax.set_title(f"{cube.name}: {cube.shape[0]} x {cube.shape[1]} px, calibration {cube.calibration.source}")
    from ..elements import element_lines

    for ln, _ in windows:
        for fam_line in element_lines(ln.element):
            if energy[0] <= fam_line.energy <= energy[-1] and fam_line.family in ("Ka", "Kb", "La", "Lb"):
                ax.axvline(fam_line.energy, color="tab:red", lw=0.5, alpha=0.6)
        ax.annotate(ln.label, (ln.energy, ax.get_ylim()[1]), rotation=90, va="top", ha="right", fontsize=8,
                    color="tab:red")
    fig.tight_layout()
    written = []
    target = out / f"{cube.name}_sum_spectrum.png"
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    written.append(target)

    if windows:
        maps = cube.window_maps([win for _, win in windows])
        for (ln, _), m in zip(windows, maps):
            target = out / f"{cube.name}_{ln.element}_{ln.family}.png"
            fig, ax = plt.subplots(figsize=(6, 6 * m.shape[0] / max(m.shape[1], 1) + 0.6), dpi=110)
            vmax = float(np.percentile(m, 99.5)) if m.size > 1 else float(m.max())
            im = ax.imshow(m, cmap="magma", vmin=0, vmax=vmax if vmax > 0 else None)
            ax.set_title(f"{ln.label} {ln.energy:.2f} keV")
            ax.axis("off")
            fig.colorbar(im, ax=ax, shrink=0.8, label="counts")
            with atomic_path(target) as tmp:
                fig.savefig(tmp, format="png")
            plt.close(fig)
            written.append(target)
    elif not calibrated:
        print(f"{cube.path}: no energy calibration (automatic calibration failed): wrote the spectrum "
              "against channel numbers and no element maps")
    for p in written:
        print(p)
    return 0
