"""emergent.run / open_run / resume / report / attribute_dynamic: the runner the CLI calls."""

from __future__ import annotations

import os
import signal

import pandas as pd
import polars as pl
import pytest

import emergent
from emergent import _native


def test_a_run_has_every_table_lazily(small_run):
    run = small_run
    assert run.summary["agents"] == 2000 and run.summary["ticks"] == 12
    features = run.features
    assert isinstance(features, pd.DataFrame) and len(features) == 2000
    assert "stance" in features.columns
    ticks = run.ticks
    assert ticks["tick"].nunique() >= 12
    assert len(run.actions) > 0
    assert "tick" in run.indicators.columns
    assert len(run.attribution) > 0
    assert run.manifest["counts"]["agents"] == 2000 and run.manifest["seed"] == 7
    assert run.manifest["overrides"][:2] == ["population.agents=2000", "scenario.ticks=12"]
    names = [o["name"] for o in run.summary["indicators"]]
    assert names and names == [o["name"] for o in run.attribution_summary["indicators"]]
    assert (run.dir / "report.html").is_file()  # written after the run, as the CLI does


def test_open_run_reads_the_same_tables_as_polars(small_run):
    again = emergent.open_run(small_run.dir, frame="polars")
    assert isinstance(again.features, pl.DataFrame)
    assert again.features.to_pandas().equals(small_run.features)
    with pytest.raises(FileNotFoundError):
        emergent.open_run(small_run.dir / "nowhere")


def test_attribute_over_a_run_directory_with_the_initial_baseline(small_run):
    a = small_run.attribute("var(stance)", baseline="initial")
    assert a.baseline == "initial" and a.n_agents == 2000
    assert a.sum_phi == pytest.approx(a.value - a.baseline_value, rel=1e-6, abs=1e-9)


def test_report_and_dynamic_attribution(small_run):
    files = emergent.report(small_run.dir)
    assert os.path.isfile(files["markdown"]) and os.path.isfile(files["html"])
    # A short budget: what the panels cannot resolve is anchored to the change between their
    # ends, so every indicator is efficient and says how far off the quadrature alone was.
    outcomes = emergent.attribute_dynamic(small_run.dir, max_nodes=16)
    assert outcomes and all("name" in o for o in outcomes)
    assert (small_run.dir / "dynamic_attribution.json").is_file()
    for o in outcomes:
        assert o["completeness_gap"] <= 1e-6 and o["nodes"] <= 16
        assert o["anchoring"]["quadrature_gap"] > o["completeness_gap"]
    [grouped] = emergent.attribute_dynamic(small_run.dir, ["polarization"], max_nodes=8, groups="tiers")
    assert [g["name"] for g in grouped["groups"]] == ["top 1%", "1%–10%", "bottom 90%"]
    total = sum(g["phi"] for g in grouped["groups"])
    assert total == pytest.approx(grouped["value"] - grouped["baseline_value"], rel=1e-6)
    for g in grouped["groups"]:  # each group's total is the twin game's Shapley value
        assert g["phi"] == pytest.approx(g["corner_shapley"], rel=1e-6, abs=1e-9)
    with pytest.raises(emergent.EmergentError, match="groups"):
        emergent.attribute_dynamic(small_run.dir, groups="tiers:nowhere")
    with pytest.raises(ValueError, match="max_nodes"):
        emergent.attribute_dynamic(small_run.dir, max_nodes=0)


def test_scenario_errors_name_the_file_line_and_column(tmp_path, root):
    bad = tmp_path / "bad.toml"
    text = (root / "scenarios" / "quickstart.toml").read_text()
    bad.write_text(text.replace("agents = 10_000", "agents = -5"))
    line = 1 + text[: text.index("agents = 10_000")].count("\n")
    with pytest.raises(emergent.EmergentError, match=rf"bad\.toml:{line}:\d+"):
        emergent.run(bad, out=tmp_path / "out", progress=False)
    with pytest.raises(emergent.EmergentError, match="population.agentz"):
        emergent.run(root / "scenarios" / "quickstart.toml", out=tmp_path / "out2",
                     set={"population.agentz": 3}, progress=False)


def test_ctrl_c_stops_cleanly_and_the_run_resumes(tmp_path, root):
    out = tmp_path / "interrupted"
    seen = []

    def progress(event, a, b):
        seen.append((event, a))
        if event == "tick" and a == 3:
            os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C in a notebook does

    with pytest.raises(KeyboardInterrupt, match="resume"):
        _native.run(str(root / "scenarios" / "quickstart.toml"), None, str(out), 3,
                    ["population.agents=1000", "scenario.ticks=10", "checkpoint.every=1"],
                    False, False, None, None, [], progress)
    ticks = [a for e, a in seen if e == "tick"]
    assert max(ticks) < 10  # stopped after the tick the signal came in
    assert not (out / "manifest.json").exists()
    finished = emergent.resume(out, progress=False, report=False)
    assert (out / "manifest.json").is_file() and finished.summary["ticks"] == 10
    # The resumed run equals an uninterrupted one.
    whole = emergent.run(root / "scenarios" / "quickstart.toml", out=tmp_path / "whole", seed=3,
                         set={"population.agents": 1000, "scenario.ticks": 10, "checkpoint.every": 1},
                         progress=False, report=False)
    pd.testing.assert_frame_equal(finished.features, whole.features)


def test_tqdm_progress_counts_every_tick(tmp_path, root, capsys):
    pytest.importorskip("tqdm")
    emergent.run(root / "scenarios" / "quickstart.toml", out=tmp_path / "bar",
                 set={"population.agents": 500, "scenario.ticks": 5}, progress=True, report=False)
    assert "5/5" in capsys.readouterr().err


def test_open_run_reads_a_partitioned_runs_shards_as_one_table(small_run, tmp_path):
    """The layout `mpirun -np 2 emergent run --distributed` writes: per-rank shards listed in
    shards.json (docs/run-directory.md), read in rank order."""
    import json
    import shutil

    import pyarrow.parquet as pq

    sharded = tmp_path / "sharded"
    shutil.copytree(small_run.dir, sharded)
    whole = pq.read_table(sharded / "features.parquet")
    (sharded / "features.parquet").unlink()
    half = whole.num_rows // 2
    pq.write_table(whole.slice(0, half), sharded / "features-r00000.parquet")
    pq.write_table(whole.slice(half), sharded / "features-r00001.parquet")
    (sharded / "shards.json").write_text(json.dumps({
        "ranks": 2,
        "rows": [[0, half], [half, whole.num_rows]],
        "tables": {"features": ["features-r00000.parquet", "features-r00001.parquet"]},
    }))
    run = emergent.open_run(sharded, frame="arrow")
    assert run.features.equals(whole)
    # attribute reads the shards as one table too, as `emergent attribute --features DIR` does.
    a = run.attribute("var(stance)")
    b = emergent.attribute(whole, "var(stance)")
    assert a.value == b.value and a.phi.column("phi").equals(b.phi.column("phi"))
