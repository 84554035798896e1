# Sourced by demo.sh and test.sh: create/activate .venv and install torch's CPU build first (an
# unpinned torch pulls a multi-GB CUDA build), then xrf-napari with the extras given in $EXTRAS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python3 -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q "torch==2.13.0"
python -m pip install -q -e ".${EXTRAS:-}"
