#!/usr/bin/env bash
# libFuzzer + AddressSanitizer harnesses of Orbit's input readers (docs/FUZZING.md).
#
#   Tools/fuzz.sh TARGET [SECONDS]   build if needed, fuzz TARGET for SECONDS (default 60)
#   Tools/fuzz.sh all [SECONDS]      every target in turn, SECONDS each
#   Tools/fuzz.sh --list             the targets and what each covers
#   Tools/fuzz.sh --seeds TARGET|all rewrite the committed seed corpus Tests/Fuzz/TARGET/ (regressions/ kept)
#
# The harnesses are one executable (Tests/FuzzHarness, in Package.swift only when ORBIT_FUZZ=1) built
# with -sanitize=fuzzer,address into .build-fuzz, apart from the normal build. Each run starts from the
# committed corpus Tests/Fuzz/TARGET/ (seeds and regressions/), writes what it adds to
# .build-fuzz/corpus/TARGET/ (kept between runs) and what it finds (crash-*, timeout-*, leak-*, oom-*)
# to .build-fuzz/findings/TARGET/, and ends with one line: executions, coverage (cov, ft), corpus
# size, peak memory, time. Status 1 when anything was found. Everything runs under nice -n 19.
# ORBIT_FUZZ_JOBS sets the build's job count (default 2); extra libFuzzer flags go in ORBIT_FUZZ_FLAGS.
set -euo pipefail
cd "$(dirname "$0")/.."

scratch=.build-fuzz
binary=$scratch/release/orbit-fuzz
# Swift's own crash handler would read the crashed process's memory under AddressSanitizer (and be
# reported instead of the crash); libFuzzer prints the stack. Leaks outside Orbit: see the file.
export SWIFT_BACKTRACE=enable=no
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=Tests/FuzzHarness/lsan-suppressions.txt:print_suppressions=0}

build() {
    ORBIT_FUZZ=1 nice -n 19 swift build -c release --scratch-path "$scratch" -j "${ORBIT_FUZZ_JOBS:-2}" --product orbit-fuzz \
        -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address >&2
}

# The harness lists its targets (and exits with status 2) when ORBIT_FUZZ_TARGET names none.
target_list() { ORBIT_FUZZ_TARGET= "$binary" 2>&1 | tail -n +2 || true; }
targets() { target_list | sed -n 's/^  \([a-z0-9-]*\) .*/\1/p'; }

# fuzz TARGET SECONDS: one run; prints the summary line, returns 1 on a finding.
fuzz() {
    local target=$1 seconds=$2
    local corpus=$scratch/corpus/$target findings=$scratch/findings/$target log=$scratch/logs/$target.log
    mkdir -p "$corpus" "$findings" "$(dirname "$log")" "Tests/Fuzz/$target"
    local status=0
    # shellcheck disable=SC2086
    ORBIT_FUZZ_TARGET=$target ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0} \
        nice -n 19 "$binary" "$corpus" "Tests/Fuzz/$target" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$findings/" ${ORBIT_FUZZ_FLAGS:-} > "$log" 2>&1 || status=$?
    local runs cov ft corp rss
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
    ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
    corp=$(grep -oE 'corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -1 | sed 's/corp: //' || true)
    local verdict=ok
    if [ "$status" != 0 ]; then
        verdict="FINDING (status $status): $(grep -m1 -E 'ERROR: |orbit-fuzz finding|Fatal error|deadly signal|timeout' "$log" || echo 'see log'); log $log"
    fi
    printf '%-20s %9s executions in %ss  cov %-6s ft %-6s corpus %-10s peak %s MB  %s\n' \
        "$target" "${runs:-?}" "$seconds" "${cov:-?}" "${ft:-?}" "${corp:-?}" "${rss:-?}" "$verdict"
    [ "$status" = 0 ]
}

case "${1:-}" in
    "" | -h | --help)
        sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
        exit 0 ;;
    --list)
        build
        target_list
        exit 0 ;;
    --seeds)
        build
        for target in $([ "${2:-all}" = all ] && targets || echo "$2"); do
            find "Tests/Fuzz/$target" -maxdepth 1 -type f -delete 2>/dev/null || true
            ORBIT_FUZZ_TARGET=$target ORBIT_FUZZ_WRITE_SEEDS="Tests/Fuzz/$target" ASAN_OPTIONS=detect_leaks=0 "$binary"
            echo "$target: $(find "Tests/Fuzz/$target" -maxdepth 1 -type f | wc -l) seeds in Tests/Fuzz/$target"
        done
        exit 0 ;;
esac

seconds=${2:-60}
build
start=$(date +%s)
failed=0
for target in $([ "$1" = all ] && targets || echo "$1"); do
    fuzz "$target" "$seconds" || failed=1
done
echo "fuzz.sh: $(( $(date +%s) - start )) s of fuzzing; $([ $failed = 0 ] && echo 'no findings' || echo 'FINDINGS: see above')"
exit $failed
