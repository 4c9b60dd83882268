#!/usr/bin/env python3
"""Ground truth vs the attributions, per shipped scenario (issue #19): group shares and cost.

For each case it runs the scenario, then

1. `emergent attribute --dynamic RUN` with the scenario's default quadrature (the diagonal
   path; what a user gets without flags),
2. `emergent attribute --game RUN --groups SPEC --replicates R --twin`: the ground truth
   (every group outside S silenced from tick 0, R replicates with common random numbers) beside
   the static and dynamic group sums and the twin's own game,
3. `emergent attribute --dynamic RUN --groups SPEC` (the grouped attribution, default
   quadrature unless the case says otherwise),

timing each command (wall seconds and the 1-minute load average at its end: the machine is
shared), and writes `benches/results/ground_truth.json` (cases run again replace their old
entry) and the generated section `ground_truth` of `benches/README.md`.

Usage:
  benches/ground_truth.sh                      # every case (hours on 2 cores)
  benches/ground_truth.sh cascade-1e4 quickstart-1e4
  python3 benches/ground_truth.py tables       # README section from the JSON only
"""

import datetime
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "compare"))
from report import replace_section  # noqa: E402  (benches/compare/report.py: the README's markers)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "benches", "results", "ground_truth.json")
README = os.path.join(ROOT, "benches", "README.md")

# name: scenario file, population override (None: as shipped), other overrides (`sets`),
# games [(spec, R)], grouped attributions [(spec, extra flags)], extra flags of the diagonal
# attribution (`diagonal=None`: not run).
CASES = {
    "cascade-1e4": dict(scenario="cascade", agents=10_000, games=[("tiers", 8)],
                        grouped=[("tiers", [])]),
    # The radicalization twin spends the default budget (512 passes an indicator: 43 min for
    # the quickstart's three at 10^4 under load 6–8), so the diagonal gets 128 (what the
    # panels cannot resolve is anchored; docs/dynamic-attribution.md, "Anchoring"); its grouped
    # attribution equals the twin game column by construction and costs 12 paths of that.
    "quickstart-1e4": dict(scenario="quickstart", agents=None,
                           games=[("tiers", 8), ("communities", 8)],
                           grouped=[], diagonal=["--max-nodes", "128"]),
    # The quickstart with a quarter of its sampling noise per unit of time and the same
    # expected dynamics (dt 0.2 -> 0.05 over 4x the ticks, rewiring per tick / 4): is what the
    # twin misses at dt = 0.2 the engine's noise? (docs/ground-truth.md, "Noise".)
    "quickstart-1e4-dt0.05": dict(scenario="quickstart", agents=None,
                                  sets=["policy.radicalization.dt=0.05", "scenario.ticks=200",
                                        "policy.radicalization.follow_prob=0.125",
                                        "policy.radicalization.unfollow_prob=0.125"],
                                  games=[("tiers", 8), ("communities", 8)],
                                  grouped=[], diagonal=None),
    "polarization-1e4": dict(scenario="polarization", agents=10_000, games=[("tiers", 8)],
                             grouped=[], diagonal=["--max-nodes", "32"]),
    # The same with a quarter of the noise (dt 0.1 -> 0.025 over 800 ticks).
    "polarization-1e4-dt0.025": dict(scenario="polarization", agents=10_000,
                                     sets=["policy.radicalization.dt=0.025", "scenario.ticks=800",
                                           "policy.radicalization.follow_prob=0.125",
                                           "policy.radicalization.unfollow_prob=0.125"],
                                     games=[("tiers", 8)], grouped=[], diagonal=None),
    # 5,000 ticks: a gradient pass costs about a minute at 10^4 agents.
    "market-panic-1e4": dict(scenario="market-panic", agents=10_000, games=[("tiers", 4)],
                             grouped=[], diagonal=["--max-nodes", "16"]),
    "cascade-1e5": dict(scenario="cascade", agents=None, games=[("tiers", 4)],
                        grouped=[("tiers", [])]),
    # The quickstart at 10^5 with its mean degree kept (p_in, p_out / 10: ~15 followees inside
    # the community and ~5 outside, as at 10^4). Scaling n at fixed p_in instead gives ~200
    # followees an agent for 20 in-network slots, a different feed (every row crowded), and
    # the game alone had not finished in 40 minutes (2026-12-07). The diagonal's passes cost
    # ~31 s each here (24 in 751 s at load 2), so it gets 32 and one indicator (what the panels cannot resolve is
    # anchored; at 8 fixed nodes the path's transition is missed: Σφ ≈ 0 against 8.4).
    "quickstart-1e5": dict(scenario="quickstart", agents=100_000,
                           sets=["network.p_in=0.0006", "network.p_out=0.00007"],
                           games=[("tiers", 4)], grouped=[],
                           diagonal=["--max-nodes", "32", "--indicator", "polarization"]),
}


def emergent():
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.environ.get("EMERGENT_BIN", os.path.join(target, "release", "emergent"))


def load1():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def timed(args, log):
    """Run one command; its wall seconds and the load at its end."""
    t = time.monotonic()
    with open(log, "a") as out:
        out.write("$ " + " ".join(args) + "\n")
        out.flush()
        subprocess.run(args, check=True, stdout=out, stderr=subprocess.STDOUT)
    return {"command": " ".join(args[1:]), "seconds": round(time.monotonic() - t, 1),
            "load": load1()}


def read_json(path):
    with open(path) as f:
        return json.load(f)


def dynamic_summary(path):
    """What a dynamic attribution's JSON says per indicator."""
    out = []
    for i in read_json(path)["indicators"]:
        a = i.get("anchoring") or {}
        out.append({
            "name": i["name"], "value": i["value"], "baseline_value": i["baseline_value"],
            "run_value": i.get("run_value"), "gap": i["completeness_gap"],
            "quadrature_gap": a.get("quadrature_gap", i["completeness_gap"]),
            "anchored_panels": a.get("anchored_panels", 0),
            "replaced_panels": a.get("replaced_panels", 0),
            "anchored_paths": a.get("anchored_paths", 0),
            "passes": i["nodes"], "panels": i.get("panels"), "stalled": i.get("stalled"),
            "tiers": {t["name"]: t["share"] for t in i.get("tiers", [])},
            "groups": {g["name"]: g.get("share") for g in i.get("groups", [])},
        })
    return out


def run_case(name, spec, work):
    e = emergent()
    run = os.path.join(work, name)
    log = os.path.join(work, name + ".log")
    scenario = os.path.join(ROOT, "scenarios", spec["scenario"] + ".toml")
    args = [e, "run", scenario, "--out", run, "--force"]
    if spec["agents"]:
        args += ["--set", f"population.agents={spec['agents']}"]
    for s in spec.get("sets", []):
        args += ["--set", s]
    case = {"scenario": spec["scenario"] + ".toml", "agents": spec["agents"],
            "sets": spec.get("sets", []), "steps": {},
            "git": git_rev(), "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
                timespec="minutes")}
    case["steps"]["run"] = timed(args, log)
    manifest = read_json(os.path.join(run, "manifest.json"))
    case["agents"] = case["agents"] or manifest["counts"]["agents"]
    diag = spec.get("diagonal", [])
    case["diagonal"] = []
    if diag is not None:
        case["steps"]["diagonal"] = timed([e, "attribute", "--dynamic", run] + diag, log)
        case["diagonal"] = dynamic_summary(os.path.join(run, "dynamic_attribution.json"))
    case["games"] = []
    for groups, r in spec["games"]:
        step = timed([e, "attribute", "--game", run, "--groups", groups, "--replicates",
                      str(r), "--twin"], log)
        game = read_json(os.path.join(run, "game.json"))
        case["games"].append({"groups": groups, "replicates": r, "runs": game["runs"],
                              "step": step, "indicators": game["indicators"]})
    case["grouped"] = []
    for groups, flags in spec["grouped"]:
        step = timed([e, "attribute", "--dynamic", run, "--groups", groups] + flags, log)
        case["grouped"].append({"groups": groups, "flags": " ".join(flags), "step": step,
                                "indicators": dynamic_summary(
                                    os.path.join(run, "dynamic_attribution.json"))})
    return case


def git_rev():
    try:
        return subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def pct(x):
    return "–" if x is None else f"{100 * x:.1f} %"


def marked(x, est):
    """A share, with ✗ when it is outside the truth's interval."""
    if x is None:
        return "–"
    inside = est["low"] is not None and est["low"] <= x <= est["high"]
    return pct(x) + ("" if inside else " ✗")


def fmt_s(s):
    return f"{s:,.0f} s" if s >= 10 else f"{s:.1f} s"


def tables(data):
    lines = [
        f"Generated {data['generated']} by `benches/ground_truth.sh` (each case names its "
        "commit and date); seconds are wall time on the shared 2-core machine, with the 1-minute load average at "
        "the end of each command. Shares: ground truth φ_g / (v(N) − v(∅)), mean over "
        "replicates and 95 % t-interval; the attributions' group sums as shares of their own "
        "Σφ; *twin game*: the same game on the expected-value twin (what the grouped "
        "attribution's group totals equal). ✗ = outside the truth's interval.",
        "",
    ]
    for name, c in data["cases"].items():
        sets = "".join(f" `--set {x}`" for x in c.get("sets", []))
        lines.append(f"**{name}**: `{c['scenario']}`{sets}, {c['agents']:,} agents (git "
                     f"{c.get('git', data.get('git'))}, {c.get('date', data['generated'])[:16]}).")
        lines.append("")
        diag = {d["name"]: d for d in c["diagonal"]}
        grouped = {}
        for g in c["grouped"]:
            for d in g["indicators"]:
                grouped[(g["groups"], d["name"])] = d
        lines.append("| indicator | group | ground truth (95 % CI) | static | dynamic (diagonal) "
                     "| dynamic (grouped) | twin game |")
        lines.append("|---|---|---:|---:|---:|---:|---:|")
        tracking = []
        for game in c["games"]:
            for ind in game["indicators"]:
                d = diag.get(ind["name"])
                gd = grouped.get((game["groups"], ind["name"]))
                for k, grp in enumerate(ind["groups"]):
                    s = grp["share"]
                    dyn = d["tiers"].get(grp["name"]) if d and game["groups"] == "tiers" else None
                    if dyn is None and d is None:
                        dyn = None
                    dyn_cell = marked(grp.get("dynamic_share") if dyn is None else dyn, s)
                    lines.append(
                        f"| {ind['name'] if k == 0 else ''} | {grp['name']} | "
                        f"{pct(s['mean'])} [{100 * s['low']:.1f}, {100 * s['high']:.1f}] | "
                        f"{marked(grp.get('static_share'), s)} | {dyn_cell} | "
                        f"{marked(gd['groups'].get(grp['name']) if gd else None, s)} | "
                        f"{marked(grp.get('twin_share'), s)} |")
                tv = ind.get("twin_coalition_values") or []
                if game["groups"] == "tiers" and tv:
                    t = ind["total"]
                    tracking.append(
                        f"{ind['name']} {t['mean']:.4g} [{t['low']:.4g}, {t['high']:.4g}] vs "
                        f"twin {tv[-1] - tv[0]:.4g}")
        lines.append("")
        if tracking:
            lines.append("Change v(N) − v(∅), runs (95 % CI) vs the twin's M(1) − M(0): "
                         + "; ".join(tracking) + ".")
            lines.append("")
    lines.append("**Cost**: the run; the ground truth (simulator runs; seconds include the "
                 "twin's 2^G corners); the dynamic attributions (gradient passes; completeness "
                 "gap after / before anchoring panels to their ends).")
    lines.append("")
    lines.append("| case | run | ground truth | dynamic (diagonal) | dynamic (grouped) |")
    lines.append("|---|---:|---|---|---|")
    for name, c in data["cases"].items():
        st = c["steps"]
        gt = "; ".join(
            f"{g['groups']}: {g['runs']} runs (R = {g['replicates']}), "
            f"{fmt_s(g['step']['seconds'])} (load {g['step']['load']:.0f})" for g in c["games"])
        d = c["diagonal"]
        if d:
            diag = (f"{len(d)} indicator{'s' if len(d) != 1 else ''}, "
                    f"{sum(x['passes'] for x in d)} passes, {fmt_s(st['diagonal']['seconds'])} "
                    f"(load {st['diagonal']['load']:.0f}); gap ≤ {max(x['gap'] for x in d):.1e}"
                    f" / {max(x['quadrature_gap'] for x in d):.1e}")
            flags = st["diagonal"]["command"].split(" --dynamic ", 1)[-1].split(" ", 1)[1:]
            if flags:
                diag += f" (`{flags[0]}`)"
        else:
            diag = "not run"
        grp = "; ".join(
            f"{g['groups']}{' ' + g['flags'] if g['flags'] else ''}: "
            f"{sum(x['passes'] for x in g['indicators'])} passes, "
            f"{fmt_s(g['step']['seconds'])} (load {g['step']['load']:.0f}); gap ≤ "
            f"{max(x['gap'] for x in g['indicators']):.1e} / "
            f"{max(x['quadrature_gap'] for x in g['indicators']):.1e}"
            for g in c["grouped"]) or "not run"
        lines.append(f"| {name} | {fmt_s(st['run']['seconds'])} | {gt} | {diag} | {grp} |")
    return "\n".join(lines)


def write_tables(data):
    with open(README) as f:
        text = f.read()
    text = replace_section(text, "ground_truth", tables(data))
    tmp = README + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, README)


def main(argv):
    if argv[:1] == ["tables"]:
        write_tables(read_json(RESULTS))
        return
    unknown = [a for a in argv if a not in CASES]
    if unknown:
        raise SystemExit(f"unknown case(s) {unknown}; the cases are {list(CASES)}")
    names = argv or list(CASES)
    work = os.environ.get("WORK") or os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "bench-ground-truth")
    os.makedirs(work, exist_ok=True)
    for name in names:
        print(f"ground truth: {name}", flush=True)
        case = run_case(name, CASES[name], work)
        # Read again just before writing: another case may have finished meanwhile.
        data = read_json(RESULTS) if os.path.exists(RESULTS) else {"cases": {}}
        data["cases"][name] = case
        data["generated"] = datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds")
        data["git"] = git_rev()
        data["cases"] = {k: data["cases"][k] for k in CASES if k in data["cases"]}
        tmp = RESULTS + ".tmp"
        with open(tmp, "w") as f:
            json.dump(data, f, indent=1)
        os.replace(tmp, RESULTS)
        write_tables(data)


if __name__ == "__main__":
    main(sys.argv[1:])
