"""Elemental maps: net line counts per pixel, all elements in one streaming pass over the cube.

Each map is a linear function of a pixel's spectrum, so every element becomes one column of a
(channels, n_maps) weight matrix: +w on the peak window, negative weights on the two side windows
(linear background under the peak), scaled so that a line family of area A gives exactly A (each of
its transitions a Gaussian: Sn K-alpha1 and 2 lie 227 eV apart, _family_profile).
The whole cube is then read once, block by block, as `maps = block @ W`.

Known overlaps of painting elements:
- Pb L-alpha (10.55 keV) and As K-alpha (10.53 keV) coincide: when both elements are present, Pb is
  mapped with L-beta (12.61) and As with K-beta (11.73). Hg L-beta1 (11.82) sits on As K-beta, so
  As K-beta is fitted (below) with the Pb and Hg L lines around it, each element's L1, L2 and L3
  lines free against each other (SUBSHELL_FITS).
- Sr K-alpha (14.10-14.17 keV) lies under Hg L-gamma2,3: beside Hg, Sr is mapped by K-beta (15.84)
  (K_BETA_INSTEAD).
- S K-alpha (2.31) sits between Hg M-alpha (2.20) and Pb M-alpha (2.35) (by which Pb and Hg are
  mapped under a tube that excites none of their L lines), and Ti K-alpha (4.51) on Ba L-alpha
  (4.47): closer than the detector resolution. When the other element is present, the
  map comes from a linear least-squares fit over the neighbourhood of the line: one template per
  present element (all its lines there, with relative intensities from xraylib's fluorescence cross
  sections at EXCITATION_KEV) plus a linear background. The fit is still one linear map per pixel,
  so it is just another column of W.
- K K-alpha (3.31), Ca K-alpha (3.69) and the L lines of Cd (3.13), Sn (3.44) and Sb (3.60), on
  cubes that end below the K lines of the last three, overlap each other's: fitted the same way.
- P K-alpha (2.01) beside Hg M-alpha, S K-alpha, Pb M-alpha and Sr L-alpha; Co K-alpha (6.93) on
  Fe K-beta (7.06), Mn K-alpha (5.90) on Cr K-beta (5.95), Ni K-alpha (7.48) below Co K-beta
  (7.65), Bi L-alpha (10.84) above Pb L-alpha and As K-alpha (beside a W tube's scattered L
  lines with Hg's L1, L2 and L3 lines free: TUBE_SUBSHELLS), and Cr K-alpha (5.41) between Ba
  L-beta2 and L-gamma1: fitted the same way.
- Barium is mapped from L-alpha even on cubes that reach its K-alpha (32 keV): its K edge (37.4 keV)
  is beyond what a 40-50 kV tube excites usefully (elements.MAX_K_EDGE_KEV).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache, lru_cache

import numpy as np

from ..detector import (
    DEFAULT_FWHM_MN_EV,
    cube_fwhm_mn_ev,
    detector_fwhm_kev,
    fwhm_from_metadata,
    gaussian_channels,
    known_anode,
    kv_from_metadata,
    tube_symbol,
)
from ..elements import (
    K_OVERVOLTAGE,
    MAX_K_EDGE_KEV,
    Line,
    element_line,
    element_lines,
    k_edge,
    main_line,
)
from ..physics.xsec import LINE_NAMES
from ._threads import one_thread

#: Peak window half-width and side-window placement, in units of the FWHM at the line.
PEAK_HALF_WIDTH = 0.75
SIDE_GAP = 0.25
SIDE_WIDTH = 0.5

#: Lines of present elements closer than this many FWHM to a windowed line are named in its note
#: (closer than 1 FWHM: "overlaps"; 1-2 FWHM: their flank still reaches the peak window).
NEAR_FWHM = 2.0

#: Overlaps resolved by a local fit: (mapped element, line family) -> (elements whose lines sit on
#: that line, reach in keV: the fit covers the group's lines this close to the mapped line). Only
#: that line is fitted (Ba K-alpha, chosen explicitly, is far from Ti). Ti/Ba reach far enough to
#: include Ba L-beta2 / L-gamma, which Ti lacks; S stays below Ar K and the Rh L lines.
#: The first three only: what the recolouriser's line features were trained with (line_features).
FIT_GROUPS_V1 = {
    ("S", "Ka"): (("Pb", "Hg"), 0.35),
    ("Ti", "Ka"): (("Ba",), 1.1),
    ("Ba", "La"): (("Ti",), 1.1),
}
FIT_GROUPS = {
    **FIT_GROUPS_V1,
    # 3.1-4.0 keV: K K, Ca K (chalk and gypsum grounds), Cd L, Sn L, Sb L (when the cube ends
    # below their K lines). By windows, pure Sn read 571 of 1000 as Ca and chalk 191 as Sb.
    # K K-beta (3.59 keV), chosen in the Line column, lies 100 eV below Ca K-alpha: by its window
    # the real Bruker M6 spectrum read K 492,999 counts (its Ca), fitted 103 (K K-alpha 1,296);
    # forward-model smalt -0.36 and 20.6 of its K K-beta, 0.94-0.96 fitted; bone black 2.3-9.9
    # times smalt's map, every K-free paint under 2.6 % fitted (Rh 30-45 kV, 140-150 eV).
    # Ca K-beta fitted read bone black 0.88 of its counts (0.98-0.99 by its window): left a window
    **{
        key: (tuple(x for x in ("K", "Ca", "Cd", "Sn", "Sb") if x != key[0]), 0.45)
        for key in (
            ("K", "Ka"),
            ("K", "Kb"),
            ("Ca", "Ka"),
            ("Cd", "La"),
            ("Sn", "La"),
            ("Sb", "La"),
        )
    },
    # reaching Pb L-beta1,2 (12.61 keV), whose full peaks pin the Pb templates, and stopping
    # short of As K-alpha / Pb L-alpha (10.5 keV), where self-absorption changes the ratios
    ("As", "Kb"): (("Pb", "Hg"), 0.95),
    # gilding beside vermilion, zinc white or lead white: Hg L-alpha 0.28 keV above Au L-alpha
    # (vermilion with no gold read Au 1 858 per 1e5 counts by the window, now 130), Zn K-beta
    # 0.14 below (zinc white read 5 950, now -47); Pb joins for the flank of its L-alpha
    ("Au", "La"): (("Hg", "Zn", "Pb"), 0.35),
    # P K-alpha (2.01 keV) beside Hg M-alpha (2.20), S K-alpha (2.31), Pb M-alpha (2.35) and Sr
    # L-alpha (1.81): the window's side windows sit on their flanks. On the panel sample's 50 eV
    # channels vermilion read P -15 897 per 1e6 counts by the window (bone black +47 068), -207
    # fitted; the reach takes in Pb M-alpha
    ("P", "Ka"): (("Hg", "Pb", "S", "Sr"), 0.35),
    # a K-alpha under the K-beta of the element below (less than a FWHM away): Prussian blue read
    # Co 26 070 per 1e6 counts by the window (6 % of its Fe), 273 fitted; viridian Mn 52 652
    # (9 % of its Cr), 3 092. The reach takes in the neighbour's K-alpha, which pins its template
    ("Co", "Ka"): (("Fe",), 0.6),
    ("Mn", "Ka"): (("Cr",), 0.55),
    # Ni K-alpha (7.48 keV) 1.2 FWHM below Co K-beta (7.65): beside smalt's 2 % NiO, cobalt
    # blue with no nickel read Ni +28 to +62 % of smalt's by the window (Rh, W, Mo tubes, 125-165
    # eV, 10-40 eV channels), -1.4 to +1.7 % fitted; smalt 1.06-1.19 of its Ni, 0.97-0.99. Cu
    # joins for its K-alpha's flank at the region's top (emerald green -1 to -2 %, -101 % without)
    ("Ni", "Ka"): (("Co", "Cu"), 0.6),
    # Bi L-alpha (10.84 keV) 1.6 FWHM above Pb L-alpha and As K-alpha (10.55, 10.53): beside
    # smalt's 2 % Bi2O3, lead white read Bi +46 to +168 % of smalt's by the window (Rh 45 kV,
    # 125-165 eV), +0.4 to +2.2 % fitted. The reach takes in As K-beta (11.73) and Hg L-alpha
    # (9.99), which pin their templates (0.95: vermilion +6 to +15 %, its window's +9 to +12 %)
    ("Bi", "La"): (("Pb", "As", "Hg"), 1.0),
    # Cr K-alpha (5.41 keV) between Ba L-beta2 (5.16) and L-gamma1 (5.53), under its side windows:
    # lithopone read Cr -7 536 per 1e6 counts by the window (7 % of its Ba L-alpha), +592 fitted;
    # the reach takes in Ba L-alpha
    ("Cr", "Ka"): (("Ba",), 0.95),
    # Pb and Hg M-alpha (2.35, 2.20 keV), mapped where the tube excites none of their L lines
    # (_m_alpha_instead), beside S K-alpha (2.31) as S is fitted beside them: under a 12 kV tube
    # orpiment (As2S3) with no lead read Pb 0.80 of lead white's counts by the window
    ("Pb", "Ma"): (("S", "Hg"), 0.35),
    ("Hg", "Ma"): (("S", "Pb"), 0.35),
    # Cl K-alpha (2.62 keV) between Pb M-beta (2.44) and M-gamma (2.65), Hg M lines, S K-beta
    # and a Rh tube's L-alpha (2.70), under its side windows: lead white with no chlorine read
    # Cl -72 to -101 % of an atacamite layer's counts by the window (Rh, 12-45 kV), under 0.1 %
    # fitted; lead white with 10 % atacamite -7.4 to -10 times its Cl, 0.97-0.99 fitted
    # (atacamite 0.98 by the window, 0.97 fitted; /work/runs64/maps64/cl_tube.py)
    ("Cl", "Ka"): (("Pb", "Hg", "S"), 0.35),
    # Hg L-alpha (9.99 keV) 18 eV above a W tube's scattered L-beta2 (9.96): by the window lead
    # white read Hg +2.3 % of vermilion's under 45 kV W, lead white with 10 % vermilion 1.18 of
    # its Hg; fitted -0.02 % and 0.99 (Rh's window 0.98). The reach takes in Pb L-alpha (10.55),
    # which pins Pb's template (0.35: 0.91; /work/runs65/maps65/hgw.py)
    ("Hg", "La"): (("W",), 0.6),
    # Ti K-beta (4.93 keV), chosen, on Ba L-beta1 (4.83): lithopone read Ti 19-26 % of titanium
    # white's by the window, 0.5 % fitted as Ti K-alpha is (titanium white 0.98 -> 1.02-1.04)
    ("Ti", "Kb"): (("Ba",), 1.1),
    # Other lines chosen in the Line column on a neighbour's line, fitted beside it: by their
    # windows (forward model, Rh 30-50 kV, W 45, Mo 35, Cu 40; 130-165 eV) cobalt blue read Fe
    # K-beta (7.06 keV, on Co K-alpha 6.93) at 325-489 % of ochre's, lead white or lead-tin
    # yellow Se K-beta (12.50, on Pb L-beta1 12.61) 162-286 % of cadmium red's, orpiment Hg
    # L-beta (11.82, on As K-beta 11.73) 28-41 % of vermilion's, titanium white Ba L-beta (4.83,
    # on Ti K-beta 4.93) 50-96 % of lithopone's. Each reach takes in the element's K-alpha (the
    # neighbour's for Hg and Ba), which pins the templates: Fe and Se K-beta are then read off
    # their K-alpha through the template's K-beta share, ochre 1.02-1.09 and cadmium red
    # 1.14-1.17 of their K-beta counts (a thick layer of the element alone sets the share).
    # Fitted over their K-beta alone (reach 0.45, 0.35) the forward-model paints read 0.98-1.00,
    # but PyMca's real standard read Fe K-beta at 0.44 and Se K-beta at 0.65 of what its K-alpha
    # maps give (0.96 and 0.94 so): two lines 0.9 FWHM apart, told apart by their shape alone
    # (/work/runs67/maps67/l2.py; figures in docs/user_guide.md)
    ("Fe", "Kb"): (("Co",), 0.7),
    ("Se", "Kb"): (("Pb",), 1.3),
    ("Hg", "Lb"): (("As",), 1.3),
    ("Ba", "Lb"): (("Ti",), 1.1),
    # Cd K-beta1 (26.10 keV), chosen, 15 eV from Sb K-alpha2 (26.11): Naples yellow (lead
    # antimonate) read 22-74 % of cadmium yellow's Cd K-beta by the window (Rh 45/50, W 35/45,
    # Mo 35, Cu 40, Ag 40 kV; 125-165 eV), +0.6 to +1.8 % fitted, the Sb K-alpha1 line pinning
    # its template. Reaching Cd K-alpha (23.2 keV) read cadmium yellow at 1.5 times its K-beta
    # counts (the detector's efficiency falls between them; /work/runs68/maps68/cd.py)
    ("Cd", "Kb"): (("Sb",), 0.6),
    # and the automatic Sb map, Sb K-alpha wherever the tube excites it, beside Cd K-beta: by its
    # window cadmium yellow read 15-30 % of Naples yellow's Sb, a tenth of Naples yellow in
    # cadmium yellow 1.7-2.1 times its counts; fitted 0.0-0.6 % and 0.98-1.00 (Rh 35/45/50, W
    # 45/60, Mo 35, Cu 40, Ag 40 kV; 125-170 eV; /work/runs68/revM68/sb_auto.py)
    ("Sb", "Ka"): (("Cd",), 0.6),
}
#: K-alpha lines mapped by their element's K-beta where a present element's lines sit on them
#: (and none of the second group, whose lines sit on the K-beta): Sr K-alpha (14.10-14.17 keV)
#: under Hg L-gamma2,3 (14.16, 14.26; L1 lines, whose share against Hg L-alpha follows the tube).
#: Vermilion over a chalk ground (forward model, 50 kV) read Sr K-alpha 2.13 times its counts at
#: 125 eV, -2.43 times at 165 eV (taking Hg out by its L-alpha map and xraylib's ratios: 0.14,
#: 3.04); Sr K-beta (15.84) 0.99 at both. Zr K-alpha (15.77) sits on Sr K-beta.
K_BETA_INSTEAD = {("Sr", "Ka"): (("Hg",), ("Zr",))}
#: Excitation energy (keV) at which line templates take their relative intensities: a typical
#: effective energy of a 40-50 kV tube spectrum. Ratios inside one shell barely depend on it.
EXCITATION_KEV = 20.0
#: Fits whose neighbours get one template per vacancy subshell (their line ratios are free
#: between subshells): As K-beta sits among the Hg and Pb L-beta lines, where the L1/L2/L3 balance
#: follows the tube spectrum above and below their L edges (12-16 keV). Lead white with 20 %
#: vermilion and no arsenic read As 1 584 per 1e5 counts by the window, -183 with one xraylib
#: template per element, +29 per subshell, against 193 for real 3 % orpiment (analysis audit 29).
SUBSHELL_FITS = {("As", "Kb")}
#: Fits in which these neighbours get one template per vacancy subshell where the scan's tube's
#: scattered lines are fitted too: a W tube's L lines (9.6-11.7 keV) lie among Hg's around Bi
#: L-alpha. With one template for Hg, vermilion read Bi -7 to -34 % of smalt's (2 % Bi2O3)
#: under 25-50 kV W tubes (forward model, 125-170 eV), a mix of smalt, vermilion and lead white
#: -0.19 to 0.28 of its Bi; with Hg's L1, L2 and L3 lines free -11 to +2 % and 0.64-1.15. Not
#: beside other tubes: under Rh, Mo and Ag tubes vermilion then read -4 to -10 % (one template
#: -6 to +9 %; /work/runs66/revM66/fresh.py, fresh2.py, bi2.py)
TUBE_SUBSHELLS = {("Bi", "La"): ("Hg",)}
#: Fits in which the tube's scattered lines also get one template of their Compton peaks, free of
#: the lines' own (Rayleigh) peaks, where the tube's anode is fitted: a Cu tube's K-alpha (8.05
#: keV) scatters to 7.82-7.92 keV (scatter angle 150-90 deg), Doppler-broadened between Ni
#: K-alpha (7.48) and K-beta (8.26), and the fit gave it to nickel: ultramarine read Ni at -33 to
#: -93 % of smalt's (2 % NiO), emerald green -14 to -72 %, smalt 0.63-0.86 of its Ni, cobalt blue
#: -5 to -22 %; with the template -5 to +3 %, 0.95-0.97, -2 to -11 % (forward model, Cu 30-50
#: kV, 120-175 eV, scans at 90-150 deg; under W, whose Ll line lies 90 eV below Ni K-alpha,
#: ultramarine -2 -> 0 %, smalt 0.97 -> 0.99, cobalt blue 0 -> +1 %; /work/runs67/maps67/geo.py,
#: ni1.py). Not for Bi L-alpha: a W tube's L-gamma1 (11.29 keV) scatters to 10.84-11.04 keV, on
#: Bi L-alpha at 150 deg, and a template at one angle moved the false bismuth of light paints
#: with the scan's angle instead of taking it out (ultramarine +10 to +15 % of smalt's at 150
#: deg, -2 to -7 % at 90; with a 150 deg template +2 to +3 % and -13 to -15 %). Nor at low
#: energies, where the Compton peak all but coincides with the line.
TUBE_COMPTON = {("Ni", "Ka")}
#: Maps whose line lies on a tube line's Compton peak at some scatter angle, noted where the scan's
#: tube is that one: (element, family) -> (anode, its transition, its name, what it did). Light
#: paints scatter much of it (TUBE_COMPTON's figures, /work/runs67/maps67/geo.py).
TUBE_COMPTON_ON_LINE = {
    ("Bi", "La"): (
        "W",
        "L2N4",
        "W L\u03b31",
        "in tests, fitted beside lead, ultramarine with no bismuth read +10 to +15 % of smalt's "
        "bismuth (2 % Bi2O3) at 150 deg, -2 to -7 % at 90 deg",
    )
}
#: The scatter angle (deg) of TUBE_COMPTON's template: scanners put it at 90-150 deg and the file
#: gives none. At 130 deg its Compton energies sit within 80 eV of those at 90-150 deg (Cu
#: K-alpha), less than the detector's width there (the figures above span those angles).
TUBE_COMPTON_DEG = 130.0
#: The tube voltage (kV) whose line shares shape TUBE_COMPTON's template where the scan's is
#: unknown (no kV in the file nor the Instrument row): a Cu tube's K lines' shares move under 1 %
#: between 15 and 50 kV. Without the template there, smalt read 0.65 of its Ni and ultramarine
#: -82 % of smalt's (forward model, Cu 40 kV, 140 eV; /work/runs67/revM67/nokv.py).
TUBE_COMPTON_KV = 40.0
#: Windowed lines on a neighbour's line, taken out by the neighbour's own map times its line
#: ratios (its template per count of its mapped line: _less_neighbours): Pb L-beta (mapped when
#: arsenic is present) on Se K-beta (12.50 keV, cadmium red), 0.6 FWHM away. Cadmium red read Pb
#: 15 % of lead white's by the window; -0.6 % so. A fit with Se (reaching Se K-alpha) read it
#: as well, but moved lead white's Pb L-beta by +25 % when this was chosen (the window read 0.82
#: of the family's counts, the fit 1.02): maps of one scan would change scale with Se's presence.
#: Since the window counts each L-beta line (_family_profile) the two agree within 1.5 %: lead
#: white, 50 kV, 125-165 eV, the window 1.011-1.017 with Se present or not, the fit 1.003.
#: Hg L-alpha's lower side window on Zn K-beta's flank (2.4 FWHM below): zinc white read Hg
#: -0.57 % of its Zn at 140 eV, -1.7 % at 165 eV; -0.04 % and -0.07 % so. (A fit with Zn moved
#: vermilion's Hg +4 %, and read lead white's Pb L-alpha flank at its region's edge as -1.3 %.)
#: Si K-alpha's upper side window on P K-alpha's flank (1 FWHM above at 165 eV): forward-model bone
#: black over chalk read Si -22 % of smalt's at 165 eV, -1.4 % at 140; -0.8 % and -0.6 % so (smalt's
#: Si -0.8 %, chalk's 1 % SiO2 -3.6 %: P's own small misreadings there). Se K-alpha's upper side
#: window on Hg's L lines at 11.48-11.56 keV: vermilion read Se -2.6 % of cadmium red's at 165 eV,
#: -2.0 % at 140; +1.1 % and +0.6 % so (docs/user_guide.md, section 3, session 56).
#: And the other way round: P K-alpha's window (where none of its FIT_GROUPS neighbours is present)
#: has its side windows on Si K-alpha: pure Si read P -18.7 % of its counts at 165 eV, -63 % at
#: 230 eV (50 eV channels); the pair solved exactly so (_less_neighbours).
#: The neighbour is taken out whether or not it is counted present (by a map made for it): with
#: Si left out, P's window kept only its lower side window, on Si K-alpha, and pure Si read P
#: -39.8 % of its counts at 165 eV; pure Zn read Hg -1.7 %, pure Se Pb L-beta +10.5 % (As
#: present); all under 0.2 % so (tests/test_maps57.py, session 57). One counted present nowhere
#: only where its map reads it in the scan's sum (STRIP_ABSENT_SIGMA).
STRIP_GROUPS = {
    ("Pb", "Lb"): ("Se",),
    ("Hg", "La"): ("Zn",),
    ("Si", "Ka"): ("P",),
    ("P", "Ka"): ("Si",),
    ("Se", "Ka"): ("Hg",),
}
#: Elements a present element's pigment carries (vermilion, HgS), fitted beside it in a FIT_GROUPS
#: fit whose rivals name them, counted present or not (as STRIP_GROUPS neighbours, STRIP_FIT_NOISE
#: permitting): vermilion's S K-alpha (2.31 keV) hides under Hg M-beta and is seldom suggested, and
#: P's fit with Hg alone read 64 px of vermilion in bone black at +79 to +109 % of their P counts
#: (165 eV, Ti-white ground, 2,000 counts/px; the Hg template took S's counts, its misfit P's)
FIT_COMPANIONS = {"Hg": ("S",)}
FAMILIES = ("Ka", "Kb", "La", "Lb", "Lg", "Ma")
#: Templates placed where the scan's own spectrum puts an element (line_shifts): one whose K-alpha
#: and K-beta both sit SHIFT_MIN_EV or more from their table energies and within SHIFT_MIN_EV of
#: each other (the same way), each read to SHIFT_PRECISION_EV. A real Bruker M6 spectrum (.spx)
#: put Ca there +6.2 and +4.5 eV while its zero peak (-0.4), Ar K (+3.4 +- 1.3) and K K (0 to -6)
#: sat where the file's calibration says: one element displaced, no axis offset to correct. Its K
#: K-alpha, fitted beside Ca, read -1 445 counts for a clear K peak (K-beta on the Ca flank took
#: the misfit), +1 356 with Ca's template moved. Forward-model spectra (detector tails) read -2.5
#: to +0.8 eV where read to 1 eV, and no element of the sample scans or of map_accuracy.py's
#: spectra is moved: a neighbour left out of the fit pulls one line only (the painting sample's
#: Ti K-alpha -4.3 eV, its K-beta -24). At 1e8 counts and more a forward-model S under Pb and Hg
#: M lines reads -5.4 and -3.3 eV precisely enough to be moved (revA53; its map/truth 1.12 ->
#: 1.09): the rule reads where the spectrum puts a line, whatever puts it there.
SHIFT_MIN_EV = 3.0
SHIFT_PRECISION_EV = 1.0
#: Maps whose line lies on a tube's strongest scattered line of a shell, noted where the scan's
#: tube is that one: (element, family) -> (anode, its line, what it did). S K-alpha lies 14 eV
#: above Mo L-alpha; the fit tells them apart by their weaker lines only (S K-beta, Mo L-beta),
#: whose shares the paint changes (mercury's M edges take Mo L-beta1 to 0.41 of its share against
#: L-alpha, lead white leaves it at 1.08): forward-model paints over chalk under a 12-45 kV Mo
#: tube read S at 1.37-1.41 of vermilion's counts, lead white with no sulfur -38 to -52 % of them,
#: lead white with 30 % vermilion 1.54-2.23 of its S (/work/runs64/maps64/s_tube.py), where a Rh
#: tube's read 1.03-1.06, -5 to -7 % and 1.11-1.25 (12-50 kV). Two Mo templates, L-alpha and the
#: rest, their ratio fitted, read vermilion 1.02-1.04 and lead white +2 to +25 %, but S's noise
#: 4-6 times as large (/work/runs64/revM64/st_fam2.txt): not taken.
TUBE_ON_LINE = {
    ("S", "Ka"): (
        "Mo",
        "L3M5",
        "in tests sulfur-free lead white read below zero (-38 to -52 % of vermilion's sulfur), "
        "vermilion 1.4 times its sulfur, lead white with 30 % vermilion 1.5 to 2.2 times; "
        "check sulfur on a scan under a Rh tube (there 1.03-1.06, -5 to -7 % and 1.1 to 1.3)",
    )
}


@dataclass(frozen=True)
class MapPlan:
    """How one element's map is computed: the line, the windows and why."""

    symbol: str
    line: Line
    peak: tuple[float, float]  # keV
    background: tuple[tuple[float, float], ...]  # side windows (keV) actually used
    method: str = "window"  # "window" or "fit"
    note: str = ""

    @property
    def label(self) -> str:
        return self.line.label


def choose_lines(
    symbols: Iterable[str],
    present: Iterable[str],
    e_min: float,
    e_max: float,
    lines: dict[str, str] | None = None,
    kv: float | None = None,
) -> dict[str, tuple[Line, str]]:
    """symbol -> (line to map, reason if not the main line), applying the overlap rules. `kv`:
    the tube voltage where known. A K line whose edge lies above kv / K_OVERVOLTAGE (where the
    element suggestion reads the element by its L lines, elements.K_OVERVOLTAGE) is mapped by
    L-alpha where that is on the axis and excited: cadmium yellow under a 25 kV tube gave a Cd
    K-alpha map of 44 counts of background (its L-alpha 143,083 counts; forward model), under
    28 kV one of 1 % of its L-alpha counts."""
    present = set(present)
    lines = dict(lines or {})
    out = {}
    for s in symbols:
        fam = lines.get(s)
        note = ""
        auto = fam in (None, "", "auto")
        if auto:
            fam = None
            if s == "Pb" and "As" in present:
                fam, note = "Lb", "L\u03b2 used: Pb L\u03b1 coincides with As K\u03b1"
                note = _join(note, _family_in_part(s, fam, kv) if kv else "")
            elif s == "As" and "Pb" in present and not (kv and family_edge("Pb", "La")[0] >= kv):
                # not under a tube below Pb's L3 edge, where no Pb L-alpha lies on As K-alpha:
                # As K-beta (11.73 keV) under 12 kV read emerald green 0.34 of its counts
                fam, note = "Kb", "K\u03b2 used: As K\u03b1 coincides with Pb L\u03b1"
            elif (s, "Ka") in K_BETA_INSTEAD and not (kv and _l_alpha_instead(s, kv, e_min, e_max)):
                # not where the tube leaves the K lines to L-alpha (Sr under 15 kV: its K edge
                # 16.1 keV), as without Hg: an Sr K-beta map read nothing but other counts
                under, clear = K_BETA_INSTEAD[(s, "Ka")]
                kb = element_line(s, "Kb")
                by = [x for x in under if x in present]
                if by and not present & set(clear) and kb and e_min <= kb.energy <= e_max:
                    fam = "Kb"
                    note = f"K\u03b2 used: {s} K\u03b1 lies under {by[0]} L\u03b3"
        if fam is None:
            ln = main_line(s, e_min, e_max)
            if ln is None:
                raise ValueError(
                    f"no line of {s} between {e_min:.2f} and {e_max:.2f} keV: "
                    "it cannot be mapped from this cube"
                )
            ka = element_line(s, "Ka")
            if ln.family != "Ka" and ka is not None and e_min <= ka.energy <= e_max:
                note = _join(
                    note,
                    f"{ln.label} used: {s} K lines need {k_edge(s):.1f} keV to excite, above "
                    f"the {MAX_K_EDGE_KEV:.0f} keV a typical 40-50 kV tube gives usefully",
                )
            elif kv and ln.family == "Ka" and (la := _l_alpha_instead(s, kv, e_min, e_max)):
                ln = la
                note = _join(
                    note,
                    f"{la.label} used: {s} K lines need {k_edge(s):.1f} keV to excite, above "
                    f"what the tube's {kv:g} kV excites usefully",
                )
        else:
            if fam not in FAMILIES:
                raise ValueError(f"unknown line family {fam!r} for {s}; expected one of {FAMILIES}")
            ln = element_line(s, fam)
            if ln is None or not e_min <= ln.energy <= e_max:
                raise ValueError(
                    f"{s} has no {fam} line inside the cube's range {e_min:.2f}-{e_max:.2f} keV"
                )
        if auto and kv and (ma := _m_alpha_instead(s, ln.family, kv, e_min, e_max)):
            # replacing the note: Pb beside As is not mapped by L-beta here either
            edge = family_edge(s, ln.family)
            ln, note = (
                ma,
                (
                    f"{ma.label} used: {s} L lines need {edge[0]:.2f} keV ({edge[1]} edge) to "
                    + (
                        f"excite, above the tube's {kv:g} kV"
                        if edge[0] >= kv
                        else f"excite, above what the tube's {kv:g} kV excites usefully"
                    )
                ),
            )
        out[s] = (_at_strongest(ln) if ln.family == "Lg" else ln, note)
    return out


def _at_strongest(line: Line) -> Line:
    """L-gamma at its strongest transition (xraylib intensity at EXCITATION_KEV), where its
    window is set: the family's mean by radiative rates lies between L-gamma1 (L2-N4) and
    L-gamma2,3 (L1-N2,3, 0.3 keV above, a fifth of its counts), Pb's at 14.98 keV with L-gamma1
    (14.77) under the lower side window: lead white's Pb L-gamma map read -0.41 of its counts."""
    trans = _transitions(line.element, 0.0, np.inf)
    ranked = [(cs, e) for e, cs, fam, _ in trans if fam == line.family]
    return replace(line, energy=max(ranked)[1]) if ranked else line


#: A K line the tube excites, if barely (its edge between kV / K_OVERVOLTAGE and kV), is mapped
#: by L-alpha only where that lies at this energy (keV) or above: a light element's L lines are
#: weaker still (low fluorescence yield, absorbed by air). Forward model, Rh tube, air, chalk
#: ground, detected counts of K-alpha against L-alpha at 1.02 / 1.05 / 1.09 times the K edge:
#: zinc white (Zn L-alpha 1.01 keV) 17,714 / 88,753 / 209,706 against 236 / 210 / 172 (its
#: L-alpha map under 10.5 kV read 319 counts), verdigris (0.93) 1,260-17,825 against 2-3, Cr and
#: Fe L-alpha 0; orpiment's As (1.28) 4,001 / 21,240 / 56,310 against 4,526 / 4,369 / 4,113;
#: cadmium red's Se (1.38) 858-13,385 against 1,360-1,423; chalk's Sr (1.81) 31-477 against
#: 261-270; Cd, Sn, Sb (3.1-3.6) L-alpha 30-500 times their K-alpha.
L_ALPHA_INSTEAD_MIN_KEV = 1.5


def _l_alpha_instead(symbol: str, kv: float, e_min: float, e_max: float) -> Line | None:
    """The L-alpha line to map `symbol` by under a `kv` tube that barely excites its K lines
    (its K edge above kv / elements.K_OVERVOLTAGE, as the suggestion judges it), where that line is
    on the axis and the tube excites it, and lies at L_ALPHA_INSTEAD_MIN_KEV or above where the
    tube excites the K lines at all; else None."""
    la = element_line(symbol, "La")
    if k_edge(symbol) <= kv / K_OVERVOLTAGE or la is None or not e_min <= la.energy <= e_max:
        return None
    if k_edge(symbol) < kv and la.energy < L_ALPHA_INSTEAD_MIN_KEV:
        return None
    edge = family_edge(symbol, "La")
    return la if edge is not None and edge[0] < kv else None


def _m_alpha_instead(symbol: str, family: str, kv: float, e_min: float, e_max: float):
    """The M-alpha line to map `symbol` by where the tube's `kv` excites none of its `family`
    (L) lines usefully (their edge above kv / elements.K_OVERVOLTAGE, as _l_alpha_instead judges
    K lines) and does excite M-alpha, on the axis; else None. Under a 12 kV tube (Pb L3 edge
    13.04 keV) Pb's L-alpha or L-beta map read nothing but other counts, its note proposing Pb
    M-alpha, which a window beside S K-alpha could not read (FIT_GROUPS fits it beside S). Just
    above the edge the L line is a sliver of M-alpha's counts: vermilion's Hg L-alpha under
    12.5-13 kV held 0.7-6 % of them, its map's noise on a 10,000-count pixel 97 and 14 % against
    the M-alpha fit's 2.5 %; lead white's Pb L-beta under 13.5-14 kV 87 and 31 % against 2.1 %,
    and it read lead white with vermilion 0.76-0.92 (forward model, 140 eV)."""
    edge = family_edge(symbol, family) if family[0] == "L" else None
    ma = element_line(symbol, "Ma")
    if edge is None or edge[0] <= kv / K_OVERVOLTAGE or ma is None:
        return None
    if not e_min <= ma.energy <= e_max:
        return None
    m_edge = family_edge(symbol, "Ma")
    return ma if m_edge is None or m_edge[0] < kv else None


def plan_maps(
    symbols: Iterable[str],
    energy_range: tuple[float, float],
    *,
    fwhm_mn_ev: float = DEFAULT_FWHM_MN_EV,
    present: Iterable[str] | None = None,
    lines: dict[str, str] | None = None,
    background: bool = True,
    fit_groups: dict | None = None,
    kv: float | None = None,
) -> list[MapPlan]:
    """Decide line, peak window and side windows for each element (no data needed).

    present: elements known to be in the object (e.g. the suggested ones); the overlap rules and
    the choice of background windows look at them as well as at `symbols`. fit_groups: the
    overlaps fitted (default FIT_GROUPS). kv: the tube voltage, where known (choose_lines).
    """
    fit_groups = FIT_GROUPS if fit_groups is None else fit_groups
    symbols = list(dict.fromkeys(symbols))
    present = set(symbols) | set(present or ())
    e_min, e_max = energy_range
    chosen = choose_lines(symbols, present, e_min, e_max, lines, kv)
    # sorted: a set of names iterates in an order its hashes set (PYTHONHASHSEED), so the notes
    # named overlapping lines in an order that changed from run to run
    others = [ln for s in sorted(present) for ln in element_lines(s) if e_min <= ln.energy <= e_max]
    # the notes name the lines the tube excites: under 12 kV (below Pb's L3 edge) the As K-alpha
    # map said "overlaps Pb Lα"
    named = [o for o in others if not kv or _excited(o.element, o.family, kv)]
    plans = []
    for s in symbols:
        line, note = chosen[s]
        f = float(detector_fwhm_kev(line.energy, fwhm_mn_ev))
        peak = (line.energy - PEAK_HALF_WIDTH * f, line.energy + PEAK_HALF_WIDTH * f)
        near = [
            o for o in named if o != line and abs(o.energy - line.energy) < f and o.element != s
        ]
        # 1-2 FWHM away, a neighbour's flank still lands in the peak window: vermilion with no
        # gold read Au L-alpha 1 858 per 1e5 counts from Hg L-alpha (1.5 FWHM away), unnoted
        beside = [
            o for o in named if f <= abs(o.energy - line.energy) < NEAR_FWHM * f and o.element != s
        ]
        # a line chosen by hand too (the Elemental maps panel's Line column): by its window,
        # sulfur-free lead white read S K-alpha +358 % of vermilion's S under a Mo tube, the
        # same line left to auto -52 % (/work/runs65/maps65/pick.py)
        rivals = _rivals(s, line, present, fit_groups, kv)
        if rivals:
            over = [
                o
                for x in rivals
                for o in element_lines(x)
                if abs(o.energy - line.energy) < NEAR_FWHM * f and o in named
            ]
            fit_note = f"{line.label} fitted together with " + " and ".join(rivals)
            fit_note += (
                f": {_neighbours(over, line, f)}" if over else " (lines in the fitted region)"
            )
            plans.append(MapPlan(s, line, peak, (), "fit", _join(note, fit_note)))
            continue
        bg = ()
        if background:
            sides = []
            for sign in (-1, 1):
                a = line.energy + sign * (PEAK_HALF_WIDTH + SIDE_GAP) * f
                b = a + sign * SIDE_WIDTH * f
                lo, hi = min(a, b), max(a, b)
                if lo < e_min or hi > e_max:
                    continue
                blocked = any(lo - 0.5 * f < o.energy < hi + 0.5 * f for o in others if o != line)
                sides.append(((lo, hi), blocked))
            clean = [w for w, blocked in sides if not blocked]
            bg = tuple(clean or [w for w, _ in sides])
            if not clean and sides:
                note = _join(note, "background windows touch other lines")
        if near or beside:
            flank = ": its flank adds to the peak window" if beside else ""
            note = _join(note, _neighbours(near + beside, line, f) + flank)
        plans.append(MapPlan(s, line, peak, bg, "window", note))
    return plans


def _rivals(symbol: str, line: Line, present, fit_groups: dict, kv: float | None) -> list[str]:
    """The FIT_GROUPS neighbours a map of `line` is fitted beside: those present whose line
    nearest it the tube of `kv` excites, or, where the kV is unknown, EXCITATION_KEV, at which
    the templates are then taken. Under a 30 kV tube, below Sb's K edge (30.49 keV), a Cd K-beta
    map beside Sb was fitted with an empty Sb template and fell back to its window, its note
    saying the channels were too coarse to fit it apart from Sb; with no kV (an M6 .rpl export)
    it raised "Cd Kβ cannot be fitted" and Make maps made none. None where the mapped line
    itself is not excited: it has no template to fit, and such a map (Sb K-alpha chosen under
    30 kV beside Cd, Hg L-beta under 12 kV beside As) fell back to its window saying the channels
    were too coarse, beside its note that the line cannot be excited."""
    at = kv or EXCITATION_KEV
    if not _excited(symbol, line.family, at):
        return []
    rivals = fit_groups.get((symbol, line.family), ((), 0.0))[0]
    nearest = {x: min(element_lines(x), key=lambda o: abs(o.energy - line.energy)) for x in rivals}
    return [x for x in rivals if x in present and _excited(x, nearest[x].family, at)]


def _join(a: str, b: str) -> str:
    return f"{a}; {b}" if a and b else a or b


def _neighbours(others: list[Line], line: Line, fwhm: float) -> str:
    """'overlaps A; beside B (1.6 FWHM)': lines under 1 FWHM from `line` overlap it, those 1-2
    FWHM away are beside it (the window and the fit notes say the same of the same line)."""
    dist = [(o, abs(o.energy - line.energy) / fwhm) for o in others]
    on = ", ".join(o.label for o, d in dist if d < 1)
    by = ", ".join(f"{o.label} ({d:.1f} FWHM)" for o, d in dist if d >= 1)
    return "; ".join(([f"overlaps {on}"] if on else []) + ([f"beside {by}"] if by else []))


# -- weights -----------------------------------------------------------------------------------
def _window_weights(edges: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Fraction of each channel inside [lo, hi] keV."""
    left, right = edges[:-1], edges[1:]
    overlap = np.clip(np.minimum(right, hi) - np.maximum(left, lo), 0.0, None)
    return overlap / (right - left)


def _family_transitions(line: Line) -> list[Line]:
    """The transitions of `line`'s family (K-alpha's KL3 and KL2, ...), each by its own energy
    and radiative rate."""
    from ..elements import transition_lines

    return [t for t in transition_lines(line.element) if t.family == line.family]


def _family_profile(
    line: Line, edges: np.ndarray, fwhm_mn_ev: float, doublets: bool = True, kv=None, anode=None
) -> np.ndarray:
    """A unit area of `line`'s family over the channels, what a window map is scaled to: each of
    its transitions a Gaussian, by its radiative rate where they all fill one vacancy (K-alpha's
    KL3 and KL2, L-alpha's, M-alpha's: shares no tube changes), else (L-beta, L-gamma: L1, L2
    and L3 shares) by its intensity at EXCITATION_KEV, as the fits' templates (line_template).
    One Gaussian made the doublets of heavy K-alpha lines read short where the detector nearly
    resolves them: Sn K-alpha1 and 2, 227 eV apart, read lead-tin yellow -28 % at 40-50 kV, Sb
    -32 %, Cd -18 %; one at the mean of Pb L-beta left out its L-beta4 and 3 (12.31, 12.79 keV,
    13 % of the family), which lie under its side windows: 0.79-0.81 of its counts
    (scripts/map_accuracy.py). `doublets` False: one Gaussian all the same (line_features).
    `kv`: the tube's, where known: the shares as it excites them (_all_transitions)."""
    from ..elements import LINE_FAMILIES

    parts = [(t.energy, t.weight) for t in _family_transitions(line)]
    if doublets and LINE_FAMILIES.get(line.family, ("L",))[0] == "L":
        trans = _transitions(line.element, 0.0, np.inf, kv, anode)
        parts = [(e, cs) for e, cs, fam, _ in trans if fam == line.family]
    if not doublets or not parts:
        parts = [(line.energy, 1.0)]
    out = np.zeros(len(edges) - 1)
    for e, w in parts:
        out += w * gaussian_channels(edges, e, float(detector_fwhm_kev(e, fwhm_mn_ev)))
    return out / sum(w for _, w in parts)


#: Where a note sends the user to map an element by another line: the Elemental maps panel's
#: Line column ("the Maps panel's", the notes said, where the panel is called Elemental maps);
#: quicklook, whose output shows the same notes, maps each element by its automatic line.
LINE_CHOICE = "the Elemental maps panel's Line column; quicklook has no choice of line"


def _window_column(
    plan: MapPlan, edges: np.ndarray, fwhm_mn_ev: float, doublets: bool = True, kv=None, anode=None
) -> np.ndarray:
    """A window map's column (peak window less the background its side windows read), scaled to
    a unit area of its line's family (_family_profile); `doublets` False: to one Gaussian at the
    family's mean energy, as line_features' models were trained. `kv`: the tube voltage, where
    known: the line shares as that tube excites them (_all_transitions)."""
    centres = 0.5 * (edges[:-1] + edges[1:])
    wp = _window_weights(edges, *plan.peak)
    col = wp.copy()
    n_p = wp.sum()
    if n_p <= 0:
        raise ValueError(
            f"the {plan.label} window {plan.peak[0]:.3f}-{plan.peak[1]:.3f} keV holds "
            "no channel of this cube"
        )
    e_p = (wp * centres).sum() / n_p
    sides = []
    for lo, hi in plan.background:
        ws = _window_weights(edges, lo, hi)
        if ws.sum() > 0:
            sides.append((ws, (ws * centres).sum() / ws.sum()))
    if len(sides) == 2 and sides[0][1] == sides[1][1]:
        # both side windows in one channel (a FWHM far below the channel width, as a file may
        # state): one window; interpolating between them divided by zero, a map of NaN, unsaid
        sides = [(sides[0][0] + sides[1][0], sides[0][1])]
    if len(sides) == 1:
        ws, _ = sides[0]
        col -= n_p * ws / ws.sum()
    elif len(sides) == 2:
        (wl, el), (wr, er) = sorted(sides, key=lambda t: t[1])
        t = (e_p - el) / (er - el)
        col -= n_p * ((1 - t) * wl / wl.sum() + t * wr / wr.sum())
    # Scale so that a pure line of area A maps to A (window loss and tail under the side windows),
    # with the element's own other lines that the windows take in (_own_lines)
    profile = _family_profile(plan.line, edges, fwhm_mn_ev, doublets, kv, anode)
    if doublets:
        profile = profile + _own_lines(plan, edges, fwhm_mn_ev, kv, anode)
    response = col @ profile
    if response <= 1e-3:
        width = float(np.median(np.diff(edges))) * 1000.0
        apart = sorted(t.energy for t in _family_transitions(plan.line))
        lo, hi = plan.peak
        if doublets and (hi - lo) * 1000.0 > width and not any(lo <= e <= hi for e in apart):
            # W K-alpha1 and 2, 1.34 keV apart: the window at their mean reads neither
            raise ValueError(
                f"the {plan.label} window {lo:.2f}-{hi:.2f} keV lies between its lines "
                f"({', '.join(f'{e:.2f}' for e in apart)} keV), which the detector resolves: "
                f"map {plan.symbol} by another of its lines ({LINE_CHOICE})"
            )
        if doublets and (hi - lo) * 1000.0 > width:
            # Cd, Sn L-gamma: L-gamma2,3 and L-beta lines as strong as L-gamma1 under the sides
            raise ValueError(
                f"the {plan.label} window {lo:.2f}-{hi:.2f} keV reads no more of {plan.symbol}'s "
                f"lines than its side windows do ({plan.symbol}'s other lines lie beside it): "
                f"map {plan.symbol} by another of its lines ({LINE_CHOICE})"
            )
        raise ValueError(
            f"the {plan.label} window is narrower than a channel of this cube (a detector FWHM "
            f"of {fwhm_mn_ev:g} eV at Mn K\u03b1 against channels of {width:.0f} eV). If that "
            "FWHM is wrong, give the detector's: the Elemental maps panel's FWHM box, the pigments "
            "command's --fwhm (quicklook has no such option: it uses the width read from the "
            "scan's peaks, else the file's, else the default)"
        )
    return col / response


def _own_lines(
    plan: MapPlan, edges: np.ndarray, fwhm_mn_ev: float, kv=None, anode=None
) -> np.ndarray:
    """The element's lines of other families under a window map's peak and side windows, per
    unit area of its mapped family (xraylib intensities at EXCITATION_KEV): they come with every
    count of it. Se L-beta1 lies 40 eV above Se L-alpha, inside its peak window: cadmium red's Se
    L-alpha read 1.39-1.55 of its counts (forward model, 125-165 eV, Cd escapes taken out), and
    As L-alpha 1.41-1.52. Zero where the family is not excited at EXCITATION_KEV (Cd K-alpha).
    Per unit of the whole family, as _family_profile: of Sn L-gamma, 4.13-4.38 keV, the windows'
    reach held L-gamma1 alone, and Sn's L-beta lines beside it were counted 2.5 times. `kv`:
    the tube's, where known (_all_transitions)."""
    lo = min([plan.peak[0], *(a for a, _ in plan.background)])
    hi = max([plan.peak[1], *(b for _, b in plan.background)])
    f = float(detector_fwhm_kev(plan.line.energy, fwhm_mn_ev))
    family = plan.line.family
    trans = _transitions(plan.symbol, 0.0, np.inf, kv, anode)
    ref = sum(cs for _, cs, fam, _ in trans if fam == family)
    out = np.zeros(len(edges) - 1)
    if ref <= 0:
        return out
    for e, cs, fam, _ in _transitions(plan.symbol, lo - f, hi + f, kv, anode):
        if fam != family:
            out += cs / ref * gaussian_channels(edges, e, float(detector_fwhm_kev(e, fwhm_mn_ev)))
    return out


def element_transitions(symbol: str, e_min: float, e_max: float) -> list[tuple[float, float, str]]:
    """(energy keV, relative intensity, family) of an element's transitions in [e_min, e_max]."""
    return [(e, cs, fam) for e, cs, fam, _ in _transitions(symbol, e_min, e_max)]


def _transitions(
    symbol: str, e_min: float, e_max: float, kv: float | None = None, anode: str | None = None
) -> list[tuple[float, float, str, str]]:
    """As element_transitions, with each transition's name (IUPAC, e.g. "L2M4") last; `kv`:
    the intensities under a tube of that voltage (_all_transitions)."""
    return [one for one in _all_transitions(symbol, kv, anode) if e_min <= one[0] <= e_max]


@cache
def _all_transitions(
    symbol: str, kv: float | None = None, anode: str | None = None
) -> tuple[tuple[float, float, str, str], ...]:
    """Every transition of _transitions at any energy, asked of xraylib once per element (a
    weight matrix asks several times per element: family profiles, own lines, escapes): its
    fluorescence cross section at EXCITATION_KEV, or, where the tube's `kv` is given (5 kV or
    more: the tube model's least), the line's counts from a thick layer of the element under
    that tube, of `anode` (_under_tube). The shares of an L-beta or L-gamma family's L1, L2 and
    L3 lines follow the tube: under 14-16 kV lead white's Pb L-beta map, scaled at 20 keV, read
    1.2 of its counts (L-beta1, an L2 line, not excited there), 1.11 under 20 kV; 0.98-1.00 so
    under 14-50 kV. The anode's own lines: the tube's, scattered (_scattered)."""
    import xraylib

    from ..elements import FAMILY_OF_TRANSITION, atomic_number

    z = atomic_number(symbol)
    scattered = _scattered(symbol, kv) if kv and symbol == anode else None
    thick = scattered or (_under_tube(symbol, kv, anode) if kv else None)
    out = []
    for t in LINE_NAMES:  # the forward model's transitions: maps count the lines spectra hold
        code = getattr(xraylib, f"{t}_LINE")
        try:
            e = xraylib.LineEnergy(z, code)
            if thick is None:
                cs = xraylib.CS_FluorLine_Kissel_Cascade(z, code, EXCITATION_KEV)
            else:
                cs = thick.get(t, 0.0)
        except ValueError:
            continue
        if cs > 0:
            out.append((float(e), float(cs), FAMILY_OF_TRANSITION.get(t, t[0]), t))
    return tuple(out)


def _scattered(anode: str, kv: float) -> dict[str, float] | None:
    """{transition: share} of the tube's own lines as they reach the sample (physics.spectrum's
    excitation_lines), where the tube model has `anode` at `kv`: a scan's anode lines are the
    tube's, scattered, in its shares (Mo L-beta1 / L-alpha 0.63 under 45 kV), not those of a
    thick layer of the element (0.46). Shaped as fluorescence, the Mo L lines took S K-alpha's
    counts, 14 eV away: under a Mo tube lead white read S -79 % of vermilion's counts, -52 % so
    (/work/runs64/maps64/s_tube.py)."""
    from ..physics.instrument import InstrumentProfile
    from ..physics.spectrum import excitation_lines
    from ..physics.tube import ANODES, KV_MAX, KV_MIN

    if anode not in ANODES or kv < KV_MIN:
        return None
    p = InstrumentProfile(kv=float(min(kv, KV_MAX)), anode=anode)
    names, _, photons = excitation_lines(p)
    return dict(zip(names, photons / photons.sum())) if names else None


def _under_tube(symbol: str, kv: float, anode: str | None) -> dict[str, float] | None:
    """{transition: counts per photon} from an infinitely thick layer of the element alone under a
    tube of `anode` (the scan's: _widths_and_tube; Rh where none the tube model has is known) at
    `kv` through air and a collimator (physics.layers.own_lines at the forward model's default
    angles, the excitation physics.spectrum.excitation's): what the paint's own absorption leaves of
    each line's share, the element's as it is the greater part of its pigment's. None below the tube
    model's range: the maps then take EXCITATION_KEV. Above it (a file's kV, up to 100:
    kv_from_metadata) the tube at KV_MAX: the shares move little above 40 kV (Ba L-gamma's L2N4
    0.68 of the family under 40 kV, 0.66 under 60, 0.53 at 20 keV), and those at 20 keV read
    blanc fixe's Ba L-gamma under a 60 kV tube as 1.20 of its counts, those at 60 kV 0.95. A
    thin layer's (the cross sections alone) weighed the photons just above the L3 edge, which
    the paint stops within microns, as much as all others: cadmium yellow's Cd L-alpha, read
    with its L-beta1 under a side window, read 0.88 of its counts so (165 eV), 0.92-0.94 so.
    Under a 15 kV W tube (its L edges 10.2-12.1 keV shape the beam near Hg's L edges)
    vermilion's Hg L-beta read 1.12 of its counts with a Rh tube's shares, 1.06 with W's."""
    from ..physics.tube import ANODES, KV_MAX, KV_MIN

    if kv < KV_MIN:
        return None
    return _thick_layer_lines(symbol, float(min(kv, KV_MAX)), anode if anode in ANODES else "Rh")


@cache
def _thick_layer_lines(symbol: str, kv: float, anode: str) -> dict[str, float]:
    """_under_tube's, made once per element and tube."""
    from ..physics.instrument import InstrumentProfile
    from ..physics.layers import Layer, lines_under, own_lines
    from ..physics.spectrum import excitation

    p = InstrumentProfile(kv=kv, anode=anode)
    photons = excitation(p)
    layer = Layer(symbol, ((symbol, 1.0),), 1.0, np.inf)  # thick: depth 1 / chi
    lines = lines_under(own_lines(layer, photons, p.incidence_deg, p.takeoff_deg), [], photons)
    return dict(zip(lines.lines, lines.intensities / photons.sum()))


def _subshell(transition: str) -> str:
    """The vacancy a transition fills: "K" for KL3, "L2" for L2M4, "M5" for M5N7."""
    return "K" if transition.startswith("K") else transition[:2]


def line_template(
    symbol: str,
    edges: np.ndarray,
    fwhm_mn_ev: float,
    region: tuple[float, float],
    reference_family: str | None = None,
    subshell: str | None = None,
    kv: float | None = None,
    anode: str | None = None,
) -> np.ndarray:
    """An element's spectrum shape over the channels (Gaussian per transition, xraylib intensities),
    scaled so that the reference family's transitions have unit area (else the whole template);
    `subshell` keeps only the transitions that fill that vacancy (e.g. "L3"). `kv`: the tube's,
    where known: the lines' shares as it excites them (_all_transitions)."""
    lo, hi = region
    trans = [
        (e, cs, fam)
        for e, cs, fam, t in _transitions(symbol, lo - 0.5, hi + 0.5, kv, anode)
        if subshell is None or _subshell(t) == subshell
    ]
    g = np.zeros(len(edges) - 1)
    ref = 0.0
    for e, cs, fam in trans:
        g += cs * gaussian_channels(edges, e, float(detector_fwhm_kev(e, fwhm_mn_ev)))
        if fam == reference_family:
            ref += cs
    norm = ref if reference_family is not None else sum(cs for _, cs, _ in trans)
    return g / norm if norm > 0 else g


def escape_template(
    symbol: str,
    edges: np.ndarray,
    fwhm_mn_ev: float,
    reference_family: str,
    shell: str | None = None,
    kv: float | None = None,
    anode: str | None = None,
) -> np.ndarray:
    """The detector's Si escape peaks of an element over the channels, per unit area of its
    `reference_family` peaks: each transition's escape at its energy less Si K-alpha, holding
    P_esc / (1 - P_esc) of its peak's counts (physics.detector's escape probability, as the
    forward model's response_matrix). Zero where no line above the Si K edge sends one here.
    `shell` ("K", "L", "M"): that shell's transitions only (_less_neighbours takes each shell's
    out by a map of a line of that shell: ESCAPE_SHELL_LINES). `kv`, `anode`: as line_template's."""
    from ..physics.detector import SI_K_EDGE, SI_KA, escape_probability

    trans = _transitions(symbol, float(edges[0]), float(edges[-1]) + SI_KA + 0.5, kv, anode)
    if shell is not None:
        trans = [x for x in trans if x[3].startswith(shell)]
    ref = sum(cs for _, cs, fam, _ in trans if fam == reference_family)
    g = np.zeros(len(edges) - 1)
    parents = [(e, cs) for e, cs, _, _ in trans if e > SI_K_EDGE and e - SI_KA > edges[0] - 0.5]
    if ref <= 0 or not parents:
        return g
    p = escape_probability([e for e, _ in parents])
    for (e, cs), pe in zip(parents, p):
        esc = e - SI_KA
        peak = gaussian_channels(edges, esc, float(detector_fwhm_kev(esc, fwhm_mn_ev)))
        g += cs * pe / (1.0 - pe) * peak
    return g / ref


def _shift_at(
    spectrum, edges, fwhm_mn_ev, symbol, family, present, kv=None, anode=None
) -> tuple[float, float] | None:
    """(shift, its standard error), eV, of `symbol`'s template at its `family` line in `spectrum`
    (counts): the template, its derivative in energy, the other present elements' templates and a
    linear background fitted over the line +- 1.5 FWHM; None where it cannot be read. `kv`: the
    tube's, where known (line_template)."""
    line = element_line(symbol, family)
    if line is None:
        return None
    f0 = float(detector_fwhm_kev(line.energy, fwhm_mn_ev))
    lo, hi = line.energy - 1.5 * f0, line.energy + 1.5 * f0
    centres = 0.5 * (edges[:-1] + edges[1:])
    region = (centres >= lo) & (centres <= hi)
    if lo < edges[0] or hi > edges[-1] or region.sum() < 8:
        return None
    h = 0.1 * f0  # the derivative by central difference: T(E - d) ~ T(E) + d * dT/dE
    near = (lo - f0, hi + f0)
    cols = [
        line_template(symbol, edges, fwhm_mn_ev, (lo, hi), kv=kv, anode=anode),
        line_template(symbol, edges - h, fwhm_mn_ev, (lo, hi), kv=kv, anode=anode)
        - line_template(symbol, edges + h, fwhm_mn_ev, (lo, hi), kv=kv, anode=anode),
    ]
    cols += [
        line_template(x, edges, fwhm_mn_ev, (lo, hi), kv=kv, anode=anode)
        for x in sorted(present - {symbol})
        if _transitions(x, *near, kv, anode)
    ]
    cols += [np.ones_like(centres), centres - line.energy]
    y = np.asarray(spectrum, dtype=np.float64)[region]
    a = np.stack(cols, axis=1)[region] / np.sqrt(np.maximum(y, 1.0))[:, None]
    coef, *_ = np.linalg.lstsq(a, y / np.sqrt(np.maximum(y, 1.0)), rcond=None)
    if not coef[0] > 0:
        return None
    scale = 2e3 * h / coef[0]
    return float(coef[1] * scale), float(np.sqrt(np.linalg.pinv(a.T @ a)[1, 1]) * abs(scale))


def line_shifts(
    spectrum, edges, fwhm_mn_ev: float, present, kv=None, anode=None
) -> dict[str, float]:
    """{element: shift in keV} for the present elements whose K-alpha and K-beta both sit away
    from their table energies in `spectrum` (a scan's sum, in counts), as SHIFT_MIN_EV says; the
    maps fit their templates there. L and M lines are not read (their subshell ratios follow the
    tube spectrum, which moves a blend's centre more than such shifts). `kv`: the tube's, where
    known: the templates' shares as it excites them (line_template)."""
    present = set(present)
    out = {}
    for x in sorted(present):
        ka, kb = (
            _shift_at(spectrum, edges, fwhm_mn_ev, x, f, present, kv, anode) for f in ("Ka", "Kb")
        )
        if ka is None or kb is None or max(ka[1], kb[1]) > SHIFT_PRECISION_EV:
            continue
        # both beyond SHIFT_MIN_EV and within it of each other: the same way
        if min(abs(ka[0]), abs(kb[0])) >= SHIFT_MIN_EV and abs(ka[0] - kb[0]) <= SHIFT_MIN_EV:
            out[x] = ka[0] / 1e3
    return out


def _fit_members(
    plan: MapPlan,
    edges: np.ndarray,
    fwhm_mn_ev: float,
    present: set[str],
    fit_groups: dict,
    strip: bool = True,
    kv: float | None = None,
    anode: str | None = None,
) -> tuple[list[str], float, float]:
    """(elements fitted, the mapped one first; region lo, hi in keV) of a fitted map; `strip`:
    with its STRIP_GROUPS neighbours and FIT_COMPANIONS not counted present (_fit_choice tells
    where they are). `kv`: the tube's, where known: the lines it excites (_transitions)."""
    e0 = plan.line.energy
    f0 = float(detector_fwhm_kev(e0, fwhm_mn_ev))
    rivals, reach = fit_groups[(plan.symbol, plan.line.family)]
    group = [plan.symbol] + _rivals(plan.symbol, plan.line, present, fit_groups, kv)
    energies = [e for x in group for e, *_ in _transitions(x, e0 - reach, e0 + reach, kv, anode)]
    if not energies:
        excited = f"by a {kv:g} kV tube" if kv else f"at {EXCITATION_KEV:.0f} keV"
        raise ValueError(
            f"no transition of {', '.join(group)} within {reach} keV of {plan.label} "
            f"({e0:.2f} keV) is excited {excited}: {plan.label} cannot be "
            "fitted; map another line of the element"
        )
    lo = max(min(energies) - 2 * f0, float(edges[0]))
    hi = min(max(energies) + 2 * f0, float(edges[-1]))
    # and its STRIP_GROUPS neighbours whether or not counted present, as its window would take
    # them out (_less_neighbours): chalk's Sr L template took 100 px of smalt's Si K-alpha (not
    # suggested: in its tile Si K-alpha makes no peak of its own on P's flank, over chalk as
    # over titanium white, and the tile pass wants two lines) and bone black's P read -23 % there
    # and a present rival's FIT_COMPANIONS among the rivals (vermilion's S beside its Hg)
    mates = [c for x in group[1:] for c in FIT_COMPANIONS.get(x, ()) if c in rivals]
    strip = (*STRIP_GROUPS.get((plan.symbol, plan.line.family), ()), *mates) if strip else ()
    members = group + sorted(
        x for x in (present | set(strip)) - set(group) if _transitions(x, lo, hi, kv, anode)
    )
    return members, lo, hi


class Inseparable(ValueError):
    """A fitted map whose templates are not independent on the cube's channels (_fit_column):
    plan_for_cube maps that element by its window instead (_windows_where_inseparable)."""

    def __init__(self, plan: MapPlan, neighbours: list[str], edges: np.ndarray):
        e = plan.line.energy
        i = int(np.clip(np.searchsorted(edges, e), 1, len(edges) - 1))
        self.plan, self.neighbours = plan, list(neighbours)
        self.channel_ev = float(edges[i] - edges[i - 1]) * 1000.0  # at the mapped line
        super().__init__(
            f"the cube's channels are too coarse to separate {plan.symbol} from "
            + ", ".join(self.neighbours)
        )


def _fit_column(
    plan: MapPlan,
    edges: np.ndarray,
    fwhm_mn_ev: float,
    present: set[str],
    background: bool,
    fit_groups: dict,
    shifts: dict[str, float] | None = None,
    kv: float | None = None,
    anode: str | None = None,
) -> np.ndarray:
    """Least-squares row giving the mapped line's area, the overlapping elements fitted alongside.

    The fitted region spans the group's lines within its reach of the mapped line (plus two FWHM);
    every present element with a line inside it gets its own template, so nearby peaks do not leak
    into the answer. `shifts` (keV, line_shifts): elements whose templates sit that far above
    their table energies. `kv`: the tube's, where known: the templates' line shares as it
    excites them (line_template).
    """
    return _fit_choice(plan, edges, fwhm_mn_ev, present, background, fit_groups, shifts, kv, anode)[
        0
    ]


#: A fitted map takes a STRIP_GROUPS neighbour not counted present (Si beside P) only where its
#: row's norm (the map's noise over a flat background) grows by at most this share with it: on
#: 130-140 eV channels Si made P's fit with Sr x 3.7-45 noisier (P +23 % on clean spectra), and on
#: 120-180 eV channels beside Hg or Pb and S it could not be fitted at all, P then mapped by its
#: window, its note saying the channels were too coarse to fit it apart from the neighbours it had
#: been fitted apart from; with a 190 eV detector beside Hg, +58 % (+3 % beside Sr, 10 eV channels)
STRIP_FIT_NOISE = 0.25


def _fit_choice(
    plan: MapPlan,
    edges: np.ndarray,
    fwhm_mn_ev: float,
    present: set[str],
    background: bool,
    fit_groups: dict,
    shifts: dict[str, float] | None = None,
    kv: float | None = None,
    anode: str | None = None,
) -> tuple[np.ndarray, list[str]]:
    """(_fit_column's row, the elements it fits): with the STRIP_GROUPS neighbours not counted
    present where the channels carry them at little cost (STRIP_FIT_NOISE), else without."""
    members, lo, hi = _fit_members(plan, edges, fwhm_mn_ev, present, fit_groups, kv=kv, anode=anode)

    def row(fitted: list[str]) -> np.ndarray:
        return _fit_row(
            plan, fitted, lo, hi, edges, fwhm_mn_ev, present, background, shifts, kv, anode
        )

    if all(x in present for x in members[1:]):
        return row(members), members
    bare = _fit_members(
        plan, edges, fwhm_mn_ev, present, fit_groups, strip=False, kv=kv, anode=anode
    )[0]
    base = row(bare)
    try:
        col = row(members)
    except Inseparable:
        return base, bare
    if np.linalg.norm(col) > (1.0 + STRIP_FIT_NOISE) * np.linalg.norm(base):
        return base, bare
    return col, members


def _fit_row(
    plan, members, lo, hi, edges, fwhm_mn_ev, present, background, shifts, kv=None, anode=None
) -> np.ndarray:
    """The least-squares row of _fit_column for these members over lo-hi keV."""
    shifts = shifts or {}
    centres = 0.5 * (edges[:-1] + edges[1:])
    region = (centres >= lo) & (centres <= hi)

    def template(x: str, **kw) -> np.ndarray:  # x's lines where line_shifts put them
        return line_template(
            x, edges - shifts.get(x, 0.0), fwhm_mn_ev, (lo, hi), kv=kv, anode=anode, **kw
        )

    templates = [template(plan.symbol, reference_family=plan.line.family)]
    key = (plan.symbol, plan.line.family)
    # one template per vacancy of these neighbours: how its L1, L2 and L3 lines share out
    # depends on the tube spectrum (edges 12-16 keV for Hg and Pb), not on xraylib's ratios
    # at EXCITATION_KEV (vermilion's L3 lines 30 % stronger against L2 than there)
    freed = set(members[1:]) if key in SUBSHELL_FITS else set()
    if anode in members:  # the tube's scattered lines fitted too (TUBE_SUBSHELLS)
        freed |= set(TUBE_SUBSHELLS.get(key, ()))
    for x in members[1:]:
        if x not in freed:
            templates.append(template(x))
            continue
        # a vacancy with no line inside the region (only a far line's flank) is left out:
        # it would only trade noise with the background terms
        for sh in sorted({_subshell(t) for _, _, _, t in _transitions(x, lo, hi, kv, anode)}):
            templates.append(template(x, subshell=sh))
    if anode in members and key in TUBE_COMPTON:
        compton = _tube_compton(anode, float(kv or TUBE_COMPTON_KV), edges, fwhm_mn_ev)
        if compton is not None and compton[region].any():
            templates.append(compton)
    if background:
        templates.append(np.ones_like(centres))
        templates.append((centres - 0.5 * (lo + hi)) / (hi - lo))
    g = np.stack(templates, axis=1)[region]  # (n_region, n_templates)
    if np.linalg.matrix_rank(g) < g.shape[1]:
        # named: the neighbours counted present (a STRIP_GROUPS member fitted though not counted
        # present made the note on 160 eV channels read "apart from Sr, Rh, Si" for a scan
        # without silicon), all where only such members remain
        named = [x for x in members[1:] if x in present]
        raise Inseparable(plan, named or members[1:], edges)
    col = np.zeros(len(centres))
    col[region] = np.linalg.pinv(g)[0]
    return col


def _tube_compton(anode: str, kv: float, edges: np.ndarray, fwhm_mn_ev: float) -> np.ndarray | None:
    """The Compton peaks of the tube's scattered lines (their shares: _scattered) over the
    channels, unit area: each line Doppler-broadened at TUBE_COMPTON_DEG as the forward model
    scatters it (physics.scatter.compton_kernel), then the detector's width. None where the tube
    model lacks the anode or the voltage. Worked out once per tube, voltage, axis and width
    (_tube_compton_kept): a Ni plan under a Cu tube asked for it twice, 8 ms CPU each on 4,096
    channels, and again at each Make maps."""
    e = np.ascontiguousarray(edges, dtype=np.float64)
    return _tube_compton_kept(anode, float(kv), e.tobytes(), float(fwhm_mn_ev))


@lru_cache(maxsize=16)
def _tube_compton_kept(anode: str, kv: float, edges_bytes: bytes, fwhm_mn_ev: float):
    """_tube_compton's template, read-only, for the channel edges given as float64 bytes."""
    from ..physics.scatter import compton_kernel
    from ..physics.xsec import FINE_E_MIN, FINE_STEP, N_FINE, fine_energy

    edges = np.frombuffer(edges_bytes)
    if not _scattered(anode, kv):
        return None
    fine = np.zeros(N_FINE)
    # the tube's lines in their scattered shares, as the maps' Rayleigh templates take them
    for energy, share, _, _ in _all_transitions(anode, kv, anode):
        i = int((energy - FINE_E_MIN) / FINE_STEP)
        if 0 <= i < N_FINE:
            fine[i] += share
    scattered = compton_kernel(TUBE_COMPTON_DEG).T @ fine
    e = fine_energy()
    keep = (scattered > 1e-6 * scattered.max()) & (e > edges[0] - 0.5) & (e < edges[-1] + 0.5)
    out = np.zeros(len(edges) - 1)
    for energy, a in zip(e[keep], scattered[keep]):
        out += a * gaussian_channels(
            edges, float(energy), float(detector_fwhm_kev(energy, fwhm_mn_ev))
        )
    if out.sum() <= 0:
        return None
    out /= out.sum()
    out.setflags(write=False)
    return out


def weight_matrix(
    plans: list[MapPlan],
    edges: np.ndarray,
    *,
    fwhm_mn_ev: float = DEFAULT_FWHM_MN_EV,
    present: Iterable[str] = (),
    background: bool = True,
    fit_groups: dict | None = None,
    shifts: dict[str, float] | None = None,
    escapes: bool = True,
    taken: dict[str, list[str]] | None = None,
    spectrum=None,
    kv: float | None = None,
    tiles=None,
    doublets: bool = True,
    anode: str | None = None,
) -> np.ndarray:
    """(channels, n_maps) float32: the maps of a spectrum block are `block @ W`; fit_groups as
    given to plan_maps; shifts (keV, line_shifts) move those elements' fitted templates.
    escapes: each map less what the other present elements' Si escape peaks add to it, and
    less the STRIP_GROUPS neighbours' lines (_less_neighbours, which fills `taken` with those
    taken out); line_features leaves them in, as its models were trained. `spectrum`: the scan's
    sum, where a neighbour counted present nowhere is taken out only if its map reads it
    (STRIP_ABSENT_SIGMA), or those of `tiles` (the survey's tile and group sums) read it
    (STRIP_ABSENT_SIGMA). kv: the tube voltage, where known: the other elements' maps that take
    their escape peaks and lines out are of the lines it excites (choose_lines), and window maps
    take their lines' shares as it excites them (_window_column). doublets: window maps
    scaled to their line family's transitions (_family_profile); line_features' to one
    Gaussian, as its models were trained."""
    fit_groups = FIT_GROUPS if fit_groups is None else fit_groups
    present = set(present) | {p.symbol for p in plans}
    cols = []
    for p in plans:
        if p.method == "fit":
            cols.append(
                _fit_column(
                    p, edges, fwhm_mn_ev, present, background, fit_groups, shifts, kv, anode
                )
            )
        else:
            cols.append(_window_column(p, edges, fwhm_mn_ev, doublets, kv, anode))
    if escapes:
        cols = _less_neighbours(
            plans,
            cols,
            edges,
            fwhm_mn_ev,
            present,
            background,
            fit_groups,
            shifts,
            taken,
            spectrum,
            kv,
            tiles,
            anode,
        )
    return np.stack(cols, axis=1).astype(np.float32)


#: An element's Si escape peaks are taken out per shell: those of its mapped line's shell by its
#: map, those of another shell by a map of that shell's line here. One template per element,
#: its lines' intensities at EXCITATION_KEV per count of the mapped line, had none of Cd, Sn or
#: Sb's L escapes where they are mapped by K-alpha (K edges 26.7-30.5 keV, not excited at 20
#: keV): cadmium red's Cd L-alpha escape (1.39 keV) read Se L-alpha 4.1 times its counts (165 eV,
#: 50 kV, forward model), lead-tin yellow II's Sn L-alpha escape (1.70) its Si K-alpha 1.28.
ESCAPE_SHELL_LINES = {"K": "Ka", "L": "La", "M": "Ma"}
#: An element's Si escape peaks (and STRIP_GROUPS lines) are taken out of a map whose response
#: to them, per count of that element's own mapped line, is at least this (0.01 % and more).
ESCAPE_MIN = 1e-4
#: A STRIP_GROUPS neighbour neither counted present nor mapped is taken out of a map only where
#: its map reads the scan's sum spectrum (plan_for_cube's) at more than this many standard
#: deviations (its counts' Poisson noise): a map of an element that is not there reads other
#: lines' flanks under its side windows. On PyMca's .mca Hg, not suggested, read -23,173 counts
#: (its upper side window on the As K-alpha / Pb L-alpha flank, 1,003 counts a channel against
#: 115 below) and Se K-alpha lost 501 of its 91,739 counts by it. Without a spectrum (element_maps)
#: the neighbour is taken out all the same. Its map is judged less the mapped element's own lines
#: (net_of in _less_neighbours): Si's read bone black's P flank, and 100 px of smalt among 1,500
#: of bone black read -9,708 counts; P's map read -30 % of P in the smalt (session 58). Or where
#: it reads one of the survey's tile or group sums (plan_for_cube's `tiles`) above
#: sqrt(STRIP_ABSENT_SIGMA**2 + 2 ln n) deviations, n the number of them (about 4.8 for 1,000:
#: the chance that noise alone passes in any of them stays about that of 3 deviations in one):
#: smalt's Si in 36 px of bone black among 4,096 (Ti-white ground, 165 eV, 2,000 counts a pixel)
#: read -21 %, P's map reading the patch in its tiles only, so P was not taken out of Si's map.
STRIP_ABSENT_SIGMA = 3.0


def _less_neighbours(
    plans: list[MapPlan],
    cols: list[np.ndarray],
    edges: np.ndarray,
    fwhm_mn_ev: float,
    present: set[str],
    background: bool,
    fit_groups: dict,
    shifts: dict[str, float] | None,
    taken: dict[str, list[str]] | None = None,
    spectrum=None,
    kv: float | None = None,
    tiles=None,
    anode: str | None = None,
) -> list[np.ndarray]:
    """The columns, each less the other present elements' Si escape peaks in it (and, for a
    STRIP_GROUPS line, the neighbours' lines): the map's response to them per count of that
    element's mapped line (escape_template, line_template) times the element's own map (its
    column here, or one made for its main line). Still one linear map per pixel. Fitting the
    escape peaks where they land instead would pit Ca K-alpha's (1.95 keV) against P K-alpha,
    60 eV away: chalk read P at 0.8-6 % of bone black's (fits and windows), now under 0.3 %.
    `taken`, where given, gets {mapped element: the STRIP_GROUPS neighbours whose lines were
    taken out of its map} (plan_for_cube's notes say so only there). `spectrum`: the scan's sum,
    which a neighbour not in `present` must show (STRIP_ABSENT_SIGMA), its map less what it reads
    of the mapped element's lines, to be taken out."""
    shifts = shifts or {}
    summed = None if spectrum is None else np.clip(np.asarray(spectrum, np.float64), 0.0, None)
    parts = None if tiles is None else np.asarray(tiles).reshape(-1, np.shape(tiles)[-1])
    counted: list[np.ndarray] = []  # `parts` as float64 counts, made once where asked

    def shows(area: np.ndarray) -> bool:
        """Whether `area`, a map, reads the scan's sum above its noise (or no sum is known)."""
        if summed is None or summed.shape != area.shape:
            return True
        return float(summed @ area) > STRIP_ABSENT_SIGMA * np.sqrt(float(summed @ area**2))

    def in_tiles(y: str, plan: MapPlan) -> bool:
        """Whether y's line, fitted beside every present element's lines near it (and the
        mapped element's), reads one of `tiles` above its noise by a margin for their number
        (STRIP_ABSENT_SIGMA). A fit, not y's map: the painted test scan's verdigris (Cu K-beta,
        8.91 keV, 1.6 FWHM above Zn K-alpha) read Zn in its tiles by the window."""
        if parts is None or not len(parts) or parts.shape[1] != len(edges) - 1:
            return False
        row = _line_fit_row(plan, edges, fwhm_mn_ev, present | set(own), shifts, kv, anode)
        if row is None:
            return False
        if not counted:
            counted.append(_counts64(parts, parts.shape[1]))
        return _reads_above_noise(counted[0], row)

    e_range = (float(edges[0]), float(edges[-1]))
    own = {p.symbol: (p, c) for p, c in zip(plans, cols)}
    # each by the line the tube excites (kv): cadmium red's Cd L-alpha escape (1.39 keV) on Se
    # L-alpha, taken out per count of Cd's K-alpha map under a 12 kV tube, read Se +235 %
    kw = {"fwhm_mn_ev": fwhm_mn_ev, "present": present, "background": background, "kv": kv}

    def plan_of(y: str) -> MapPlan | None:
        if y in own:
            return own[y][0]
        try:
            return plan_maps([y], e_range, fit_groups=fit_groups, **kw)[0]
        except ValueError:  # no line of it on this axis
            return None

    made: dict[str, np.ndarray | None] = {}  # each neighbour's column, made once per call

    def column_of(y: str, plan: MapPlan) -> np.ndarray | None:
        if y in own:
            return own[y][1]
        if y not in made:
            made[y] = neighbour_column(y, plan)
        return made[y]

    def neighbour_column(y: str, plan: MapPlan) -> np.ndarray | None:
        try:
            if plan.method == "fit":
                try:
                    return _fit_column(
                        plan, edges, fwhm_mn_ev, present, background, fit_groups, shifts, kv, anode
                    )
                except Inseparable:  # as plan_for_cube would: by its window
                    key = (y, plan.line.family)
                    groups = {k: v for k, v in fit_groups.items() if k != key}
                    plan = plan_maps([y], e_range, fit_groups=groups, **kw)[0]
            return _window_column(plan, edges, fwhm_mn_ev, kv=kv, anode=anode)
        except ValueError:  # its window narrower than a channel: no map to take it from
            return None

    plan_y = {y: plan_of(y) for y in sorted(present)}
    plan_y = {y: p for y, p in plan_y.items() if p is not None}

    def escape_parts(y: str, plan: MapPlan) -> list[tuple[np.ndarray, str]]:
        """(escape template, family of the map it is taken out by) per shell of y's lines: the
        mapped line's shell by y's map, each other shell by a map of its main line
        (ESCAPE_SHELL_LINES)."""
        mine = plan.line.family[0]
        fams = [plan.line.family] + [f for k, f in ESCAPE_SHELL_LINES.items() if k != mine]
        shifted = edges - shifts.get(y, 0.0)
        return [(escape_template(y, shifted, fwhm_mn_ev, f, f[0], kv, anode), f) for f in fams]

    escapes = {y: escape_parts(y, p) for y, p in plan_y.items()}
    shell_made: dict[tuple[str, str], np.ndarray | None] = {}  # (y, family): its map's column

    def shell_column(y: str, family: str) -> np.ndarray | None:
        """y's map by its `family` line (fitted where FIT_GROUPS fits that line beside a
        present element: plan_maps), made once; None off the axis."""
        if (y, family) not in shell_made:
            try:
                plan = plan_maps([y], e_range, fit_groups=fit_groups, lines={y: family}, **kw)[0]
            except ValueError:  # no such line on this axis
                shell_made[(y, family)] = None
                return None
            shell_made[(y, family)] = neighbour_column(y, plan)
        return shell_made[(y, family)]

    def less_escapes(x: str, col: np.ndarray) -> np.ndarray:
        """x's column less the other present elements' escape peaks in it, each by its own
        column as made (not itself corrected: the corrections are a percent of a percent)."""
        fixed = col.astype(np.float64, copy=True)
        for y, plan in plan_y.items():
            for template, family in escapes[y] if y != x else ():
                if abs(c := float(col @ template)) >= ESCAPE_MIN:
                    if family == plan.line.family:
                        area = column_of(y, plan)
                    else:
                        area = shell_column(y, family)
                    if area is not None:
                        fixed -= c * area
        return fixed

    corrected: dict[str, np.ndarray | None] = {}  # a stripped neighbour's escape-free column

    def corrected_of(y: str, plan: MapPlan) -> np.ndarray | None:
        if y not in corrected:
            area = column_of(y, plan)
            corrected[y] = None if area is None else less_escapes(y, area)
        return corrected[y]

    def own_template(x: str, family: str) -> np.ndarray:
        return line_template(
            x, edges - shifts.get(x, 0.0), fwhm_mn_ev, e_range, family, kv=kv, anode=anode
        )

    def net_of(area: np.ndarray, base: np.ndarray, mine: np.ndarray) -> np.ndarray:
        """`area` (a neighbour's map) less what it reads of the mapped element's lines (`mine`),
        taken out by the mapped element's own map `base`: what shows() judges. Bone black's P
        flank under Si's upper side window made Si's map of a scan read -9,708 counts (100 px of
        smalt among 1,500 of bone black, Si +2,000 in truth), so Si was not taken out of P's map
        and P read -30 % in the smalt."""
        a = float(base @ mine)
        return area - (float(area @ mine) / a) * base if abs(a) > 0.5 else area

    out = []
    for p, col in zip(plans, cols):
        fixed = less_escapes(p.symbol, col)
        base = fixed.copy()  # this element's map before any neighbour is taken out
        strip = STRIP_GROUPS.get((p.symbol, p.line.family), ()) if p.method == "window" else ()
        mine = None  # this element's own template, for what the neighbours' maps read of it
        lost = 0.0  # per count of its line, what taking the neighbours out takes of it
        for y in strip:
            # whether or not y is counted present: its lines under this map's side windows read
            # as a negative amount of this element where the user left it out (with Si not
            # present, P's window keeps only its lower side window, on Si K-alpha: pure Si read
            # P -40 % of its counts at 165 eV). Not where y's map does not read it in the scan's
            # sum: a map of an absent y reads other lines' flanks under its side windows (PyMca's
            # Hg, -23,173 counts, took 501 of Se's 91,739), STRIP_ABSENT_SIGMA
            if y == p.symbol or (plan := plan_y.get(y) or plan_of(y)) is None:
                continue
            # by the neighbour's map with its own escape corrections: its column as made reads
            # other elements' escape peaks (chalk's P, Ca K-alpha's escape under its window,
            # taken into Si's map through P's strip, read chalk's Si 1.9 times its truth)
            g = own_template(y, plan.line.family)
            c = float(col @ g)
            if mine is None:
                mine = own_template(p.symbol, p.line.family)
            if (
                abs(c) >= ESCAPE_MIN
                and (area := corrected_of(y, plan)) is not None
                and (y in present or shows(net_of(area, base, mine)) or in_tiles(y, plan))
            ):
                # a pair taking each other out (Si and P's windows): y's map reads `own_y` per
                # count of its line (Si's window about 1.02), so c / own_y of it leaves none of
                # y here and the pair is solved exactly (by c, P's map read pure Si +1.4 % at
                # 230 eV). One way (Pb L-beta less Se) by c as before: by c / own_y cadmium red
                # read Pb -0.84 % of lead white's at 140 eV, -0.57 % by c
                pair = plan.method == "window" and p.symbol in STRIP_GROUPS.get(
                    (y, plan.line.family), ()
                )
                own_y = float(area @ g) if pair else 1.0
                k = c / own_y if own_y > 0.5 else c
                fixed -= k * area
                lost += k * float(area @ mine)
                if taken is not None:
                    taken.setdefault(p.symbol, []).append(y)
        # the neighbours' maps read this element's own lines too (P's window, its side windows
        # on Si K-alpha, reads pure Si as -63 % P on a 230 eV detector), so taking them out took
        # `lost` of each of its counts: given back. Pure Si read 109.6 % of its counts as Si with
        # P present and mapped by its window, 101.9 % without P; 102.3 % so
        if lost != 0.0 and (a := float(col @ mine)) != 0.0 and abs(1.0 - lost / a) > 0.5:
            fixed /= 1.0 - lost / a
        out.append(fixed)
    return out


def _line_fit_row(
    plan: MapPlan, edges, fwhm_mn_ev: float, present: set[str], shifts, kv=None, anode=None
) -> np.ndarray | None:
    """The least-squares row reading `plan`'s line (of an element not counted present) fitted
    beside every one of `present` with a line near it, over two FWHM either side and a linear
    background: what the scan's sum and tiles are judged by (_reads_above_noise). None where the
    channels cannot tell it from them (Inseparable)."""
    y = plan.symbol
    f = float(detector_fwhm_kev(plan.line.energy, fwhm_mn_ev))
    lo, hi = plan.line.energy - 2.0 * f, plan.line.energy + 2.0 * f
    near = [
        x
        for x in sorted(present)
        if x != y and any(lo - f <= ln.energy <= hi + f for ln in element_lines(x))
    ]
    try:
        return _fit_row(
            plan, [y, *near], lo, hi, edges, fwhm_mn_ev, present, True, shifts, kv, anode
        )
    except Inseparable:
        return None


def _counts64(a, n: int) -> np.ndarray:
    """`a` (a spectrum or the survey's tiles) as (rows, `n` channels) float64 counts clipped at 0,
    what _reads_above_noise reads: one copy, clipped in place (astype then np.clip held two, a
    71 MB peak for the tiles of a 4,096-channel scan)."""
    out = np.array(a, dtype=np.float64).reshape(-1, n)
    return np.clip(out, 0.0, None, out=out)


def _reads_above_noise(parts: np.ndarray, row: np.ndarray) -> bool:
    """Whether `row` reads one of `parts` ((n, channels) float64 counts, clipped at 0) above its
    Poisson noise by sqrt(STRIP_ABSENT_SIGMA**2 + 2 ln n) deviations: STRIP_ABSENT_SIGMA for one
    (the scan's sum), about 4.8 for 1,000 (the survey's tiles and groups)."""
    with one_thread():
        read = parts @ np.stack([row, row**2], axis=1)
    z = read[:, 0] / np.sqrt(np.maximum(read[:, 1], 1e-30))
    return float(z.max()) > np.sqrt(STRIP_ABSENT_SIGMA**2 + 2.0 * np.log(len(parts)))


#: A detector FWHM read from a scan's own peaks where neither the user nor the file gives one
#: (fwhm_from_spectrum): peaks on K-alpha lines of 1.5 keV to FWHM_KA_MAX_KEV, at least this many.
FWHM_PEAKS = 2
#: The highest K-alpha line whose peak is read (keV): Se and Sr (chalk's) K-alpha stand where
#: cadmium's L lines crowd every lighter one. Their K-alpha1 and 2 lie 40-70 eV apart, a spread
#: taken off the widths of peaks above FWHM_KA_PLAIN_KEV (_ka_doublet_variance).
FWHM_KA_MAX_KEV = 15.0
#: A K-alpha peak above FWHM_KA_PLAIN_KEV (keV) is read only where its top channel holds this
#: many counts: chalk's Sr K-alpha at 1e6 counts (about 530 at its top) read realgar's 125 eV
#: detector as 112-136 eV with Ca K-alpha; from 1e8 counts (53,000) within 3 %.
FWHM_KA_PLAIN_KEV = 10.0
FWHM_HIGH_MIN_COUNTS = 3000.0
#: A peak narrower than this many channels (autocal's point-sampled fit, which swings with where
#: the line falls in its channel) is read as a Gaussian integrated over its channels' edges
#: (_channel_gauss_fit); wider ones as before, to the bit (the real scans' 5-10 eV channels), the
#: fit 3-4x slower (APS scan 52 -> 188 ms where every peak was fitted).
FWHM_FIT_CH = 3.0
#: A peak narrower than this many channels (autocal's point-sampled fit) is read over +-2
#: channels with a flat background (_channel_gauss_fit), not +-3 with a sloped one: on 160 eV
#: channels +-3 reach the K-beta peak (Fe K-beta 3.6 channels off K-alpha).
FWHM_COARSE_CH = 1.5
#: (FWHM / sigma)^2 / 12: what a channel of width w adds to a Gaussian's squared FWHM (its
#: variance w^2 / 12, a uniform spread within the channel), taken off the peaks' measured widths.
BINNING_VARIANCE = 2.3548**2 / 12.0
#: Of the peaks' widths (at Mn K-alpha), those within this fraction of their median count; fewer
#: than FWHM_PEAKS of them: no width read.
FWHM_AGREE = 0.2
#: A K-alpha peak is not read where another element's lines, as strong as that element's own
#: main line in the spectrum makes them (xraylib's intensities), reach into its fitted window at
#: more than this fraction of its height (_crowded): cadmium yellow over chalk's Ca K-alpha under
#: Cd L-gamma1 and its Cd L-beta1 (where K K-alpha lies) fit narrow on the L lines' flanks and
#: read a 165 eV detector as 129 eV.
FWHM_CROWDED = 0.2


#: fwhm_from_spectrum's last answers, by a digest of the spectrum and the axis: Make maps asked
#: again on every run (40-110 ms of peak fits on two busy cores), and the Elemental maps dock's
#: FWHM box names the width read, the survey having worked it out (widgets._common._suggested).
_FWHM_READ: dict[bytes, float | None] = {}
#: Answers kept (about 100 bytes each): one a scan surveyed in a session, and more. The dock asks
#: in the GUI thread as a scan is shown again; with 8 kept, the first of nine scans surveyed was
#: read anew there (30-45 ms of peak fits on the real APS scan, up to 110 on two busy cores).
_FWHM_READ_KEPT = 1024
_FWHM_READ_LOCK = threading.Lock()


def fwhm_from_spectrum(spectrum, edges: np.ndarray) -> float | None:
    """_read_fwhm's answer for this spectrum and axis, worked out once (_FWHM_READ)."""
    import hashlib

    y = np.ascontiguousarray(spectrum, dtype=np.float64)
    e = np.ascontiguousarray(edges, dtype=np.float64)
    digest = hashlib.blake2b(digest_size=16)
    for part in (str(y.shape).encode(), y.tobytes(), e.tobytes()):
        digest.update(part)
    key = digest.digest()
    with _FWHM_READ_LOCK:  # the survey's worker and Make maps' may ask at once
        if key in _FWHM_READ:
            return _FWHM_READ[key]
    read = _read_fwhm(y, e)
    with _FWHM_READ_LOCK:
        while len(_FWHM_READ) >= _FWHM_READ_KEPT:
            del _FWHM_READ[next(iter(_FWHM_READ))]
        _FWHM_READ[key] = read
    return read


def _read_fwhm(spectrum, edges: np.ndarray) -> float | None:
    """The detector's FWHM at Mn K-alpha (eV) as a spectrum's own K-alpha peaks show it: the
    median of their widths (autocal's peak finder, a Gaussian fitted to each) carried to Mn
    K-alpha by detector_fwhm_kev's law, less the channels' own spread (BINNING_VARIANCE); None
    where fewer than FWHM_PEAKS sit within a third of their width of a K-alpha line, or agree
    within FWHM_AGREE of their median; peaks other elements' lines crowd (_crowded) are left out.
    Peaks above FWHM_KA_PLAIN_KEV are read from FWHM_HIGH_MIN_COUNTS in their top channel, less
    their K-alpha1/K-alpha2 spread (_ka_doublet_variance). The summed spectrum of a real APS
    scan (its file gives no width) reads 197 eV, PyMca's .mca 145.5, a
    Bruker M6 .spx 140 (its file: 141.8); forward-model paints over chalk at 125-230 eV read
    within 5 % at 1e6 and 1e8 counts where two or more K-alpha peaks stand (cerulean blue on a
    125 eV detector 131: its Ca K-alpha under Sn L-beta1). Where cadmium's L lines crowd Ca and
    K K-alpha, Se and chalk's Sr K-alpha give the reading at 1e8 counts (cadmium paints within
    3 %), none at 1e6 (the default). Peaks narrower than FWHM_FIT_CH channels are fitted to their
    channels' edges instead (_channel_gauss_fit): ten paints over chalk on 160 eV channels read a
    130 eV detector +2.0 % (-5.0 % before), with 2 % pile-up +0.8 % (-9.9 %); over eight
    placements of the channels' edges mean |error| 9.0 -> 5.2 % (worst 21 -> 10 %), a 165 eV
    detector 4.5 -> 1.9 %."""
    from ..detector import FANO_TERM, FWHM_MAX_EV, FWHM_MIN_EV, MN_KA_KEV
    from ..elements import PAINTING_ELEMENTS, element_lines
    from .autocal import find_spectrum_peaks, fwhm_bounds

    y = np.asarray(spectrum, dtype=np.float64)
    if y.ndim != 1 or y.size != len(edges) - 1 or not np.isfinite(y).all():
        return None
    lines = [ln for s in (*PAINTING_ELEMENTS, "Ar") for ln in element_lines(s)]
    # not those under a painting element's L-alpha or M-alpha (S under Pb M-alpha, Ti under Ba
    # L-alpha): lead white and vermilion's S + Pb M blend read 273 eV on a 190 eV detector
    ka = [
        ln
        for ln in lines
        if ln.family == "Ka"
        and 1.5 <= ln.energy <= FWHM_KA_MAX_KEV
        and not any(
            o.family in ("La", "Ma")
            and abs(o.energy - ln.energy) < 0.5 * detector_fwhm_kev(ln.energy)
            for o in lines
        )
    ]
    at = np.array([ln.energy for ln in ka])
    peaks = []  # (energy, FWHM, height) of each peak, keV and counts
    for p in find_spectrum_peaks(y):
        i = int(np.clip(np.floor(p.channel + 0.5), 0, y.size - 1))
        gain = float(edges[i + 1] - edges[i])
        e = float(edges[i]) + (p.channel - i + 0.5) * gain
        # the line's own width: a Gaussian counted in channels of width `gain` spreads by
        # gain^2 / 12 in variance (a 130 eV detector's peaks on 120 eV channels read 152 eV)
        f = np.sqrt(max((p.fwhm_ch * gain) ** 2 - BINNING_VARIANCE * gain**2, 0.0))
        # on channels near the peak's width, its width as fitted to the channels' edges
        got = (
            _channel_gauss_fit(y, edges, p.channel, p.fwhm_ch) if p.fwhm_ch < FWHM_FIT_CH else None
        )
        if got is not None:
            e, f = got
        peaks.append((e, f, float(y[i])))
    found = []  # (element, energy, FWHM, height, FWHM at Mn K-alpha) of the K-alpha peaks
    for e, f, height in peaks:
        near = np.abs(at - e)
        if near.min() > f / 3.0:
            continue
        lo, hi = fwhm_bounds(e)
        s = ka[int(near.argmin())].element
        if e > FWHM_KA_PLAIN_KEV:
            if height < FWHM_HIGH_MIN_COUNTS:
                continue
            # the detector's width: K-alpha1 and K-alpha2 apart spread the peak by their
            # variance (Se 40 eV apart: 207 eV read for its 200 at Se K-alpha, Sr 67 eV: 232
            # for 218). Below, under 25 eV apart, it is left in: taken off there too, a 130 eV
            # detector on 120 eV channels read 126 instead of 128 (Zn and Cu K-alpha 2.6 lower)
            f = np.sqrt(max(f**2 - 2.3548**2 * _ka_doublet_variance(s), 0.0))
        if lo < f < hi:
            mn = np.sqrt(max(f**2 + FANO_TERM * (MN_KA_KEV - e), 0.0))
            found.append((s, e, f, height, mn))
    # not those crowded by other elements' lines, whose reach is weighed with the peaks' median
    # width where a peak reads narrower (a crowded one fits narrow: Ca K-alpha among Cd L lines
    # 85 eV wide on a 140 eV detector, its lines' own 118)
    typical = float(np.median([w[4] for w in found])) if found else 0.0
    widths = [
        mn * 1e3
        for s, e, f, height, mn in found
        if not _crowded(
            s, e, max(f, np.sqrt(max(typical**2 - FANO_TERM * (MN_KA_KEV - e), 0.0))), height, peaks
        )
    ]
    # peaks that disagree are blends, not the detector's width (Ca K-alpha with K K-beta and Ca
    # K-beta on 160 eV channels read 241 eV, Fe K-alpha 117, on a 130 eV detector)
    if len(widths) < FWHM_PEAKS:
        return None
    widths = np.asarray(widths)
    agree = widths[np.abs(widths / np.median(widths) - 1.0) <= FWHM_AGREE]
    if agree.size < FWHM_PEAKS:
        return None
    fwhm = float(np.median(agree))
    return fwhm if FWHM_MIN_EV <= fwhm <= FWHM_MAX_EV else None


def _channel_gauss_fit(y: np.ndarray, edges: np.ndarray, channel: float, fwhm_ch: float):
    """(centre, FWHM) in keV of the peak near `channel` (autocal's peak finder, `fwhm_ch` its
    point-sampled width in channels): a Gaussian integrated over each channel's edges (normal CDF
    differences) plus a background, least squares over +-max(3, fwhm_ch) channels with a sloped
    background, +-2 with a flat one below FWHM_COARSE_CH; None where the fit fails or runs to its
    bounds. A Gaussian sampled at the channels' centres, less their w^2 / 12 (BINNING_VARIANCE),
    swings with where the line falls in its channel once a channel is as wide as the peak (0 to
    1.7x the width on 160 eV channels): a 130 eV detector's forward-model paints over chalk on
    160 eV channels read 123.5 eV so, 132.6 fitted so (_read_fwhm)."""
    import warnings

    from scipy.optimize import least_squares
    from scipy.special import ndtr

    coarse = float(fwhm_ch) < FWHM_COARSE_CH
    half = 2 if coarse else int(max(3, round(float(fwhm_ch))))
    c = int(round(channel))
    lo, hi = c - half, c + half + 1
    if lo < 0 or hi > y.size or not (np.diff(edges[lo : hi + 1]) > 0).all():
        return None
    seg = y[lo:hi]
    left, right = edges[lo:hi], edges[lo + 1 : hi + 1]
    mid = 0.5 * (left + right) - 0.5 * (edges[c] + edges[c + 1])
    gain = float(edges[c + 1] - edges[c])
    w = 1.0 / np.sqrt(np.maximum(seg, 1.0))

    def resid(q):
        peak = q[0] * (ndtr((right - q[1]) / q[2]) - ndtr((left - q[1]) / q[2]))
        return (peak + q[3] + (0.0 if coarse else q[4] * mid) - seg) * w

    base = float(min(seg[0], seg[-1]))
    mu0 = float(edges[c]) + (channel - c + 0.5) * gain
    span = half * gain
    lo_b = [0.0, mu0 - span, 0.02 * gain, -np.inf, -np.inf]
    hi_b = [np.inf, mu0 + span, 4.0 * max(float(fwhm_ch), 1.0) * gain, np.inf, np.inf]
    sig0 = np.sqrt(max(float(fwhm_ch) ** 2 - BINNING_VARIANCE, 0.25)) * gain / 2.3548
    q0 = [max(float(seg.sum()) - base * seg.size, 1.0), mu0, sig0, base, 0.0]
    q0[2] = float(np.clip(q0[2], 1.01 * lo_b[2], 0.99 * hi_b[2]))
    n = 4 if coarse else 5
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            got = least_squares(
                resid, q0[:n], bounds=(lo_b[:n], hi_b[:n]), x_scale="jac", max_nfev=200
            )
    except (ValueError, np.linalg.LinAlgError):
        return None
    a, mu, sig = (float(v) for v in got.x[:3])
    if not got.success or a <= 0.0 or not (1.05 * lo_b[2] < sig < 0.95 * hi_b[2]):
        return None
    return mu, 2.3548 * sig


@cache
def _ka_doublet_variance(symbol: str) -> float:
    """The variance (keV^2) of an element's K-alpha1 and K-alpha2 lines about their mean, weighed
    by their intensities (element_transitions' KL2 and KL3)."""
    pair = [(e, cs) for e, cs, _, t in _transitions(symbol, 0.0, 100.0) if t in ("KL2", "KL3")]
    if len(pair) < 2:
        return 0.0
    e, w = np.array(pair).T
    mean = float((e * w).sum() / w.sum())
    return float((w * (e - mean) ** 2).sum() / w.sum())


@cache
def _shell_lines(symbol: str) -> tuple[tuple[float, float, str], ...]:
    """(energy, intensity over its shell's main line's, that main line's family) of each of the
    element's lines (element_transitions: the forward model's), the main lines K-alpha, L-alpha,
    M-alpha: Cd L-beta1 47 % of L-alpha, L-gamma1 5 %."""
    lines = element_transitions(symbol, 0.0, 100.0)
    out = []
    for shell in "KLM":
        main = sum(cs for _, cs, f in lines if f == f"{shell}a")
        if main > 0:
            out += [(e, cs / main, f"{shell}a") for e, cs, f in lines if f[0] == shell]
    return tuple(out)


@cache
def _main_lines() -> dict[str, tuple[dict[str, float], np.ndarray]]:
    """Each painting element's (and Ar's) main lines by family (K-alpha, L-alpha, M-alpha: keV),
    with the other elements' main lines (_crowded)."""
    from ..elements import PAINTING_ELEMENTS, lines_by_family

    mains = {
        s: {f: ln.energy for f, ln in lines_by_family(s).items() if f in ("Ka", "La", "Ma")}
        for s in (*PAINTING_ELEMENTS, "Ar")
    }
    return {
        s: (own, np.array([e for o in mains if o != s for e in mains[o].values()]))
        for s, own in mains.items()
    }


def _crowded(symbol: str, energy: float, fwhm: float, height: float, peaks) -> bool:
    """Whether the K-alpha peak of `symbol` at `energy` (keV, its fitted `fwhm`, `height` counts)
    has other elements' lines in or beside its fitted window (+-fwhm) at more than FWHM_CROWDED
    of its height: each line of a painting element (or Ar) whose main line of that shell (K-alpha,
    L-alpha, M-alpha) stands among `peaks` ((energy, FWHM, height)), that peak nearer it than any
    other element's main line, as high as that peak times the line's intensity over the main
    line's (_shell_lines), one beyond the window by its flank's height at the window's edge.
    Cadmium yellow over chalk's Ca K-alpha (under Cd L-gamma1, 1.8 of its width from L-beta2)
    read 127 eV at Mn K-alpha on a 165 eV detector, its Cd L-beta1 (on K K-alpha) 130; the real
    M6 scan's K K-alpha beside Ar K-beta (15 % of its height, one width off) reads right."""
    at = np.array([p[0] for p in peaks])
    near = 0.0
    for other, (mains, rest) in _main_lines().items():
        if other == symbol:
            continue
        for e, ratio, family in _shell_lines(other):
            d = abs(e - energy)
            main = mains.get(family)
            if main is None or d >= 2.5 * fwhm:  # a line this far off spreads not into the window
                continue
            j = int(np.abs(at - main).argmin())
            off = abs(at[j] - main)
            if off > peaks[j][1] / 3.0 or np.abs(rest - at[j]).min() < off:
                continue  # its main line stands as no peak, or that peak is another's: not there
            # one under the peak's centre barely widens it (Cr K-beta where Mn K-alpha lies is
            # as good a line), one beyond the window by its flank's height at the window's edge
            edge = max(d - fwhm, 0.0) / fwhm
            weight = min(1.0, (2.0 * d / fwhm) ** 2) * np.exp(-4.0 * np.log(2.0) * edge**2)
            near += peaks[j][2] * ratio * weight
    return near > FWHM_CROWDED * height


def scan_fwhm_mn_ev(cube, spectrum) -> float | None:
    """The detector FWHM at Mn K-alpha (eV) that plan_for_cube reads from `spectrum`, the cube's
    sum spectrum, where the user gives none: fwhm_from_spectrum's, None where the cube's file
    gives a width, the cube has no calibration or no spectrum, or too few peaks stand (then the
    file's width or the default is used). The Elemental maps dock's FWHM box names it."""
    if (
        spectrum is None
        or cube.calibration.source == "none"
        or fwhm_from_metadata(cube.metadata) is not None
    ):
        return None
    return fwhm_from_spectrum(spectrum, cube.calibration.edges(cube.n_channels))


# -- maps --------------------------------------------------------------------------------------
def _check_calibrated(cube) -> None:
    """A cube without an energy calibration refused in the docks' and the pigment fit's words
    (energy.uncalibrated_refusal), naming its file (else the scan)."""
    from ..energy import uncalibrated_refusal
    from ..fileutil import printable

    why = uncalibrated_refusal(cube, printable(cube.path) if cube.path else None)
    if why:
        raise ValueError(why)


@cache
def family_edge(symbol: str, family: str) -> tuple[float, str] | None:
    """(keV, shell) of the lowest absorption edge whose vacancy gives any of the element's
    `family` lines (L3 for L-alpha, K for K-alpha): a beam below it excites none of them.
    The transitions by their radiative rates, not _transitions' cross sections at
    EXCITATION_KEV (20 keV), which are zero for a K edge above it: Cd, Ag, Sn and Sb K-alpha had
    no edge, and a Cd K-alpha map under a 25 kV tube (edge 26.71 keV) was not said unexcited."""
    import xraylib

    from ..elements import FAMILY_OF_TRANSITION, atomic_number

    z = atomic_number(symbol)

    def emitted(t: str) -> bool:
        try:
            code = getattr(xraylib, f"{t}_LINE")
            return xraylib.LineEnergy(z, code) > 0 and xraylib.RadRate(z, code) > 0
        except ValueError:
            return False

    shells = {
        _subshell(t)
        for t in LINE_NAMES
        if FAMILY_OF_TRANSITION.get(t, t[0]) == family and emitted(t)
    }
    found = [(float(xraylib.EdgeEnergy(z, getattr(xraylib, f"{x}_SHELL"))), x) for x in shells]
    return min(found) if found else None


def _excited(symbol: str, family: str, kv: float) -> bool:
    """Whether a tube of `kv` excites `symbol`'s `family` lines: their edge (family_edge) below
    it, or none known."""
    return (edge := family_edge(symbol, family)) is None or edge[0] < kv


def _unexcited_words(
    plan: MapPlan, edge: tuple[float, str], kv: float, given: bool, counted: bool
) -> str:
    """A map's note where the tube's kV stays below the edge its line needs (family_edge);
    `counted`: its element is counted present all the same (other lines of it excited)."""
    x, said = plan.symbol, "given" if given else "the file's"
    return (
        f"{plan.label} cannot be excited here: the tube's {kv:g} kV ({said}) stays below {x}'s "
        f"{edge[1]} edge ({edge[0]:.2f} keV), so this map reads no {plan.label}, only other "
        "counts in its window" + ("" if counted else f" ({x} not counted present)")
    )


def _excited_instead(
    plan: MapPlan,
    kv: float,
    edges: np.ndarray,
    present=(),
    fwhm_mn_ev: float | None = None,
    tube: str | None = None,
) -> str:
    """Where a map's line cannot be excited, the element's main line that can (on the axis, its
    edge below kv), as the map's note proposes it: a Sn K-alpha map chosen under a 20 kV tube
    said it read no Sn K-alpha, not that Sn L-alpha would. A `present` element's excited line
    within a FWHM of it is named: beside orpiment (As2S3) under a 12 kV tube the note sent Pb
    to M-alpha, 40 eV from S K-alpha, whose map read orpiment alone as 0.80 of lead white's Pb.
    Where that line is fitted beside such neighbours (FIT_GROUPS), chosen or left to auto, the
    note says so instead: so fitted, Pb M-alpha read orpiment alone as -0.04 %. `tube`: the
    scan's anode, which the maps count present (a W tube's Hg L-alpha is fitted beside W) but
    this note does not name as an overlap (its scattered lines: Rh L-gamma on Cd L-alpha)."""
    s = plan.symbol
    for fam in ("Ka", "La", "Ma"):
        ln = element_line(s, fam)
        if fam == plan.line.family or ln is None or not edges[0] <= ln.energy <= edges[-1]:
            continue
        if not _excited(s, fam, kv):
            continue
        words = f"{ln.label} is excited: choose it ({LINE_CHOICE})"
        fitted = set(present) | ({tube} if tube else set())
        if rivals := [x for x in FIT_GROUPS.get((s, fam), ((), 0))[0] if x in fitted]:
            return words + f", which maps {s} by it fitted beside {' and '.join(rivals)}"
        f = float(detector_fwhm_kev(ln.energy, fwhm_mn_ev or DEFAULT_FWHM_MN_EV))
        on = [
            o
            for x in sorted(set(present) - {s})
            for o in element_lines(x)
            if abs(o.energy - ln.energy) < f and _excited(x, o.family, kv)
        ]
        if on:
            words += f", though {on[0].label} overlaps it: that map reads {on[0].element} as well"
        return words
    return ""


def _family_in_part(symbol: str, family: str, kv: float) -> str:
    """A note where the tube excites some of a family's lines but not its strongest (its
    vacancy's edge at or above kv, the family's lowest edge below it): Pb L-beta, mapped beside
    arsenic, under a 14 kV tube (Pb L2 edge 15.20 keV) reads only L-beta2,15 (L3 vacancies);
    forward model, lead white: 0.18 of its L-alpha counts, the map 1.2 times them (0.98 since its
    lines' shares follow the tube: _all_transitions), orpiment 0."""
    import xraylib

    from ..elements import atomic_number

    ranked = [(cs, name) for _, cs, fam, name in _transitions(symbol, 0.0, np.inf) if fam == family]
    low = family_edge(symbol, family)
    if not ranked or low is None or low[0] >= kv:
        return ""
    shell = _subshell(max(ranked)[1])
    edge = float(xraylib.EdgeEnergy(atomic_number(symbol), getattr(xraylib, f"{shell}_SHELL")))
    if edge < kv:
        return ""
    label = element_line(symbol, family).label
    return (
        f"{label}'s strongest line ({max(ranked)[1]}) is not excited: the tube's {kv:g} kV "
        f"stays below {symbol}'s {shell} edge ({edge:.2f} keV), so this map reads {label}'s "
        f"other lines alone ({low[1]} vacancies), a weak map"
    )


def plan_for_cube(
    cube,
    symbols,
    *,
    fwhm_ev=None,
    background=True,
    present=None,
    lines=None,
    anode=None,
    spectrum=None,
    kv=None,
    tiles=None,
):
    """(plans, W) for a cube's own energy axis, as _plan_for_cube. `kv`: the tube voltage, the
    user's (quicklook's --kv, the docks' Instrument row) over the file's (kv_from_metadata).
    Where it is known and stays below the edge a mapped line needs (family_edge), that map says so
    and is planned apart, its element not counted present in the other maps (nor is an element in
    `present` none of whose lines on the axis the tube can excite): asked for Hg, a scan of a
    10 keV beam gave a Hg L-alpha map of 62,829 counts of scattered beam and said nothing. Where
    the kV is unknown nothing changes. `tiles`: the survey's tile and group sums
    (iter_survey(groups=True)), where an absent neighbour shows in a small area
    (STRIP_ABSENT_SIGMA)."""
    _check_calibrated(cube)
    symbols = list(dict.fromkeys(symbols))
    kw = {
        "fwhm_ev": fwhm_ev,
        "background": background,
        "lines": lines,
        "anode": anode,
        "spectrum": spectrum,
        "tiles": tiles,
    }
    given = kv is not None
    kv = kv if given else kv_from_metadata(cube.metadata)
    present = set(present or ())
    if not kv:
        return _plan_for_cube(cube, symbols, present=present, **kw)
    edges = cube.calibration.edges(cube.n_channels)
    e_min, e_max = float(edges[0]), float(edges[-1])
    chosen = choose_lines(symbols, present | set(symbols), e_min, e_max, lines, kv)
    apart = {}  # symbol -> the edge its mapped line needs, at or above kv
    for s in symbols:
        edge = family_edge(s, chosen[s][0].family)
        if edge is not None and edge[0] >= kv:
            apart[s] = edge

    def excitable(x: str) -> bool:  # any of its lines on the axis
        lines_on = {ln.family for ln in element_lines(x) if e_min <= ln.energy <= e_max}
        return any(_excited(x, f, kv) for f in lines_on)

    kept = [s for s in symbols if s not in apart]
    # counted present where any of its lines is excited (Hg's M lines under a 12 kV tube: S
    # K-alpha, fitted beside Hg M-alpha, read 10 % of its counts with Hg left out); one asked for
    # but not suggested, where the scan shows such a line (_unseen, as the kept ones are judged)
    present = {x for x in present if x in kept or excitable(x)}
    if doubted := [s for s in apart if s not in present and excitable(s)]:
        fwhm, _, tube = _widths_and_tube(cube, fwhm_ev, spectrum, anode)
        judged_by = present | ({tube} if tube else set())
        for s in doubted:
            fam = [
                f
                for f in FAMILIES
                if (ln := element_line(s, f)) is not None
                and e_min <= ln.energy <= e_max
                and _excited(s, f, kv)
            ]
            by = {s: fam[0]} if fam else None
            if not fam or not _unseen([s], edges, fwhm, judged_by, by, kv, spectrum, tiles, tube):
                present.add(s)
    if not apart:
        return _plan_for_cube(cube, symbols, present=present, kv=kv, **kw)
    made = {}  # symbol -> (plan, column)
    fwhm_of, _, tube = _widths_and_tube(cube, fwhm_ev, spectrum, anode)
    groups = ([kept] if kept else []) + [[s] for s in apart]
    for group in groups:
        # the kept ones judged there (_unseen), those apart already not counted present
        alone = group is not kept
        together = present | set(kept) if alone else present
        plans, w = _plan_for_cube(
            cube, group, present=together, shown=kept, kv=kv, judged=alone, **kw
        )
        for i, p in enumerate(plans):
            if p.symbol in apart:
                why = _unexcited_words(p, apart[p.symbol], kv, given, p.symbol in present)
                instead = _excited_instead(p, kv, edges, present | set(kept), fwhm_of, tube)
                p = replace(p, note=_join(_join(why, p.note), instead))
            made[p.symbol] = (p, w[:, i])
    plans = [made[s][0] for s in symbols]
    return plans, np.stack([made[s][1] for s in symbols], axis=1).astype(np.float32)


def _plan_for_cube(
    cube,
    symbols,
    *,
    fwhm_ev=None,
    background=True,
    present=None,
    lines=None,
    anode=None,
    spectrum=None,
    shown=(),
    kv=None,
    tiles=None,
    judged=False,
):
    """(plans, W) for a cube's own energy axis. The tube's anode counts as present (its lines
    scatter into every spectrum): `anode`, the user's (quicklook's --anode, the docks' Instrument
    row), over the file's, else the one the calibration read off the scan's scatter lines
    (detector.known_anode), as the element suggestion takes it; a tube chosen for a file naming
    none was otherwise left out of the overlap handling. `spectrum`: the cube's sum spectrum (the
    dock's and quicklook's survey), where the fits read the elements' positions (line_shifts); a
    fit with a moved template says so in its plan's note. A fit the cube's channels cannot
    separate from its neighbours is made by its window, its note saying so
    (_windows_where_inseparable): the other maps are made all the same. An element asked for but
    not in `present` counts present in the other maps only where the scan's sum or one of
    `tiles` reads its line (_unseen, unless `judged`); one that none reads is planned apart, as
    an absent neighbour, its map saying so."""
    _check_calibrated(cube)
    edges = cube.calibration.edges(cube.n_channels)
    fwhm, read, tube = _widths_and_tube(cube, fwhm_ev, spectrum, anode)
    present = set(present or ()) | ({tube} if tube else set())
    unseen = (
        () if judged else _unseen(symbols, edges, fwhm, present, lines, kv, spectrum, tiles, tube)
    )
    if unseen:
        # the others planned without them, each of them alone beside them: Cd and Sn asked for
        # on the real APS scan (no peak of either) were fitted beside its Ca, whose map read
        # 6,561 counts against 16,653
        kept = [s for s in symbols if s not in unseen]
        kw = {"fwhm_ev": fwhm_ev, "background": background, "lines": lines, "anode": anode}
        kw |= {"spectrum": spectrum, "kv": kv, "tiles": tiles, "judged": True}
        made = {}  # symbol -> (plan, column)
        for group in ([kept] if kept else []) + [[s] for s in unseen]:
            together = present | set(kept)
            plans, w = _plan_for_cube(cube, group, present=together, shown=(*shown, *kept), **kw)
            for i, p in enumerate(plans):
                if p.symbol in unseen:
                    p = replace(p, note=_join(p.note, _unseen_words(p, tiles is not None)))
                made[p.symbol] = (p, w[:, i])
        plans = [made[s][0] for s in symbols]
        return plans, np.stack([made[s][1] for s in symbols], axis=1).astype(np.float32)
    plans = plan_maps(
        symbols,
        (float(edges[0]), float(edges[-1])),
        fwhm_mn_ev=fwhm,
        present=present,
        lines=lines,
        background=background,
        kv=kv,
    )
    fitted = present | {p.symbol for p in plans}  # as weight_matrix's
    shifts = {} if spectrum is None else line_shifts(spectrum, edges, fwhm, fitted, kv, tube)
    kw = {"fwhm_mn_ev": fwhm, "present": present, "background": background, "shifts": shifts}
    kw |= {"kv": kv, "anode": tube}  # the tube's line shares: its voltage and anode
    taken: dict[str, list[str]] = {}  # the neighbours' lines taken out, said only where they were
    try:  # every fit separable (the usual case): its columns made once
        w = weight_matrix(plans, edges, taken=taken, spectrum=spectrum, tiles=tiles, **kw)
    except Inseparable:
        plans = _windows_where_inseparable(
            plans,
            edges,
            fwhm,
            fitted,
            lines=lines,
            background=background,
            shifts=shifts,
            kv=kv,
            anode=tube,
        )
        taken.clear()
        w = weight_matrix(plans, edges, taken=taken, spectrum=spectrum, tiles=tiles, **kw)
    mapped = {p.symbol for p in plans} | set(shown)  # and those planned apart (plan_for_cube)

    def taken_out(x: str) -> str:  # "the X map" only where the user gets one (quicklook's six)
        if x in mapped:
            return f"{x} lines taken out by the {x} map"
        if x in present:
            return f"{x} lines taken out by a map of {x} (not shown)"
        return f"{x} lines taken out by a map of {x} (not counted present)"

    def uncounted(p: MapPlan) -> list[str]:  # a fit's STRIP_GROUPS members not counted present
        if p.method != "fit":
            return []
        members = _fit_choice(p, edges, fwhm, fitted, background, FIT_GROUPS, shifts, kv, tube)[1]
        return [x for x in members if x not in fitted]

    plans = [
        replace(p, note=_join(p.note, "; ".join(taken_out(x) for x in xs)))
        if (xs := taken.get(p.symbol))
        else p
        for p in plans
    ]
    plans = [
        replace(
            p, note=_join(p.note, "; ".join(f"{x} fitted too (not counted present)" for x in xs))
        )
        if (xs := uncounted(p))
        else p
        for p in plans
    ]
    if shifts:
        plans = [_note_shifts(p, edges, fwhm, fitted, shifts, kv, tube) for p in plans]
    plans = [_note_tube_on_line(p, tube) for p in plans]
    if read:
        said = (
            f"detector FWHM {read:.0f} eV at Mn K\u03b1 read from this scan's K\u03b1 peaks "
            "(the file gives none)"
        )
        plans = [replace(p, note=_join(said, p.note) if p.note else said) for p in plans]
    return plans, w


def _widths_and_tube(cube, fwhm_ev, spectrum, anode) -> tuple[float, float | None, str | None]:
    """(detector FWHM at Mn K-alpha, eV; that FWHM where read from the scan's own peaks, else
    None; the tube's anode symbol or None) as _plan_for_cube plans with them."""
    fwhm = cube_fwhm_mn_ev(cube, fwhm_ev)
    # neither given nor in the file: the scan's own peaks, else the default (an APS scan's
    # ~190 eV peaks were mapped with 140 eV windows, its maps low)
    read = None if fwhm_ev is not None else scan_fwhm_mn_ev(cube, spectrum)
    given = bool(anode)
    # the file's, the one given to read_cube, or the one the calibration read off the scatter
    anode = anode or known_anode(cube.metadata)
    if anode:  # known_anode gives the symbol, or the value as written if it names none
        anode = tube_symbol(anode, given)
    return read or fwhm, read, anode or None


def _unseen(symbols, edges, fwhm: float, present: set[str], lines, kv, spectrum, tiles, anode=None):
    """The elements of `symbols` not in `present` whose mapped line, fitted beside the present
    elements' lines near it (_line_fit_row), reads neither the scan's sum (`spectrum`) above
    STRIP_ABSENT_SIGMA nor one of `tiles` above its margin for their number (_reads_above_noise),
    as an absent neighbour is judged (_less_neighbours). None where neither is known."""
    doubted = [s for s in symbols if s not in present]
    if not doubted or (spectrum is None and tiles is None):
        return []
    n = len(edges) - 1
    parts = [
        _counts64(a, n)
        for a in (spectrum, tiles)
        if a is not None and np.shape(a)[-1] == n and np.size(a)
    ]
    if not parts:
        return []
    shifts = {} if spectrum is None else line_shifts(spectrum, edges, fwhm, present, kv, anode)
    e_range = (float(edges[0]), float(edges[-1]))
    out = []
    for s in doubted:
        try:
            (plan,) = plan_maps([s], e_range, fwhm_mn_ev=fwhm, present=present, lines=lines, kv=kv)
        except ValueError:  # no line of it on this axis: planned as before, to say so
            continue
        row = _line_fit_row(plan, edges, fwhm, present, shifts, kv, anode)
        if row is None:
            # no fit (Cd K-alpha's template, its K edge above EXCITATION_KEV, is empty): by its
            # window, as a neighbour's map is judged (the real M6 spectrum's Cd K-alpha, on Rh
            # K-beta's flank: 2.3 sd)
            try:
                row = _window_column(plan, edges, fwhm, kv=kv, anode=anode)
            except ValueError:  # its window narrower than a channel
                continue
        if not any(_reads_above_noise(x, row) for x in parts):
            out.append(s)
    return out


def _unseen_words(plan: MapPlan, tiles: bool) -> str:
    """The note of a map of an element asked for that the scan does not show (_unseen)."""
    where = (
        "neither the scan's sum spectrum nor the survey's tiles show"
        if tiles
        else "the scan's sum spectrum shows no"
    )
    return f"{plan.symbol} not counted present in the other maps: {where} {plan.label} above noise"


def _windows_where_inseparable(
    plans: list[MapPlan],
    edges,
    fwhm: float,
    present: set[str],
    *,
    lines,
    background,
    shifts,
    kv=None,
    anode=None,
) -> list[MapPlan]:
    """The plans, each fitted one whose fit cannot tell its element from the neighbours on these
    channels (Inseparable) planned by its window instead, as without its fit group, with a note
    saying so. At 160 eV channels and a 140 eV detector P K-alpha's fit with Hg, Pb and S (P's
    group, FIT_GROUPS) was refused, and the refusal stopped every other map of the run."""
    out = []
    for p in plans:
        if p.method == "fit":
            try:
                _fit_column(p, edges, fwhm, present, background, FIT_GROUPS, shifts, kv, anode)
            except Inseparable as e:
                key = (p.symbol, p.line.family)
                (p,) = plan_maps(
                    [p.symbol],
                    (float(edges[0]), float(edges[-1])),
                    fwhm_mn_ev=fwhm,
                    present=present,
                    lines=lines,
                    background=background,
                    fit_groups={k: v for k, v in FIT_GROUPS.items() if k != key},
                    kv=kv,
                )
                why = (
                    f"{p.label} mapped by its window, not fitted: this cube's "
                    f"{e.channel_ev:.0f} eV channels are too coarse to fit it apart from "
                    + ", ".join(e.neighbours)
                )
                p = replace(p, note=_join(why, p.note))
        out.append(p)
    return out


def _note_shifts(
    plan: MapPlan, edges, fwhm: float, present: set[str], shifts, kv, anode
) -> MapPlan:
    """The plan, its note naming the elements of its fit whose templates line_shifts moved."""
    if plan.method != "fit":
        return plan
    members = _fit_members(plan, edges, fwhm, present, FIT_GROUPS, kv=kv, anode=anode)[0]
    moved = [
        f"{x} K lines fitted {1e3 * shifts[x]:+.1f} eV from their table energies, where this "
        "scan's spectrum puts them"
        for x in members
        if x in shifts
    ]
    return replace(plan, note=_join(plan.note, "; ".join(moved))) if moved else plan


def _note_tube_on_line(plan: MapPlan, tube: str | None) -> MapPlan:
    """The plan, its note saying that its line lies on the scan's tube's scattered line, or on that
    line's Compton peak, where it does (TUBE_ON_LINE, TUBE_COMPTON_ON_LINE)."""
    key = (plan.symbol, plan.line.family)
    compton = TUBE_COMPTON_ON_LINE.get(key)
    anode, name, *_, seen = compton or TUBE_ON_LINE.get(key, (None, None, None))
    if tube is None or anode != tube:
        return plan
    e, fam = next((e, fam) for e, _, fam, t in _all_transitions(anode) if t == name)
    if compton:
        from ..physics.scatter import compton_energy

        why = (
            f"{plan.label} lies where the {tube} tube's scattered {compton[2]} ({e:.2f} keV) "
            f"lands after Compton scatter ({compton_energy(e, 150.0):.2f}-"
            f"{compton_energy(e, 90.0):.2f} keV at 150-90 deg), broad and shifted with the "
            "scan's geometry, which the file does not give: where a light paint scatters much of "
            f"it this map can count it as {plan.symbol}, or against {plan.symbol} ({seen})"
        )
    else:
        why = (
            f"{plan.label} lies {1e3 * abs(plan.line.energy - e):.0f} eV from the {anode} tube's "
            f"scattered {element_line(anode, fam).label} ({e:.2f} keV), which every point sends "
            f"back: this map cannot reliably tell that scatter from {plan.symbol} and reads "
            f"{plan.symbol} only roughly ({seen})"
        )
    return replace(plan, note=_join(plan.note, why))


def iter_element_maps(
    cube,
    symbols,
    *,
    fwhm_ev: float | None = None,
    background: bool = True,
    present=None,
    lines: dict[str, str] | None = None,
    clip: bool = False,
    block_bytes: int | None = None,
    anode: str | None = None,
    spectrum=None,
    kv: float | None = None,
    tiles=None,
):
    """Progress generator (rows done, rows total); returns {symbol: (H, W) float32 net counts}.

    Net counts below zero (noise around an absent line) are kept unless clip is True: clipped
    maps are biased upwards (an absent Co on 20 counts per channel of background averaged +6.5
    per pixel against +0.27 unclipped), so their totals and region means overstate an absent
    element. The docks and quicklook show maps with contrast limits from 0 (display_top), so
    negative pixels already look like zero there; what is saved (TIFF, table) stays unbiased.
    `anode`, `spectrum` (the scan's sum), `kv` (the user's tube voltage over the file's), `tiles`
    (the survey's tile and group sums): as plan_for_cube takes them. The docks and quicklook plan
    with the scan's sum and tiles and make the maps by iter_planned_maps (they need the plans
    too): given both, this is the same path; without them an absent neighbour is judged by no
    spectrum and the maps differ from the dock's.
    """
    symbols = list(dict.fromkeys(symbols))
    if not symbols:
        raise ValueError("choose at least one element to map")
    planned = plan_for_cube(
        cube,
        symbols,
        fwhm_ev=fwhm_ev,
        background=background,
        present=present,
        lines=lines,
        anode=anode,
        spectrum=spectrum,
        kv=kv,
        tiles=tiles,
    )
    return (yield from iter_planned_maps(cube, planned, clip=clip, block_bytes=block_bytes))


def iter_planned_maps(cube, planned, *, clip: bool = False, block_bytes: int | None = None):
    """iter_element_maps for plan_for_cube's (plans, W), made once by a caller that also needs
    the plans (quicklook's report and map titles, the Elemental maps dock's layer names): each
    made them again for the maps. Counts of pixels of other live times are brought to the
    scan's median live time (Cube.live_time_scale); a cube without live times keeps its own."""
    plans, w = planned
    h, wd, c = cube.shape
    out = np.empty((h, wd, len(plans)), dtype=np.float32)
    kw = {} if block_bytes is None else {"block_bytes": block_bytes}
    # Only the channels some window touches (~10-25 % of a spectrum) are converted and multiplied.
    used = np.nonzero(np.any(w != 0, axis=1))[0]
    w_used = np.ascontiguousarray(w[used])
    yield 0, h
    for sl, block in cube.iter_blocks(**kw):
        flat = np.take(block.reshape(-1, c), used, axis=1).astype(np.float32, copy=False)
        # one BLAS thread, as the survey's groups: on 2 busy cores the second made the product
        # 2.4x slower (benchmarks/bench_scale.py --which a, element_maps 0.12 s on one thread,
        # 0.29-0.31 s on two, at load 2.4-2.8)
        with one_thread():
            out[sl] = (flat @ w_used).reshape(block.shape[0], wd, len(plans))
        yield sl.stop, h
    cube.at_median_live_time(out)
    if clip:
        np.clip(out, 0.0, None, out=out)
    return {p.symbol: np.ascontiguousarray(out[..., i]) for i, p in enumerate(plans)}


def element_maps(
    cube, symbols, *, fwhm_ev: float | None = None, background: bool = True, **kw
) -> dict[str, np.ndarray]:
    """{symbol: (H, W) float32 net line counts}; see `iter_element_maps`."""
    from ..progress import run_to_end

    return run_to_end(
        iter_element_maps(cube, symbols, fwhm_ev=fwhm_ev, background=background, **kw)
    )


def display_top(m: np.ndarray) -> float:
    """The upper contrast limit of a net-count map drawn from 0: its 99.5th percentile, or 1.0
    where that is not positive. An absent element's map can be all negative (its line's window on
    a neighbour's tail); left to autoscale, it showed noise on a negative scale as structure."""
    top = high_percentile(m, 99.5) if np.size(m) else 0.0
    return top if top > 0 else 1.0


#: Maps smaller than this take np.percentile itself (its partition of the whole map is cheap).
_FAST_PERCENTILE_MIN = 4096
#: high_percentile's sample of a map, to guess a value below the percentile's.
_PERCENTILE_SAMPLE = 65536
#: high_percentile repeats numpy 2's interpolation weights; numpy 1 takes np.percentile itself.
_NUMPY_2 = int(np.__version__.split(".")[0]) >= 2


def high_percentile(m, percentile: float) -> float:
    """float(np.percentile(m, percentile)) (linear interpolation), the same value, found from the
    map's top values only. np.percentile partitions a copy of the whole map: 130-140 ms for a
    4000 x 4000 float32 map here, three of them the most of Add composite's 0.5 s in the GUI thread
    (1.7-4.2 s at load 4). Here a strided sample gives a threshold below the percentile, one pass
    keeps the values at or above it (and any NaN), and only those (about 1 % of the map) are
    partitioned: the two values of the sorted map around the percentile are exact, and they are
    interpolated as numpy's _lerp does (numpy 2's weights: tests/test_maps45.py compares with
    np.percentile). np.percentile itself for small maps, other dtypes, low percentiles, NaN, a
    sample whose threshold keeps too few values, or numpy 1."""
    m = np.asarray(m)
    n = m.size
    q = np.true_divide(percentile, 100)
    if (
        m.dtype != np.float32
        or n < _FAST_PERCENTILE_MIN
        or not 0.9 <= q < 1  # also NaN; out of 0-100: np.percentile's refusal
        or not _NUMPY_2
    ):
        return float(np.percentile(m, percentile))
    # numpy's virtual index (its _compute_virtual_index), with method "linear"'s alpha and beta
    alpha = beta = 1
    v = n * q + (alpha + q * (1 - alpha - beta)) - 1
    below = np.floor(v)
    i, gamma = int(below), float(v - below)
    if i + 1 >= n:
        return float(np.percentile(m, percentile))
    flat = m.reshape(-1)
    sample = flat[:: max(1, n // _PERCENTILE_SAMPLE)]
    k = min(max(int(sample.size * (2 * q - 1)), 0), sample.size - 1)  # twice the tail above
    threshold = np.partition(sample, k)[k]
    if np.isnan(threshold):  # a mostly-NaN sample: checked before the pass, which would keep all
        return float(np.percentile(m, percentile))
    tail = flat[~(flat < threshold)]  # the values at or above it, and NaN
    j = i - (n - tail.size)  # the sorted map's i-th value is the tail's j-th
    if j < 0:  # the threshold kept too few values
        return float(np.percentile(m, percentile))
    tail.partition([j, j + 1, tail.size - 1])
    if np.isnan(tail[-1]):  # np.percentile's value for a map with NaN
        return float(np.percentile(m, percentile))
    a, b = tail[j], tail[j + 1]
    diff = b - a  # numpy's _lerp, as np.percentile calls it (a, b float32, gamma a float)
    value = np.add(a, diff * gamma, out=...)
    np.subtract(
        b, diff * (1 - gamma), out=value, where=gamma >= 0.5, casting="unsafe", dtype=np.float32
    )
    return float(value)


#: Values scaled at a time by composite_rgb (4 MiB of float32): cache-sized, not map-sized,
#: temporaries.
_COMPOSITE_CHUNK = 1 << 20


def composite_rgb(maps: list[np.ndarray], percentile: float = 99.5) -> np.ndarray:
    """(H, W, 3) float32 in [0, 1] from three maps, each scaled to its own percentile."""
    from ..progress import run_to_end

    return run_to_end(iter_composite_rgb(maps, percentile))


def iter_composite_rgb(maps: list[np.ndarray], percentile: float = 99.5):
    """Progress generator (maps done, 3); returns composite_rgb's image: each map divided by its
    `percentile` (high_percentile) and clipped to [0, 1], zeros where that is not positive. A
    None map is a black channel (as a map of zeros, without its percentile). Written into the
    image a chunk at a time: m / top, np.clip and np.stack made three map-sized arrays per map
    (0.1 s of the composite at 4000 x 4000 px); the values are the same."""
    if len(maps) != 3:
        raise ValueError(f"an RGB composite needs three maps, got {len(maps)}")
    chans = [None if m is None else np.asarray(m, dtype=np.float32) for m in maps]
    shapes = {c.shape for c in chans if c is not None}
    if len(shapes) != 1:
        raise ValueError(
            f"an RGB composite needs maps of one shape, got {sorted(shapes) or 'no map'}"
        )
    out = np.empty(shapes.pop() + (3,), np.float32)
    columns = out.reshape(-1, 3)
    for i, m in enumerate(chans):
        top = high_percentile(m, percentile) if m is not None and m.size else 0.0
        column = columns[:, i]
        if not top > 0:  # also NaN, and a None map: a black channel
            column[:] = 0
        else:
            flat = m.reshape(-1)
            for start in range(0, flat.size, _COMPOSITE_CHUNK):
                part = flat[start : start + _COMPOSITE_CHUNK] / top
                np.clip(part, 0, 1, out=part)
                column[start : start + _COMPOSITE_CHUNK] = part
        yield i + 1, 3
    return out
