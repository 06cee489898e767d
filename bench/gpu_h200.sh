#!/usr/bin/env bash
# Issue 16: every GPU check in one run on the H200 (the device tool), results under $OUT.
# Run from the repository root with `.whl` carried (../shared/device/fetch-wheels.sh edt==3.1.2).
# Each step has its own time limit so that one slow or failing step keeps the others' results;
# steps.txt records each step's exit status and seconds.
set -u
. "$(dirname "$0")/gpu_common.sh"
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
