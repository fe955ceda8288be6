#!/usr/bin/env bash
# The README's test command: set up, build in release mode (numeric code in debug is far too
# slow), run every test, and close with a plain "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh
swift build -c release --build-tests
mkdir -p .build
status=0
swift test -c release --skip-build --disable-swift-testing 2>&1 | tee .build/test.log || status=$?
summary=$(grep -E "^\s*Executed [0-9]+ tests?, with [0-9]+ failures?" .build/test.log | tail -1 || true)
total=$(echo "$summary" | sed -E 's/.*Executed ([0-9]+) tests?.*/\1/')
failed=$(echo "$summary" | sed -E 's/.*with ([0-9]+) failures?.*/\1/')
if [ -z "$summary" ]; then
    echo "tests: no XCTest summary found (status $status)"
    exit 1
fi
echo "tests: $((total - failed)) passed, $failed failed"
exit $status
