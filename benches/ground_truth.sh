#!/usr/bin/env bash
# Ground truth vs the attributions per shipped scenario (issue #19): builds emergent, then
# benches/ground_truth.py (see its header). Writes benches/results/ground_truth.json and the
# README's generated `ground_truth` section.
#
# Usage: benches/ground_truth.sh [CASE …]    (every case: hours on 2 shared cores)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
[[ -n "${NO_BUILD:-}" ]] || cargo build --release -q -p emergent-cli
exec python3 benches/ground_truth.py "$@"
