"""What the README and docs/ tell a new user, checked against the code (session 49's doc walk).

test_doc_commands40 checks the command lines the docs give; these check the rest a reader acts
on: an option named alone (`--paint-suggested`), a link or a path in the repository, the
Preferences page of user guide section 6, and the element-suggestion figures user guide section 2
quotes from benchmarks/bench_element_suggestion.py, which change whenever analysis/peaks.py does."""

from __future__ import annotations

import argparse
import importlib
import re
from pathlib import Path

import pytest
from _bench_scripts import BENCH, CHECKOUT, load_module

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
#: Options of programs the docs run that are not ours (torchrun's, in docs/training.md), and the
#: unknown option of the error the user guide quotes for one typed before the command.
FOREIGN = {"--standalone", "--nproc", "--nnodes", "--rdzv", "--foo"}


def _options_we_have() -> set[str]:
    """Every option of the xrf-napari and xrf-napari-train commands, and every option string a
    script or benchmark of the checkout defines."""
    from xrf_napari.cli import main as cli_main
    from xrf_napari.cli import train as cli_train

    found = set()
    for table in (cli_main.COMMANDS, cli_train.COMMANDS):
        for module, *_ in table.values():
            parser = argparse.ArgumentParser()
            importlib.import_module(module).configure(parser)
            found |= set(parser._option_string_actions)
    for folder in (CHECKOUT / "scripts", BENCH):
        for path in [*folder.rglob("*.py"), *folder.rglob("*.sh")]:
            text = path.read_text(encoding="utf-8")
            quoted = r"""["'](--[a-z][a-z0-9-]*)""" if path.suffix == ".py" else r"(--[a-z][\w-]*)"
            found |= set(re.findall(quoted, text))
    return found


def unknown_options(text: str, options: set[str]) -> list[str]:
    """Options named in `text`'s code spans and blocks that nothing of ours defines."""
    spans = re.findall(r"```.*?```|`[^`\n]+`", text, flags=re.DOTALL)
    named = {o for s in spans for o in re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", s)}
    return sorted(named - options - FOREIGN)


@pytest.fixture(scope="module")
def options():
    return _options_we_have()


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_every_option_the_docs_name_is_one_we_have(path, options):
    """A guard: "`--paint-suggested`", "`--photo-cast 1.1,1.0,0.8`" or "(`--no-pool` on the command
    line)" name an option with no command before it, which test_doc_commands40 cannot attribute;
    each must at least exist in a command, a script or a benchmark."""
    assert unknown_options(path.read_text(encoding="utf-8"), options) == [], path.name


def test_a_renamed_option_is_caught(options):
    """The check finds options in spans and blocks (a regex that matched nothing would pass)."""
    text = "Use `--no-pool`, or\n```\nxrf-napari embed x --no-pooling\n```\nand `--k-rangee 2 9`."
    assert unknown_options(text, options) == ["--k-rangee", "--no-pooling"]
    assert {"--paint-suggested", "--photo-cast", "--average-flips", "--tiff"} <= options


def _named_paths(path: Path) -> list[str]:
    """Relative link targets of a Markdown file, and repository paths named in its text."""
    text = path.read_text(encoding="utf-8")
    links = [
        (path.parent / t).resolve()
        for t in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
        if not re.match(r"^[a-z]+:", t)
    ]
    repo = re.findall(
        r"(?<![\w./-])((?:src/xrf_napari|scripts|benchmarks|configs|docs|tests|sample_data)"
        r"/[\w./-]*\w)",
        text,
    )
    modules = re.findall(
        r"(?<![\w./-])((?:io|physics|synth|models|training|analysis|widgets|cli)/\w+\.py)", text
    )
    missing = [str(p) for p in links if not p.exists()]
    missing += [p for p in repo if "*" not in p and not (ROOT / p).exists()]
    missing += [m for m in modules if not (ROOT / "src" / "xrf_napari" / m).exists()]
    return sorted(set(missing))


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_links_and_paths_the_docs_name_exist(path):
    """A guard: a reader follows "[user guide](docs/user_guide.md)", runs
    `scripts/ari_ceilings.py` or opens `analysis/line_features.py`; a file renamed or removed
    without its docs leaves them pointing nowhere."""
    assert _named_paths(path) == [], path.name


def test_the_preferences_page_of_the_user_guide_exists_and_is_read(
    qtbot, plugin_settings, npe2pm, monkeypatch, tmp_path
):
    """A guard, user guide section 6: "File > Preferences > XRF recolouring has two settings: the
    default device and a weights folder ...; XRF_NAPARI_DEVICE and XRF_NAPARI_WEIGHTS override
    them". napari builds that page from napari.yaml's configuration; the panels read it."""
    from napari._qt.dialogs.preferences_dialog import PreferencesDialog
    from napari.settings import get_plugin_settings
    from npe2 import PluginManifest
    from qtpy.QtWidgets import QLabel

    import xrf_napari
    from xrf_napari.widgets import _common

    npe2pm.register(PluginManifest.from_file(Path(xrf_napari.__file__).with_name("napari.yaml")))
    for variable in ("XRF_NAPARI_DEVICE", "XRF_NAPARI_WEIGHTS"):
        monkeypatch.delenv(variable, raising=False)
    dialog = PreferencesDialog()
    qtbot.addWidget(dialog)
    items = [dialog._list.item(i).text() for i in range(dialog._list.count())]
    assert "XRF recolouring" in items, items
    page = dialog._stack.widget(items.index("XRF recolouring"))
    labels = {w.text() for w in page.findChildren(QLabel)}
    assert {"Device", "Weights folder"} <= labels, labels

    settings = get_plugin_settings("xrf-napari").models
    settings.device = "cpu"
    (tmp_path / "dve.safetensors").write_bytes(b"")
    settings.weights_folder = str(tmp_path)
    assert _common.device_combo().currentText() == "cpu"
    assert _common.default_weights("dve") == str(tmp_path / "dve.safetensors")
    assert _common.default_weights("uvit") == ""  # not in the folder: the shipped weights
    monkeypatch.setenv("XRF_NAPARI_DEVICE", "auto")
    monkeypatch.setenv("XRF_NAPARI_WEIGHTS", str(tmp_path / "elsewhere"))
    assert _common.device_combo().currentText() == "auto"
    assert _common.default_weights("dve") == ""


def _guide_figures() -> dict[str, tuple[int, int, str]]:
    """(found, true, false) of the bundled samples and the two pigment families, as user guide
    section 2 quotes bench_element_suggestion.py: "the samples 31 of 35 elements found, none
    false; M6 100 of 104 (...), none false; W tube 87 of 104, none false"."""
    text = re.sub(r"\s+", " ", (ROOT / "docs" / "user_guide.md").read_text(encoding="utf-8"))
    m = re.search(
        r"the samples (\d+) of (\d+) elements found, (\w+) false; M6 (\d+) of (\d+) (?:\([^)]*\))?"
        r",? ?(\w+) false; W tube (\d+) of (\d+), (\w+) false",
        text,
    )
    assert m, "user guide section 2 no longer quotes bench_element_suggestion.py as expected"
    g = m.groups()
    return {
        "samples": (int(g[0]), int(g[1]), g[2]),
        "M6 Rh50 He": (int(g[3]), int(g[4]), g[5]),
        "W35 air": (int(g[6]), int(g[7]), g[8]),
    }


def test_the_element_suggestion_figures_the_guide_quotes_are_measured():
    """A guard: user guide section 2 quotes what benchmarks/bench_element_suggestion.py measures
    (samples, and one pigment over chalk under an M6 and a W tube); a change of analysis/peaks.py
    that moves them must update that sentence ("Measured on files whose elements are known")."""
    bench = load_module(BENCH / "bench_element_suggestion.py", "bench_element_suggestion49")
    rows = {"samples": bench.samples()}
    cubes = bench.pigment_cubes()
    for family in bench.families():
        rows[family] = [r for r in cubes if r["name"].startswith(family)]
    measured = {}
    for name, group in rows.items():
        n_false = sum(len(r["false"]) for r in group)
        measured[name] = (
            sum(r["found"] for r in group),
            sum(r["true"] for r in group),
            "none" if n_false == 0 else str(n_false),
        )
    assert measured == _guide_figures(), (
        "docs/user_guide.md ('Measured on files whose elements are known') quotes other figures "
        f"than benchmarks/bench_element_suggestion.py measures now: {measured}"
    )


def test_info_without_the_automatic_calibration_shows_the_files_own(tmp_path, capsys):
    """A guard, formats.md ("A file's calibration is not trusted silently"): a calibration that
    contradicts the peaks is replaced only with the automatic calibration on; `xrf-napari info
    --no-auto-calibration` shows the file's own, while an implausible one is dropped either way."""
    import json

    import numpy as np

    from xrf_napari import read_cube
    from xrf_napari.cli.main import main

    counts = np.asarray(read_cube(ROOT / "src/xrf_napari/sample_data/painting.h5").data[:64])
    scan = tmp_path / "scan.npy"
    np.save(scan, counts)

    def calibration(sidecar: dict, *options: str) -> dict:
        (tmp_path / "scan.json").write_text(json.dumps(sidecar), encoding="utf-8")
        assert main(["info", "--json", *options, str(scan)]) == 0
        return json.loads(capsys.readouterr().out)["calibration"]

    one_kev_high = {"offset": 2.025, "gain": 0.05}
    with pytest.warns(UserWarning, match="contradicts"):
        assert calibration(one_kev_high)["source"] == "auto"
    kept = calibration(one_kev_high, "--no-auto-calibration")
    assert (kept["source"], kept["offset"], kept["gain"]) == ("file", 2.025, 0.05)
    with pytest.warns(UserWarning, match="implausible"):
        dropped = calibration({"offset": 25.0, "gain": 0.05}, "--no-auto-calibration")
    assert dropped["source"] == "none"


def test_the_modules_the_readmes_layout_names_exist():
    """A guard: README's Layout names the core's and the widgets' modules for a new contributor
    (until session 49 it left out the Instrument row's, the Spectrum plot's and napari's reader,
    writer and samples); each one it names must be where it says."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = text[text.index("## Layout") : text.index("## Licence")]
    package = ROOT / "src" / "xrf_napari"
    named = re.findall(r"`([\w.]+\.(?:py|yaml)|\w+/)`", layout)
    assert len(named) >= 20, named
    missing = [
        n for n in named if not ((package / n).exists() or (package / "widgets" / n).exists())
    ]
    assert missing == [], missing


def _command_table() -> dict[str, str]:
    """User guide section 7's command-line table: command -> what its row says it writes."""
    text = (ROOT / "docs" / "user_guide.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `xrf-napari (\w+) [^`]*` \| (.*) \|$", text, flags=re.MULTILINE)
    return dict(rows)


def test_the_guides_command_table_names_the_files_the_commands_write(tmp_path, capsys):
    """A guard: "Exports at a glance" lists what each `xrf-napari` command writes (a new user's
    first question after running one); the names are the code's, and quicklook's are those a run
    writes."""
    import numpy as np

    from xrf_napari import read_cube
    from xrf_napari.analysis.pigment_report import REPORT_FILES
    from xrf_napari.cli.embed_cmd import OUTPUT_NAMES
    from xrf_napari.cli.main import main
    from xrf_napari.io.project_h5 import write_cube

    table = _command_table()
    assert set(table) == {"info", "quicklook", "embed", "recolour", "pigments"}, table
    for name in (*OUTPUT_NAMES, "--clusters", "--k-range"):
        assert name in table["embed"], name
    for name in REPORT_FILES:
        assert f"`{name}`" in table["pigments"], name

    cube = read_cube(ROOT / "src/xrf_napari/sample_data/panel.h5")
    scan = tmp_path / "scan.h5"
    write_cube(scan, np.asarray(cube.data[:32, :32]), cube.calibration, metadata=cube.metadata)
    assert main(["quicklook", str(scan), "-o", str(tmp_path / "q"), "--tiff", "--no-progress"]) == 0
    capsys.readouterr()
    written = sorted(p.name for p in (tmp_path / "q").iterdir())
    patterns = re.findall(r"`(?:DIR/)?<scan>(_[^`]*)`", table["quicklook"])
    as_regex = [
        re.escape(p).replace("<element>", r"[A-Z][a-z]?").replace("<line>", r"\w+")
        for p in patterns
    ]
    assert {"_sum_spectrum.png", "_maps.csv"} <= set(patterns), patterns
    for name in written:
        assert any(re.fullmatch("scan" + r, name) for r in as_regex), (name, patterns)
    assert any(n.endswith(".tif") for n in written) and any(n.endswith("Ka.png") for n in written)
