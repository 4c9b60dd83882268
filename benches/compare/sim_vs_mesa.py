#!/usr/bin/env python3
"""Simulation: emergent vs Mesa on the same bounded-confidence model (benches/compare/bc.toml and
benches/compare/mesa_bc.py), then emergent alone at larger N and on scenarios/million.toml.

Each configuration runs --repeats times under `/usr/bin/time -v`; figures are medians (peak RSS:
the largest). What each figure includes:
- emergent `manifest.timings.wall_seconds`: world build (network generation included), every tick,
  recording (`record.every = 1000`: the final state only; `record.actions = false`: no action
  log, as Mesa keeps none), attribution of the scenario's indicator
  and the run directory's outputs (Parquet, report). Process wall/RSS from GNU time on top.
- Mesa `model_seconds`: model construction (networkx BA graph, NetworkGrid, agents) and every
  tick; no data collection. `step_seconds`: the ticks alone. Process wall/RSS from GNU time
  (interpreter start and imports included).
agent-steps = agents × ticks in both (each agent is visited every tick; ~27 % are active).
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import EMERGENT, ROOT, log, loadavg, loglog_slope, median, timed, write_json  # noqa: E402

BC = os.path.join(ROOT, "benches", "compare", "bc.toml")
MESA = os.path.join(ROOT, "benches", "compare", "mesa_bc.py")


def emergent_run(scenario, n, ticks, work, tag, sets):
    out = os.path.join(work, tag)
    args = ["run", scenario, "--out", out, "--force"]
    if n:
        args += ["--set", f"population.agents={n}"]
    if ticks:
        args += ["--set", f"scenario.ticks={ticks}"]
    for s in sets:
        args += ["--set", s]
    _, tm = timed([EMERGENT, *args], work, tag)
    man = json.load(open(os.path.join(out, "manifest.json")))
    return {"wall_seconds": man["timings"]["wall_seconds"],
            "agent_steps": man["counts"]["agent_steps"],
            "active_agent_steps": man["counts"].get("active_agent_steps"),
            "items": man["counts"].get("items"), "edges": man["counts"].get("edges"),
            "agent_steps_per_second": man["timings"]["agent_steps_per_second"],
            "process": tm}


def summarize(runs, key_rate, key_wall):
    return {
        "repeats": len(runs),
        "agent_steps_per_second": median([r[key_rate] for r in runs]),
        "wall_seconds": median([r[key_wall] for r in runs]),
        "process_wall_s": median([r["process"]["wall_s"] for r in runs]),
        "peak_rss_mib": max(r["process"]["peak_rss_mib"] for r in runs),
        "runs": runs,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--emergent-only", default="1000000", help="extra N for emergent alone (same model)")
    ap.add_argument("--ticks", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--million", action="store_true", help="also run scenarios/million.toml as shipped")
    ap.add_argument("--work", default=os.path.join("target", "bench-work", "sim"))
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",") if x]
    extra = [int(x) for x in args.emergent_only.split(",") if x]
    py = sys.executable
    res = {"what": __doc__.strip().splitlines()[0], "includes": __doc__.split("What each figure includes:")[1].strip(),
           "ticks": args.ticks, "loadavg_before": loadavg(), "model": "benches/compare/bc.toml", "sizes": []}
    for n in sizes + extra:
        log(f"== sim N = {n}, {args.ticks} ticks")
        row = {"n": n, "ticks": args.ticks}
        er = [emergent_run(BC, n, args.ticks, args.work, f"emergent-{n}", []) for _ in range(args.repeats)]
        row["emergent"] = summarize(er, "agent_steps_per_second", "wall_seconds")
        log(f"  emergent {row['emergent']['agent_steps_per_second']:.3g} agent-steps/s, "
            f"{row['emergent']['wall_seconds']:.3f} s, {row['emergent']['peak_rss_mib']:.0f} MiB")
        if n in sizes:
            mr = []
            for r in range(args.repeats):
                out, tm = timed([py, MESA, "--agents", str(n), "--ticks", str(args.ticks)], args.work, f"mesa-{n}")
                j = json.loads(out)
                j["process"] = tm
                mr.append(j)
            row["mesa"] = summarize(mr, "agent_steps_per_second_with_setup", "model_seconds")
            row["mesa"]["agent_steps_per_second_steps_only"] = median([r["agent_steps_per_second_steps_only"] for r in mr])
            row["mesa"]["version"] = mr[0]["mesa"]
            row["ratio_emergent_over_mesa"] = {
                "agent_steps_per_second": row["emergent"]["agent_steps_per_second"] / row["mesa"]["agent_steps_per_second"],
                "process_wall": row["mesa"]["process_wall_s"] / row["emergent"]["process_wall_s"],
                "peak_rss_mesa_over_emergent": row["mesa"]["peak_rss_mib"] / row["emergent"]["peak_rss_mib"],
            }
            log(f"  mesa     {row['mesa']['agent_steps_per_second']:.3g} agent-steps/s (steps only "
                f"{row['mesa']['agent_steps_per_second_steps_only']:.3g}), {row['mesa']['wall_seconds']:.3f} s, "
                f"{row['mesa']['peak_rss_mib']:.0f} MiB  -> ratio {row['ratio_emergent_over_mesa']['agent_steps_per_second']:.1f}x")
        res["sizes"].append(row)
        write_json(args.out, res)
    ns = [r["n"] for r in res["sizes"]]
    big = [r for r in res["sizes"] if r["n"] >= 10_000]
    res["scaling"] = {"run": {
        "n": ns, "wall_seconds": [r["emergent"]["wall_seconds"] for r in res["sizes"]],
        "peak_rss_mib": [r["emergent"]["peak_rss_mib"] for r in res["sizes"]],
        "exponent_wall_n_ge_1e4": loglog_slope([r["n"] for r in big], [r["emergent"]["wall_seconds"] for r in big]) if len(big) >= 2 else None,
        "exponent_rss_n_ge_1e4": loglog_slope([r["n"] for r in big], [r["emergent"]["peak_rss_mib"] for r in big]) if len(big) >= 2 else None,
    }}
    if args.million:
        log("== scenarios/million.toml as shipped (record every 10, checkpoint every 50)")
        mr = [emergent_run(os.path.join(ROOT, "scenarios", "million.toml"), None, None, args.work, "million", [])
              for _ in range(args.repeats)]
        m = summarize(mr, "agent_steps_per_second", "wall_seconds")
        m["goal"] = {"wall_seconds": 60.0, "peak_rss_mib": 4096.0}
        m["meets"] = {"wall": m["wall_seconds"] <= 60.0, "rss": m["peak_rss_mib"] <= 4096.0}
        res["million"] = m
        log(f"  million: {m['wall_seconds']:.1f} s, {m['agent_steps_per_second']:.3g} agent-steps/s, {m['peak_rss_mib']:.0f} MiB")
    res["loadavg_after"] = loadavg()
    write_json(args.out, res)


if __name__ == "__main__":
    main()
