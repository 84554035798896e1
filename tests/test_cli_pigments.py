"""Headless `xrf-napari pigments`: the report folder (CSV + self-contained HTML) from a labelled
synthetic scan, with the shipped embedder + K-Means when no labels are given, and clear errors."""

import csv
import re

import numpy as np
import pytest

pytest.importorskip("xraylib")
h5py = pytest.importorskip("h5py")

from _pigment_scans import CANON, stripe_scan

from xrf_napari.cli.main import main
from xrf_napari.io.project_h5 import write_cube

RECIPES = [(["Vermilion", "Lead white"], [0.4, 0.6]), (["Azurite"], [1.0]), (["Zinc white"], [1.0])]


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    d = tmp_path_factory.mktemp("pig")
    syn, labels = stripe_scan(RECIPES, 36)  # a gypsum ground without lead priming
    path = write_cube(
        d / "scan.h5",
        syn.counts,
        CANON,
        targets={"labels": labels},
        metadata=dict(syn.metadata, name="scan"),
    )
    np.save(d / "labels.npy", labels + 1)
    return path, d / "labels.npy"


def test_cli_writes_the_report(scan, tmp_path):
    cube_path, labels_path = scan
    before = cube_path.read_bytes()
    out = tmp_path / "report"
    rc = main(
        [
            "pigments",
            str(cube_path),
            "--labels",
            str(labels_path),
            "--output",
            str(out),
            "--no-progress",
        ]
    )
    assert rc == 0
    assert cube_path.read_bytes() == before  # input untouched
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [
            "report.html",
            "candidates.csv",
            "hidden_partners.csv",
            "region_spectra.csv",
            "regions.png",
            "pigment_recolour.png",
        ]
    )
    rows = list(
        csv.DictReader(
            line
            for line in (out / "candidates.csv").read_text().splitlines()
            if not line.startswith("#")
        )
    )
    top = {int(r["region"]): r for r in rows if r["rank"] == "1"}
    assert set(top) == {1, 2, 3}
    # without a choice made, each region's first candidate is the chosen one, and only it
    assert [(r["region"], r["rank"]) for r in rows if r["chosen"] == "1"] == [
        (str(k), "1") for k in (1, 2, 3)
    ]
    # the region map the rows refer to, readable again as --labels; the scan in chosen colours
    from PIL import Image

    from xrf_napari.cli.pigments_cmd import read_labels

    labels = np.load(labels_path)
    np.testing.assert_array_equal(read_labels(out / "regions.png", labels.shape), labels)
    painted = np.asarray(Image.open(out / "pigment_recolour.png"))
    assert painted.shape == labels.shape + (3,) and painted.dtype == np.uint8
    for k, r in top.items():
        assert {f"#{c:02x}{g:02x}{b:02x}" for c, g, b in painted[labels == k]} == {r["colour"]}
    # lead white and red lead are X-ray twins (Pb only): either may lead, the recipe is in the top 2
    assert set(top[1]["pigments"].split(" + ")) in (
        {"Vermilion", "Lead white"},
        {"Vermilion", "Red lead"},
    )
    assert {"Vermilion", "Lead white"} in [
        set(r["pigments"].split(" + ")) for r in rows if r["region"] == "1" and r["rank"] in "12"
    ]
    assert top[2]["pigments"] in ("Azurite", "Malachite", "Verdigris")
    assert top[3]["pigments"] == "Zinc white"
    assert all(re.fullmatch(r"#[0-9a-f]{6}", r["colour"]) for r in rows)
    probs = [float(r["probability"]) for r in rows if r["region"] == "1"]
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1.0001
    hidden = (out / "hidden_partners.csv").read_text()
    assert "Carbon black" in hidden and "Indigo" in hidden
    spectra = [
        line
        for line in (out / "region_spectra.csv").read_text().splitlines()
        if not line.startswith("#")
    ]
    assert spectra[0].split(",")[:3] == ["energy_keV", "region_1_mean", "region_1_best_fit"]
    assert len(spectra) == 1 + 512
    page = (out / "report.html").read_text()
    # three region thumbnails and the painted overview
    assert page.count("<svg") == 3 and page.count("data:image/png;base64,") == 4
    assert page.count("(chosen)") == 3
    assert "Vermilion" in page and 'src="http' not in page  # self-contained
    from xrf_napari import __version__

    assert f"made by xrf-napari {__version__}" in page  # (the command only when run as one)


def test_cli_labels_from_the_cube_and_bad_labels(scan, tmp_path, capsys):
    cube_path, _ = scan
    # the generator's truth labels (targets/labels, counted from 0) are read and shifted to 1..k
    rc = main(
        [
            "pigments",
            str(cube_path),
            "--labels",
            str(cube_path),
            "-o",
            str(tmp_path / "a"),
            "--no-progress",
        ]
    )
    assert rc == 0
    assert "region   3" in capsys.readouterr().out
    bad = tmp_path / "bad.npy"
    np.save(bad, np.ones((5, 5), np.int32))
    rc = main(
        [
            "pigments",
            str(cube_path),
            "--labels",
            str(bad),
            "-o",
            str(tmp_path / "b"),
            "--no-progress",
        ]
    )
    assert rc == 2
    err = capsys.readouterr().err
    assert "bad.npy" in err and "does not match the scan" in err
    np.save(tmp_path / "zeros.npy", np.zeros((36, 36), np.int32))  # no region at all
    rc = main(
        ["pigments", str(cube_path), "-l", str(tmp_path / "zeros.npy"), "-o", str(tmp_path / "z")]
    )
    assert rc == 2 and not (tmp_path / "z").exists()  # nothing written
    err = capsys.readouterr().err
    assert "zeros.npy" in err and "no region: every pixel is 0" in err
    # an element, but no tube the forward model knows (Cr until session 48), and not an element:
    # both refused before anything is read
    for anode, why in (("Fe", "'Fe' is not an X-ray tube anode"), ("Xx", "'Xx' is not an element")):
        with pytest.raises(SystemExit) as stop:
            main(["pigments", str(cube_path), "-o", str(tmp_path / "d"), "--anode", anode])
        assert stop.value.code == 2 and why in capsys.readouterr().err


def test_cli_without_labels_clusters_with_the_shipped_embedder(scan, tmp_path, capsys):
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    cube_path, _ = scan
    out = tmp_path / "r"
    rc = main(
        [
            "pigments",
            str(cube_path),
            "-o",
            str(out),
            "--clusters",
            "3",
            "--device",
            "cpu",
            "--no-progress",
        ]
    )
    assert rc == 0
    text = capsys.readouterr().out
    assert len(re.findall(r"^region ", text, re.MULTILINE)) == 3
    assert (out / "report.html").is_file()


def test_cli_takes_the_optic_and_gas_the_file_does_not_name(scan, tmp_path, capsys):
    """A scan whose file names no instrument (as a Bruker .rpl export): --optic lens and
    --atmosphere helium reach the fit and its notes; an unknown optic is an argparse error."""
    cube_path, labels_path = scan
    with h5py.File(cube_path, "r") as f:
        counts = f["counts"][()]
    bare = write_cube(tmp_path / "bare.h5", counts, CANON, metadata={"name": "bare"})
    args = ["pigments", str(bare), "-l", str(labels_path), "--no-progress"]
    assert (
        main(args + ["-o", str(tmp_path / "r"), "--optic", "lens", "--atmosphere", "helium"]) == 0
    )
    err = capsys.readouterr().err
    assert "polycapillary lens (given)" in err and "in helium (given)" in err
    assert "polycapillary lens" in (tmp_path / "r" / "report.html").read_text()
    with pytest.raises(SystemExit):
        main(args + ["-o", str(tmp_path / "x"), "--optic", "mirror"])


def _photo_of(labels, pigments: dict, path) -> None:
    """A photograph (PNG) of a stripe scan: each label in its pigment's database colour."""
    from PIL import Image

    from xrf_napari.physics.pigments import get_pigment

    photo = np.zeros(labels.shape + (3,), np.uint8)
    for lab, pig in pigments.items():
        photo[labels == lab] = np.round(np.asarray(get_pigment(pig).rgb) * 255)
    Image.fromarray(photo).save(path)


def _candidates(out):
    lines = (out / "candidates.csv").read_text().splitlines()
    return list(csv.DictReader(line for line in lines if not line.startswith("#")))


def test_cli_photo_orders_the_paints_x_rays_cannot_tell_apart(scan, tmp_path, capsys):
    """Azurite, malachite and verdigris are all copper: a photograph showing that stripe green
    puts malachite first, a blue one azurite; a photograph of another area is refused."""
    from PIL import Image

    from xrf_napari.physics.pigments import get_pigment

    cube_path, labels_path = scan
    labels = np.load(labels_path)
    top = {}
    for name in ("Malachite", "Azurite"):
        photo = np.zeros(labels.shape + (3,), np.float64)
        for lab, pig in ((1, "Vermilion"), (2, name), (3, "Zinc white")):
            photo[labels == lab] = get_pigment(pig).rgb
        big = np.kron(photo, np.ones((2, 2, 1)))  # a finer photograph of the same area
        path = tmp_path / f"{name}.png"
        Image.fromarray((big * 255).round().astype(np.uint8)).save(path)
        out = tmp_path / name
        args = ["pigments", str(cube_path), "-l", str(labels_path), "-o", str(out)]
        assert main(args + ["--photo", str(path), "--no-progress"]) == 0
        top[name] = {int(r["region"]): r["pigments"] for r in _candidates(out) if r["rank"] == "1"}
        assert "photograph" in (out / "report.html").read_text()
    assert top["Malachite"][2] == "Malachite" and top["Azurite"][2] == "Azurite"
    hidden = list(
        csv.DictReader(
            line
            for line in (tmp_path / "Malachite" / "hidden_partners.csv").read_text().splitlines()
            if not line.startswith("#")
        )
    )
    assert "suggested_by_colour" in hidden[0] and float(hidden[0]["fraction"]) > 0
    assert top["Malachite"][3] == top["Azurite"][3] == "Zinc white"  # the lines still decide
    capsys.readouterr()
    wide = tmp_path / "wide.png"
    Image.fromarray(np.zeros((36, 72, 3), np.uint8)).save(wide)
    args = ["pigments", str(cube_path), "-l", str(labels_path), "-o", str(tmp_path / "w")]
    assert main(args + ["--photo", str(wide), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "wide.png" in err and "aspect ratios differ" in err
    with pytest.raises(SystemExit):  # one colour prior at a time
        main(args + ["--photo", str(wide), "--colour-prior"])


def test_cli_paints_the_suggested_hidden_partner_on_request(scan, tmp_path, capsys):
    """A zinc-white stripe that the photograph shows pink: the report always lists zinc white
    with the suggested lake; --paint-suggested paints that stripe in the mixture (chosen in
    candidates.csv as rank 'suggested'), closer to the photograph than zinc white alone; without
    a photograph the option is refused."""
    from PIL import Image
    from skimage.color import deltaE_ciede2000, rgb2lab

    from xrf_napari.physics.colour import km_mix
    from xrf_napari.physics.pigments import get_pigment

    cube_path, labels_path = scan
    labels = np.load(labels_path)
    photo = np.zeros(labels.shape + (3,), np.float64)
    for lab, pig in ((1, "Vermilion"), (2, "Azurite")):
        photo[labels == lab] = get_pigment(pig).rgb
    pink = km_mix(np.array([get_pigment(n).rgb for n in ("Zinc white", "Red lake")]), [[0.7, 0.3]])
    photo[labels == 3] = pink[0]
    path = tmp_path / "photo.png"
    Image.fromarray((photo * 255).round().astype(np.uint8)).save(path)
    base = ["pigments", str(cube_path), "-l", str(labels_path), "--photo", str(path)]
    painted = {}
    for flag in ([], ["--paint-suggested"]):
        out = tmp_path / ("plain" if not flag else "suggested")
        assert main(base + ["-o", str(out), "--no-progress"] + flag) == 0
        rows = [r for r in _candidates(out) if r["region"] == "3"]
        assert rows[0]["pigments"] == "Zinc white" and rows[-1]["rank"] == "suggested"
        assert "lake" in rows[-1]["pigments"].lower()
        chosen = [r["rank"] for r in rows if r["chosen"] == "1"]
        assert chosen == (["suggested"] if flag else ["1"])
        img = np.asarray(Image.open(out / "pigment_recolour.png"), np.float64) / 255
        painted[bool(flag)] = img[labels == 3][0]
    assert "photograph: + " in capsys.readouterr().out

    def de(rgb):
        return float(deltaE_ciede2000(rgb2lab(rgb), rgb2lab(pink[0])))

    assert de(painted[True]) < de(painted[False]) - 5
    args = ["pigments", str(cube_path), "-l", str(labels_path), "-o", str(tmp_path / "x")]
    assert main(args + ["--paint-suggested"]) == 2
    assert "--paint-suggested needs --photo" in capsys.readouterr().err


def test_cli_photo_without_labels_finds_regions_from_lines_and_colour(scan, tmp_path, capsys):
    """With a photograph and no label map, regions come from the element lines beside the
    photograph's colour: the three stripes (Hg + Pb, Cu, Zn) come back, each named."""
    cube_path, labels_path = scan
    labels = np.load(labels_path)
    _photo_of(labels, {1: "Vermilion", 2: "Malachite", 3: "Zinc white"}, tmp_path / "photo.png")
    out = tmp_path / "r"
    args = ["pigments", str(cube_path), "--photo", str(tmp_path / "photo.png"), "-o", str(out)]
    assert main(args + ["-k", "3"]) == 0
    err = capsys.readouterr().err
    assert "element lines and the photograph" in err
    assert "element lines: 100%" in err and "K-Means: 100%" in err  # each step has its bar
    top = {r["pigments"] for r in _candidates(out) if r["rank"] == "1"}
    assert "Malachite" in top and "Zinc white" in top
    assert any("Vermilion" in t for t in top)


def test_cli_pools_a_low_count_scan_before_finding_regions(tmp_path, capsys):
    """At 60 counts per pixel the element lines are read from 3 x 3 neighbourhoods (a note says
    so) and the three stripes still come back, each named."""
    syn, labels = stripe_scan(RECIPES, 36, counts_per_pixel=60.0)
    path = write_cube(tmp_path / "low.h5", syn.counts, CANON, metadata=dict(syn.metadata))
    _photo_of(labels, {0: "Vermilion", 1: "Azurite", 2: "Zinc white"}, tmp_path / "photo.png")
    out = tmp_path / "r"
    args = ["pigments", str(path), "--photo", str(tmp_path / "photo.png"), "-o", str(out)]
    assert main(args + ["-k", "3", "--no-progress"]) == 0
    assert "3 x 3 neighbourhood pooled before reading its lines" in capsys.readouterr().err
    top = {r["pigments"] for r in _candidates(out) if r["rank"] == "1"}
    assert "Azurite" in top and "Zinc white" in top and any("Vermilion" in t for t in top)


def test_cli_on_a_spot_spectrum_fits_the_whole_scan(tmp_path, capsys):
    """A single spectrum (a point measurement: Bruker .spx, PyMca .mca) is one region of one
    pixel: it gets candidates, not "cannot choose K from 1 points" or "too few pixels"."""
    syn, labels = stripe_scan(RECIPES, 36)
    assert (labels[:, :10] == 0).all()  # inside the vermilion stripe, away from its neighbour
    spot = syn.counts[:, 1:9].sum(axis=(0, 1))[None, None]
    path = write_cube(tmp_path / "spot.h5", spot, CANON, metadata=dict(syn.metadata, name="spot"))
    rc = main(["pigments", str(path), "-o", str(tmp_path / "r"), "--no-progress"])
    assert rc == 0
    captured = capsys.readouterr()
    assert "one region (the whole scan)" in captured.err
    best = next(r for r in _candidates(tmp_path / "r") if r["rank"] == "1")
    assert best["pixels"] == "1" and set(best["pigments"].split(" + ")) == {
        "Vermilion",
        "Lead white",
    }


def test_bruker_spot_spectrum_reads_its_instrument(real_data, tmp_path, capsys):
    """The real Bruker M6 .spx header names the tube voltage (`kV`), the helium path, the peak
    width terms (SigmaAbs, SigmaLin: 141.7 eV at Mn K-alpha) and a polycapillary lens: the fit
    uses them instead of assuming 50 kV, a collimator in air and estimating the resolution, and
    explains the spectrum better for it."""
    from xrf_napari.analysis.pigment_fit import instrument_for
    from xrf_napari.io import read_cube

    path = real_data / "bruker_m6_jetstream_file_example.spx"
    profile, notes = instrument_for(read_cube(path))
    assert (profile.anode, profile.kv, profile.atmosphere) == ("Rh", 50.0, "helium")
    assert profile.fwhm_mn_ev == pytest.approx(141.7, abs=0.2)
    assert not [n for n in notes if "assumed" in n and ("kV" in n or "resolution" in n)]
    assert profile.optic == "polycapillary" and any("polycapillary lens" in n for n in notes)
    from dataclasses import replace

    from xrf_napari.analysis.pigment_fit import fit_regions

    one = np.ones((1, 1), np.int32)
    cube = read_cube(path)
    lens = fit_regions(cube, one).regions[0].best
    collimator = replace(profile, optic="collimator")
    with pytest.MonkeyPatch.context() as mp:  # the same fit, with the optic the file does not say
        mp.setattr(
            "xrf_napari.analysis.pigment_fit.instrument_for", lambda *a, **k: (collimator, [])
        )
        assert lens.chi2 < 0.7 * fit_regions(cube, one).regions[0].best.chi2
    rc = main(["pigments", str(path), "-o", str(tmp_path / "r"), "--no-progress"])
    assert rc == 0
    assert "region   1 (1 px): " in capsys.readouterr().out


def test_a_standard_under_a_monochromatic_beam_is_flagged_unreliable(real_data, capsys, tmp_path):
    """PyMca's real test spectrum (a thin multi-element standard under a monochromatised Mo
    beam) is nothing our tube-and-paint forward model can make: the fit says its candidates are
    unreliable; the real M6 spot spectrum of a painting is not flagged."""
    rc = main(["pigments", str(real_data / "pymca_XRFSpectrum.mca"), "-o", str(tmp_path / "a")])
    out = capsys.readouterr().out
    assert rc == 0 and "of the counts unexplained" in out and "unreliable" in out
    m6 = real_data / "bruker_m6_jetstream_file_example.spx"
    assert main(["pigments", str(m6), "-o", str(tmp_path / "b"), "--no-progress"]) == 0
    assert "unreliable" not in capsys.readouterr().out


def test_cli_never_writes_over_its_inputs(scan, tmp_path, capsys):
    """A report's own region_spectra.csv (a readable spectrum) or regions.png read back from the
    folder the report goes to used to be replaced by the new report."""
    cube_path, _ = scan
    out = tmp_path / "r"
    argv = ["pigments", str(cube_path), "--labels", str(cube_path), "--no-progress"]
    assert main(argv + ["-o", str(out)]) == 0
    for again in (
        ["pigments", str(out / "region_spectra.csv"), "-o", str(out), "--no-progress"],
        ["pigments", str(cube_path), "--labels", str(out / "regions.png"), "-o", str(out)],
    ):
        before = {p.name: p.read_bytes() for p in out.iterdir()}
        capsys.readouterr()
        assert main(again) == 2
        assert "would be overwritten" in capsys.readouterr().err
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_cli_reads_a_16_bit_label_image_numbering_a_region_65535(scan, tmp_path, capsys):
    """A 16-bit label PNG whose last region is 65535 (another segmenter's output): the fit asked
    for 32 GiB and died with a traceback. The report keeps the image's own numbers: the printed
    table, candidates.csv, the page and regions.png read back."""
    from PIL import Image

    cube_path, labels_path = scan
    labels = np.load(labels_path)
    big = np.where(labels == 3, 65535, labels).astype(np.uint16)
    Image.fromarray(big).save(tmp_path / "big.png")
    out = tmp_path / "r"
    args = ["pigments", str(cube_path), "-l", str(tmp_path / "big.png"), "-o", str(out)]
    assert main(args + ["--no-progress"]) == 0
    assert re.search(r"^region 65535 \(.*Zinc white", capsys.readouterr().out, re.MULTILINE)
    top = {r["region"]: r["pigments"] for r in _candidates(out) if r["rank"] == "1"}
    assert set(top) == {"1", "2", "65535"} and top["65535"] == "Zinc white"
    assert "region 65535" in (out / "report.html").read_text()
    np.testing.assert_array_equal(np.asarray(Image.open(out / "regions.png")), big)


def test_cli_table_csv_and_page_show_each_regions_pixels_and_its_interior(scan, tmp_path, capsys):
    """A region's "px" is all its pixels (as regions.png has them); its spectrum, fits and counts
    come from its interior, said as such: the printed table, candidates.csv and the page agree.
    They used to show the interior alone as the region's size (432 px shown as 324)."""
    cube_path, labels_path = scan
    labels = np.load(labels_path)
    full = np.bincount(labels.ravel())
    out = tmp_path / "r"
    assert main(["pigments", str(cube_path), "-l", str(labels_path), "-o", str(out)]) == 0
    captured = capsys.readouterr()
    text = captured.out
    # each stage of the fit has its bar: the pass over the file, the ground, the regions
    for stage in ("Reading each region's mean spectrum", "Choosing the ground", "Fitting each"):
        assert re.search(f"{stage}[^:]*: 100%", captured.err), stage
    rows = [r for r in _candidates(out) if r["rank"] == "1"]
    page = (out / "report.html").read_text()
    for r in rows:
        lab, inner = int(r["region"]), int(r["interior_pixels"])
        assert int(r["pixels"]) == full[lab] and 0 < inner < full[lab]
        said = f"{full[lab]} px, spectrum from {inner} interior px"
        assert f"region {lab:3d} ({said}): " in text and said in page
    assert "interior_pixels: those its spectrum" in (out / "candidates.csv").read_text()
