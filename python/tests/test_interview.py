"""``emergent.interview`` against the OpenAI-compatible server conftest.py starts on
127.0.0.1: an LLM run of scenarios/social-llm-20.toml, then its agents asked as they were at a
tick, each answer's value the stance its prompt showed; asked again from the replay cache; and
the command line's errors for an agent that does not exist and for a run without LLM agents."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

import emergent

QUESTION = "On a scale from -1 to 1, how much do you support the ban?"


def test_an_interview_s_values_are_the_stances_the_agents_had_and_a_second_asks_nobody(llm_run, server):
    decisions = server.requests
    assert decisions > 0
    r = emergent.interview(llm_run.dir, [0, 1, 2, 3, 4], QUESTION, tick=2)
    assert (r.tick, r.requests, server.requests) == (2, 5, decisions + 5)
    assert r.out == llm_run.dir / "interviews.parquet"
    ticks = pq.read_table(llm_run.dir / "ticks.parquet").to_pylist()
    stance = {t["agent_id"]: t["stance"] for t in ticks if t["tick"] == 2}
    assert list(r.values) == [0, 1, 2, 3, 4]
    for agent, value in r.values.items():
        assert abs(value - stance[agent]) <= 0.005, (agent, value, stance[agent])
    df = r.to_pandas()
    assert list(df.columns) == ["agent_id", "tick", "question", "answer", "value", "choice"]
    assert (df["tick"] == 2).all() and (df["question"] == QUESTION).all()
    assert df["answer"].tolist() == ["I stand where I stand."] * 5
    assert pq.read_table(r.out).to_pylist() == r.rows
    # The same interview again: every answer from the replay cache, the same rows.
    again = emergent.interview(llm_run.dir, "0..5", QUESTION, tick=2)
    assert (again.requests, server.requests) == (0, decisions + 5)
    assert again.rows == r.rows
    # A choice, at the last tick by default; the first interview's rows are kept.
    vote = emergent.interview(llm_run.dir, "3,7", "Would you vote for the ban, yes or no?")
    assert vote.tick == max(t["tick"] for t in ticks)
    assert [(x["value"], x["choice"]) for x in vote.rows] == [(0.0, "yes")] * 2
    assert vote.to_polars().height == 2 and pq.read_table(vote.out).num_rows == 7


def test_an_agent_that_does_not_exist_or_a_run_without_llm_agents_is_the_cli_s_error(
    llm_run, small_run, server
):
    before = server.requests
    with pytest.raises(emergent.EmergentError, match="agent 25 does not exist: the run has 20 agents"):
        emergent.interview(llm_run.dir, [3, 25], QUESTION)
    with pytest.raises(emergent.EmergentError, match="this run has no LLM agents"):
        emergent.interview(small_run.dir, "0..3", QUESTION)
    assert server.requests == before
    assert not (llm_run.dir / "interviews.parquet").exists()
