#!/usr/bin/env bash
# Issue 16, second H200 call: what the first run of bench/gpu_h200.sh left unfinished.
# - the two SW-FastEdit CUDA-vs-CPU tests, now in fp32 on both sides (they failed by ~1.5e-3
#   with cuDNN's default TF32 convolutions);
# - the guidance and clicksim benchmarks (stopped at their limits with nothing written; they
#   now print and save as they go, with 3 repeats and without the CPU-only references);
# - SW-FastEdit at 800x800x780 (499 M voxels), the size the first run did not reach, without
#   the naive all-window clicks (one full pass each).
set -u
. "$(dirname "$0")/gpu_common.sh"
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
