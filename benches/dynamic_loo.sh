#!/usr/bin/env bash
# Plausibility of dynamic attribution against the stochastic simulator: leave-one-out reruns
# (agent i silenced: none of its items exist) averaged over noise seeds, for the 30 agents with
# the largest |φ| and 30 random ones, on the 10^4-agent quickstart world. Reports Spearman's ρ
# between φ_i and the mean outcome change M(all) − M(without i).
#   benches/dynamic_loo.sh [SEEDS]   (default 4; ~250 runs of 10^4 agents × 50 ticks)
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-4}
cargo build --release -q -p emergent-cli
bin=target/release/emergent
venv=target/bench-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q pyarrow numpy >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
common=(--set record.every=50)
"$bin" run scenarios/quickstart.toml --out "$work/base" "${common[@]}" --set attribution.dynamic=true >/dev/null
"$venv/bin/python" - "$bin" "$work" "$seeds" <<'PY'
import json, subprocess, sys, random, pathlib
import numpy as np, pyarrow.parquet as pq
bin_, work, seeds = sys.argv[1], pathlib.Path(sys.argv[2]), int(sys.argv[3])
phi = pq.read_table(work / "base" / "dynamic_attribution.parquet").column("phi_polarization").to_numpy()
top = list(np.argsort(-np.abs(phi))[:30])
rng = random.Random(1)
rest = [i for i in range(len(phi)) if i not in set(top)]
chosen = top + rng.sample(rest, 30)
def outcome(tag, extra):
    out = work / tag
    subprocess.run([bin_, "run", "scenarios/quickstart.toml", "--out", str(out), "--force", "--set", "record.every=50", *extra], check=True, capture_output=True)
    last = (out / "indicators.csv").read_text().strip().splitlines()[-1].split(",")
    head = (out / "indicators.csv").read_text().splitlines()[0].split(",")
    return float(last[head.index("polarization")])
full = [outcome(f"full{s}", ["--set", f"scenario.noise_seed={s}"]) for s in range(seeds)]
delta = []
for i in chosen:
    m = [outcome(f"loo", ["--set", f"scenario.noise_seed={s}", "--set", f"population.silenced=[{i}]"]) for s in range(seeds)]
    delta.append(float(np.mean(full) - np.mean(m)))
def spearman(a, b):
    ra = np.argsort(np.argsort(a)); rb = np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])
res = {
    "agents": len(phi), "seeds": seeds, "indicator": "polarization = var(stance)",
    "spearman_all_60": spearman([phi[i] for i in chosen], delta),
    "spearman_top_30": spearman([phi[i] for i in top], delta[:30]),
    "sign_agreement_top_30": float(np.mean(np.sign([phi[i] for i in top]) == np.sign(delta[:30]))),
    "noise_sd_of_M": float(np.std(full)),
    "agents_checked": [{"agent": int(i), "phi": float(phi[i]), "loo_delta": d} for i, d in zip(chosen, delta)],
}
pathlib.Path("benches/results").mkdir(parents=True, exist_ok=True)
pathlib.Path("benches/results/dynamic_loo.json").write_text(json.dumps(res, indent=1))
print(json.dumps({k: v for k, v in res.items() if k != "agents_checked"}, indent=1))
PY
