#!/usr/bin/env bash
# Runs one `swift test` pass (its arguments are this script's), keeps its whole output in
# .build/test-NAME.log, and when the pass fails ends with the failing tests and their issues,
# so that the last lines of a long run say what failed.
# Usage: scripts/run-tests.sh NAME swift test ...
set -uo pipefail
name=$1; shift
log=".build/test-$name.log"
mkdir -p .build
"$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
    echo
    echo "== $name: failed (exit $status); what failed, from $log:"
    # Swift Testing marks failures with ✘ (tests and recorded issues); XCTest says "error:".
    grep -E '✘|error: |Fatal error|Crash|signal code' "$log" | grep -v '^✘ Test run with' | head -60
fi
exit "$status"
