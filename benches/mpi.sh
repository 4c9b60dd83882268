#!/usr/bin/env bash
# Partitioned runs (issue 9): scenarios/million.toml in one process and on 2 MPI ranks, with
# the bytes exchanged per tick, where each tick's time goes (fetch / decide / exchange / apply, from
# rank 0's manifest) and every rank's peak memory. Checks that the outputs are identical (the
# ranks' shards read as one table with pyarrow). Writes benches/results/mpi.json.
#
# Usage: benches/mpi.sh            (~5 min on 2 cores; needs Open MPI and libclang)
#   AGENTS=100000 benches/mpi.sh   a smaller world
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
[[ -n "${NO_BUILD:-}" ]] || cargo build --release -q -p emergent-cli --features mpi
bin="$target/release/emergent"
work="$target/bench-mpi"
rm -rf "$work"
mkdir -p "$work" benches/results
sets=()
[[ -n "${AGENTS:-}" ]] && sets=(--set "population.agents=$AGENTS")
mpi=(mpirun --allow-run-as-root --oversubscribe)

timed() { # label, command…
    local label=$1
    shift
    cat /proc/loadavg >"$work/$label.load"
    /usr/bin/time -v -o "$work/$label.time" "$@" >"$work/$label.out"
}
# One process with both cores; one process with one thread (the per-rank budget below);
# two ranks with one thread each; two ranks with two threads each (oversubscribed).
timed p1t2 "$bin" run scenarios/million.toml --out "$work/p1t2" "${sets[@]}"
RAYON_NUM_THREADS=1 timed p1t1 "$bin" run scenarios/million.toml --out "$work/p1t1" "${sets[@]}"
timed p2t1 "${mpi[@]}" -np 2 -x RAYON_NUM_THREADS=1 "$bin" run scenarios/million.toml --distributed --out "$work/p2t1" "${sets[@]}"
timed p2t2 "${mpi[@]}" -np 2 -x RAYON_NUM_THREADS=2 "$bin" run scenarios/million.toml --distributed --out "$work/p2t2" "${sets[@]}"

python3 - "$work" <<'PY'
import json, os, re, sys, datetime, filecmp, glob
import pyarrow.dataset as ds
work = sys.argv[1]
def table(run, name):
    d = os.path.join(work, run)
    one = os.path.join(d, name + ".parquet")
    files = [one] if os.path.exists(one) else sorted(glob.glob(os.path.join(d, name + "-r*.parquet")))
    t = ds.dataset(files, format="parquet").to_table()
    if name == "ticks":
        t = t.sort_by([("tick", "ascending"), ("agent_id", "ascending")])
    if name == "actions":  # a stable sort; dictionary codes compared as names
        t = t.sort_by([("tick", "ascending"), ("agent", "ascending")])
        t = t.set_column(t.schema.get_field_index("action"), "action", t["action"].cast("string"))
    return t
def wall(label):
    t = open(os.path.join(work, label + ".time")).read()
    w = 0.0
    for part in re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1).split(":"):
        w = w * 60 + float(part)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
    return w, rss
runs = {}
for label in ["p1t2", "p1t1", "p2t1", "p2t2"]:
    w, rss = wall(label)
    m = json.load(open(os.path.join(work, label, "manifest.json")))
    same = all(filecmp.cmp(os.path.join(work, "p1t2", f), os.path.join(work, label, f), shallow=False)
               for f in ["indicators.csv", "attribution.json"]) and all(
        table("p1t2", n).equals(table(label, n)) for n in ["features", "ticks", "attribution", "actions"])
    runs[label] = {
        "wall_s": round(w, 2),
        # /usr/bin/time reports the largest single process: for mpirun, the largest rank.
        "peak_rss_mib_largest_process": round(rss, 1),
        "peak_rss_mib_per_rank": [round(b / 2**20, 1) for b in (m.get("distributed") or {}).get("peak_rss_bytes_per_rank", [])],
        "simulate_and_attribute_s": round(m["timings"]["wall_seconds"], 2),
        "agent_steps_per_second": m["timings"]["agent_steps_per_second"],
        "outputs_identical_to_p1t2": same,
        "distributed": m.get("distributed"),
        "loadavg_before": open(os.path.join(work, label + ".load")).read().split()[:3],
    }
res = {
    "driver": "benches/mpi.sh",
    "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "agents": int(os.environ.get("AGENTS", "1000000")),
    "runs": runs,
    "speedup_2_ranks_vs_1_process_1_thread": round(runs["p1t1"]["wall_s"] / runs["p2t1"]["wall_s"], 3),
    "speedup_2_ranks_vs_1_process_2_threads": round(runs["p1t2"]["wall_s"] / runs["p2t1"]["wall_s"], 3),
}
json.dump(res, open("benches/results/mpi.json", "w"), indent=2)
print(json.dumps(res, indent=1))
PY
