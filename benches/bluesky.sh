#!/usr/bin/env bash
# Bluesky import benchmark (issue 6): synthesize a 14-day capture of 1,671,587 users
# (~5e7 events, current Jetstream layout, zstd), then time `emergent import bluesky` on it.
# Targets: >= 500,000 events/s on a 2-core machine, peak RSS <= 6 GiB (GNU time -v).
#
#   benches/bluesky.sh [WORKDIR]      (default WORKDIR: /tmp/emergent-bluesky-bench)
#
# Uses target/release/emergent once `import bluesky` / `synth bluesky` are wired into the
# CLI; until then the equivalent library driver crates/bluesky/examples/bluesky_bench.rs.
# Writes benches/results/bluesky.json.
set -euo pipefail
cd "$(dirname "$0")/.."

USERS=${USERS:-1671587}
DAYS=${DAYS:-14}
SEED=${SEED:-1}
WORK=${1:-/tmp/emergent-bluesky-bench}
mkdir -p "$WORK" benches/results
CAPTURE="$WORK/bluesky-${USERS}u-${DAYS}d-s${SEED}.jsonl.zst"
OUT="$WORK/imported"

# NO_BUILD=1 uses the binaries as they are.
[[ -n "${NO_BUILD:-}" ]] || cargo build --release -q -p emergent-cli || true
if target/release/emergent synth bluesky --help >/dev/null 2>&1; then
    DRIVER=cli
    SYNTH=(target/release/emergent synth bluesky --users "$USERS" --days "$DAYS" --out "$CAPTURE" --seed "$SEED" --json)
    IMPORT=(target/release/emergent import bluesky "$CAPTURE" --out "$OUT" --force --json)
else
    DRIVER=example
    [[ -n "${NO_BUILD:-}" ]] || cargo build --release -q -p emergent-bluesky --example bluesky_bench
    SYNTH=(target/release/examples/bluesky_bench synth "$USERS" "$DAYS" "$CAPTURE" "$SEED")
    IMPORT=(target/release/examples/bluesky_bench import "$OUT" "$CAPTURE")
fi
echo "driver: $DRIVER"

if [[ ! -s "$CAPTURE" || ! -s "$CAPTURE.synth.json" ]]; then
    echo "== synth: $USERS users, $DAYS days -> $CAPTURE"
    /usr/bin/time -v -o "$WORK/synth.time" "${SYNTH[@]}" >"$CAPTURE.synth.json"
fi
echo "== import"
rm -rf "$OUT"
/usr/bin/time -v -o "$WORK/import.time" "${IMPORT[@]}" >"$WORK/import.json"

python3 - "$WORK" "$CAPTURE" "$DRIVER" <<'PY'
import json, os, re, sys
work, capture, driver = sys.argv[1:4]
def gnu_time(path):
    if not os.path.exists(path):
        return None
    t = open(path).read()
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
synth = json.load(open(capture + ".synth.json"))
imp = json.load(open(os.path.join(work, "import.json")))
st, it = gnu_time(os.path.join(work, "synth.time")), gnu_time(os.path.join(work, "import.time"))
events = imp["counts"]["events"] + imp["outside_window"]
result = {
    "driver": driver,
    "machine": {"cores": os.cpu_count(), "load_avg_1m_at_end": os.getloadavg()[0]},
    "capture": {"users": synth["users"], "days": synth["days"], "seed": synth["seed"], "events": synth["events"],
                "json_bytes": synth["json_bytes"], "zstd_bytes": os.path.getsize(capture)},
    "synth": st and {**st, "events_per_s": round(synth["events"] / st["wall_s"])},
    "import": {**it, "events": events, "events_per_s": round(events / it["wall_s"]),
               "users_active": imp["users_active"], "follow_edges": imp["follow_edges"]},
    "round_trip_counts_match": imp["counts"] == synth["counts"] and imp["users_active"] == synth["users_active"]
                               and imp["follow_edges"] == synth["follow_edges"],
    "targets": {"events_per_s": 500000, "peak_rss_mib": 6144},
}
result["import"]["meets_targets"] = result["import"]["events_per_s"] >= 500000 and it["peak_rss_mib"] <= 6144
json.dump(result, open("benches/results/bluesky.json", "w"), indent=2)
print(json.dumps(result, indent=2))
PY
