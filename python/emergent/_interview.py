"""``emergent.interview``: the ``emergent interview`` command as a function (``docs/llm.md``,
"Interviews and surveys")."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

from . import _native
from ._run import PathLike
from ._tables import as_frame

#: The columns of ``interviews.parquet`` (docs/run-directory.md).
COLUMNS = ["agent_id", "tick", "question", "answer", "value", "choice"]


@dataclass(frozen=True)
class InterviewResult:
    """What ``emergent interview`` asked and wrote.

    ``rows`` has one dict per agent asked, in the order of ``agents`` (``agent_id``,
    ``tick``, ``question``, ``answer``, ``value`` — the number asked for, or the index of the
    choice, None when the question asks for none or the answer gave none — and ``choice``);
    ``out`` is the file written (the run's ``interviews.parquet`` keeps earlier interviews'
    rows too); ``requests`` the HTTP requests made (0: every answer came from the replay
    cache).
    """

    out: Path
    tick: int
    requests: int
    rows: List[Dict[str, Any]] = field(repr=False)

    @property
    def values(self) -> Dict[int, Optional[float]]:
        """Each agent's parsed value, by agent id."""
        return {r["agent_id"]: r["value"] for r in self.rows}

    def to_arrow(self) -> Any:
        """This interview's rows as a pyarrow Table (the types of ``interviews.parquet``)."""
        import pyarrow as pa

        types = [pa.int64(), pa.uint32(), pa.string(), pa.string(), pa.float64(), pa.string()]
        schema = pa.schema([pa.field(k, t) for k, t in zip(COLUMNS, types)])
        return pa.table({k: [r[k] for r in self.rows] for k in COLUMNS}, schema=schema)

    def to_pandas(self) -> Any:
        """This interview's rows as a pandas DataFrame."""
        return as_frame(self.to_arrow(), "pandas")

    def to_polars(self) -> Any:
        """This interview's rows as a polars DataFrame."""
        return as_frame(self.to_arrow(), "polars")


def interview(
    run_dir: PathLike,
    agents: Union[str, int, Sequence[int]],
    question: str,
    tick: Optional[int] = None,
    choices: Optional[Union[str, Sequence[str]]] = None,
    out: Optional[PathLike] = None,
    *,
    force: bool = False,
    base_url: Optional[str] = None,
    offline: bool = False,
    max_calls: Optional[int] = None,
) -> InterviewResult:
    """Ask a finished run's LLM agents a question as they were at a recorded tick (``emergent
    interview``; same names and defaults): each agent's prompt is its persona, its stance at
    the tick and its own last posts before it, then the question. The answers go into the
    run's ``interviews.parquet`` (a new interview replaces only the rows of the same agent,
    tick and question) or into ``out``.

    Args:
        run_dir: a finished run directory of a scenario with LLM agents.
        agents: whom to ask: ids (``[3, 7, 9]``, ``"3,7,9"``, or one int), a range
            (``"10..20"``, the end excluded), ``"top:K:COLUMN"`` (the K largest values of a
            feature at the tick) or ``"phi:K:INDICATOR"`` (the K largest |φ| of an indicator in
            ``attribution.parquet``). Only LLM agents can be asked; an id that does not exist
            or is not an LLM agent raises :class:`EmergentError`.
        question: the question. "on a scale from A to B" (or "between A and B") asks for a
            number, "yes or no" for a choice; the parsed answer is the ``value`` column.
        tick: the recorded tick to ask the agents as they were at (default: the last one).
        choices: the answer is one of these (a list, or ``"a,b,c"``); ``value`` is its
            index (0-based).
        out: write the answers here (``.parquet``, or ``.csv``) instead of the run
            directory's ``interviews.parquet``.
        force: replace ``out`` if it exists.
        base_url: ask this OpenAI-compatible endpoint (up to and including ``/v1``) instead
            of the run's scenario's; the API key still comes from the environment variable
            its ``llm.api_key_env`` names.
        offline: answer only from the replay cache; a question it has no answer for raises.
        max_calls: stop after this many HTTP calls (the answers so far stay in the cache).

    Runs without the GIL. Errors raise :class:`EmergentError` with the command line's text.
    """
    if isinstance(agents, int):
        selector = str(agents)
    elif isinstance(agents, str):
        selector = agents
    else:
        selector = ",".join(str(int(a)) for a in agents)
    if choices is not None and not isinstance(choices, str):
        choices = ",".join(choices)
    if force and out is None:
        raise ValueError("force replaces `out`: give `out` too (as --force requires --out)")
    d = _native.interview(
        os.fspath(run_dir),
        selector,
        question,
        tick,
        choices,
        None if out is None else os.fspath(out),
        force,
        base_url,
        offline,
        max_calls,
    )
    return InterviewResult(
        out=Path(d["out"]),
        tick=d["tick"],
        requests=d["requests"],
        rows=list(d["rows"]),
    )
