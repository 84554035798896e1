#!/usr/bin/env bash
# One prepared GPU run, from the repo root: synthetic data (if absent) -> DVE embedder -> SmallUViT
# recolouriser (+ per-pixel MLP baseline) -> held-out evaluation, inside a total time budget.
#
#   bash scripts/gpu_train.sh                      # on the lent H100: --device cuda, ~7 min
#   TINY=1 DEVICE=cpu bash scripts/gpu_train.sh    # smoke test at tiny scale on a laptop/CI box
#
# Environment: OUT (results folder; the device tool sets it), DEVICE (cuda), BUDGET_S (total seconds,
# default 420), WORKERS (generator processes, default 16), EMB_STEPS, UVIT_BATCH, UVIT_LR, TINY.
# Needs torch (preinstalled on the GPU image). Missing pure-Python/binary deps (xraylib for the
# generator, pytorch-msssim for MS-SSIM) are installed from wheels in .whl/ if present: carry ".whl".
# Writes into $OUT at most 8 files: dve.safetensors, uvit.safetensors, pixel_mlp.safetensors,
# eval.md, eval.json, recolour_grid.png, run.tar.gz (configs, metrics, curves, logs), log.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
T0=$(date +%s)
OUT=${OUT:-runs/gpu_out}
DEVICE=${DEVICE:-cuda}
TINY=${TINY:-0}
BUDGET_S=${BUDGET_S:-420}
WORKERS=${WORKERS:-16}
PY=${PYTHON:-python3}
RUN=runs/gpu_run
mkdir -p "$OUT" "$RUN"
exec > >(tee -a "$OUT/log.txt") 2>&1
export PYTHONUNBUFFERED=1

if ! $PY -c "import xraylib, pytorch_msssim" 2>/dev/null; then
  if ls .whl/*.whl >/dev/null 2>&1; then
    $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
    export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
  else
    echo "warning: xraylib or pytorch-msssim missing and no .whl/ folder to install them from" >&2
  fi
fi
# The package runs from the source tree: no install (and no network) needed.
export PYTHONPATH=$PWD/src${PYTHONPATH:+:$PYTHONPATH}
train() { $PY -m xrf_napari.cli.train "$@"; }
elapsed() { echo $(( $(date +%s) - T0 )); }
$PY - <<'EOF'
import torch, sys
print("python", sys.version.split()[0], "torch", torch.__version__, "cuda", torch.cuda.is_available(),
      torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")
EOF

if [ "$TINY" = "1" ]; then
  TRAIN=data/tiny_train; TEST=data/tiny_test
  N_TRAIN=6; N_TEST=3; S_TRAIN=128; S_TEST=176
  EMB_STEPS=${EMB_STEPS:-40}; UVIT_STEPS=30; UVIT_BATCH=${UVIT_BATCH:-4}; BASE_STEPS=30; UVIT_BUDGET=60
else
  TRAIN=data/train; TEST=data/test
  N_TRAIN=450; N_TEST=24; S_TRAIN=256; S_TEST=256  # the shipped models' data (docs/model_card_*.md)
  EMB_STEPS=${EMB_STEPS:-5000}; UVIT_STEPS=40000; UVIT_BATCH=${UVIT_BATCH:-64}; BASE_STEPS=3000; UVIT_BUDGET=0
fi
UVIT_LR=${UVIT_LR:-1e-3}

# 1. Data (the physics generator), only if absent. Paintings: $IMAGES, else .paintings/ (a copy of
# ../shared/data/paintings carried to the device), else procedural paintings.
IMAGES=${IMAGES:-}
for d in .paintings shared/data/paintings ../shared/data/paintings; do
  [ -z "$IMAGES" ] && [ -d "$d" ] && IMAGES=$d
done
gen() {  # gen OUT N SIZE PROFILES SPLIT SEED
  local img=(); [ -n "$IMAGES" ] && img=(--images "$IMAGES" --split "$5")
  train generate --out "$1" --n-cubes "$2" --size "$3" --profiles "$4" "${img[@]}" --seed "$6" \
    --workers "$WORKERS" --no-progress
}
[ -f "$TRAIN/manifest.json" ] || gen "$TRAIN" "$N_TRAIN" "$S_TRAIN" train train 1
[ -f "$TEST/manifest.json" ] || gen "$TEST" "$N_TEST" "$S_TEST" test test 2
echo "[$(elapsed) s] data ready: $TRAIN, $TEST"

# 2. DVE embedder.
AMP=""; [ "$DEVICE" = "cuda" ] && AMP="--amp"
train embedder --data "$TRAIN" --out "$RUN/dve" --config configs/embedder.json --steps "$EMB_STEPS" --device "$DEVICE" $AMP --no-progress
echo "[$(elapsed) s] embedder trained"

# 3. SmallUViT + per-pixel baseline: whatever is left of the budget, minus ~75 s for evaluation.
if [ "$UVIT_BUDGET" = "0" ]; then
  UVIT_BUDGET=$(( BUDGET_S - $(elapsed) - 75 - 40 ))  # 40 s: latent cache + baseline
  [ "$UVIT_BUDGET" -lt 60 ] && UVIT_BUDGET=60
fi
train recolouriser --data "$TRAIN" --embedder "$RUN/dve/dve.safetensors" --out "$RUN/uvit" \
  --config configs/recolouriser.json --steps "$UVIT_STEPS" --batch "$UVIT_BATCH" --lr "$UVIT_LR" \
  --baseline-steps "$BASE_STEPS" --time-budget "$UVIT_BUDGET" --checkpoint-every 2000 --device "$DEVICE" --no-progress
echo "[$(elapsed) s] recolouriser trained"

# 4. Held-out evaluation (table, JSON, grid). The embedder ARI table (CPU-heavy K-Means baselines,
#    minutes for 24 cubes) is left to a CPU run afterwards: xrf-napari-train evaluate without --no-ari.
train evaluate --data "$TEST" --weights "$RUN/uvit/uvit.safetensors" --embedder "$RUN/dve/dve.safetensors" \
  --baseline "$RUN/uvit/pixel_mlp.safetensors" --out "$RUN/eval" --device "$DEVICE" --no-progress --no-ari
echo "[$(elapsed) s] evaluated"

cp "$RUN/dve/dve.safetensors" "$RUN/uvit/uvit.safetensors" "$RUN/uvit/pixel_mlp.safetensors" "$OUT/"
cp "$RUN/eval/eval.md" "$RUN/eval/eval.json" "$RUN/eval/recolour_grid.png" "$OUT/"
tar -czf "$OUT/run.tar.gz" --exclude='*.pt' --exclude='*.npz' --exclude='*.safetensors' -C runs gpu_run
echo "[$(elapsed) s] done; results in $OUT"
