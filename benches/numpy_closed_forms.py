#!/usr/bin/env python3
"""The four closed-form attributions of crates/attribution, in idiomatic vectorised NumPy.

Same N (1,671,587) and the same distribution shapes as the Rust bench's heavy-tailed table
(Pareto-ish followers, lognormal-ish posts, replies = posts-like × uniform), drawn with NumPy's
own generator: the values differ, the shapes (and so the tie structure the Gini sort sees) match.

Each form computes what `emergent_attribution::attribute` returns: f(x), f(x'), φ per agent ×
column, φ per agent, and Σφ (for the completeness check). Prints JSON with the median of
`--repeats` runs (seconds) per form, for all four in sequence, and for one plain pass over the
data (Σ of the three columns).

Usage: python3 benches/numpy_closed_forms.py [--n N] [--repeats R]
"""

import argparse
import json
import platform
import sys
import time

import numpy as np


def heavy_tailed(n, seed=7):
    """Same formulas as `heavy_tailed` in crates/attribution/benches/closed_forms.rs."""
    rng = np.random.default_rng(seed)
    followers = np.minimum(np.floor(rng.random(n) ** (-1.0 / 1.2) - 1.0), 1e7)
    u1 = 1.0 - rng.random(n)  # (0, 1]
    u2 = rng.random(n)
    z = np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
    e = np.exp(1.0 + 1.2 * z)
    posts = np.round(e)
    replies = np.round(0.5 * e * rng.random(n))
    return {"followers": followers, "posts": posts, "replies": replies}


def mean_zero(t):
    """mean(posts + replies), zero baseline: φ_ik = x_ik / N."""
    p, r = t["posts"], t["replies"]
    n = p.size
    s = p + r
    value = s.mean()
    by_col = [p / n, r / n]
    phi = by_col[0] + by_col[1]
    return value, 0.0, by_col, phi, phi.sum()


def heat_zero(t):
    """mean(followers)·mean(posts)·mean(replies), zero baseline: φ_ik = x_ik Π_{l≠k} m_l / (3N)."""
    cols = [t["followers"], t["posts"], t["replies"]]
    n = cols[0].size
    m = np.array([c.mean() for c in cols])
    value = m.prod()
    by_col = [cols[k] * (np.prod(np.delete(m, k)) / (3.0 * n)) for k in range(3)]
    phi = by_col[0] + by_col[1] + by_col[2]
    return value, 0.0, by_col, phi, phi.sum()


def var_zero(t):
    """var(posts + replies), zero baseline: φ_ik = x_ik (s_i − s̄) / N."""
    p, r = t["posts"], t["replies"]
    n = p.size
    s = p + r
    sbar = s.mean()
    d = s - sbar
    value = np.dot(d, d) / n
    mult = d / n
    by_col = [p * mult, r * mult]
    phi = by_col[0] + by_col[1]
    return value, 0.0, by_col, phi, phi.sum()


def midranks(s):
    """1-based ranks, ties sharing their mean rank (scipy.stats.rankdata 'average', without scipy)."""
    n = s.size
    order = np.argsort(s)
    ss = s[order]
    new_run = np.empty(n, dtype=bool)
    new_run[0] = True
    np.not_equal(ss[1:], ss[:-1], out=new_run[1:])
    starts = np.flatnonzero(new_run)
    ends = np.append(starts[1:], n)
    mid = (starts + 1 + ends) / 2.0
    ranks = np.empty(n)
    ranks[order] = mid[np.cumsum(new_run) - 1]
    return ranks


def gini_mean(t):
    """gini(posts + replies), equal-share (mean) baseline:
    φ_i = (s_i − s̄)[(2 r_i − N − 1)/(N S) − G/(2S)], φ_ik = (x_ik − x̄_k)·[…]."""
    p, r = t["posts"], t["replies"]
    n = p.size
    s = p + r
    total = s.sum()
    coef = 2.0 * midranks(s) - n - 1.0
    g = np.dot(coef, s) / (n * total)
    mult = coef / (n * total) - g / (2.0 * total)
    by_col = [(p - p.mean()) * mult, (r - r.mean()) * mult]
    phi = by_col[0] + by_col[1]
    return g, 0.0, by_col, phi, phi.sum()


FORMS = {"mean": mean_zero, "heat": heat_zero, "var": var_zero, "gini": gini_mean}


def one_pass(t):
    return (t["followers"] + t["posts"] + t["replies"]).sum()


def all_four(t):
    return [f(t) for f in FORMS.values()]


def median_time(fn, t, repeats):
    fn(t)  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(t)
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_671_587)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    t = heavy_tailed(args.n)
    out = {
        "n": args.n,
        "columns": 3,
        "repeats": args.repeats,
        "statistic": "median seconds",
        "numpy": np.__version__,
        "python": platform.python_version(),
        "checks": {},
        "seconds": {},
        "runs": {},
    }
    for name, fn in FORMS.items():
        value, base, _, _, sum_phi = fn(t)
        out["checks"][name] = {"value": value, "baseline_value": base, "sum_phi": sum_phi,
                               "completeness_gap": abs(sum_phi - (value - base)) / abs(value - base)}
    benches = {"one_pass": one_pass, **FORMS, "all_four": all_four}
    for name, fn in benches.items():
        med, runs = median_time(fn, t, args.repeats)
        out["seconds"][name] = med
        out["runs"][name] = runs
        print(f"{name:9} {med * 1e3:9.2f} ms", file=sys.stderr)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
