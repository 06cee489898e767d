#!/usr/bin/env bash
# Issue 16, second H200 call: what the first run of bench/gpu_h200.sh left unfinished.
# - the two SW-FastEdit CUDA-vs-CPU tests, now in fp32 on both sides (they failed by ~1.5e-3
#   with cuDNN's default TF32 convolutions);
# - the guidance and clicksim benchmarks (stopped at their limits with nothing written; they
#   now print and save as they go, with 3 repeats and without the CPU-only references);
# - SW-FastEdit at 800x800x780 (499 M voxels), the size the first run did not reach, without
#   the naive all-window clicks (one full pass each).
set -u
OUT=${OUT:-/tmp/gpu_out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site .whl/*.whl || exit 3
export PYTHONPATH="$PWD:/tmp/site:${PYTHONPATH:-}"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv >"$OUT/steps.txt" 2>&1
step() {
  local name=$1 lim=$2 t0 rc
  shift 2
  t0=$(date +%s)
  echo "=== $name: $*" >>"$OUT/run.log"
  timeout "$lim" "$@" >>"$OUT/run.log" 2>&1
  rc=$?
  echo "$name rc=$rc $(($(date +%s) - t0))s" | tee -a "$OUT/steps.txt"
}
step pytest_gpu "${T_PYTEST:-35}" python3 -m pytest -q -p no:cacheprovider -o addopts="" \
  --strict-markers -m gpu -rs tests/test_swfastedit_inference.py
step guidance "${T_GUIDANCE:-115}" python3 -m app.cli bench guidance --device cuda \
  --shape 400,400,352 --clicks 10 --repeats 3 --memory-shape none --no-naive \
  --out "$OUT/guidance_cuda.json"
step clicksim "${T_CLICKSIM:-75}" python3 -m app.cli bench clicksim --device cuda \
  --shape 400,400,352 --cases 1 --repeats 3 --peers edt --out "$OUT/clicksim_cuda.json"
step swfastedit_800 "${T_SW800:-45}" python3 -m app.cli bench swfastedit --device cuda \
  --sizes 800,800,780 --clicks 10 --naive-clicks 0 --out "$OUT/swfastedit_cuda_800.json"
cat "$OUT/steps.txt"
