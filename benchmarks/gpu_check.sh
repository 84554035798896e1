#!/usr/bin/env bash
# What only a CUDA machine can check, in one run of under 10 minutes (docs/performance.md, "On a
# GPU"): the CLIs' CUDA paths give the CPU's answers, the recolouring benchmark on the GPU, the two
# trainers' CUDA paths (bf16 autocast, fused AdamW, checkpoint and --resume), and optionally a
# paper-style fine-tune of benchmarks/weights/paper_style_lines on cubes generated there meanwhile.
#
#   OUT=DIR IMAGES=PAINTINGS_DIR bash benchmarks/gpu_check.sh [--paper-finetune TRAIN_SECONDS]
#
# Runs from the repository root with `python3` (PYTHON overrides) on src/ (no install needed: the
# core imports no Qt); needs xraylib and pytorch-msssim. IMAGES (default ../shared/data/paintings)
# feeds the generated cubes: give it no painting of the paper-style test split. Writes DIR/log.txt
# and, with --paper-finetune, the fine-tuned weights and their metrics; prints "GPU CHECK: n
# failed" at the end and exits non-zero if any check failed. DEV=cpu rehearses it without a GPU.
set -uo pipefail
OUT=${OUT:-out/gpu_check}
PY=${PYTHON:-python3}
mkdir -p "$OUT"
exec > >(tee "$OUT/log.txt") 2>&1
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
T0=$SECONDS
W=$(mktemp -d)
FAILED=0
step() { echo "== [$((SECONDS - T0)) s] $*"; }
check() { "$@" || { echo "CHECK FAILED (rc $?): $*"; FAILED=$((FAILED + 1)); }; }
DEV=${DEV:-cuda}
IMAGES=${IMAGES:-../shared/data/paintings}
TRAIN_S=0
if [ "${1:-}" = --paper-finetune ]; then TRAIN_S=$2; fi
NCPU=$(nproc)

# Paper-style cubes for the fine-tune, generated on all but 4 cores while the checks run: chunks of
# CHUNK cubes under seeds 41, 42, ... (no seed the committed weights trained on), a chunk started
# only while GEN_S seconds leave room for it (an interrupted set is refused by the trainer).
GEN_S=${GEN_S:-210}
CHUNK=${CHUNK:-240}
generate_paper() {
    local seed=41 t0=$SECONDS took=0
    while [ $((SECONDS - t0 + took)) -lt "$GEN_S" ]; do
        local c=$SECONDS
        nice -n 5 $PY -m xrf_napari.train generate --style paper --images "$IMAGES" --split all \
            --n-cubes "$CHUNK" --size 128 --seed $seed --out "$W/paper/s$seed" \
            --workers $((NCPU > 6 ? NCPU - 4 : 2)) --no-progress || return 1
        took=$((SECONDS - c))
        seed=$((seed + 1))
    done
}
if [ "$TRAIN_S" -gt 0 ]; then
    step "generating paper-style cubes from $IMAGES in the background (${GEN_S} s)"
    generate_paper >"$W/generate.log" 2>&1 &
    GEN_PID=$!
fi

step "the GPU"
if [ "$DEV" != cpu ]; then
    nvidia-smi -L
    check $PY -c "import torch; assert torch.cuda.is_available(); print('torch', torch.__version__,\
 torch.cuda.get_device_name(0), f'{torch.cuda.get_device_properties(0).total_memory / 2**30:.0f} GiB')"
fi

step "recolour and embed the sample on cpu and $DEV: the same answer"
S=src/xrf_napari/sample_data/painting.h5
for dev in cpu $DEV; do
    check $PY -m xrf_napari.cli.main recolour $S -o "$W/rec_$dev.png" --device $dev --no-progress
    check $PY -m xrf_napari.cli.main embed $S -o "$W/emb_$dev/" -k 6 --device $dev --no-progress
done
check $PY - "$W" "$DEV" <<'EOF'
import sys

import h5py
import numpy as np
from PIL import Image
from sklearn.metrics import adjusted_rand_score

w = sys.argv[1]
a, b = (np.asarray(Image.open(f"{w}/rec_{d}.png"), dtype=int) for d in ("cpu", sys.argv[2]))
d = np.abs(a - b)
print(f"recolour PNG cpu vs {sys.argv[2]}: max {d.max()} levels, mean {d.mean():.3f}, "
      f"{(d > 2).mean() * 100:.2f} % of values off by more than 2")
(la, ca), (lb, cb) = (
    (h5py.File(f"{w}/emb_{x}/latent.h5")["latent"][()], h5py.File(f"{w}/emb_{x}/labels.h5")["labels"][()])
    for x in ("cpu", sys.argv[2])
)
ari = adjusted_rand_score(ca.ravel(), cb.ravel())
print(f"embed latent cpu vs {sys.argv[2]}: max |diff| {np.abs(la - lb).max():.2e} "
      f"(latent range {np.ptp(la):.2f}); K-Means labels ARI {ari:.4f}")
assert d.mean() < 1.0 and (d > 2).mean() < 0.01, "recolourings differ"
assert np.abs(la - lb).max() < 0.05 * np.ptp(la) and ari > 0.98, "embeddings differ"
EOF

if [ "${BENCH:-1}" = 1 ]; then # BENCH=0 skips it
    step "recolouring benchmark on the GPU (the baseline on 4 CPU cores)"
    check $PY benchmarks/bench_recolour.py --device $DEV --threads 4 --workdir "$W/bench"
fi

step "trainers on $DEV: DVE with --amp; SmallUViT stopped by SIGTERM at its first checkpoint, resumed"
check $PY -m xrf_napari.train generate --images "$IMAGES" --split all \
    --n-cubes 4 --size 128 --seed 3 --out "$W/tiny" --workers 2 --no-progress
check $PY -m xrf_napari.train embedder --data "$W/tiny" --out "$W/dve" --steps 60 \
    --checkpoint-every 30 --device $DEV --amp --no-progress
STEPS=$([ "$DEV" = cpu ] && echo 60 || echo 400)
UVIT=(-m xrf_napari.train recolouriser --data "$W/tiny" --embedder "$W/dve/dve.safetensors"
    --out "$W/uvit" --steps "$STEPS" --checkpoint-every 20 --baseline-steps 20 --device "$DEV"
    --no-progress)
$PY "${UVIT[@]}" >"$W/uvit.log" 2>&1 & # python itself in the background: the signal reaches it
PID=$!
while kill -0 $PID 2>/dev/null && [ ! -f "$W/uvit/checkpoint.pt" ]; do sleep 0.2; done
kill -TERM $PID 2>/dev/null
wait $PID
echo "first run: rc $? (143: stopped by SIGTERM): $(grep -o 'interrupted at step [0-9]*' "$W/uvit.log")"
check grep -q "interrupted at step" "$W/uvit.log"
check $PY "${UVIT[@]}" --resume
check $PY - "$W" "$DEV" "$STEPS" <<'EOF'
import json
import sys

m = json.load(open(f"{sys.argv[1]}/uvit/metrics.json"))
print({k: m[k] for k in ("steps", "device", "seconds_per_step", "final_train_loss")})
assert m["steps"] == int(sys.argv[3]) and m["device"].startswith(sys.argv[2]), m
EOF

if [ "$TRAIN_S" -gt 0 ]; then
    step "waiting for the paper-style cubes"
    check wait $GEN_PID
    tail -n 3 "$W/generate.log"
    mkdir -p "$W/paper_all"
    for d in "$W"/paper/s*; do
        for f in "$d"/cube_*.h5; do ln -s "$f" "$W/paper_all/$(basename "$d")_$(basename "$f")"; done
    done
    step "fine-tuning paper_style_lines on $(ls "$W/paper_all" | wc -l) new cubes for ${TRAIN_S} s"
    $PY - "$W/ft.json" <<'EOF'
import json
import sys

c = json.load(open("benchmarks/weights/paper_style_lines/config_finetune.json"))
c.update(steps=200000, batch=32, checkpoint_every=1000)
json.dump(c, open(sys.argv[1], "w"), indent=1)
EOF
    check $PY -m xrf_napari.train recolouriser --data "$W/paper_all" \
        --embedder benchmarks/weights/paper_style/dve.safetensors \
        --init benchmarks/weights/paper_style_lines/uvit.safetensors --out "$W/ft" \
        --config "$W/ft.json" --time-budget "$TRAIN_S" --device $DEV --no-progress
    cp "$W"/ft/{uvit.safetensors,metrics.json,config.json} "$W/ft.json" "$OUT/" 2>/dev/null
    ls "$W/paper_all" >"$OUT/paper_cubes.txt"
fi
step "GPU CHECK: $FAILED failed"
rm -rf "$W"
[ "$FAILED" -eq 0 ]
