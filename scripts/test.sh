#!/usr/bin/env bash
# Everything the tests need, on a fresh machine, then the tests (README's test command; .ci/run runs it).
#   1. Debian's chromium + chromium-driver for the browser test (apt-get; sudo when not root);
#   2. the project with its test extra (torch==2.13.0 is the CPU build on these machines);
#   3. the lint/type gate: ruff check, ruff format --check, mypy on kb/ taxonomy/ recommender/ reference_impl/;
#   4. pytest (the browser test included: it fails, never skips, when chromium is missing).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        sudo=""
        if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
        echo "+ installing Debian chromium and chromium-driver (browser test)" >&2
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
    else
        echo "error: the browser test needs chromium and chromedriver, and apt-get is not available" >&2
        exit 1
    fi
fi

python -m pip install -q torch==2.13.0 -e ".[test]"

echo "+ ruff check / ruff format --check / mypy" >&2
python -m ruff check .
python -m ruff format --check .
python -m mypy kb taxonomy recommender reference_impl

echo "+ pytest" >&2
python -m pytest -q "$@"
