#!/usr/bin/env python3
"""The Python API's overhead over the CLI's compute time, at 10^6 agents.

attribute: the CLI's `seconds` (`emergent attribute --json --repeat R`: the attribution alone,
median of R, the table already in memory) against the wall time of `emergent.attribute(table,
…)` on the same table held by pyarrow (median of R; it includes taking the table over through
the Arrow C stream, the ids, the tier shares and handing φ back as Arrow). The binding's own
time is that wall time less the attribution and the tier shares measured inside the same call
(the CLI computes tier shares too, outside its `seconds`), so machine load cancels out.

run: the wall time of `emergent run` (the process: reading the scenario, simulating, writing
the run directory and its report) against `emergent.run(…, progress=False)`, which writes the
report too.

Usage: benches/python_overhead.py [--emergent target/release/emergent] [--agents 1000000]
Needs the package installed (`pip install ./python`). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import emergent

ROOT = Path(__file__).resolve().parents[1]
# (indicator, method), all against the mean baseline.
INDICATORS = [
    ("mean(posts + replies)", "auto"),
    ("var(posts + replies)", "auto"),
    ("gini(posts + replies)", "auto"),
    ("gini(posts + replies)", "quadrature"),
]


def table(n: int) -> pa.Table:
    """Heavy-tailed activity, as in numpy_closed_forms.py: followers Pareto-ish, posts
    lognormal-ish, replies = posts-like × uniform."""
    rng = np.random.default_rng(7)
    posts = np.floor(rng.lognormal(1.0, 1.2, n))
    return pa.table({
        "agent_id": np.arange(n, dtype=np.int64),
        "followers": np.floor(rng.pareto(1.5, n) * 10.0),
        "posts": posts,
        "replies": np.floor(rng.lognormal(0.5, 1.0, n) * rng.random(n)),
    })


def cli_seconds(binary: str, path: Path, expr: str, method: str, repeat: int) -> tuple[float, float]:
    """The CLI's compute time (`seconds`, median of `repeat` in one process) and the median
    wall time of the whole command with one repeat (start, read the Parquet file, attribute,
    tiers, print)."""
    command = [binary, "attribute", "--features", str(path), "--indicator", expr,
               "--method", method, "--baseline", "mean", "--json"]
    out = subprocess.run(command + ["--repeat", str(repeat)], check=True, capture_output=True, text=True)
    walls = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        walls.append(time.perf_counter() - started)
    return json.loads(out.stdout)["seconds"], statistics.median(walls)


def python_seconds(t: pa.Table, expr: str, method: str, repeat: int) -> tuple[float, float, float]:
    """Median wall time of the call, of the attribution inside it, and of its tier shares
    (which the CLI computes too, outside its `seconds`)."""
    walls, engine, tiers = [], [], []
    emergent.attribute(t, expr, baseline="mean", method=method)  # warm: pages, thread pool
    for _ in range(repeat):
        started = time.perf_counter()
        a = emergent.attribute(t, expr, baseline="mean", method=method)
        walls.append(time.perf_counter() - started)
        engine.append(a.seconds)
        tiers.append(a.tier_seconds)
        del a
    return statistics.median(walls), statistics.median(engine), statistics.median(tiers)


def run_seconds(binary: str, agents: int, ticks: int, repeat: int, tmp: Path) -> tuple[float, float]:
    scenario = ROOT / "scenarios" / "million.toml"
    sets = {"population.agents": agents, "scenario.ticks": ticks}
    cli, py = [], []
    for r in range(repeat):
        started = time.perf_counter()
        subprocess.run(
            [binary, "run", str(scenario), "--out", str(tmp / f"cli{r}"), "--force"]
            + [a for k, v in sets.items() for a in ("--set", f"{k}={v}")],
            check=True, capture_output=True,
        )
        cli.append(time.perf_counter() - started)
        started = time.perf_counter()
        emergent.run(scenario, out=tmp / f"py{r}", force=True, set=sets, progress=False)
        py.append(time.perf_counter() - started)
    return statistics.median(cli), statistics.median(py)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--emergent", default=str(ROOT / "target" / "release" / "emergent"))
    ap.add_argument("--agents", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--run-ticks", type=int, default=10)
    ap.add_argument("--no-run", action="store_true")
    ap.add_argument("--no-attribute", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="emergent-pyoverhead-") as d:
        tmp = Path(d)
        t = table(args.agents)
        path = tmp / "features.parquet"
        print(f"N = {args.agents:,} agents, medians of {args.repeat}\n")
        if not args.no_attribute:
            print("| command | tiers | CLI compute | CLI command (process wall) | Python API (wall) | "
                  "attribution inside it | tier shares inside it | binding: wall − attribution − tiers "
                  "| binding / CLI compute |")
            print("|---|---|---|---|---|---|---|---|---|")
        for with_tiers in () if args.no_attribute else (False, True):
            tt = t if with_tiers else t.drop_columns(["followers"])
            pq.write_table(tt, path)
            for expr, method in INDICATORS:
                cli, cli_wall = cli_seconds(args.emergent, path, expr, method, args.repeat)
                wall, engine, tiers = python_seconds(tt, expr, method, args.repeat)
                print(f"| attribute `{expr}` ({method}) | {'yes' if with_tiers else 'no'} "
                      f"| {cli * 1e3:.1f} ms | {cli_wall * 1e3:.0f} ms | {wall * 1e3:.1f} ms "
                      f"| {engine * 1e3:.1f} ms "
                      f"| {tiers * 1e3:.1f} ms | {(wall - engine - tiers) * 1e3:.1f} ms "
                      f"| {100 * (wall - engine - tiers) / cli:.1f} % |")
        if not args.no_run:
            cli, py = run_seconds(args.emergent, args.agents, args.run_ticks, max(1, args.repeat // 2), tmp)
            print(f"\n| run `million.toml`, {args.agents:,} agents, {args.run_ticks} ticks | `emergent run` "
                  "process | `emergent.run` call | overhead |")
            print("|---|---|---|---|")
            print(f"| median of {max(1, args.repeat // 2)} | {cli:.2f} s | {py:.2f} s | {100 * (py - cli) / cli:+.1f} % |")


if __name__ == "__main__":
    main()
