#!/usr/bin/env python3
"""Summarise the benches/compare results: summary JSON (headline ratios, goals), the generated
sections of benches/README.md, and the two plots.

Usage: report.py --results DIR --readme README.md [--llm llm.json]
The README must contain the marker pairs
  <!-- BEGIN GENERATED: headline --> … <!-- END GENERATED: headline -->
  <!-- BEGIN GENERATED: tables --> … <!-- END GENERATED: tables -->
Only the text between the markers is replaced; everything else is hand-written and kept.
"""

import argparse
import json
import os
import platform
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import ROOT, loglog_slope, write_json  # noqa: E402


def fmt_s(s):
    if s is None:
        return "—"
    if s >= 100:
        return f"{s:,.0f} s"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} µs"


def fmt_x(r):
    if r is None:
        return "—"
    if r >= 1000:
        return f"{r:,.0f}×"
    if r >= 10:
        return f"{r:.0f}×"
    return f"{r:.2g}×"


def fmt_n(n):
    return {100: "10²", 1000: "10³", 10_000: "10⁴", 100_000: "10⁵", 1_000_000: "10⁶", 1_671_587: "1.67·10⁶"}.get(n, f"{n:,}")


def machine():
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(open("/proc/meminfo").readline().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory": mem, "platform": platform.platform()}


def git_head():
    try:
        return subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def fit(ns, ys):
    """Log–log exponent over N ≥ 10⁵ (fixed start-up costs dominate below), else the two largest N."""
    pts = [(n, y) for n, y in zip(ns, ys) if y and y > 0]
    top = [p for p in pts if p[0] >= 100_000]
    if len(top) < 2:
        top = sorted(pts)[-2:]
    if len(top) < 2:
        return None, ""
    e = loglog_slope([p[0] for p in top], [p[1] for p in top])
    return e, f"{fmt_n(top[0][0])}–{fmt_n(top[-1][0])}"


def fmt_e(e):
    return "—" if e is None else f"{e:.2f}"


def replace_section(text, name, body):
    begin, end = f"<!-- BEGIN GENERATED: {name} -->", f"<!-- END GENERATED: {name} -->"
    pat = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if not pat.search(text):
        raise SystemExit(f"README has no '{begin}' … '{end}' markers")
    return pat.sub(lambda _: f"{begin}\n{body.strip()}\n{end}", text)


def eq_row(row, sampler, indicator, target):
    for e in row["equal_error"]:
        if e["sampler"] == sampler and e["indicator"] == indicator and e["target"] == target:
            return e
    return None


def build(attr, sim, llm, mode):
    m = machine()
    sizes = attr["sizes"]
    by_n = {r["n"]: r for r in sizes}
    nmax = max(by_n)
    big = by_n[nmax]
    summary = {"mode": mode, "machine": m, "headline": {}, "goals": [], "git_head": git_head()}
    if not attr["versions"].get("shapiq"):
        import importlib.metadata
        attr["versions"]["shapiq"] = importlib.metadata.version("shapiq")
    h = summary["headline"]

    cf_all = big["closed_form"]["all_four"]["seconds"]
    np_all = big["numpy"]["all_four"]["seconds"]
    h["closed_forms_all_four_n"] = nmax
    h["closed_forms_all_four_s"] = cf_all
    h["numpy_all_four_s"] = np_all
    h["numpy_over_emergent_all_four"] = np_all / cf_all
    n4 = 10_000 if 10_000 in by_n else max(n for n in by_n if n <= 10_000)
    e_em = eq_row(by_n[n4], "emergent", "var", 1e-3)
    e_sq = eq_row(by_n[n4], "shapiq", "var", 1e-3)
    e_em4 = eq_row(by_n[n4], "emergent", "var", 1e-4)
    e_sq4 = eq_row(by_n[n4], "shapiq", "var", 1e-4)
    e_em2 = eq_row(by_n[n4], "emergent", "var", 1e-2)
    e_sq2 = eq_row(by_n[n4], "shapiq", "var", 1e-2)
    h["as_vs_sampled_n"] = n4
    h["as_over_emergent_sampled_1e-3"] = e_em and e_em["speedup"]
    h["as_over_shapiq_1e-3"] = e_sq and e_sq["speedup"]
    h["shapiq_1e-3_how"] = e_sq and e_sq["how"]
    h["as_over_emergent_sampled_1e-4"] = e_em4 and e_em4["speedup"]
    h["emergent_sampled_1e-4_how"] = e_em4 and e_em4["how"]
    h["as_over_shapiq_1e-4"] = e_sq4 and e_sq4["speedup"]
    sim_rows = [r for r in sim["sizes"] if "mesa" in r]
    top = max(sim_rows, key=lambda r: r["n"])
    h["sim_n"] = top["n"]
    h["emergent_over_mesa_agent_steps"] = top["ratio_emergent_over_mesa"]["agent_steps_per_second"]
    h["mesa_over_emergent_peak_rss"] = top["ratio_emergent_over_mesa"]["peak_rss_mesa_over_emergent"]
    if "million" in sim:
        h["million_wall_s"] = sim["million"]["wall_seconds"]
        h["million_peak_rss_mib"] = sim["million"]["peak_rss_mib"]
        h["million_agent_steps_per_second"] = sim["million"]["agent_steps_per_second"]
    if llm:
        sus = llm["sustained"]
        h["llm_sustained_fraction_of_littles_law"] = sus["decisions_per_second"] / (sus["max_in_flight"] / 0.05)
        h["llm_replay_decisions_per_second"] = llm["replay"]["decisions_per_second"]

    def goal(name, value, target, met, missed_by):
        summary["goals"].append({"goal": name, "value": value, "target": target, "met": bool(met), "missed_by": missed_by})

    goal(f"closed forms ≥ 4× NumPy (all four, N = {nmax:,})", fmt_x(np_all / cf_all), "≥ 4×", np_all / cf_all >= 4,
         None if np_all / cf_all >= 4 else f"{4 / (np_all / cf_all):.1f}× short")
    goal(f"all four closed forms ≤ 0.25 s (N = {nmax:,})", fmt_s(cf_all), "≤ 0.25 s", cf_all <= 0.25,
         None if cf_all <= 0.25 else f"{cf_all / 0.25:.2f}× over")
    for tgt, pair in [("1e-3", [("emergent sampled Shapley", e_em), ("shapiq", e_sq)]),
                      ("1e-4", [("emergent sampled Shapley", e_em4), ("shapiq", e_sq4)])]:
        for name, e in pair:
            if e:
                how = "" if e["how"] == "measured/interpolated" else f", {e['how']}"
                goal(f"AS ≥ 10⁵× faster than {name} at equal error {tgt} (N = {n4:,}{how})", fmt_x(e["speedup"]), "≥ 100,000×",
                     e["speedup"] >= 1e5, None if e["speedup"] >= 1e5 else f"{1e5 / e['speedup']:.3g}× short")
    r = h["emergent_over_mesa_agent_steps"]
    goal(f"simulation ≥ 50× Mesa agent-steps/s (N = {top['n']:,})", fmt_x(r), "≥ 50×", r >= 50,
         None if r >= 50 else f"{50 / r:.1f}× short")
    if "million" in sim:
        mm = sim["million"]
        goal("million-agent run ≤ 60 s", fmt_s(mm["wall_seconds"]), "≤ 60 s", mm["wall_seconds"] <= 60,
             None if mm["wall_seconds"] <= 60 else f"{mm['wall_seconds'] / 60:.2f}× over")
        goal("million-agent run ≤ 4 GiB", f"{mm['peak_rss_mib'] / 1024:.2f} GiB", "≤ 4 GiB", mm["peak_rss_mib"] <= 4096,
             None if mm["peak_rss_mib"] <= 4096 else f"{mm['peak_rss_mib'] / 4096:.2f}× over")
    if llm:
        f = h["llm_sustained_fraction_of_littles_law"]
        goal("LLM throughput ≥ 90 % of Little's law (max_in_flight 64, sustained)", f"{f:.1%}", "≥ 90 %", f >= 0.9,
             None if f >= 0.9 else f"{(0.9 - f) * 100:.1f} points short")

    # ---------------- headline markdown
    la = [attr.get("loadavg_before"), attr.get("loadavg_after"), sim.get("loadavg_before"), sim.get("loadavg_after")]
    la = [x for x in la if x]
    lo = min(x[0] for x in la) if la else None
    hi = max(x[0] for x in la) if la else None
    hl = []
    hl.append(f"Recorded by `benches/run.sh{' --quick' if mode == 'quick' else ''}` on {m['cpus']} vCPUs ({m['cpu']}, {m['memory']}), "
              f"**shared** with other engineers' builds (1-min load average {lo:.1f}–{hi:.1f} during the run). "
              "Every figure is a ratio against a baseline measured in the same run; every timing is a median of several runs.")
    hl.append("")
    hl.append("| headline | figure |")
    hl.append("|---|---|")
    hl.append(f"| closed-form attribution, all four indicators, N = {nmax:,} | {fmt_s(cf_all)} vs NumPy {fmt_s(np_all)}: **{fmt_x(np_all / cf_all)}** NumPy's speed |")
    if e_em:
        hl.append(f"| Aumann–Shapley vs sampled Shapley at equal error (1e-3, var, N = {n4:,}) | **{fmt_x(e_em['speedup'])}** faster than emergent's own sampler; "
                  f"**{fmt_x(e_sq['speedup']) if e_sq else '—'}** faster than shapiq{' (' + e_sq['how'] + ')' if e_sq and 'extrapolated' in e_sq['how'] else ''}"
                  + (f"; at 1e-2: {fmt_x(e_em2['speedup'])} and {fmt_x(e_sq2['speedup'])} ({e_sq2['how']})" if e_em2 and e_sq2 else "")
                  + (f"; at 1e-4: **{fmt_x(e_em4['speedup'])}** ({e_em4['how']}) and {fmt_x(e_sq4['speedup'])}" if e_em4 and e_sq4 else "") + " |")
    hl.append(f"| bounded-confidence simulation vs Mesa {top['mesa']['version']}, N = {top['n']:,} | **{fmt_x(r)}** the agent-steps/s, "
              f"{fmt_x(h['mesa_over_emergent_peak_rss'])} less peak memory |")
    if "million" in sim:
        hl.append(f"| 10⁶ agents × 100 ticks (`scenarios/million.toml`) | {fmt_s(h['million_wall_s'])}, {h['million_peak_rss_mib'] / 1024:.2f} GiB peak, "
                  f"{h['million_agent_steps_per_second'] / 1e6:.2f}·10⁶ agent-steps/s |")
    if llm:
        hl.append(f"| LLM decisions vs Little's law (50 ms mock, max_in_flight 64) | {h['llm_sustained_fraction_of_littles_law']:.0%} of the limit; "
                  f"replay {h['llm_replay_decisions_per_second']:,.0f} decisions/s |")
    hl.append("")
    hl.append("| goal | result | met? |")
    hl.append("|---|---|---|")
    for g in summary["goals"]:
        hl.append(f"| {g['goal']} | {g['value']} (target {g['target']}) | {'yes' if g['met'] else '**no** — ' + g['missed_by']} |")

    # ---------------- tables markdown
    t = []
    t.append(f"Generated {attr.get('generated', '')} by `benches/run.sh{' --quick' if mode == 'quick' else ''}` "
             f"(git {summary.get('git_head', '')}). NumPy {attr['versions']['numpy']}, shapiq {attr['versions']['shapiq']}, "
             f"Mesa {top['mesa']['version']}. Load average (1/5/15 min) before/after: attribution {attr.get('loadavg_before')} / "
             f"{attr.get('loadavg_after')}; simulation {sim.get('loadavg_before')} / {sim.get('loadavg_after')}.")
    t.append("")
    t.append("### Attribution: closed forms, quadrature, NumPy (median seconds of the attribution alone)")
    t.append("")
    t.append("emergent figures are `emergent attribute --json`'s `seconds` (attribution only, not the CSV read), "
             f"median of {attr['repeats']}; NumPy is the same closed forms in vectorised NumPy in-process, median of {attr['repeats']} after a warm-up. "
             "All methods read the same table.")
    t.append("")
    t.append("| N | form | emergent closed form | emergent quadrature K=32 | NumPy | NumPy ÷ emergent CF | |value diff| NumPy vs emergent | completeness gap (CF / K=32) |")
    t.append("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in sizes:
        for f in ["mean", "heat", "var", "gini", "all_four"]:
            cf, q, npy = r["closed_form"][f], r["quadrature_k32"][f], r["numpy"][f]
            diff = f"{npy['rel_diff_vs_emergent']:.1e}" if "rel_diff_vs_emergent" in npy else ""
            gap = f"{cf['completeness_gap']:.0e} / {q['completeness_gap']:.0e}" if "completeness_gap" in cf else ""
            name = f"**{f}**" if f == "all_four" else f
            t.append(f"| {fmt_n(r['n'])} | {name} | {fmt_s(cf['seconds'])} | {fmt_s(q['seconds'])} | {fmt_s(npy['seconds'])} | "
                     f"{fmt_x(npy['seconds'] / cf['seconds'])} | {diff} | {gap} |")
    t.append("")
    t.append("### Attribution: Aumann–Shapley vs sampled Shapley at equal error")
    t.append("")
    t.append("Game v(S) = f(x_S, 0_{−S}) with players = agents, f = `var(posts + replies)` and `mean(posts + replies)`, zero baseline. "
             "For both, the closed form *is* the exact Shapley value (error 0 up to round-off), so the sampled estimates are scored against it: "
             "relative RMS error ‖φ̂ − φ‖/‖φ‖ over agents. Aumann–Shapley's own error here is round-off (~1e-16), so *equal error* "
             "taken literally would need ~10²⁶ permutations; the table instead gives the sampled time at target errors **1e-2, 1e-3 and 1e-4** "
             "(var), each more lenient to sampling than the literal reading. For `mean` the game is additive and one "
             "permutation is already exact, so the comparison is AS vs one permutation. Permutation counts double from 1 until 1e-4 is reached or "
             f"the budget of {attr['sampled_budget_s']:.0f} s per (sampler, N) is spent; the error law err = c/√M is fitted on the measured points, "
             "M needed = (c/target)², and the time at that M is interpolated between measured M or extrapolated linearly in M "
             "(each permutation costs the same). shapiq (`PermutationSamplingSV`, plain NumPy game callable, batch_size 1) "
             "materialises N−1 coalitions × N players per permutation in a Python loop, so its cost per permutation grows as ~N²; "
             "where it does not fit the budget its time is extrapolated from its measured growth in N (said in the last column).")
    t.append("")
    t.append("| N | indicator | sampler | target error | permutations M | sampled time | AS closed form | AS speedup | how the sampled time was obtained |")
    t.append("|---|---|---|---|---:|---:|---:|---:|---|")
    for r in sizes:
        for e in r["equal_error"]:
            tgt = f"{e['target']:.0e}" if isinstance(e["target"], float) else e["target"]
            if "sampled_error" in e:
                tgt += f" (err {e['sampled_error']:.0e})"
            t.append(f"| {fmt_n(r['n'])} | {e['indicator']} | {e['sampler']} | {tgt} | {e['permutations']:,.0f} | {fmt_s(e['sampled_seconds'])} | "
                     f"{fmt_s(e['as_seconds'])} | **{fmt_x(e['speedup'])}** | {e['how']} |")
    t.append("")
    t.append("Measured error ladders (var):")
    t.append("")
    t.append("| N | sampler | c in c/√M | fitted slope | (M, seconds, error) measured |")
    t.append("|---|---|---:|---:|---|")
    for r in sizes:
        for name in ["emergent", "shapiq"]:
            ent = r["sampled"].get(name)
            if not ent or ent.get("skipped"):
                pred = ent and ent.get("predicted_seconds_per_permutation")
                t.append(f"| {fmt_n(r['n'])} | {name} | — | — | not run: {fmt_s(pred)} per permutation predicted |")
                continue
            v = ent["var"]
            pts = v["points"]
            show = pts if len(pts) <= 4 else [pts[0], pts[len(pts) // 2], pts[-2], pts[-1]]
            t.append(f"| {fmt_n(r['n'])} | {name} | {v['error_c']:.3g} | {v['error_log_slope'] if v['error_log_slope'] is None else round(v['error_log_slope'], 2)} | "
                     + "; ".join(f"({p['permutations']}, {fmt_s(p['seconds'])}, {p['rel_rms_error']:.1e})" for p in show) + " |")
    t.append("")
    t.append("### Simulation: emergent vs Mesa, same bounded-confidence model")
    t.append("")
    t.append(f"`benches/compare/bc.toml` vs `benches/compare/mesa_bc.py`: Barabási–Albert follow graph (m = 5), chronological feeds of 20, "
             f"default policy parameters, {sim['ticks']} ticks, medians of {sim['sizes'][0]['emergent']['repeats']} runs (peak RSS: the largest). "
             "agent-steps = agents × ticks in both. emergent: `manifest.timings` of `emergent run … --set record.every=1000` (so only the final "
             "state is recorded), which includes world build and network generation, every tick, the attribution of `var(stance)` and writing "
             "the run directory (Parquet, report). Mesa: model construction (networkx BA graph, NetworkGrid, agents) plus every tick, no "
             "DataCollector; 'steps only' excludes construction. Peak RSS: `/usr/bin/time -v` of the whole process (the Python interpreter and imports for Mesa).")
    t.append("")
    t.append("| N | emergent agent-steps/s | Mesa agent-steps/s (steps only) | emergent ÷ Mesa | emergent wall | Mesa wall | emergent peak RSS | Mesa peak RSS | items (emergent / Mesa) |")
    t.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in sim["sizes"]:
        e = r["emergent"]
        items_e = e["runs"][0].get("items")
        if "mesa" in r:
            mm = r["mesa"]
            t.append(f"| {fmt_n(r['n'])} | {e['agent_steps_per_second']:,.0f} | {mm['agent_steps_per_second']:,.0f} ({mm['agent_steps_per_second_steps_only']:,.0f}) | "
                     f"**{fmt_x(r['ratio_emergent_over_mesa']['agent_steps_per_second'])}** | {fmt_s(e['wall_seconds'])} | {fmt_s(mm['wall_seconds'])} | "
                     f"{e['peak_rss_mib']:.0f} MiB | {mm['peak_rss_mib']:.0f} MiB | {items_e:,} / {mm['runs'][0]['items']:,} |")
        else:
            t.append(f"| {fmt_n(r['n'])} | {e['agent_steps_per_second']:,.0f} | — | — | {fmt_s(e['wall_seconds'])} | — | {e['peak_rss_mib']:.0f} MiB | — | {items_e:,} / — |")
    if "million" in sim:
        mm = sim["million"]
        t.append("")
        t.append(f"`scenarios/million.toml` as shipped (10⁶ agents, power-law graph ~2·10⁷ edges, 100 ticks, record every 10, checkpoint every 50), "
                 f"median of {mm['repeats']}: **{fmt_s(mm['wall_seconds'])}** wall (goal ≤ 60 s), **{mm['peak_rss_mib'] / 1024:.2f} GiB** peak RSS "
                 f"(goal ≤ 4 GiB), {mm['agent_steps_per_second']:,.0f} agent-steps/s; whole process {fmt_s(mm['process_wall_s'])}.")
    if llm:
        t.append("")
        t.append("### LLM throughput vs Little's law (collected from `results/llm.json`, `cargo bench -p emergent-llm --bench llm`)")
        t.append("")
        t.append("Mock OpenAI-compatible server, fixed 50 ms latency; Little's law limit = max_in_flight / 50 ms. Run by the full `run.sh` (not `--quick`) or alone with `ONLY=llm`.")
        t.append("")
        t.append("| max_in_flight | decisions | decisions/s | limit | fraction | client CPU per decision |")
        t.append("|---:|---:|---:|---:|---:|---:|")
        for s in llm["max_in_flight_sweep"]:
            t.append(f"| {s['max_in_flight']} | {s['decisions']:,} | {s['decisions_per_second']:,.0f} | {s['littles_law_per_second']:,.0f} | "
                     f"{s['fraction_of_littles_law']:.1%} | {s['cpu_us_per_decision']:.0f} µs |")
        sus = llm["sustained"]
        t.append(f"| {sus['max_in_flight']} (sustained) | {sus['decisions']:,} | {sus['decisions_per_second']:,.0f} | {sus['max_in_flight'] / 0.05:,.0f} | "
                 f"{h['llm_sustained_fraction_of_littles_law']:.1%} | {sus['cpu_us_per_decision']:.0f} µs |")
        rp = llm["replay"]
        t.append("")
        t.append(f"Replay cache: {rp['decisions_per_second']:,.0f} decisions/s ({rp['cpu_us_per_decision']:.1f} µs CPU each; goal {rp['goal_per_second']:,.0f}).")
    t.append("")
    t.append("### Scaling: time and peak memory vs N, fitted log–log exponent")
    t.append("")
    t.append("Exponents are fitted over N ≥ 10⁵ (below that, fixed start-up costs such as process start, thread-pool start and "
             "output files dominate and flatten the curve); 1 = linear, N log N over 10⁵–1.67·10⁶ looks like ≈ 1.1.")
    t.append("")
    t.append("| command | N | time | peak RSS | exponent time (fit range) | exponent RSS |")
    t.append("|---|---|---|---|---:|---:|")
    sa = attr["scaling"]["attribute"]
    summary["scaling_exponents"] = {}

    def wall(x):
        return "< 10 ms" if not x else fmt_s(x)

    for f in ["mean", "heat", "var", "gini"]:
        s_ = sa[f]
        e, rng = fit(s_["n"], s_["seconds"])
        summary["scaling_exponents"][f"attribute_{f}_time"] = e
        t.append(f"| `attribute` {f} (closed form, attribution only) | {', '.join(fmt_n(n) for n in s_['n'])} | "
                 f"{', '.join(fmt_s(x) for x in s_['seconds'])} | — | {fmt_e(e)} ({rng}) | — |")
    p = sa["process"]
    e, rng = fit(p["n"], p["wall_s"])
    er, _ = fit(p["n"], p["peak_rss_mib"])
    summary["scaling_exponents"].update({"attribute_process_time": e, "attribute_process_rss": er})
    t.append(f"| `attribute` whole process (CSV read + one closed form) | {', '.join(fmt_n(n) for n in p['n'])} | "
             f"{', '.join(wall(x) for x in p['wall_s'])} | {', '.join(f'{x:.0f}' for x in p['peak_rss_mib'])} MiB | "
             f"{fmt_e(e)} ({rng}) | {fmt_e(er)} |")
    sr = sim["scaling"]["run"]
    e, rng = fit(sr["n"], sr["wall_seconds"])
    er, _ = fit(sr["n"], sr["peak_rss_mib"])
    summary["scaling_exponents"].update({"run_time": e, "run_rss": er})
    t.append(f"| `run` bc.toml, {sim['ticks']} ticks | {', '.join(fmt_n(n) for n in sr['n'])} | {', '.join(fmt_s(x) for x in sr['wall_seconds'])} | "
             f"{', '.join(f'{x:.0f}' for x in sr['peak_rss_mib'])} MiB | {fmt_e(e)} ({rng}) | {fmt_e(er)} |")
    if "study" in attr["scaling"]:
        st = attr["scaling"]["study"]
        e, rng = fit(st["n"], st["wall_s"])
        er, _ = fit(st["n"], st["peak_rss_mib"])
        summary["scaling_exponents"].update({"study_time": e, "study_rss": er})
        t.append(f"| `study` gini, mean baseline, no sweeps (whole process) | {', '.join(fmt_n(n) for n in st['n'])} | {', '.join(wall(x) for x in st['wall_s'])} | "
                 f"{', '.join(f'{x:.0f}' for x in st['peak_rss_mib'])} MiB | {fmt_e(e)} ({rng}) | {fmt_e(er)} |")
    t.append("")
    t.append("Plots: [attribution time vs N](results/attribution_time_vs_n.png), [emergent vs Mesa agent-steps/s](results/sim_vs_mesa.png).")
    return summary, "\n".join(hl), "\n".join(t)


def plots(attr, sim, outdir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = attr["sizes"]
    ns = [r["n"] for r in sizes]
    fig, ax = plt.subplots(figsize=(8, 5.5))
    styles = {"mean": "o", "heat": "s", "var": "^", "gini": "D"}
    for f, mk in styles.items():
        ax.loglog(ns, [r["closed_form"][f]["seconds"] for r in sizes], "-" + mk, color="C0", alpha=0.8, label=f"emergent closed form: {f}")
        ax.loglog(ns, [r["quadrature_k32"][f]["seconds"] for r in sizes], "--" + mk, color="C1", alpha=0.8, label=f"emergent quadrature K=32: {f}")
        ax.loglog(ns, [r["numpy"][f]["seconds"] for r in sizes], ":" + mk, color="C2", alpha=0.8, label=f"NumPy closed form: {f}")
    for sampler, color in [("emergent", "C3"), ("shapiq", "C4")]:
        for target, ls in [(1e-2, "-"), (1e-3, "--"), (1e-4, ":")]:
            pts = []
            for r in sizes:
                for e in r["equal_error"]:
                    if e["sampler"] == sampler and e["indicator"] == "var" and e["target"] == target:
                        pts.append((r["n"], e["sampled_seconds"], "extrapolated in N" in e["how"]))
            if not pts:
                continue
            ax.loglog([p[0] for p in pts], [p[1] for p in pts], ls, color=color, label=f"{sampler} sampled Shapley, var, err {target:.0e}")
            for x, y, ex in pts:
                ax.plot([x], [y], "o", color=color, mfc="white" if ex else color)
    ax.set_xlabel("agents N")
    ax.set_ylabel("seconds (median)")
    ax.set_title("Attribution time vs N (hollow markers: extrapolated in N)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "attribution_time_vs_n.png"), dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4.5))
    rows = sim["sizes"]
    ax.loglog([r["n"] for r in rows], [r["emergent"]["agent_steps_per_second"] for r in rows], "-o", label="emergent (whole run)")
    mr = [r for r in rows if "mesa" in r]
    ax.loglog([r["n"] for r in mr], [r["mesa"]["agent_steps_per_second"] for r in mr], "-s", label=f"Mesa {mr[0]['mesa']['version']} (construction + steps)")
    ax.loglog([r["n"] for r in mr], [r["mesa"]["agent_steps_per_second_steps_only"] for r in mr], ":s", label="Mesa (steps only)")
    for r in mr:
        ax.annotate(f"{r['ratio_emergent_over_mesa']['agent_steps_per_second']:.0f}×", (r["n"], r["emergent"]["agent_steps_per_second"]),
                    textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    ax.set_xlabel("agents N")
    ax.set_ylabel("agent-steps / s (median)")
    ax.set_title("Bounded-confidence model: emergent vs Mesa (2 shared cores)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "sim_vs_mesa.png"), dpi=120)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", required=True)
    ap.add_argument("--readme", required=True)
    ap.add_argument("--llm", default=os.path.join(ROOT, "benches", "results", "llm.json"))
    ap.add_argument("--mode", default="full")
    args = ap.parse_args()
    attr = json.load(open(os.path.join(args.results, "attribution_vs.json")))
    sim = json.load(open(os.path.join(args.results, "sim_vs_mesa.json")))
    llm = json.load(open(args.llm)) if os.path.exists(args.llm) else None
    summary, headline, tables = build(attr, sim, llm, args.mode)
    write_json(os.path.join(args.results, "summary.json"), summary)
    plots(attr, sim, args.results)
    text = open(args.readme).read()
    text = replace_section(text, "headline", headline)
    text = replace_section(text, "tables", tables)
    tmp = args.readme + ".tmp"
    open(tmp, "w").write(text)
    os.replace(tmp, args.readme)
    print(headline)


if __name__ == "__main__":
    main()
