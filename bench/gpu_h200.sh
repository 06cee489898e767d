#!/usr/bin/env bash
# Issue 16: every GPU check in one run on the H200 (the device tool), results under $OUT.
# Run from the repository root with `.whl` carried (../shared/device/fetch-wheels.sh edt==3.1.2).
# Each step has its own time limit so that one slow or failing step keeps the others' results;
# steps.txt records each step's exit status and seconds.
set -u
OUT=${OUT:-/tmp/gpu_out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site .whl/*.whl || exit 3
export PYTHONPATH="$PWD:/tmp/site:${PYTHONPATH:-}"
# at most 8 files come back: steps.txt (GPU, versions, exit status and seconds per step),
# run.log (every step's output) and the JSON results
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv >"$OUT/steps.txt" 2>&1
python3 -c "import torch, cupy; print(torch.__version__, torch.version.cuda, cupy.__version__)" \
  >>"$OUT/steps.txt" 2>&1
step() {
  local name=$1 lim=$2 t0 rc
  shift 2
  t0=$(date +%s)
  echo "=== $name: $*" >>"$OUT/run.log"
  timeout "$lim" "$@" >>"$OUT/run.log" 2>&1
  rc=$?
  echo "$name rc=$rc $(($(date +%s) - t0))s" | tee -a "$OUT/steps.txt"
}
step pytest_gpu "${T_PYTEST:-100}" python3 -m pytest -q -p no:cacheprovider -o addopts="" \
  --strict-markers -m gpu -rs tests/test_gpu_agreement.py tests/test_guidance_clicks.py \
  tests/test_guidance_geodesic.py tests/test_clicksim.py tests/test_swfastedit_inference.py
step guidance "${T_GUIDANCE:-130}" python3 -m app.cli bench guidance --device cuda \
  --shape 400,400,352 --clicks 10 --repeats 5 --memory-shape none --no-naive \
  --out "$OUT/guidance_cuda.json"
step clicksim "${T_CLICKSIM:-100}" python3 -m app.cli bench clicksim --device cuda \
  --shape 400,400,352 --cases 1 --repeats 5 --peers edt --out "$OUT/clicksim_cuda.json"
step swfastedit "${T_SWFASTEDIT:-210}" python3 -m app.cli bench swfastedit --device cuda \
  --naive-clicks 3 --out "$OUT/swfastedit_cuda.json"
step swfastedit_bf16 "${T_BF16:-60}" python3 -m app.cli bench swfastedit --device cuda --amp \
  --sizes 400,400,352 --clicks 10 --naive-clicks 1 --out "$OUT/swfastedit_cuda_bf16.json"
cat "$OUT/steps.txt"
