"""The rest of the command line as functions: experiment, validate, the replay cache's
stats/prune/export, import and synth bluesky. Real outcomes, the CLI's error texts, Ctrl-C."""

from __future__ import annotations

import os
import signal
import time

import pyarrow.parquet as pq
import pytest

import emergent


def small_scenario(root, tmp_path):
    """The quickstart at 300 agents and 10 ticks with a posting indicator; arm files that
    silence everybody from tick 2, or hold only a comment (a placebo)."""
    text = (root / "scenarios" / "quickstart.toml").read_text() + (
        '\n[[indicators]]\nname = "posting"\nexpr = "mean(posts)"\nbaseline = "zero"\n'
    )
    scenario = tmp_path / "small.toml"
    scenario.write_text(text.replace("agents = 10_000", "agents = 300").replace("ticks = 50", "ticks = 10"))
    mute = tmp_path / "mute.toml"
    mute.write_text('[[interventions]]\nkind = "silence"\nat = 2\nrange = [0, 300]\n')
    placebo = tmp_path / "placebo.toml"
    placebo.write_text("# no interventions\n")
    return scenario, mute, placebo


def test_an_experiment_s_placebo_has_no_effect_and_silencing_everybody_stops_posting(root, tmp_path):
    scenario, mute, placebo = small_scenario(root, tmp_path)
    out = tmp_path / "exp"
    e = emergent.experiment(scenario, {"mute": mute, "placebo": placebo}, replicates=3, out=out,
                            indicator="posting", progress=False)
    assert e.control == "control" and e.arms == ["control", "mute", "placebo"]
    assert (e.ran, e.kept) == (9, 0) and e.markdown.is_file() and e.html.is_file()
    effects = {r["arm"]: r for r in e.effects()}
    # The placebo arm is the control, replicate by replicate (common random numbers).
    assert effects["placebo"]["effect"] == 0.0
    assert effects["placebo"]["low"] == effects["placebo"]["high"] == 0.0
    # Nobody posts from tick 2: mean posts at the horizon falls, and significantly.
    assert effects["mute"]["high"] < 0.0
    df = e.to_pandas()
    assert list(df["arm"]) == ["mute", "placebo"] and (df["indicator"] == "posting").all()
    # Every run is an ordinary run directory.
    r0 = emergent.open_run(out / "arms" / "mute" / "r0")
    assert len(r0.features) == 300
    # Called again, the complete runs are kept.
    again = emergent.experiment(scenario, ["mute=" + str(mute), "placebo=" + str(placebo)],
                                replicates=3, out=out, indicator=["posting"], progress=False)
    assert (again.ran, again.kept) == (0, 9) and again.json == e.json


def test_experiment_errors_are_the_command_line_s(root, tmp_path):
    scenario, mute, _ = small_scenario(root, tmp_path)
    with pytest.raises(emergent.EmergentError, match=r"--replicates: 1: give at least 2"):
        emergent.experiment(scenario, {"mute": mute}, replicates=1, out=tmp_path / "a")
    with pytest.raises(emergent.EmergentError, match=r"--arm bad name=x\.toml: the name `bad name`"):
        emergent.experiment(scenario, ["bad name=x.toml"], replicates=2, out=tmp_path / "b")
    with pytest.raises(emergent.EmergentError, match=r"--indicator nope: no such indicator"):
        emergent.experiment(scenario, {"mute": mute}, replicates=2, out=tmp_path / "c",
                            indicator="nope")


def test_ctrl_c_stops_an_experiment_and_calling_again_finishes_it(root, tmp_path):
    scenario, mute, _ = small_scenario(root, tmp_path)
    out = tmp_path / "exp"
    seen = []

    def progress(event, n, what):
        seen.append(event)
        # The first run done: one Ctrl-C, as a notebook's Interrupt sends it. Only one: runs
        # still in flight report too, and a second SIGINT would land anywhere in the test.
        if event == "advance" and seen.count("advance") == 1:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.3)  # until the caller's 50 ms look at the signals has seen it

    with pytest.raises(KeyboardInterrupt, match="rerun the same call"):
        emergent._native.experiment(str(scenario), [f"mute={mute}"], 5, None, [], str(out),
                                    False, [], progress)
    assert seen[0] == "start" and not (out / "experiment.json").exists()
    done = emergent.experiment(scenario, {"mute": mute}, replicates=5, out=out, progress=False)
    assert 1 <= done.kept < 10 and done.ran + done.kept == 10


def test_validate_quick_reproduces_its_results_and_names_unknown_modules(tmp_path):
    v = emergent.validate(quick=True, out=tmp_path / "validation", only="deffuant", progress=False)
    assert v.ok and v.checks and all(c["id"].startswith("deffuant") for c in v.checks)
    assert all(c["pass"] for c in v.checks)
    assert v.markdown.is_file() and all(f.is_file() for f in v.figures)
    assert list(v.to_pandas()["id"]) == [c["id"] for c in v.checks]
    with pytest.raises(emergent.EmergentError, match=r"no validation module called `nope`; the modules are: deffuant"):
        emergent.validate(quick=True, out=tmp_path / "v2", only=["nope"])


@pytest.fixture
def fresh_cache(root, tmp_path, monkeypatch):
    """The replay cache an LLM run makes: an offline run of scenarios/social-llm-20.toml
    creates it and stops at its first miss, so it holds no answer."""
    cache = tmp_path / "replay.sqlite"
    monkeypatch.setenv("EMERGENT_CACHE", str(cache))
    with pytest.raises(emergent.EmergentError, match="cache miss"):
        emergent.run(root / "scenarios" / "social-llm-20.toml", out=tmp_path / "llm", offline=True,
                     progress=False, report=False)
    assert cache.is_file()
    return cache


def test_the_stats_prune_and_export_of_a_fresh_cache(fresh_cache, tmp_path):
    s = emergent.cache_stats(fresh_cache)
    assert s.path == fresh_cache and s.bytes > 0
    assert (s.entries, s.failures, s.by_model) == (0, 0, {})
    assert s.runs_table().shape[1] == 5
    assert emergent.cache_stats() == s  # $EMERGENT_CACHE is the default
    assert emergent.cache_prune(fresh_cache, all=True) == 0
    with pytest.raises(emergent.EmergentError, match="say what to prune: --model NAME, --older-than AGE, or --all"):
        emergent.cache_prune(fresh_cache)
    with pytest.raises(emergent.EmergentError, match=r'--older-than "3w": the unit must be d, h, m or s'):
        emergent.cache_prune(fresh_cache, older_than="3w")
    exported = emergent.cache_export(tmp_path / "cache.parquet", fresh_cache)
    assert exported.entries == 0
    assert pq.read_schema(exported.out).names == [
        "key", "model", "agent", "tick", "seed", "created", "request", "response", "failed",
        "prompt_tokens", "completion_tokens",
    ]
    with pytest.raises(emergent.EmergentError):
        emergent.cache_export(fresh_cache, fresh_cache, force=True)  # never over the cache


def test_a_missing_cache_is_an_error_naming_it(tmp_path):
    with pytest.raises(emergent.EmergentError, match="nothing.sqlite"):
        emergent.cache_stats(tmp_path / "nothing.sqlite")


def test_a_synthetic_bluesky_capture_imports_back_with_the_same_counts(tmp_path):
    cap = tmp_path / "cap.jsonl.zst"
    synth = emergent.synth_bluesky(300, 1.0, cap, seed=11, progress=False)
    assert synth["users"] == 300 and synth["events"] > 500
    imported = emergent.import_bluesky(cap, tmp_path / "imported", progress=False)
    report = imported.summary
    assert report["counts"] == synth["counts"]
    assert report["users_active"] == synth["users_active"] == len(imported.features)
    assert report["follow_edges"] == synth["follow_edges"]
    assert imported.features["agent_id"].str.startswith("did:plc:").all()
    a = emergent.attribute(imported.dir / "features.parquet", "gini(posts + 1)", baseline="mean")
    assert a.n_agents == report["users_active"] and a.tier_by == "followers"
    with pytest.raises(emergent.EmergentError, match="not empty.*--force"):
        emergent.import_bluesky(cap, tmp_path / "imported")
    with pytest.raises(emergent.EmergentError, match=r"--since: `yesterday` is not a time"):
        emergent.import_bluesky(cap, tmp_path / "other", since="yesterday")


def test_ctrl_c_stops_a_bluesky_import_and_nothing_is_written(tmp_path):
    cap = tmp_path / "cap.jsonl"  # ~30 MB: many of the reader's 2 MiB chunks
    emergent.synth_bluesky(20_000, 2.0, cap, seed=3, progress=False)
    out = tmp_path / "imported"

    sent = []

    def progress(event, n, what):
        if event == "advance" and not sent:  # one Ctrl-C, not one per chunk
            sent.append(True)
            os.kill(os.getpid(), signal.SIGINT)
            # The caller looks at Python's signals every 50 ms; the whole import may take
            # less. Wait here (without the GIL) until it has seen this one, as a person's
            # Ctrl-C comes long before the end.
            time.sleep(0.3)

    with pytest.raises(KeyboardInterrupt):
        emergent._native.import_bluesky([str(cap)], str(out), False, None, None, [], False, 1, progress)
    assert not (out / "features.parquet").exists()
