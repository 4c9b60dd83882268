"""``emergent.distill``: a policy fitted to an LLM run's decisions (made against the
OpenAI-compatible server conftest.py starts), its fidelity summary as the command writes it;
and the command line's error for a run without LLM decisions."""

from __future__ import annotations

import json

import pytest

import emergent


def test_distilling_an_llm_run_writes_the_policy_and_its_fidelity(make_llm_run, tmp_path):
    llm_run = make_llm_run(16)
    out = tmp_path / "fit" / "policy.json"
    out.parent.mkdir()
    d = emergent.distill(llm_run.dir, out)
    assert d.policy == out and d.report == out.with_name("distill.json")
    assert json.loads(d.report.read_text()) == d.json
    assert json.loads(out.read_text())["format"]
    assert d.fitted_on >= 50 and d.held_out > 0 and d.fitted_on + d.held_out == d.json["decisions"]
    df = d.to_pandas()
    assert df["policy"].tolist() == ["distilled", "surrogate"]
    assert (df["decisions"] > 0).all() and df["log_loss"].notna().all()
    assert d.to_polars().height == 2
    # Distilled again into the same place: refused without force, as the command does.
    with pytest.raises(emergent.EmergentError, match="policy.json"):
        emergent.distill(llm_run.dir, out)
    again = emergent.distill(llm_run.dir, out, force=True).json
    # The same fit and policy; only the time of fitting may differ.
    assert {k: v for k, v in again.items() if k != "fitted_at"} == {
        k: v for k, v in d.json.items() if k != "fitted_at"
    }


def test_the_macro_check_runs_the_distilled_policy_on_the_llm_run_s_scenario(make_llm_run, tmp_path):
    llm_run = make_llm_run(16)
    out = tmp_path / "fit" / "policy.json"
    out.parent.mkdir()
    # Refused before anything is fitted, with the command line's words.
    with pytest.raises(emergent.EmergentError, match="--check-seeds 0: give 1 to 100 seeds"):
        emergent.distill(llm_run.dir, out, check_seeds=0)
    with pytest.raises(emergent.EmergentError, match="llm_runs needs check_seeds"):
        emergent.distill(llm_run.dir, out, llm_runs=[llm_run.dir])
    assert not out.exists()
    d = emergent.distill(llm_run.dir, out, check_seeds=2)
    check = d.json["macro_check"]
    assert check["seeds"][0] == check["llm_seeds"][0] and len(check["seeds"]) == 2
    assert check["indicators"], "every indicator of the scenario is compared"
    for m in check["indicators"]:
        assert len(m["distilled"]) == 2 and len(m["llm"]) == 1
    assert json.loads(d.report.read_text())["macro_check"] == check
    # The scratch runs are gone.
    assert sorted(p.name for p in out.parent.iterdir()) == ["distill.json", "policy.json"]


def test_a_run_without_llm_decisions_is_the_cli_s_error(small_run, tmp_path):
    with pytest.raises(emergent.EmergentError, match="no decision log: this run has no LLM-driven agents"):
        emergent.distill(small_run.dir, tmp_path / "policy.json")
    assert not (tmp_path / "policy.json").exists() and not (tmp_path / "distill.json").exists()
