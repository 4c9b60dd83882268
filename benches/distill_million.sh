#!/usr/bin/env bash
# A distilled LLM population at 10⁶ agents with attribution vs scenarios/million.toml's
# bounded-confidence surrogate, measured in the same session (issue 20, part 4).
#
#   benches/distill_million.sh [POLICY_JSON]
#
# POLICY_JSON defaults to benches/results/distill-policy.json, distilled from the N = 1000
# hidden-policy LLM run of tests/cli_distill.rs (docs/distill.md). Runs each scenario once
# (the machine is shared: do not loop it), both with the run's static attribution of
# polarization, and writes benches/results/distill_million.json with wall seconds, peak RSS
# and the ratio. Env: NO_BUILD=1 (use the built binary as is), EMERGENT_BIN, WORK (scratch
# folder, default a temporary one; removed at the end).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
policy="$(realpath "${1:-benches/results/distill-policy.json}")"
[[ -f "$policy" ]] || { echo "missing $policy (emergent distill RUN_DIR --out it)" >&2; exit 1; }
if [[ -z "${NO_BUILD:-}" ]]; then
    cargo build --release -p emergent-cli >&2
fi
bin="${EMERGENT_BIN:-$target/release/emergent}"
work="${WORK:-$(mktemp -d)}"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

measure() { # name, then emergent run arguments; prints "seconds peak_kib"
    local name="$1"; shift
    /usr/bin/time -f '%e %M' -o "$work/$name.time" "$bin" run scenarios/million.toml \
        --out "$work/$name" --force "$@" >&2
    cat "$work/$name.time"
}

load_before="$(cut -d' ' -f1 /proc/loadavg)"
read -r s_sec s_kib < <(measure surrogate)
read -r d_sec d_kib < <(measure distilled --set 'policy.kind="distilled"' --set "policy.path=\"$policy\"")
load_after="$(cut -d' ' -f1 /proc/loadavg)"
ratio="$(python3 -c "print(round($d_sec / $s_sec, 3))")"
polar() { tail -1 "$work/$1/indicators.csv" | cut -d, -f2; }
mkdir -p benches/results
cat > benches/results/distill_million.json <<JSON
{
  "date": "$(date -u +%FT%TZ)",
  "agents": 1000000,
  "scenario": "scenarios/million.toml",
  "policy": "$policy",
  "surrogate": {"wall_seconds": $s_sec, "peak_rss_kib": $s_kib, "polarization": $(polar surrogate)},
  "distilled": {"wall_seconds": $d_sec, "peak_rss_kib": $d_kib, "polarization": $(polar distilled)},
  "ratio": $ratio,
  "load_average_1min": [$load_before, $load_after]
}
JSON
cat benches/results/distill_million.json
