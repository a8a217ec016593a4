#!/usr/bin/env bash
# The grid issue's GPU checks, as run on a lent GPU machine (python3 3.12 with torch; POT,
# GeomLoss and skorch carried as wheels in .whl/, see ../.library/device/README.md):
# CPU-against-CUDA agreement, then `reproduce grid` at 512^2, one family per call so that a
# family cut off by its timeout keeps the pages already written. Pages go to $OUT.
set -u
OUT=${OUT:-/tmp/grid_gpu_run}
mkdir -p "$OUT"
if [ -d .whl ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl || exit
    export PYTHONPATH=/tmp/site
fi
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
timeout 120 python3 scripts/gpu_consistency_check.py 2>&1 | tee "$OUT/consistency.log"
for family_timeout in exact_gaussian_blobs:90 location_scale_stars:110 contours:140 strokes:140; do
    family=${family_timeout%:*}
    timeout "${family_timeout#*:}" python3 -m sklearn_wb reproduce grid --sizes 512 \
        --n-problems 2 --families "$family" --threads 1 --device cuda \
        --cache-dir "$OUT/cache" --output "$OUT/grid512_$family.rst" 2>&1 | grep -v KeOps
    echo "$family: exit ${PIPESTATUS[0]}"
done
rm -rf "$OUT/cache"
