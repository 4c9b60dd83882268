"""``emergent.cache_stats``, ``cache_prune``, ``cache_export``: the ``emergent cache``
commands over the LLM replay cache every run shares (``docs/llm.md``)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

from . import _native
from ._run import PathLike
from ._tables import as_frame


@dataclass(frozen=True)
class CacheStats:
    """``emergent cache stats --json``: the cache file, its size in bytes (file and
    write-ahead log), stored answers (``failures`` of them recorded failures), answers per
    model, the hit rate over every run that used the cache (None before any), and each run's
    hits and misses (:meth:`runs_table`)."""

    path: Path
    bytes: int
    entries: int
    failures: int
    by_model: Dict[str, int]
    hit_rate: Optional[float]
    runs: List[Dict[str, Any]] = field(repr=False)

    def runs_table(self, frame: Optional[str] = None) -> Any:
        """The runs (id, started, model, hits, misses) as ``frame`` (pandas by default)."""
        import pyarrow as pa

        keys = ["id", "started", "model", "hits", "misses"]
        return as_frame(pa.table({k: [r[k] for r in self.runs] for k in keys}), frame)


def _cache(cache: Optional[PathLike]) -> Optional[str]:
    return None if cache is None else os.fspath(cache)


def cache_stats(cache: Optional[PathLike] = None) -> CacheStats:
    """``emergent cache stats``: size, entries, entries by model and the hit rate of every
    run that used the cache.

    Args:
        cache: the cache file; default ``$EMERGENT_CACHE``, else
            ``$XDG_CACHE_HOME/emergent/replay.sqlite``, else
            ``~/.cache/emergent/replay.sqlite``. It must exist (a run with LLM agents
            creates it); otherwise :class:`EmergentError` says so, as the command does.
    """
    d = json.loads(_native.cache_stats(_cache(cache)))
    return CacheStats(
        path=Path(d["path"]),
        bytes=d["bytes"],
        entries=d["entries"],
        failures=d["failures"],
        by_model=dict(d["by_model"]),
        hit_rate=d["hit_rate"],
        runs=list(d["runs"]),
    )


def cache_prune(
    cache: Optional[PathLike] = None,
    *,
    model: Optional[str] = None,
    older_than: Optional[str] = None,
    all: bool = False,
    yes: bool = False,
) -> int:
    """``emergent cache prune``: remove entries by model and/or age, or all of them. A dry
    run (it only counts) unless ``yes=True``. Returns how many entries went (or would go).

    Args:
        cache: the cache file (see :func:`cache_stats`).
        model: only entries of this model (as ``llm.model`` names it).
        older_than: only entries stored longer ago than this: a number with ``d``, ``h``,
            ``m`` or ``s`` (``"30d"``, ``"12h"``); a bare number is days.
        all: every entry (needed when neither ``model`` nor ``older_than`` is given).
        yes: really remove them.
    """
    _, n = _native.cache_prune(_cache(cache), model, older_than, all, yes)
    return n


@dataclass(frozen=True)
class CacheExport:
    """``emergent cache export``: the Parquet file written and how many entries it holds."""

    out: Path
    entries: int

    def table(self, frame: Optional[str] = None) -> Any:
        """The exported entries (key, model, agent, tick, seed, created, request, response,
        failed, prompt_tokens, completion_tokens) as ``frame`` (pandas by default)."""
        import pyarrow.parquet as pq

        return as_frame(pq.read_table(os.fspath(self.out)), frame)


def cache_export(out: PathLike, cache: Optional[PathLike] = None, *, force: bool = False) -> CacheExport:
    """``emergent cache export --out FILE``: every entry as a Parquet table (requests and
    answers; never a key or header). Never writes over the cache; ``force`` replaces an
    existing ``out``."""
    n = _native.cache_export(os.fspath(out), _cache(cache), force)
    return CacheExport(Path(out), n)
