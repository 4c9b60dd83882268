#!/usr/bin/env bash
# Dynamic attribution at scale (issue 8): `emergent attribute --dynamic` on a 10^6-agent run of
# scenarios/million.toml (1.94·10^7 follow edges) cut to T = 50 ticks, K = 8 Gauss–Legendre
# nodes. Goal: ≤ 3 min, ≤ 8 GiB, backward/forward ≤ 3. Writes benches/results/dynamic.json.
#
# Usage: benches/dynamic.sh            (~4 min on 2 cores: a 25 s run, then the attribution)
#   AGENTS=100000 benches/dynamic.sh   a smaller world (population.agents override)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
bin="${EMERGENT_BIN:-$target/release/emergent}"
[[ -n "${NO_BUILD:-}" ]] || cargo build --release -q -p emergent-cli
work="$target/bench-dynamic"
rm -rf "$work"
mkdir -p "$work" benches/results
set_agents=()
[[ -n "${AGENTS:-}" ]] && set_agents=(--set "population.agents=$AGENTS")
"$bin" run scenarios/million.toml --out "$work/run" --set scenario.ticks=50 "${set_agents[@]}" >/dev/null
cat /proc/loadavg > "$work/loadavg.before"
/usr/bin/time -v -o "$work/time.txt" "$bin" attribute --dynamic "$work/run" --nodes 8 --json > "$work/out.json"
cat /proc/loadavg > "$work/loadavg.after"
python3 - "$work" <<'PY'
import json, re, sys, os, datetime
work = sys.argv[1]
t = open(os.path.join(work, "time.txt")).read()
wall = 0.0
for part in re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1).split(":"):
    wall = wall * 60 + float(part)
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
out = json.load(open(os.path.join(work, "out.json")))
inds = out["indicators"]
res = {
    "driver": "benches/dynamic.sh",
    "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "agents": int(os.environ.get("AGENTS", "1000000")),
    "ticks": 50, "nodes": 8,
    "wall_s": round(wall, 1), "peak_rss_mib": round(rss, 1),
    "attribution_seconds": out.get("seconds"),
    "indicators": [{k: i.get(k) for k in ("name", "value", "baseline_value", "sum_phi", "completeness_gap", "seconds", "backward_over_forward")} for i in inds],
    "goals": {"wall_s_max": 180, "peak_rss_gib_max": 8, "backward_over_forward_max": 3},
    "loadavg_before": open(os.path.join(work, "loadavg.before")).read().split()[:3],
    "loadavg_after": open(os.path.join(work, "loadavg.after")).read().split()[:3],
}
json.dump(res, open("benches/results/dynamic.json", "w"), indent=2)
print(json.dumps({k: res[k] for k in ("wall_s", "peak_rss_mib", "attribution_seconds")}))
for i in res["indicators"]:
    print(i)
PY
