#!/usr/bin/env python
"""Screenshot of the Pigments dock for the docs: a sample (or any synthetic cube with true labels)
in napari, its true regions as a Labels layer, the dock run, the window saved.

    python scripts/screenshot_pigments.py [--sample panel|painting | --cube FILE.h5]
        [--name NAME] [--out docs/images] [--uvit] [--photo [--find-regions]]

Reuses the helpers of scripts/screenshots.py (Xvfb re-run, waiting for jobs, atomic saves).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from xrf_napari.cli import script_main

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screenshots import PLUGIN, ROOT, _ensure_display, settle, shot, wait


@script_main
def main(argv=None) -> int:
    from xrf_napari.argtypes import existing
    from xrf_napari.cli import CommandParser  # options given in full

    p = CommandParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sample", default="panel", choices=("panel", "painting"))
    p.add_argument(
        "--cube",
        type=existing("file"),
        help="a synthetic cube file (with targets/labels) instead of a sample",
    )
    p.add_argument(
        "--name", default=None, help="screenshot name (default: pigments_<sample or file stem>)"
    )
    p.add_argument("--out", default=str(ROOT / "docs" / "images"))
    p.add_argument("--uvit", action="store_true", help="use the SmallUViT region colours (slower)")
    p.add_argument("--photo", action="store_true", help="a sample's true colours as the Photograph")
    p.add_argument(
        "--find-regions",
        action="store_true",
        help="with --photo: regions from the dock's Find regions, not the true ones",
    )
    args = p.parse_args(argv)
    # refused before napari starts: a missing --cube, a file without true regions and
    # --find-regions without --photo ended in a traceback or an error once a viewer was open
    if args.find_regions and not args.photo:
        p.error("--find-regions needs --photo")
    if args.photo and args.cube:  # a cube opened in napari has no true colours layer (only a
        # sample has): refused once the viewer was open
        p.error("--photo needs a sample (its true colours layer), not --cube")
    from xrf_napari._sample_data import SAMPLE_DIR, SAMPLES
    from xrf_napari.io.hdf5 import open_hdf5
    from xrf_napari.io.project_h5 import targets_of

    path = Path(args.cube) if args.cube else SAMPLE_DIR / SAMPLES[args.sample]
    try:  # opened as the readers open it: h5py's "file signature not found" was passed through
        with open_hdf5(path) as f:
            regions = targets_of(f, path, ["labels"]).get("labels")
    except (OSError, ValueError) as exc:  # the readers' words (CubeReadError), naming the file
        p.error(f"--cube {exc}")
    if regions is None:
        p.error(f"--cube {path}: no true regions (targets/labels) in it: give a cube of generate")
    _ensure_display()

    import napari

    viewer = napari.Viewer(show=True, title="xrf-napari")
    viewer.window.resize(1800, 1000)
    if args.cube:
        viewer.open(str(path), plugin=PLUGIN)
    else:
        viewer.open_sample(PLUGIN, args.sample)
    labels = regions.astype("int32") + 1
    viewer.add_labels(labels, name="true regions", opacity=0.3)
    dock, widget = viewer.window.add_plugin_dock_widget(PLUGIN, "Pigments")
    dock.setMinimumWidth(640)
    widget.use_uvit.setChecked(args.uvit)
    widget.device.setCurrentText("cpu")
    widget.labels_combo.set_layer(viewer.layers["true regions"])
    if args.photo:
        true_rgb = [ly for ly in viewer.layers if ly.metadata.get("kind") == "true_rgb"]
        if not true_rgb:
            p.error("--photo needs a sample (its true colours layer)")
        widget.photo_combo.set_layer(true_rgb[0])
    if args.find_regions:
        widget.find_regions()
        wait(widget.job)
    widget.run()
    wait(widget.job)
    viewer.layers["true regions"].visible = False
    widget.table.selectRow(1)
    viewer.reset_view()
    settle(0.5)
    shot(viewer, Path(args.out), args.name or f"pigments_{args.cube and path.stem or args.sample}")
    viewer.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
