#!/usr/bin/env bash
# The README's test command: set up, build in release mode, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh
swift build -c release
swift test -c release 2>&1 | tee .build/test.log
