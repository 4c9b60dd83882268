#!/usr/bin/env bash
# `emergent study` on a 1,671,587-agent heavy-tailed feature table (the Bluesky snapshot's
# size): 4 indicators × 4 protocols × 10 seeds, with and without the robustness sweeps.
# Target (issue 5): the whole default study in < 30 s on this 2-core machine.
# Writes benches/results/study.json.
#
# Usage: benches/study.sh        (from anywhere)
#   AGENTS=100000 benches/study.sh   a smaller table
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
agents="${AGENTS:-1671587}"
work="$target/bench-study"
mkdir -p "$work" benches/results

cargo build --release -p emergent-cli -p emergent-report --example heavy_tailed_features >&2
"$target/release/examples/heavy_tailed_features" "$work/features.parquet" "$agents" 7 >&2

study() {
    local name="$1"; shift
    rm -rf "$work/$name"
    /usr/bin/time -v -o "$work/$name.time" "$target/release/emergent" study \
        --features "$work/features.parquet" \
        --indicator 'mean(posts + replies)' --baseline zero \
        --indicator 'var(posts + replies)' --baseline zero \
        --indicator 'gini(posts + replies)' --baseline mean \
        --indicator 'mean(followers)*mean(posts)*mean(replies)' --baseline zero \
        --out "$work/$name" "$@" >"$work/$name.out" 2>"$work/$name.err"
}
echo "== default study (with sweeps)" >&2
study full
echo "== --no-sweeps" >&2
study no-sweeps --no-sweeps

python3 - "$work" "$agents" <<'PY'
import json, os, re, sys
work, agents = sys.argv[1], int(sys.argv[2])

def gnu_time(name):
    t = open(os.path.join(work, name + ".time")).read()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1)
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    return {
        "wall_s": round(secs, 2),
        "user_s": float(re.search(r"User time \(seconds\): (\S+)", t).group(1)),
        "sys_s": float(re.search(r"System time \(seconds\): (\S+)", t).group(1)),
        "peak_rss_mib": round(int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024, 1),
    }

def phases(name):
    """Seconds between the progress lines on stderr: where the time goes."""
    marks = [(float(m.group(1)), m.group(2)) for m in re.finditer(r"\[\s*([\d.]+) s\] (.*)", open(os.path.join(work, name + ".err")).read())]
    return [{"phase": what, "s": round(nxt - t, 2)} for (t, what), (nxt, _) in zip(marks, marks[1:])]

full, fast = gnu_time("full"), gnu_time("no-sweeps")
out = {
    "driver": "benches/study.sh",
    "machine": {"cores": os.cpu_count(), "load_avg_1m_at_end": os.getloadavg()[0]},
    "table": {"agents": agents, "generator": "crates/report/examples/heavy_tailed_features.rs (seed 7)"},
    "study": {"indicators": 4, "protocols": 4, "seeds": 10, "panel_size": 100},
    "target_s": 30,
    "default_study": full | {"meets_target": full["wall_s"] < 30, "phases": phases("full")},
    "no_sweeps": fast | {"meets_target": fast["wall_s"] < 30, "phases": phases("no-sweeps")},
}
json.dump(out, open("benches/results/study.json", "w"), indent=2)
print(json.dumps(out, indent=2))
PY
