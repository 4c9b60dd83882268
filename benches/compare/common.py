"""Shared helpers of the benches/compare drivers: run a command under GNU time, medians, fits."""

import json
import math
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EMERGENT = os.environ.get("EMERGENT_BIN", os.path.join(ROOT, "target", "release", "emergent"))
GNU_TIME = "/usr/bin/time"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def loadavg():
    try:
        return [float(x) for x in open("/proc/loadavg").read().split()[:3]]
    except OSError:
        return None


def parse_gnu_time(text):
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1)
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    return {
        "wall_s": secs,
        "user_s": float(re.search(r"User time \(seconds\): (\S+)", text).group(1)),
        "sys_s": float(re.search(r"System time \(seconds\): (\S+)", text).group(1)),
        "peak_rss_mib": int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1)) / 1024,
    }


def timed(cmd, workdir, tag, env=None):
    """Run cmd under `/usr/bin/time -v`; fail loudly on a non-zero exit. Returns (stdout, time dict)."""
    os.makedirs(workdir, exist_ok=True)
    tfile = os.path.join(workdir, f"{tag}.time")
    t0 = time.perf_counter()
    p = subprocess.run([GNU_TIME, "-v", "-o", tfile, *cmd], capture_output=True, text=True,
                       env={**os.environ, **(env or {})})
    elapsed = time.perf_counter() - t0
    if p.returncode != 0:
        log(p.stdout[-4000:])
        log(p.stderr[-4000:])
        raise SystemExit(f"command failed ({p.returncode}): {' '.join(cmd)}")
    t = parse_gnu_time(open(tfile).read())
    t["elapsed_s"] = elapsed
    return p.stdout, t


def emergent_json(args, workdir, tag):
    out, t = timed([EMERGENT, *args], workdir, tag)
    return json.loads(out), t


def median(xs):
    return statistics.median(xs)


def loglog_slope(xs, ys):
    """Least-squares slope of log y on log x (the growth exponent)."""
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys) if x > 0 and y > 0]
    if len(pts) < 2:
        return None
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx if sxx else None


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)
