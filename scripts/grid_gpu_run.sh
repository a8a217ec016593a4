#!/usr/bin/env bash
# The grid issue's GPU checks, as run on a lent GPU machine (python3 3.12 with torch; POT,
# GeomLoss and skorch carried as wheels in .whl/, see ../.library/device/README.md):
# CPU-against-CUDA agreement, then `reproduce grid` at 512^2 for the families named as
# arguments (default: two known-answer and two training families), one family per call so
# that a family cut off by the deadline keeps the pages already written; the pages are
# appended to $OUT/grid512_pages.rst and merged into $OUT/grid_gpu.rst
# (scripts/grid_gpu_page.py), the page docs/benchmarks/grid_gpu.rst.
set -u
OUT=${OUT:-/tmp/grid_gpu_run}
mkdir -p "$OUT"
if [ -d .whl ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl || exit
fi
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
timeout 120 python3 scripts/gpu_consistency_check.py 2>&1 | tee "$OUT/consistency.log"
families=("$@")
[ $# -eq 0 ] && families=(exact_gaussian_blobs location_scale_stars contours strokes)
rm -f "$OUT/grid512_pages.rst"
for family in "${families[@]}"; do
    rm -f /tmp/page.rst  # a family cut off writes no page: append nothing for it
    python3 -m sklearn_wb reproduce grid --sizes 512 --n-problems 2 --families "$family" \
        --threads 1 --device cuda --cache-dir /tmp/grid512_cache --output /tmp/page.rst \
        2>&1 | grep -v KeOps
    [ -f /tmp/page.rst ] && cat /tmp/page.rst >> "$OUT/grid512_pages.rst"
done
python3 scripts/grid_gpu_page.py "$OUT/grid512_pages.rst" --output "$OUT/grid_gpu.rst"
