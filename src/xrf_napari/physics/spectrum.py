"""Expected spectrum of a layer stack under an instrument: fluorescence + scatter, through the
detector, on the instrument's native channels and on the canonical grid.

`SpectrumModel` holds everything that depends only on the instrument (tube spectrum, detector
response, canonical re-binning), so spectra of many stacks under one profile cost only the stack
physics (~10 ms) and two sparse products.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .detector import efficiency, pileup, response_matrix
from .instrument import InstrumentProfile
from .layers import Layer, primary_fluorescence
from .scatter import scatter
from .tube import tube_lines, tube_spectrum
from .xsec import deposit, fine_energy


@dataclass
class StackSpectrum:
    fine: np.ndarray  # photons per sr per fine bin reaching the detector window (before efficiency)
    native: np.ndarray  # expected counts per native channel (arbitrary common scale)
    canonical: np.ndarray  # the same on the 512-bin canonical grid


def excitation(profile: InstrumentProfile, continuum: bool = True) -> np.ndarray:
    """Photons per fine bin reaching the sample: the tube's spectrum through its window, the gas
    on the way and the optic. SpectrumModel's, and analysis.peaks weighs an element's K lines
    against its L lines by it (line_height_ratio) without building a whole model."""
    p = profile
    tube = np.array(tube_spectrum(p.anode, float(p.kv), float(p.tube_be_um), continuum=continuum))
    tube *= _gas(p)
    return tube * p.optic_transmission(fine_energy())


def _gas(profile: InstrumentProfile, energies=None):
    """Transmission of the ~1 cm of air between tube optics and sample at `energies` (the fine
    grid if None); 1 where the scanner flushes it with helium."""
    from .detector import AIR, AIR_DENSITY
    from .xsec import mixture_mu

    if profile.atmosphere != "air":
        return 1.0
    return np.exp(-mixture_mu(AIR, energies) * AIR_DENSITY * 1.0)


def excitation_lines(profile: InstrumentProfile) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    """(transition names, energies keV, photons) of the tube's characteristic lines reaching the
    sample, as excitation's (window, gas, optic): the anode's lines a scan scatters, as the maps
    shape them (analysis.maps._scattered)."""
    p = profile
    names, e, photons = tube_lines(p.anode, float(p.kv), float(p.tube_be_um))
    return names, e, photons * _gas(p, e) * p.optic_transmission(e)


def detection_efficiency(profile: InstrumentProfile) -> np.ndarray:
    """The profile's detection probability on the fine grid (detector.efficiency of its Be window,
    silicon, gas path and a 0.03 um dead layer). SpectrumModel's, and analysis.peaks judges a
    K-beta's share of K-alpha as counted by it (_detected_share)."""
    p = profile
    return efficiency(p.det_be_um, p.si_um, 0.03, p.path_cm, p.atmosphere)


class SpectrumModel:
    """Forward model for one instrument profile."""

    def __init__(self, profile: InstrumentProfile):
        from ..energy import to_canonical_matrix

        self.profile = p = profile
        self.excitation = excitation(p)
        self.eff = detection_efficiency(p)
        self.detector = response_matrix(
            p.offset, p.gain, p.n_channels, p.fwhm_mn_ev, eff=self.eff, fano=p.fano, eps_ev=p.eps_ev
        )
        self.to_canonical = to_canonical_matrix(p.calibration, p.n_channels).tocsc()

    def fine(self, stack: list[Layer], parts: bool = False):
        """Photons per sr per fine bin reaching the detector: fluorescence + Rayleigh + Compton."""
        p = self.profile
        lines = primary_fluorescence(stack, self.excitation, p.incidence_deg, p.takeoff_deg)
        fluo = deposit(lines.energies, lines.intensities)
        rayl, compt = self.scatter(stack)
        total = fluo + rayl + compt
        if parts:
            return total, {"fluorescence": fluo, "rayleigh": rayl, "compton": compt, "lines": lines}
        return total

    def scatter(self, stack: list[Layer], excitation: np.ndarray | None = None):
        """(Rayleigh, Compton) photons per sr per fine bin of `stack` under `excitation` (the
        tube's by default): fine's scatter parts without its fluorescence, for the pigment fit's
        scatter columns."""
        p = self.profile
        exc = self.excitation if excitation is None else excitation
        return scatter(stack, exc, p.incidence_deg, p.takeoff_deg, p.scatter_deg)

    def detect(self, fine: np.ndarray) -> np.ndarray:
        """Expected counts per native channel for photons per fine bin
        (efficiency, pile-up, response); fine is (N_FINE,) or a batch (n, N_FINE), each row
        piled up on its own."""
        f = np.asarray(fine, dtype=np.float64)
        if self.profile.pileup > 0:
            f = pileup(f * self.eff, self.profile.pileup) / np.maximum(self.eff, 1e-12)
        return self.detector(f)

    def canonical(self, native: np.ndarray) -> np.ndarray:
        return np.asarray(native @ self.to_canonical)

    def spectrum(self, stack: list[Layer]) -> StackSpectrum:
        fine = self.fine(stack)
        native = self.detect(fine)
        return StackSpectrum(fine, native, self.canonical(native))


def expected_spectrum(stack: list[Layer], profile: InstrumentProfile) -> StackSpectrum:
    """One-off convenience: builds a SpectrumModel (use the class for many stacks)."""
    return SpectrumModel(profile).spectrum(stack)
