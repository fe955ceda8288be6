#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine: system libraries for the build, and the Python
# packages the golden-fixture and bench scripts use. Safe to run again; installs only what is missing.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

need_apt=()
for pkg in libopenblas-dev libpng-dev libturbojpeg0-dev pkg-config; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "setup: installing Debian packages: ${need_apt[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "setup: swift is not on PATH; install Swift 6.x (https://swift.org/install) and re-run" >&2
    exit 1
fi

# Python side (fixture makers and the PyTorch peer for the bench). Only when asked: tests use
# committed fixtures and need no Python.
if [ "${ORBIT_SETUP_PYTHON:-0}" = "1" ]; then
    python3 -c "import torch" 2>/dev/null || pip install -q "torch==2.13.0+cpu"
    python3 -c "import PIL, safetensors, numpy" 2>/dev/null || pip install -q pillow safetensors numpy
fi
echo "setup: ok"
