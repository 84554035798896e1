# Sourced by demo.sh and test.sh: create/activate .venv and install torch pinned to 2.13.0 first (on
# this project's machines pip's find-links serve a CPU build of that version; an unpinned torch pulls
# a multi-GB CUDA build from PyPI), then xrf-napari with the extras given in $EXTRAS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c "import ensurepip" 2>/dev/null; then
  echo "error: python3 cannot make a virtual environment; install it first (Debian/Ubuntu: apt-get install python3-venv)" >&2
  exit 1
fi
python3 -m venv .venv
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q "torch==2.13.0"
python -m pip install -q -e ".${EXTRAS:-}"
