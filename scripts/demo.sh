#!/usr/bin/env bash
# Install xrf-napari into .venv and recolour the bundled sample painting cube to a PNG, headless.
set -euo pipefail
EXTRAS="" . "$(dirname "$0")/_venv.sh"
mkdir -p out
xrf-napari recolour src/xrf_napari/sample_data/painting.h5 --output out/painting_recoloured.png
xrf-napari quicklook src/xrf_napari/sample_data/painting.h5 --output out/painting_quicklook
echo "wrote out/painting_recoloured.png and out/painting_quicklook/"
