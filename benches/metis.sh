#!/usr/bin/env bash
# METIS partitions (issue 9): on a follow graph with communities whose ids say nothing of them
# (a stochastic block model with shuffled ids, written as an edge list), 2 MPI ranks with the
# contiguous split vs a METIS partition (`[partition] method = "metis"`): follow edges cut, items
# fetched and bytes exchanged per tick, wall time. The METIS run must equal its single-process
# run (indicators and attribution byte for byte). Writes benches/results/metis.json.
#
# Usage: benches/metis.sh               (~2 min on 2 cores; needs Open MPI, libclang, libmetis)
#   AGENTS=100000 TICKS=20 benches/metis.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
[[ -n "${NO_BUILD:-}" ]] || cargo build --release -q -p emergent-cli --features mpi,metis
bin="$target/release/emergent"
work="$target/bench-metis"
rm -rf "$work"
mkdir -p "$work" benches/results
agents="${AGENTS:-200000}"
ticks="${TICKS:-30}"
mpi=(mpirun --allow-run-as-root --oversubscribe)

python3 - "$work" "$agents" <<'PY'
import sys, numpy as np
work, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(5)
communities = 20
size = n // communities
src, dst = [], []
# ~15 followees inside the community, ~1 outside.
for c in range(communities):
    lo, hi = c * size, (n if c == communities - 1 else (c + 1) * size)
    m = (hi - lo) * 15
    src.append(rng.integers(lo, hi, m)); dst.append(rng.integers(lo, hi, m))
src.append(rng.integers(0, n, n)); dst.append(rng.integers(0, n, n))
src, dst = np.concatenate(src), np.concatenate(dst)
perm = rng.permutation(n)
with open(f"{work}/graph.csv", "w") as f:
    f.write("src,dst\n")
    f.write("\n".join(f"{a},{b}" for a, b in zip(perm[src].tolist(), perm[dst].tolist())))
    f.write("\n")
PY
sed -e '/^\[network\]/,/^$/d' scenarios/million.toml >"$work/sbm.toml"
cat >>"$work/sbm.toml" <<EOF

[network]
generator = "edgelist"
path = "graph.csv"
EOF
sets=(--set "population.agents=$agents" --set "scenario.ticks=$ticks" --set "record.actions=false")
metis=(--set partition.method=metis --set partition.parts=2)

timed() { # label, command…
    local label=$1
    shift
    cat /proc/loadavg >"$work/$label.load"
    /usr/bin/time -v -o "$work/$label.time" "$@" >"$work/$label.out"
}
timed contiguous "${mpi[@]}" -np 2 -x RAYON_NUM_THREADS=1 "$bin" run "$work/sbm.toml" --distributed --out "$work/contiguous" "${sets[@]}"
timed metis "${mpi[@]}" -np 2 -x RAYON_NUM_THREADS=1 "$bin" run "$work/sbm.toml" --distributed --out "$work/metis" "${sets[@]}" "${metis[@]}"
timed metis1 "$bin" run "$work/sbm.toml" --out "$work/metis1" "${sets[@]}" "${metis[@]}"

python3 - "$work" "$agents" "$ticks" <<'PY'
import json, os, re, sys, datetime, filecmp
work, agents, ticks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def wall(label):
    t = open(os.path.join(work, label + ".time")).read()
    w = 0.0
    for part in re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1).split(":"):
        w = w * 60 + float(part)
    return w
runs = {}
for label in ["contiguous", "metis"]:
    m = json.load(open(os.path.join(work, label, "manifest.json")))
    d = m["distributed"]
    runs[label] = {
        "wall_s": round(wall(label), 2),
        "edges": m["counts"].get("edges"),
        "cut_edges": d["cut_edges"],
        "rank0_items_fetched_per_tick": round(d["rank0_items_fetched_per_tick"], 1),
        "rank0_bytes_received_per_tick": round(d["rank0_bytes_received_per_tick"]),
        "rank0_bytes_sent_per_tick": round(d["rank0_bytes_sent_per_tick"]),
        "rank0_seconds_per_tick": d["rank0_seconds_per_tick"],
        "loadavg_before": open(os.path.join(work, label + ".load")).read().split()[:3],
    }
same = all(filecmp.cmp(os.path.join(work, "metis1", f), os.path.join(work, "metis", f), shallow=False)
           for f in ["indicators.csv", "attribution.json"])
c, m = runs["contiguous"], runs["metis"]
res = {
    "driver": "benches/metis.sh",
    "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "agents": agents,
    "ticks": ticks,
    "graph": "SBM, 20 communities, ~15 follows inside and ~1 outside per agent, ids shuffled",
    "runs": runs,
    "metis_equals_its_single_process_run": same,
    "cut_ratio_metis_vs_contiguous": round(m["cut_edges"] / max(c["cut_edges"], 1), 3),
    "fetched_ratio_metis_vs_contiguous": round(m["rank0_items_fetched_per_tick"] / max(c["rank0_items_fetched_per_tick"], 1), 3),
    "bytes_ratio_metis_vs_contiguous": round(m["rank0_bytes_received_per_tick"] / max(c["rank0_bytes_received_per_tick"], 1), 3),
}
json.dump(res, open("benches/results/metis.json", "w"), indent=2)
print(json.dumps(res, indent=1))
PY
