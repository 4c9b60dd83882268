"""``emergent.run``, ``resume``, ``open_run`` and the commands over a run directory."""

from __future__ import annotations

import json
import os
import warnings
from functools import cached_property
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from . import _native, _progress
from ._tables import as_frame

PathLike = Union[str, "os.PathLike[str]"]


class Run:
    """A run directory made by ``emergent run`` (or :func:`run`), read lazily: each table is
    read on first use, as ``frame`` (``"pandas"``, ``"polars"`` or ``"arrow"``; default
    pandas when installed). A partitioned run's shards are read as one table."""

    def __init__(self, dir: PathLike, frame: Optional[str] = None, summary: Optional[Dict[str, Any]] = None):
        self.dir = Path(dir)
        self.frame = frame
        #: What the run returned (agents, ticks, seconds, indicators), when it ran here.
        self.summary = summary

    def __repr__(self) -> str:
        return f"emergent.Run({str(self.dir)!r})"

    def table(self, name: str) -> Any:
        """Table ``name`` (``features``, ``ticks``, ``actions``, ``attribution``,
        ``follows``, ``cascades``…) of the run, shards included."""
        import pyarrow.parquet as pq

        files = [os.fspath(f) for f in _native.dataset_files(os.fspath(self.dir), name)]
        return as_frame(pq.read_table(files), self.frame)

    @cached_property
    def features(self) -> Any:
        """Every agent's features at the last tick (``features.parquet``)."""
        return self.table("features")

    @cached_property
    def ticks(self) -> Any:
        """Every agent's features at every recorded tick (``ticks.parquet``)."""
        return self.table("ticks")

    @cached_property
    def actions(self) -> Any:
        """Every action of every agent (``actions.parquet``)."""
        return self.table("actions")

    @cached_property
    def indicators(self) -> Any:
        """The scenario's indicators at every recorded tick (``indicators.csv``)."""
        import pyarrow.csv as pcsv

        return as_frame(pcsv.read_csv(os.fspath(self.dir / "indicators.csv")), self.frame)

    @cached_property
    def attribution(self) -> Any:
        """φ of every agent for every indicator (``attribution.parquet``)."""
        return self.table("attribution")

    @cached_property
    def attribution_summary(self) -> List[Dict[str, Any]]:
        """``attribution.json``: per indicator its value, baseline, completeness gap, tiers
        and top agents."""
        return json.loads(_native.read_attribution(os.fspath(self.dir)))

    @cached_property
    def manifest(self) -> Dict[str, Any]:
        """``manifest.json``: what ran, on what, and what it cost."""
        return json.loads(_native.read_manifest(os.fspath(self.dir)))

    def report(self) -> Dict[str, Any]:
        """Write ``report.md`` and a self-contained ``report.html`` (``emergent report``);
        returns their paths and the plots'."""
        return report(self.dir)

    def attribute(self, indicator: str, **kwargs: Any) -> Any:
        """:func:`emergent.attribute` over this run's final features (``baseline="initial"``
        works here)."""
        from ._attribution import attribute

        return attribute(os.fspath(self.dir), indicator, **kwargs)

    def study(self, **kwargs: Any) -> Any:
        """:func:`emergent.study` of this run (its scenario's indicators and baselines)."""
        from ._study import study

        return study(self.dir, **kwargs)

    def attribute_dynamic(self, indicators: Sequence[str] = (), **kwargs: Any) -> List[Dict[str, Any]]:
        """:func:`emergent.attribute_dynamic` of this run."""
        return attribute_dynamic(self.dir, indicators, **kwargs)


def open_run(dir: PathLike, frame: Optional[str] = None) -> Run:
    """An existing run directory (single or partitioned) as a :class:`Run`."""
    path = Path(dir)
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: not a directory")
    return Run(path, frame)


def run(
    scenario: PathLike,
    out: Optional[PathLike] = None,
    seed: Optional[int] = None,
    set: Optional[Mapping[str, Any]] = None,
    *,
    force: bool = False,
    offline: bool = False,
    max_calls: Optional[int] = None,
    max_tokens: Optional[int] = None,
    allow_prompt_path: Sequence[PathLike] = (),
    report: bool = True,
    progress: Optional[bool] = None,
    frame: Optional[str] = None,
) -> Run:
    """Run a scenario (``emergent run``; same names and defaults) and return its :class:`Run`.

    Args:
        scenario: the scenario file (see ``scenarios/README.md``).
        out: the run directory (default ``runs/<scenario name>-seed<seed>``).
        seed: override the scenario's seed.
        set: override scenario keys, e.g. ``{"population.agents": 1000}`` (``--set``).
        force: overwrite an existing run directory.
        offline, max_calls, max_tokens, allow_prompt_path: LLM agents (see ``emergent run
            --help``).
        report: write ``report.md``/``report.html`` afterwards, as the CLI does.
        progress: a tqdm bar (default: when tqdm is installed).
        frame: how the Run's tables are returned (``pandas``, ``polars``, ``arrow``).

    The engine runs without the GIL. Ctrl-C (or a notebook's interrupt) stops it cleanly
    after the current tick, checkpointed when checkpoints are on, and raises
    KeyboardInterrupt saying how to :func:`resume`. Errors raise :class:`EmergentError`
    with the scenario's file, line and column.
    """
    overrides = [f"{k}={_toml_value(v)}" for k, v in (set or {}).items()]
    summary = _native.run(
        os.fspath(scenario),
        None,
        None if out is None else os.fspath(out),
        seed,
        overrides,
        force,
        offline,
        max_calls,
        max_tokens,
        [os.fspath(p) for p in allow_prompt_path],
        _progress.make(progress),
    )
    return _finish(summary, report, frame)


def resume(
    dir: PathLike,
    *,
    offline: bool = False,
    max_calls: Optional[int] = None,
    max_tokens: Optional[int] = None,
    allow_prompt_path: Sequence[PathLike] = (),
    report: bool = True,
    progress: Optional[bool] = None,
    frame: Optional[str] = None,
) -> Run:
    """Continue an interrupted run from its last checkpoint (``emergent run --resume``)."""
    summary = _native.run(
        None,
        os.fspath(dir),
        None,
        None,
        [],
        False,
        offline,
        max_calls,
        max_tokens,
        [os.fspath(p) for p in allow_prompt_path],
        _progress.make(progress),
    )
    return _finish(summary, report, frame)


def _finish(summary: Dict[str, Any], write_report: bool, frame: Optional[str]) -> Run:
    summary["indicators"] = json.loads(summary.pop("indicators_json"))
    result = Run(summary["dir"], frame, summary)
    if write_report:
        try:
            report(result.dir)
        except _native.EmergentError as e:  # the run succeeded; as the CLI, only warn
            warnings.warn(f"the run finished but its report was not written: {e}")
    return result


def _toml_value(v: Any) -> str:
    """A Python value as the TOML text ``--set KEY=VALUE`` takes."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"set: cannot write {type(v).__name__} as a TOML value")


def report(run_dir: PathLike) -> Dict[str, Any]:
    """``emergent report RUN_DIR``: write ``report.md`` and ``report.html``; returns their
    paths (``markdown``, ``html``, ``plots``, ``with_study``)."""
    return dict(_native.report(os.fspath(run_dir)))


def attribute_dynamic(
    run_dir: PathLike,
    indicators: Sequence[str] = (),
    *,
    nodes: Optional[int] = None,
    tol: Optional[float] = None,
    max_nodes: Optional[int] = None,
    groups: Optional[str] = None,
) -> List[Dict[str, Any]]:
    """``emergent attribute --dynamic RUN_DIR``: attribute a finished run's indicators
    through its dynamics (the expected-value twin, adjoint gradients). Writes
    ``dynamic_attribution.parquet``/``.json`` into the run directory and returns one dict per
    indicator (value, baseline_value, completeness_gap, tiers, comparison, and ``anchoring``
    when the quadrature alone missed its tolerance…).

    Args:
        indicators: indicator *names* of the run's scenario (default: all).
        nodes: Gauss–Legendre nodes in α, 1–64: alone, one fixed rule; with ``tol``, the nodes
            per panel (default: the scenario's, adaptive panels).
        tol: refine the panels of α until the completeness gap is at most this.
        max_nodes: most gradient evaluations of the adaptive panels per indicator (per path
            with ``groups``), 1–4096 (default: the scenario's ``[attribution] max_nodes``);
            panels still off the tolerance then are anchored to the change between their ends.
        groups: a coalition structure (``"tiers"``, ``"communities"``… as for
            :func:`play_game`): exact Shapley between the groups, Aumann–Shapley inside each.
    """
    if nodes is not None and not 1 <= nodes <= 64:
        raise ValueError(f"nodes must be 1–64; got {nodes}")
    if max_nodes is not None and not 1 <= max_nodes <= 4096:
        raise ValueError(f"max_nodes must be 1–4096; got {max_nodes}")
    return json.loads(
        _native.attribute_dynamic(os.fspath(run_dir), list(indicators), nodes, tol, max_nodes, groups)
    )


def play_game(
    run_dir: PathLike,
    groups: str = "tiers",
    *,
    replicates: int = 8,
    indicators: Sequence[str] = (),
    permutations: Optional[int] = None,
    seed: int = 0,
    twin: bool = False,
) -> Dict[str, Any]:
    """``emergent attribute --game RUN_DIR``: ground-truth Shapley values of groups of agents,
    by rerunning the run with every group outside a coalition silenced. Writes ``game.json``
    and ``game.md``; returns ``game.json``'s content.

    Args:
        groups: ``tiers[:COLUMN[:A,B]]``, ``quantiles:COLUMN:K``, ``communities``,
            ``labels:COLUMN`` or ``table:PATH``.
        replicates: replicates with common random numbers, 1–1000.
        permutations: sample this many permutations per replicate instead of every coalition.
        twin: also play the game on the run's expected-value twin (exact games only).
    """
    if not 1 <= replicates <= 1000:
        raise ValueError(f"replicates must be 1–1000; got {replicates}")
    return json.loads(
        _native.play_game(
            os.fspath(run_dir), groups, replicates, list(indicators), permutations, seed, twin
        )
    )


def import_oasis(database: PathLike, out: PathLike, *, force: bool = False, frame: Optional[str] = None) -> Run:
    """``emergent import oasis SIM.db --out DIR``: read the SQLite database an OASIS simulation
    wrote into ``features.parquet`` (emergent's feature names plus OASIS's own, such as
    dislikes), ``follows.parquet`` and, when the trace counts timesteps, ``ticks.parquet``
    (see ``docs/oasis.md``). Returns the folder as a :class:`Run` whose ``summary`` is the
    import summary (``import.json``): ``attribute``, ``features``, ``ticks`` work on it, and
    ``baseline="initial"`` when it has ticks.

    Args:
        database: the OASIS database (its ``db_path``).
        out: the output folder: new or empty, unless ``force``.
        force: replace an earlier import in a non-empty ``out``.

    A database that is not OASIS's raises :class:`EmergentError` naming the missing table
    or column.
    """
    summary = json.loads(_native.import_oasis(os.fspath(database), os.fspath(out), force))
    return Run(out, frame, summary)
