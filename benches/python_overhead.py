#!/usr/bin/env python3
"""The Python API's overhead at 10^6 agents, per attribution method.

Overhead = the time of ``emergent.attribute(table, …)`` less the time the same library
calls take from Rust on the same in-memory table, measured in the same process, alternating
with the Python calls; as wall time and as the process's CPU time (all threads; what other
processes on a loaded machine do not inflate) (``_native._library_seconds``: build the FeatureTable from owned columns
— its checks of finite values and unique ids —, parse the baseline, attribute, tier shares).
Same process and interleaved, so machine load and the allocator's state cancel out; what is
left is what the binding adds (taking the table over through the Arrow C stream, the ids,
handing φ back as Arrow, the Python wrapper). The CLI's compute time (`emergent attribute
--json --repeat R`, its ``seconds``: the attribution alone, in another process) is printed
for reference: it leaves out the table's checks and the tier shares, which it does while
reading its file and after, so it is not the same work.

The table: heavy-tailed posts, replies, followers (tier shares by followers, as the CLI
does by default), baseline ``mean``. The Shapley methods: sampled at 10^6 agents with
``--permutations`` permutations; exact at its limit (20 agents).

run (``--run``): the wall time of ``emergent run`` (the process) against ``emergent.run(…,
progress=False)``, which writes the report too.

Usage: benches/python_overhead.py [--emergent target/release/emergent] [--agents 1000000]
    [--repeat 21] [--permutations 10] [--run]
Needs the package installed (``pip install ./python``). Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import emergent
from emergent import _native

ROOT = Path(__file__).resolve().parents[1]
# (label, indicator, method, agents: None = --agents)
CASES = [
    ("closed form", "mean(posts + replies)", "auto", None),
    ("closed form", "var(posts + replies)", "auto", None),
    ("closed form", "gini(posts + replies)", "auto", None),
    ("path (quadrature, 32 nodes)", "gini(posts + replies)", "quadrature", None),
    ("sampled Shapley", "var(posts + replies)", "sampled-shapley", None),
    ("exact Shapley (its limit: 20 agents)", "var(posts + replies)", "exact-shapley", 20),
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


def cli_seconds(binary: str, path: Path, expr: str, method: str, permutations: int, repeat: int) -> float:
    """The CLI's compute time: `seconds` of `emergent attribute --json --repeat R` (the
    attribution alone, median of R in one process, its table read from `path`)."""
    command = [binary, "attribute", "--features", str(path), "--indicator", expr,
               "--method", method, "--baseline", "mean", "--permutations", str(permutations),
               "--json", "--repeat", str(repeat)]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)["seconds"]


def measure(t: pa.Table, expr: str, method: str, permutations: int, repeat: int) -> dict:
    """Python call and library reference, alternating, `repeat` times each after one warm-up
    of both: medians of the wall times, of the paired differences, and of the parts the
    Python call reports (table built and checked, attribution, tier shares)."""
    def python_call() -> tuple[float, float, emergent.Attribution]:
        cpu, started = time.process_time(), time.perf_counter()
        a = emergent.attribute(t, expr, baseline="mean", method=method, permutations=permutations)
        return time.perf_counter() - started, time.process_time() - cpu, a

    def library() -> tuple[float, float]:
        return _native._library_seconds(t.__arrow_c_stream__(), expr, "mean", method, 32,
                                        permutations, 0, 1)[0]

    python_call()
    library()
    py, lib, parts = [], [], []
    for _ in range(repeat):
        wall, cpu, a = python_call()
        parts.append((a.table_seconds, a.seconds, a.tier_seconds,
                      wall - a.table_seconds - a.seconds - a.tier_seconds))
        del a
        py.append((wall, cpu))
        lib.append(library())
    med = statistics.median
    return {
        "wall": med(w for w, _ in py),
        "library": med(w for w, _ in lib),
        "overhead": med(p[0] - l[0] for p, l in zip(py, lib)),
        "cpu": med(c for _, c in py),
        "library_cpu": med(c for _, c in lib),
        "overhead_cpu": med(p[1] - l[1] for p, l in zip(py, lib)),
        "table": med(p[0] for p in parts),
        "attribution": med(p[1] for p in parts),
        "tiers": med(p[2] for p in parts),
        "glue": med(p[3] for p in parts),
    }


def ms(x: float) -> str:
    return f"{x * 1e3:.2f} ms" if abs(x) < 0.1 else f"{x * 1e3:.0f} ms"


def attribute_table(args: argparse.Namespace, tmp: Path) -> None:
    print("| method | indicator | N | library from Rust, same process: wall (CPU) "
          "| Python call: wall (CPU) | **overhead**, paired median: wall (CPU) "
          "| overhead / library: wall (CPU) | inside the call: table built + checked / "
          "attribution / tier shares (wall) | **binding's glue**: call wall − those three, "
          "per call | CLI compute (`seconds`, wall) |")
    print("|---|---|---:|---:|---:|---:|---:|---|---:|---:|")
    tables: dict[int, pa.Table] = {}
    for label, expr, method, agents in CASES:
        n = agents or args.agents
        if n not in tables:
            tables[n] = table(n)
        t = tables[n]
        m = measure(t, expr, method, args.permutations, args.repeat)
        cli = "–"
        if not args.no_cli and os.path.exists(args.emergent):
            path = tmp / f"features-{n}.parquet"
            if not path.exists():
                pq.write_table(t, path)
            cli = ms(cli_seconds(args.emergent, path, expr, method, args.permutations, args.repeat))
        print(f"| {label} | `{expr}` | {n:,} | {ms(m['library'])} ({ms(m['library_cpu'])}) "
              f"| {ms(m['wall'])} ({ms(m['cpu'])}) "
              f"| **{ms(m['overhead'])}** ({ms(m['overhead_cpu'])}) "
              f"| {100 * m['overhead'] / m['library']:.1f} % "
              f"({100 * m['overhead_cpu'] / m['library_cpu']:.1f} %) "
              f"| {ms(m['table'])} / {ms(m['attribution'])} / {ms(m['tiers'])} "
              f"| **{ms(m['glue'])}** ({100 * m['glue'] / m['library']:.2f} %) | {cli} |")


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


def load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--emergent", default=str(ROOT / "target" / "release" / "emergent"))
    ap.add_argument("--agents", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=21)
    ap.add_argument("--permutations", type=int, default=10)
    ap.add_argument("--no-cli", action="store_true", help="skip the CLI's compute time")
    ap.add_argument("--run", action="store_true", help="also time emergent.run against the CLI")
    ap.add_argument("--run-ticks", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="emergent-pyoverhead-") as d:
        tmp = Path(d)
        print(f"N = {args.agents:,} agents, medians of {args.repeat}; load average (1, 5, 15 min) "
              f"before: {load()}\n")
        attribute_table(args, tmp)
        if args.run:
            cli, py = run_seconds(args.emergent, args.agents, args.run_ticks,
                                  max(1, args.repeat // 7), tmp)
            print(f"\n| run `million.toml`, {args.agents:,} agents, {args.run_ticks} ticks "
                  "| `emergent run` process | `emergent.run` call | overhead |")
            print("|---|---|---|---|")
            print(f"| median of {max(1, args.repeat // 7)} | {cli:.2f} s | {py:.2f} s "
                  f"| {100 * (py - cli) / cli:+.1f} % |")
        print(f"\nload average after: {load()}")


if __name__ == "__main__":
    main()
