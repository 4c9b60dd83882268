"""``emergent.interview`` against an OpenAI-compatible server this test starts on 127.0.0.1
(Python's http.server): an LLM run of scenarios/social-llm-20.toml, then its agents asked as
they were at a tick, each answer's value the stance its prompt showed; asked again from the
replay cache; and the command line's errors for an agent that does not exist and for a run
without LLM agents."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyarrow.parquet as pq
import pytest

import emergent

QUESTION = "On a scale from -1 to 1, how much do you support the ban?"


def _last_user(body):
    users = [m for m in body.get("messages", []) if m.get("role") == "user"]
    return users[-1]["content"] if users else ""


def _answer(prompt: str) -> str:
    """A decision varied by the prompt (as emergent_llm::testing::valid_answer), or, for an
    interview, the stance the prompt shows as the value ("yes" when asked yes or no)."""
    if "An interviewer asks you" not in prompt:
        x = int(hashlib.sha256(prompt.encode()).hexdigest(), 16) % 26 * 0.02
        return json.dumps({"stance": round(x - 0.25, 2), "post": True, "post_stance": round(x - 0.2, 2),
                           "like": [1], "reply_to": None, "repost": None})
    if "yes or no" in prompt:
        return '{"answer": "Yes, I would.", "value": "yes"}'
    stance = float(re.search(r"Your stance on the topic is (\S+)", prompt).group(1))
    return f'Sure:\n```json\n{{"answer": "I stand where I stand.", "value": {stance}}}\n```'


class _Chat(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            self.server.requests += 1
        reply = json.dumps({
            "id": "chatcmpl-test", "object": "chat.completion", "created": 0,
            "model": body.get("model", "test"),
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": _answer(_last_user(body))}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }).encode()
        self.send_response(200 if self.path == "/v1/chat/completions" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    s = ThreadingHTTPServer(("127.0.0.1", 0), _Chat)
    s.daemon_threads = True
    s.requests = 0
    s.lock = threading.Lock()
    t = threading.Thread(target=s.serve_forever, daemon=True)
    t.start()
    yield s
    s.shutdown()
    s.server_close()


@pytest.fixture
def llm_run(root, tmp_path, monkeypatch, server):
    """social-llm-20 for 4 ticks against the server, with a replay cache of its own."""
    monkeypatch.setenv("EMERGENT_CACHE", str(tmp_path / "replay.sqlite"))
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    return emergent.run(root / "scenarios" / "social-llm-20.toml", out=tmp_path / "run", force=True,
                        set={"llm.base_url": url, "scenario.ticks": 4, "llm.max_retries": 1,
                             "llm.backoff_ms": 5},
                        report=False, progress=False)


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
