"""Transfer-evaluation sets: the second pigment table, the heldout2 instrument family and cubes
exported the way users receive them."""

import csv

import numpy as np
import pytest
from skimage.color import deltaE_ciede2000, rgb2lab

from xrf_napari.physics.instrument import (
    HELDOUT2_ANODES,
    TRAIN_ANODES,
    InstrumentProfile,
    random_profile,
)
from xrf_napari.physics.pigments import (
    active_table,
    get_pigment,
    load_pigments,
    resolve_table,
    use_table,
)
from xrf_napari.synth.swatches import IDENTIFIABLE


def _lab(rgb):
    return rgb2lab(np.asarray(rgb, dtype=float).reshape(1, 1, 3))[0, 0]


def test_reference_table_has_the_same_pigments_with_other_colours_and_sources():
    main = {p.name: p for p in load_pigments()}
    ref = {p.name: p for p in load_pigments(resolve_table("reference"))}
    assert set(ref) == set(main)
    moved = [n for n in IDENTIFIABLE if deltaE_ciede2000(_lab(ref[n].rgb), _lab(main[n].rgb)) > 3]
    assert len(moved) >= 12, moved  # most identifiable swatches get an independent colour
    for p in ref.values():  # each colour says where it comes from, or that it is the main one
        assert p.colour_source.startswith(("measured:", "no independent")), p.name
        if p.colour_source.startswith("measured:"):  # the hex is the Lab (clipped to sRGB)
            assert deltaE_ciede2000(_lab(p.rgb), np.array(p.lab)) < 15, p.name
    assert ref["Cadmium yellow"].composition()["Zn"] > main["Cadmium yellow"].composition()["Zn"]


def test_use_table_switches_lookups_and_restores():
    main_hex = get_pigment("Cobalt blue").srgb_hex
    with use_table("reference") as path:
        assert active_table() == path
        assert get_pigment("Cobalt blue").srgb_hex != main_hex
        assert len(load_pigments()) == len(load_pigments(path))
    assert active_table() is None and get_pigment("Cobalt blue").srgb_hex == main_hex


def test_use_table_rejects_missing_files_and_tables_without_the_generators_pigments(tmp_path):
    with pytest.raises(ValueError, match="no such file; give a CSV file or one of"):
        with use_table(str(tmp_path / "nope.csv")):
            pass
    src = resolve_table("reference")
    rows = list(csv.DictReader(open(src, encoding="utf-8")))
    bad = tmp_path / "short.csv"
    with open(bad, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(r for r in rows if r["name"] != "Gypsum")
    with pytest.raises(ValueError, match="lacks: Gypsum"):
        with use_table(str(bad)):
            pass
    assert active_table() is None


def test_heldout2_profiles_leave_training_physics_at_user_count_levels():
    rng = np.random.default_rng(4)
    train = [random_profile(rng, "train") for _ in range(200)]
    kv_lo = min(p.kv for p in train if p.anode != "Cu")
    for _ in range(100):
        h = random_profile(rng, "heldout2")
        assert isinstance(h, InstrumentProfile) and h.anode in HELDOUT2_ANODES
        assert h.anode not in TRAIN_ANODES
        assert h.kv == 35.0 if h.anode == "Mo" else h.kv < kv_lo
        assert h.tube_be_um > max(p.tube_be_um for p in train)
        assert h.takeoff_deg < min(p.takeoff_deg for p in train)
        assert h.incidence_deg < min(p.incidence_deg for p in train)
        assert h.det_be_um > max(p.det_be_um for p in train)
        assert h.si_um > max(p.si_um for p in train)
        assert not 120 <= h.fwhm_mn_ev <= 165
        assert 100 <= h.counts_per_pixel <= 10_000
        assert (h.n_channels, h.gain) in ((2048, 0.02), (8192, 0.005))
        assert h.energy[-1] > 30  # the grid reaches past the Cd, Sn and Sb K lines


@pytest.mark.slow
def test_panel_cube_from_reference_table_has_its_colours(tmp_path, monkeypatch):
    from _synth_cubes import draw_expected_counts

    from xrf_napari.io import read_cube
    from xrf_napari.io.project_h5 import read_targets
    from xrf_napari.synth.dataset import GenerateConfig, generate_one
    from xrf_napari.synth.swatches import PANEL_TINTS

    # the truth is checked here, not the counts
    draw_expected_counts(monkeypatch)
    cfg = GenerateConfig(
        out=str(tmp_path),
        n_cubes=1,
        kind="panels",
        profiles="heldout2",
        seed=5,
        pigment_table="reference",
    )
    generate_one(0, cfg)
    path = tmp_path / "cube_00000.h5"
    meta = read_cube(path).metadata
    targets = read_targets(path)
    assert meta["pigment_table"]["name"] == "reference"
    assert meta["profile"]["name"] == "random-heldout2"
    assert active_table() is None  # the table is only in force while the cube is made
    ref = {p.name: p for p in load_pigments(resolve_table("reference"))}
    main = {p.name: p for p in load_pigments()}
    checked = 0
    for j, pig in enumerate(IDENTIFIABLE):
        if deltaE_ciede2000(_lab(ref[pig].rgb), _lab(main[pig].rgb)) < 5:
            continue  # colour kept from the main table: says nothing here
        i = j * len(PANEL_TINTS)  # the masstone swatch
        got = _lab(targets["palette"][targets["labels"] == i].mean(axis=0) / 255)
        assert deltaE_ciede2000(got, _lab(ref[pig].rgb)) < 1.5, pig
        assert deltaE_ciede2000(got, _lab(main[pig].rgb)) > 4, pig
        checked += 1
    assert checked >= 10


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """One small heldout2 painting cube (native grid: 2048 channels at 20 eV), exported in every
    format."""
    from xrf_napari.synth.dataset import GenerateConfig, generate_dataset
    from xrf_napari.synth.export import FORMATS, export_set

    root = tmp_path_factory.mktemp("transfer")
    cfg = GenerateConfig(
        out=str(root / "gen"), n_cubes=1, size=48, seed=2, profiles="heldout2", native=True
    )
    generate_dataset(cfg, workers=1, progress=False)
    return root, {fmt: export_set(root / "gen", root / fmt, fmt) for fmt in FORMATS}


@pytest.mark.slow
def test_exported_cubes_read_back_through_the_user_reader_with_their_targets(exported):
    import h5py

    from xrf_napari.io.project_h5 import read_targets
    from xrf_napari.synth.export import exported_cubes
    from xrf_napari.training.evaluate import _read

    root, files = exported
    native = root / "gen" / "cube_00000_native.h5"
    with h5py.File(native, "r") as f:
        truth = f["counts"][()]
    targets = read_targets(root / "gen" / "cube_00000.h5")
    for fmt, paths in files.items():
        assert exported_cubes(root / fmt) == paths and len(paths) == 1
        assert paths[0].suffix == (".h5" if fmt == "h5" else ".rpl")
        cube, got, meta = _read(paths[0])
        assert cube.metadata["format"] == ("ripple" if fmt != "h5" else "hdf5"), fmt
        assert np.array_equal(np.asarray(cube.data[()]), truth), fmt
        for k in ("palette", "rgb", "labels"):
            assert np.array_equal(got[k], targets[k]), (fmt, k)
        assert meta["profile"]["n_channels"] == 2048 and meta["export"]["format"] == fmt
        assert meta["regions"] and meta["pigment_table"]["name"] == "main"
        tc = meta["export"]["true_calibration"]
        rc = meta["export"]["read_calibration"]
        assert rc["source"] == ("auto" if fmt == "rpl-nocal" else "file"), fmt
        if fmt != "rpl-nocal":
            assert rc["offset"] == pytest.approx(tc["offset"], abs=1e-9)
            assert rc["gain"] == pytest.approx(tc["gain"], rel=1e-9)
        else:  # automatic calibration: within a channel where the pigments' lines are
            for e in np.linspace(2.0, 10.0, 9):
                ch_true = (e - tc["offset"]) / tc["gain"]
                ch_read = (e - rc["offset"]) / rc["gain"]
                assert abs(ch_read - ch_true) <= 1.0, (e, ch_read, ch_true)


def test_export_set_refuses_folders_that_are_not_generated_sets(tmp_path):
    from xrf_napari.synth.export import export_set

    with pytest.raises(ValueError, match="no manifest.json"):
        export_set(tmp_path, tmp_path / "out", "rpl")
    with pytest.raises(ValueError, match="unknown export format"):
        export_set(tmp_path, tmp_path / "out", "tiff")


def test_ripple_writer_without_calibration_leaves_the_reader_to_calibrate(tmp_path):
    from xrf_napari.energy import Calibration
    from xrf_napari.io import read_cube
    from xrf_napari.io.ripple import parse_header, write

    arr = np.random.default_rng(0).integers(0, 900, size=(3, 5, 128)).astype(np.uint16)
    p = write(tmp_path / "a.rpl", arr, Calibration(-0.25, 0.02))
    hdr = parse_header(p)
    assert (hdr.height, hdr.width, hdr.depth) == arr.shape
    assert hdr.calibration.offset == -0.25 and hdr.calibration.gain == 0.02
    assert np.array_equal(read_cube(p, auto_calibrate=False).data[()], arr)
    q = write(tmp_path / "b.rpl", arr, None)
    assert parse_header(q).calibration is None
    with pytest.raises(ValueError, match="integer array"):
        write(tmp_path / "c.rpl", arr.astype(np.float32), None)


@pytest.mark.slow
def test_export_set_command_writes_one_folder_per_format(exported, tmp_path, capsys):
    from xrf_napari.cli.train import main

    root, _ = exported
    out = tmp_path / "all"
    assert (
        main(["export-set", "--data", str(root / "gen"), "--format", "all", "--out", str(out)]) == 0
    )
    for fmt, suffix in (("rpl", ".rpl"), ("rpl-nocal", ".rpl"), ("h5", ".h5")):
        assert (out / fmt / f"cube_00000{suffix}").is_file()
        assert (out / fmt / "cube_00000.targets.npz").is_file()
    assert "wrote 1 rpl-nocal cube (" in capsys.readouterr().out
    # evaluate on the parent folder said only "no cubes": it names the folders that hold them
    assert main(["evaluate", "--data", str(out)]) == 2
    assert "its subfolders h5/, rpl-nocal/, rpl/ hold cubes" in capsys.readouterr().err
    # the output guard: exporting into the source folder is refused before anything is written
    assert (
        main(
            [
                "export-set",
                "--data",
                str(root / "gen"),
                "--format",
                "h5",
                "--out",
                str(root / "gen"),
            ]
        )
        == 2
    )


def test_generate_command_refuses_an_unknown_pigment_table(tmp_path, capsys):
    from xrf_napari.cli.train import main

    code = main(
        ["generate", "--out", str(tmp_path / "o"), "--n-cubes", "1", "--pigment-table", "nope.csv"]
    )
    err = capsys.readouterr().err
    assert code == 2 and "no such file; give a CSV file or one of the shipped tables, main, " in err
    assert not (tmp_path / "o" / "manifest.json").exists()


def test_generate_command_refuses_a_count_level_it_cannot_make(tmp_path, capsys):
    from xrf_napari.cli.train import main

    base = ["generate", "--out", str(tmp_path / "o"), "--n-cubes", "1", "--counts-per-pixel"]
    with pytest.raises(SystemExit) as exc:  # argparse's refusal since session 55
        main(base + ["0"])
    assert exc.value.code == 2
    assert "argument --counts-per-pixel: 0 is out of range" in capsys.readouterr().err
    assert main(base + ["400", "--style", "paper"]) == 2
    assert "physics generator only" in capsys.readouterr().err
    assert not (tmp_path / "o" / "manifest.json").exists()


def test_painting_recipes_mix_from_the_table_in_use():
    from xrf_napari.synth.recipes import choose_recipe

    rng = np.random.default_rng(0)
    with use_table("reference"):
        target = get_pigment("Smalt").rgb  # pale chart smalt, far from the main table's (41 dE)
        r = choose_recipe(target, rng, tolerance=0.0)
        assert r.pigments == ["Smalt"] and r.delta_e < 0.5
    r_main = choose_recipe(target, rng, tolerance=0.0)  # the main table's cache is not reused
    assert r_main.pigments != ["Smalt"] and r_main.delta_e > 0.5


def test_docs_do_not_call_the_test_family_unseen_when_wide_contains_it():
    """`wide` (the recolouriser candidates' training family) draws the `test` family's anode and
    resolutions, so the docs may call `test` unseen only relative to `train`."""
    from pathlib import Path

    rng = np.random.default_rng(7)
    wide = [random_profile(rng, "wide") for _ in range(400)]
    test = [random_profile(rng, "test") for _ in range(100)]
    assert {p.anode for p in test} <= {p.anode for p in wide}
    lo, hi = min(p.fwhm_mn_ev for p in wide), max(p.fwhm_mn_ev for p in wide)
    assert all(lo <= p.fwhm_mn_ev <= hi for p in test)
    docs = Path(__file__).resolve().parents[1] / "docs" / "physics.md"
    row = next(
        ln for ln in docs.read_text(encoding="utf-8").splitlines() if ln.startswith("| `test`")
    )
    assert "never in training" not in row and "not in `train`" in row
