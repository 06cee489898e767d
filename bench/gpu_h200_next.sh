#!/usr/bin/env bash
# Issue 16, what the H200 runs of bench/gpu_h200.sh and bench/gpu_h200_rerun.sh left owed
# (docs/gpu.md): the GPU tests added since, the guidance benchmark again (exact selection by
# sort instead of torch.kthvalue; rounds per GDT call recorded), the selection itself on
# CUDA, a torch.profiler split of the SW-FastEdit corrective click, and SW-FastEdit at 800x800x780 (499 M voxels) with the naive click timed once.
# About 6 minutes of device time. Results under $OUT; copy them to bench/results/ and run
# `python bench/gpu_report.py`.
set -u
. "$(dirname "$0")/gpu_common.sh"
step pytest_gpu 100 python3 -m pytest -q -p no:cacheprovider -o addopts="" --strict-markers \
  -m gpu -rs tests/test_gpu_agreement.py tests/test_guidance_geodesic.py
step kth_select 40 python3 bench/kth_select.py --device cuda --out "$OUT/kth_select_cuda.json"
step profile 60 python3 bench/swfastedit_profile.py --device cuda \
  --out "$OUT/swfastedit_profile_cuda.json"
step guidance 120 python3 -m app.cli bench guidance --device cuda --shape 400,400,352 \
  --clicks 10 --repeats 3 --memory-shape none --no-naive --out "$OUT/guidance_cuda.json"
step swfastedit_800 200 python3 -m app.cli bench swfastedit --device cuda --sizes 800,800,780 \
  --clicks 10 --naive-clicks 1 --out "$OUT/swfastedit_cuda_800.json"
cat "$OUT/steps.txt"
