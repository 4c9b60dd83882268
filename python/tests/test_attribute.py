"""emergent.attribute: the Rust tests' oracle cases, every input kind, and errors."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import emergent


def reference(root):
    return json.loads((root / "crates/attribution/tests/data/reference_vectors.json").read_text())


def test_every_reference_case_of_the_math_notes_matches(root):
    d = reference(root)
    table = pd.DataFrame(d["table"])
    assert len(d["cases"]) == 8
    for case in d["cases"]:
        methods = ["auto", "quadrature"] if case["method"] == "aumann-shapley" else ["exact-shapley"]
        for method in methods:
            a = emergent.attribute(table, case["indicator"], baseline=case["baseline"], method=method)
            got = a.to_pandas()["phi"].to_numpy()
            want = np.array(case["phi"])
            scale = np.maximum(np.abs(want), 1e-12)
            assert np.max(np.abs(got - want) / scale) < 1e-10, (case["indicator"], method, got, want)
            assert a.sum_phi == pytest.approx(case["sum_phi"], rel=1e-10, abs=1e-10)
            assert list(a.phi.column("agent_id").to_pylist()) == d["table"]["agent_id"]


def brute_force_shapley(x, f):
    """Shapley values of the game v(S) = f(x on S, 0 elsewhere), over every permutation."""
    n = len(x)
    phi = np.zeros(n)
    perms = list(itertools.permutations(range(n)))
    for order in perms:
        cur = np.zeros(n)
        prev = f(cur)
        for i in order:
            cur[i] = x[i]
            now = f(cur)
            phi[i] += now - prev
            prev = now
    return phi / len(perms)


def test_exact_shapley_equals_the_brute_force_game_on_a_small_table():
    x = np.array([3.0, -1.0, 4.0, 1.5, 9.0])
    a = emergent.attribute(pa.table({"x": x}), "var(x)", method="exact-shapley")
    assert a.method == "exact-shapley"
    want = brute_force_shapley(x, lambda v: float(np.var(v)))
    np.testing.assert_allclose(a.phi.column("phi").to_numpy(), want, rtol=1e-12, atol=1e-12)
    assert a.value == pytest.approx(np.var(x))
    assert a.completeness_gap < 1e-12


def test_mean_baseline_closed_forms():
    rng = np.random.default_rng(3)
    x = rng.lognormal(size=1000)
    df = pl.DataFrame({"agent_id": np.arange(1000, 2000), "x": x})
    # mean(x) against the mean baseline: linear, φ_i = (x_i − x̄)/n, summing to f(x) − f(x') = 0.
    a = emergent.attribute(df, "mean(x)", baseline="mean")
    assert a.method == "closed-form" and a.baseline_value == pytest.approx(x.mean())
    np.testing.assert_allclose(a.phi.column("phi").to_numpy(), (x - x.mean()) / len(x), atol=1e-15)
    # sum(x) against zero: φ_i = x_i exactly.
    b = emergent.attribute(df, "sum(x)", baseline="zero")
    np.testing.assert_array_equal(b.to_polars()["phi"].to_numpy(), x)
    np.testing.assert_array_equal(b.to_polars()["agent_id"].to_numpy(), np.arange(1000, 2000))
    # var(x) against the mean baseline: φ_i = (x_i − x̄)² / n (the variance's own terms).
    c = emergent.attribute(df, "var(x)", baseline="mean")
    np.testing.assert_allclose(c.phi.column("phi").to_numpy(), (x - x.mean()) ** 2 / len(x), rtol=1e-9)
    assert c.sum_phi == pytest.approx(np.var(x), rel=1e-12)


def test_pandas_polars_and_arrow_give_the_same_phi_and_per_column_phi():
    df = pd.DataFrame({"posts": [1.0, 2, 3, 10, 0], "replies": [0, 1, 0, 2, 7]})
    results = [
        emergent.attribute(t, "gini(posts + replies)", baseline="mean")
        for t in (df, pl.from_pandas(df), pa.Table.from_pandas(df))
    ]
    first = results[0].to_pandas()
    assert list(first.columns) == ["agent_id", "phi", "phi_posts", "phi_replies"]
    for r in results[1:]:
        pd.testing.assert_frame_equal(r.to_pandas(), first)
    np.testing.assert_allclose(first["phi_posts"] + first["phi_replies"], first["phi"], rtol=1e-12)


def test_baselines_flags_tiers_and_out(tmp_path):
    n = 200
    df = pd.DataFrame({"agent_id": np.arange(n), "posts": np.arange(n, dtype=float),
                       "followers": np.arange(n, dtype=float)[::-1]})
    a = emergent.attribute(df, "sum(posts)", baseline={"posts": 1.0}, tiers=[0.1, 0.5])
    assert a.baseline == "posts=1"
    assert a.baseline_value == pytest.approx(n)
    assert a.tier_by == "followers" and [t.name for t in a.tiers][-1] == "bottom 50%"
    assert sum(t.stop - t.start for t in a.tiers) == n
    b = emergent.attribute(df, "sum(posts)", baseline="posts=1")
    assert b.sum_phi == a.sum_phi
    base = df.assign(posts=2.0)
    c = emergent.attribute(df, "sum(posts)", baseline=base)
    assert c.baseline == "table" and c.baseline_value == pytest.approx(2.0 * n)
    q = emergent.attribute(df, "var(posts)", method="quadrature", steps=4, tol=1e-9)
    assert q.method == "quadrature" and q.steps >= 4
    s = emergent.attribute(df.head(8), "var(posts)", method="sampled-shapley", permutations=50, seed=3)
    assert s.method == "sampled-shapley" and s.permutations == 50
    out = tmp_path / "phi.parquet"
    d = emergent.attribute(df, "mean(posts)", out=out, id_col="agent_id", tier_by="posts")
    import pyarrow.parquet as pq

    assert pq.read_table(out).column("phi").to_pylist() == d.phi.column("phi").to_pylist()
    with pytest.raises(emergent.EmergentError, match="exists"):
        emergent.attribute(df, "mean(posts)", out=out)
    emergent.attribute(df, "mean(posts)", out=out, force=True)
    # A file path is read as the CLI reads it.
    e = emergent.attribute(out, "sum(phi)")
    assert e.value == pytest.approx(d.sum_phi)


def test_integer_columns_and_text_ids_are_read():
    df = pl.DataFrame({"agent_id": ["did:a", "did:b", "did:c"], "likes": [1, 5, 0]})
    a = emergent.attribute(df, "sum(likes)")
    assert a.to_pandas()["agent_id"].tolist() == ["did:a", "did:b", "did:c"]
    assert a.phi.column("phi").to_pylist() == [1.0, 5.0, 0.0]


def test_errors_carry_the_place():
    df = pd.DataFrame({"posts": [1.0, 2.0], "replies": [1.0, None]})
    with pytest.raises(emergent.EmergentError, match=r"column 10: expected"):
        emergent.attribute(df, "var(posts")
    with pytest.raises(emergent.EmergentError, match=r"column `postz` not found; the table has posts, replies"):
        emergent.attribute(df, "var(postz)")
    with pytest.raises(emergent.EmergentError, match=r"column `replies`, row 1: missing value"):
        emergent.attribute(df, "sum(replies)")
    with pytest.raises(emergent.EmergentError, match="unknown method `magic`"):
        emergent.attribute(df, "sum(posts)", method="magic")
    with pytest.raises(emergent.EmergentError, match="tiers takes increasing fractions"):
        emergent.attribute(df, "sum(posts)", tiers=[0.5, 0.1])
    with pytest.raises(emergent.EmergentError, match="not zero, mean, min"):
        emergent.attribute(df, "sum(posts)", baseline="nonsense")
    with pytest.raises(emergent.EmergentError, match=r"give a run directory"):
        emergent.attribute(df, "sum(posts)", baseline="initial")
    with pytest.raises(TypeError, match="expected a pandas or polars DataFrame"):
        emergent.attribute([1, 2, 3], "sum(x)")


def test_float64_columns_are_read_where_arrow_keeps_them():
    x = np.linspace(1.0, 2.0, 1000)
    table = pa.table({"x": x})
    native_address = table.column("x").chunks[0].buffers()[1].address
    assert emergent._native._column_address(table.__arrow_c_stream__(), "x") == native_address
    # pandas: from_pandas shares the numpy buffer, so the engine reads numpy's memory.
    df = pd.DataFrame({"x": x})
    stream = emergent._tables.to_stream(df)
    assert emergent._native._column_address(stream, "x") == df["x"].to_numpy().ctypes.data
    # polars: its own buffer.
    pdf = pl.DataFrame({"x": x})
    expected = pdf.to_arrow().column("x").chunks[0].buffers()[1].address
    assert emergent._native._column_address(pdf.__arrow_c_stream__(), "x") == expected
    assert not math.isnan(emergent.attribute(pdf, "mean(x)").value)


def test_int64_ids_are_read_where_arrow_keeps_them_and_handed_back():
    ids = np.arange(10, 1010, dtype=np.int64)
    table = pa.table({"agent_id": ids, "x": np.linspace(1.0, 2.0, 1000)})
    address = table.column("agent_id").chunks[0].buffers()[1].address
    assert emergent._native._column_address(table.__arrow_c_stream__(), "agent_id") == address
    phi = emergent.attribute(table, "var(x)").phi
    assert phi.column("agent_id").chunks[0].buffers()[1].address == address
    # Duplicate ids are still refused, by the table's own check.
    dup = pa.table({"agent_id": np.array([1, 2, 1], dtype=np.int64), "x": [1.0, 2.0, 3.0]})
    with pytest.raises(emergent.EmergentError, match=r"agent id `1` appears twice \(rows 0 and 2\)"):
        emergent.attribute(dup, "var(x)")


def test_the_binding_adds_the_library_s_own_work_only():
    """The Rust reference the overhead benchmark subtracts gives the same numbers, and each
    part of a call is timed."""
    rng = np.random.default_rng(1)
    t = pa.table({"posts": rng.random(5000), "followers": rng.random(5000)})
    a = emergent.attribute(t, "gini(posts)", baseline="mean")
    assert min(a.table_seconds, a.seconds, a.tier_seconds) >= 0.0 and a.tier_by == "followers"
    seconds = emergent._native._library_seconds(
        t.__arrow_c_stream__(), "gini(posts)", "mean", "auto", 32, 1000, 0, 3
    )
    assert len(seconds) == 3 and all(wall > 0 and cpu >= 0 for wall, cpu in seconds)
