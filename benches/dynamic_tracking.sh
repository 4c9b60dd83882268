#!/usr/bin/env bash
# How closely the expected-value (mean-field) models track the stochastic runs they stand for
# (issue 8): for each shipped scenario, S noise seeds of the stochastic run (same network and
# population, other random draws), each with `[attribution] dynamic = true`; compares the model's
# M(1) with the mean and spread of the run's indicator at the horizon.
# Writes benches/results/dynamic_tracking.json.
#   benches/dynamic_tracking.sh [SEEDS]   (default 8; ~2 min on 2 cores)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seeds=${1:-8}
target="${CARGO_TARGET_DIR:-$root/target}"
[[ -n "${NO_BUILD:-}" ]] || cargo build --release -q -p emergent-cli
bin="${EMERGENT_BIN:-$target/release/emergent}"
work="$target/bench-tracking"
rm -rf "$work"
mkdir -p "$work" benches/results
for sc in quickstart cascade market-panic; do
    for ((s = 0; s < seeds; s++)); do
        "$bin" run "scenarios/$sc.toml" --out "$work/$sc-$s" --set "scenario.noise_seed=$s" \
            --set attribution.dynamic=true --set record.every=1000 >/dev/null
    done
done
python3 - "$work" "$seeds" <<'PY'
import json, os, statistics, sys, datetime
work, seeds = sys.argv[1], int(sys.argv[2])
out = {"driver": "benches/dynamic_tracking.sh", "seeds": seeds,
       "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
       "scenarios": {}}
for sc in ["quickstart", "cascade", "market-panic"]:
    rows = {}
    for s in range(seeds):
        d = json.load(open(os.path.join(work, f"{sc}-{s}", "dynamic_attribution.json")))
        for ind in d["indicators"]:
            if ind.get("run_value") is None:
                continue
            r = rows.setdefault(ind["name"], {"expr": ind["expr"], "model": [], "run": []})
            r["model"].append(ind["value"])
            r["run"].append(ind["run_value"])
    res = {}
    for name, r in rows.items():
        mean = statistics.fmean(r["run"])
        sd = statistics.stdev(r["run"]) if len(r["run"]) > 1 else 0.0
        model = r["model"][0]
        res[name] = {
            "expr": r["expr"],
            "model_value": model,
            "model_identical_across_seeds": len(set(r["model"])) == 1,
            "run_mean": mean,
            "run_sd": sd,
            "relative_difference": (model - mean) / abs(mean) if mean else None,
            "difference_in_run_sds": (model - mean) / sd if sd else None,
        }
        print(f"{sc:13} {name:24} model {model:.6g}  run {mean:.6g} ± {sd:.2g}  "
              f"rel {res[name]['relative_difference']:+.3f}")
    out["scenarios"][sc] = res
json.dump(out, open("benches/results/dynamic_tracking.json", "w"), indent=2)
PY
