#!/usr/bin/env bash
# The README's test command: set up, build in release mode (numeric code in debug is far too
# slow), run every test, and close with a plain "N passed, N failed" line. Then every fuzz harness
# runs for a few seconds on its committed corpus (docs/FUZZING.md; ORBIT_TEST_FUZZ_SECONDS, default
# 5; 0 skips it), and a finding fails the run as a failed test does.
set -euo pipefail
cd "$(dirname "$0")/.."
ORBIT_SETUP_BROWSER=1 bash Tools/setup.sh
swift build -c release --build-tests
mkdir -p .build
status=0
# The log is a file that `tail --pid` follows, not a pipe into tee: a pipe stays open, and the
# run with it, for as long as any descendant of the tests lives. The watchdog (30 minutes, about
# six times a whole run here) turns a hang into a failure that says so.
timeout --kill-after=30 1800 swift test -c release --skip-build --disable-swift-testing > .build/test.log 2>&1 &
tests=$!
tail -n +1 -f --pid=$tests .build/test.log
wait $tests || status=$?
if [ "$status" = 124 ] || [ "$status" = 137 ]; then echo "tests: stopped by the 30-minute watchdog (status $status)"; fi
# The last "Executed" line is the whole run's ("with K tests skipped and" appears when tests skip).
summary=$(grep -E "^\s*Executed [0-9]+ tests?, with " .build/test.log | tail -1 || true)
if [ -z "$summary" ]; then
    echo "tests: no XCTest summary found (status $status)"
    exit 1
fi
total=$(echo "$summary" | sed -E 's/.*Executed ([0-9]+) tests?.*/\1/')
failed=$(echo "$summary" | sed -E 's/.* ([0-9]+) failures?.*/\1/')
skipped=$(echo "$summary" | grep -oE "[0-9]+ tests? skipped" | grep -oE "^[0-9]+" || echo 0)
echo "tests: $((total - failed - skipped)) passed, $failed failed, $skipped skipped"
if [ "$skipped" != "0" ]; then grep -E "Test skipped - " .build/test.log | sed "s/^/  /" | head -20; fi
fuzz_seconds=${ORBIT_TEST_FUZZ_SECONDS:-5}
if [ "$fuzz_seconds" != 0 ]; then
    echo "fuzzing every harness for $fuzz_seconds s on its committed corpus (Tools/fuzz.sh; the sanitizer build is .build-fuzz)"
    fuzz_status=0
    bash Tools/fuzz.sh all "$fuzz_seconds" || fuzz_status=$?
    if [ "$fuzz_status" != 0 ] && [ "$status" = 0 ]; then status=$fuzz_status; fi
fi
exit $status
