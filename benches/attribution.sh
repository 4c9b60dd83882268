#!/usr/bin/env bash
# Attribution benchmarks: criterion (crates/attribution/benches/closed_forms.rs) and the NumPy
# reference (benches/numpy_closed_forms.py); writes benches/results/attribution.json.
#
# Usage: benches/attribution.sh            (from anywhere; takes a few minutes)
#   SKIP_CRITERION=1 benches/attribution.sh   re-summarise existing criterion results
#   NUMPY_REPEATS=7                            runs per NumPy figure (median)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="$target/bench-venv"
logs="$target/bench-logs"
mkdir -p "$logs" benches/results

if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import numpy' 2>/dev/null; then
    "$venv/bin/pip" install --quiet numpy
fi

errors="$target/criterion/time_to_error/errors.json"
cat /proc/loadavg > "$logs/loadavg.before" 2>/dev/null || true
if [[ -z "${SKIP_CRITERION:-}" ]]; then
    echo "== criterion (cargo bench -p emergent-attribution --bench closed_forms)" >&2
    ATTRIBUTION_BENCH_ERRORS="$errors" \
        cargo bench -p emergent-attribution --bench closed_forms 2>&1 | tee "$logs/criterion.log" >&2
fi

echo "== numpy" >&2
"$venv/bin/python" benches/numpy_closed_forms.py --repeats "${NUMPY_REPEATS:-7}" > "$logs/numpy.json"

cat /proc/loadavg > "$logs/loadavg.after" 2>/dev/null || true

"$venv/bin/python" - "$target/criterion" "$logs/numpy.json" "$errors" benches/results/attribution.json <<'PY'
import json, math, os, platform, subprocess, sys
from datetime import datetime, timezone

crit, numpy_path, errors_path, out_path = sys.argv[1:5]

def loadavg(which):
    try:
        return open(os.path.join(os.path.dirname(numpy_path), f"loadavg.{which}")).read().split()[:3]
    except OSError:
        return None

def median_s(group, bench):
    """Median point estimate (seconds) from criterion's estimates.json."""
    with open(os.path.join(crit, group, bench, "new", "estimates.json")) as f:
        return json.load(f)["median"]["point_estimate"] * 1e-9

forms = ["mean", "heat", "var", "gini"]
cf = {b: median_s("closed_forms", b) for b in ["one_pass_serial", "one_pass_par", *forms, "all_four"]}
quad = median_s("quadrature", "var_k32")
npy = json.load(open(numpy_path))
errs = json.load(open(errors_path))

# Time to equal error, N = 1e4, var(posts + replies), zero baseline.
as_time = median_s("time_to_error", "as_closed_form")
ms = [e["permutations"] for e in errs["errors"]]
es = [e["rel_rms_error"] for e in errs["errors"]]
ts = [median_s("time_to_error", f"sampled_shapley/{m}") for m in ms]
# Error law err = c / sqrt(M): c from a least-squares fit of log err = log c − ½ log M.
c = math.exp(sum(math.log(e) + 0.5 * math.log(m) for e, m in zip(es, ms)) / len(ms))
# Time at a given M: linear interpolation between the bracketing measured M; beyond the
# largest, the marginal cost per permutation of the two largest M carried forward (the cost is
# linear in M: each permutation is one O(N) sweep); below the smallest, the smallest M's time.
def time_at(m):
    pts = sorted(zip(ms, ts))
    if m <= pts[0][0]:
        return pts[0][1]
    for (m0, t0), (m1, t1) in zip(pts, pts[1:]):
        if m <= m1:
            return t0 + (t1 - t0) * (m - m0) / (m1 - m0)
    (m0, t0), (m1, t1) = pts[-2], pts[-1]
    return t1 + (t1 - t0) / (m1 - m0) * (m - m1)
(m0, t0), (m1, t1) = sorted(zip(ms, ts))[-2:]
b = (t1 - t0) / (m1 - m0)
# Check of the exponent: slope of log err vs log M (should be −0.5).
lm = [math.log(m) for m in ms]; le = [math.log(e) for e in es]
lmb, leb = sum(lm) / len(lm), sum(le) / len(le)
slope = sum((x - lmb) * (y - leb) for x, y in zip(lm, le)) / sum((x - lmb) ** 2 for x in lm)
tte = []
for target_err in [1e-2, 1e-3, 1e-4]:
    m_needed = (c / target_err) ** 2
    t_needed = time_at(m_needed)
    tte.append({
        "target_rel_rms_error": target_err,
        "sampled_permutations_needed": m_needed,
        "sampled_seconds": t_needed,
        "aumann_shapley_seconds": as_time,
        "ratio_sampled_over_as": t_needed / as_time,
        "extrapolated": not (min(ms) <= m_needed <= max(ms)),
    })

def rev():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return None

one = cf["one_pass_serial"]
out = {
    "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    "git_head": rev(),
    "machine": {"cpus": os.cpu_count(), "note": "shared with other work; figures are medians",
                "platform": platform.platform(),
                "loadavg_1_5_15_before": loadavg("before"), "loadavg_1_5_15_after": loadavg("after")},
    "statistic": "median seconds (criterion median point estimate; NumPy median of repeats)",
    "table": {"n": 1_671_587, "columns": ["followers", "posts", "replies"]},
    "emergent_seconds": {**cf, "quadrature_var_k32": quad},
    "numpy_seconds": npy["seconds"],
    "numpy_version": npy["numpy"],
    "ratios": {
        "numpy_over_emergent_all_four": npy["seconds"]["all_four"] / cf["all_four"],
        "numpy_over_emergent": {f: npy["seconds"][f] / cf[f] for f in forms},
        "form_over_one_pass_serial": {f: cf[f] / one for f in forms},
        "form_over_one_pass_par": {f: cf[f] / cf["one_pass_par"] for f in forms},
        "numpy_form_over_numpy_one_pass": {f: npy["seconds"][f] / npy["seconds"]["one_pass"] for f in forms},
    },
    "time_to_equal_error": {
        "n": errs["n"], "indicator": errs["indicator"], "baseline": errs["baseline"],
        "error_definition": errs["error"],
        "aumann_shapley": {"seconds": as_time, "completeness_gap": errs["as_completeness_gap"],
                            "note": "closed form, exact Shapley value for variance up to round-off"},
        "sampled_shapley_measured": [{"permutations": m, "rel_rms_error": e, "seconds": t} for m, e, t in zip(ms, es, ts)],
        "fit": {"error_c_in_c_over_sqrt_m": c, "error_log_slope": slope, "marginal_seconds_per_permutation": b,
                "time_model": "linear interpolation in M between measured points; beyond the largest M, + marginal cost per permutation"},
        "targets": tte,
    },
    "targets": {
        "all_four_le_0_25_s": cf["all_four"] <= 0.25,
        "ge_4x_faster_than_numpy_all_four": npy["seconds"]["all_four"] / cf["all_four"] >= 4.0,
        "each_o_n_form_within_3x_one_pass_serial": {f: cf[f] / one <= 3.0 for f in ["mean", "heat", "var"]},
        "each_o_n_form_within_3x_one_pass_par": {f: cf[f] / cf["one_pass_par"] <= 3.0 for f in ["mean", "heat", "var"]},
        "quadrature_k32_le_2_s": quad <= 2.0,
    },
}
with open(out_path, "w") as f:
    json.dump(out, f, indent=2)
    f.write("\n")
print(json.dumps({k: out[k] for k in ["emergent_seconds", "numpy_seconds", "ratios", "targets"]}, indent=2))
print("time to equal error:", json.dumps(out["time_to_equal_error"]["targets"], indent=2))
PY
echo "wrote benches/results/attribution.json" >&2
