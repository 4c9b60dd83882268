#!/usr/bin/env python3
"""Attribution vs the alternatives, and the scaling of `emergent attribute` / `emergent study`.

For each N: one heavy-tailed table (followers, posts, replies; the generator of
benches/numpy_closed_forms.py) written as CSV and read by every method, so every method sees the
same numbers.

- emergent closed forms and quadrature (K = 32) for mean, heat, var, gini: `emergent attribute
  --json --repeat R+1` in one process, whose `seconds_all` time the attribution alone (not the CSV
  read): median of the R runs after a warm-up, as for NumPy. The first (cold) run is kept too.
- NumPy closed forms (benches/numpy_closed_forms.py) in this process. Median of --repeats after a warm-up.
- Sampled Shapley on the game v(S) = f(x_S, x'_{-S}) (players = agents, zero baseline) for
  var(posts + replies) and mean(posts + replies): emergent's `--method sampled-shapley` and
  shapiq's `PermutationSamplingSV` (plain callable game, vectorised NumPy, no caching). Error =
  relative RMS over agents ‖φ̂ − φ‖/‖φ‖ against the closed form (exact Shapley for both indicators).
  Permutation counts double from 1 until the 1e-4 target is reached or the time budget per
  (method, N) is spent; error law err = c/√M fitted on the measured points; time at other M
  interpolated, or extrapolated linearly in M (each permutation costs the same).
- `emergent study` (gini, mean baseline, no sweeps) wall and peak RSS vs N.

Writes JSON (--out).
"""

import argparse
import importlib.metadata
import math
import os
import sys
import time
from datetime import datetime, timezone

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.dirname(__file__))
import numpy_closed_forms as npcf  # noqa: E402
from common import EMERGENT, emergent_json, log, loadavg, loglog_slope, median, timed, write_json  # noqa: E402

FORMS = {
    "mean": ("mean(posts + replies)", "zero"),
    "heat": ("mean(followers)*mean(posts)*mean(replies)", "zero"),
    "var": ("var(posts + replies)", "zero"),
    "gini": ("gini(posts + replies)", "mean"),
}
TARGETS = [1e-2, 1e-3, 1e-4]


def write_table(t, path):
    if os.path.exists(path):
        return
    a = np.column_stack([t["followers"], t["posts"], t["replies"]])
    tmp = path + ".tmp"
    np.savetxt(tmp, a, fmt="%d", delimiter=",", header="followers,posts,replies", comments="")
    os.replace(tmp, path)


def read_phi(path):
    import pandas as pd
    return pd.read_csv(path, usecols=["phi"])["phi"].to_numpy()


def rel_rms(est, exact):
    return float(np.linalg.norm(est - exact) / np.linalg.norm(exact))


def shapiq_game(s, n, zero_baseline=True):
    s2 = s * s

    def var_game(coalitions):
        c = np.atleast_2d(coalitions)
        out = np.empty(c.shape[0])
        for a in range(0, c.shape[0], 512):
            block = c[a:a + 512].astype(np.float64)
            m1 = block @ s / n
            out[a:a + 512] = block @ s2 / n - m1 * m1
        return out

    def mean_game(coalitions):
        c = np.atleast_2d(coalitions)
        out = np.empty(c.shape[0])
        for a in range(0, c.shape[0], 512):
            out[a:a + 512] = c[a:a + 512].astype(np.float64) @ s / n
        return out

    return {"var": var_game, "mean": mean_game}


class Sampler:
    """One sampled-Shapley method; `run(M, seed)` returns (seconds, φ̂)."""

    def __init__(self, name, run, budget):
        self.name, self.run, self.budget = name, run, budget


def time_at(points, m):
    """Seconds at M permutations from measured (M, seconds): interpolate, else extrapolate linearly."""
    pts = sorted((p["permutations"], p["seconds"]) for p in points)
    if m <= pts[0][0]:
        return pts[0][1] * m / pts[0][0], pts[0][0] == m
    for (m0, t0), (m1, t1) in zip(pts, pts[1:]):
        if m <= m1:
            return t0 + (t1 - t0) * (m - m0) / (m1 - m0), True
    mM, tM = pts[-1]
    return tM * m / mM, False


def error_constant(points):
    """c in err = c/√M (geometric mean of err·√M) and the fitted log–log slope."""
    pts = [p for p in points if p["rel_rms_error"] > 0]
    c = math.exp(sum(math.log(p["rel_rms_error"]) + 0.5 * math.log(p["permutations"]) for p in pts) / len(pts))
    slope = loglog_slope([p["permutations"] for p in pts], [p["rel_rms_error"] for p in pts])
    return c, slope


def ladder(sampler, exact, budget, m_cap_target=TARGETS[-1]):
    """Double M from 1 until the smallest target is reached or the budget would be exceeded."""
    points, spent, m = [], 0.0, 1
    while True:
        t0 = time.perf_counter()
        secs, phi = sampler.run(m, m)
        spent += time.perf_counter() - t0
        err = rel_rms(phi, exact)
        points.append({"permutations": m, "seconds": secs, "rel_rms_error": err})
        log(f"    {sampler.name:8} M={m:6d} {secs:9.4f} s  err {err:.3e}  (spent {spent:.1f} s)")
        c, _ = error_constant(points)
        m_needed = (c / m_cap_target) ** 2
        if m >= m_needed:
            break
        # The next step costs about twice this one (plus overhead), cumulatively 2× what is spent.
        per = (time.perf_counter() - t0)
        if spent + 2.2 * per > budget:
            break
        m *= 2
    return points


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100,1000,10000,100000,1671587")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--sampled-budget", type=float, default=600.0,
                    help="seconds per (sampled method, N), ladder included")
    ap.add_argument("--study-sizes", default="")
    ap.add_argument("--work", default=os.path.join("target", "bench-work", "attribution"))
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    os.makedirs(args.work, exist_ok=True)
    import shapiq

    result = {
        "what": "attribution vs alternatives on a heavy-tailed (followers, posts, replies) table",
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "loadavg_before": loadavg(),
        "repeats": args.repeats,
        "sampled_budget_s": args.sampled_budget,
        "targets_rel_rms_error": TARGETS,
        "error_definition": "relative RMS over agents ||phi_hat - phi|| / ||phi||, phi = closed form (exact Shapley for mean and var)",
        "versions": {"numpy": np.__version__, "shapiq": importlib.metadata.version("shapiq")},
        "forms": {k: {"indicator": v[0], "baseline": v[1]} for k, v in FORMS.items()},
        "sizes": [],
    }
    shapiq_per_perm = []  # (N, seconds per permutation) for the skip decision

    for n in sizes:
        log(f"== attribution N = {n}")
        t = npcf.heavy_tailed(n)
        csv = os.path.join(args.work, f"table-{n}.csv")
        write_table(t, csv)
        row = {"n": n, "closed_form": {}, "quadrature_k32": {}, "numpy": {}, "sampled": {}}
        walls, rss = [], []
        for method, key, extra in [("closed-form", "closed_form", []), ("quadrature", "quadrature_k32", ["--steps", "32"])]:
            for form, (expr, base) in FORMS.items():
                # One process, a warm-up run and R timed runs (NumPy gets the same: median of R
                # after a warm-up, in one interpreter).
                j, tm = emergent_json(["attribute", "--features", csv, "--indicator", expr, "--baseline", base,
                                       "--method", method, *extra, "--json", "--repeat", str(args.repeats + 1)],
                                      args.work, f"attr-{n}")
                secs = j["seconds_all"][1:]
                if method == "closed-form":
                    walls.append(tm["elapsed_s"])  # GNU time rounds to 10 ms
                    rss.append(tm["peak_rss_mib"])
                row[key][form] = {"seconds": median(secs), "runs": secs, "cold_seconds": j["seconds_all"][0],
                                  "value": j["value"], "completeness_gap": j["completeness_gap"], "method": j["method"]}
            row[key]["all_four"] = {"seconds": sum(row[key][f]["seconds"] for f in FORMS)}
            log(f"  emergent {key:15} " + "  ".join(f"{f} {row[key][f]['seconds'] * 1e3:.3f} ms" for f in [*FORMS, "all_four"]))
        row["attribute_process"] = {"wall_s_median": median(walls), "peak_rss_mib_max": max(rss),
                                    "note": f"whole `emergent attribute --repeat {args.repeats + 1}` process (CSV read included), closed forms"}
        fns = {"mean": npcf.mean_zero, "heat": npcf.heat_zero, "var": npcf.var_zero, "gini": npcf.gini_mean}
        for form, fn in fns.items():
            med, runs = npcf.median_time(fn, t, args.repeats)
            value = fn(t)[0]
            ev = row["closed_form"][form]["value"]
            row["numpy"][form] = {"seconds": med, "runs": runs, "value": float(value),
                                  "rel_diff_vs_emergent": abs(value - ev) / abs(ev)}
        row["numpy"]["all_four"] = {"seconds": sum(row["numpy"][f]["seconds"] for f in fns)}
        log("  numpy                    " + "  ".join(f"{f} {row['numpy'][f]['seconds'] * 1e3:.3f} ms" for f in [*fns, "all_four"]))

        # Sampled Shapley: the same game for both samplers.
        s = t["posts"] + t["replies"]
        exact = {"var": s * (s - s.mean()) / n, "mean": s / n}
        games = shapiq_game(s, n)

        def emergent_run(indicator):
            def run(m, seed):
                phi_path = os.path.join(args.work, f"phi-{n}.csv")
                j, _ = emergent_json(["attribute", "--features", csv, "--indicator", FORMS[indicator][0], "--baseline", "zero",
                                      "--method", "sampled-shapley", "--permutations", str(m), "--seed", str(seed),
                                      "--out", phi_path, "--force", "--json"], args.work, f"sampled-{n}")
                return j["seconds"], read_phi(phi_path)
            return run

        def shapiq_run(indicator):
            def run(m, seed):
                approx = shapiq.PermutationSamplingSV(n=n, random_state=seed)
                t0 = time.perf_counter()
                iv = approx.approximate(budget=m * (n - 1) + 2, game=games[indicator], batch_size=1)
                secs = time.perf_counter() - t0
                return secs, np.asarray(iv.get_n_order_values(1), dtype=float)
            return run

        for name, mk in [("emergent", emergent_run), ("shapiq", shapiq_run)]:
            entry = {}
            if name == "shapiq":
                # shapiq materialises (N−1)×N booleans per permutation and fills them in a Python
                # loop: O(N²) per permutation. Skip when one permutation would not fit the budget.
                predicted = None
                if len(shapiq_per_perm) >= 1:
                    (n0, t0_), = shapiq_per_perm[-1:]
                    slope = loglog_slope(*zip(*shapiq_per_perm[-2:])) if len(shapiq_per_perm) >= 2 else 2.0
                    predicted = t0_ * (n / n0) ** max(slope or 2.0, 1.0)
                if (predicted is not None and 2 * predicted > args.sampled_budget) or n * n > 4e9:
                    row["sampled"][name] = {"skipped": True, "predicted_seconds_per_permutation": predicted,
                                            "why": "one permutation would not fit the time budget (or N² bytes > 4 GB)"}
                    log(f"    shapiq   skipped at N = {n} (predicted {predicted} s per permutation)")
                    continue
            for ind in ["mean", "var"]:
                sampler = Sampler(name, mk(ind), args.sampled_budget)
                if ind == "mean":
                    secs, phi = sampler.run(1, 1)
                    pts = [{"permutations": 1, "seconds": secs, "rel_rms_error": rel_rms(phi, exact["mean"])}]
                    log(f"    {name:8} mean M=1 {secs:.4f} s err {pts[0]['rel_rms_error']:.2e}")
                    entry["mean"] = {"points": pts}
                else:
                    # 1e-4 is the headline target at N ≤ 10⁴; above, the ladder stops at 1e-3 (the
                    # rest is extrapolated in M) so the full run stays within its time.
                    pts = ladder(sampler, exact["var"], args.sampled_budget,
                                 m_cap_target=TARGETS[-1] if n <= 10_000 else 1e-3)
                    c, slope = error_constant(pts)
                    entry["var"] = {"points": pts, "error_c": c, "error_log_slope": slope}
            if name == "shapiq":
                p = max(entry["var"]["points"], key=lambda q: q["permutations"])
                shapiq_per_perm.append((n, p["seconds"] / p["permutations"]))
            row["sampled"][name] = entry

        result["sizes"].append(row)
        write_json(args.out, result)  # partial results survive an interruption

    # Equal-error table: per N, per sampler, time at the M reaching each target on var; mean at M = 1.
    measured = {name: [(r["n"], r["sampled"][name]) for r in result["sizes"]
                       if name in r["sampled"] and not r["sampled"][name].get("skipped")] for name in ["emergent", "shapiq"]}
    for row in result["sizes"]:
        n = row["n"]
        eq = []
        as_var = row["closed_form"]["var"]["seconds"]
        as_mean = row["closed_form"]["mean"]["seconds"]
        for name in ["emergent", "shapiq"]:
            ent = row["sampled"].get(name)
            if ent and not ent.get("skipped"):
                c = ent["var"]["error_c"]
                pts = ent["var"]["points"]
                for target in TARGETS:
                    m = max(1.0, (c / target) ** 2)
                    secs, inside = time_at(pts, m)
                    eq.append({"sampler": name, "indicator": "var", "target": target, "permutations": m,
                               "sampled_seconds": secs, "as_seconds": as_var, "speedup": secs / as_var,
                               "how": "measured/interpolated" if inside else "extrapolated in M (linear)"})
                mp = ent["mean"]["points"][0]
                eq.append({"sampler": name, "indicator": "mean", "target": "exact (1 permutation)", "permutations": 1,
                           "sampled_seconds": mp["seconds"], "sampled_error": mp["rel_rms_error"], "as_seconds": as_mean,
                           "speedup": mp["seconds"] / as_mean, "how": "measured"})
            else:
                # Extrapolate from the largest measured N of this sampler: seconds per permutation
                # grows as N^b (b fitted on its two largest measured N); c from emergent at this N if
                # measured there (same estimator, same game), else from this sampler's largest N.
                ms = measured[name]
                if not ms:
                    continue
                per = [(nn, max(e["var"]["points"], key=lambda q: q["permutations"])) for nn, e in ms]
                per = [(nn, p["seconds"] / p["permutations"]) for nn, p in per]
                b = loglog_slope(*zip(*per[-2:])) if len(per) >= 2 else 2.0
                n0, s0 = per[-1]
                spp = s0 * (n / n0) ** b
                em = row["sampled"].get("emergent")
                c = em["var"]["error_c"] if em and not em.get("skipped") else ms[-1][1]["var"]["error_c"]
                for target in TARGETS:
                    m = max(1.0, (c / target) ** 2)
                    eq.append({"sampler": name, "indicator": "var", "target": target, "permutations": m,
                               "sampled_seconds": spp * m, "as_seconds": as_var, "speedup": spp * m / as_var,
                               "how": f"extrapolated in N (per-permutation time ∝ N^{b:.2f} from N = {per[-2][0] if len(per) > 1 else n0}–{n0})"})
                mean_pts = [(nn, e["mean"]["points"][0]["seconds"]) for nn, e in ms]
                bm = loglog_slope(*zip(*mean_pts[-2:])) if len(mean_pts) >= 2 else 2.0
                sm = mean_pts[-1][1] * (n / mean_pts[-1][0]) ** bm
                eq.append({"sampler": name, "indicator": "mean", "target": "exact (1 permutation)", "permutations": 1,
                           "sampled_seconds": sm, "as_seconds": as_mean, "speedup": sm / as_mean,
                           "how": f"extrapolated in N (∝ N^{bm:.2f})"})
        row["equal_error"] = eq

    # Scaling of `emergent attribute` (closed forms) and `emergent study`.
    ns = [r["n"] for r in result["sizes"]]
    result["scaling"] = {"attribute": {}}
    for form in [*FORMS, "all_four"]:
        ys = [r["closed_form"][form]["seconds"] for r in result["sizes"]]
        big = [(x, y) for x, y in zip(ns, ys) if x >= 10_000]
        result["scaling"]["attribute"][form] = {
            "n": ns, "seconds": ys,
            "exponent_all": loglog_slope(ns, ys),
            "exponent_n_ge_1e4": loglog_slope(*zip(*big)) if len(big) >= 2 else None,
        }
    result["scaling"]["attribute"]["process"] = {
        "n": ns, "wall_s": [r["attribute_process"]["wall_s_median"] for r in result["sizes"]],
        "peak_rss_mib": [r["attribute_process"]["peak_rss_mib_max"] for r in result["sizes"]],
    }
    p = result["scaling"]["attribute"]["process"]
    big = [(x, w, m) for x, w, m in zip(p["n"], p["wall_s"], p["peak_rss_mib"]) if x >= 10_000]
    if len(big) >= 2:
        p["exponent_wall_n_ge_1e4"] = loglog_slope([b[0] for b in big], [b[1] for b in big])
        p["exponent_rss_n_ge_1e4"] = loglog_slope([b[0] for b in big], [b[2] for b in big])

    study_sizes = [int(x) for x in args.study_sizes.split(",") if x]
    if study_sizes:
        st = {"n": [], "wall_s": [], "peak_rss_mib": [], "command": "emergent study --features T --indicator 'gini(posts + replies)' --baseline mean --no-sweeps"}
        for n in study_sizes:
            csv = os.path.join(args.work, f"table-{n}.csv")
            write_table(npcf.heavy_tailed(n), csv)
            walls, rss = [], []
            for r in range(max(1, min(args.repeats, 3))):
                out = os.path.join(args.work, f"study-{n}")
                _, tm = timed([EMERGENT, "study", "--features", csv, "--indicator", "gini(posts + replies)",
                               "--baseline", "mean", "--out", out, "--no-sweeps"], args.work, f"study-{n}")
                walls.append(tm["elapsed_s"])  # GNU time rounds to 10 ms
                rss.append(tm["peak_rss_mib"])
            st["n"].append(n)
            st["wall_s"].append(median(walls))
            st["peak_rss_mib"].append(max(rss))
            log(f"  study N = {n}: {median(walls):.3f} s, {max(rss):.0f} MiB")
        big = [(x, w, m) for x, w, m in zip(st["n"], st["wall_s"], st["peak_rss_mib"]) if x >= 10_000]
        if len(big) >= 2:
            st["exponent_wall_n_ge_1e4"] = loglog_slope([b[0] for b in big], [b[1] for b in big])
            st["exponent_rss_n_ge_1e4"] = loglog_slope([b[0] for b in big], [b[2] for b in big])
        result["scaling"]["study"] = st
    result["loadavg_after"] = loadavg()
    write_json(args.out, result)


if __name__ == "__main__":
    main()
