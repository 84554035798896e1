"""Scripts audit of session 41 (every scripts/ and benchmarks/ .py run at its smallest settings on
tiny generated cubes): a set made with `generate --native` holds each painting twice
(cube_00000.h5 and its copy at native channels cube_00000_native.h5), which pigment_usage.py,
pigment_table_ceiling.py and ood_scores.py each counted as two cubes; and bayes_ari.py scored
MS-SSIM over 5 scales, which ends in a ValueError on cubes of 160 px or less. Small files only:
copies of the bundled panel sample, a hand-made 48 px cube."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from _bench_scripts import load_module

ROOT = Path(__file__).resolve().parents[1]
PANEL = ROOT / "src" / "xrf_napari" / "sample_data" / "panel.h5"


def _script(relpath: str):
    """A script of the checkout as a module (its main does not run); sys.path restored."""
    path = ROOT / relpath
    return load_module(path, f"_s41_{path.stem}")


def _native_set(folder: Path, n: int = 1) -> Path:
    """n copies of the panel sample as a procedural set made with --native: each cube and its
    native copy (the same painting)."""
    folder.mkdir()
    manifest = {"split": None, "images_dir": None, "kind": "paintings", "native": True}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for i in range(n):
        shutil.copy(PANEL, folder / f"cube_{i:05d}.h5")
        shutil.copy(PANEL, folder / f"cube_{i:05d}_native.h5")
    return folder


def test_pigment_usage_counts_a_native_sets_paintings_once(tmp_path):
    """`generate --native` writes cube_00000_native.h5 beside cube_00000.h5; pigment_usage
    counted both (4 cubes and 56 regions for a 2-cube set), doubling the base rates' totals."""
    folder = _native_set(tmp_path / "set")
    counts = _script("scripts/pigment_usage.py").count(folder)
    assert counts["cubes"] == 1
    with __import__("h5py").File(PANEL, "r") as f:
        regions = json.loads(f.attrs["metadata"])["regions"]
    assert counts["regions"] == len(regions)
    assert counts["counts"]["Vermilion"] == 1


def test_pigment_table_ceiling_reads_each_swatch_once(tmp_path):
    """The same for pigment_table_ceiling: each swatch of a --native panel set was scored twice."""
    script = _script("scripts/pigment_table_ceiling.py")
    single = tmp_path / "single"
    single.mkdir()
    shutil.copy(PANEL, single / "cube_00000.h5")
    once = script.swatch_floor([single])
    twice = script.swatch_floor([_native_set(tmp_path / "set")])
    assert once and {k: len(v) for k, v in twice.items()} == {k: len(v) for k, v in once.items()}


def test_ood_scores_skips_native_copies(tmp_path, monkeypatch, capsys):
    """ood_scores took a native copy for a cube of its own: --max-cubes 2 read one painting twice
    and the folder's summary counted it twice. The reader and the report are stubbed (no model
    run): which files are read is what is asserted."""
    from types import SimpleNamespace

    import xrf_napari
    from xrf_napari.analysis import ood

    folder = _native_set(tmp_path / "set", n=2)
    read = []

    def fake_read(path):
        read.append(Path(path).name)
        return SimpleNamespace(metadata={}, calibration=None)

    report = SimpleNamespace(warn=False, score=0.5, reasons=[], counts_per_pixel=100.0)
    monkeypatch.setattr(xrf_napari, "read_cube", fake_read)
    monkeypatch.setattr(ood, "check_scan", lambda cube: report)
    script = _script("scripts/ood_scores.py")
    assert script.main([str(folder), "--max-cubes", "2"]) == 0
    assert read == ["cube_00000.h5", "cube_00001.h5"], read
    assert "0/2 flagged" in capsys.readouterr().out
    # a native copy given by name is still read
    read.clear()
    assert script.main([str(folder / "cube_00000_native.h5")]) == 0
    assert read == ["cube_00000_native.h5"]


def test_bayes_ari_scores_cubes_of_160_px_or_less(tmp_path, capsys):
    """benchmarks/weights/paper_style/bayes_ari.py ended in 'MS-SSIM with 5 scales and a 11 px
    window needs images larger than 160 px per side, got 64' on a small paper-style set; it now
    takes evaluate's scale count for the set and says so."""
    from xrf_napari.energy import Calibration
    from xrf_napari.io.project_h5 import write_cube

    script = _script("benchmarks/weights/paper_style/bayes_ari.py")
    colours = [[0.8, 0.1, 0.1], [0.1, 0.2, 0.8]]
    meta = {"regions": [{"colour_rgb": c} for c in colours]}
    spectra = script.cluster_spectra_canonical(meta)
    side = 48
    labels = np.zeros((side, side), np.uint8)
    labels[:, side // 2 :] = 1
    rng = np.random.default_rng(0)
    counts = np.stack([rng.multinomial(200, spectra[k]) for k in labels.ravel()])
    counts = counts.reshape(side, side, -1).astype(np.uint16)
    palette = (np.asarray(colours)[labels] * 255).astype(np.uint8)
    folder = tmp_path / "set"
    folder.mkdir()
    write_cube(
        folder / "cube_00000.h5",
        counts,
        Calibration.canonical(),
        targets={"labels": labels, "palette": palette, "rgb": palette},
        metadata=meta,
    )
    assert script.main(["--data", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "MS-SSIM over 3 of 5 scales" in out and "over 1 cubes" in out


# -- the scripts' documented command lines --------------------------------------------------------
#: Prints {script: {option: choices or None}} of each script's argparse parser: each script's
#: main is run until it parses its arguments (in a child process: some scripts set OpenMP's
#: environment or sys.path as they load).
_PARSERS = r"""
import argparse, json, runpy, sys
class Got(Exception):
    pass
def grab(self, args=None, namespace=None):
    raise Got({o: (sorted(map(str, a.choices)) if a.choices else None)
               for o, a in self._option_string_actions.items()})
argparse.ArgumentParser.parse_args = grab
out = {}
for script in sys.argv[1:]:
    sys.argv = [script]
    try:
        runpy.run_path(script, run_name="__main__")
    except Got as got:
        out[script] = got.args[0]
    except BaseException as exc:
        out[script] = repr(exc)
print(json.dumps(out))
"""
_SCRIPT = re.compile(r"((?:scripts|benchmarks)/[\w/]+\.py)([^\n]*)")


def _script_lines():
    """(document, script, option tokens) of each command line naming a script in the docs, the
    model cards, the weights' manifests and the scripts' own docstrings."""
    from test_doc_commands40 import STOP, _documents

    paths = _documents() + sorted((ROOT / "scripts").glob("*.py"))
    paths += sorted((ROOT / "benchmarks").rglob("*.py"))
    for path in paths:
        text = re.sub(r"\\\n\s*", " ", path.read_text(encoding="utf-8"))
        text = re.sub(r"\n\s+(\[)", r" \1", text)  # a usage continued on the next line
        for m in _SCRIPT.finditer(text):
            rest = m.group(2)
            rest = rest[: STOP.search(rest).start()]
            tokens = [t.strip("[]{}\"',.|") for t in rest.replace("|", " ").split()]
            yield path, m.group(1), [t for t in tokens if t]


def test_documented_script_commands_use_options_the_scripts_have():
    """test_doc_commands40 checks the xrf-napari commands' documented lines; the scripts' lines
    (model cards' `python scripts/... --option`, the scripts' own usage) had no check: an option
    renamed in a script failed only for the reader who copied it. Each documented option must be
    one of the script's, and a literal value of an option with choices one of them."""
    from test_doc_commands40 import _placeholder

    lines = list(_script_lines())
    missing = [f"{d.relative_to(ROOT)}: {s}" for d, s, _ in lines if not (ROOT / s).is_file()]
    assert missing == [], "documented scripts that do not exist"
    # a line naming a script without options (a module such as _measure.py) asks no parser
    lines = [(d, s, t) for d, s, t in lines if any(x.startswith("-") for x in t)]
    scripts = sorted({s for _, s, _ in lines})
    assert len(lines) >= 40 and len(scripts) >= 20, (len(lines), scripts)
    run = subprocess.run(
        [sys.executable, "-c", _PARSERS, *scripts],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    parsers = json.loads(run.stdout.strip().splitlines()[-1])
    found = []
    for doc, script, tokens in lines:
        where = f"{doc.relative_to(ROOT)}: {script}"
        options = parsers[script]
        if not isinstance(options, dict):
            found.append(f"{where}: did not reach its parser ({options})")
            continue
        for i, token in enumerate(tokens):
            name, _, inline = token.partition("=")
            if not re.match(r"^--?[a-zA-Z][\w-]*$", name):
                continue
            if name not in options:
                found.append(f"{where} {name}: no such option")
                continue
            value = inline or (tokens[i + 1] if i + 1 < len(tokens) else "")
            if options[name] and value and not value.startswith("-"):
                for v in value.split(","):
                    if not _placeholder(v) and v not in options[name]:
                        found.append(f"{where} {name} {v}: not one of its choices")
    assert found == []
