# Sourced by the bench/gpu_h200*.sh scripts (run on the H200 through the device tool, from the
# repository root, with the wheels of ../shared/device/fetch-wheels.sh carried in .whl/).
# Installs the wheels, writes the GPU line to $OUT/steps.txt and defines `step NAME LIMIT CMD...`:
# CMD runs under its own time limit, its output is appended to $OUT/run.log, and its exit status
# and seconds to $OUT/steps.txt (at most 8 files come back from $OUT: keep to these and the JSONs).
OUT=${OUT:-/tmp/gpu_out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site .whl/*.whl || exit 3
export PYTHONPATH="$PWD:/tmp/site:${PYTHONPATH:-}"
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
