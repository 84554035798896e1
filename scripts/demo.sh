#!/usr/bin/env bash
# Install xrf-napari into .venv and recolour the bundled sample painting cube to a PNG, headless.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q "torch==2.13.0"          # CPU build first, so nothing pulls a CUDA build
python -m pip install -q -e .
mkdir -p out
xrf-napari recolour src/xrf_napari/sample_data/painting.h5 --output out/painting_recoloured.png
xrf-napari quicklook src/xrf_napari/sample_data/painting.h5 --output out/painting_quicklook
echo "wrote out/painting_recoloured.png and out/painting_quicklook/"
