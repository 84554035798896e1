"""`xrf-napari info` and `xrf-napari quicklook` on a cube whose content is known: four pigment bands
(_napari_helpers.PIGMENTS) on the canonical energy grid."""

import json

import numpy as np
import pytest
from _napari_helpers import PIGMENTS, H, W, painted_counts, write_painted_cube

from xrf_napari.cli.main import main


@pytest.fixture(scope="module")
def painted(tmp_path_factory):
    return write_painted_cube(tmp_path_factory.mktemp("cli") / "painted.h5")


def test_info_json_describes_the_cube(painted, capsys):
    counts, _ = painted_counts()
    assert main(["info", str(painted), "--json", "--sum"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["shape"] == [H, W, 512] and info["dtype"] == "uint16"
    assert info["size_mib"] == round(H * W * 512 * 2 / 2**20, 2)
    cal = info["calibration"]
    assert cal["offset"] == pytest.approx(1.025) and cal["gain"] == pytest.approx(0.05)
    assert cal["source"] == "file"
    assert info["energy_range_kev"] == pytest.approx([1.025, 1.025 + 511 * 0.05])
    assert info["metadata"]["profile"] == {"anode": "Rh", "fwhm_mn_ev": 140.0}
    assert info["total_counts"] == counts.sum()
    assert info["peak_channel"] == int(counts.sum(axis=(0, 1)).argmax())


def test_info_text_and_an_uncalibrated_file(painted, tmp_path, capsys):
    assert main(["info", str(painted)]) == 0
    text = capsys.readouterr().out
    assert f"{H} x {W} pixels x 512 channels, uint16" in text
    assert "E = 1.02500 + 0.050000 ch keV  (source: file); 1.025 to 26.575 keV" in text
    raw = tmp_path / "raw.npy"
    np.save(raw, np.ones((3, 4, 64), np.uint16))
    assert main(["info", str(raw), "--no-auto-calibration"]) == 0
    assert "calibration none" in capsys.readouterr().out


def test_quicklook_maps_the_pigments_it_finds(painted, tmp_path, capsys):
    out = tmp_path / "look"
    assert main(["quicklook", str(painted), "--output", str(out)]) == 0
    written = sorted(p.name for p in out.iterdir())
    assert set(capsys.readouterr().out.split()) == {str(out / n) for n in written}
    maps = {n.split("_")[1] for n in written if n != "painted_sum_spectrum.png"}
    # Every pigment's leading element gets a map, the tube's anode none, and the overlaps do not
    # invent Br (Br K-alpha 11.92 keV sits on Hg L-beta). (As, whose K lines sit on Pb L-alpha and
    # Hg L-beta, is still suggested for this lead + mercury cube: a known false positive.)
    assert {mix[0][0] for mix in PIGMENTS.values()} <= maps and len(maps) <= 6
    assert not maps & {"Rh", "Br"}
    assert "painted_sum_spectrum.png" in written and "painted_Fe_Ka.png" in written
    from PIL import Image

    assert Image.open(out / "painted_Fe_Ka.png").size[0] > 200


def test_quicklook_elements_in_any_case_and_no_folder_left_by_a_refusal(painted, tmp_path, capsys):
    """--elements took only exact symbols ('fe' refused, though --anode takes 'rh'), and a refusal
    left the output folder behind, empty."""
    out = tmp_path / "look"
    assert main(["quicklook", str(painted), "--output", str(out), "--elements", "fe,lead"]) == 0
    assert {"painted_Fe_Ka.png", "painted_Pb_La.png"} <= {p.name for p in out.iterdir()}
    bad = tmp_path / "bad"
    assert main(["quicklook", str(painted), "--output", str(bad), "--elements", "Fe,Xx"]) == 2
    assert "'Xx' is not an element symbol" in capsys.readouterr().err
    assert not bad.exists()


def test_quicklook_on_a_spot_spectrum_marks_its_elements_and_maps_nothing(tmp_path, capsys):
    """One pixel (a .spx or .mca spot measurement): the spectrum with its elements marked, and
    no 1 x 1 element maps."""
    from _napari_helpers import CANONICAL_CAL

    from xrf_napari.io.project_h5 import write_cube

    counts, _ = painted_counts()
    spot = counts[H // 4 * 3 : H // 4 * 3 + 1, :].sum(axis=(0, 1), keepdims=True)  # green band
    path = write_cube(
        tmp_path / "spot.h5",
        spot.astype(np.uint32),
        CANONICAL_CAL,
        metadata={"profile": {"anode": "Rh", "fwhm_mn_ev": 140.0}, "name": "spot"},
    )
    out = tmp_path / "look"
    assert main(["quicklook", str(path), "--output", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["spot_sum_spectrum.png"]
    text = capsys.readouterr().out
    assert "a single spectrum (1 x 1 px)" in text and "no element maps" in text
    from xrf_napari.cli.quicklook_cmd import choose_maps
    from xrf_napari.io import read_cube

    _, suggested, plans, _ = choose_maps(read_cube(path))  # the lines the plot marks
    assert {"Cu", "Pb"} <= set(suggested) and {p.symbol for p in plans} >= {"Cu", "Pb"}


def test_quicklook_without_calibration_writes_the_spectrum_only(tmp_path, capsys):
    raw = tmp_path / "flat.npy"
    np.save(raw, np.full((4, 5, 256), 3, np.uint16))  # no peaks: automatic calibration fails
    out = tmp_path / "look"
    assert main(["quicklook", str(raw), "--output", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["flat_sum_spectrum.png"]
    assert "no energy calibration" in capsys.readouterr().out
