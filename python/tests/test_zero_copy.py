"""A 10⁷-row table is attributed without copying its Float64 columns or its Int64 ids.

Each case runs in a fresh interpreter and measures how much the attribution raises the
process's peak resident memory (``ru_maxrss``). The input is a single 80 MB column; what the
engine allocates for φ and its own work is the same whatever the input kind, so a copied
column shows as ~80 MB more. Integer columns must be converted to f64 (a copy): they are the
control that shows the measurement sees a copy. A table without ids gets row numbers (80 MB
made by the engine); one with an Int64 ``agent_id`` column must not cost them, so its added
peak is ~80 MB lower.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

N = 10_000_000
INPUT_BYTES = 8 * N

SCRIPT = r"""
import resource, sys
import numpy as np, pyarrow as pa
import emergent

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

kind, n = sys.argv[1], int(sys.argv[2])
x = np.arange(n, dtype=np.int64 if kind == "int64" else np.float64)
if kind in ("float64", "int64"):
    table = pa.table({"x": x})
elif kind == "ids":
    table = pa.table({"agent_id": np.arange(n, dtype=np.int64), "x": x})
elif kind == "pandas":
    import pandas as pd
    table = pd.DataFrame({"x": x}, copy=False)
elif kind == "polars":
    import polars as pl
    table = pl.from_numpy(x.reshape(-1, 1), schema=["x"])
    del x  # polars copied it; keep one copy alive, as for the others
before = peak()
a = emergent.attribute(table, "mean(x)")
assert a.n_agents == n and a.completeness_gap < 1e-9
print(peak() - before)
"""


def added_peak(kind: str) -> int:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, kind, str(N)], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def converted() -> int:
    """The added peak when the column must be converted (int64 → f64): the copying case."""
    return added_peak("int64")


@pytest.mark.parametrize("kind", ["float64", "pandas", "polars"])
def test_a_float64_column_is_not_copied(kind, converted):
    shared = added_peak(kind)
    # A copy would add INPUT_BYTES (80 MB); allow half of that for allocator noise.
    assert shared + INPUT_BYTES // 2 < converted, (kind, shared, converted)
    # And the control did copy: its extra memory is about one column.
    assert converted - shared > INPUT_BYTES * 3 // 4, (kind, shared, converted)


def test_int64_ids_are_not_copied(converted):
    without_ids = added_peak("float64")
    with_ids = added_peak("ids")
    # Row numbers cost the table without ids 80 MB; shared ids cost nothing.
    assert with_ids + INPUT_BYTES // 2 < without_ids, (with_ids, without_ids)
