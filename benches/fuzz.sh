#!/usr/bin/env bash
# The long mode of the property-based fuzz tests (issue #17): every `fuzz_*` test of the
# workspace with many more cases than CI's quick default (proptest's 256).
#
#   benches/fuzz.sh               # 20,000 cases each (~2 min of tests on 2 shared cores, after the build)
#   benches/fuzz.sh 200000        # more
#
# A failing case is shrunk and printed by proptest, and saved under the crate's
# `proptest-regressions/` so the next run (and CI, once committed) replays it first.
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${1:-20000}"
echo "fuzz: ${cases} cases per test"
PROPTEST_CASES="$cases" cargo test --release --workspace -- fuzz_ --test-threads 2
