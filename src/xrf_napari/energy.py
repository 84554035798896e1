"""Energy calibration and the canonical energy grid.

Every scanner has its own channel count, offset and gain. The models work on one canonical grid so
that a cube from any instrument can be embedded: counts are re-binned (conserving counts) from the
file's channels onto fixed energy bins.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass

import numpy as np

#: Canonical grid: 512 bins of 50 eV from 1.0 to 26.6 keV. It covers Al K (1.49 keV) up to Sb K
#: (26.4 keV), the Rh/Mo anode scatter peaks and every Pb/Hg L line; 50 eV is about a third of the
#: detector FWHM at Mn K-alpha, so peaks keep their shape.
CANONICAL_E_MIN = 1.0
CANONICAL_BIN_WIDTH = 0.05
CANONICAL_N_CHANNELS = 512

CALIBRATION_SOURCES = ("file", "user", "auto", "none")
#: A Calibration's terms: what sets its energies (its source does not).
CALIBRATION_TERMS = ("offset", "gain", "quadratic")
#: What to do about a scan without calibration (docs/user_guide.md, "Fixing a calibration"): in
#: napari, the Spectrum dock's Calibrate from two peaks... (io.user_calibration), which can also
#: write the sidecar; else the file opened with one.
HOW_TO_CALIBRATE = (
    "give it one from two peaks you know with the Spectrum panel's Calibrate from two peaks... "
    "(it can save it beside the file), or open the file with one: a JSON sidecar beside it "
    '({"offset": ..., "gain": ...} in keV), the .rpl\'s depth-origin and depth-scale keys, or '
    "--anode / read_cube(anode=...) when the automatic calibration needs the tube's anode "
    "(docs/user_guide.md, 'Fixing a calibration')"
)


@dataclass(frozen=True)
class Calibration:
    """E(ch) = offset + gain * ch + quadratic * ch**2, in keV, ch the channel index (0-based)."""

    offset: float
    gain: float
    quadratic: float = 0.0
    source: str = "file"

    def __post_init__(self):
        for name in CALIBRATION_TERMS:  # plain floats: a NumPy float's repr
            object.__setattr__(self, name, float(getattr(self, name)))  # is not a header value
        if self.source not in CALIBRATION_SOURCES:
            raise ValueError(
                f"calibration source must be one of {CALIBRATION_SOURCES}, got {self.source!r}"
            )
        if not np.isfinite([self.offset, self.gain, self.quadratic]).all():
            raise ValueError("calibration terms must be finite")
        if self.gain <= 0:
            raise ValueError(f"calibration gain must be positive, got {self.gain} keV/channel")

    def energy_at(self, ch):
        """Energy (keV) at channel position(s) ch: one channel's without building the axis."""
        return self.offset + self.gain * ch + self.quadratic * ch**2

    def energy(self, n_channels: int) -> np.ndarray:
        """Energy (keV) at the centre of each of n_channels channels."""
        return self.energy_at(np.arange(n_channels, dtype=np.float64))

    def edges(self, n_channels: int) -> np.ndarray:
        """Energy (keV) of the n_channels + 1 channel boundaries
        (half-integer channel positions)."""
        return self.energy_at(np.arange(n_channels + 1, dtype=np.float64) - 0.5)

    def channel(self, energy_kev) -> np.ndarray:
        """Fractional channel index of an energy (inverse of `energy`)."""
        e = np.asarray(energy_kev, dtype=np.float64)
        if self.quadratic == 0.0:
            return (e - self.offset) / self.gain
        a, b, c = self.quadratic, self.gain, self.offset - e
        return (-b + np.sqrt(b * b - 4 * a * c)) / (2 * a)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Calibration:
        return cls(**{k: d[k] for k in (*CALIBRATION_TERMS, "source") if k in d})

    @classmethod
    def canonical(cls) -> Calibration:
        """The canonical grid's own calibration (channel centres of `canonical_energy`): what
        arrays already re-binned for the DVE carry."""
        return cls(CANONICAL_E_MIN + 0.5 * CANONICAL_BIN_WIDTH, CANONICAL_BIN_WIDTH, 0.0, "file")

    @classmethod
    def uncalibrated(cls) -> Calibration:
        """Channel numbers as 'energy' (gain 1, offset 0): what a file with no calibration gets."""
        return cls(0.0, 1.0, 0.0, source="none")


def canonical_edges() -> np.ndarray:
    return CANONICAL_E_MIN + CANONICAL_BIN_WIDTH * np.arange(CANONICAL_N_CHANNELS + 1)


def off_grid_refusal(cube, reader: str, name: str | None = None) -> str:
    """Why a calibrated scan cannot be read on the canonical grid ("" if it can): its channels'
    energies lie wholly outside it (1 to 26.6 keV), as on a calibration in the wrong unit or with
    a wrong origin. The pigment fit then reported "0 counts" in every region, and the embedder
    and recolouriser turned all-zero spectra into regions and colours. reader: what reads the
    grid, for the message ("the fit", "the models"). name: what the scan is called where it is
    shown (the docks: its layer's name, which tells two files of one name apart; cube.name
    by default)."""
    axis = _calibrated_axis(cube)
    if axis is None:
        return ""
    lo, hi = axis
    grid = canonical_edges()
    if hi > grid[0] and lo < grid[-1]:
        return ""
    return _axis_refusal(
        cube, name, f"wholly outside the {grid[0]:g}-{grid[-1]:g} keV read by {reader}"
    )


def uncalibrated_refusal(
    cube, name: str | None = None, cannot: str = "found", how: str = HOW_TO_CALIBRATE
) -> str:
    """Why what reads a scan's lines cannot work on it ("" if it can): it has no energy
    calibration ("<name>: no energy calibration, so its lines cannot be <cannot>: " and what
    works, `how`: HOW_TO_CALIBRATE, or the commands' options, cli._args.refuse_uncalibrated).
    The pigment fit's refusal (pigment_fit.fit_refusal), the docks', and the commands', which
    wrote recolour's colours and embed's regions of channel numbers read as keV with a warning.
    name: as off_grid_refusal's."""
    if getattr(cube, "calibration", None) is None or cube.calibration.source != "none":
        return ""
    return f"{name or cube.name}: no energy calibration, so its lines cannot be {cannot}: {how}"


def no_lines_refusal(cube, name: str | None = None) -> str:
    """Why no element map can be made of a calibrated scan ("" if one can): no line of any
    element the maps offer (elements.PAINTING_ELEMENTS) lies on its energy axis. The Elemental
    maps dock kept Make maps on for such a scan (-0.96 to -0.91 keV) and failed element by
    element ("no line of Fe between ..."), and the survey said only "0 elements suggested".
    name: as off_grid_refusal's."""
    from .elements import PAINTING_ELEMENTS, all_lines

    axis = _calibrated_axis(cube)
    if axis is None or all_lines(PAINTING_ELEMENTS, *axis):
        return ""
    return _axis_refusal(cube, name, "where no element the maps offer has a line")


def _calibrated_axis(cube) -> tuple[float, float] | None:
    """(lowest, highest) energy (keV) of the scan's channel edges; None without a calibration."""
    cal = getattr(cube, "calibration", None)
    n = int(cube.shape[-1])
    if cal is None or cal.source == "none" or n < 1:
        return None
    edges = cal.edges(n)
    return float(np.min(edges)), float(np.max(edges))


def energy_range_text(energy) -> str:
    """A scan's energy range as every message gives it: its first and last channels' energies
    (their centres, the axis plotted and exported), "-0.956 to -0.906 keV". The docks' axis
    refusal gave the channels' outer edges ("-0.961 to -0.901 keV") where `info` gave the centres
    ("-0.956 .. -0.906 keV") of the same file. `energy`: the channels' energies (cube.energy)."""
    lo, hi = float(energy[0]), float(energy[-1])
    return f"{lo:.3f} to {hi:.3f} keV"


def channel_energy_text(cube, channel: int) -> str:
    """What the canvas says of the channel napari's slider is on (napari 0.9's slider prints
    the step, "137 | 511"): the channel's energy by the scan's own calibration, "7.875 keV
    (channel 137)" (a curved calibration's exact keV too, which napari's linear axis cannot
    show), or "channel 137" for a scan without one."""
    if cube.calibration.source == "none":
        return f"channel {channel}"
    return f"{cube.calibration.energy_at(float(channel)):.3f} keV (channel {channel})"


def _axis_refusal(cube, name: str | None, why: str) -> str:
    """The axis refusals' words: the scan, its energy range and calibration, `why`, what to
    check. They decide on the channels' edges (_calibrated_axis) and give the channels' energies,
    as every message does (energy_range_text)."""
    cal, n = cube.calibration, int(cube.shape[-1])
    return (
        f"{name or cube.name}: its energy axis runs from {energy_range_text(cube.energy)} "
        "(calibration "
        f"offset {cal.offset:.4g} keV, gain {cal.gain:.4g} keV per channel, {n} channels), {why}: "
        "check the calibration (a gain in eV read as keV, a wrong origin; docs/user_guide.md, "
        "'Fixing a calibration')"
    )


def refuse_uncalibrated(cube) -> None:
    """uncalibrated_refusal's reason for the models ("<cube.name>: no energy calibration, so its
    lines cannot be read by the models: ...") raised as a ValueError, before any model is loaded:
    the core's own guard (analysis.embed.iter_embed, analysis.recolour.iter_recolour,
    analysis.ood.check_scan), so a Python caller is refused as the docks and commands are (they
    refuse first, in their words: the commands' name their options, cli._args). It turned
    channel numbers read as keV into colours and regions with only a line in the training-data
    note, "no energy calibration: channel numbers were read as energies"."""
    why = uncalibrated_refusal(cube, cannot="read by the models")
    if why:
        raise ValueError(why)


def refuse_off_grid(cube, reader: str, name: str | None = None) -> None:
    """off_grid_refusal's reason raised as a ValueError, before any model is loaded or region fitted
    (analysis.embed.iter_embed refuses the scan named as cube.name, the commands as the file
    given: `name`; the docks show the reason under the layer's name)."""
    why = off_grid_refusal(cube, reader, name)
    if why:
        raise ValueError(why)


def canonical_energy() -> np.ndarray:
    """Centres (keV) of the canonical bins."""
    e = canonical_edges()
    return 0.5 * (e[:-1] + e[1:])


def rebin_matrix(src_edges: np.ndarray, dst_edges: np.ndarray):
    """Sparse (n_src, n_dst) matrix of overlap fractions: counts @ M re-bins counts onto dst_edges.

    Each source channel spreads its counts over the target bins in proportion to the overlap of
    energy intervals, so total counts inside the target range are conserved.
    """
    import scipy.sparse as sp

    src_edges = np.asarray(src_edges, dtype=np.float64)
    dst_edges = np.asarray(dst_edges, dtype=np.float64)
    if np.any(np.diff(src_edges) <= 0) or np.any(np.diff(dst_edges) <= 0):
        raise ValueError("energy edges must be strictly increasing")
    n_src, n_dst = len(src_edges) - 1, len(dst_edges) - 1
    lo, hi = src_edges[:-1], src_edges[1:]
    width = hi - lo
    # Candidate target bins for each source channel.
    first = np.clip(np.searchsorted(dst_edges, lo, side="right") - 1, 0, n_dst - 1)
    last = np.clip(np.searchsorted(dst_edges, hi, side="left") - 1, 0, n_dst - 1)
    span = int((last - first).max(initial=0)) + 1
    rows, cols, vals = [], [], []
    for k in range(span):
        j = first + k
        ok = j <= last
        jj = np.minimum(j, n_dst - 1)
        overlap = np.minimum(hi, dst_edges[jj + 1]) - np.maximum(lo, dst_edges[jj])
        ok &= overlap > 0
        rows.append(np.nonzero(ok)[0])
        cols.append(jj[ok])
        vals.append((overlap[ok] / width[ok]).astype(np.float32))
    m = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_src, n_dst)
    )
    return m


def to_canonical_matrix(calibration: Calibration, n_channels: int):
    """Re-binning matrix from a file's channels onto the canonical grid."""
    return rebin_matrix(calibration.edges(n_channels), canonical_edges())


class Rebinner:
    """Fast application of a re-binning matrix to blocks of spectra.

    The matrix is banded (channel c only feeds bins near E(c)), so it is cut into dense tiles of
    `group` source channels x the few target bins they reach, each applied with one BLAS product.
    scipy's sparse product on (pixels, channels) blocks spent most of its time transposing the
    block; this is about 10x faster on a 4096-channel cube and gives the same numbers.
    """

    #: Source channels per tile. The tile's dense product spends flops on every target bin the
    #: tile reaches, so narrower tiles waste less; below ~64 the calls cost more than they save.
    #: Per 64 MiB block, 64 against 256: 8192 / 4096 / 2048 / 1024 / 512 channels 9.4 / 8.3 / 13.0
    #: / 26.6 / 52.6 ms against 8.0 / 14.5 / 18.0 / 43.3 / 72.7 (session 21, 2 threads).
    GROUP = 64

    def __init__(self, matrix, group: int = GROUP):
        m = matrix.tocsr()
        self.n_src, self.n_dst = m.shape
        self.tiles = []
        for c0 in range(0, self.n_src, group):
            c1 = min(self.n_src, c0 + group)
            sub = m[c0:c1].toarray()
            cols = np.nonzero(sub.any(axis=0))[0]
            if len(cols):
                j0, j1 = int(cols[0]), int(cols[-1]) + 1
                self.tiles.append(
                    (c0, c1, j0, j1, np.ascontiguousarray(sub[:, j0:j1], dtype=np.float32))
                )

    def __call__(self, block: np.ndarray) -> np.ndarray:
        """(..., n_src) counts -> (..., n_dst) float32."""
        import torch

        block = np.asarray(block)
        if block.shape[-1] != self.n_src:
            raise ValueError(f"block has {block.shape[-1]} channels, the calibration {self.n_src}")
        flat = np.ascontiguousarray(block.reshape(-1, self.n_src))
        if not flat.dtype.isnative:  # a big-endian .raw: torch reads native byte order only
            flat = flat.astype(flat.dtype.newbyteorder("="))
        with warnings.catch_warnings():  # a read-only memory map: torch warns, but only reads it
            warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
            x = torch.from_numpy(flat)
        out = torch.zeros(x.shape[0], self.n_dst, dtype=torch.float32)
        # float32 one tile of channels at a time: a whole-block copy was the largest transient
        # of every pass (64 MiB per block of a 4096-channel integer scan) and cost more time than
        # the products (2.3x faster on uint8 blocks)
        for c0, c1, j0, j1, tile in self.tiles:
            out[:, j0:j1].addmm_(x[:, c0:c1].to(torch.float32), torch.from_numpy(tile))
        return out.numpy().reshape(block.shape[:-1] + (self.n_dst,))


def canonical_rebinner(calibration: Calibration, n_channels: int) -> Rebinner:
    """Rebinner from a file's channels onto the canonical grid."""
    return Rebinner(to_canonical_matrix(calibration, n_channels))
