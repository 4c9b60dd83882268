"""Shared fixtures: the repository root, one small quickstart run the run tests share, and an
OpenAI-compatible server on 127.0.0.1 (Python's http.server) with an LLM run made against it."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import emergent

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def small_run(tmp_path_factory) -> emergent.Run:
    """scenarios/quickstart.toml at 2000 agents and 12 ticks (a second or two)."""
    out = tmp_path_factory.mktemp("runs") / "quickstart"
    return emergent.run(
        ROOT / "scenarios" / "quickstart.toml",
        out=out,
        seed=7,
        set={"population.agents": 2000, "scenario.ticks": 12},
        progress=False,
    )


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
    """The chat-completions server; ``requests`` counts what reached it."""
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
def make_llm_run(root, tmp_path, monkeypatch, server):
    """``make_llm_run(ticks)``: social-llm-20 for ``ticks`` ticks against ``server``, with a
    replay cache of its own."""
    monkeypatch.setenv("EMERGENT_CACHE", str(tmp_path / "replay.sqlite"))
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"

    def make(ticks: int) -> emergent.Run:
        return emergent.run(root / "scenarios" / "social-llm-20.toml", out=tmp_path / "run", force=True,
                            set={"llm.base_url": url, "scenario.ticks": ticks, "llm.max_retries": 1,
                                 "llm.backoff_ms": 5},
                            report=False, progress=False)

    return make


@pytest.fixture
def llm_run(make_llm_run):
    """social-llm-20 for 4 ticks against ``server``."""
    return make_llm_run(4)
