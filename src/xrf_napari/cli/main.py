"""`xrf-napari`: headless use of the plugin's core (no Qt)."""

from __future__ import annotations

from ._dispatch import dispatch

#: What `xrf-napari --help` says above the commands: the module docstring's markdown backticks
#: were shown literally there ("`xrf-napari`: headless use ...").
DESCRIPTION = "Headless use of the plugin's core (no Qt)."

COMMANDS = {
    "info": ("xrf_napari.cli.info_cmd", "Describe a datacube: shape, dtype, calibration, metadata"),
    "quicklook": (
        "xrf_napari.cli.quicklook_cmd",
        "Write the sum spectrum and element maps of a cube to PNG",
    ),
    "embed": ("xrf_napari.cli.embed_cmd", "Embed a cube with the DVE and cluster it with K-Means"),
    "recolour": ("xrf_napari.cli.recolour_cmd", "Recolour a cube to RGB with the SmallUViT"),
    "pigments": (
        "xrf_napari.cli.pigments_cmd",
        "Rank candidate paints per region; write an HTML/CSV report",
    ),
}


def main(argv=None) -> int:
    return dispatch("xrf-napari", DESCRIPTION, COMMANDS, argv)


if __name__ == "__main__":
    raise SystemExit(main())
