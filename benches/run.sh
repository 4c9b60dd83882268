#!/usr/bin/env bash
# One entry point for the performance evidence of issue 7 (see benches/README.md).
#
#   benches/run.sh            full run (~25–40 min on 2 shared cores): writes benches/results/
#                             {attribution_vs,sim_vs_mesa,summary}.json, the two PNG plots, and
#                             regenerates the marked sections of benches/README.md
#   benches/run.sh --quick    small N, a minute or two (CI): same code paths, but writes to
#                             target/bench-quick/ (results, plots and a regenerated copy of the
#                             README) so the recorded full figures are never overwritten
#
# Creates target/bench-venv (numpy, shapiq, mesa, networkx, matplotlib, pandas from PyPI), builds
# emergent with `cargo build --release -p emergent-cli`, runs benches/compare/*.py. Fails on any
# error; never on a speed threshold (goals are reported in summary.json and the README, not asserted).
# Env: SAMPLED_BUDGET (s per sampled-Shapley method and N, full run; default 600),
#      REPEATS (default 5 attribution / 3 simulation), NO_BUILD=1 (use target/release/emergent as is),
#      EMERGENT_BIN (a binary to measure instead of target/release/emergent),
#      ONLY=attribution | simulation | llm (re-measure one part; the other parts' results are reused).
# The criterion kernels stay in benches/attribution.sh. The LLM throughput bench
# (cargo bench -p emergent-llm --bench llm → benches/results/llm.json) runs in full mode only.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="$target/bench-venv"
quick=0
for a in "$@"; do
    case "$a" in
        --quick) quick=1 ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "unknown argument: $a" >&2; exit 2 ;;
    esac
done

if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import numpy, shapiq, mesa, networkx, matplotlib, pandas' 2>/dev/null; then
    echo "== pip install into $venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check numpy shapiq mesa networkx matplotlib pandas
fi
py="$venv/bin/python"
export PYTHONDONTWRITEBYTECODE=1

if [[ -z "${NO_BUILD:-}" ]]; then
    echo "== cargo build --release -p emergent-cli" >&2
    cargo build --release -p emergent-cli
fi
export EMERGENT_BIN="${EMERGENT_BIN:-$target/release/emergent}"
[[ -x "$EMERGENT_BIN" ]] || { echo "missing $EMERGENT_BIN" >&2; exit 1; }

if (( quick )); then
    results="$target/bench-quick"
    work="$target/bench-work-quick"
    mkdir -p "$results"
    cp benches/README.md "$results/README.md"
    readme="$results/README.md"
    attr_args=(--sizes 100,1000,10000 --repeats 3 --sampled-budget 8 --study-sizes 1000,10000)
    sim_args=(--sizes 1000,10000 --emergent-only 100000 --ticks 10 --repeats 3)
    mode=quick
else
    results="$root/benches/results"
    work="$target/bench-work"
    readme="$root/benches/README.md"
    attr_args=(--sizes 100,1000,10000,100000,1671587 --repeats "${REPEATS:-5}" --sampled-budget "${SAMPLED_BUDGET:-600}"
               --study-sizes 1000,10000,100000,1671587)
    sim_args=(--sizes 1000,10000,100000 --emergent-only 1000000 --ticks 20 --repeats "${REPEATS:-3}" --million)
    mode=full
fi
mkdir -p "$results" "$work"
echo "== load average: $(cat /proc/loadavg)" >&2

only="${ONLY:-}"
case "$only" in ""|attribution|simulation|llm) ;; *) echo "ONLY must be attribution, simulation or llm" >&2; exit 2 ;; esac
if [[ -z "$only" || "$only" == llm ]] && (( ! quick )); then
    echo "== LLM decisions vs Little's law (mock server, 50 ms)" >&2
    cargo bench -q -p emergent-llm --bench llm
fi
if [[ -z "$only" || "$only" == attribution ]]; then
    echo "== attribution vs NumPy / sampled Shapley / shapiq" >&2
    "$py" benches/compare/attribution_vs.py "${attr_args[@]}" --work "$work/attribution" --out "$results/attribution_vs.json"
fi
if [[ -z "$only" || "$only" == simulation ]]; then
    echo "== simulation vs Mesa" >&2
    "$py" benches/compare/sim_vs_mesa.py "${sim_args[@]}" --work "$work/sim" --out "$results/sim_vs_mesa.json"
fi
echo "== summary, README tables, plots" >&2
"$py" benches/compare/report.py --results "$results" --readme "$readme" --mode "$mode"
echo "== done: $results (README: $readme)" >&2
